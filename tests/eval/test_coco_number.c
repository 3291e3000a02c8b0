/* test_coco_number.c - eval__json_number() gives exactly what strtod and
 * strtoll give, bit for bit, on JSON numbers of every shape: the spellings
 * COCO files use, edge values around the fast path's limits, and many
 * random tokens. */
#include "check.h"
#include "eval/coco_reader.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Checks one token against the C library; returns 1 when they agree. */
static int same_as_libc(const char *tok)
{
    int64_t i = 0;
    double d = 0;
    int kind = eval__json_number(tok, strlen(tok), &i, &d);
    int is_int = !strpbrk(tok, ".eE");
    errno = 0;
    if (is_int) {
        long long want = strtoll(tok, NULL, 10);
        if (errno == ERANGE)
            return kind == EVAL__NUM_INT_OVERFLOW;
        return kind == EVAL__NUM_INT && i == want;
    }
    double want = strtod(tok, NULL);
    if (errno == ERANGE && (want == HUGE_VAL || want == -HUGE_VAL))
        return kind == EVAL__NUM_DOUBLE_OVERFLOW;
    return kind == EVAL__NUM_DOUBLE && !memcmp(&d, &want, sizeof(d));
}

static void test_coco_number_spellings(void)
{
    static const char *const toks[] = {
        "0", "-0", "7", "-12", "123456789012345678", "999999999999999999",
        "1234567890123456789", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "-99999999999999999999", "0.0", "-0.0",
        "0.5", "10.25", "258.15", "0.9949821829795837", "417.3332824707031",
        "2913.1103999999987", "1e1", "2.0E1", "-3.5e-2", "1E+22", "1e23",
        "9007199254740992", "9007199254740993.0", "9007199254740993e-1",
        "1.7976931348623157e308", "1e309", "-1e309", "4.9e-324", "1e-400",
        "0.000000000000000000000000000001", "123456789.123456789",
        "0.30000000000000004", "1e-22", "1.5e-22", "12345678901234567890e-5"};
    for (size_t k = 0; k < AVP_ARRAY_LEN(toks); k++) {
        if (!same_as_libc(toks[k]))
            fprintf(stderr, "  differs from libc: %s\n", toks[k]);
        CHECK(same_as_libc(toks[k]));
    }
}

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A random JSON number: sign, 1..24 digits (no leading zero), maybe a
 * fraction of 1..20 digits, maybe an exponent of -40..40 or -400..400. */
static void random_token(uint64_t *s, char *out)
{
    char *p = out;
    if (next(s) % 3 == 0)
        *p++ = '-';
    int nint = 1 + (int)(next(s) % 12);
    if (next(s) % 4 == 0) {
        *p++ = '0';
    } else {
        *p++ = (char)('1' + next(s) % 9);
        for (int k = 1; k < nint; k++)
            *p++ = (char)('0' + next(s) % 10);
    }
    if (next(s) % 2) {
        *p++ = '.';
        for (int k = 1 + (int)(next(s) % 20); k > 0; k--)
            *p++ = (char)('0' + next(s) % 10);
    }
    if (next(s) % 3 == 0) {
        int range = next(s) % 4 ? 40 : 400;
        p += sprintf(p, "%c%d", next(s) % 2 ? 'e' : 'E',
                     (int)(next(s) % (2 * range + 1)) - range);
    }
    *p = '\0';
}

static void test_coco_number_random_tokens(void)
{
    uint64_t seed = 0x9e3779b97f4a7c15u;
    char tok[96];
    int bad = 0;
    for (int n = 0; n < 300000 && !bad; n++) {
        random_token(&seed, tok);
        bad = !same_as_libc(tok);
    }
    if (bad)
        fprintf(stderr, "  differs from libc: %s\n", tok);
    CHECK(!bad);
}

int main(void)
{
    RUN(test_coco_number_spellings);
    RUN(test_coco_number_random_tokens);
    return CHECK_DONE();
}
