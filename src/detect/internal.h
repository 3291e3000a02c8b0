/*
 * internal.h - shared internals of src/detect/: the allocation-free NMS core
 * that detect_decode() runs on its scratch memory and detect_nms() runs on
 * memory of its own.
 */
#ifndef AVP_DETECT_INTERNAL_H
#define AVP_DETECT_INTERNAL_H

#include "detect/detect.h"

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

/* True for the list detect_names_coco() returns: the COCO writer then maps
 * class indices to COCO's 91 category ids. */
bool detect__names_is_coco(const detect_names_t *n);

#endif
