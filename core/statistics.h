/* Statistics for comparing repeated runs, after benchstat's method
 * (docs/statistics.md): each side summarized by its median with a
 * distribution-free confidence interval, and the two sides tested with the
 * two-sided Mann-Whitney U test, exact (ties included) for the sample sizes
 * repeated e2e runs have. */
#ifndef EP_STATISTICS_H
#define EP_STATISTICS_H

#include <stdbool.h>
#include <stddef.h>

/* The median of count values (the mean of the two middle ones for an even
 * count); NAN for count 0. values is not changed. */
double ep_stats_median(const double *values, size_t count);

/* The smallest and largest of count values (count > 0). */
void ep_stats_min_max(const double *values, size_t count, double *min, double *max);

/* A distribution-free interval on the median at level confidence (e.g.
 * 0.95): the order statistics x(l) and x(n+1-l) with the largest l whose
 * coverage, P(l <= B < n+1-l) for B ~ Binomial(n, 1/2), is at least
 * confidence. Sets *low and *high and returns 0; returns -EDOM (both
 * NAN) when no interval of count values reaches confidence (below 6
 * values at 95%). *coverage (may be NULL) receives the interval's exact
 * coverage. */
int ep_stats_median_interval(const double *values, size_t count, double confidence, double *low,
                             double *high, double *coverage);

/* The smallest count per side (equal sizes) for which the U test can
 * reach p <= alpha; 0 when none up to 50 can. */
size_t ep_stats_utest_min_samples(double alpha);

/* The smallest two-sided p the U test can give for na against nb values
 * (the sides fully apart, no ties): 2 / C(na+nb, na), at most 1. When it
 * is not below alpha, no data of these sizes can be significant. */
double ep_stats_utest_min_p(size_t na, size_t nb);

/* The two-sided Mann-Whitney U test of a against b. With midranks for
 * ties, the exact distribution of the rank sum over all C(na+nb, na)
 * assignments of the observed ranks (computed by counting, not
 * enumeration) when na + nb <= 200; beyond that, the normal approximation
 * with tie and continuity corrections. p = min(1, 2 * min(P(U <= u),
 * P(U >= u))). Sets *p (and *u, the U statistic of a, may be NULL).
 * Returns 0, -EINVAL when a side is empty or a value is not finite, or
 * -ENOMEM. When every value is equal p is 1. */
int ep_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *p,
                          double *u);

#endif /* EP_STATISTICS_H */
