/* The `top` table of one profile, byte for byte what
 * `go tool pprof -top` prints, so users can check our numbers against it.
 */
#ifndef EP_PPROF_TOP_H
#define EP_PPROF_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "e2e-profile/profile.h"
#include "pprof/aggregate.h"

struct ep_top_options {
	const char *sample_index;      /* NULL: the default; else a name or a 0-based number */
	bool cum;                      /* sort by cumulative value (pprof -cum) */
	long nodecount;                /* show at most this many rows; <= 0: all */
	const struct ep_profile *base; /* subtract this profile (pprof -base); may be NULL */
	/* Added with pprof's views: */
	const struct ep_node_view *view; /* granularity, -diff_base, filters; NULL: none */
	bool has_node_fraction;          /* node_fraction was given; else 0.005 */
	double node_fraction;            /* pprof -nodefraction */
	const char *unit;                /* pprof -unit; NULL: "minimum", one unit for all */
	/* The filters as given, "focus=RE" ..., for the "Active filters:" lines */
	const char *const *active_filters;
	size_t active_filter_count;
};

/* Writes to out the header lines, the Dropped/Showing lines and the table
 * that `TZ=UTC go tool pprof -symbolize=none -top` prints for p with the
 * same options (times print in the local time zone, as pprof's do).
 * p and o->base must come from ep_profile_load_*() and are borrowed.
 * Returns 0, or a negative errno with one line in err: -EINVAL for a bad
 * sample index or an incompatible base, -ENOMEM, -EIO when out failed. */
int ep_top_write(FILE *out, const struct ep_profile *p, const struct ep_top_options *o, char *err,
                 size_t errlen);

#endif /* EP_PPROF_TOP_H */
