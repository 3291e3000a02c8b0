/*
 * avlog.c - keeps libav quiet. libav logs straight to stderr, and a corrupt
 * stream can print a line per packet; instead we keep the last error line
 * of each thread and put it into the avp_error_t of the call that failed.
 */
#include "media/internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/log.h>

static _Thread_local char last_msg[256];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int to_stderr; /* AVP_FFMPEG_LOG is set */

/* Captures even when libav also logs to stderr, so that what AVP does
 * about libav's errors (resume.c doubts an index libav complained about)
 * does not change with the debug setting. */
static void capture(void *avcl, int level, const char *fmt, va_list vl)
{
    if (to_stderr) {
        va_list copy;
        va_copy(copy, vl);
        av_log_default_callback(avcl, level, fmt, copy);
        va_end(copy);
    }
    if (level > AV_LOG_ERROR)
        return;
    /* Without libav's "[mov,mp4,... @ 0x55d0e5f9d980] " prefix: the
     * message goes after our own "<path>: <what>". */
    char line[sizeof(last_msg)];
    int print_prefix = 0;
    av_log_format_line2(avcl, level, fmt, vl, line, sizeof(line),
                        &print_prefix);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
        line[--n] = '\0';
    if (n)
        memcpy(last_msg, line, n + 1);
}

static int level_named(const char *name)
{
    static const struct { const char *name; int level; } levels[] = {
        {"quiet", AV_LOG_QUIET}, {"error", AV_LOG_ERROR},
        {"warning", AV_LOG_WARNING}, {"info", AV_LOG_INFO},
        {"verbose", AV_LOG_VERBOSE}, {"debug", AV_LOG_DEBUG},
        {"trace", AV_LOG_TRACE},
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(levels); i++)
        if (strcmp(name, levels[i].name) == 0)
            return levels[i].level;
    return AV_LOG_INFO;
}

static void init(void)
{
    const char *debug = getenv("AVP_FFMPEG_LOG");
    to_stderr = debug && *debug;
    av_log_set_level(to_stderr ? level_named(debug) : AV_LOG_ERROR);
    av_log_set_callback(capture);
}

void media__avlog_init(void) { pthread_once(&init_once, init); }

void media__avlog_clear(void) { last_msg[0] = '\0'; }

const char *media__avlog_last(void) { return last_msg; }

int media__av_error(avp_error_t *err, int code, const char *path,
                    const char *what, int averr)
{
    char reason[AV_ERROR_MAX_STRING_SIZE] = "";
    if (averr)
        av_strerror(averr, reason, sizeof(reason));
    avp_error_set(err, code, "%s: %s%s%s%s%s%s", path, what,
                  averr ? ": " : "", reason, last_msg[0] ? " (" : "",
                  last_msg, last_msg[0] ? ")" : "");
    return code;
}
