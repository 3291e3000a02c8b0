"""Black-box tests of the failure gallery (GET /api/runs/{id}/evaluation/
failures and .../failures/{n}/crop): the worst errors of each TIDE type per
class, their counts against the evaluation's own TIDE table, order, filters,
pages, the JPEG crops (made by a child `avp media`, cached in the thumbnail
folder) and refusals of bad input."""
import os

import pytest
from client import assert_error, call, new_user_session
# The finished run of test_validation (a video of its own, every 2nd
# frame) and its ground-truth helpers: the same data, not a copy.
from test_validation import gt_from_detections, perturb, run  # noqa: F401

TYPES = ["Cls", "Loc", "Both", "Dupe", "Bkg", "Miss"]
PER_GROUP = 16


@pytest.fixture(scope="module")
def evaluated(avp, admin, run, uploaded_model):  # noqa: F811
    gt_from_detections(avp, run, uploaded_model)
    perturb(admin, run)
    r = call(admin, "POST", "/api/runs/%d/evaluate" % run["id"], json={})
    assert r.status_code == 201, r.text
    return r.json()


def failures(s, run_id, **params):
    """Every item, following the pages."""
    items, cursor = [], None
    while True:
        q = dict(params, **({"cursor": cursor} if cursor else {}))
        r = call(s, "GET", "/api/runs/%d/evaluation/failures" % run_id, params=q)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items


def test_gallery_matches_the_tide_counts_worst_first(admin, run, evaluated):  # noqa: F811
    items = failures(admin, run["id"], limit=200)
    assert items, "a perturbed ground truth leaves errors to show"
    tide = {c["name"]: c["errors"] for c in evaluated["results"]["tide"]["per_class"]}
    for name, errors in tide.items():
        for t in TYPES:
            shown = [i for i in items if i["type"] == t and i["class"] == name]
            assert len(shown) == min(PER_GROUP, errors[t]["count"]), (name, t)
    # By TIDE's type order, then worst first: a false positive by score, a
    # miss by area.
    order = [TYPES.index(i["type"]) for i in items]
    assert order == sorted(order)
    for t in TYPES:
        of = [i for i in items if i["type"] == t]
        key = [(-i["score"] if t != "Miss" else
                -(i["gt_box"][2] - i["gt_box"][0]) * (i["gt_box"][3] - i["gt_box"][1])) for i in of]
        assert key == sorted(key), t
    for i in items:
        assert i["evaluation_id"] == evaluated["id"] and i["frame"] % 2 == 0
        assert (i["box"] is None) == (i["type"] == "Miss") == (i["score"] is None)
        assert (i["gt_box"] is None) == (i["type"] == "Bkg")
        assert (i["iou"] is None) == (i["type"] in ("Bkg", "Miss"))
        if i["type"] == "Loc":
            assert 0.1 <= i["iou"] <= 0.5
        assert i["t"] == pytest.approx(i["frame"] / 10.0, abs=0.06)
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)


def test_filters_and_pages(admin, run, evaluated):  # noqa: F811
    every = failures(admin, run["id"], limit=200)
    assert failures(admin, run["id"], limit=3) == every
    t = every[-1]["type"]
    assert failures(admin, run["id"], type=t) == [i for i in every if i["type"] == t]
    name = every[0]["class"]
    assert failures(admin, run["id"], **{"class": name}) == [i for i in every if i["class"] == name]
    assert failures(admin, run["id"], type=t, **{"class": "no such class"}) == []


def test_crop_is_a_cached_jpeg(avp, admin, run, evaluated):  # noqa: F811
    first = failures(admin, run["id"], limit=1)[0]
    path = "/api/runs/%d/evaluation/failures/%d/crop" % (run["id"], first["id"])
    r = call(admin, "GET", path)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "image/jpeg" and r.content[:2] == b"\xff\xd8"
    cached = os.path.join(avp.data_dir, "thumbs", "crop-%d-%d.jpg" % (evaluated["id"], first["id"]))
    assert os.path.exists(cached)
    before = os.stat(cached).st_ino
    again = call(admin, "GET", path)
    assert again.content == r.content and os.stat(cached).st_ino == before
    # What the client asks for does not choose the type.
    assert call(admin, "GET", path, headers={"Accept": "text/html"}).headers["Content-Type"] == "image/jpeg"


def test_bad_input_is_refused_in_words(avp, admin, run, evaluated):  # noqa: F811
    base = "/api/runs/%d/evaluation/failures" % run["id"]
    r = call(admin, "GET", base, params={"type": "Nope"})
    assert_error(r, 400)
    assert "type must be one of Cls, Loc, Both, Dupe, Bkg or Miss" in r.json()["error"]["message"]
    for bad in ({"limit": 0}, {"limit": 201}, {"limit": "x"}, {"cursor": "!!"}, {"class": ""}):
        assert_error(call(admin, "GET", base, params=bad), 400)
    assert_error(call(admin, "GET", base + "/999999/crop"), 404)
    for n in ("0", "-1", "abc"):
        r = call(admin, "GET", base + "/%s/crop" % n)
        assert_error(r, 400)
        assert "'n'" in r.json()["error"]["message"]
    assert_error(call(admin, "GET", "/api/runs/999999/evaluation/failures/1/crop"), 404)
    # Someone outside the project sees neither the list nor a crop.
    dave = new_user_session(avp, "dave", "dave-password-1")
    assert call(dave, "GET", base).status_code in (403, 404)
    assert call(dave, "GET", base + "/1/crop").status_code in (403, 404)
