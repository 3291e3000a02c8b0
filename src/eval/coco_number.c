/* coco_number.c - a JSON number token, already checked against JSON's
 * grammar by yajl, into an int64_t or a double (coco_reader.h).
 *
 * yajl converts numbers with strtod, which was the largest single cost of
 * reading a results file (glibc's strtod works through multi-precision
 * arithmetic and the locale). Nearly every number of a COCO file has at
 * most 19 significant digits and a small decimal exponent, and for those
 * the double is exact without strtod (Clinger's fast path): when the
 * digits form an integer m <= 2^53 and the exponent e has |e| <= 22, both
 * m and 10^|e| are exact doubles, so m * 10^e or m / 10^-e is one
 * correctly rounded IEEE operation - the same double strtod returns. Any
 * other token goes to strtod / strtoll as before. */
#include "coco_reader.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double pow10_exact[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The slow path: the C library on a terminated copy of the token. */
static int by_libc(const char *s, size_t len, int is_int, int64_t *i,
                   double *d)
{
    char small[64], *buf = len < sizeof(small) ? small : avp_malloc(len + 1);
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    int rc;
    if (is_int) {
        *i = strtoll(buf, NULL, 10);
        rc = errno == ERANGE ? EVAL__NUM_INT_OVERFLOW : EVAL__NUM_INT;
    } else {
        *d = strtod(buf, NULL);
        rc = errno == ERANGE && isinf(*d) ? EVAL__NUM_DOUBLE_OVERFLOW
                                          : EVAL__NUM_DOUBLE;
    }
    if (buf != small)
        avp_free(buf);
    return rc;
}

/* The exponent part "e-12" at s[p..len); a value past any double's range
 * is capped (the slow path then handles it). */
static int exponent(const char *s, size_t p, size_t len)
{
    int sign = 1, e = 0;
    if (p < len && (s[p] == '+' || s[p] == '-'))
        sign = s[p++] == '-' ? -1 : 1;
    for (; p < len; p++)
        if (e < 100000)
            e = e * 10 + (s[p] - '0');
    return sign * e;
}

int eval__json_number(const char *s, size_t len, int64_t *i, double *d)
{
    size_t p = s[0] == '-';
    uint64_t m = 0;
    int sig = 0, e = 0, is_int = 1;
    for (; p < len && s[p] != 'e' && s[p] != 'E'; p++) {
        if (s[p] == '.') {
            is_int = 0;
            continue;
        }
        if (m || s[p] != '0')
            sig++;
        if (sig <= 19)
            m = m * 10 + (uint64_t)(s[p] - '0');
        e -= !is_int; /* a digit after the point */
    }
    if (p < len) {
        is_int = 0;
        e += exponent(s, p + 1, len);
    }
    int neg = s[0] == '-';
    if (is_int && sig <= 18) {
        *i = neg ? -(int64_t)m : (int64_t)m;
        return EVAL__NUM_INT;
    }
    if (is_int || sig > 19 || m > (UINT64_C(1) << 53) || e < -22 || e > 22)
        return by_libc(s, len, is_int, i, d);
    double v = e < 0 ? (double)m / pow10_exact[-e] : (double)m * pow10_exact[e];
    *d = neg ? -v : v;
    return EVAL__NUM_DOUBLE;
}
