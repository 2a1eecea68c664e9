/* category: in-use memory by category (OpenAPI, JSON decoding, ...) at the
 * peak, its share of the total, its growth since the first snapshot, and
 * its in-use bytes in every heap snapshot (the timeline).
 *
 * A category is a list of Go regexp (RE2) patterns.  A sample belongs to it
 * when any frame of its stack matches, exactly as `go tool pprof
 * -focus=REGEX` keeps samples: a frame (location) matches when one of its
 * lines' function name or source file name matches, or its mapping's file
 * does.  So a category counts what its code holds directly and what it
 * holds through callees (docs/pprof-semantics.md), and one sample can count in several
 * categories; "uncategorized" is what matches none.  The peak is the
 * snapshot with the most in-use bytes, as the heap analyzer chooses it.
 *
 * Categories come from [category.NAME] sections of the configuration:
 *     [category.openapi]
 *     display_name = OpenAPI
 *     pattern = k8s\.io/kube-openapi
 *     pattern = discovery          (repeat the key for more patterns)
 * and, when there are none, from the built-in set below (openapi, json,
 * dynamic, informers, reflection).  A bad pattern fails init naming its
 * section and the offset of the error.
 *
 * The categories and their matching live in analyzer_common, shared with
 * the cpu analyzer.
 *
 * Build: part of the tree (plugins/analyzers/meson.build), or alone:
 *     cc -shared -fPIC -fvisibility=hidden -I../../core \
 *        $(pkg-config --cflags e2e-profile-plugin libpcre2-8) \
 *        category.c analyzer_common.c ../../core/pattern.c \
 *        $(pkg-config --libs libpcre2-8) -o category.so
 * Use: list it in [run] analyzers; [analyzer.category] builtin_categories
 * = false turns the built-in set off.  Report ids: docs/report-ids.md.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "analyzer_common.h"

struct category_analyzer {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	struct analyzer_categories categories; /* shared with the cpu analyzer */
};

/* In-use bytes by category in one snapshot. */
struct category_totals {
	int64_t *inuse;        /* per category: signed sum of matching samples' inuse_space */
	int64_t uncategorized; /* samples no category matched */
	int64_t total;         /* pprof's total: sum of |inuse_space| of every sample */
};

static void category_fini(void *state)
{
	struct category_analyzer *self = state;
	if (self == NULL)
		return;
	analyzer_categories_free(self->host, &self->categories);
	self->host->free(self);
}

static int category_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	struct category_analyzer *self = host->alloc(sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	memset(self, 0, sizeof(*self));
	self->host = host;
	self->instance = instance;

	bool builtin_allowed;
	int rc = host->config_get_bool(instance, "builtin_categories", &builtin_allowed);
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, "cannot read setting builtin_categories: %s",
		          strerror(-rc));
		goto error;
	}
	rc = analyzer_categories_load(host, instance, builtin_allowed, &self->categories);
	if (rc < 0)
		goto error;
	*state = self;
	return 0;

error:
	category_fini(self);
	return rc;
}

/* Sums inuse_space of profile by category into totals (whose inuse array
 * has self->categories.count entries). Returns 0 or -ENOMEM. */
static int category_measure(struct category_analyzer *self, const struct ep_profile *profile,
                            struct category_totals *totals)
{
	const struct ep_host_api *host = self->host;
	const struct analyzer_categories *categories = &self->categories;
	struct analyzer_category_matcher matcher = { 0 };
	int index = analyzer_sample_type_index(profile, ANALYZER_INUSE_SPACE);
	if (index < 0)
		return -EINVAL; /* the scan only keeps profiles with inuse_space */
	int rc = analyzer_category_matcher_init(host, &matcher, categories, profile);
	if (rc < 0)
		goto cleanup;
	memset(totals->inuse, 0, categories->count * sizeof(*totals->inuse));
	totals->uncategorized = 0;
	totals->total = 0;

	for (size_t s = 0; s < profile->sample_count; s++) {
		const struct ep_profile_sample *sample = &profile->samples[s];
		int64_t value = sample->values[index];
		totals->total = analyzer_add(totals->total, analyzer_abs(value));
		if (value == 0)
			continue;
		bool any = false;
		for (size_t c = 0; c < categories->count; c++) {
			if (!analyzer_category_matches_sample(&matcher, c, sample))
				continue;
			totals->inuse[c] = analyzer_add(totals->inuse[c], value);
			any = true;
		}
		if (!any)
			totals->uncategorized = analyzer_add(totals->uncategorized, value);
	}

cleanup:
	analyzer_category_matcher_free(host, &matcher);
	return rc;
}

static int category_totals_new(struct category_analyzer *self, struct category_totals *totals)
{
	memset(totals, 0, sizeof(*totals));
	totals->inuse = self->host->alloc(
	        (self->categories.count > 0 ? self->categories.count : 1) * sizeof(*totals->inuse));
	return totals->inuse != NULL ? 0 : -ENOMEM;
}

static void category_totals_free(struct category_analyzer *self, struct category_totals *totals)
{
	self->host->free(totals->inuse);
	memset(totals, 0, sizeof(*totals));
}

/* Loads one snapshot, measures it and releases it at once. */
static int category_measure_snapshot(struct category_analyzer *self,
                                     const struct analyzer_heap_totals *snapshot,
                                     struct category_totals *totals)
{
	const struct ep_profile *profile = NULL;
	int rc = analyzer_heap_load(self->host, self->instance, snapshot, &profile);
	if (rc < 0)
		return rc;
	rc = category_measure(self, profile, totals);
	self->host->profile_release(self->instance, profile);
	return rc;
}

static const struct ep_report_column category_columns[] = {
	{ "category", "category", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "name", "id", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "inuse_bytes", "in use at peak", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "share_percent", "share of peak", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
	{ "growth_bytes", "growth since first", EP_VALUE_INT, EP_UNIT_BYTES },
};

/* The metrics category.NAME.inuse_bytes, .share_percent and .growth_bytes
 * of one category (or of the uncategorized rest). */
static int category_report_metrics(struct category_analyzer *self, struct ep_report *report,
                                   const char *name, const char *display_name, int64_t at_peak,
                                   int64_t at_first, int64_t total)
{
	const struct ep_host_api *host = self->host;
	char id[ANALYZER_CATEGORY_NAME_MAX + 64], label[256];
	snprintf(id, sizeof(id), "category.%s.inuse_bytes", name);
	snprintf(label, sizeof(label), "%s: in use at the peak", display_name);
	int rc = host->report_metric(report, id, label, analyzer_int(at_peak), EP_UNIT_BYTES);
	if (rc < 0)
		return rc;
	snprintf(id, sizeof(id), "category.%s.share_percent", name);
	snprintf(label, sizeof(label), "%s: share of the peak", display_name);
	rc = host->report_metric(report, id, label,
	                         analyzer_double(analyzer_percent(at_peak, total)),
	                         EP_UNIT_PERCENT);
	if (rc < 0)
		return rc;
	snprintf(id, sizeof(id), "category.%s.growth_bytes", name);
	snprintf(label, sizeof(label), "%s: growth from the first snapshot to the peak",
	         display_name);
	return host->report_metric(report, id, label,
	                           analyzer_int(analyzer_subtract(at_peak, at_first)),
	                           EP_UNIT_BYTES);
}

/* One note per category: the pprof command that gives its bytes (the
 * "Showing nodes accounting for" figure), run from the run directory. */
static int category_report_commands(struct category_analyzer *self, struct ep_report *report,
                                    const char *peak)
{
	const struct ep_host_api *host = self->host;
	int rc = 0;
	for (size_t c = 0; rc >= 0 && c < self->categories.count; c++) {
		const struct analyzer_category *category = &self->categories.items[c];
		char joined[2048] = "", quoted[4200];
		size_t w = 0;
		for (size_t i = 0; i < category->pattern_count; i++) {
			int n = snprintf(joined + w, sizeof(joined) - w, "%s%s", i > 0 ? "|" : "",
			                 analyzer_category_pattern(category, i));
			if (n < 0 || (size_t)n >= sizeof(joined) - w)
				break;
			w += (size_t)n;
		}
		rc = host->report_note(report,
		                       "%s: go tool pprof -sample_index=inuse_space -top "
		                       "-nodefraction=0 -focus=%s %s",
		                       category->name,
		                       analyzer_shell_quote(quoted, sizeof(quoted), joined), peak);
	}
	return rc;
}

static int category_report(struct category_analyzer *self, struct ep_report *report,
                           const struct ep_run_info *run, const struct analyzer_heap_scan *scan,
                           const struct category_totals *peak, const struct category_totals *first)
{
	const struct ep_host_api *host = self->host;
	int rc = host->report_section(report, "category", "Memory by category");
	if (rc < 0)
		return rc;
	rc = host->report_table(
	        report, "category.categories", "In-use memory by category at the peak",
	        sizeof(category_columns) / sizeof(category_columns[0]), category_columns);
	for (size_t c = 0; rc >= 0 && c <= self->categories.count; c++) {
		bool rest = c == self->categories.count;
		int64_t at_peak = rest ? peak->uncategorized : peak->inuse[c];
		int64_t at_first = rest ? first->uncategorized : first->inuse[c];
		const struct ep_value cells[] = {
			analyzer_text(rest ? "Uncategorized"
			                   : self->categories.items[c].display_name),
			analyzer_text(rest ? "uncategorized" : self->categories.items[c].name),
			analyzer_int(at_peak),
			analyzer_double(analyzer_percent(at_peak, peak->total)),
			analyzer_int(analyzer_subtract(at_peak, at_first)),
		};
		rc = host->report_row(report, cells);
	}
	for (size_t c = 0; rc >= 0 && c < self->categories.count; c++)
		rc = category_report_metrics(self, report, self->categories.items[c].name,
		                             self->categories.items[c].display_name, peak->inuse[c],
		                             first->inuse[c], peak->total);
	if (rc >= 0)
		rc = category_report_metrics(self, report, "uncategorized", "Uncategorized",
		                             peak->uncategorized, first->uncategorized,
		                             peak->total);
	if (rc < 0)
		return rc;

	char total[64];
	host->format_value(total, sizeof(total), peak->total, EP_UNIT_BYTES, "auto");
	const char *peak_file = analyzer_basename(scan->snapshots[scan->peak].snapshot->path);
	const char *first_file = analyzer_basename(scan->snapshots[0].snapshot->path);
	rc = host->report_note(
	        report,
	        "Measured at the peak snapshot %s (%s in use); growth is from the first snapshot "
	        "%s to the peak. A sample counts in a category when any function, source file "
	        "or binary on its stack matches one of the category's patterns (as `go tool "
	        "pprof -focus` selects samples), so a sample can count in several categories "
	        "and the shares may add up to more than 100%%. Uncategorized is what no "
	        "category matched.",
	        peak_file, total, first_file);
	if (rc >= 0)
		rc = category_report_commands(
		        self, report,
		        analyzer_run_relative(run, scan->snapshots[scan->peak].snapshot->path));
	if (rc < 0 || !self->categories.builtin)
		return rc;
	return host->report_note(report, "No [category.NAME] section is configured, so the "
	                                 "built-in categories are used.");
}

/* category.timeline: every heap snapshot's in-use bytes by category, one
 * column per category and one for the uncategorized rest, so a timeline
 * (a chart, a Prometheus series) can follow a category over the run.
 * timeline holds scan->count rows of categories.count + 1 values. */
static int category_report_timeline(struct category_analyzer *self, struct ep_report *report,
                                    const struct analyzer_heap_scan *scan, const int64_t *timeline)
{
	const struct ep_host_api *host = self->host;
	size_t width = self->categories.count + 1;
	struct ep_report_column *columns = host->alloc((width + 2) * sizeof(*columns));
	struct ep_value *cells = host->alloc((width + 2) * sizeof(*cells));
	int rc = -ENOMEM;
	if (columns == NULL || cells == NULL)
		goto cleanup;
	columns[0] = (struct ep_report_column){ "offset_seconds", "time", EP_VALUE_DOUBLE,
		                                EP_UNIT_SECONDS };
	columns[1] =
	        (struct ep_report_column){ "snapshot", "snapshot", EP_VALUE_TEXT, EP_UNIT_NONE };
	for (size_t c = 0; c < width; c++) {
		bool rest = c == self->categories.count;
		columns[c + 2] = (struct ep_report_column){
			rest ? "uncategorized" : self->categories.items[c].name,
			rest ? "Uncategorized" : self->categories.items[c].display_name,
			EP_VALUE_INT, EP_UNIT_BYTES
		};
	}
	rc = host->report_table(report, "category.timeline",
	                        "In-use memory by category per heap snapshot", width + 2, columns);
	for (size_t i = 0; rc >= 0 && i < scan->count; i++) {
		cells[0] = analyzer_double(scan->snapshots[i].snapshot->offset_seconds);
		cells[1] = analyzer_text(analyzer_basename(scan->snapshots[i].snapshot->path));
		for (size_t c = 0; c < width; c++)
			cells[c + 2] = analyzer_int(timeline[i * width + c]);
		rc = host->report_row(report, cells);
	}
cleanup:
	host->free(cells);
	host->free(columns);
	return rc < 0 ? rc : 0;
}

/* What the scan's visitor fills: each snapshot's category totals. */
struct category_timeline_scan {
	struct category_analyzer *self;
	struct category_totals current;
	int64_t *timeline; /* capacity rows of categories.count + 1 */
	size_t capacity;
	int64_t *totals; /* per row: pprof's total, for the peak's share */
};

static int category_visit(void *context, size_t index, const struct ep_profile *profile)
{
	struct category_timeline_scan *scan = context;
	size_t count = scan->self->categories.count, width = count + 1;
	if (index >= scan->capacity)
		return -EOVERFLOW; /* the scan never yields more than the heap snapshots */
	int rc = category_measure(scan->self, profile, &scan->current);
	if (rc < 0)
		return rc;
	memcpy(scan->timeline + index * width, scan->current.inuse, count * sizeof(int64_t));
	scan->timeline[index * width + count] = scan->current.uncategorized;
	scan->totals[index] = scan->current.total;
	return 0;
}

/* Copies row index of the timeline into totals. */
static void category_totals_from_row(const struct category_timeline_scan *scan, size_t index,
                                     struct category_totals *totals)
{
	size_t count = scan->self->categories.count, width = count + 1;
	memcpy(totals->inuse, scan->timeline + index * width, count * sizeof(int64_t));
	totals->uncategorized = scan->timeline[index * width + count];
	totals->total = scan->totals[index];
}

static int category_analyze(void *state, const struct ep_run_info *run, struct ep_report *report)
{
	struct category_analyzer *self = state;
	const struct ep_host_api *host = self->host;
	struct analyzer_heap_scan scan = { 0 };
	struct category_totals peak = { 0 }, first = { 0 };
	struct category_timeline_scan timeline = { self, { 0 }, NULL, 0, NULL };
	size_t width = self->categories.count + 1;
	for (size_t i = 0; i < run->snapshot_count; i++)
		if (strcmp(run->snapshots[i].kind, "heap") == 0)
			timeline.capacity++;

	int rc = category_totals_new(self, &peak);
	if (rc >= 0)
		rc = category_totals_new(self, &first);
	if (rc >= 0)
		rc = category_totals_new(self, &timeline.current);
	if (rc < 0)
		goto cleanup;
	size_t rows = timeline.capacity ? timeline.capacity : 1;
	timeline.timeline = host->alloc(rows * width * sizeof(*timeline.timeline));
	timeline.totals = host->alloc(rows * sizeof(*timeline.totals));
	if (timeline.timeline == NULL || timeline.totals == NULL) {
		rc = -ENOMEM;
		goto cleanup;
	}
	/* One pass, one profile in memory at a time: the scan's totals and
	 * every snapshot's categories from the same decoded profile. */
	rc = analyzer_heap_scan_each(host, self->instance, run, &scan, category_visit, &timeline);
	if (rc < 0)
		goto cleanup;
	category_totals_from_row(&timeline, 0, &first);
	category_totals_from_row(&timeline, scan.peak, &peak);
	rc = category_report(self, report, run, &scan, &peak, &first);
	if (rc >= 0)
		rc = category_report_timeline(self, report, &scan, timeline.timeline);

cleanup:
	host->free(timeline.totals);
	host->free(timeline.timeline);
	category_totals_free(self, &timeline.current);
	category_totals_free(self, &first);
	category_totals_free(self, &peak);
	analyzer_heap_scan_free(host, &scan);
	return rc;
}

/* The category totals at run's peak snapshot. */
static int category_measure_peak(struct category_analyzer *self, const struct ep_run_info *run,
                                 struct category_totals *totals)
{
	struct analyzer_heap_scan scan = { 0 };
	int rc = analyzer_heap_scan(self->host, self->instance, run, &scan);
	if (rc >= 0)
		rc = category_measure_snapshot(self, &scan.snapshots[scan.peak], totals);
	analyzer_heap_scan_free(self->host, &scan);
	return rc;
}

static int category_compare(void *state, const struct ep_run_info *a, const struct ep_run_info *b,
                            struct ep_report *report)
{
	struct category_analyzer *self = state;
	const struct ep_host_api *host = self->host;
	struct category_totals a_peak = { 0 }, b_peak = { 0 };
	int rc = category_totals_new(self, &a_peak);
	if (rc < 0)
		goto cleanup;
	rc = category_totals_new(self, &b_peak);
	if (rc < 0)
		goto cleanup;
	rc = category_measure_peak(self, a, &a_peak);
	if (rc < 0)
		goto cleanup;
	rc = category_measure_peak(self, b, &b_peak);
	if (rc < 0)
		goto cleanup;
	rc = host->report_section(report, "category", "Memory by category");
	for (size_t c = 0; rc >= 0 && c <= self->categories.count; c++) {
		bool rest = c == self->categories.count;
		char id[ANALYZER_CATEGORY_NAME_MAX + 16], label[256];
		snprintf(id, sizeof(id), "category.%s",
		         rest ? "uncategorized" : self->categories.items[c].name);
		snprintf(label, sizeof(label), "%s: in use at the peak",
		         rest ? "Uncategorized" : self->categories.items[c].display_name);
		rc = host->report_comparison(
		        report, id, label,
		        analyzer_int(rest ? a_peak.uncategorized : a_peak.inuse[c]),
		        analyzer_int(rest ? b_peak.uncategorized : b_peak.inuse[c]), EP_UNIT_BYTES);
	}

cleanup:
	category_totals_free(self, &b_peak);
	category_totals_free(self, &a_peak);
	return rc < 0 ? rc : 0;
}

static const struct ep_analyzer_ops category_ops = {
	.version = EP_ANALYZER_OPS_VERSION,
	.analyze = category_analyze,
	.compare = category_compare,
};

static const struct ep_config_key category_keys[] = {
	{ "builtin_categories", EP_CONFIG_BOOL, "true",
	  "with no [category.NAME] section, use the built-in categories (openapi, json, dynamic, "
	  "informers, reflection); false reports only the uncategorized total" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor category_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_ANALYZER,
	.name = "category",
	.version = "1.0.0",
	.description = "in-use memory at the peak by category of code ([category.NAME] regexes)",
	.config_keys = category_keys,
	.init = category_init,
	.fini = category_fini,
	.analyzer = &category_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &category_descriptor;
}
