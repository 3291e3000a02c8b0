/*
 * fuzz_media_probe.c - libFuzzer target: media_probe() on arbitrary bytes
 * must return (an error or an info) without crashing, leaking or hanging.
 * The first byte picks the file name's extension, because libavformat
 * weighs the extension when it guesses the container.
 *
 * Build with clang: cmake -DAVP_FUZZ=ON -DAVP_SANITIZE=ON, then e.g.
 *   ./fuzz_media_probe -max_len=65536 -timeout=25 corpus/
 * (seed corpus/ with small clips and images; 25 s is above the decoder's
 * own 20 s interrupt deadline, so a timeout report is a real hang).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media/media.h"

static const char *const exts[] = {".mp4", ".avi", ".mkv", ".ts", ".jpg",
                                   ".png", ".bmp", ".txt", ".gif", ".bin"};
static char paths[AVP_ARRAY_LEN(exts)][64];

static void remove_files(void)
{
    for (size_t i = 0; i < AVP_ARRAY_LEN(exts); i++)
        if (paths[i][0])
            unlink(paths[i]);
}

/* One temporary file per extension, made on first use and rewritten for
 * every input. */
static const char *file_for(size_t ext)
{
    if (!paths[ext][0]) {
        snprintf(paths[ext], sizeof(paths[ext]), "/tmp/avp-fuzz-XXXXXX%s", exts[ext]);
        int fd = mkstemps(paths[ext], (int)strlen(exts[ext]));
        if (fd < 0)
            abort();
        close(fd);
        static int registered;
        if (!registered++)
            atexit(remove_files);
    }
    return paths[ext];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *path = file_for(data[0] % AVP_ARRAY_LEN(exts));
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data + 1, 1, size - 1, f) != size - 1)
        abort();
    fclose(f);
    media_info_t info;
    avp_error_t err = {0};
    int ret = media_probe(path, &info, &err);
    if (ret == AVP_OK && (info.width <= 0 || info.height <= 0))
        abort(); /* a probe that succeeds has decoded a real frame */
    if (ret != AVP_OK && (err.code != ret || !err.msg[0]))
        abort(); /* every failure says why */
    return 0;
}
