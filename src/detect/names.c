/*
 * names.c - class names: the built-in COCO-80 list, one name per line
 * from a file, or a model's own list (its metadata).
 */
#include "detect/internal.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct detect_names {
    int count;
    bool coco;    /* the built-in list: the writer maps ids to COCO's 91 */
    char **owned; /* names from a file; NULL for the built-in list */
    const char *const *names;
};

static const char *const coco80[80] = {
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train",
    "truck", "boat", "traffic light", "fire hydrant", "stop sign",
    "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag",
    "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon",
    "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot",
    "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote",
    "keyboard", "cell phone", "microwave", "oven", "toaster", "sink",
    "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
    "hair drier", "toothbrush",
};

/* "class_N" for ids past the list, built once so detect_names_get() can
 * hand out pointers from any thread. */
static char fallback[DETECT_MAX_CLASSES][sizeof "class_-2147483648"];
static pthread_once_t fallback_once = PTHREAD_ONCE_INIT;

static void fallback_init(void)
{
    for (int i = 0; i < DETECT_MAX_CLASSES; i++)
        snprintf(fallback[i], sizeof(fallback[i]), "class_%d", i);
}

detect_names_t *detect_names_coco(void)
{
    detect_names_t *n = avp_calloc(1, sizeof(*n));
    n->count = (int)AVP_ARRAY_LEN(coco80);
    n->coco = true;
    n->names = coco80;
    return n;
}

void detect_names_destroy(detect_names_t *n)
{
    if (!n)
        return;
    for (int i = 0; n->owned && i < n->count; i++)
        avp_free(n->owned[i]);
    avp_free(n->owned);
    avp_free(n);
}

int detect_names_count(const detect_names_t *n) { return n->count; }

const char *detect_names_get(const detect_names_t *n, int cls)
{
    if (cls >= 0 && cls < n->count)
        return n->names[cls];
    if (cls < 0 || cls >= DETECT_MAX_CLASSES)
        return "unknown";
    pthread_once(&fallback_once, fallback_init);
    return fallback[cls];
}

int detect_names_find(const detect_names_t *n, const char *name)
{
    for (int i = 0; i < n->count; i++)
        if (strcmp(n->names[i], name) == 0)
            return i;
    return -1;
}

bool detect__names_is_coco(const detect_names_t *n) { return n->coco; }

/* Strips leading and trailing white space (and the newline) in place. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
    return s;
}

static int read_names(FILE *f, const char *path, detect_names_t *n,
                      avp_error_t *err)
{
    char *line = NULL;
    size_t cap = 0;
    int rc = AVP_OK;
    for (int lineno = 1; getline(&line, &cap, f) >= 0; lineno++) {
        char *name = trim(line);
        if (*name == '\0') {
            rc = avp_error_set(err, AVP_EFORMAT, "%s:%d: empty class name",
                               path, lineno);
            break;
        }
        if (n->count == DETECT_MAX_CLASSES) {
            rc = avp_error_set(err, AVP_EFORMAT, "%s:%d: more than %d classes",
                               path, lineno, DETECT_MAX_CLASSES);
            break;
        }
        n->owned[n->count++] = avp_strdup(name);
    }
    free(line); /* getline's buffer comes from libc's malloc */
    if (rc == AVP_OK && ferror(f))
        rc = avp_error_set(err, AVP_EIO, "%s: read failed", path);
    if (rc == AVP_OK && n->count == 0)
        rc = avp_error_set(err, AVP_EFORMAT, "%s: no class names", path);
    return rc;
}

detect_names_t *detect_names_copy(const char *const *names, int count)
{
    detect_names_t *n = avp_calloc(1, sizeof(*n));
    n->owned = avp_calloc((size_t)count + 1, sizeof(char *));
    n->names = (const char *const *)n->owned;
    n->count = count;
    n->coco = count == (int)AVP_ARRAY_LEN(coco80);
    for (int i = 0; i < count; i++) {
        n->owned[i] = avp_strdup(names[i]);
        n->coco = n->coco && !strcmp(names[i], coco80[i]);
    }
    return n;
}

int detect_names_load(const char *path, detect_names_t **out, avp_error_t *err)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return avp_error_set(err, errno == ENOENT ? AVP_ENOTFOUND : AVP_EIO,
                             "%s: %s", path, strerror(errno));
    detect_names_t *n = avp_calloc(1, sizeof(*n));
    n->owned = avp_calloc(DETECT_MAX_CLASSES, sizeof(char *));
    n->names = (const char *const *)n->owned;
    int rc = read_names(f, path, n, err);
    fclose(f);
    if (rc != AVP_OK) {
        detect_names_destroy(n);
        return rc;
    }
    *out = n;
    return AVP_OK;
}
