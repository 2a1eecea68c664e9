/* Writing profiles: pprof's Merge of several profiles (the replicas or
 * repetitions of a run), and the -diff_base view of two as a profile of
 * its own, as gzip-compressed protobuf that `go tool pprof` reads.
 */
#ifndef EP_PPROF_MERGE_H
#define EP_PPROF_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "e2e-profile/profile.h"

/* One profile to merge. */
struct ep_merge_input {
	const struct ep_profile *profile; /* from ep_profile_load_*(); borrowed */
	const char *name;                 /* for error lines, e.g. its path */
	/* A -diff_base base: values negated and every sample labelled
	 * pprof::base=true, so pprof takes percentages of its total. */
	bool diff_base;
};

/* Merges inputs as pprof's profile.Merge does (mappings, functions,
 * locations and samples by pprof's keys, samples whose values sum to zero
 * dropped, the earliest time, the summed duration, comments once) and
 * writes the result atomically to path as gzip-compressed protobuf.
 * The sample types and period type must be the same in every input.
 * Returns 0, or a negative errno with one line in err: -EINVAL (types
 * differ; err names the input), -ENOMEM, or the errno of the write. */
int ep_profile_merge_write(const char *path, const struct ep_merge_input *inputs, size_t count,
                           char *err, size_t errlen);

#endif /* EP_PPROF_MERGE_H */
