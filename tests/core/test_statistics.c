/* The statistics behind repeated-run comparisons, checked against values
 * computed independently by brute force: statistics_reference.py
 * enumerates every assignment of the pooled values (ties included) with
 * Python's standard library. The table below is its output. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "statistics.h"

struct utest_case {
	const char *name;
	double a[8];
	size_t na;
	double b[8];
	size_t nb;
	double u, p;
};

/* python3 tests/core/statistics_reference.py */
static const struct utest_case utest_cases[] = {
	{ "separated 4v4", { 1, 2, 3, 4 }, 4, { 5, 6, 7, 8 }, 4, 0.0, 0.02857142857142857 },
	{ "separated 3v3", { 1, 2, 3 }, 3, { 4, 5, 6 }, 3, 0.0, 0.1 },
	{ "identical", { 7, 7, 7 }, 3, { 7, 7, 7 }, 3, 4.5, 1.0 },
	{ "ties across", { 1, 2, 2, 3 }, 4, { 2, 3, 3, 4 }, 4, 3.0, 0.2857142857142857 },
	{ "ties 5v4", { 10, 20, 20, 30, 30 }, 5, { 20, 30, 40, 40 }, 4, 4.0, 0.2222222222222222 },
	{ "interleaved", { 1, 4, 5, 8 }, 4, { 2, 3, 6, 7 }, 4, 8.0, 1.0 },
	{ "issue peaks MB",
	  { 15.2, 17.3, 17.3, 17.6 },
	  4,
	  { 11.7, 14.3, 15.9, 16.9 },
	  4,
	  14.0,
	  0.08571428571428572 },
	{ "unequal 2v6", { 3, 9 }, 2, { 1, 2, 4, 5, 6, 7 }, 6, 8.0, 0.6428571428571429 },
};

static void test_utest_matches_brute_force(void **state)
{
	(void)state;
	size_t checked = 0;
	for (size_t i = 0; i < sizeof(utest_cases) / sizeof(utest_cases[0]); i++) {
		const struct utest_case *c = &utest_cases[i];
		double p, u;
		assert_int_equal(ep_stats_mann_whitney(c->a, c->na, c->b, c->nb, &p, &u), 0);
		if (fabs(p - c->p) > 1e-12 || fabs(u - c->u) > 1e-12)
			fail_msg("%s: p %.17g u %g, expected p %.17g u %g", c->name, p, u, c->p,
			         c->u);
		/* Swapping the sides keeps a two-sided p. */
		double swapped;
		assert_int_equal(ep_stats_mann_whitney(c->b, c->nb, c->a, c->na, &swapped, NULL),
		                 0);
		assert_true(fabs(swapped - c->p) < 1e-12);
		checked++;
	}
	assert_int_equal(checked, 8);
}

static void test_utest_refuses_empty_and_nan(void **state)
{
	(void)state;
	double one[] = { 1 }, bad[] = { 1, NAN }, p;
	assert_int_equal(ep_stats_mann_whitney(one, 0, one, 1, &p, NULL), -EINVAL);
	assert_true(isnan(p));
	assert_int_equal(ep_stats_mann_whitney(one, 1, bad, 2, &p, NULL), -EINVAL);
}

/* Beyond the exact table: 60 against 60 fully separated is far below any
 * alpha, identical samples give 1 (normal approximation, zero variance). */
static void test_utest_large_samples(void **state)
{
	(void)state;
	double a[60], b[60], same[60], p;
	for (int i = 0; i < 60; i++) {
		a[i] = i;
		b[i] = 100 + i;
		same[i] = 5;
	}
	assert_int_equal(ep_stats_mann_whitney(a, 60, b, 60, &p, NULL), 0);
	assert_true(p < 1e-15);
	assert_int_equal(ep_stats_mann_whitney(same, 60, same, 60, &p, NULL), 0);
	assert_true(p == 1);
}

static void test_minimum_samples(void **state)
{
	(void)state;
	/* 2/C(8,4) = 0.0286 <= 0.05 < 2/C(6,3) = 0.1 */
	assert_int_equal(ep_stats_utest_min_samples(0.05), 4);
	assert_int_equal(ep_stats_utest_min_samples(0.1), 3);
	assert_int_equal(ep_stats_utest_min_samples(0.01), 5);
	/* 2/C(8,4), 2/C(6,3), 2/C(6,2) = 2/15, and 1 vs 1 */
	assert_true(fabs(ep_stats_utest_min_p(4, 4) - 2.0 / 70) < 1e-15);
	assert_true(fabs(ep_stats_utest_min_p(3, 3) - 0.1) < 1e-15);
	assert_true(fabs(ep_stats_utest_min_p(2, 4) - 2.0 / 15) < 1e-15);
	assert_true(ep_stats_utest_min_p(1, 1) == 1);
}

static void test_median_and_range(void **state)
{
	(void)state;
	double even[] = { 3, 1, 2, 10 }, odd[] = { 5, 1, 9 }, min, max;
	assert_true(ep_stats_median(even, 4) == 2.5);
	assert_true(ep_stats_median(odd, 3) == 5);
	assert_true(isnan(ep_stats_median(odd, 0)));
	ep_stats_min_max(even, 4, &min, &max);
	assert_true(min == 1 && max == 10);
	assert_true(even[0] == 3); /* not sorted in place */
}

/* Reference: n=5 none; n=6 l=1 (0.96875); n=10 l=2 (0.978515625);
 * n=20 l=6 (0.9586105346679688). */
static void test_median_interval(void **state)
{
	(void)state;
	double v[20], low, high, coverage;
	for (int i = 0; i < 20; i++)
		v[i] = 20 - i; /* unsorted: 20 .. 1 */
	assert_int_equal(ep_stats_median_interval(v, 5, 0.95, &low, &high, &coverage), -EDOM);
	assert_true(isnan(low) && isnan(high));
	assert_int_equal(ep_stats_median_interval(v, 6, 0.95, &low, &high, &coverage), 0);
	assert_true(low == 15 && high == 20 && coverage == 0.96875);
	assert_int_equal(ep_stats_median_interval(v, 10, 0.95, &low, &high, &coverage), 0);
	assert_true(low == 12 && high == 19 && coverage == 0.978515625);
	assert_int_equal(ep_stats_median_interval(v, 20, 0.95, &low, &high, &coverage), 0);
	assert_true(low == 6 && high == 15);
	assert_true(fabs(coverage - 0.9586105346679688) < 1e-15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utest_matches_brute_force),
		cmocka_unit_test(test_utest_refuses_empty_and_nan),
		cmocka_unit_test(test_utest_large_samples),
		cmocka_unit_test(test_minimum_samples),
		cmocka_unit_test(test_median_and_range),
		cmocka_unit_test(test_median_interval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
