/* Medians, their distribution-free intervals and the Mann-Whitney U test
 * for repeated runs (docs/statistics.md). Every function is pure: values
 * in, numbers out, no logging. */
#include "statistics.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Above this many values in total the exact counting table (na+1 rows of
 * n(n+1) doubled rank sums) grows past a few MB; the normal approximation
 * is then close to exact anyway. */
#define STATS_EXACT_MAX_VALUES 100

static int stats_compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y ? 1 : 0;
}

static double *stats_sorted_copy(const double *values, size_t count)
{
	double *sorted = malloc((count ? count : 1) * sizeof(*sorted));
	if (sorted == NULL)
		return NULL;
	memcpy(sorted, values, count * sizeof(*sorted));
	qsort(sorted, count, sizeof(*sorted), stats_compare_doubles);
	return sorted;
}

double ep_stats_median(const double *values, size_t count)
{
	if (count == 0)
		return NAN;
	double *sorted = stats_sorted_copy(values, count);
	if (sorted == NULL)
		return NAN;
	double median =
	        count % 2 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
	free(sorted);
	return median;
}

void ep_stats_min_max(const double *values, size_t count, double *min, double *max)
{
	*min = *max = count ? values[0] : NAN;
	for (size_t i = 1; i < count; i++) {
		if (values[i] < *min)
			*min = values[i];
		if (values[i] > *max)
			*max = values[i];
	}
}

/* P(low <= B <= high) for B ~ Binomial(n, 1/2). */
static double stats_binomial_half_between(size_t n, size_t low, size_t high)
{
	double sum = 0, choose = 1; /* C(n, i), built up exactly in doubles */
	for (size_t i = 0; i <= n; i++) {
		if (i >= low && i <= high)
			sum += choose;
		choose = choose * (double)(n - i) / (double)(i + 1);
	}
	return sum / pow(2, (double)n);
}

int ep_stats_median_interval(const double *values, size_t count, double confidence, double *low,
                             double *high, double *coverage)
{
	*low = *high = NAN;
	if (coverage != NULL)
		*coverage = NAN;
	/* x(l) .. x(n+1-l) covers the median when l <= B <= n-l. */
	size_t best = 0;
	for (size_t l = 1; l <= count / 2; l++) {
		if (stats_binomial_half_between(count, l, count - l) < confidence)
			break;
		best = l;
	}
	if (best == 0)
		return -EDOM;
	double *sorted = stats_sorted_copy(values, count);
	if (sorted == NULL)
		return -ENOMEM;
	*low = sorted[best - 1];
	*high = sorted[count - best];
	if (coverage != NULL)
		*coverage = stats_binomial_half_between(count, best, count - best);
	free(sorted);
	return 0;
}

size_t ep_stats_utest_min_samples(double alpha)
{
	/* The most extreme split of n against n has p = 2 / C(2n, n). */
	double choose = 1; /* C(2n, n) */
	for (size_t n = 1; n <= 50; n++) {
		choose = choose * (double)(2 * n) * (double)(2 * n - 1) / ((double)n * (double)n);
		if (2 / choose <= alpha)
			return n;
	}
	return 0;
}

double ep_stats_utest_min_p(size_t na, size_t nb)
{
	double choose = 1; /* C(na+nb, k) for k = 1..na */
	for (size_t k = 1; k <= na; k++)
		choose = choose * (double)(nb + k) / (double)k;
	return fmin(1, 2 / choose);
}

struct stats_ranked {
	double value;
	int side; /* 0: a, 1: b */
};

static int stats_compare_ranked(const void *a, const void *b)
{
	return stats_compare_doubles(&((const struct stats_ranked *)a)->value,
	                             &((const struct stats_ranked *)b)->value);
}

/* Exact tails of the doubled rank sum of a: ways[k][s] counts the subsets
 * of k values whose doubled midranks add up to s. */
static int stats_exact_tails(const long *doubled_ranks, size_t n, size_t na, long observed,
                             double *below, double *above)
{
	size_t sums = (size_t)(n * (n + 1)) + 1;
	double *ways = calloc((na + 1) * sums, sizeof(*ways));
	if (ways == NULL)
		return -ENOMEM;
	ways[0] = 1;
	for (size_t i = 0; i < n; i++) {
		size_t r = (size_t)doubled_ranks[i];
		for (size_t k = (i + 1 < na ? i + 1 : na); k >= 1; k--)
			for (size_t s = sums - 1; s >= r; s--)
				ways[k * sums + s] += ways[(k - 1) * sums + s - r];
	}
	double total = 0, low = 0, high = 0;
	for (size_t s = 0; s < sums; s++) {
		double w = ways[na * sums + s];
		total += w;
		if ((long)s <= observed)
			low += w;
		if ((long)s >= observed)
			high += w;
	}
	free(ways);
	*below = low / total;
	*above = high / total;
	return 0;
}

int ep_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *p,
                          double *u)
{
	*p = NAN;
	if (u != NULL)
		*u = NAN;
	if (na == 0 || nb == 0)
		return -EINVAL;
	size_t n = na + nb;
	struct stats_ranked *all = malloc(n * sizeof(*all));
	long *doubled = malloc(n * sizeof(*doubled));
	int rc = 0;
	if (all == NULL || doubled == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		all[i].value = i < na ? a[i] : b[i - na];
		all[i].side = i < na ? 0 : 1;
		if (!isfinite(all[i].value)) {
			rc = -EINVAL;
			goto done;
		}
	}
	qsort(all, n, sizeof(*all), stats_compare_ranked);
	/* Midranks, doubled so they stay integers: a tie over positions
	 * i+1..j (1-based) ranks each at (i+1+j)/2. */
	long rank_sum_a = 0;
	double tie_term = 0; /* sum of t^3 - t over tie groups */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && all[j].value == all[i].value)
			j++;
		for (size_t k = i; k < j; k++) {
			doubled[k] = (long)(i + 1 + j);
			if (all[k].side == 0)
				rank_sum_a += doubled[k];
		}
		double t = (double)(j - i);
		tie_term += t * t * t - t;
		i = j;
	}
	double u_a = (double)rank_sum_a / 2 - (double)(na * (na + 1)) / 2;
	if (u != NULL)
		*u = u_a;
	if (n <= STATS_EXACT_MAX_VALUES) {
		double below, above;
		rc = stats_exact_tails(doubled, n, na, rank_sum_a, &below, &above);
		if (rc < 0)
			goto done;
		*p = fmin(1, 2 * fmin(below, above));
	} else {
		double mean = (double)na * (double)nb / 2;
		double variance = (double)na * (double)nb / 12 *
		                  ((double)(n + 1) - tie_term / ((double)n * (double)(n - 1)));
		if (variance <= 0) {
			*p = 1;
		} else {
			double z = fmax(0, fabs(u_a - mean) - 0.5) / sqrt(variance);
			*p = fmin(1, erfc(z / sqrt(2)));
		}
	}
done:
	free(all);
	free(doubled);
	return rc;
}
