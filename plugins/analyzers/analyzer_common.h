/* What the heap, growth and category analyzers share: the scan that finds a
 * run's heap snapshots and their in-use totals one profile at a time, the
 * peak chosen from those totals, and the rows `go tool pprof -top` would
 * show of a profile_top table.
 *
 * Built once as a static library with hidden visibility and linked into
 * each analyzer (plugins/analyzers/meson.build), so the code exists once in
 * the tree and every plugin still exports only ep_plugin_entry.  Everything
 * here goes through the host API table; nothing links the host.
 */
#ifndef EP_ANALYZER_COMMON_H
#define EP_ANALYZER_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <e2e-profile/plugin.h>

/* core/pattern.c is compiled into the analyzers (it depends on PCRE2
 * only), so categories read patterns exactly as `top --focus` does. */
struct ep_pattern;

/* Sample types of a Go heap profile (docs/pprof-semantics.md). */
#define ANALYZER_INUSE_SPACE   "inuse_space"
#define ANALYZER_INUSE_OBJECTS "inuse_objects"
#define ANALYZER_ALLOC_SPACE   "alloc_space"

/* The totals of one heap snapshot, each the sum of |value| of one sample
 * type over every sample: what `go tool pprof -top -sample_index=TYPE`
 * calls the total. */
struct analyzer_heap_totals {
	const struct ep_snapshot_info *snapshot; /* borrowed from the run */
	int64_t inuse_bytes;                     /* inuse_space */
	int64_t inuse_objects;                   /* inuse_objects; -1 when absent */
	int64_t alloc_bytes; /* alloc_space, counted since the process started; -1 when absent */
	bool negative_inuse; /* some sample has a negative inuse_space: not a real heap */
};

/* Beyond this, an in-use total is no real process's: 1 PiB. */
#define ANALYZER_PLAUSIBLE_HEAP_BYTES ((int64_t)1 << 50)

/* The usable heap snapshots of a run, in time order. */
struct analyzer_heap_scan {
	struct analyzer_heap_totals *snapshots; /* count entries, from host->alloc */
	size_t count;                           /* at least 1 after a successful scan */
	/* Index of the highest inuse_bytes among the snapshots of the test
	 * window (all of them when the window is unknown or holds none); the
	 * earliest of the window on a tie. */
	size_t peak;
	size_t peak_ties; /* snapshots of the window sharing the peak's value, >= 1 */
	size_t skipped;   /* heap snapshots left out because they failed to load */
	/* The test window (analyzer_in_window): snapshots [window_first,
	 * window_end) in time order; the whole scan when window_known is false. */
	bool window_known;
	size_t window_first, window_end;
};

/* True when snapshot belongs to the run's test window (plugin.h,
 * EP_TEST_WINDOW_GRACE_NS), or when the run has no known window. */
bool analyzer_in_window(const struct ep_run_info *run, const struct ep_snapshot_info *snapshot);

/* Reads every snapshot of kind "heap" of run, one profile at a time
 * (each is released before the next is loaded, so memory does not grow
 * with the snapshot count), and keeps only its totals.  A snapshot that
 * does not load, or has no inuse_space, is skipped with a warning.
 * Returns 0, -ENODATA (logged) when no heap snapshot is usable, or
 * -ENOMEM.  Free *scan with analyzer_heap_scan_free() in every case. */
int analyzer_heap_scan(const struct ep_host_api *host, struct ep_instance *instance,
                       const struct ep_run_info *run, struct analyzer_heap_scan *scan);
/* Called by analyzer_heap_scan_each with each usable snapshot's profile
 * (borrowed for the call) and its index in scan->snapshots, so an analyzer
 * that needs every profile decodes each once. Returns 0, or a negative
 * errno that ends the scan. */
typedef int (*analyzer_heap_visit_fn)(void *context, size_t index,
                                      const struct ep_profile *profile);
/* analyzer_heap_scan, calling visit (may be NULL) on every usable
 * snapshot; returns visit's error when it fails. */
int analyzer_heap_scan_each(const struct ep_host_api *host, struct ep_instance *instance,
                            const struct ep_run_info *run, struct analyzer_heap_scan *scan,
                            analyzer_heap_visit_fn visit, void *context);
/* Frees what a scan holds and zeroes it; safe on a zeroed scan. */
void analyzer_heap_scan_free(const struct ep_host_api *host, struct analyzer_heap_scan *scan);

/* Loads the profile of one scanned snapshot again (e.g. the peak, after
 * the scan).  Release it with host->profile_release.  Returns 0 or the
 * negative errno of profile_load (the host has logged why). */
int analyzer_heap_load(const struct ep_host_api *host, struct ep_instance *instance,
                       const struct analyzer_heap_totals *totals,
                       const struct ep_profile **profile);

/* The index of the sample type named type, or -1. */
int analyzer_sample_type_index(const struct ep_profile *profile, const char *type);

/* pprof's -top node cut-off for a profile_top table: |int64(signed sum of
 * every flat * 0.005)|.  Rows whose |cum| is below it are the ones pprof
 * reports as "Dropped N nodes". */
int64_t analyzer_top_cutoff(const struct ep_top *top);
/* True when `go tool pprof -top` shows row under cutoff. */
bool analyzer_top_shows(const struct ep_top_row *row, int64_t cutoff);
/* The flat value of the row named name, 0 when top has none. */
int64_t analyzer_top_flat(const struct ep_top *top, const char *name);
/* The cum value of the row named name, 0 when top has none. */
int64_t analyzer_top_cum(const struct ep_top *top, const char *name);

/* Reads the INT key (e.g. "top") of the instance's section as a row count
 * of at least 1.  Returns 0, or -EINVAL after logging. */
int analyzer_config_row_count(const struct ep_host_api *host, struct ep_instance *instance,
                              const char *key, size_t *count);

/* |value / total| * 100, pprof's percentage; 0 when total is 0. */
double analyzer_percent(int64_t value, int64_t total);
/* |value|, with INT64_MIN saturating to INT64_MAX. */
int64_t analyzer_abs(int64_t value);
/* a + b, saturating instead of overflowing. */
int64_t analyzer_add(int64_t a, int64_t b);
/* a - b, saturating instead of overflowing. */
int64_t analyzer_subtract(int64_t a, int64_t b);
/* value rounded to the nearest integer, clamped to the int64 range. */
int64_t analyzer_round(double value);
/* The last component of path ("runs/x/heap3.pprof" -> "heap3.pprof"). */
const char *analyzer_basename(const char *path);
/* path inside run's directory without the directory ("heap8.pprof",
 * "controller/heap8.pprof"): how an analysis report, written in the run
 * directory, names a snapshot in a command; path itself when it lies
 * elsewhere. */
const char *analyzer_run_relative(const struct ep_run_info *run, const char *path);
/* Writes text into out (len bytes) quoted for a POSIX shell: '...' with
 * each ' as '\''. Returns out; truncates when it does not fit. */
char *analyzer_shell_quote(char *out, size_t len, const char *text);
/* Formats a rate in bytes/second for people, e.g. "1.20MB/s". */
char *analyzer_format_rate(const struct ep_host_api *host, char *buffer, size_t size,
                           double bytes_per_second);

/* Report values. */
struct ep_value analyzer_int(int64_t value);
struct ep_value analyzer_double(double value);
struct ep_value analyzer_text(const char *text);
struct ep_value analyzer_none(void);

/* Categories of code (OpenAPI, JSON decoding, ...), shared by the category
 * and cpu analyzers so both count a sample in a category the same way.
 *
 * A category is a list of patterns in Go regexp (RE2) syntax, read by
 * PCRE2 (docs/patterns.md), from a [category.NAME]
 * section of the configuration (display_name = TEXT, pattern = REGEX,
 * repeated for more), or, when there is none, the built-in set (openapi,
 * json, dynamic, informers, reflection).  A sample belongs to a category
 * when any frame of its stack matches, as `go tool pprof -focus=REGEX`
 * keeps samples: a frame (location) matches when one of its lines'
 * function name or source file name matches, or its mapping's file does. */

/* Longest category name: it becomes part of metric ids and --fail-on rules. */
#define ANALYZER_CATEGORY_NAME_MAX 64

struct analyzer_category {
	char *name;                   /* e.g. "openapi"; host->strdup */
	char *display_name;           /* e.g. "OpenAPI"; host->strdup */
	struct ep_pattern **patterns; /* pattern_count compiled patterns; host->alloc */
	size_t pattern_count;
};

struct analyzer_categories {
	struct analyzer_category *items; /* count entries; host->alloc */
	size_t count;
	bool builtin; /* the built-in set is in use (no [category.NAME] configured) */
};

/* Reads the [category.NAME] sections, or the built-in set when there are
 * none and builtin_allowed is true (else no category at all).  Returns 0,
 * -EINVAL after logging which section is wrong (bad name, no pattern, a
 * regex that does not compile), or -ENOMEM.  Free *categories with
 * analyzer_categories_free() in every case. */
int analyzer_categories_load(const struct ep_host_api *host, struct ep_instance *instance,
                             bool builtin_allowed, struct analyzer_categories *categories);
/* The text of pattern i of category, as configured. */
const char *analyzer_category_pattern(const struct analyzer_category *category, size_t i);
/* Frees what categories holds and zeroes it; safe on a zeroed one. */
void analyzer_categories_free(const struct ep_host_api *host,
                              struct analyzer_categories *categories);

/* Matches the frames of one profile against categories, remembering each
 * (location, category) answer: the same frames recur on thousands of
 * stacks, and a pattern match is the cost. */
struct analyzer_category_matcher {
	const struct analyzer_categories *categories; /* borrowed */
	const struct ep_profile *profile;             /* borrowed */
	uint8_t *memo;                                /* location_count * count; host->alloc */
};

/* Prepares a matcher for profile. Returns 0, -ENOMEM or -EOVERFLOW. Free
 * it with analyzer_category_matcher_free() in every case. */
int analyzer_category_matcher_init(const struct ep_host_api *host,
                                   struct analyzer_category_matcher *matcher,
                                   const struct analyzer_categories *categories,
                                   const struct ep_profile *profile);
void analyzer_category_matcher_free(const struct ep_host_api *host,
                                    struct analyzer_category_matcher *matcher);
/* True when a frame of sample (of the matcher's profile) matches category
 * index category, as `go tool pprof -focus` would keep it. */
bool analyzer_category_matches_sample(struct analyzer_category_matcher *matcher, size_t category,
                                      const struct ep_profile_sample *sample);

#endif /* EP_ANALYZER_COMMON_H */
