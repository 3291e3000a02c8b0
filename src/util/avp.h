/*
 * avp.h - what every AVP subsystem shares: error codes, the error record,
 * and the allocation wrappers.
 *
 * Errors: functions return AVP_OK (0) or a negative AVP_E* code. Where a
 * caller needs the reason in words, the function also takes an avp_error_t
 * that it fills with the code and a one-line message naming the problem
 * ("model.onnx: node 'Conv_12': unsupported attribute 'auto_pad'").
 *
 * Memory: small allocations go through avp_malloc() and friends, which abort
 * on out-of-memory (there is nothing sensible to do about a failed 40-byte
 * malloc). Large buffers (frames, tensors, arenas) use avp_try_malloc() and
 * fail cleanly with AVP_ENOMEM. Every allocation is counted so tests can
 * prove that a steady-state loop allocates nothing.
 *
 * Thread model: everything here is safe to call from any thread.
 */
#ifndef AVP_UTIL_AVP_H
#define AVP_UTIL_AVP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define AVP_VERSION "0.1.0"

enum {
    AVP_OK = 0,
    AVP_ENOMEM = -1,      /* out of memory */
    AVP_EIO = -2,         /* read/write failed */
    AVP_EFORMAT = -3,     /* input is malformed or truncated */
    AVP_EUNSUPPORTED = -4,/* valid input that AVP does not handle */
    AVP_EINVAL = -5,      /* bad argument or option */
    AVP_ECANCELLED = -6,  /* stopped on request */
    AVP_ENOTFOUND = -7,   /* file or object missing */
    AVP_EBUSY = -8,       /* resource exhausted; retry later */
    AVP_EINTERNAL = -9,   /* a bug: an invariant did not hold */
    AVP_EUNAVAILABLE = -10/* a service (database, redis) is unreachable */
};

const char *avp_strerror(int code);

typedef struct avp_error {
    int code;
    /* msg is for the operator's log, not for a client: it quotes the
     * database (SQL, constraint names) or names paths on this machine.
     * A server replies with a generic message and logs msg. */
    int log_only;
    char msg[512];
} avp_error_t;

/* Sets err (which may be NULL; log_only cleared) and returns code, so
 * callers can write `return avp_error_set(err, AVP_EFORMAT, "...", ...);`. */
int avp_error_set(avp_error_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes an existing message: "context: old message". Returns err->code. */
int avp_error_prefix(avp_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void *avp_malloc(size_t n);
void *avp_calloc(size_t count, size_t size);
void *avp_realloc(void *p, size_t n);
char *avp_strdup(const char *s);
void avp_free(void *p);

/* For large buffers: returns NULL instead of aborting. Memory is 64-byte
 * aligned (AVX-512 loads) and must be released with avp_free_aligned(). */
void *avp_try_malloc_aligned(size_t n);
void avp_free_aligned(void *p);

/* Number of allocations made through the functions above since start. */
uint64_t avp_alloc_count(void);

/* Monotonic clock in seconds. */
double avp_now(void);

/* Waits with a deadline: a condition on CLOCK_MONOTONIC (avp_now's clock,
 * immune to changes of the wall clock) and the moment ms milliseconds from
 * now on it, for pthread_cond_timedwait. */
void avp_cond_init_monotonic(pthread_cond_t *cv);
struct timespec avp_deadline_ms(int64_t ms);

/* Peak resident set size of this process in bytes (0 if unknown). */
size_t avp_peak_rss(void);

/* The path of this program (sibling NULL) or of the program named sibling
 * in its directory, into out (cap bytes). AVP_ENOTFOUND when it cannot be
 * read or does not fit. */
int avp_program_path(const char *sibling, char *out, size_t cap);

#define AVP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* The text of a macro's value: AVP_STR(DETECT_DEFAULT_CONF) is "0.25". */
#define AVP_STR(x) AVP_STR_(x)
#define AVP_STR_(x) #x

#endif
