/* fixtures.c - scratch folder, clips and the ffprobe oracle (fixtures.h). */
#include "fixtures.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch[256];

static void skip(const char *why)
{
    fprintf(stderr, "SKIP: %s\n", why);
    exit(77); /* CTest's SKIP_RETURN_CODE */
}

static void remove_scratch(void)
{
    if (scratch[0])
        fx_sh("rm -rf '%s'", scratch);
}

void fx_setup(void)
{
    if (system("ffmpeg -version >/dev/null 2>&1") != 0 ||
        system("ffprobe -version >/dev/null 2>&1") != 0)
        skip("ffmpeg/ffprobe command line not installed");
    if (access(FX_PHOTOS "/dog.jpg", R_OK) != 0)
        skip("darknet photos not installed (" FX_PHOTOS ")");
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof(scratch), "%s/avp-media-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        exit(1);
    }
    atexit(remove_scratch);
}

const char *fx_path(const char *name)
{
    static char paths[128][512];
    static size_t count;
    char want[512];
    snprintf(want, sizeof(want), "%s/%s", scratch, name);
    for (size_t i = 0; i < count; i++)
        if (strcmp(paths[i], want) == 0)
            return paths[i];
    if (count == 128) {
        fprintf(stderr, "fx_path: too many paths\n");
        exit(1);
    }
    return memcpy(paths[count++], want, sizeof(want));
}

const char *fx_python_cv2(void)
{
    const char *py = getenv("AVP_PYTHON");
    if (!py || access(py, X_OK) != 0 ||
        fx_sh("'%s' -c 'import cv2' 2>/dev/null", py) != 0) {
        fprintf(stderr, "SKIP: no python3-opencv (AVP_PYTHON)\n");
        exit(77);
    }
    return py;
}

int fx_sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc;
}

const char *fx_clip(const char *name, const char *photo, int w, int h,
                    int frames, const char *fps, const char *out_args)
{
    const char *out = fx_path(name);
    int rc = fx_sh("ffmpeg -v error -y -loop 1 -i " FX_PHOTOS "/%s.jpg -vf "
                   "\"zoompan=z='1+0.01*on':x='iw/2-(iw/zoom/2)':"
                   "y='ih/2-(ih/zoom/2)':d=1:s=%dx%d:fps=%s,format=yuv420p\" "
                   "-frames:v %d %s '%s'",
                   photo, w, h, fps, frames, out_args, out);
    return rc == 0 ? out : NULL;
}

int fx_probe_times(const char *path, double *t, int cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "ffprobe -v error -select_streams v:0 -show_frames "
             "-show_entries frame=best_effort_timestamp_time:stream=start_time "
             "'%s'", path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[256];
    double start = 0, v;
    int n = 0;
    while (fgets(line, sizeof(line), p)) {
        if (sscanf(line, "best_effort_timestamp_time=%lf", &v) == 1 && n < cap)
            t[n++] = v;
        else if (sscanf(line, "start_time=%lf", &v) == 1)
            start = v;
    }
    if (pclose(p) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        t[i] -= start;
    return n;
}

/* Runs cmd and hands each line of its output to take, which keeps what
 * it finds in out[*n] (cap entries). The count, or -1 if cmd failed. */
static int collect(const char *cmd, int (*take)(const char *line, void *out, int i),
                   void *out, int cap)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof(line), p))
        if (n < cap && take(line, out, n))
            n++;
    return pclose(p) == 0 ? n : -1;
}

static int take_showinfo_time(const char *line, void *out, int i)
{
    const char *at = strstr(line, "] n:");
    const char *pt = at ? strstr(at, "pts_time:") : NULL;
    if (pt)
        ((double *)out)[i] = strtod(pt + 9, NULL);
    return pt != NULL;
}

int fx_ffmpeg_times(const char *path, double *t, int cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v info -i '%s' -map 0:v:0 "
             "-vf showinfo -fps_mode passthrough -f null - 2>&1", path);
    return collect(cmd, take_showinfo_time, t, cap);
}

static int take_key(const char *line, void *out, int i)
{
    return sscanf(line, "key_frame=%d", &((int *)out)[i]) == 1;
}

int fx_probe_keys(const char *path, int *key, int cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "ffprobe -v error -select_streams v:0 -show_entries "
             "frame=key_frame '%s'", path);
    return collect(cmd, take_key, key, cap);
}

const char *fx_rotate_tag(const char *in, const char *name, int degrees)
{
    const char *out = fx_path(name);
    return fx_sh("ffmpeg -v error -y -i '%s' -c copy -metadata:s:v rotate=%d "
                 "'%s'", in, degrees, out) == 0 ? out : NULL;
}

uint8_t *fx_ffmpeg_rgb(const char *path, int w, int h, const char *sws_flags)
{
    char cmd[1024];
    size_t n = (size_t)w * (size_t)h * 3;
    uint8_t *rgb = malloc(n + 1);
    snprintf(cmd, sizeof(cmd), "ffmpeg -v error -i '%s' -frames:v 1 %s%s "
             "-f rawvideo -pix_fmt rgb24 -", path, sws_flags ? "-sws_flags " : "",
             sws_flags ? sws_flags : "");
    FILE *p = popen(cmd, "r");
    /* One byte more than asked for must not come: another size. */
    int ok = p && fread(rgb, 1, n + 1, p) == n;
    if (p)
        pclose(p);
    if (!ok) {
        free(rgb);
        return NULL;
    }
    return rgb;
}

uint8_t *fx_decode_rgb(const char *path, int *w, int *h)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "ffprobe -v error -select_streams v:0 "
             "-show_entries stream=width,height -of csv=p=0 '%s'", path);
    FILE *p = popen(cmd, "r");
    int ok = p && fscanf(p, "%d,%d", w, h) == 2;
    if (p)
        pclose(p);
    return ok ? fx_ffmpeg_rgb(path, *w, *h, NULL) : NULL;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Offset of the first box of this type in [from, to) of buf, descending
 * into the containers on the way to a track header; 0 if none. */
static size_t find_box(const uint8_t *buf, size_t from, size_t to, const char *type)
{
    while (from + 8 <= to) {
        size_t size = be32(buf + from);
        if (size < 8 || from + size > to)
            return 0;
        if (memcmp(buf + from + 4, type, 4) == 0)
            return from;
        if (memcmp(buf + from + 4, "moov", 4) == 0 ||
            memcmp(buf + from + 4, "trak", 4) == 0) {
            size_t in = find_box(buf, from + 8, from + size, type);
            if (in)
                return in;
        }
        from += size;
    }
    return 0;
}

int fx_set_mp4_matrix(const char *path, const int32_t m[9])
{
    FILE *f = fopen(path, "r+b");
    static uint8_t buf[8 << 20];
    size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
    size_t tkhd = find_box(buf, 0, n, "tkhd");
    /* version 0: 4+4+4+4+4 bytes of times, id and duration, 8 reserved,
     * layer, group, volume, 2 reserved; version 1's times are 8 bytes. */
    size_t at = tkhd + (buf[tkhd + 8] == 1 ? 60 : 48);
    int ok = tkhd && at + 36 <= n;
    for (int i = 0; ok && i < 9; i++) {
        uint32_t v = (uint32_t)m[i];
        uint8_t b[4] = {v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255};
        memcpy(buf + at + 4 * i, b, 4);
    }
    ok = ok && fseek(f, (long)at, SEEK_SET) == 0 &&
         fwrite(buf + at, 1, 36, f) == 36;
    if (f)
        ok = fclose(f) == 0 && ok;
    return ok ? 0 : -1;
}
