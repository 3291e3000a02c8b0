/* fuzz_fmt_datumaro.c - libFuzzer target: gt_parse_datumaro() on
 * arbitrary bytes, and the round trip of whatever parses (fuzz_fmt.h). */
#include "fuzz_fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_file_format(data, size, gt_parse_datumaro,
                            gt__export_datumaro);
}
