/* fuzz_fmt_cvat.c - libFuzzer target: gt_parse_cvat() on arbitrary bytes, and
 * the round trip of whatever parses (fuzz_fmt.h). */
#include "fuzz_fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_file_format(data, size, gt_parse_cvat, gt__export_cvat);
}
