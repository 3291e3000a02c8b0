"""Black-box tests of `avp eval track` (usage errors, refused inputs with
one clear line, the text and JSON outputs, --link: results without track
ids linked by AVP's tracker) and of `avp eval`'s TIDE output and --rules."""
import json
import os
import subprocess

AVP = os.environ.get("AVP_BIN", "build/src/cli/avp")

# One pedestrian walking right over 6 frames (MOT16 gt: 9 columns).
GT = "".join(f"{f},1,{10 + 5 * f},20,30,60,1,1,1\n" for f in range(1, 7))


def avp(*args, check=None):
    r = subprocess.run([AVP, *map(str, args)], capture_output=True,
                       text=True, timeout=120)
    if check is not None:
        assert r.returncode == check, (r.returncode, r.stdout, r.stderr)
    return r


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_usage_errors_exit_2(tmp_path):
    gt = write(tmp_path, "gt.txt", GT)
    assert "expected GT and RESULTS" in avp("eval", "track", check=2).stderr
    avp("eval", "track", gt, check=2)
    avp("eval", "track", gt, gt, gt, check=2)
    assert "--frob" in avp("eval", "track", gt, gt, "--frob", check=2).stderr
    assert "usage: avp eval track" in avp("eval", "track", "--help",
                                          check=0).stdout


def test_refusals_are_one_line(tmp_path):
    gt = write(tmp_path, "gt.txt", GT)
    odd = write(tmp_path, "res.dat", GT)
    r = avp("eval", "track", gt, odd, check=1)
    assert "which format? (give --res-format)" in r.stderr
    r = avp("eval", "track", gt, odd, "--res-format", "nope", check=1)
    assert "unknown format" in r.stderr
    bad = write(tmp_path, "bad.txt", "1,1,2,3\n")
    assert "line 1" in avp("eval", "track", gt, bad, check=1).stderr
    dup = write(tmp_path, "dup.txt", GT + "2,1,200,20,30,60,1,-1,-1,-1\n")
    r = avp("eval", "track", gt, dup, check=1)
    assert "results: track 1 has two boxes on frame 1" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_text_and_json(tmp_path):
    gt = write(tmp_path, "gt.txt", GT)
    r = avp("eval", "track", gt, gt, check=0)
    assert "HOTA" in r.stdout and "MOTA" in r.stdout and "IDF1" in r.stdout
    assert "100.000" in r.stdout
    j = json.loads(avp("eval", "track", gt, gt, "--json", check=0).stdout)
    assert j["HOTA"]["HOTA"] == 1 and j["CLEAR"]["MOTA"] == 1
    assert j["Identity"]["IDF1"] == 1 and len(j["HOTA"]["alpha"]) == 19
    assert j["sequence"]["frames"] == 6 and j["sequence"]["gt_ids"] == 1


def test_link_gives_untracked_results_ids(tmp_path):
    gt = write(tmp_path, "gt.txt", GT)
    dets = write(tmp_path, "det.txt", "".join(
        f"{f},-1,{10 + 5 * f},20,30,60,0.9,-1,-1,-1\n" for f in range(1, 7)))
    r = avp("eval", "track", gt, dets, check=1)
    assert "is in no track" in r.stderr
    j = json.loads(avp("eval", "track", gt, dets, "--link", "--json",
                       check=0).stdout)
    assert j["sequence"]["tracker_ids"] == 1
    assert j["CLEAR"]["IDSW"] == 0 and j["Identity"]["IDF1"] == 1


def test_class_filter(tmp_path):
    gt = write(tmp_path, "gt.txt",
               GT + "3,2,300,300,20,20,1,3,1\n")  # class 3: a car
    res = write(tmp_path, "res.txt", GT)
    j = json.loads(avp("eval", "track", gt, res, "--json", check=0).stdout)
    assert j["CLEAR"]["CLR_FN"] == 1
    j = json.loads(avp("eval", "track", gt, res, "--gt-class", "1", "--json",
                       check=0).stdout)
    assert j["CLEAR"]["CLR_FN"] == 0 and j["CLEAR"]["MOTA"] == 1


COCO_GT = {"images": [{"id": 1}], "categories": [{"id": 1, "name": "person"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1,
                            "bbox": [0, 0, 100, 100], "area": 10000,
                            "iscrowd": 0}]}
COCO_RES = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 100, 100],
             "score": 0.9},
            {"image_id": 1, "category_id": 1, "bbox": [500, 500, 50, 50],
             "score": 0.8}]


def test_eval_tide_and_rules(tmp_path):
    gt = write(tmp_path, "gt.json", json.dumps(COCO_GT))
    res = write(tmp_path, "res.json", json.dumps(COCO_RES))
    r = avp("eval", "--gt", gt, "--pred", res, check=0)
    assert "errors (TIDE, AP50 100.00)" in r.stdout and "Bkg 1" in r.stdout
    j = json.loads(avp("eval", "--gt", gt, "--pred", res, "--json",
                       check=0).stdout)
    assert j["tide"]["errors"]["Bkg"]["count"] == 1 and "rules" not in j
    bad = write(tmp_path, "bad.json", '{"max_detections": 0}')
    r = avp("eval", "--gt", gt, "--pred", res, "--rules", bad, check=1)
    assert "bad.json: max_detections" in r.stderr
    # The false alarm lies in an ignore region: out of the evaluation.
    rules = write(tmp_path, "rules.json", json.dumps(
        {"ignore_regions": [[[400, 400], [700, 400], [700, 700],
                             [400, 700]]]}))
    j = json.loads(avp("eval", "--gt", gt, "--pred", res, "--rules", rules,
                       "--json", check=0).stdout)
    assert j["rules"]["detections_dropped"]["in_region"] == 1
    assert j["num_det"] == 1 and j["tide"]["errors"]["Bkg"]["count"] == 0
