/* heap: the peak of in-use memory in a run, and what held it.
 *
 * Of a run's heap snapshots the peak is the one with the highest in-use
 * total (sum of inuse_space, the total of `go tool pprof
 * -sample_index=inuse_space -top`), not the largest file (see
 * docs/architecture.md).  The analysis reports the peak's bytes, objects,
 * time and file, and its top functions with the numbers `go tool pprof
 * -top` prints for that file.
 * Comparing two runs gates on the peaks ("peak", "objects") and lists the
 * per-function difference of the two peak profiles (pprof -base).
 *
 * Snapshots are read one at a time and only their totals are kept; the
 * peak is loaded again at the end, so memory stays flat however long the
 * run was.
 *
 * Build: part of the tree (plugins/analyzers/meson.build), or alone:
 *     cc -shared -fPIC -fvisibility=hidden -I../../core \
 *        $(pkg-config --cflags e2e-profile-plugin libpcre2-8) \
 *        heap.c analyzer_common.c ../../core/pattern.c \
 *        $(pkg-config --libs libpcre2-8) -o heap.so
 * Use: list it in [run] analyzers (default heap,growth,category); settings
 * go in [analyzer.heap]:
 *     top = 20    rows of heap.top and heap.diff
 * Report ids: docs/report-ids.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "analyzer_common.h"

struct heap_analyzer {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	size_t top; /* rows of heap.top and heap.diff */
};

static int heap_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	struct heap_analyzer *self = host->alloc(sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	self->host = host;
	self->instance = instance;
	int rc = analyzer_config_row_count(host, instance, "top", &self->top);
	if (rc < 0) {
		host->free(self);
		return rc;
	}
	*state = self;
	return 0;
}

static void heap_fini(void *state)
{
	struct heap_analyzer *self = state;
	if (self != NULL)
		self->host->free(self);
}

static const struct ep_report_column heap_top_columns[] = {
	{ "function", "function", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "flat", "flat", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "flat_percent", "flat%", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
	{ "sum_percent", "sum%", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
	{ "cum", "cum", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "cum_percent", "cum%", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
};

/* heap.top: the first rows of `go tool pprof -sample_index=inuse_space
 * -top` of the peak, with the same numbers. */
static int heap_report_top(struct heap_analyzer *self, struct ep_report *report,
                           const struct ep_top *top)
{
	const struct ep_host_api *host = self->host;
	int rc = host->report_table(report, "heap.top", "Top functions at the peak (in-use bytes)",
	                            sizeof(heap_top_columns) / sizeof(heap_top_columns[0]),
	                            heap_top_columns);
	if (rc < 0)
		return rc;
	int64_t cutoff = analyzer_top_cutoff(top);
	int64_t running = 0; /* pprof's sum%: the signed running flat sum */
	size_t shown = 0;
	for (size_t i = 0; i < top->row_count && shown < self->top; i++) {
		const struct ep_top_row *row = &top->rows[i];
		if (!analyzer_top_shows(row, cutoff))
			continue;
		running = analyzer_add(running, row->flat);
		const struct ep_value cells[] = {
			analyzer_text(row->name),
			analyzer_int(row->flat),
			analyzer_double(analyzer_percent(row->flat, top->total)),
			analyzer_double(analyzer_percent(running, top->total)),
			analyzer_int(row->cum),
			analyzer_double(analyzer_percent(row->cum, top->total)),
		};
		rc = host->report_row(report, cells);
		if (rc < 0)
			return rc;
		shown++;
	}
	return 0;
}

/* A corrupt or hand-made profile can hold values no process has; the
 * figures are still pprof's, but the report says they cannot be real. */
static int heap_report_implausible(struct heap_analyzer *self, struct ep_report *report,
                                   const struct analyzer_heap_totals *totals)
{
	const struct ep_host_api *host = self->host;
	const char *file = analyzer_basename(totals->snapshot->path);
	int rc = 0;
	if (totals->inuse_bytes > ANALYZER_PLAUSIBLE_HEAP_BYTES) {
		char bytes[64];
		host->format_value(bytes, sizeof(bytes), totals->inuse_bytes, EP_UNIT_BYTES,
		                   "auto");
		host->log(self->instance, EP_LOG_WARN,
		          "%s: in-use total %s is beyond 1 PiB; the profile cannot be real", file,
		          bytes);
		rc = host->report_note(report,
		                       "Warning: snapshot %s has an in-use total of %s, beyond 1 "
		                       "PiB: the profile is corrupt or not from a real process.",
		                       file, bytes);
	}
	if (rc >= 0 && totals->negative_inuse) {
		host->log(self->instance, EP_LOG_WARN, "%s: negative in-use values", file);
		rc = host->report_note(report,
		                       "Warning: snapshot %s has negative in-use values: the "
		                       "profile is corrupt or not from a Go heap.",
		                       file);
	}
	return rc;
}

static int heap_report_peak(struct heap_analyzer *self, struct ep_report *report,
                            const struct ep_run_info *run, const struct analyzer_heap_scan *scan,
                            const struct ep_top *top)
{
	const struct ep_host_api *host = self->host;
	const struct analyzer_heap_totals *peak = &scan->snapshots[scan->peak];
	const char *file = analyzer_basename(peak->snapshot->path);
	const char *relative = analyzer_run_relative(run, peak->snapshot->path);
	int rc = host->report_section(report, "heap", "Peak memory");
	if (rc < 0)
		return rc;
	rc = host->report_metric(report, "heap.peak_inuse_bytes", "Peak in-use memory",
	                         analyzer_int(peak->inuse_bytes), EP_UNIT_BYTES);
	if (rc < 0)
		return rc;
	rc = host->report_metric(report, "heap.peak_inuse_objects", "In-use objects at the peak",
	                         peak->inuse_objects < 0 ? analyzer_none()
	                                                 : analyzer_int(peak->inuse_objects),
	                         EP_UNIT_COUNT);
	if (rc < 0)
		return rc;
	rc = host->report_metric(report, "heap.peak_offset_seconds", "Time of the peak",
	                         analyzer_double(peak->snapshot->offset_seconds), EP_UNIT_SECONDS);
	if (rc < 0)
		return rc;
	rc = host->report_metric(report, "heap.peak_snapshot", "Peak snapshot", analyzer_text(file),
	                         EP_UNIT_NONE);
	if (rc < 0)
		return rc;
	rc = heap_report_top(self, report, top);
	if (rc < 0)
		return rc;

	char bytes[64];
	host->format_value(bytes, sizeof(bytes), peak->inuse_bytes, EP_UNIT_BYTES, "auto");
	rc = host->report_note(report,
	                       "The peak is %s, taken %.0f s into the run, with %s in use (of %zu "
	                       "heap snapshots). The table shows its top functions; from this "
	                       "directory, go tool pprof -sample_index=inuse_space -top %s "
	                       "prints the same.",
	                       file, peak->snapshot->offset_seconds, bytes, scan->count, relative);
	if (rc < 0)
		return rc;
	if (scan->window_known && scan->window_end - scan->window_first < scan->count)
		rc = host->report_note(
		        report,
		        "The peak is chosen among the %zu heap snapshots taken while "
		        "the test ran (of %zu).",
		        scan->window_end - scan->window_first, scan->count);
	if (rc == 0 && scan->peak_ties > 1)
		rc = host->report_note(report,
		                       "Flat peak: %zu heap snapshots %sshare the peak's %s; the "
		                       "first of them, %s, is reported.",
		                       scan->peak_ties,
		                       scan->window_known ? "taken while the test ran " : "", bytes,
		                       file);
	if (rc == 0 && scan->skipped > 0)
		rc = host->report_note(report,
		                       "%zu heap snapshot(s) could not be read and were left out; "
		                       "the log says why.",
		                       scan->skipped);
	for (size_t i = 0; rc >= 0 && i < scan->count; i++)
		rc = heap_report_implausible(self, report, &scan->snapshots[i]);
	return rc;
}

static int heap_analyze(void *state, const struct ep_run_info *run, struct ep_report *report)
{
	struct heap_analyzer *self = state;
	const struct ep_host_api *host = self->host;
	struct analyzer_heap_scan scan = { 0 };
	const struct ep_profile *peak_profile = NULL;
	const struct ep_top *top = NULL;

	int rc = analyzer_heap_scan(host, self->instance, run, &scan);
	if (rc < 0)
		goto cleanup;
	rc = analyzer_heap_load(host, self->instance, &scan.snapshots[scan.peak], &peak_profile);
	if (rc < 0)
		goto cleanup;
	rc = host->profile_top(self->instance, peak_profile, NULL, ANALYZER_INUSE_SPACE, false,
	                       &top);
	if (rc < 0)
		goto cleanup;
	rc = heap_report_peak(self, report, run, &scan, top);

cleanup:
	host->top_release(self->instance, top);
	host->profile_release(self->instance, peak_profile);
	analyzer_heap_scan_free(host, &scan);
	return rc;
}

static const struct ep_report_column heap_diff_columns[] = {
	{ "function", "function", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "a_flat", "A flat", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "b_flat", "B flat", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "delta", "flat delta", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "a_cum", "A cum", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "b_cum", "B cum", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "delta_cum", "cum delta", EP_VALUE_INT, EP_UNIT_BYTES },
};

/* heap.diff: B's peak minus A's peak per function, in the order of `go
 * tool pprof -top -base A_PEAK B_PEAK`, beside each run's own flat, and
 * the same for cum: a caller whose retained bytes fell shows there even
 * when its own flat did not change. */
static int heap_report_diff(struct heap_analyzer *self, struct ep_report *report,
                            const struct ep_top *a_top, const struct ep_top *b_top,
                            const struct ep_top *diff)
{
	const struct ep_host_api *host = self->host;
	int rc = host->report_table(
	        report, "heap.diff", "Per-function difference of the peaks (B - A, in-use bytes)",
	        sizeof(heap_diff_columns) / sizeof(heap_diff_columns[0]), heap_diff_columns);
	if (rc < 0)
		return rc;
	int64_t cutoff = analyzer_top_cutoff(diff);
	size_t shown = 0;
	for (size_t i = 0; i < diff->row_count && shown < self->top; i++) {
		const struct ep_top_row *row = &diff->rows[i];
		if (!analyzer_top_shows(row, cutoff))
			continue;
		const struct ep_value cells[] = {
			analyzer_text(row->name),
			analyzer_int(analyzer_top_flat(a_top, row->name)),
			analyzer_int(analyzer_top_flat(b_top, row->name)),
			analyzer_int(row->flat),
			analyzer_int(analyzer_top_cum(a_top, row->name)),
			analyzer_int(analyzer_top_cum(b_top, row->name)),
			analyzer_int(row->cum),
		};
		rc = host->report_row(report, cells);
		if (rc < 0)
			return rc;
		shown++;
	}
	return 0;
}

static int heap_compare(void *state, const struct ep_run_info *a, const struct ep_run_info *b,
                        struct ep_report *report)
{
	struct heap_analyzer *self = state;
	const struct ep_host_api *host = self->host;
	struct analyzer_heap_scan a_scan = { 0 }, b_scan = { 0 };
	const struct analyzer_heap_totals *a_totals, *b_totals;
	const struct ep_profile *a_peak = NULL, *b_peak = NULL;
	const struct ep_top *a_top = NULL, *b_top = NULL, *diff = NULL;

	int rc = analyzer_heap_scan(host, self->instance, a, &a_scan);
	if (rc < 0)
		goto cleanup;
	rc = analyzer_heap_scan(host, self->instance, b, &b_scan);
	if (rc < 0)
		goto cleanup;
	a_totals = &a_scan.snapshots[a_scan.peak];
	b_totals = &b_scan.snapshots[b_scan.peak];

	rc = analyzer_heap_load(host, self->instance, a_totals, &a_peak);
	if (rc < 0)
		goto cleanup;
	rc = analyzer_heap_load(host, self->instance, b_totals, &b_peak);
	if (rc < 0)
		goto cleanup;
	rc = host->profile_top(self->instance, a_peak, NULL, ANALYZER_INUSE_SPACE, false, &a_top);
	if (rc < 0)
		goto cleanup;
	rc = host->profile_top(self->instance, b_peak, NULL, ANALYZER_INUSE_SPACE, false, &b_top);
	if (rc < 0)
		goto cleanup;
	rc = host->profile_top(self->instance, b_peak, a_peak, ANALYZER_INUSE_SPACE, false, &diff);
	if (rc < 0)
		goto cleanup;

	rc = host->report_section(report, "heap", "Peak memory");
	if (rc < 0)
		goto cleanup;
	rc = host->report_comparison(report, "peak", "Peak in-use memory",
	                             analyzer_int(a_totals->inuse_bytes),
	                             analyzer_int(b_totals->inuse_bytes), EP_UNIT_BYTES);
	if (rc < 0)
		goto cleanup;
	rc = host->report_comparison(
	        report, "objects", "In-use objects at the peak",
	        a_totals->inuse_objects < 0 ? analyzer_none()
	                                    : analyzer_int(a_totals->inuse_objects),
	        b_totals->inuse_objects < 0 ? analyzer_none()
	                                    : analyzer_int(b_totals->inuse_objects),
	        EP_UNIT_COUNT);
	if (rc < 0)
		goto cleanup;
	rc = heap_report_diff(self, report, a_top, b_top, diff);
	if (rc < 0)
		goto cleanup;
	/* Where the peaks are, relative to their run directories: the host
	 * writes their pprof diff beside the comparison from these. */
	rc = host->report_metric(report, "heap.peak_snapshot_a", "Peak snapshot of A",
	                         analyzer_text(analyzer_run_relative(a, a_totals->snapshot->path)),
	                         EP_UNIT_NONE);
	if (rc < 0)
		goto cleanup;
	rc = host->report_metric(report, "heap.peak_snapshot_b", "Peak snapshot of B",
	                         analyzer_text(analyzer_run_relative(b, b_totals->snapshot->path)),
	                         EP_UNIT_NONE);
	if (rc < 0)
		goto cleanup;
	rc = host->report_note(report,
	                       "heap.diff subtracts %s's peak (%s) from %s's peak (%s) function "
	                       "by function, as `go tool pprof -sample_index=inuse_space -top "
	                       "-base` does; a negative delta is memory that %s no longer holds.",
	                       a->name, analyzer_basename(a_totals->snapshot->path), b->name,
	                       analyzer_basename(b_totals->snapshot->path), b->name);

cleanup:
	host->top_release(self->instance, diff);
	host->top_release(self->instance, b_top);
	host->top_release(self->instance, a_top);
	host->profile_release(self->instance, b_peak);
	host->profile_release(self->instance, a_peak);
	analyzer_heap_scan_free(host, &b_scan);
	analyzer_heap_scan_free(host, &a_scan);
	return rc;
}

static const struct ep_analyzer_ops heap_ops = {
	.version = EP_ANALYZER_OPS_VERSION,
	.analyze = heap_analyze,
	.compare = heap_compare,
};

static const struct ep_config_key heap_keys[] = {
	{ "top", EP_CONFIG_INT, "20",
	  "rows of the peak's top-functions table (heap.top) and of the comparison's heap.diff" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor heap_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_ANALYZER,
	.name = "heap",
	.version = "1.0.0",
	.description = "peak in-use memory of a run and its top functions (pprof -top)",
	.config_keys = heap_keys,
	.init = heap_init,
	.fini = heap_fini,
	.analyzer = &heap_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &heap_descriptor;
}
