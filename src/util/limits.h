/*
 * limits.h - resource limits and a small sandbox for the processes that
 * handle untrusted files: the `avp media` and `avp models` children of the
 * server (decoders and the model loader) and the workers, which decode
 * uploaded video and load uploaded ONNX.
 *
 * A spawner describes the limits as an avp_limits_t and hands them to the
 * child as text ("mem=2048,cpu=120,nofile=64,fsize=64,net=off": `avp
 * --limits SPEC COMMAND`); the child applies them to itself first thing,
 * before it opens any input, so a file never runs in a process without
 * them. A forking spawner may instead apply them between fork and exec.
 *
 * What each field does (0 leaves that limit as inherited):
 *   mem_mb    RLIMIT_DATA: private writable memory (heap and anonymous
 *             maps, which is where a decoder's or a model's memory goes;
 *             unlike RLIMIT_AS it does not count address space reserved
 *             for thread stacks and malloc arenas). Not applied in
 *             AddressSanitizer builds, whose shadow memory counts too.
 *   cpu_s     RLIMIT_CPU: seconds of CPU time, then SIGKILL.
 *   nofile    RLIMIT_NOFILE: open descriptors.
 *   fsize_mb  RLIMIT_FSIZE: largest file the process may write.
 *   no_net    a seccomp filter (libseccomp): socket() for any family but
 *             AF_UNIX fails with EACCES, and ptrace, process_vm_* and bpf
 *             with EPERM; no_new_privs is set, so the filter and the limits
 *             stay through exec.
 *
 * Thread model: parse and format anywhere; apply in a single-threaded
 * process (a child before it starts threads).
 */
#ifndef AVP_UTIL_LIMITS_H
#define AVP_UTIL_LIMITS_H

#include "util/avp.h"

#include <stddef.h>
#include <stdint.h>

typedef struct avp_limits {
    uint64_t mem_mb;
    uint32_t cpu_s;
    uint32_t nofile;
    uint64_t fsize_mb;
    int no_net;
} avp_limits_t;

/* Longest text avp_limits_format writes, NUL included. */
#define AVP_LIMITS_SPEC_MAX 128

/* "mem=N,cpu=N,nofile=N,fsize=N,net=on|off", any subset in any order;
 * omitted fields are 0 (net=on). AVP_EINVAL naming the bad field. */
int avp_limits_parse(const char *spec, avp_limits_t *out, avp_error_t *err);
/* The spec avp_limits_parse reads back into *l. */
void avp_limits_format(const avp_limits_t *l, char out[AVP_LIMITS_SPEC_MAX]);

/* Applies *l to this process. AVP_EIO naming what the kernel refused. */
int avp_limits_apply(const avp_limits_t *l, avp_error_t *err);

#endif
