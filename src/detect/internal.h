/*
 * internal.h - shared internals of src/detect/: the allocation-free NMS core
 * that detect_decode() runs on its scratch memory and detect_nms() runs on
 * memory of its own.
 */
#ifndef AVP_DETECT_INTERNAL_H
#define AVP_DETECT_INTERNAL_H

#include "detect/detect.h"

#include <pthread.h>

/* A candidate's place in the score order: sorting 8-byte keys instead of
 * 24-byte boxes, and breaking score ties by index, gives the stable order
 * cv2.dnn.NMSBoxes uses (equal scores: the earlier candidate wins). */
typedef struct detect__key {
    float score;
    int idx;
} detect__key_t;

/* Work memory for n candidates: keys[n], next[n] (kept boxes of one class
 * as a linked list) and head[DETECT_MAX_CLASSES]. */
typedef struct detect__nms_work {
    detect__key_t *keys;
    int *next;
    int *head;
} detect__nms_work_t;

/* Floats of work memory detect__nms_work_init() carves for n candidates. */
size_t detect__nms_work_floats(size_t n);
void detect__nms_work_init(detect__nms_work_t *w, float *mem, size_t n);

/* Greedy class-aware NMS: copies the kept candidates into out (at most
 * min(max_det, cap)) in descending score order and returns how many.
 * Every cand[i].cls must be in [0, DETECT_MAX_CLASSES). */
int detect__nms(const detect_box_t *cand, int n, float iou, int max_det,
                const detect__nms_work_t *w, detect_box_t *out, int cap);

/* The bounded frame queue between the pipeline's decode thread and its
 * inference thread (queue.c): a ring of pooled buffers under a mutex and a
 * condition variable, allocated once. */
typedef struct detect__slot {
    float *buf;
    media_frame_t frame;
} detect__slot_t;

typedef struct detect__queue {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    detect__slot_t *ring;
    int cap, head, count;
    int done;        /* the producer finished */
    int status;      /* and how: AVP_OK at the end, or an error */
    avp_error_t err; /* the producer's message when status < 0 */
} detect__queue_t;

void detect__queue_init(detect__queue_t *q, int cap);
void detect__queue_fini(detect__queue_t *q);

/* Never blocks: the producer holds at most cap buffers (the pool's size),
 * so the ring cannot be full. Returns AVP_EINTERNAL if it is. */
int detect__queue_push(detect__queue_t *q, float *buf, const media_frame_t *f);

/* The producer is done; status AVP_OK means end of input. */
void detect__queue_finish(detect__queue_t *q, int status, const avp_error_t *err);

/* Waits for a slot (returns 1) or, once the queue is empty and finished,
 * returns the producer's status (0 for the end, or its error). */
int detect__queue_pop(detect__queue_t *q, detect__slot_t *out);

/* True for the list detect_names_coco() returns: the COCO writer then maps
 * class indices to COCO's 91 category ids. */
bool detect__names_is_coco(const detect_names_t *n);

#endif
