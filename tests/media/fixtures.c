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

int fx_probe_keys(const char *path, int *key, int cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "ffprobe -v error -select_streams v:0 -show_entries "
             "frame=key_frame '%s'", path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[256];
    int n = 0, k;
    while (fgets(line, sizeof(line), p))
        if (sscanf(line, "key_frame=%d", &k) == 1 && n < cap)
            key[n++] = k;
    return pclose(p) == 0 ? n : -1;
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
    if (!ok)
        return NULL;
    size_t n = (size_t)*w * (size_t)*h * 3;
    uint8_t *rgb = malloc(n);
    snprintf(cmd, sizeof(cmd), "ffmpeg -v error -i '%s' -frames:v 1 -f rawvideo "
             "-pix_fmt rgb24 -", path);
    p = popen(cmd, "r");
    ok = p && fread(rgb, 1, n, p) == n;
    if (p)
        pclose(p);
    if (!ok) {
        free(rgb);
        return NULL;
    }
    return rgb;
}
