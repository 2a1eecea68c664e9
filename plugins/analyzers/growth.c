/* growth: how in-use memory moved over a run, and whether it levelled off.
 *
 * One timeline row per heap snapshot, by in-use bytes (not file size, see
 * docs/architecture.md) with in-use objects and the allocation rate beside them; a series for
 * the chart; the growth from the first snapshot to the peak and to the
 * last; the least-squares slope over the last third of the run and a
 * verdict, "steady-growth" or "plateau"; and the functions that grew most
 * (pprof -base the first snapshot) up to the peak and up to the end.
 * Comparing two runs overlays both timelines and gates on the slopes.
 *
 * At most two profiles are in memory at once (the first snapshot and one
 * other), whatever the number of snapshots.
 *
 * Build: part of the tree (plugins/analyzers/meson.build), or alone:
 *     cc -shared -fPIC -fvisibility=hidden -I../../core \
 *        $(pkg-config --cflags e2e-profile-plugin libpcre2-8) \
 *        growth.c analyzer_common.c ../../core/pattern.c \
 *        $(pkg-config --libs libpcre2-8) -o growth.so
 * Use: list it in [run] analyzers; settings go in [analyzer.growth]:
 *     top = 10                         rows of the growers tables
 *     growth_threshold_percent = 10    what counts as steady growth
 *     min_points = 4                   heap snapshots in the test window a trend needs
 * Report ids: docs/report-ids.md.
 */
#include <errno.h>
#include <stdio.h>

#include <e2e-profile/plugin.h>

#include "analyzer_common.h"

struct growth_analyzer {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	size_t top;               /* rows of the growers tables */
	double threshold_percent; /* growth over the run, in % of the peak */
	size_t min_points;        /* test-window snapshots a trend needs */
};

/* The least-squares fit over the end of a run. */
struct growth_slope {
	bool known; /* false with fewer than 2 snapshots at distinct times */
	double bytes_per_second;
	size_t points; /* snapshots the fit used */
};

static int growth_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	struct growth_analyzer *self = host->alloc(sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	self->host = host;
	self->instance = instance;
	int rc = analyzer_config_row_count(host, instance, "top", &self->top);
	if (rc < 0)
		goto error;
	rc = analyzer_config_row_count(host, instance, "min_points", &self->min_points);
	if (rc < 0)
		goto error;
	rc = host->config_get_double(instance, "growth_threshold_percent",
	                             &self->threshold_percent);
	if (rc < 0 || !(self->threshold_percent >= 0)) {
		host->log(instance, EP_LOG_ERROR,
		          "setting growth_threshold_percent: expected a percentage of 0 or more");
		rc = -EINVAL;
		goto error;
	}
	*state = self;
	return 0;

error:
	host->free(self);
	return rc;
}

static void growth_fini(void *state)
{
	struct growth_analyzer *self = state;
	if (self != NULL)
		self->host->free(self);
}

/* Fits in-use bytes over time on the snapshots of the last third of the
 * test window (the span from its first to its last snapshot), widened to
 * the window's last three snapshots when the third holds fewer: a slope
 * from two points is too easily a blip. Snapshots before the test or
 * after it are left out: a flat tail would hide growth, a pre-test point
 * invent it. */
static struct growth_slope growth_fit(const struct analyzer_heap_scan *scan)
{
	struct growth_slope fit = { false, 0.0, 0 };
	size_t n = scan->window_end, begin = scan->window_first;
	if (n - begin < 2)
		return fit;
	double first = scan->snapshots[begin].snapshot->offset_seconds;
	double last = scan->snapshots[n - 1].snapshot->offset_seconds;
	double from = last - (last - first) / 3.0;
	size_t start = n;
	while (start > begin && scan->snapshots[start - 1].snapshot->offset_seconds >= from)
		start--;
	if (n - start < 3)
		start = n - begin >= 3 ? n - 3 : begin;

	double mean_x = 0, mean_y = 0;
	for (size_t i = start; i < n; i++) {
		mean_x += scan->snapshots[i].snapshot->offset_seconds;
		mean_y += (double)scan->snapshots[i].inuse_bytes;
	}
	mean_x /= (double)(n - start);
	mean_y /= (double)(n - start);
	double sxx = 0, sxy = 0;
	for (size_t i = start; i < n; i++) {
		double dx = scan->snapshots[i].snapshot->offset_seconds - mean_x;
		sxx += dx * dx;
		sxy += dx * ((double)scan->snapshots[i].inuse_bytes - mean_y);
	}
	if (!(sxx > 0))
		return fit;
	fit.known = true;
	fit.bytes_per_second = sxy / sxx;
	fit.points = n - start;
	return fit;
}

/* The run's length: start to end from run.json when known, else up to the
 * last snapshot. */
static double growth_run_seconds(const struct ep_run_info *run,
                                 const struct analyzer_heap_scan *scan)
{
	if (scan->window_known)
		return (double)(run->test_ended_unix_ns - run->test_started_unix_ns) / 1e9;
	if (run->started_unix_ns > 0 && run->ended_unix_ns > run->started_unix_ns)
		return (double)(run->ended_unix_ns - run->started_unix_ns) / 1e9;
	return scan->snapshots[scan->count - 1].snapshot->offset_seconds;
}

static const struct ep_report_column growth_timeline_columns[] = {
	{ "offset_seconds", "time", EP_VALUE_DOUBLE, EP_UNIT_SECONDS },
	{ "snapshot", "snapshot", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "inuse_bytes", "in use", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "inuse_objects", "objects", EP_VALUE_INT, EP_UNIT_COUNT },
	{ "alloc_rate", "allocation rate", EP_VALUE_DOUBLE, EP_UNIT_BYTES_PER_SECOND },
};

/* Bytes allocated per second between two snapshots, from alloc_space
 * (counted since the process started). None when unknown: the first
 * snapshot, equal times, or a counter that went backwards because the
 * process was restarted between them. */
static struct ep_value growth_alloc_rate(const struct analyzer_heap_totals *previous,
                                         const struct analyzer_heap_totals *current)
{
	if (previous == NULL || previous->alloc_bytes < 0 || current->alloc_bytes < 0 ||
	    current->alloc_bytes < previous->alloc_bytes)
		return analyzer_none();
	double seconds = current->snapshot->offset_seconds - previous->snapshot->offset_seconds;
	if (!(seconds > 0))
		return analyzer_none();
	return analyzer_double(
	        (double)analyzer_subtract(current->alloc_bytes, previous->alloc_bytes) / seconds);
}

static int growth_report_timeline(struct growth_analyzer *self, struct ep_report *report,
                                  const struct analyzer_heap_scan *scan)
{
	const struct ep_host_api *host = self->host;
	int rc = host->report_table(report, "growth.timeline", "In-use memory per heap snapshot",
	                            sizeof(growth_timeline_columns) /
	                                    sizeof(growth_timeline_columns[0]),
	                            growth_timeline_columns);
	for (size_t i = 0; rc >= 0 && i < scan->count; i++) {
		const struct analyzer_heap_totals *totals = &scan->snapshots[i];
		const struct ep_value cells[] = {
			analyzer_double(totals->snapshot->offset_seconds),
			analyzer_text(analyzer_basename(totals->snapshot->path)),
			analyzer_int(totals->inuse_bytes),
			totals->inuse_objects < 0 ? analyzer_none()
			                          : analyzer_int(totals->inuse_objects),
			growth_alloc_rate(i > 0 ? &scan->snapshots[i - 1] : NULL, totals),
		};
		rc = host->report_row(report, cells);
	}
	return rc < 0 ? rc : 0;
}

/* One line on chart "inuse"; compare draws both runs' on the same chart. */
static int growth_report_series(struct growth_analyzer *self, struct ep_report *report,
                                const char *id, const struct ep_run_info *run,
                                const struct analyzer_heap_scan *scan)
{
	const struct ep_host_api *host = self->host;
	int rc = host->report_series(report, id, run->name, "inuse", "seconds since start",
	                             EP_UNIT_SECONDS, "in-use memory", EP_UNIT_BYTES);
	for (size_t i = 0; rc >= 0 && i < scan->count; i++)
		rc = host->report_point(report, scan->snapshots[i].snapshot->offset_seconds,
		                        (double)scan->snapshots[i].inuse_bytes);
	/* The peak marked on the same chart: a series of one point, drawn as a
	 * dot and named in the legend. */
	const struct analyzer_heap_totals *peak = &scan->snapshots[scan->peak];
	char peak_id[128], title[256];
	snprintf(peak_id, sizeof(peak_id), "%s.peak", id);
	snprintf(title, sizeof(title), "%s peak (%s, %.0f s)", run->name,
	         analyzer_basename(peak->snapshot->path), peak->snapshot->offset_seconds);
	if (rc >= 0)
		rc = host->report_series(report, peak_id, title, "inuse", "seconds since start",
		                         EP_UNIT_SECONDS, "in-use memory", EP_UNIT_BYTES);
	if (rc >= 0)
		rc = host->report_point(report, peak->snapshot->offset_seconds,
		                        (double)peak->inuse_bytes);
	return rc < 0 ? rc : 0;
}

/* Marks on chart "inuse": the test's start and end as vertical lines from
 * 0 to the peak, and the peak as a point, so a reader sees which snapshots
 * the verdicts used. Only when run.json knows the test window. */
static int growth_report_marks(struct growth_analyzer *self, struct ep_report *report,
                               const struct ep_run_info *run, const struct analyzer_heap_scan *scan)
{
	const struct ep_host_api *host = self->host;
	if (!scan->window_known || run->started_unix_ns <= 0)
		return 0;
	double peak = (double)scan->snapshots[scan->peak].inuse_bytes;
	const struct {
		const char *id, *title;
		int64_t at;
	} lines[] = {
		{ "growth.test_start", "test start", run->test_started_unix_ns },
		{ "growth.test_end", "test end", run->test_ended_unix_ns },
	};
	int rc = 0;
	for (size_t i = 0; rc >= 0 && i < sizeof(lines) / sizeof(lines[0]); i++) {
		double x = (double)(lines[i].at - run->started_unix_ns) / 1e9;
		rc = host->report_series(report, lines[i].id, lines[i].title, "inuse", "time",
		                         EP_UNIT_SECONDS, "in-use memory", EP_UNIT_BYTES);
		if (rc >= 0)
			rc = host->report_point(report, x, 0);
		if (rc >= 0)
			rc = host->report_point(report, x, peak);
	}
	if (rc >= 0)
		rc = host->report_series(report, "growth.peak", "peak", "inuse", "time",
		                         EP_UNIT_SECONDS, "in-use memory", EP_UNIT_BYTES);
	if (rc >= 0)
		rc = host->report_point(report,
		                        scan->snapshots[scan->peak].snapshot->offset_seconds, peak);
	return rc < 0 ? rc : 0;
}

static int growth_report_trend(struct growth_analyzer *self, struct ep_report *report,
                               const struct ep_run_info *run, const struct analyzer_heap_scan *scan)
{
	const struct ep_host_api *host = self->host;
	const struct analyzer_heap_totals *first = &scan->snapshots[0];
	const struct analyzer_heap_totals *peak = &scan->snapshots[scan->peak];
	const struct analyzer_heap_totals *last = &scan->snapshots[scan->count - 1];
	struct growth_slope fit = growth_fit(scan);
	double seconds = growth_run_seconds(run, scan);
	double projected = fit.bytes_per_second * seconds;
	size_t window_points = scan->window_end - scan->window_first;
	bool too_few = window_points < self->min_points;
	bool steady = !too_few && fit.known && fit.bytes_per_second > 0 &&
	              projected > self->threshold_percent / 100.0 * (double)peak->inuse_bytes;

	int rc = host->report_metric(
	        report, "growth.first_to_peak_bytes", "Growth from the first snapshot to the peak",
	        analyzer_int(analyzer_subtract(peak->inuse_bytes, first->inuse_bytes)),
	        EP_UNIT_BYTES);
	if (rc < 0)
		return rc;
	rc = host->report_metric(
	        report, "growth.first_to_last_bytes", "Growth from the first snapshot to the last",
	        analyzer_int(analyzer_subtract(last->inuse_bytes, first->inuse_bytes)),
	        EP_UNIT_BYTES);
	if (rc < 0)
		return rc;
	rc = host->report_metric(report, "growth.slope_bytes_per_second",
	                         "Growth rate over the last third of the run",
	                         fit.known ? analyzer_double(fit.bytes_per_second)
	                                   : analyzer_none(),
	                         EP_UNIT_BYTES_PER_SECOND);
	if (rc < 0)
		return rc;
	rc = host->report_metric(report, "growth.trend", "Trend",
	                         analyzer_text(too_few  ? "too-few-points"
	                                       : steady ? "steady-growth"
	                                                : "plateau"),
	                         EP_UNIT_NONE);
	if (rc < 0)
		return rc;
	rc = host->report_metric(report, "growth.window_points",
	                         "Heap snapshots taken while the test ran",
	                         analyzer_int((int64_t)window_points), EP_UNIT_COUNT);
	if (rc < 0)
		return rc;
	if (too_few)
		return host->report_note(report,
		                         "Only %zu heap snapshot(s) were taken while the test ran; "
		                         "a trend needs at least %zu ([analyzer.growth] "
		                         "min_points), so none is given. A shorter -i gives more.",
		                         window_points, self->min_points);

	char rate[80], added[64], peak_text[64];
	analyzer_format_rate(host, rate, sizeof(rate), fit.bytes_per_second);
	host->format_value(added, sizeof(added), analyzer_round(projected), EP_UNIT_BYTES, "auto");
	host->format_value(peak_text, sizeof(peak_text), peak->inuse_bytes, EP_UNIT_BYTES, "auto");
	if (!fit.known)
		return host->report_note(report,
		                         "With %zu heap snapshot(s) at distinct times there is too "
		                         "little to tell growth from a plateau; the trend says "
		                         "plateau by default.",
		                         scan->count);
	if (steady)
		return host->report_note(
		        report,
		        "In-use memory was still growing at the end of the run: %s "
		        "over the last third (%zu snapshots). At that rate the %.0f s "
		        "run adds %s, more than %g%% of the %s peak; that points to a "
		        "leak or an unbounded cache (growth.growers_last shows what "
		        "grew).",
		        rate, fit.points, seconds, added, self->threshold_percent, peak_text);
	if (!(fit.bytes_per_second > 0))
		return host->report_note(
		        report,
		        "In-use memory did not grow at the end of the run: over the "
		        "last third (%zu snapshots) it changed by %s.",
		        fit.points, rate);
	return host->report_note(report,
	                         "In-use memory levelled off: over the last third of the run "
	                         "(%zu snapshots) it grew by %s; at that rate the %.0f s run "
	                         "adds %s, not more than %g%% of the %s peak.",
	                         fit.points, rate, seconds, added, self->threshold_percent,
	                         peak_text);
}

static const struct ep_report_column growth_growers_columns[] = {
	{ "function", "function", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "flat", "flat", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "cum", "cum", EP_VALUE_INT, EP_UNIT_BYTES },
};

/* A growers table: snapshot index minus the first snapshot, the first rows
 * of `go tool pprof -sample_index=inuse_space -top -base FIRST SNAPSHOT`.
 * first stays loaded; the other profile is loaded and released here. */
static int growth_report_growers(struct growth_analyzer *self, struct ep_report *report,
                                 const char *id, const char *title,
                                 const struct analyzer_heap_scan *scan, size_t index,
                                 const struct ep_profile *first)
{
	const struct ep_host_api *host = self->host;
	const struct ep_profile *loaded = NULL;
	const struct ep_top *top = NULL;
	int rc = 0;
	if (index > 0) {
		rc = analyzer_heap_load(host, self->instance, &scan->snapshots[index], &loaded);
		if (rc < 0)
			goto cleanup;
	}
	rc = host->profile_top(self->instance, loaded != NULL ? loaded : first, first,
	                       ANALYZER_INUSE_SPACE, false, &top);
	if (rc < 0)
		goto cleanup;
	rc = host->report_table(report, id, title,
	                        sizeof(growth_growers_columns) / sizeof(growth_growers_columns[0]),
	                        growth_growers_columns);
	if (rc < 0)
		goto cleanup;
	int64_t cutoff = analyzer_top_cutoff(top);
	size_t shown = 0;
	for (size_t i = 0; i < top->row_count && shown < self->top; i++) {
		const struct ep_top_row *row = &top->rows[i];
		if (!analyzer_top_shows(row, cutoff))
			continue;
		const struct ep_value cells[] = { analyzer_text(row->name), analyzer_int(row->flat),
			                          analyzer_int(row->cum) };
		rc = host->report_row(report, cells);
		if (rc < 0)
			goto cleanup;
		shown++;
	}

cleanup:
	host->top_release(self->instance, top);
	host->profile_release(self->instance, loaded);
	return rc;
}

static int growth_analyze(void *state, const struct ep_run_info *run, struct ep_report *report)
{
	struct growth_analyzer *self = state;
	const struct ep_host_api *host = self->host;
	struct analyzer_heap_scan scan = { 0 };
	const struct ep_profile *first = NULL;

	int rc = analyzer_heap_scan(host, self->instance, run, &scan);
	if (rc < 0)
		goto cleanup;
	rc = host->report_section(report, "growth", "Growth over the run");
	if (rc < 0)
		goto cleanup;
	rc = growth_report_timeline(self, report, &scan);
	if (rc < 0)
		goto cleanup;
	rc = growth_report_series(self, report, "growth.inuse", run, &scan);
	if (rc < 0)
		goto cleanup;
	rc = growth_report_marks(self, report, run, &scan);
	if (rc < 0)
		goto cleanup;
	rc = growth_report_trend(self, report, run, &scan);
	if (rc < 0)
		goto cleanup;

	rc = analyzer_heap_load(host, self->instance, &scan.snapshots[0], &first);
	if (rc < 0)
		goto cleanup;
	rc = growth_report_growers(self, report, "growth.growers_peak",
	                           "Top growers from the first snapshot to the peak (in-use bytes)",
	                           &scan, scan.peak, first);
	if (rc < 0)
		goto cleanup;
	rc = growth_report_growers(self, report, "growth.growers_last",
	                           "Top growers from the first snapshot to the last (in-use bytes)",
	                           &scan, scan.count - 1, first);
	if (rc < 0)
		goto cleanup;
	rc = host->report_note(
	        report,
	        "From this directory, go tool pprof -sample_index=inuse_space -top -base=%s %s "
	        "prints growth.growers_peak, and the same with %s growth.growers_last.",
	        analyzer_run_relative(run, scan.snapshots[0].snapshot->path),
	        analyzer_run_relative(run, scan.snapshots[scan.peak].snapshot->path),
	        analyzer_run_relative(run, scan.snapshots[scan.count - 1].snapshot->path));
	if (rc < 0)
		goto cleanup;
	if (scan.skipped > 0)
		rc = host->report_note(
		        report,
		        "%zu heap snapshot(s) could not be read and are missing from "
		        "the timeline; the log says why.",
		        scan.skipped);

cleanup:
	host->profile_release(self->instance, first);
	analyzer_heap_scan_free(host, &scan);
	return rc < 0 ? rc : 0;
}

static int growth_compare(void *state, const struct ep_run_info *a, const struct ep_run_info *b,
                          struct ep_report *report)
{
	struct growth_analyzer *self = state;
	const struct ep_host_api *host = self->host;
	struct analyzer_heap_scan a_scan = { 0 }, b_scan = { 0 };
	struct growth_slope a_fit, b_fit;

	int rc = analyzer_heap_scan(host, self->instance, a, &a_scan);
	if (rc < 0)
		goto cleanup;
	rc = analyzer_heap_scan(host, self->instance, b, &b_scan);
	if (rc < 0)
		goto cleanup;
	rc = host->report_section(report, "growth", "Growth over the run");
	if (rc < 0)
		goto cleanup;
	rc = growth_report_series(self, report, "growth.inuse.a", a, &a_scan);
	if (rc < 0)
		goto cleanup;
	rc = growth_report_series(self, report, "growth.inuse.b", b, &b_scan);
	if (rc < 0)
		goto cleanup;
	a_fit = growth_fit(&a_scan);
	b_fit = growth_fit(&b_scan);
	rc = host->report_comparison(
	        report, "growth.slope", "Growth rate over the last third of the run",
	        a_fit.known ? analyzer_double(a_fit.bytes_per_second) : analyzer_none(),
	        b_fit.known ? analyzer_double(b_fit.bytes_per_second) : analyzer_none(),
	        EP_UNIT_BYTES_PER_SECOND);

cleanup:
	analyzer_heap_scan_free(host, &b_scan);
	analyzer_heap_scan_free(host, &a_scan);
	return rc < 0 ? rc : 0;
}

static const struct ep_analyzer_ops growth_ops = {
	.version = EP_ANALYZER_OPS_VERSION,
	.analyze = growth_analyze,
	.compare = growth_compare,
};

static const struct ep_config_key growth_keys[] = {
	{ "top", EP_CONFIG_INT, "10",
	  "rows of the growers tables (growth.growers_peak, growth.growers_last)" },
	{ "min_points", EP_CONFIG_INT, "4",
	  "heap snapshots taken while the test ran that a trend needs; with fewer, growth.trend "
	  "is too-few-points" },
	{ "growth_threshold_percent", EP_CONFIG_DOUBLE, "10",
	  "the trend is steady-growth when the slope over the last third of the run, kept up "
	  "for the whole run, adds more than this percentage of the peak" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor growth_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_ANALYZER,
	.name = "growth",
	.version = "1.0.0",
	.description = "in-use memory over the run: timeline, slope, plateau or growth, growers",
	.config_keys = growth_keys,
	.init = growth_init,
	.fini = growth_fini,
	.analyzer = &growth_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &growth_descriptor;
}
