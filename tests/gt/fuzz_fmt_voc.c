/* fuzz_fmt_voc.c - libFuzzer target: one voc frame file on arbitrary bytes,
 * and the round trip of whatever parses (fuzz_fmt.h). */
#include "fuzz_fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_frame_format(data, size, gt_parse_voc_frame,
                             gt__export_voc_frame);
}
