"""Black-box tests of evaluation rules stored per project and per video
(GET/PUT/DELETE /api/{projects,videos}/{id}/evaluation-rules): checked by
the same parser as a request's rules (400 naming the field), audited, read
by members and written by editors, and used by an evaluation whose request
gives none: the video's over the project's, the request's over both, the
manifest saying which."""
import json

from client import api, assert_error, call, new_user_session
# The finished run of test_validation (a video of its own) and its
# ground-truth helper: the same data, not a copy.
from test_validation import gt_from_detections, run  # noqa: F401

EVERYWHERE = [[-1e5, -1e5], [1e5, -1e5], [1e5, 1e5], [-1e5, 1e5]]


def evaluate(admin, run_id, **body):  # noqa: F811
    r = call(admin, "POST", "/api/runs/%d/evaluate" % run_id, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_stored_rules_round_trip_and_are_audited(avp, admin, project, run):  # noqa: F811
    for path in ("/api/projects/%d" % project, "/api/videos/%d" % run["video_id"]):
        rules = path + "/evaluation-rules"
        assert call(admin, "GET", rules).json() == {"rules": None}
        body = {"rules": {"min_box_size": 4, "max_detections": 50}}
        r = call(admin, "PUT", rules, json=body)
        assert r.status_code == 200 and r.json() == body, r.text
        assert call(admin, "GET", rules).json() == body
        assert call(admin, "DELETE", rules).status_code == 204
        assert call(admin, "GET", rules).json() == {"rules": None}
        kind, oid = path.split("/")[2][:-1], int(path.split("/")[3])
        audit = avp.psql("SELECT detail::text FROM audit_log WHERE action = 'eval_rules' AND "
                         "object_type = '%s' AND object_id = %d ORDER BY id" % (kind, oid))
        assert [json.loads(a[0]) for a in audit] == [
            {"before": None, "after": body["rules"]}, {"before": body["rules"], "after": None}]


def test_bad_rules_are_refused_naming_the_field(admin, project, run):  # noqa: F811
    rules = "/api/videos/%d/evaluation-rules" % run["video_id"]
    cases = [({"rules": {"min_size": 3}}, "rules: unknown rule 'min_size'"),
             ({"rules": {"ignore_regions": [[[0, 0], [1, 1]]]}}, "ignore_regions[0]"),
             ({"rules": {"ignore_regions": [[[0, 0], [1, "x"], [2, 2]]]}}, "ignore_regions[0][1]"),
             ({"rules": []}, "rules"), ({}, "rules")]
    for body, said in cases:
        r = call(admin, "PUT", rules, json=body)
        assert_error(r, 400)
        assert said in r.json()["error"]["message"], (body, r.text)
    assert call(admin, "GET", rules).json() == {"rules": None}, "nothing was stored"
    assert_error(call(admin, "PUT", "/api/videos/999999/evaluation-rules",
                      json={"rules": {}}), 404)
    assert_error(call(admin, "GET", "/api/projects/999999/evaluation-rules"), 404)


def test_access(avp, admin, project, run):  # noqa: F811
    erin = new_user_session(avp, "erin", "erin-password-1")
    paths = ["/api/projects/%d/evaluation-rules" % project,
             "/api/videos/%d/evaluation-rules" % run["video_id"]]
    for p in paths:
        assert_error(call(api(avp), "GET", p), 401)
        assert_error(call(erin, "GET", p), 404)
    r = call(admin, "POST", "/api/projects/%d/members" % project,
             json={"username": "erin", "role": "viewer"})
    assert r.status_code == 201, r.text
    try:
        for p in paths:
            assert call(erin, "GET", p).status_code == 200
            assert_error(call(erin, "PUT", p, json={"rules": {}}), 403)
            assert_error(call(erin, "DELETE", p), 403)
    finally:
        call(admin, "DELETE", "/api/projects/%d/members/%d" % (project, erin.user_id))


def test_evaluation_uses_the_video_then_the_project_rules(avp, admin, project, run, uploaded_model):  # noqa: F811
    gt_from_detections(avp, run, uploaded_model)
    video = "/api/videos/%d/evaluation-rules" % run["video_id"]
    proj = "/api/projects/%d/evaluation-rules" % project
    assert call(admin, "PUT", proj, json={"rules": {"max_detections": 1}}).status_code == 200
    assert call(admin, "PUT", video, json={"rules": {"ignore_regions": [EVERYWHERE]}}).status_code == 200
    try:
        # The camera's region takes every box out.
        m = evaluate(admin, run["id"])["manifest"]["rules"]
        assert m["source"] == "video" and m["rules"] == {"ignore_regions": [EVERYWHERE]}
        assert m["detections_dropped"]["in_region"] == len(run["dets"])
        # Without the video's, the project's apply.
        assert call(admin, "DELETE", video).status_code == 204
        m = evaluate(admin, run["id"])["manifest"]["rules"]
        assert m["source"] == "project" and m["rules"] == {"max_detections": 1}
        assert m["detections_dropped"]["over_max"] > 0
        # A request's rules win over both.
        m = evaluate(admin, run["id"], rules={"min_box_size": 1})["manifest"]["rules"]
        assert m["source"] == "request" and m["rules"] == {"min_box_size": 1}
    finally:
        call(admin, "DELETE", proj)
        call(admin, "DELETE", video)
    assert "rules" not in evaluate(admin, run["id"])["manifest"]
