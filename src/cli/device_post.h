/*
 * device_post.h - `avp device simulate --session ID --server URL`: a
 * simulated device under test that posts its events to a test session of
 * a running server (cmd_device_post.c).
 */
#ifndef AVP_CLI_DEVICE_POST_H
#define AVP_CLI_DEVICE_POST_H

#include "eval/eval.h"

#include <stdint.h>

typedef struct device_post {
    int64_t session;
    const char *server, *api_key;
    device_sim_options_t sim; /* duration: the video's, filled in */
    double speed;             /* 0: post at once; else video s per wall s */
    int batch;                /* events per POST */
    int epoch;                /* device clock: a sync, then device_time */
    int as_json;              /* print the results as the server's JSON */
} device_post_t;

/* Reads the session's targets over HTTP, simulates, posts, prints the
 * final results. Returns the process exit code (0 ok, 1 failure). */
int device_post_run(const device_post_t *p);

#endif
