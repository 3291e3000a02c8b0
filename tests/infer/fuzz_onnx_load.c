/*
 * fuzz_onnx_load.c - libFuzzer target for the ONNX loader: any byte string
 * must load or fail with a message, never crash, hang or leak. Small models
 * that load are also run once, so shape inference and planning are held to
 * what the executor does with them.
 *
 * Build: cmake -DCMAKE_C_COMPILER=clang -DAVP_FUZZ=ON (with AVP_SANITIZE=ON
 * for ASan+UBSan), then e.g.
 *   ./fuzz_onnx_load -max_len=65536 corpus/
 * with a corpus seeded from make_small_graphs.py's .onnx files.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "infer/infer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    infer_options_t opt = {2, 1};
    infer_model_t *m = NULL;
    avp_error_t err = {0};
    int rc = infer_model_load_buffer(data, size, &opt, &m, &err);
    if (rc < 0 && (m || !err.msg[0]))
        abort(); /* a failure must come with a message and no model */
    if (rc == 0) {
        const infer_info_t *info = infer_model_info(m);
        if (info->arena_bytes < (32u << 20) && info->flops_per_frame < 1e8)
            infer_model_run(m, 1, &err);
        infer_model_destroy(m);
    }
    return 0;
}
