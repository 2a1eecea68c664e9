/* cpu: where a run spent its CPU time, from its CPU profiles.
 *
 * Over the run's snapshots of kind "cpu" (Go's /debug/pprof/profile: sample
 * types samples/count and cpu/nanoseconds) the analysis reports the CPU
 * time of all profiles together, the wall time they covered, the
 * utilization (CPU time / profiled wall time, so 200% is two busy cores),
 * the top functions and the CPU time by category of code.
 *
 * The top functions are `go tool pprof -top` of each profile (the cpu
 * sample type), summed per function over the profiles.  Summing cum is
 * exact because every sample belongs to one profile, so for one profile
 * the table equals `go tool pprof -top` of it, and for several it equals
 * pprof of the profiles merged.  Rows pprof would drop (|cum| below 0.5%
 * of the summed flat) are left out as pprof leaves them out.
 *
 * Categories are those of the category analyzer ([category.NAME] sections
 * or the built-in set, analyzer_common): a sample's CPU time counts in
 * every category one of its frames matches, as `go tool pprof -focus`
 * selects samples, so shares may add up to more than 100%.
 *
 * A run without CPU profiles gets no section: CPU profiles are optional.
 * Profiles are read one at a time.
 *
 * Build: part of the tree (plugins/analyzers/meson.build), or alone:
 *     cc -shared -fPIC -fvisibility=hidden -I../../core \
 *        $(pkg-config --cflags e2e-profile-plugin libpcre2-8) \
 *        cpu.c analyzer_common.c ../../core/pattern.c \
 *        $(pkg-config --libs libpcre2-8) -o cpu.so
 * Use: list it in [run] analyzers and take CPU profiles (--profiles cpu);
 * settings go in [analyzer.cpu]:
 *     top = 20                    rows of cpu.top
 *     builtin_categories = true   with no [category.NAME], use the built-in set
 * Report ids: docs/report-ids.md.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "analyzer_common.h"

#define CPU_SAMPLE_TYPE "cpu"

struct cpu_analyzer {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	size_t top; /* rows of cpu.top */
	struct analyzer_categories categories;
};

/* One function of the merged top table. */
struct cpu_row {
	char *name; /* host->strdup */
	int64_t flat, cum;
};

/* What the CPU profiles of one run add up to. */
struct cpu_measure {
	size_t profiles;         /* usable CPU profiles */
	size_t skipped;          /* CPU snapshots that did not load or were not CPU profiles */
	int64_t total;           /* pprof's total summed: |cpu nanoseconds| of every sample */
	int64_t duration_nanos;  /* sum of the profiles' durations */
	int64_t *category_nanos; /* per category: CPU time of the matching samples */
	int64_t uncategorized;   /* CPU time no category matched */
	struct cpu_row *rows;    /* merged top rows, sorted by name while merging */
	size_t row_count;
	/* Per profile with a duration: when it was taken and its CPU time over
	 * its wall time (percent), for the chart over the run. */
	struct ep_report_point *points;
	size_t point_count;
};

static void cpu_fini(void *state)
{
	struct cpu_analyzer *self = state;
	if (self == NULL)
		return;
	analyzer_categories_free(self->host, &self->categories);
	self->host->free(self);
}

static int cpu_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	struct cpu_analyzer *self = host->alloc(sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	memset(self, 0, sizeof(*self));
	self->host = host;
	self->instance = instance;
	bool builtin_allowed;
	int rc = analyzer_config_row_count(host, instance, "top", &self->top);
	if (rc < 0)
		goto error;
	rc = host->config_get_bool(instance, "builtin_categories", &builtin_allowed);
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
	cpu_fini(self);
	return rc;
}

static void cpu_measure_free(const struct ep_host_api *host, struct cpu_measure *m)
{
	for (size_t i = 0; i < m->row_count; i++)
		host->free(m->rows[i].name);
	host->free(m->rows);
	host->free(m->category_nanos);
	host->free(m->points);
	memset(m, 0, sizeof(*m));
}

static int cpu_compare_rows_by_name(const void *a, const void *b)
{
	return strcmp(((const struct ep_top_row *)a)->name, ((const struct ep_top_row *)b)->name);
}

/* Adds top's rows to m->rows, both sorted by name: one merge pass, so the
 * cost stays linear in the functions however many profiles there are. */
static int cpu_merge_top(const struct ep_host_api *host, struct cpu_measure *m,
                         const struct ep_top *top)
{
	struct ep_top_row *sorted =
	        host->alloc((top->row_count > 0 ? top->row_count : 1) * sizeof(*sorted));
	struct cpu_row *merged = host->alloc((m->row_count + top->row_count + 1) * sizeof(*merged));
	if (sorted == NULL || merged == NULL) {
		host->free(sorted);
		host->free(merged);
		return -ENOMEM;
	}
	if (top->row_count > 0)
		memcpy(sorted, top->rows, top->row_count * sizeof(*sorted));
	qsort(sorted, top->row_count, sizeof(*sorted), cpu_compare_rows_by_name);

	size_t count = 0, i = 0, j = 0;
	int rc = 0;
	while (i < m->row_count || j < top->row_count) {
		int order = i == m->row_count     ? 1
		            : j == top->row_count ? -1
		                                  : strcmp(m->rows[i].name, sorted[j].name);
		if (order < 0) {
			merged[count++] = m->rows[i++];
		} else if (order == 0) {
			merged[count] = m->rows[i++];
			merged[count].flat = analyzer_add(merged[count].flat, sorted[j].flat);
			merged[count].cum = analyzer_add(merged[count].cum, sorted[j].cum);
			count++;
			j++;
		} else {
			char *name = host->strdup(sorted[j].name);
			if (name == NULL) {
				rc = -ENOMEM;
				break;
			}
			merged[count++] = (struct cpu_row){ name, sorted[j].flat, sorted[j].cum };
			j++;
		}
	}
	/* On failure keep the rows not yet moved so that every name is freed
	 * exactly once. */
	while (i < m->row_count)
		merged[count++] = m->rows[i++];
	host->free(m->rows);
	m->rows = merged;
	m->row_count = count;
	host->free(sorted);
	return rc;
}

/* Adds profile's CPU time by category to m. */
static int cpu_measure_categories(struct cpu_analyzer *self, struct cpu_measure *m,
                                  const struct ep_profile *profile, int index)
{
	struct analyzer_category_matcher matcher = { 0 };
	int rc = analyzer_category_matcher_init(self->host, &matcher, &self->categories, profile);
	for (size_t s = 0; rc == 0 && s < profile->sample_count; s++) {
		const struct ep_profile_sample *sample = &profile->samples[s];
		int64_t value = sample->values[index];
		if (value == 0)
			continue;
		bool any = false;
		for (size_t c = 0; c < self->categories.count; c++) {
			if (!analyzer_category_matches_sample(&matcher, c, sample))
				continue;
			m->category_nanos[c] = analyzer_add(m->category_nanos[c], value);
			any = true;
		}
		if (!any)
			m->uncategorized = analyzer_add(m->uncategorized, value);
	}
	analyzer_category_matcher_free(self->host, &matcher);
	return rc;
}

/* Reads one CPU snapshot into m; a snapshot that does not load or is not
 * a CPU profile is skipped with a warning. */
static int cpu_measure_snapshot(struct cpu_analyzer *self, struct cpu_measure *m,
                                const struct ep_snapshot_info *snapshot, bool with_rows)
{
	const struct ep_host_api *host = self->host;
	const char *file = analyzer_basename(snapshot->path);
	const struct ep_profile *profile = NULL;
	const struct ep_top *top = NULL;
	int rc = host->profile_load(self->instance, snapshot->path, &profile);
	if (rc < 0) {
		/* The host has logged why; one bad snapshot costs only itself. */
		host->log(self->instance, EP_LOG_WARN, "skipping %s: %s", file, strerror(-rc));
		m->skipped++;
		return 0;
	}
	int index = analyzer_sample_type_index(profile, CPU_SAMPLE_TYPE);
	if (index < 0) {
		host->log(self->instance, EP_LOG_WARN,
		          "skipping %s: it has no cpu values, so it is not a Go CPU profile", file);
		m->skipped++;
		goto cleanup;
	}
	rc = host->profile_top(self->instance, profile, NULL, CPU_SAMPLE_TYPE, false, &top);
	if (rc < 0)
		goto cleanup;
	m->profiles++;
	m->total = analyzer_add(m->total, top->total);
	m->duration_nanos = analyzer_add(m->duration_nanos, profile->duration_nanos);
	if (profile->duration_nanos > 0) {
		struct ep_report_point *grown =
		        host->alloc((m->point_count + 1) * sizeof(*m->points));
		if (grown == NULL) {
			rc = -ENOMEM;
			goto cleanup;
		}
		if (m->point_count > 0)
			memcpy(grown, m->points, m->point_count * sizeof(*m->points));
		host->free(m->points);
		m->points = grown;
		m->points[m->point_count++] =
		        (struct ep_report_point){ snapshot->offset_seconds,
			                          (double)top->total /
			                                  (double)profile->duration_nanos * 100.0 };
	}
	if (with_rows)
		rc = cpu_merge_top(host, m, top);
	if (rc == 0)
		rc = cpu_measure_categories(self, m, profile, index);

cleanup:
	host->top_release(self->instance, top);
	host->profile_release(self->instance, profile);
	return rc < 0 ? rc : 0;
}

/* One line on chart "cpu": CPU utilization of each profile over the run;
 * a comparison draws both runs' on it. */
static int cpu_report_series(struct cpu_analyzer *self, struct ep_report *report, const char *id,
                             const struct ep_run_info *run, const struct cpu_measure *m)
{
	if (m->point_count == 0)
		return 0;
	const struct ep_host_api *host = self->host;
	int rc = host->report_series(report, id, run->name, "cpu", "seconds since start",
	                             EP_UNIT_SECONDS, "CPU time per wall time", EP_UNIT_PERCENT);
	for (size_t i = 0; rc >= 0 && i < m->point_count; i++)
		rc = host->report_point(report, m->points[i].x, m->points[i].y);
	return rc < 0 ? rc : 0;
}

/* Reads every CPU snapshot of run, one at a time.  Returns 0 (m->profiles
 * is 0 when the run has none usable) or a negative errno. */
static int cpu_measure_run(struct cpu_analyzer *self, const struct ep_run_info *run,
                           struct cpu_measure *m, bool with_rows)
{
	memset(m, 0, sizeof(*m));
	size_t count = self->categories.count > 0 ? self->categories.count : 1;
	m->category_nanos = self->host->alloc(count * sizeof(*m->category_nanos));
	if (m->category_nanos == NULL)
		return -ENOMEM;
	memset(m->category_nanos, 0, count * sizeof(*m->category_nanos));
	for (size_t i = 0; i < run->snapshot_count; i++) {
		if (strcmp(run->snapshots[i].kind, "cpu") != 0)
			continue;
		int rc = cpu_measure_snapshot(self, m, &run->snapshots[i], with_rows);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* CPU time over profiled wall time, in percent; NONE when no profile
 * says how long it ran. */
static struct ep_value cpu_utilization(const struct cpu_measure *m)
{
	if (m->profiles == 0 || m->duration_nanos <= 0)
		return analyzer_none();
	return analyzer_double((double)m->total / (double)m->duration_nanos * 100.0);
}

/* pprof's -top order: |flat| descending, then name, then |cum| descending. */
static int cpu_compare_rows_like_pprof(const void *a, const void *b)
{
	const struct cpu_row *x = a, *y = b;
	int64_t flat_x = analyzer_abs(x->flat), flat_y = analyzer_abs(y->flat);
	if (flat_x != flat_y)
		return flat_x > flat_y ? -1 : 1;
	int order = strcmp(x->name, y->name);
	if (order != 0)
		return order;
	int64_t cum_x = analyzer_abs(x->cum), cum_y = analyzer_abs(y->cum);
	return cum_x > cum_y ? -1 : cum_x < cum_y ? 1 : 0;
}

static const struct ep_report_column cpu_top_columns[] = {
	{ "function", "function", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "flat", "flat", EP_VALUE_INT, EP_UNIT_NANOSECONDS },
	{ "flat_percent", "flat%", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
	{ "sum_percent", "sum%", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
	{ "cum", "cum", EP_VALUE_INT, EP_UNIT_NANOSECONDS },
	{ "cum_percent", "cum%", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
};

/* cpu.top: the first rows of `go tool pprof -top` of the merged profiles. */
static int cpu_report_top(struct cpu_analyzer *self, struct ep_report *report,
                          struct cpu_measure *m)
{
	const struct ep_host_api *host = self->host;
	qsort(m->rows, m->row_count, sizeof(*m->rows), cpu_compare_rows_like_pprof);
	int64_t flat_sum = 0;
	for (size_t i = 0; i < m->row_count; i++)
		flat_sum = analyzer_add(flat_sum, m->rows[i].flat);
	/* pprof drops nodes whose |cum| is below int64(flat sum * 0.005);
	 * analyzer_top_cutoff does the same for one profile_top table. */
	const struct ep_top merged = {
		.row_count = 1,
		.rows = &(const struct ep_top_row){ .name = "", .flat = flat_sum },
	};
	int64_t cutoff = analyzer_top_cutoff(&merged);

	int rc = host->report_table(report, "cpu.top", "Top functions by CPU time",
	                            sizeof(cpu_top_columns) / sizeof(cpu_top_columns[0]),
	                            cpu_top_columns);
	int64_t running = 0; /* pprof's sum%: the signed running flat sum */
	size_t shown = 0;
	for (size_t i = 0; rc >= 0 && i < m->row_count && shown < self->top; i++) {
		const struct cpu_row *row = &m->rows[i];
		const struct ep_top_row as_top = { row->name, row->flat, row->cum };
		if (!analyzer_top_shows(&as_top, cutoff))
			continue;
		running = analyzer_add(running, row->flat);
		const struct ep_value cells[] = {
			analyzer_text(row->name),
			analyzer_int(row->flat),
			analyzer_double(analyzer_percent(row->flat, m->total)),
			analyzer_double(analyzer_percent(running, m->total)),
			analyzer_int(row->cum),
			analyzer_double(analyzer_percent(row->cum, m->total)),
		};
		rc = host->report_row(report, cells);
		shown++;
	}
	return rc;
}

static const struct ep_report_column cpu_category_columns[] = {
	{ "category", "category", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "name", "id", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "cpu_nanoseconds", "CPU time", EP_VALUE_INT, EP_UNIT_NANOSECONDS },
	{ "share_percent", "share of CPU time", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
};

/* cpu.categories and the metrics cpu.category.NAME.nanoseconds and
 * .share_percent, the uncategorized rest last. */
static int cpu_report_categories(struct cpu_analyzer *self, struct ep_report *report,
                                 const struct cpu_measure *m)
{
	const struct ep_host_api *host = self->host;
	const struct analyzer_categories *categories = &self->categories;
	int rc = host->report_table(report, "cpu.categories", "CPU time by category",
	                            sizeof(cpu_category_columns) / sizeof(cpu_category_columns[0]),
	                            cpu_category_columns);
	for (size_t c = 0; rc >= 0 && c <= categories->count; c++) {
		bool rest = c == categories->count;
		int64_t nanos = rest ? m->uncategorized : m->category_nanos[c];
		const struct ep_value cells[] = {
			analyzer_text(rest ? "Uncategorized" : categories->items[c].display_name),
			analyzer_text(rest ? "uncategorized" : categories->items[c].name),
			analyzer_int(nanos),
			analyzer_double(analyzer_percent(nanos, m->total)),
		};
		rc = host->report_row(report, cells);
	}
	for (size_t c = 0; rc >= 0 && c <= categories->count; c++) {
		bool rest = c == categories->count;
		const char *name = rest ? "uncategorized" : categories->items[c].name;
		const char *display = rest ? "Uncategorized" : categories->items[c].display_name;
		int64_t nanos = rest ? m->uncategorized : m->category_nanos[c];
		char id[ANALYZER_CATEGORY_NAME_MAX + 64], label[256];
		snprintf(id, sizeof(id), "cpu.category.%s.nanoseconds", name);
		snprintf(label, sizeof(label), "%s: CPU time", display);
		rc = host->report_metric(report, id, label, analyzer_int(nanos),
		                         EP_UNIT_NANOSECONDS);
		if (rc < 0)
			break;
		snprintf(id, sizeof(id), "cpu.category.%s.share_percent", name);
		snprintf(label, sizeof(label), "%s: share of CPU time", display);
		rc = host->report_metric(report, id, label,
		                         analyzer_double(analyzer_percent(nanos, m->total)),
		                         EP_UNIT_PERCENT);
	}
	return rc;
}

static int cpu_report(struct cpu_analyzer *self, struct ep_report *report,
                      const struct ep_run_info *run, struct cpu_measure *m)
{
	const struct ep_host_api *host = self->host;
	int rc = host->report_section(report, "cpu", "CPU time");
	if (rc >= 0)
		rc = host->report_metric(report, "cpu.total_nanoseconds",
		                         "CPU time in the profiles", analyzer_int(m->total),
		                         EP_UNIT_NANOSECONDS);
	if (rc >= 0)
		rc = host->report_metric(report, "cpu.profiles", "CPU profiles",
		                         analyzer_int((int64_t)m->profiles), EP_UNIT_COUNT);
	if (rc >= 0)
		rc = host->report_metric(report, "cpu.profiled_seconds", "Wall time profiled",
		                         analyzer_double((double)m->duration_nanos / 1e9),
		                         EP_UNIT_SECONDS);
	if (rc >= 0)
		rc = host->report_metric(report, "cpu.utilization_percent",
		                         "CPU time per profiled wall time", cpu_utilization(m),
		                         EP_UNIT_PERCENT);
	if (rc >= 0)
		rc = cpu_report_series(self, report, "cpu.utilization", run, m);
	if (rc >= 0)
		rc = cpu_report_top(self, report, m);
	if (rc >= 0)
		rc = cpu_report_categories(self, report, m);
	if (rc < 0)
		return rc;

	char cpu[64], wall[64];
	host->format_value(cpu, sizeof(cpu), m->total, EP_UNIT_NANOSECONDS, "auto");
	host->format_value(wall, sizeof(wall), m->duration_nanos, EP_UNIT_NANOSECONDS, "auto");
	rc = host->report_note(
	        report,
	        "%zu CPU profile(s) covering %s of wall time recorded %s of CPU time; a "
	        "utilization of 100%% is one core busy all the time. The top functions are "
	        "`go tool pprof -top` of the profiles merged. A sample's CPU time counts in "
	        "every category one of its frames matches (as `go tool pprof -focus` selects "
	        "samples), so the shares may add up to more than 100%%; Uncategorized is what "
	        "no category matched.",
	        m->profiles, wall, cpu);
	if (rc >= 0 && self->categories.builtin)
		rc = host->report_note(report, "No [category.NAME] section is configured, so the "
		                               "built-in categories are used.");
	if (rc >= 0 && m->skipped > 0)
		rc = host->report_note(
		        report,
		        "%zu CPU snapshot(s) could not be read and were left out; the "
		        "log says why.",
		        m->skipped);
	return rc;
}

static int cpu_analyze(void *state, const struct ep_run_info *run, struct ep_report *report)
{
	struct cpu_analyzer *self = state;
	struct cpu_measure m;
	int rc = cpu_measure_run(self, run, &m, true);
	if (rc < 0)
		goto cleanup;
	if (m.profiles == 0) {
		/* CPU profiles are optional: no section, and no error. */
		self->host->log(self->instance, m.skipped > 0 ? EP_LOG_WARN : EP_LOG_DEBUG,
		                "run %s has no usable cpu snapshot; nothing to report", run->name);
		goto cleanup;
	}
	rc = cpu_report(self, report, run, &m);

cleanup:
	cpu_measure_free(self->host, &m);
	return rc < 0 ? rc : 0;
}

static struct ep_value cpu_compare_value(const struct cpu_measure *m, struct ep_value value)
{
	return m->profiles > 0 ? value : analyzer_none();
}

static int cpu_compare(void *state, const struct ep_run_info *a, const struct ep_run_info *b,
                       struct ep_report *report)
{
	struct cpu_analyzer *self = state;
	const struct ep_host_api *host = self->host;
	const struct analyzer_categories *categories = &self->categories;
	struct cpu_measure ma = { 0 }, mb = { 0 };
	int rc = cpu_measure_run(self, a, &ma, false);
	if (rc >= 0)
		rc = cpu_measure_run(self, b, &mb, false);
	if (rc < 0)
		goto cleanup;
	if (ma.profiles == 0 && mb.profiles == 0) {
		host->log(self->instance, EP_LOG_DEBUG,
		          "neither %s nor %s has cpu snapshots; nothing to compare", a->name,
		          b->name);
		goto cleanup;
	}
	/* Runs differ in length, so the gate is the utilization; the total is
	 * there for runs of a fixed workload. */
	rc = host->report_section(report, "cpu", "CPU time");
	if (rc >= 0)
		rc = cpu_report_series(self, report, "cpu.utilization.a", a, &ma);
	if (rc >= 0)
		rc = cpu_report_series(self, report, "cpu.utilization.b", b, &mb);
	if (rc >= 0)
		rc = host->report_comparison(report, "cpu", "CPU time per profiled wall time",
		                             cpu_utilization(&ma), cpu_utilization(&mb),
		                             EP_UNIT_PERCENT);
	if (rc >= 0)
		rc = host->report_comparison(report, "cpu.total", "CPU time in the profiles",
		                             cpu_compare_value(&ma, analyzer_int(ma.total)),
		                             cpu_compare_value(&mb, analyzer_int(mb.total)),
		                             EP_UNIT_NANOSECONDS);
	for (size_t c = 0; rc >= 0 && c <= categories->count; c++) {
		bool rest = c == categories->count;
		char id[ANALYZER_CATEGORY_NAME_MAX + 16], label[256];
		snprintf(id, sizeof(id), "cpu.category.%s",
		         rest ? "uncategorized" : categories->items[c].name);
		snprintf(label, sizeof(label), "%s: share of CPU time",
		         rest ? "Uncategorized" : categories->items[c].display_name);
		int64_t a_nanos = rest ? ma.uncategorized : ma.category_nanos[c];
		int64_t b_nanos = rest ? mb.uncategorized : mb.category_nanos[c];
		rc = host->report_comparison(
		        report, id, label,
		        cpu_compare_value(&ma,
		                          analyzer_double(analyzer_percent(a_nanos, ma.total))),
		        cpu_compare_value(&mb,
		                          analyzer_double(analyzer_percent(b_nanos, mb.total))),
		        EP_UNIT_PERCENT);
	}

cleanup:
	cpu_measure_free(host, &mb);
	cpu_measure_free(host, &ma);
	return rc < 0 ? rc : 0;
}

static const struct ep_analyzer_ops cpu_ops = {
	.version = EP_ANALYZER_OPS_VERSION,
	.analyze = cpu_analyze,
	.compare = cpu_compare,
};

static const struct ep_config_key cpu_keys[] = {
	{ "top", EP_CONFIG_INT, "20", "rows of the top-functions table (cpu.top)" },
	{ "builtin_categories", EP_CONFIG_BOOL, "true",
	  "with no [category.NAME] section, use the built-in categories (openapi, json, dynamic, "
	  "informers, reflection); false reports only the uncategorized total" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor cpu_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_ANALYZER,
	.name = "cpu",
	.version = "1.0.0",
	.description = "CPU time of a run's CPU profiles: utilization, top functions, categories",
	.config_keys = cpu_keys,
	.init = cpu_init,
	.fini = cpu_fini,
	.analyzer = &cpu_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &cpu_descriptor;
}
