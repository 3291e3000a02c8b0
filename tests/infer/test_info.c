/*
 * test_info.c - what infer_model_info() reports: op histogram of the file,
 * parameters, FLOPs, arena size, and the family guessed from the output
 * layout and the decode ops in the graph.
 */
#include "small_graphs.h"

static int op_count(const infer_info_t *info, const char *op)
{
    for (int i = 0; i < info->num_op_counts; i++)
        if (!strcmp(info->op_counts[i].op, op))
            return info->op_counts[i].count;
    return 0;
}

static void test_info_family(void)
{
    static const struct {
        const char *name;
        infer_family_t family;
        int classes;
    } cases[] = {
        {"head_x", INFER_FAMILY_YOLOX, 80},
        {"head_v5", INFER_FAMILY_YOLOV5, 80},
        {"head_v8", INFER_FAMILY_YOLOV8, 10},
        {"ops13", INFER_FAMILY_UNKNOWN, 0},
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(cases); i++) {
        infer_model_t *m = sg_load(cases[i].name, 2, 1);
        CHECK(m);
        const infer_info_t *info = infer_model_info(m);
        int ok = info->family == cases[i].family &&
                 info->num_classes == cases[i].classes;
        if (!ok)
            fprintf(stderr, "%s: %s with %d classes\n", cases[i].name,
                    infer_family_name(info->family), info->num_classes);
        infer_model_destroy(m);
        CHECK(ok);
    }
    CHECK(!strcmp(infer_family_name(INFER_FAMILY_YOLOX), "yolox"));
}

/* fold_bn: one 3x3 conv 3 -> 8 on 10x12, so FLOPs are 2 * 8*10*12 * 27
 * whatever the batch; parameters count the BN vectors as loaded. */
static void test_info_counts(void)
{
    infer_model_t *m = sg_load("fold_bn", 3, 1);
    CHECK(m);
    const infer_info_t *info = infer_model_info(m);
    int ok = info->opset == 13 && info->num_inputs == 1 &&
             info->num_outputs == 1 && op_count(info, "Conv") == 1 &&
             op_count(info, "BatchNormalization") == 1 &&
             op_count(info, "Relu") == 1 && info->num_op_counts == 3 &&
             info->params == 8 * 27 + 8 + 4 * 8 &&
             info->flops_per_frame == 2.0 * 8 * 10 * 12 * 27 &&
             info->inputs[0].dims[0] == 3 && info->arena_bytes > 0 &&
             !strcmp(info->inputs[0].name, "x");
    infer_model_destroy(m);
    CHECK(ok);
}

int main(void)
{
    sg_make();
    RUN(test_info_family);
    RUN(test_info_counts);
    return CHECK_DONE();
}
