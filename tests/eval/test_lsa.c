/* test_lsa.c - the assignment solver: a hand-solved matrix, empty and
 * one-sided problems, and random square and rectangular matrices against
 * the best of every injective assignment (brute force). */
#include "check.h"
#include "eval/internal.h"

/* Least total cost over every assignment of min(rows, cols) pairs,
 * searched recursively (rows x cols <= 6 x 6 here). */
static double brute(const double *c, int rows, int cols, int row,
                    unsigned used, int left)
{
    if (left == 0 || row == rows)
        return left == 0 ? 0 : INFINITY;
    double best = rows - row > left
                      ? brute(c, rows, cols, row + 1, used, left)
                      : INFINITY; /* this row unassigned */
    for (int j = 0; j < cols; j++)
        if (!(used & 1u << j)) {
            double v = c[row * cols + j] +
                       brute(c, rows, cols, row + 1, used | 1u << j, left - 1);
            best = v < best ? v : best;
        }
    return best;
}

static double total(const double *c, int rows, int cols, const int *m)
{
    double s = 0;
    for (int i = 0; i < rows; i++)
        s += m[i] >= 0 ? c[i * cols + m[i]] : 0;
    return s;
}

/* Each column used at most once, and min(rows, cols) pairs. */
static int is_assignment(const int *m, int rows, int cols)
{
    unsigned used = 0;
    int n = 0;
    for (int i = 0; i < rows; i++) {
        if (m[i] < 0)
            continue;
        if (m[i] >= cols || used & 1u << m[i])
            return 0;
        used |= 1u << m[i];
        n++;
    }
    return n == (rows < cols ? rows : cols);
}

/* Greedy (row 0 takes its cheapest column 0, cost 1) would pay
 * 1 + 7 + 6 = 14; the optimum is 2 + 3 + 4 = 9: rows -> 1, 0, 2. */
static void test_lsa_hand_solved(void)
{
    const double c[9] = {1, 2, 8, 3, 7, 9, 9, 6, 4};
    int m[3];
    eval__lsa_t s = {0};
    CHECK(eval__lsa_solve(&s, c, 3, 3, m) == AVP_OK);
    eval__lsa_fini(&s);
    CHECK(m[0] == 1 && m[1] == 0 && m[2] == 2);
}

static void test_lsa_empty_and_one_sided(void)
{
    int m[2] = {5, 5};
    double c[2] = {3, 1};
    eval__lsa_t s = {0};
    CHECK(eval__lsa_solve(&s, c, 2, 0, m) == AVP_OK);
    CHECK(m[0] == -1 && m[1] == -1);
    CHECK(eval__lsa_solve(&s, c, 2, 1, m) == AVP_OK); /* a column */
    CHECK(m[0] == -1 && m[1] == 0);
    CHECK(eval__lsa_solve(&s, c, 1, 2, m) == AVP_OK); /* a row */
    CHECK(m[0] == 1);
    eval__lsa_fini(&s);
}

/* Random costs, with deliberate ties (values from a small set) and
 * negative entries as the metrics pass them. The scratch is reused
 * across shapes, growing and shrinking. */
static void test_lsa_random_against_brute_force(void)
{
    uint64_t x = 12345;
    eval__lsa_t s = {0};
    for (int trial = 0; trial < 3000; trial++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int rows = 1 + (int)(x >> 33) % 6, cols = 1 + (int)(x >> 45) % 6;
        int ties = trial % 2;
        double c[36];
        int m[6];
        for (int k = 0; k < rows * cols; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            c[k] = ties ? (double)((x >> 40) % 4) - 2
                        : (double)(x >> 11) / 9007199254740992.0 - 0.5;
        }
        CHECK(eval__lsa_solve(&s, c, rows, cols, m) == AVP_OK);
        CHECK(is_assignment(m, rows, cols));
        double want = brute(c, rows, cols, 0, 0, rows < cols ? rows : cols);
        CHECK_NEAR(total(c, rows, cols, m), want, 1e-12);
    }
    eval__lsa_fini(&s);
}

int main(void)
{
    RUN(test_lsa_hand_solved);
    RUN(test_lsa_empty_and_one_sided);
    RUN(test_lsa_random_against_brute_force);
    return CHECK_DONE();
}
