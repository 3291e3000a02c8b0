/* limits.c - rlimits and the seccomp filter of untrusted-input processes
 * (see limits.h). */
#include "limits.h"

#include <errno.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#if defined(__SANITIZE_ADDRESS__)
#define LIMITS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LIMITS_ASAN 1
#endif
#endif

/* Reads "key=value" at *s into the field it names and moves past it. */
static int parse_one(const char **s, avp_limits_t *l, avp_error_t *err)
{
    const char *eq = strchr(*s, '='), *end = *s + strcspn(*s, ",");
    if (!eq || eq > end)
        return avp_error_set(err, AVP_EINVAL, "limits: '%.*s' is not "
                             "key=value", (int)(end - *s), *s);
    size_t klen = (size_t)(eq - *s);
    const char *v = eq + 1;
    int rc = AVP_OK;
    if (klen == 3 && !strncmp(*s, "net", 3)) {
        if (end - v == 2 && !strncmp(v, "on", 2))
            l->no_net = 0;
        else if (end - v == 3 && !strncmp(v, "off", 3))
            l->no_net = 1;
        else
            rc = AVP_EINVAL;
    } else {
        char *stop;
        errno = 0;
        unsigned long long n = v < end && *v != '-' ? strtoull(v, &stop, 10)
                                                    : 0;
        if (v >= end || *v == '-' || errno || stop != end)
            rc = AVP_EINVAL;
        else if (klen == 3 && !strncmp(*s, "mem", 3))
            l->mem_mb = n;
        else if (klen == 3 && !strncmp(*s, "cpu", 3) && n <= UINT32_MAX)
            l->cpu_s = (uint32_t)n;
        else if (klen == 6 && !strncmp(*s, "nofile", 6) && n <= UINT32_MAX)
            l->nofile = (uint32_t)n;
        else if (klen == 5 && !strncmp(*s, "fsize", 5))
            l->fsize_mb = n;
        else
            rc = AVP_EINVAL;
    }
    if (rc)
        return avp_error_set(err, rc, "limits: bad field '%.*s'",
                             (int)(end - *s), *s);
    *s = *end ? end + 1 : end;
    return AVP_OK;
}

int avp_limits_parse(const char *spec, avp_limits_t *out, avp_error_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = AVP_OK;
    while (*spec && !rc)
        rc = parse_one(&spec, out, err);
    return rc;
}

void avp_limits_format(const avp_limits_t *l, char out[AVP_LIMITS_SPEC_MAX])
{
    snprintf(out, AVP_LIMITS_SPEC_MAX, "mem=%" PRIu64 ",cpu=%" PRIu32
             ",nofile=%" PRIu32 ",fsize=%" PRIu64 ",net=%s", l->mem_mb,
             l->cpu_s, l->nofile, l->fsize_mb, l->no_net ? "off" : "on");
}

static int set_limit(int resource, const char *name, rlim_t value,
                     avp_error_t *err)
{
    struct rlimit r = {.rlim_cur = value, .rlim_max = value};
    if (setrlimit(resource, &r) < 0)
        return avp_error_set(err, AVP_EIO, "limits: %s %llu: %s", name,
                             (unsigned long long)value, strerror(errno));
    return AVP_OK;
}

/* A blocklist, not an allowlist: decoders and the BLAS threads use a wide
 * and version-dependent set of calls, while what a hostile file must not
 * get is short: the network and the other processes of this user. */
static int deny_network(avp_error_t *err)
{
    static const int denied[] = {SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv),
                                 SCMP_SYS(process_vm_writev), SCMP_SYS(bpf)};
    /* Spelled out: SCMP_A0() leaves datum_b to the compiler, which clang
     * warns about (the fuzz build). */
    const struct scmp_arg_cmp unix_only = {
        .arg = 0, .op = SCMP_CMP_NE, .datum_a = AF_UNIX, .datum_b = 0};
    scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
    int rc = f ? 0 : -ENOMEM;
    if (!rc)
        rc = seccomp_rule_add_array(f, SCMP_ACT_ERRNO(EACCES),
                                    SCMP_SYS(socket), 1, &unix_only);
    for (size_t i = 0; i < AVP_ARRAY_LEN(denied) && !rc; i++)
        rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), denied[i], 0);
    if (!rc)
        rc = seccomp_load(f); /* sets no_new_privs (SCMP_FLTATR_CTL_NNP) */
    seccomp_release(f);
    if (rc)
        return avp_error_set(err, AVP_EIO, "limits: seccomp filter: %s",
                             strerror(-rc));
    return AVP_OK;
}

int avp_limits_apply(const avp_limits_t *l, avp_error_t *err)
{
    int rc = AVP_OK;
#ifndef LIMITS_ASAN
    if (l->mem_mb)
        rc = set_limit(RLIMIT_DATA, "mem", (rlim_t)l->mem_mb << 20, err);
#endif
    if (!rc && l->cpu_s)
        rc = set_limit(RLIMIT_CPU, "cpu", l->cpu_s, err);
    if (!rc && l->nofile)
        rc = set_limit(RLIMIT_NOFILE, "nofile", l->nofile, err);
    if (!rc && l->fsize_mb)
        rc = set_limit(RLIMIT_FSIZE, "fsize", (rlim_t)l->fsize_mb << 20, err);
    if (!rc && l->no_net)
        rc = deny_network(err);
    return rc;
}
