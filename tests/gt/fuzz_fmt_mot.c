/* fuzz_fmt_mot.c - libFuzzer target: gt_parse_mot() on arbitrary bytes, and
 * the round trip of whatever parses (fuzz_fmt.h). */
#include "fuzz_fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_file_format(data, size, gt_parse_mot, gt__export_mot);
}
