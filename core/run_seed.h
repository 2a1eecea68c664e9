/* Run directories without a run.json, as the original shell scripts and the
 * Go tool that replaced them left them: numbered snapshots (heap0.pprof ...
 * heapN.pprof, cpuN, goroutineN, allocsN), at the top or in per-component
 * (COMPONENT/) and per-pod (COMPONENT/POD/) subdirectories.  The layout is
 * described in docs/run-json.md ("Directories without run.json"). */
#ifndef EP_RUN_SEED_H
#define EP_RUN_SEED_H

#include <stddef.h>
#include <stdint.h>

/* One numbered snapshot found on disk. */
struct ep_seed_snapshot {
	const char *kind;     /* "heap", "cpu", "goroutine" or "allocs" (static) */
	uint32_t index;       /* the N of kindN.pprof */
	char *file;           /* relative to the run directory, e.g. "catalogd/heap3.pprof" */
	char *source;         /* the subdirectory ("catalogd"), or "" at the top */
	int64_t time_unix_ns; /* the profile's time_nanos; 0 when it has none or is unreadable */
};

/* What a scan found, in the order the analysis reads it: by number, then
 * source, then kind. */
struct ep_seed_run {
	struct ep_seed_snapshot *snapshots;
	size_t count;
	size_t untimed;        /* snapshots without a usable time_nanos */
	int64_t first_unix_ns; /* the earliest time found, 0 when none */
	int64_t last_unix_ns;  /* the latest time found, 0 when none */
};

/* Scans directory (two levels of subdirectories at most, never following a
 * symlinked directory) and reads each snapshot's time from its profile,
 * decompressing at most max_profile_bytes. A profile that cannot be read
 * stays in the list untimed; the analyzers then report it by name.
 * Returns 0 with out filled (count may be 0), or a negative errno with err
 * naming the directory. Free out with ep_seed_run_free(). */
int ep_seed_run_scan(const char *directory, uint64_t max_profile_bytes, struct ep_seed_run *out,
                     char *err, size_t errlen);

void ep_seed_run_free(struct ep_seed_run *run);

#endif
