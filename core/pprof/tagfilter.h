/* pprof's -tagfocus and -tagignore: a sample filter on its labels, either a
 * numeric range ("32kb", ":64kb", "4mb:", "12kb:64mb") or comma-separated
 * patterns, optionally limited to one key ("bytes=1mb:", "handler=api").
 */
#ifndef EP_PPROF_TAGFILTER_H
#define EP_PPROF_TAGFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "e2e-profile/profile.h"

struct ep_tag_filter;

/* The unit of a numeric label key, as pprof's NumLabelUnits infers it. */
struct ep_label_unit {
	const char *key;
	const char *unit;
};

/* Parses spec as pprof does: what is not a range is a pattern list.  what
 * names the flag in the error line.  Returns 0 and *out (free it with
 * ep_tag_filter_free()), -EINVAL with one line in err (a number out of
 * range, or a pattern that does not compile; the line lists the range
 * forms), or -ENOMEM. */
int ep_tag_filter_parse(const char *spec, const char *what, struct ep_tag_filter **out, char *err,
                        size_t errlen);

/* Whether sample s passes the filter's test.  units (count entries) gives
 * the unit of each numeric key; base says the sample comes from a
 * -diff_base base, which pprof marks with the label pprof::base=true. */
bool ep_tag_filter_match(const struct ep_tag_filter *filter, const struct ep_profile_sample *s,
                         const struct ep_label_unit *units, size_t count, bool base);

void ep_tag_filter_free(struct ep_tag_filter *filter);

#endif /* EP_PPROF_TAGFILTER_H */
