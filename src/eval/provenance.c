/* provenance.c - whether a run is scored against ground truth its own
 * model made (auto ground truth): such a score measures agreement with
 * itself, AP near 1 whatever the model is worth, and every place that
 * shows it must say so. The same weights count as the same model even
 * under another model id (the hash), so an upload twice does not hide it. */
#include "eval/eval.h"

#include <string.h>

/* 1: the source's boxes came from the model; 0: not; -1: a model made
 * them but which one was not recorded (boxes stored before provenance). */
static int source_is_self(const json_t *s, int64_t model_id,
                          const char *model_sha256)
{
    const char *kind = json_string_value(json_object_get(s, "kind"));
    if (!kind || strcmp(kind, "model"))
        return 0;
    const json_t *id = json_object_get(s, "model_id");
    const char *sha = json_string_value(json_object_get(s, "model_sha256"));
    if (!json_is_integer(id) && !sha)
        return -1;
    if (json_is_integer(id) && json_integer_value(id) == model_id)
        return 1;
    return sha && model_sha256 && !strcmp(sha, model_sha256);
}

int eval_gt_provenance_mark(json_t *gt, int64_t model_id,
                            const char *model_sha256, avp_error_t *err)
{
    json_t *sources = json_object_get(gt, "sources"), *s;
    if (!json_is_array(sources))
        return avp_error_set(err, AVP_EINVAL, "ground-truth provenance: "
                             "no list of sources");
    json_int_t self_boxes = 0;
    size_t i;
    json_array_foreach(sources, i, s) {
        int self = source_is_self(s, model_id, model_sha256);
        json_object_set_new(s, "self", self < 0 ? json_null()
                                                : json_boolean(self));
        if (self > 0)
            self_boxes += json_integer_value(json_object_get(s, "boxes"));
    }
    json_object_set_new(gt, "self_boxes", json_integer(self_boxes));
    json_object_set_new(gt, "self_scored", json_boolean(self_boxes > 0));
    return self_boxes > 0;
}
