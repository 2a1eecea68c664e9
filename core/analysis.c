/* The analysis pipeline shared by `analyze`, the end of `run`, and
 * `compare`: run.json in, a report document through the analyzers, the
 * recommendation rules and --fail-on over its figures, reporters out. */
#include "analysis.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format.h"
#include "fsutil.h"
#include "gate.h"
#include "host_api.h"
#include "json_reader.h"
#include "pprof/decode.h"
#include "pprof/merge.h"
#include "report_document.h"
#include "statistics.h"
#include "summary.h"

/* ---- repeated runs ----------------------------------------------------------- */

static double analysis_value_number(const struct ep_value *value);

/* The run directories behind a name: the directory itself for a single
 * run, NAME/repK for each repetition a repeated run lists. */
struct analysis_run_set {
	char **directories;
	size_t count;
	bool repeated;
};

static void analysis_run_set_free(struct analysis_run_set *set)
{
	for (size_t i = 0; i < set->count; i++)
		free(set->directories[i]);
	free(set->directories);
	memset(set, 0, sizeof(*set));
}

static const char *const analysis_repeated_schema = "e2e-profile/repeated-run";

static bool analysis_is_repeated(const char *directory)
{
	char path[PATH_MAX + 16], err[256];
	struct ep_json_document *json = NULL;
	snprintf(path, sizeof(path), "%s/run.json", directory);
	if (ep_json_parse_file(path, &json, err, sizeof(err)) < 0)
		return false;
	bool repeated = strcmp(ep_json_get_string(ep_json_root(json), "schema", ""),
	                       analysis_repeated_schema) == 0;
	ep_json_free(json);
	return repeated;
}

static int analysis_run_set_load(const char *directory, struct analysis_run_set *set, char *err,
                                 size_t errlen)
{
	if (strlen(directory) > PATH_MAX - 64) {
		snprintf(err, errlen, "run directory path too long");
		return -ENAMETOOLONG;
	}
	memset(set, 0, sizeof(*set));
	if (!analysis_is_repeated(directory)) {
		set->directories = calloc(1, sizeof(*set->directories));
		if (set->directories == NULL || (set->directories[0] = strdup(directory)) == NULL) {
			free(set->directories);
			set->directories = NULL;
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		set->count = 1;
		return 0;
	}
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/run.json", directory);
	struct ep_json_document *json = NULL;
	int rc = ep_json_parse_file(path, &json, err, errlen);
	if (rc < 0)
		return rc;
	const struct ep_json *root = ep_json_root(json);
	const struct ep_json *reps = ep_json_get(root, "repetitions");
	if (ep_json_get_int(root, "schema_version", 0) != 1 || reps == NULL ||
	    reps->type != EP_JSON_ARRAY || reps->count == 0) {
		snprintf(err, errlen, "%.*s: a repeated run needs schema version 1 and repetitions",
		         900, path);
		ep_json_free(json);
		return -EINVAL;
	}
	set->repeated = true;
	set->directories = calloc(reps->count, sizeof(*set->directories));
	rc = set->directories ? 0 : -ENOMEM;
	for (size_t i = 0; rc == 0 && i < reps->count; i++) {
		const char *sub = ep_json_get_string(&reps->items[i], "directory", "");
		if (*sub == '\0' || strchr(sub, '/') != NULL || strcmp(sub, "..") == 0 ||
		    strcmp(sub, ".") == 0) {
			snprintf(err, errlen, "%.*s: repetition %zu has no plain directory", 900,
			         path, i + 1);
			rc = -EINVAL;
			break;
		}
		size_t len = strlen(directory) + strlen(sub) + 2;
		set->directories[i] = malloc(len);
		if (set->directories[i] == NULL) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			break;
		}
		snprintf(set->directories[i], len, "%s/%s", directory, sub);
		set->count++;
	}
	ep_json_free(json);
	if (rc < 0)
		analysis_run_set_free(set);
	return rc;
}

/* One numeric figure across repetitions (or across one side's). */
struct analysis_figure {
	char *id, *label, *unit;
	bool integer;
	double *values; /* one per repetition, NAN where absent */
};

struct analysis_figures {
	struct analysis_figure *items;
	size_t count;
	size_t slots; /* values per figure */
};

static void analysis_figures_free(struct analysis_figures *figures)
{
	for (size_t i = 0; i < figures->count; i++) {
		free(figures->items[i].id);
		free(figures->items[i].label);
		free(figures->items[i].unit);
		free(figures->items[i].values);
	}
	free(figures->items);
	memset(figures, 0, sizeof(*figures));
}

/* Records value (INT or DOUBLE; others are skipped) of figure id in slot. */
static int analysis_figures_add(struct analysis_figures *figures, const char *id, const char *label,
                                const char *unit, struct ep_value value, size_t slot)
{
	if (value.type != EP_VALUE_INT && value.type != EP_VALUE_DOUBLE)
		return 0;
	/* A moment in time is no figure to take the median of. */
	size_t id_len = strlen(id);
	if ((id_len > 8 && strcmp(id + id_len - 8, "_unix_ns") == 0) ||
	    strcmp(id, "run.repetition") == 0)
		return 0;
	struct analysis_figure *figure = NULL;
	for (size_t i = 0; i < figures->count && figure == NULL; i++)
		if (strcmp(figures->items[i].id, id) == 0)
			figure = &figures->items[i];
	if (figure == NULL) {
		struct analysis_figure *grown =
		        realloc(figures->items, (figures->count + 1) * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		figures->items = grown;
		figure = &figures->items[figures->count];
		*figure = (struct analysis_figure){ .id = strdup(id),
			                            .label = strdup(label ? label : id),
			                            .unit = strdup(unit ? unit : ""),
			                            .integer = value.type == EP_VALUE_INT,
			                            .values = malloc(figures->slots *
			                                             sizeof(double)) };
		if (figure->id == NULL || figure->label == NULL || figure->unit == NULL ||
		    figure->values == NULL) {
			free(figure->id);
			free(figure->label);
			free(figure->unit);
			free(figure->values);
			return -ENOMEM;
		}
		for (size_t i = 0; i < figures->slots; i++)
			figure->values[i] = NAN;
		figures->count++;
	}
	figure->integer = figure->integer && value.type == EP_VALUE_INT;
	figure->values[slot] = analysis_value_number(&value);
	return 0;
}

/* The present values of a figure, packed; returns how many. */
static size_t analysis_figure_present(const struct analysis_figure *figure, size_t slots,
                                      double *out)
{
	size_t n = 0;
	for (size_t i = 0; i < slots; i++)
		if (!isnan(figure->values[i]))
			out[n++] = figure->values[i];
	return n;
}

static struct ep_value analysis_figure_value(const struct analysis_figure *figure, double value)
{
	if (isnan(value))
		return ep_value_none();
	/* The median of an even count of integers may fall between two: it
	 * stays a double then rather than being rounded. */
	if (figure->integer && value == floor(value) && fabs(value) < 9.2e18)
		return ep_value_int((int64_t)value);
	return ep_value_double(value);
}

static double analysis_run_seconds(const struct ep_run_info *run)
{
	if (run->started_unix_ns == 0 || run->ended_unix_ns < run->started_unix_ns)
		return 0;
	return (double)(run->ended_unix_ns - run->started_unix_ns) / 1e9;
}

/* ---- plugin instances ------------------------------------------------------ */

struct analysis_plugins {
	struct ep_instance **instances;
	size_t count;
	size_t failed; /* named plugins whose init() failed */
};

/* Instantiates the plugins of kind named in the comma-separated list;
 * a name that is not installed is skipped with a warning. */
static int analysis_instantiate(struct ep_cli *cli, const struct ep_host_context *context,
                                enum ep_plugin_kind kind, const char *list,
                                struct analysis_plugins *out)
{
	memset(out, 0, sizeof(*out));
	char *copy = strdup(list ? list : "");
	if (copy == NULL)
		return -ENOMEM;
	char *cursor = copy, *name;
	while ((name = strsep(&cursor, ",")) != NULL) {
		name += strspn(name, " ");
		name[strcspn(name, " ")] = '\0';
		if (*name == '\0')
			continue;
		const struct ep_plugin *plugin = ep_plugin_registry_find(&cli->plugins, kind, name);
		if (plugin == NULL) {
			ep_log_warn(&cli->log, "no %s plugin named '%s' is installed; skipped",
			            ep_plugin_kind_name(kind), name);
			continue;
		}
		struct ep_instance **grown =
		        realloc(out->instances, (out->count + 1) * sizeof(*grown));
		if (grown == NULL)
			break;
		out->instances = grown;
		struct ep_instance *instance;
		if (ep_instance_create(plugin, context, &instance) < 0) {
			ep_log_warn(&cli->log, "%s %s failed to start; skipped",
			            ep_plugin_kind_name(kind), name);
			out->failed++;
			continue;
		}
		out->instances[out->count++] = instance;
	}
	free(copy);
	return 0;
}

static void analysis_release(struct analysis_plugins *plugins)
{
	for (size_t i = 0; i < plugins->count; i++)
		ep_instance_destroy(plugins->instances[i]);
	free(plugins->instances);
	memset(plugins, 0, sizeof(*plugins));
}

/* ---- recommendations --------------------------------------------------------- */

struct analysis_rule {
	const char *name;
	const char *metric;
	const char *equals;
	double above, below; /* NAN when unset */
	const char *advice;
};

static const struct analysis_rule analysis_builtin_rules[] = {
	{ "json-decoding", "category.json.share_percent", NULL, 20, NAN,
	  "JSON decoding holds a large share of memory: decode into typed structs instead of "
	  "map[string]interface{}, and cache decoded results instead of decoding the same "
	  "documents again" },
	{ "openapi", "category.openapi.share_percent", NULL, 10, NAN,
	  "OpenAPI schemas take a large share of memory: cache the discovery/OpenAPI client "
	  "instead of fetching and parsing the schemas repeatedly" },
	{ "dynamic-client", "category.dynamic.share_percent", NULL, 15, NAN,
	  "the dynamic client and unstructured objects are expensive: prefer typed clients, "
	  "paginate lists and use label or field selectors" },
	{ "informers", "category.informers.share_percent", NULL, 25, NAN,
	  "informer caches dominate: share informers, restrict them with selectors, and drop "
	  "unused fields with a transform" },
	{ "reflection", "category.reflection.share_percent", NULL, 10, NAN,
	  "reflection allocates heavily: avoid reflect-based conversion in hot paths" },
	{ "goroutine-leak", "goroutine.leaking_stacks", NULL, 0, NAN,
	  "goroutines pile up on the stacks of goroutine.leaks: make sure every goroutine "
	  "started there can end (a context cancelled, a channel closed, a timeout), and that "
	  "whoever starts them waits for them" },
	{ "steady-growth", "growth.trend", "steady-growth", NAN, NAN,
	  "in-use memory kept growing to the end of the run: look for a leak (caches without "
	  "eviction, growing maps, goroutines) in the top growers" },
};

static double analysis_value_number(const struct ep_value *value)
{
	return value->type == EP_VALUE_INT ? (double)value->integer : value->real;
}

/* "31.20 percent", "49.60MB": a metric's value for evidence text. */
static void analysis_format_metric(char *buf, size_t len, const struct ep_report_metric *metric)
{
	if (metric->value.type == EP_VALUE_TEXT) {
		snprintf(buf, len, "%s", metric->value.text);
	} else if (metric->value.type == EP_VALUE_INT && strcmp(metric->unit, "bytes") == 0) {
		ep_format_value(buf, len, metric->value.integer, "bytes", "auto");
	} else if (strcmp(metric->unit, "percent") == 0) {
		snprintf(buf, len, "%.2f%%", analysis_value_number(&metric->value));
	} else {
		snprintf(buf, len, "%.6g %s", analysis_value_number(&metric->value), metric->unit);
	}
}

static void analysis_apply_rule(struct ep_report *report, const struct analysis_rule *rule,
                                int *fired)
{
	const struct ep_report_metric *metric =
	        ep_report_find_metric(ep_report_document(report), rule->metric);
	if (metric == NULL || metric->value.type == EP_VALUE_NONE)
		return;
	char value[128], evidence[512];
	analysis_format_metric(value, sizeof(value), metric);
	bool fires = false;
	if (rule->equals != NULL) {
		fires = metric->value.type == EP_VALUE_TEXT &&
		        strcmp(metric->value.text, rule->equals) == 0;
		snprintf(evidence, sizeof(evidence), "%s = %s", rule->metric, value);
	} else if (metric->value.type != EP_VALUE_TEXT) {
		double number = analysis_value_number(&metric->value);
		bool above = !isnan(rule->above) && number > rule->above;
		bool below = !isnan(rule->below) && number < rule->below;
		fires = above || below;
		snprintf(evidence, sizeof(evidence), "%s = %s (%s %g)", rule->metric, value,
		         above ? "above" : "below", above ? rule->above : rule->below);
	}
	if (fires) {
		ep_report_recommendation(report, rule->name, rule->advice, evidence);
		(*fired)++;
	}
}

/* One [rule.NAME] section from the configuration. */
static int analysis_config_rule(const struct ep_config *config, const char *section,
                                struct analysis_rule *rule)
{
	memset(rule, 0, sizeof(*rule));
	rule->name = section + strlen("rule.");
	rule->metric = ep_config_get(config, section, "metric");
	rule->equals = ep_config_get(config, section, "equals");
	rule->advice = ep_config_get(config, section, "advice");
	rule->above = rule->below = NAN;
	ep_config_get_double(config, section, "above", &rule->above);
	ep_config_get_double(config, section, "below", &rule->below);
	bool enabled = true;
	ep_config_get_bool(config, section, "enabled", &enabled);
	return enabled ? 0 : 1;
}

struct analysis_rule_walk {
	const struct ep_config *config;
	struct ep_report *report;
	int fired;
	struct ep_log *log;
	bool invalid;
};

/* A [rule.NAME] section with the built-in of that name filled in: 0 when
 * usable, 1 when disabled, -EINVAL when incomplete. */
static int analysis_resolve_rule(const struct ep_config *config, const char *section,
                                 struct analysis_rule *rule)
{
	if (analysis_config_rule(config, section, rule) != 0)
		return 1;
	for (size_t i = 0; i < sizeof(analysis_builtin_rules) / sizeof(analysis_builtin_rules[0]);
	     i++)
		if (strcmp(analysis_builtin_rules[i].name, rule->name) == 0 &&
		    rule->metric == NULL) {
			/* Only `enabled` (or advice) given: tweak the built-in. */
			const char *advice = rule->advice;
			*rule = analysis_builtin_rules[i];
			if (advice != NULL)
				rule->advice = advice;
		}
	if (rule->metric == NULL || rule->advice == NULL ||
	    (rule->equals == NULL && isnan(rule->above) && isnan(rule->below)))
		return -EINVAL;
	return 0;
}

static int analysis_walk_config_rule(void *context, const char *section)
{
	struct analysis_rule_walk *walk = context;
	struct analysis_rule rule;
	int rc = analysis_resolve_rule(walk->config, section, &rule);
	if (rc < 0)
		ep_log_warn(walk->log,
		            "[%s] needs metric, advice, and one of above, below or equals; skipped",
		            section);
	if (rc == 0)
		analysis_apply_rule(walk->report, &rule, &walk->fired);
	return 0;
}

static bool analysis_rule_overridden(const struct ep_config *config, const char *name)
{
	char section[128];
	snprintf(section, sizeof(section), "rule.%s", name);
	for (int source = EP_CONFIG_SOURCE_FILE; source <= EP_CONFIG_SOURCE_FLAG; source++)
		for (const char *const *key =
		             (const char *const[]){ "metric", "enabled", "advice", NULL };
		     *key != NULL; key++)
			if (ep_config_get_from(config, section, *key,
			                       (enum ep_config_source)source))
				return true;
	return false;
}

static void analysis_recommend(struct ep_cli *cli, struct ep_report *report)
{
	ep_report_set_origin(report, "core");
	ep_report_section(report, "recommendations", "Recommendations");
	struct analysis_rule_walk walk = { cli->config, report, 0, &cli->log, false };
	for (size_t i = 0; i < sizeof(analysis_builtin_rules) / sizeof(analysis_builtin_rules[0]);
	     i++)
		if (!analysis_rule_overridden(cli->config, analysis_builtin_rules[i].name))
			analysis_apply_rule(report, &analysis_builtin_rules[i], &walk.fired);
	ep_config_foreach_section(cli->config, "rule.", analysis_walk_config_rule, &walk);
	if (walk.fired == 0)
		ep_report_note(report, "No recommendation rule fired.");
}

/* ---- the runtime's own memory ---------------------------------------------- */

/* What the Go runtime (run.json "runtime", from the runtime.MemStats block
 * of /debug/pprof/heap?debug=1) and the process's Prometheus endpoint
 * ("process", metrics_url) said of their memory beside each heap
 * snapshot: measured figures, kept apart from the sampled heap profile in
 * their own section, tables, chart and ids, each labelled by its source
 * (docs/report-ids.md). */
static const struct {
	const char *object; /* in run.json: "runtime" or "process" */
	const char *key;
	const char *id;    /* metric and comparison id */
	const char *label; /* for people */
	const char *unit;
	bool peak; /* the figure's highest value in the test window; else its last */
} analysis_runtime_figures[] = {
	{ "runtime", "heap_inuse", "runtime.heap_inuse", "Runtime HeapInuse (peak)", EP_UNIT_BYTES,
	  true },
	{ "runtime", "heap_sys", "runtime.heap_sys", "Runtime HeapSys (peak)", EP_UNIT_BYTES,
	  true },
	{ "runtime", "heap_released", "runtime.heap_released", "Runtime HeapReleased (last)",
	  EP_UNIT_BYTES, false },
	{ "runtime", "sys", "runtime.sys", "Runtime Sys: memory obtained from the OS (peak)",
	  EP_UNIT_BYTES, true },
	{ "runtime", "stack_inuse", "runtime.stack_inuse", "Runtime StackInuse (peak)",
	  EP_UNIT_BYTES, true },
	{ "runtime", "next_gc", "runtime.next_gc", "Runtime NextGC (last)", EP_UNIT_BYTES, false },
	{ "runtime", "num_gc", "runtime.num_gc", "Runtime NumGC (last)", EP_UNIT_COUNT, false },
	{ "runtime", "gc_cpu_fraction", "runtime.gc_cpu_fraction", "Runtime GCCPUFraction (last)",
	  EP_UNIT_NONE, false },
	{ "runtime", "max_rss", "runtime.max_rss", "Peak resident memory, MaxRSS (last)",
	  EP_UNIT_BYTES, false },
	{ "process", "rss", "process.rss", "Process resident memory, Prometheus (peak)",
	  EP_UNIT_BYTES, true },
	{ "process", "heap_inuse", "process.heap_inuse",
	  "go_memstats_heap_inuse_bytes, Prometheus (peak)", EP_UNIT_BYTES, true },
	{ "process", "sys", "process.sys", "go_memstats_sys_bytes, Prometheus (peak)",
	  EP_UNIT_BYTES, true },
	{ "process", "goroutines", "process.goroutines", "go_goroutines, Prometheus (peak)",
	  EP_UNIT_COUNT, true },
};
#define ANALYSIS_RUNTIME_FIGURES \
	(sizeof(analysis_runtime_figures) / sizeof(analysis_runtime_figures[0]))

static bool analysis_in_window(const struct ep_run_info *run, int64_t time_unix_ns)
{
	if (run->test_started_unix_ns <= 0)
		return true;
	return time_unix_ns >= run->test_started_unix_ns &&
	       time_unix_ns <= run->test_ended_unix_ns + EP_TEST_WINDOW_GRACE_NS;
}

/* The figures of one object ("runtime" or "process") for the run: peak or
 * last over the test window (all rounds when no round of the window has
 * figures). values[i] stays NAN for other objects' figures and absent
 * ones. Returns the rounds with figures; *errors counts OBJECT_error. */
static size_t analysis_runtime_values(const struct ep_loaded_run *run, const char *object,
                                      double values[ANALYSIS_RUNTIME_FIGURES], size_t *errors,
                                      const char **first_error)
{
	const struct ep_json *snapshots = ep_loaded_run_snapshots(run);
	char error_key[32];
	snprintf(error_key, sizeof(error_key), "%s_error", object);
	size_t rounds = 0;
	*errors = 0;
	*first_error = NULL;
	for (size_t f = 0; f < ANALYSIS_RUNTIME_FIGURES; f++)
		values[f] = NAN;
	size_t count = snapshots && snapshots->type == EP_JSON_ARRAY ? snapshots->count : 0;
	for (int pass = 0; pass < 2 && rounds == 0; pass++) {
		for (size_t i = 0; i < count; i++) {
			const struct ep_json *s = &snapshots->items[i];
			const char *error = ep_json_get_string(s, error_key, NULL);
			if (pass == 0 && error != NULL && (*errors)++ == 0)
				*first_error = error;
			const struct ep_json *figures = ep_json_get(s, object);
			if (figures == NULL || figures->type != EP_JSON_OBJECT)
				continue;
			if (pass == 0 && !analysis_in_window(ep_loaded_run_info(run),
			                                     ep_json_get_int(s, "time_unix_ns", 0)))
				continue;
			rounds++;
			for (size_t f = 0; f < ANALYSIS_RUNTIME_FIGURES; f++) {
				if (strcmp(analysis_runtime_figures[f].object, object) != 0)
					continue;
				double v = ep_json_get_double(figures,
				                              analysis_runtime_figures[f].key, NAN);
				if (isnan(v))
					continue;
				if (!analysis_runtime_figures[f].peak || isnan(values[f]) ||
				    v > values[f])
					values[f] = v;
			}
		}
	}
	return rounds;
}

/* Both objects' figures into one array. */
static size_t analysis_measured_values(const struct ep_loaded_run *run,
                                       double values[ANALYSIS_RUNTIME_FIGURES], size_t errors[2],
                                       const char *first_error[2])
{
	double process[ANALYSIS_RUNTIME_FIGURES];
	size_t rounds =
	        analysis_runtime_values(run, "runtime", values, &errors[0], &first_error[0]);
	rounds += analysis_runtime_values(run, "process", process, &errors[1], &first_error[1]);
	for (size_t f = 0; f < ANALYSIS_RUNTIME_FIGURES; f++)
		if (strcmp(analysis_runtime_figures[f].object, "process") == 0)
			values[f] = process[f];
	return rounds;
}

static struct ep_value analysis_runtime_value(size_t figure, double value)
{
	if (isnan(value))
		return ep_value_none();
	if (strcmp(analysis_runtime_figures[figure].unit, EP_UNIT_NONE) == 0)
		return ep_value_double(value);
	return ep_value_int((int64_t)llround(value));
}

/* One timeline table of an object's figures per heap round. */
static void analysis_measured_table(struct ep_report *report, const struct ep_loaded_run *run,
                                    const char *object, const char *id, const char *title,
                                    const struct ep_report_column *columns, size_t column_count)
{
	const struct ep_json *snapshots = ep_loaded_run_snapshots(run);
	size_t count = snapshots && snapshots->type == EP_JSON_ARRAY ? snapshots->count : 0;
	bool any = false;
	for (size_t i = 0; i < count && !any; i++)
		any = ep_json_get(&snapshots->items[i], object) != NULL;
	if (!any)
		return;
	ep_report_table(report, id, title, column_count, columns);
	struct ep_value cells[16];
	for (size_t i = 0; i < count && column_count <= 16; i++) {
		const struct ep_json *s = &snapshots->items[i];
		const struct ep_json *figures = ep_json_get(s, object);
		if (figures == NULL || figures->type != EP_JSON_OBJECT)
			continue;
		cells[0] = ep_value_double(ep_json_get_double(s, "offset_seconds", 0));
		cells[1] = ep_value_text(ep_json_get_string(s, "file", ""));
		cells[2] = ep_value_text(ep_json_get_string(figures, "source", ""));
		for (size_t c = 3; c < column_count; c++) {
			double v = ep_json_get_double(figures, columns[c].id, NAN);
			cells[c] = isnan(v) ? ep_value_none() : ep_value_int((int64_t)llround(v));
		}
		ep_report_row(report, cells);
	}
}

/* The section "runtime" of an analysis: the measured figures as metrics,
 * a timeline table per source, and a chart. Nothing when the run has
 * none at all. */
static void analysis_runtime_section(struct ep_report *report, const struct ep_loaded_run *run)
{
	double values[ANALYSIS_RUNTIME_FIGURES];
	size_t errors[2];
	const char *first_error[2];
	size_t rounds = analysis_measured_values(run, values, errors, first_error);
	if (rounds == 0 && errors[0] == 0 && errors[1] == 0)
		return;
	ep_report_set_origin(report, "core");
	ep_report_section(report, "runtime", "Measured memory: the Go runtime and the process");
	for (size_t f = 0; f < ANALYSIS_RUNTIME_FIGURES; f++)
		if (!isnan(values[f]))
			ep_report_metric(report, analysis_runtime_figures[f].id,
			                 analysis_runtime_figures[f].label,
			                 analysis_runtime_value(f, values[f]),
			                 analysis_runtime_figures[f].unit);
	ep_report_metric(report, "runtime.errors", "Rounds whose runtime figures failed",
	                 ep_value_int((int64_t)errors[0]), EP_UNIT_COUNT);
	bool has_process = errors[1] > 0;
	for (size_t f = 0; f < ANALYSIS_RUNTIME_FIGURES; f++)
		has_process =
		        has_process || (!isnan(values[f]) &&
		                        strcmp(analysis_runtime_figures[f].object, "process") == 0);
	if (has_process)
		ep_report_metric(report, "process.errors", "Rounds whose Prometheus figures failed",
		                 ep_value_int((int64_t)errors[1]), EP_UNIT_COUNT);
	static const struct ep_report_column runtime_columns[] = {
		{ "offset_seconds", "time", EP_VALUE_DOUBLE, EP_UNIT_SECONDS },
		{ "snapshot", "snapshot", EP_VALUE_TEXT, EP_UNIT_NONE },
		{ "source", "source", EP_VALUE_TEXT, EP_UNIT_NONE },
		{ "heap_inuse", "HeapInuse", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "heap_sys", "HeapSys", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "heap_released", "HeapReleased", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "sys", "Sys", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "stack_inuse", "StackInuse", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "next_gc", "NextGC", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "num_gc", "NumGC", EP_VALUE_INT, EP_UNIT_COUNT },
		{ "max_rss", "MaxRSS", EP_VALUE_INT, EP_UNIT_BYTES },
	};
	static const struct ep_report_column process_columns[] = {
		{ "offset_seconds", "time", EP_VALUE_DOUBLE, EP_UNIT_SECONDS },
		{ "snapshot", "snapshot", EP_VALUE_TEXT, EP_UNIT_NONE },
		{ "source", "source", EP_VALUE_TEXT, EP_UNIT_NONE },
		{ "rss", "process_resident_memory_bytes", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "heap_inuse", "go_memstats_heap_inuse_bytes", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "heap_alloc", "go_memstats_heap_alloc_bytes", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "sys", "go_memstats_sys_bytes", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "goroutines", "go_goroutines", EP_VALUE_INT, EP_UNIT_COUNT },
	};
	analysis_measured_table(report, run, "runtime", "runtime.timeline",
	                        "Runtime memory per heap round (runtime.MemStats)", runtime_columns,
	                        sizeof(runtime_columns) / sizeof(runtime_columns[0]));
	analysis_measured_table(report, run, "process", "process.timeline",
	                        "Process memory per heap round (Prometheus metrics_url)",
	                        process_columns,
	                        sizeof(process_columns) / sizeof(process_columns[0]));
	static const struct {
		const char *object, *key, *id;
	} charted[] = {
		{ "runtime", "heap_inuse", "runtime.heap_inuse" },
		{ "runtime", "sys", "runtime.sys" },
		{ "runtime", "max_rss", "runtime.max_rss" },
		{ "process", "rss", "process.rss" },
	};
	const struct ep_json *snapshots = ep_loaded_run_snapshots(run);
	size_t count = snapshots && snapshots->type == EP_JSON_ARRAY ? snapshots->count : 0;
	for (size_t k = 0; k < sizeof(charted) / sizeof(charted[0]); k++) {
		bool started = false;
		for (size_t i = 0; i < count; i++) {
			const struct ep_json *figures =
			        ep_json_get(&snapshots->items[i], charted[k].object);
			double v = figures ? ep_json_get_double(figures, charted[k].key, NAN) : NAN;
			if (isnan(v))
				continue;
			if (!started)
				ep_report_series(report, charted[k].id, charted[k].id, "runtime",
				                 "time", EP_UNIT_SECONDS, "bytes (measured)",
				                 EP_UNIT_BYTES);
			started = true;
			ep_report_point(
			        report,
			        ep_json_get_double(&snapshots->items[i], "offset_seconds", 0), v);
		}
	}
	ep_report_note(
	        report,
	        "Measured, unlike the sampled heap profile (live heap objects at the last GC, "
	        "estimated from samples): runtime.* from the runtime.MemStats block of "
	        "/debug/pprof/heap?debug=1, process.* from the Prometheus endpoint "
	        "(metrics_url) when one is set. Peaks are over the snapshots taken while "
	        "the test ran.");
	if (errors[0] > 0)
		ep_report_note(report, "%zu round(s) got no runtime figures; the first: %s",
		               errors[0], first_error[0]);
	if (errors[1] > 0)
		ep_report_note(report, "%zu round(s) got no Prometheus figures; the first: %s",
		               errors[1], first_error[1]);
}

/* The measured figures of the round of the sampled peak (heap.peak_snapshot,
 * written by the heap analyzer): runtime.at_peak.* and process.at_peak.*,
 * so the peak shows what the process held then, beside what was sampled. */
static void analysis_runtime_at_peak(struct ep_report *report, const struct ep_loaded_run *run)
{
	const struct ep_report_metric *peak =
	        ep_report_find_metric(ep_report_document(report), "heap.peak_snapshot");
	if (peak == NULL || peak->value.type != EP_VALUE_TEXT)
		return;
	const struct ep_json *snapshots = ep_loaded_run_snapshots(run);
	size_t count = snapshots && snapshots->type == EP_JSON_ARRAY ? snapshots->count : 0;
	const struct ep_json *record = NULL;
	for (size_t i = 0; i < count && record == NULL; i++) {
		const char *file = ep_json_get_string(&snapshots->items[i], "file", NULL);
		const char *base = file ? strrchr(file, '/') : NULL;
		if (file != NULL && strcmp(base ? base + 1 : file, peak->value.text) == 0 &&
		    strcmp(ep_json_get_string(&snapshots->items[i], "kind", ""), "heap") == 0)
			record = &snapshots->items[i];
	}
	const struct ep_json *runtime = record ? ep_json_get(record, "runtime") : NULL;
	const struct ep_json *process = record ? ep_json_get(record, "process") : NULL;
	if (runtime == NULL && process == NULL)
		return;
	static const struct {
		const char *object, *key, *id, *label;
	} at_peak[] = {
		{ "runtime", "heap_inuse", "runtime.at_peak.heap_inuse",
		  "Runtime HeapInuse at the sampled peak" },
		{ "runtime", "sys", "runtime.at_peak.sys", "Runtime Sys at the sampled peak" },
		{ "runtime", "max_rss", "runtime.at_peak.max_rss", "MaxRSS at the sampled peak" },
		{ "process", "rss", "process.at_peak.rss",
		  "Process resident memory (Prometheus) at the sampled peak" },
	};
	ep_report_set_origin(report, "core");
	ep_report_section(report, "runtime_at_peak", "Measured memory at the sampled peak");
	for (size_t i = 0; i < sizeof(at_peak) / sizeof(at_peak[0]); i++) {
		const struct ep_json *figures =
		        strcmp(at_peak[i].object, "runtime") == 0 ? runtime : process;
		double v = figures ? ep_json_get_double(figures, at_peak[i].key, NAN) : NAN;
		if (!isnan(v))
			ep_report_metric(report, at_peak[i].id, at_peak[i].label,
			                 ep_value_int((int64_t)llround(v)), EP_UNIT_BYTES);
	}
	ep_report_note(report,
	               "Taken in the same round as the peak snapshot %s: the sampled heap profile "
	               "estimates live objects, these are what the runtime and the process held.",
	               peak->value.text);
}

/* The measured figures of both runs as comparisons (ids runtime.*,
 * process.*), for the figures either run has. */
static void analysis_runtime_compare(struct ep_report *report, const struct ep_loaded_run *a,
                                     const struct ep_loaded_run *b)
{
	double va[ANALYSIS_RUNTIME_FIGURES], vb[ANALYSIS_RUNTIME_FIGURES];
	size_t errors[2];
	const char *first_error[2];
	size_t na = analysis_measured_values(a, va, errors, first_error);
	size_t nb = analysis_measured_values(b, vb, errors, first_error);
	if (na == 0 && nb == 0)
		return;
	ep_report_set_origin(report, "core");
	ep_report_section(report, "runtime", "Measured memory: the Go runtime and the process");
	for (size_t f = 0; f < ANALYSIS_RUNTIME_FIGURES; f++)
		if (!isnan(va[f]) || !isnan(vb[f]))
			ep_report_comparison(
			        report, analysis_runtime_figures[f].id,
			        analysis_runtime_figures[f].label, analysis_runtime_value(f, va[f]),
			        analysis_runtime_value(f, vb[f]), analysis_runtime_figures[f].unit);
}

/* ---- analyze ---------------------------------------------------------------- */

static void analysis_run_section(struct ep_report *report, const struct ep_loaded_run *loaded)
{
	const struct ep_run_info *run = ep_loaded_run_info(loaded);
	ep_report_set_origin(report, "core");
	ep_report_section(report, "run", "Run");
	ep_report_metric(report, "run.name", "Run", ep_value_text(run->name), EP_UNIT_NONE);
	ep_report_metric(report, "run.status", "Status", ep_value_text(run->status), EP_UNIT_NONE);
	ep_report_metric(report, "run.snapshots", "Snapshots",
	                 ep_value_int((int64_t)run->snapshot_count), EP_UNIT_COUNT);
	/* An imported run cannot know its failed attempts; 0 would be a claim. */
	if (ep_loaded_run_inferred(loaded) == NULL)
		ep_report_metric(report, "run.failed", "Failed snapshot attempts",
		                 ep_value_int((int64_t)run->failed_count), EP_UNIT_COUNT);
	ep_report_metric(report, "run.duration_seconds", "Duration",
	                 ep_value_double(analysis_run_seconds(run)), EP_UNIT_SECONDS);
	if (run->command_exit_status >= 0)
		ep_report_metric(report, "run.exit_status", "Test command exit status",
		                 ep_value_int(run->command_exit_status), EP_UNIT_NONE);
	/* Wall-clock times, so a reporter can place figures on a timeline
	 * shared with other runs (the prometheus and openmetrics reporters);
	 * offsets alone are relative to the run's own monotonic clock. */
	ep_report_metric(report, "run.started_unix_ns", "Started (Unix time, ns)",
	                 run->started_unix_ns > 0 ? ep_value_int(run->started_unix_ns)
	                                          : ep_value_none(),
	                 EP_UNIT_NONE);
	ep_report_metric(report, "run.ended_unix_ns", "Ended (Unix time, ns)",
	                 run->ended_unix_ns > 0 ? ep_value_int(run->ended_unix_ns)
	                                        : ep_value_none(),
	                 EP_UNIT_NONE);
	/* Repetition K of `run --repeat` (its run.json says so), so reporters
	 * can keep the repetitions of one run apart. */
	int64_t repetition = ep_loaded_run_repetition(loaded);
	if (repetition > 0)
		ep_report_metric(report, "run.repetition", "Repetition", ep_value_int(repetition),
		                 EP_UNIT_COUNT);
	if (ep_loaded_run_inferred(loaded) != NULL)
		ep_report_note(report, "%s", ep_loaded_run_inferred(loaded));
}

/* Last in the document, so a long run's list does not push the findings
 * down the page. */
static void analysis_snapshots_section(struct ep_report *report, const struct ep_run_info *run)
{
	static const struct ep_report_column columns[] = {
		{ "snapshot", "snapshot", EP_VALUE_TEXT, EP_UNIT_NONE },
		{ "kind", "kind", EP_VALUE_TEXT, EP_UNIT_NONE },
		{ "source", "source", EP_VALUE_TEXT, EP_UNIT_NONE },
		{ "time_unix_ns", "taken at (Unix time, ns)", EP_VALUE_INT, EP_UNIT_NONE },
	};
	ep_report_set_origin(report, "core");
	if (ep_report_section(report, "snapshots", "Snapshots") < 0 ||
	    ep_report_table(report, "run.snapshot_times", "When each snapshot was taken",
	                    sizeof(columns) / sizeof(columns[0]), columns) < 0)
		return;
	for (size_t i = 0; i < run->snapshot_count; i++) {
		const struct ep_snapshot_info *snapshot = &run->snapshots[i];
		const char *slash = strrchr(snapshot->path, '/');
		const struct ep_value cells[] = {
			ep_value_text(slash != NULL ? slash + 1 : snapshot->path),
			ep_value_text(snapshot->kind),
			ep_value_text(snapshot->source),
			snapshot->time_unix_ns > 0 ? ep_value_int(snapshot->time_unix_ns)
			                           : ep_value_none(),
		};
		if (ep_report_row(report, cells) < 0)
			return;
	}
}

static int analysis_render(struct ep_cli *cli, const struct ep_host_context *context,
                           struct ep_report *report, const char *base_path)
{
	struct analysis_plugins reporters;
	analysis_instantiate(cli, context, EP_PLUGIN_KIND_REPORTER,
	                     ep_config_get(cli->config, "run", "reporters"), &reporters);
	if (reporters.count == 0) {
		ep_log_error(&cli->log,
		             reporters.failed > 0
		                     ? "no reporter could start; nothing written"
		                     : "no reporter plugin is installed; nothing written");
		analysis_release(&reporters);
		return EP_EXIT_FAILURE;
	}
	/* A reporter that could not start (a push without its URL) still
	 * lets the others write, but the command must not look successful. */
	int status = reporters.failed > 0 ? EP_EXIT_FAILURE : EP_EXIT_OK;
	const struct ep_report_document *document = ep_report_document(report);
	for (size_t i = 0; i < reporters.count; i++) {
		struct ep_instance *instance = reporters.instances[i];
		int rc = instance->plugin->descriptor->reporter->render(instance->state, document,
		                                                        base_path);
		if (rc < 0) {
			ep_log_error(&cli->log, "reporter %s failed: %s",
			             instance->plugin->descriptor->name, strerror(-rc));
			status = EP_EXIT_FAILURE;
		}
	}
	analysis_release(&reporters);
	return status;
}

/* Renders the reports (unless --summary-only), then prints the summary on
 * stdout (unless -q; always with --summary-only) and appends it to
 * $GITHUB_STEP_SUMMARY when that names a file (docs/summary.md). */
static int analysis_finish(struct ep_cli *cli, const struct ep_host_context *context,
                           struct ep_report *report, const char *base, const char *written)
{
	int status = EP_EXIT_OK;
	const struct ep_report_document *document = ep_report_document(report);
	if (!cli->summary_only) {
		status = analysis_render(cli, context, report, base);
		if (status == EP_EXIT_OK)
			ep_log_info(&cli->log, "%s: %s.*", written, base);
	}
	if (cli->summary_only ||
	    (cli->log.threshold >= EP_LOG_INFO && !cli->summary_to_stdout_off)) {
		ep_summary_write(stdout, document);
		fflush(stdout);
	}
	const char *step_summary = getenv("GITHUB_STEP_SUMMARY");
	if (step_summary != NULL && step_summary[0] != '\0') {
		char err[PATH_MAX + 128];
		if (ep_summary_append(step_summary, document, err, sizeof(err)) < 0)
			ep_log_warn(&cli->log, "%s", err);
	}
	return status;
}

/* The host side of an analysis; the profile cache lives until
 * analysis_context_end. */
static struct ep_host_context analysis_context(struct ep_cli *cli)
{
	int64_t mib = 0;
	ep_config_get_int(cli->config, "core", "profile_cache_mib", &mib);
	struct ep_profile_cache *cache = NULL;
	if (mib > 0)
		ep_profile_cache_new((uint64_t)mib << 20, &cache);
	return (struct ep_host_context){
		.config = cli->config,
		.log = &cli->log,
		.max_profile_bytes = ep_cli_max_profile_bytes(cli),
		.profile_cache = cache,
	};
}

static void analysis_context_end(struct ep_host_context *context)
{
	ep_profile_cache_free(context->profile_cache);
	context->profile_cache = NULL;
}

/* Builds the analysis document of one run in memory. */
static int analysis_build(struct ep_cli *cli, const struct analysis_plugins *analyzers,
                          const char *directory, struct ep_report **out)
{
	char err[1024];
	struct ep_loaded_run *run = NULL;
	struct ep_report *report = NULL;
	*out = NULL;
	if (ep_run_load(directory, ep_cli_max_profile_bytes(cli), &run, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		return EP_EXIT_FAILURE;
	}
	const struct ep_run_info *info = ep_loaded_run_info(run);
	if (ep_report_new("analysis", info->name, info->name, NULL, &report) < 0) {
		ep_loaded_run_free(run);
		return EP_EXIT_FAILURE;
	}
	analysis_run_section(report, run);
	analysis_runtime_section(report, run);
	for (size_t i = 0; i < analyzers->count; i++) {
		struct ep_instance *instance = analyzers->instances[i];
		ep_report_set_origin(report, instance->plugin->section);
		ep_log_debug(&cli->log, "running %s", instance->plugin->section);
		int rc = instance->plugin->descriptor->analyzer->analyze(
		        instance->state, info, (struct ep_report *)report);
		if (rc < 0)
			ep_log_warn(&cli->log, "analyzer %s failed (%s); its section is missing",
			            instance->plugin->descriptor->name, strerror(-rc));
	}
	analysis_runtime_at_peak(report, run);
	analysis_recommend(cli, report);
	analysis_snapshots_section(report, info);
	ep_loaded_run_free(run);
	*out = report;
	return EP_EXIT_OK;
}

static void analysis_start_analyzers(struct ep_cli *cli, const struct ep_host_context *context,
                                     struct analysis_plugins *analyzers, bool warn)
{
	analysis_instantiate(cli, context, EP_PLUGIN_KIND_ANALYZER,
	                     ep_config_get(cli->config, "run", "analyzers"), analyzers);
	if (analyzers->count == 0 && warn)
		ep_log_warn(&cli->log,
		            "no analyzer plugin is installed; the report has the run only");
}

/* Analyzes one run directory (not a repeated run's top) and writes its
 * analysis.*. */
static int analysis_analyze_one(struct ep_cli *cli, const char *directory)
{
	char base[PATH_MAX + 16];
	struct ep_report *report = NULL;
	struct analysis_plugins analyzers = { 0 };
	struct ep_host_context context = analysis_context(cli);
	analysis_start_analyzers(cli, &context, &analyzers, true);
	int status = analysis_build(cli, &analyzers, directory, &report);
	if (status == EP_EXIT_OK) {
		snprintf(base, sizeof(base), "%s/analysis", directory);
		status = analysis_finish(cli, &context, report, base, "reports written");
	}
	analysis_release(&analyzers);
	analysis_context_end(&context);
	ep_report_free(report);
	return status;
}

/* The summary of a repeated run: every numeric metric of the repetitions'
 * analyses with its median, min and max (the medians also as metrics of
 * the same ids, so rules and scripts read them like a single run's). */
static void analysis_summary_report(struct ep_report *report,
                                    const struct analysis_figures *figures, size_t repetitions,
                                    size_t analyzed)
{
	ep_report_set_origin(report, "core");
	ep_report_section(report, "repetitions", "Repetitions");
	ep_report_metric(report, "run.repetitions", "Repetitions",
	                 ep_value_int((int64_t)repetitions), EP_UNIT_COUNT);
	ep_report_note(
	        report,
	        "%zu repetitions, %zu analyzed; each one's own report is in repK/analysis.md. "
	        "Figures below are the median over the repetitions.",
	        repetitions, analyzed);
	size_t column_count = 6 + repetitions;
	struct ep_report_column *columns = calloc(column_count, sizeof(*columns));
	char(*names)[2][32] = calloc(repetitions, sizeof(*names));
	struct ep_value *cells = calloc(column_count, sizeof(*cells));
	double *present = calloc(repetitions, sizeof(*present));
	if (columns == NULL || names == NULL || cells == NULL || present == NULL)
		goto done;
	columns[0] = (struct ep_report_column){ "id", "Metric id", EP_VALUE_TEXT, "" };
	columns[1] = (struct ep_report_column){ "label", "Metric", EP_VALUE_TEXT, "" };
	columns[2] = (struct ep_report_column){ "unit", "Unit", EP_VALUE_TEXT, "" };
	columns[3] = (struct ep_report_column){ "median", "Median", EP_VALUE_DOUBLE, "" };
	columns[4] = (struct ep_report_column){ "min", "Min", EP_VALUE_DOUBLE, "" };
	columns[5] = (struct ep_report_column){ "max", "Max", EP_VALUE_DOUBLE, "" };
	for (size_t r = 0; r < repetitions; r++) {
		snprintf(names[r][0], sizeof(names[r][0]), "rep%zu", r + 1);
		snprintf(names[r][1], sizeof(names[r][1]), "Rep %zu", r + 1);
		columns[6 + r] =
		        (struct ep_report_column){ names[r][0], names[r][1], EP_VALUE_DOUBLE, "" };
	}
	ep_report_table(report, "repetitions.metrics", "Every metric across the repetitions",
	                column_count, columns);
	for (size_t f = 0; f < figures->count; f++) {
		const struct analysis_figure *figure = &figures->items[f];
		size_t n = analysis_figure_present(figure, repetitions, present);
		double min = NAN, max = NAN;
		if (n > 0)
			ep_stats_min_max(present, n, &min, &max);
		cells[0] = ep_value_text(figure->id);
		cells[1] = ep_value_text(figure->label);
		cells[2] = ep_value_text(figure->unit);
		cells[3] = n ? ep_value_double(ep_stats_median(present, n)) : ep_value_none();
		cells[4] = n ? ep_value_double(min) : ep_value_none();
		cells[5] = n ? ep_value_double(max) : ep_value_none();
		for (size_t r = 0; r < repetitions; r++)
			cells[6 + r] = isnan(figure->values[r])
			                       ? ep_value_none()
			                       : ep_value_double(figure->values[r]);
		ep_report_row(report, cells);
	}
	ep_report_section(report, "median", "Medians over the repetitions");
	for (size_t f = 0; f < figures->count; f++) {
		const struct analysis_figure *figure = &figures->items[f];
		size_t n = analysis_figure_present(figure, repetitions, present);
		if (n > 0)
			ep_report_metric(report, figure->id, figure->label,
			                 analysis_figure_value(figure, ep_stats_median(present, n)),
			                 figure->unit);
	}
done:
	free(columns);
	free(names);
	free(cells);
	free(present);
}

int ep_analysis_summarize(struct ep_cli *cli, const char *directory, bool analyze_each)
{
	char err[1024], base[PATH_MAX + 16];
	struct analysis_run_set set;
	if (analysis_run_set_load(directory, &set, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		return EP_EXIT_FAILURE;
	}
	struct analysis_plugins analyzers = { 0 };
	struct ep_host_context context = analysis_context(cli);
	struct analysis_figures figures = { .slots = set.count };
	struct ep_report *summary = NULL;
	int status = EP_EXIT_OK;
	size_t analyzed = 0;
	analysis_start_analyzers(cli, &context, &analyzers, true);
	for (size_t r = 0; r < set.count; r++) {
		struct ep_report *report = NULL;
		if (analysis_build(cli, &analyzers, set.directories[r], &report) != EP_EXIT_OK) {
			status = EP_EXIT_FAILURE;
			continue;
		}
		analyzed++;
		if (analyze_each) {
			snprintf(base, sizeof(base), "%s/analysis", set.directories[r]);
			if (analysis_render(cli, &context, report, base) != EP_EXIT_OK)
				status = EP_EXIT_FAILURE;
		}
		const struct ep_report_document *document = ep_report_document(report);
		for (size_t s = 0; s < document->section_count; s++)
			for (size_t i = 0; i < document->sections[s]->item_count; i++) {
				const struct ep_report_item *item =
				        &document->sections[s]->items[i];
				if (item->kind != EP_REPORT_METRIC)
					continue;
				const struct ep_report_metric *m = item->u.metric;
				if (analysis_figures_add(&figures, m->id, m->label, m->unit,
				                         m->value, r) < 0)
					status = EP_EXIT_FAILURE;
			}
		ep_report_free(report);
	}
	const char *name = ep_path_basename(directory);
	if (ep_report_new("analysis", name, name, NULL, &summary) < 0) {
		status = EP_EXIT_FAILURE;
		goto done;
	}
	analysis_summary_report(summary, &figures, set.count, analyzed);
	analysis_recommend(cli, summary);
	snprintf(base, sizeof(base), "%s/analysis", directory);
	if (analysis_finish(cli, &context, summary, base, "summary of the repetitions written") !=
	    EP_EXIT_OK)
		status = EP_EXIT_FAILURE;
done:
	ep_report_free(summary);
	analysis_figures_free(&figures);
	analysis_release(&analyzers);
	analysis_context_end(&context);
	analysis_run_set_free(&set);
	return status;
}

int ep_analysis_analyze(struct ep_cli *cli, const char *directory)
{
	if (analysis_is_repeated(directory))
		return ep_analysis_summarize(cli, directory, true);
	return analysis_analyze_one(cli, directory);
}

/* ---- compare ------------------------------------------------------------------ */

static const struct ep_report_comparison *
analysis_find_comparison(const struct ep_report_document *document, const char *id)
{
	for (size_t s = 0; s < document->section_count; s++)
		for (size_t i = 0; i < document->sections[s]->item_count; i++) {
			const struct ep_report_item *item = &document->sections[s]->items[i];
			if (item->kind == EP_REPORT_COMPARISON &&
			    strcmp(item->u.comparison->id, id) == 0)
				return item->u.comparison;
		}
	return NULL;
}

/* "peak, objects, ...": every id --fail-on could name in document. */
static void analysis_list_comparison_ids(const struct ep_report_document *document, char *buf,
                                         size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t s = 0; s < document->section_count; s++)
		for (size_t i = 0; i < document->sections[s]->item_count; i++) {
			const struct ep_report_item *item = &document->sections[s]->items[i];
			if (item->kind != EP_REPORT_COMPARISON || used >= len)
				continue;
			int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			                 item->u.comparison->id);
			used += n > 0 ? (size_t)n : 0;
		}
}

/* Judges every rule before anything is written: an unknown id, or a
 * figure a run lacks (unless optional), is a usage error. Fills verdicts
 * (count entries). Returns 0 or -EINVAL after logging. */
static int analysis_gates_evaluate(struct ep_cli *cli, const struct ep_report_document *document,
                                   const struct ep_gate_rule *rules, size_t count,
                                   struct ep_gate_verdict *verdicts)
{
	char err[1024];
	for (size_t i = 0; i < count; i++) {
		const struct ep_report_comparison *c =
		        analysis_find_comparison(document, rules[i].id);
		if (ep_gate_evaluate(&rules[i], c, document->run_a, document->run_b, &verdicts[i],
		                     err, sizeof(err)) == 0)
			continue;
		if (c == NULL) {
			char ids[2048];
			analysis_list_comparison_ids(document, ids, sizeof(ids));
			ep_log_error(&cli->log, "%s; valid ids: %s", err, ids);
		} else {
			ep_log_error(&cli->log, "%s", err);
		}
		return -EINVAL;
	}
	return 0;
}

/* The verdicts in the comparison itself, so md, JSON and CSV carry them: a
 * table with the numbers and one metric per rule (a row of BASE.csv). */
static void analysis_gates_report(struct ep_report *report, const struct ep_gate_rule *rules,
                                  size_t count, const struct ep_gate_verdict *verdicts)
{
	static const struct ep_report_column columns[] = {
		{ "rule", "Rule", EP_VALUE_TEXT, "" },
		{ "verdict", "Verdict", EP_VALUE_TEXT, "" },
		{ "a", "A", EP_VALUE_DOUBLE, "" },
		{ "b", "B", EP_VALUE_DOUBLE, "" },
		{ "unit", "Unit", EP_VALUE_TEXT, "" },
		{ "change", "Change", EP_VALUE_DOUBLE, "" },
		{ "change_percent", "Change %", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
		{ "beyond_limit", "Beyond limit", EP_VALUE_TEXT, "" },
		{ "p_value", "p", EP_VALUE_DOUBLE, "" },
		{ "significant", "Significant", EP_VALUE_TEXT, "" },
		{ "summary", "Summary", EP_VALUE_TEXT, "" },
	};
	const struct ep_report_document *document = ep_report_document(report);
	ep_report_set_origin(report, "core");
	ep_report_section(report, "gates", "Gates (--fail-on)");
	for (size_t i = 0; i < count; i++) {
		char id[64];
		snprintf(id, sizeof(id), "gate.%zu", i + 1);
		ep_report_metric(report, id, rules[i].text,
		                 ep_value_text(ep_gate_state_name(verdicts[i].state)),
		                 EP_UNIT_NONE);
	}
	ep_report_table(report, "gates.rules", "Rules", sizeof(columns) / sizeof(columns[0]),
	                columns);
	for (size_t i = 0; i < count; i++) {
		const struct ep_gate_verdict *v = &verdicts[i];
		const struct ep_report_comparison *c =
		        analysis_find_comparison(document, rules[i].id);
		bool skipped = v->state == EP_GATE_SKIPPED;
		const struct ep_report_statistics *stats = v->statistics;
		struct ep_value cells[] = {
			ep_value_text(rules[i].text),
			ep_value_text(ep_gate_state_name(v->state)),
			skipped ? ep_value_none() : ep_value_double(v->a),
			skipped ? ep_value_none() : ep_value_double(v->b),
			ep_value_text(c != NULL ? c->unit : ""),
			skipped ? ep_value_none() : ep_value_double(v->change),
			skipped || isnan(v->change_percent) ? ep_value_none()
			                                    : ep_value_double(v->change_percent),
			skipped ? ep_value_none() : ep_value_text(v->beyond ? "yes" : "no"),
			v->tested ? ep_value_double(stats->p_value) : ep_value_none(),
			v->tested ? ep_value_text(stats->significant ? "yes" : "no")
			          : ep_value_text(skipped ? "" : "not tested (single runs)"),
			ep_value_text(v->summary),
		};
		ep_report_row(report, cells);
	}
}

static int analysis_gates_print(struct ep_cli *cli, const struct ep_gate_rule *rules, size_t count,
                                const struct ep_gate_verdict *verdicts)
{
	int broken = 0;
	for (size_t i = 0; i < count; i++) {
		if (verdicts[i].state == EP_GATE_FAILED) {
			broken++;
			ep_log_error(&cli->log, "gate %s %s", rules[i].text, verdicts[i].summary);
		} else {
			ep_log_info(&cli->log, "gate %s %s", rules[i].text, verdicts[i].summary);
		}
	}
	return broken;
}

static void analysis_compare_run_section(struct ep_report *report, const struct ep_run_info *a,
                                         const struct ep_run_info *b)
{
	ep_report_set_origin(report, "core");
	ep_report_section(report, "run", "Runs");
	ep_report_comparison(report, "duration", "Test duration",
	                     ep_value_double(analysis_run_seconds(a)),
	                     ep_value_double(analysis_run_seconds(b)), EP_UNIT_SECONDS);
	ep_report_comparison(report, "snapshots", "Snapshots",
	                     ep_value_int((int64_t)a->snapshot_count),
	                     ep_value_int((int64_t)b->snapshot_count), EP_UNIT_COUNT);
	ep_report_comparison(report, "exit_status", "Test exit status",
	                     a->command_exit_status >= 0 ? ep_value_int(a->command_exit_status)
	                                                 : ep_value_none(),
	                     b->command_exit_status >= 0 ? ep_value_int(b->command_exit_status)
	                                                 : ep_value_none(),
	                     EP_UNIT_NONE);
}

/* Builds the comparison of run directories a_dir and b_dir in memory. */
static int analysis_compare_build(struct ep_cli *cli, const struct analysis_plugins *analyzers,
                                  const char *a_dir, const char *b_dir, struct ep_report **out)
{
	char err[1024];
	struct ep_loaded_run *a = NULL, *b = NULL;
	struct ep_report *report = NULL;
	*out = NULL;
	if (ep_run_load(a_dir, ep_cli_max_profile_bytes(cli), &a, err, sizeof(err)) < 0 ||
	    ep_run_load(b_dir, ep_cli_max_profile_bytes(cli), &b, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		ep_loaded_run_free(a);
		return EP_EXIT_FAILURE;
	}
	const struct ep_run_info *ai = ep_loaded_run_info(a), *bi = ep_loaded_run_info(b);
	char a_real[PATH_MAX], b_real[PATH_MAX];
	if (realpath(a_dir, a_real) != NULL && realpath(b_dir, b_real) != NULL &&
	    strcmp(a_real, b_real) == 0)
		ep_log_warn(&cli->log,
		            "comparing run %s with itself (%s): every change is 0; name two "
		            "different runs",
		            ai->name, a_real);
	char title[512];
	snprintf(title, sizeof(title), "%s vs %s", ai->name, bi->name);
	int status = EP_EXIT_FAILURE;
	if (ep_report_new("comparison", title, ai->name, bi->name, &report) < 0)
		goto done;
	analysis_compare_run_section(report, ai, bi);
	const struct ep_loaded_run *sides[] = { a, b };
	for (size_t i = 0; i < 2; i++)
		if (ep_loaded_run_inferred(sides[i]) != NULL)
			ep_report_note(report, "%s: %s", ep_loaded_run_info(sides[i])->name,
			               ep_loaded_run_inferred(sides[i]));
	analysis_runtime_compare(report, a, b);
	for (size_t i = 0; i < analyzers->count; i++) {
		struct ep_instance *instance = analyzers->instances[i];
		const struct ep_analyzer_ops *ops = instance->plugin->descriptor->analyzer;
		if (ops->compare == NULL)
			continue;
		ep_report_set_origin(report, instance->plugin->section);
		if (ops->compare(instance->state, ai, bi, report) < 0)
			ep_log_warn(&cli->log,
			            "analyzer %s could not compare; its section is missing",
			            instance->plugin->descriptor->name);
	}
	*out = report;
	status = EP_EXIT_OK;
done:
	ep_loaded_run_free(a);
	ep_loaded_run_free(b);
	return status;
}

/* Collects the numeric comparison figures of one pairing: A's values into
 * slot a_slot of a_figures (when a_slot < a_figures->slots), B's likewise. */
static int analysis_collect_comparisons(const struct ep_report_document *document,
                                        struct analysis_figures *a_figures, size_t a_slot,
                                        struct analysis_figures *b_figures, size_t b_slot)
{
	for (size_t s = 0; s < document->section_count; s++)
		for (size_t i = 0; i < document->sections[s]->item_count; i++) {
			const struct ep_report_item *item = &document->sections[s]->items[i];
			if (item->kind != EP_REPORT_COMPARISON)
				continue;
			const struct ep_report_comparison *c = item->u.comparison;
			if ((a_slot < a_figures->slots &&
			     analysis_figures_add(a_figures, c->id, c->label, c->unit, c->a,
			                          a_slot) < 0) ||
			    (b_slot < b_figures->slots &&
			     analysis_figures_add(b_figures, c->id, c->label, c->unit, c->b,
			                          b_slot) < 0))
				return -ENOMEM;
		}
	return 0;
}

static const struct analysis_figure *analysis_figures_find(const struct analysis_figures *figures,
                                                           const char *id)
{
	for (size_t i = 0; i < figures->count; i++)
		if (strcmp(figures->items[i].id, id) == 0)
			return &figures->items[i];
	return NULL;
}

/* Replaces each numeric comparison of report by the medians of the
 * repetitions and attaches their statistics (docs/statistics.md). */
static void analysis_apply_statistics(struct ep_report *report, const struct analysis_figures *a,
                                      const struct analysis_figures *b, double alpha)
{
	double *av = calloc(a->slots ? a->slots : 1, sizeof(double));
	double *bv = calloc(b->slots ? b->slots : 1, sizeof(double));
	if (av == NULL || bv == NULL)
		goto done;
	size_t min_samples = ep_stats_utest_min_samples(alpha);
	for (size_t f = 0; f < a->count + b->count; f++) {
		/* Every id either side has, each once. */
		const struct analysis_figure *fa, *fb;
		if (f < a->count) {
			fa = &a->items[f];
			fb = analysis_figures_find(b, fa->id);
		} else {
			fb = &b->items[f - a->count];
			if (analysis_figures_find(a, fb->id) != NULL)
				continue;
			fa = NULL;
		}
		const char *id = fa ? fa->id : fb->id;
		size_t na = fa ? analysis_figure_present(fa, a->slots, av) : 0;
		size_t nb = fb ? analysis_figure_present(fb, b->slots, bv) : 0;
		struct ep_report_statistics stats = {
			.n_a = (uint32_t)na,
			.n_b = (uint32_t)nb,
			.a_min = NAN,
			.a_max = NAN,
			.b_min = NAN,
			.b_max = NAN,
			.a_low = NAN,
			.a_high = NAN,
			.b_low = NAN,
			.b_high = NAN,
			.p_value = NAN,
			.alpha = alpha,
			.significant = -1,
			.min_samples = (uint32_t)min_samples,
			.min_p_value = na && nb ? ep_stats_utest_min_p(na, nb) : NAN,
		};
		if (na > 0) {
			ep_stats_min_max(av, na, &stats.a_min, &stats.a_max);
			ep_stats_median_interval(av, na, 0.95, &stats.a_low, &stats.a_high, NULL);
		}
		if (nb > 0) {
			ep_stats_min_max(bv, nb, &stats.b_min, &stats.b_max);
			ep_stats_median_interval(bv, nb, 0.95, &stats.b_low, &stats.b_high, NULL);
		}
		if (na > 0 && nb > 0 &&
		    ep_stats_mann_whitney(av, na, bv, nb, &stats.p_value, NULL) == 0)
			stats.significant = stats.p_value < alpha;
		struct ep_value median_a =
		        na ? analysis_figure_value(fa, ep_stats_median(av, na)) : ep_value_none();
		struct ep_value median_b =
		        nb ? analysis_figure_value(fb, ep_stats_median(bv, nb)) : ep_value_none();
		ep_report_update_comparison(report, id, median_a, median_b, &stats);
	}
done:
	free(av);
	free(bv);
}

static void analysis_statistics_section(struct ep_report *report, size_t na, size_t nb,
                                        double alpha)
{
	ep_report_set_origin(report, "core");
	ep_report_section(report, "statistics", "Statistics");
	ep_report_metric(report, "statistics.n_a", "Repetitions of A", ep_value_int((int64_t)na),
	                 EP_UNIT_COUNT);
	ep_report_metric(report, "statistics.n_b", "Repetitions of B", ep_value_int((int64_t)nb),
	                 EP_UNIT_COUNT);
	ep_report_metric(report, "statistics.alpha", "Significance level", ep_value_double(alpha),
	                 EP_UNIT_NONE);
	if (na == 1 && nb == 1) {
		ep_report_note(report,
		               "Single runs: a change is not tested against noise (identical code "
		               "differs by several percent between runs). Use run --repeat 4 or "
		               "more on each side for a statistical verdict.");
		return;
	}
	ep_report_note(report,
	               "Figures are medians over the repetitions (A: %zu, B: %zu). Each change is "
	               "tested with the two-sided Mann-Whitney U test; ~ marks p >= %g (no "
	               "significant change). Tables and charts come from the first repetition "
	               "of each side.",
	               na, nb, alpha);
	size_t need = ep_stats_utest_min_samples(alpha);
	double min_p = ep_stats_utest_min_p(na, nb);
	if (!(min_p < alpha))
		ep_report_note(
		        report,
		        "Too few repetitions: %zu against %zu can give p no smaller than %.3g, "
		        "so no change can be significant at alpha %g, whatever the figures "
		        "(use at least %zu on each side).",
		        na, nb, min_p, alpha, need);
	else if (na < 6 || nb < 6)
		ep_report_note(report, "A 95%% confidence interval on a median needs at least 6 "
		                       "repetitions; it is left out below that.");
}

/* Checks that every non-optional rule names a figure of document, so an
 * unknown id stops before the other pairings are computed. */
static int analysis_gates_check_ids(struct ep_cli *cli, const struct ep_report_document *document,
                                    const struct ep_gate_rule *rules, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (rules[i].optional || analysis_find_comparison(document, rules[i].id) != NULL)
			continue;
		char ids[2048];
		analysis_list_comparison_ids(document, ids, sizeof(ids));
		ep_log_error(&cli->log,
		             "--fail-on '%s': the comparison has no figure '%s'; valid ids: %s",
		             rules[i].text, rules[i].id, ids);
		return -EINVAL;
	}
	return 0;
}

/* path as seen from directory dir (both must exist): "../baseline/heap8.pprof".
 * Falls back to path itself when either cannot be resolved. */
static void analysis_relative_path(const char *dir, const char *path, char *out, size_t len)
{
	char from[PATH_MAX], to[PATH_MAX];
	if (realpath(dir, from) == NULL || realpath(path, to) == NULL) {
		snprintf(out, len, "%s", path);
		return;
	}
	/* the longest common prefix that ends at a component boundary */
	size_t common = 0;
	for (size_t i = 0; from[i] != '\0' && from[i] == to[i]; i++)
		if (from[i + 1] == '\0' || from[i + 1] == '/')
			if (to[i + 1] == '/' || to[i + 1] == '\0')
				common = i + 1;
	size_t w = 0;
	out[0] = '\0';
	for (const char *c = from + common; *c != '\0'; c++)
		if (*c == '/' && w + 4 < len)
			w += (size_t)snprintf(out + w, len - w, "../");
	const char *rest = to + common;
	if (*rest == '/')
		rest++;
	snprintf(out + w, len - w, "%s", rest);
}

/* BASE.diff.pb.gz: B's peak minus A's as pprof -diff_base shows it, beside
 * the comparison, and a note with the command that opens it.  The heap
 * analyzer names the peaks (heap.peak_snapshot_a/_b); without them, or
 * when the diff cannot be written, the comparison goes on without it. */
static void analysis_write_peak_diff(struct ep_cli *cli, struct ep_report *report,
                                     const char *a_dir, const char *a_name, const char *b_dir,
                                     const char *b_name, const char *base)
{
	const struct ep_report_document *document = ep_report_document(report);
	const struct ep_report_metric *ma = ep_report_find_metric(document, "heap.peak_snapshot_a");
	const struct ep_report_metric *mb = ep_report_find_metric(document, "heap.peak_snapshot_b");
	if (ma == NULL || mb == NULL || ma->value.type != EP_VALUE_TEXT ||
	    mb->value.type != EP_VALUE_TEXT)
		return;
	char a_path[PATH_MAX * 2], b_path[PATH_MAX * 2], out[PATH_MAX * 2 + 16];
	const char *a_file = ma->value.text, *b_file = mb->value.text;
	snprintf(a_path, sizeof(a_path), "%s%s%s", a_file[0] == '/' ? "" : a_dir,
	         a_file[0] == '/' ? "" : "/", a_file);
	snprintf(b_path, sizeof(b_path), "%s%s%s", b_file[0] == '/' ? "" : b_dir,
	         b_file[0] == '/' ? "" : "/", b_file);
	snprintf(out, sizeof(out), "%s.diff.pb.gz", base);
	struct ep_profile_load_options load = { .max_decompressed_bytes =
		                                        ep_cli_max_profile_bytes(cli) };
	struct ep_profile *pa = NULL, *pb = NULL;
	char err[1024];
	if (ep_profile_load_file(a_path, &load, &pa, err, sizeof(err)) < 0 ||
	    ep_profile_load_file(b_path, &load, &pb, err, sizeof(err)) < 0) {
		ep_log_warn(&cli->log, "no peak diff: %s", err);
		goto done;
	}
	/* pprof merges the profile, then the negated base */
	struct ep_merge_input inputs[2] = { { pb, b_path, false }, { pa, a_path, true } };
	if (ep_profile_merge_write(out, inputs, 2, err, sizeof(err)) < 0) {
		ep_log_warn(&cli->log, "no peak diff: %s", err);
		goto done;
	}
	const char *name = ep_path_basename(out);
	char directory[PATH_MAX * 2 + 16], a_relative[PATH_MAX], b_relative[PATH_MAX];
	snprintf(directory, sizeof(directory), "%s", out);
	char *slash = strrchr(directory, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		snprintf(directory, sizeof(directory), ".");
	analysis_relative_path(directory, a_path, a_relative, sizeof(a_relative));
	analysis_relative_path(directory, b_path, b_relative, sizeof(b_relative));
	ep_report_set_origin(report, "core");
	if (ep_report_section(report, "pprof", "In pprof") == 0) {
		ep_report_note(report,
		               "%s holds %s's peak minus %s's, as pprof -diff_base shows it. "
		               "From this directory, go tool pprof -http=: %s browses it and "
		               "go tool pprof -top %s prints its table.",
		               name, b_name, a_name, name, name);
		ep_report_note(
		        report,
		        "heap.diff: go tool pprof -sample_index=inuse_space -top -base=%s %s",
		        a_relative, b_relative);
	}
	ep_log_info(&cli->log, "peak diff written: %s", out);
done:
	ep_profile_free(pa);
	ep_profile_free(pb);
}

int ep_analysis_compare(struct ep_cli *cli, const char *a_name, const char *b_name,
                        const char *fail_on)
{
	char err[1024], a_dir[PATH_MAX], b_dir[PATH_MAX], base[PATH_MAX * 2];
	struct ep_report *report = NULL;
	struct analysis_plugins analyzers = { 0 };
	struct ep_gate_rule *rules = NULL;
	struct ep_gate_verdict *verdicts = NULL;
	struct analysis_run_set a_set = { 0 }, b_set = { 0 };
	struct analysis_figures a_figures = { 0 }, b_figures = { 0 };
	size_t rule_count = 0;
	double alpha = 0.05;
	if (ep_config_get_double(cli->config, "compare", "alpha", &alpha) < 0 || !(alpha > 0) ||
	    !(alpha < 1)) {
		ep_log_error(
		        &cli->log,
		        "[compare] alpha must be a number between 0 and 1, e.g. 0.05 (--alpha)");
		return EP_EXIT_USAGE;
	}
	if (fail_on != NULL && ep_gate_parse(fail_on, &rules, &rule_count, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		return EP_EXIT_USAGE;
	}
	struct ep_host_context context = analysis_context(cli);
	int status = EP_EXIT_FAILURE;
	ep_run_resolve_directory(cli, a_name, a_dir, sizeof(a_dir));
	ep_run_resolve_directory(cli, b_name, b_dir, sizeof(b_dir));
	if (analysis_run_set_load(a_dir, &a_set, err, sizeof(err)) < 0 ||
	    analysis_run_set_load(b_dir, &b_set, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		goto done;
	}
	analysis_start_analyzers(cli, &context, &analyzers, false);
	/* Pairing i compares repetition i mod n of each side; the comparison
	 * reports each side's figures, so every repetition of both sides is
	 * read once through any analyzer's compare(). */
	size_t pairings = a_set.count > b_set.count ? a_set.count : b_set.count;
	a_figures.slots = a_set.count;
	b_figures.slots = b_set.count;
	for (size_t i = 0; i < pairings; i++) {
		struct ep_report *pairing = NULL;
		if (analysis_compare_build(cli, &analyzers, a_set.directories[i % a_set.count],
		                           b_set.directories[i % b_set.count],
		                           &pairing) != EP_EXIT_OK)
			goto done;
		if (i == 0 && analysis_gates_check_ids(cli, ep_report_document(pairing), rules,
		                                       rule_count) < 0) {
			ep_report_free(pairing);
			status = EP_EXIT_USAGE;
			goto done;
		}
		if (a_set.repeated || b_set.repeated)
			analysis_collect_comparisons(ep_report_document(pairing), &a_figures,
			                             i < a_set.count ? i : SIZE_MAX, &b_figures,
			                             i < b_set.count ? i : SIZE_MAX);
		if (i == 0)
			report = pairing;
		else
			ep_report_free(pairing);
	}
	if (a_set.repeated || b_set.repeated)
		analysis_apply_statistics(report, &a_figures, &b_figures, alpha);
	analysis_statistics_section(report, a_set.count, b_set.count, alpha);
	if (rule_count > 0) {
		verdicts = calloc(rule_count, sizeof(*verdicts));
		if (verdicts == NULL)
			goto done;
		if (analysis_gates_evaluate(cli, ep_report_document(report), rules, rule_count,
		                            verdicts) < 0) {
			status = EP_EXIT_USAGE;
			goto done;
		}
		analysis_gates_report(report, rules, rule_count, verdicts);
	}
	char comparisons[PATH_MAX + 16];
	snprintf(comparisons, sizeof(comparisons), "%s/comparisons",
	         ep_config_get(cli->config, "core", "output_dir"));
	int rc = ep_mkdir_parents(comparisons);
	if (rc < 0) {
		ep_log_error(&cli->log, "cannot create %s: %s", comparisons, strerror(-rc));
		goto done;
	}
	snprintf(base, sizeof(base), "%s/%s-vs-%s", comparisons, ep_path_basename(a_name),
	         ep_path_basename(b_name));
	analysis_write_peak_diff(cli, report, a_set.directories[0], ep_path_basename(a_name),
	                         b_set.directories[0], ep_path_basename(b_name), base);
	status = analysis_finish(cli, &context, report, base, "comparison written");
	if (rule_count > 0 && analysis_gates_print(cli, rules, rule_count, verdicts) > 0 &&
	    status == EP_EXIT_OK)
		status = EP_EXIT_REGRESSION;
done:
	free(verdicts);
	free(rules);
	analysis_figures_free(&a_figures);
	analysis_figures_free(&b_figures);
	analysis_run_set_free(&a_set);
	analysis_run_set_free(&b_set);
	analysis_release(&analyzers);
	analysis_context_end(&context);
	ep_report_free(report);
	return status;
}

/* ---- checking the configuration first ------------------------------------- */

/* Creates and destroys each plugin of kind the list names: init() checks
 * the plugin's settings (the category analyzers compile their regexes
 * there), so a bad one stops the command before any work. */
static int analysis_check_plugins(struct ep_cli *cli, const struct ep_host_context *context,
                                  enum ep_plugin_kind kind, const char *key)
{
	char *copy = strdup(ep_config_get(cli->config, "run", key)
	                            ? ep_config_get(cli->config, "run", key)
	                            : "");
	if (copy == NULL)
		return EP_EXIT_FAILURE;
	int status = EP_EXIT_OK;
	char *cursor = copy, *name;
	while (status == EP_EXIT_OK && (name = strsep(&cursor, ",")) != NULL) {
		name += strspn(name, " ");
		name[strcspn(name, " ")] = '\0';
		if (*name == '\0')
			continue;
		const struct ep_plugin *plugin = ep_plugin_registry_find(&cli->plugins, kind, name);
		if (plugin == NULL) {
			ep_log_error(
			        &cli->log,
			        "[run] %s: no %s plugin named '%s' is installed (see e2e-profile "
			        "plugins)",
			        key, ep_plugin_kind_name(kind), name);
			status = EP_EXIT_USAGE;
			break;
		}
		struct ep_instance *instance = NULL;
		int rc = ep_instance_create(plugin, context, &instance);
		if (rc == -EINVAL) {
			/* The plugin logged which of its settings is wrong. */
			status = EP_EXIT_USAGE;
		} else if (rc < 0) {
			ep_log_error(&cli->log, "%s %s failed to initialize: %s",
			             ep_plugin_kind_name(kind), name, strerror(-rc));
			status = EP_EXIT_FAILURE;
		}
		ep_instance_destroy(instance);
	}
	free(copy);
	return status;
}

static int analysis_check_rule(void *context, const char *section)
{
	struct ep_cli *cli = context;
	struct analysis_rule rule;
	if (analysis_resolve_rule(cli->config, section, &rule) >= 0)
		return 0;
	ep_log_error(&cli->log, "[%s] needs metric, advice, and one of above, below or equals",
	             section);
	return -EINVAL;
}

int ep_analysis_check_config(struct ep_cli *cli)
{
	/* Only the errors of this trial instantiation matter; its warnings
	 * come again when the plugins run for real, and once is enough. */
	enum ep_log_level threshold = cli->log.threshold;
	if (threshold > EP_LOG_ERROR)
		cli->log.threshold = EP_LOG_ERROR;
	struct ep_host_context context = analysis_context(cli);
	int status = analysis_check_plugins(cli, &context, EP_PLUGIN_KIND_ANALYZER, "analyzers");
	if (status == EP_EXIT_OK)
		status =
		        analysis_check_plugins(cli, &context, EP_PLUGIN_KIND_REPORTER, "reporters");
	if (status == EP_EXIT_OK &&
	    ep_config_foreach_section(cli->config, "rule.", analysis_check_rule, cli) != 0)
		status = EP_EXIT_USAGE;
	analysis_context_end(&context);
	cli->log.threshold = threshold;
	return status;
}

int ep_analysis_check_fail_on(const char *text, char *err, size_t errlen)
{
	struct ep_gate_rule *rules = NULL;
	size_t count = 0;
	int rc = ep_gate_parse(text, &rules, &count, err, errlen);
	free(rules);
	return rc;
}
