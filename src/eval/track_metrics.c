/* track_metrics.c - eval_track(): the tracking metrics of one sequence
 * (HOTA, CLEAR MOT, Identity; docs/METRICS.md) and their JSON. What is
 * left out from TrackEval's MOTChallenge protocol: its distractor classes
 * (tracker boxes matching a static person or a reflection are removed
 * there; here they count as false positives unless the caller filters
 * labels) and its per-benchmark class lists. */
#include "internal.h"

const char *const eval_hota_names[EVAL_HOTA_NUM_FIELDS] = {
    "HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr", "LocA"};

int eval_track_link(const gt_t *dets, gt_t **out, avp_error_t *err)
{
    gt_track_options_t o;
    gt_track_options_default(&o);
    o.min_length = 1; /* auto ground truth drops short tracks; a tracker
                       * under test may not */
    return gt_autotrack(dets, &o, out, err);
}

int eval_track(const gt_t *gt, const gt_t *res, const eval_track_options_t *o,
               eval_track_result_t *r, avp_error_t *err)
{
    *r = (eval_track_result_t){0};
    /* numpy's arange(0.05, 0.99, 0.05): start + k * step, bit for bit. */
    for (int a = 0; a < EVAL_TRACK_NUM_ALPHA; a++)
        r->alpha[a] = 0.05 + a * 0.05;
    eval__track_seq_t s;
    int rc = eval__track_seq_build(gt, res, o, &s, r, err);
    if (rc < 0)
        return rc;
    r->num_frames = gt_num_annotated_frames(gt);
    r->gt_dets = (int64_t)s.num_gt;
    r->tr_dets = (int64_t)s.num_tr;
    r->gt_ids = s.num_gt_ids;
    r->tr_ids = s.num_tr_ids;
    eval__lsa_t lsa = {0};
    rc = eval__track_hota(&s, &lsa, r);
    if (rc == AVP_OK)
        rc = eval__track_clear(&s, &lsa, r);
    if (rc == AVP_OK)
        rc = eval__track_identity(&s, &lsa, r, err);
    else
        avp_error_set(err, rc, "frame assignment failed");
    eval__lsa_fini(&lsa);
    eval__track_seq_fini(&s);
    return rc;
}

static json_t *ints(const int64_t *v, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_integer(v[i]));
    return arr;
}

static json_t *hota_json(const eval_track_result_t *r)
{
    json_t *o = json_object(), *per = json_object();
    for (int k = 0; k < EVAL_HOTA_NUM_FIELDS; k++) {
        json_object_set_new(o, eval_hota_names[k], json_real(r->hota_mean[k]));
        json_object_set_new(per, eval_hota_names[k],
                            eval_json_reals(r->hota[k], EVAL_TRACK_NUM_ALPHA));
    }
    json_object_set_new(per, "TP", ints(r->hota_tp, EVAL_TRACK_NUM_ALPHA));
    json_object_set_new(per, "FN", ints(r->hota_fn, EVAL_TRACK_NUM_ALPHA));
    json_object_set_new(per, "FP", ints(r->hota_fp, EVAL_TRACK_NUM_ALPHA));
    json_object_set_new(o, "alpha", eval_json_reals(r->alpha, EVAL_TRACK_NUM_ALPHA));
    json_object_set_new(o, "per_alpha", per);
    json_object_set_new(o, "HOTA(0)", json_real(r->hota0));
    json_object_set_new(o, "LocA(0)", json_real(r->loca0));
    json_object_set_new(o, "HOTALocA(0)", json_real(r->hota_loca0));
    return o;
}

json_t *eval_track_json(const eval_track_result_t *r)
{
    json_t *clear = json_pack(
        "{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "MOTA",
        r->mota, "MOTP", r->motp, "MODA", r->moda, "sMOTA", r->smota,
        "CLR_Re", r->clr_re, "CLR_Pr", r->clr_pr, "CLR_F1", r->clr_f1,
        "MTR", r->mtr, "PTR", r->ptr, "MLR", r->mlr, "FP_per_frame",
        r->fp_per_frame);
    json_object_update_new(clear, json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "CLR_TP",
        (json_int_t)r->clr_tp, "CLR_FN", (json_int_t)r->clr_fn, "CLR_FP",
        (json_int_t)r->clr_fp, "IDSW", (json_int_t)r->idsw, "Frag",
        (json_int_t)r->frag, "MT", (json_int_t)r->mt, "PT",
        (json_int_t)r->pt, "ML", (json_int_t)r->ml));
    json_t *identity = json_pack(
        "{s:f, s:f, s:f, s:I, s:I, s:I}", "IDF1", r->idf1, "IDR", r->idr,
        "IDP", r->idp, "IDTP", (json_int_t)r->idtp, "IDFN",
        (json_int_t)r->idfn, "IDFP", (json_int_t)r->idfp);
    json_t *seq = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "frames",
        (json_int_t)r->num_frames, "gt_dets", (json_int_t)r->gt_dets,
        "tracker_dets", (json_int_t)r->tr_dets, "gt_ids",
        (json_int_t)r->gt_ids, "tracker_ids", (json_int_t)r->tr_ids,
        "gt_difficult_left_out", (json_int_t)r->gt_difficult,
        "tracker_dets_off_gt_frames", (json_int_t)r->tr_off_frames);
    return json_pack("{s:o, s:o, s:o, s:o}", "sequence", seq, "HOTA",
                     hota_json(r), "CLEAR", clear, "Identity", identity);
}
