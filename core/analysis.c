/* The analysis pipeline shared by `analyze`, the end of `run`, and
 * `compare`: run.json in, a report document through the analyzers, the
 * recommendation rules and --fail-on over its figures, reporters out. */
#include "analysis.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format.h"
#include "fsutil.h"
#include "host_api.h"
#include "json_reader.h"
#include "report.h"
#include "summary.h"

struct ep_loaded_run {
	struct ep_run_info info;
	struct ep_snapshot_info *snapshots;
	struct ep_json_document *json;
	char *directory;
	char **paths;
};

/* ---- run.json ------------------------------------------------------------ */

void ep_loaded_run_free(struct ep_loaded_run *run)
{
	if (run == NULL)
		return;
	for (size_t i = 0; i < run->info.snapshot_count; i++)
		free(run->paths[i]);
	free(run->paths);
	free(run->snapshots);
	free(run->directory);
	ep_json_free(run->json);
	free(run);
}

const struct ep_run_info *ep_loaded_run_info(const struct ep_loaded_run *run)
{
	return &run->info;
}

int ep_run_load(const char *directory, struct ep_loaded_run **out, char *err, size_t errlen)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/run.json", directory);
	struct stat st;
	if (stat(directory, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: no such run directory", directory);
		return -ENOENT;
	}
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "%s: no run.json here; not a run directory?", directory);
		return -ENOENT;
	}
	struct ep_loaded_run *run = calloc(1, sizeof(*run));
	if (run == NULL)
		return -ENOMEM;
	int rc = ep_json_parse_file(path, &run->json, err, errlen);
	if (rc < 0)
		goto error;
	const struct ep_json *root = ep_json_root(run->json);
	if (strcmp(ep_json_get_string(root, "schema", ""), "e2e-profile/run") != 0 ||
	    ep_json_get_int(root, "schema_version", 0) != 1) {
		snprintf(err, errlen, "%s: not an e2e-profile run manifest (schema version 1)",
		         path);
		rc = -EINVAL;
		goto error;
	}
	run->directory = strdup(directory);
	const struct ep_json *snapshots = ep_json_get(root, "snapshots");
	size_t total = snapshots && snapshots->type == EP_JSON_ARRAY ? snapshots->count : 0;
	run->snapshots = calloc(total ? total : 1, sizeof(*run->snapshots));
	run->paths = calloc(total ? total : 1, sizeof(*run->paths));
	if (run->directory == NULL || run->snapshots == NULL || run->paths == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	for (size_t i = 0; i < total; i++) {
		const struct ep_json *s = &snapshots->items[i];
		const char *file = ep_json_get_string(s, "file", NULL);
		if (!ep_json_get_bool(s, "ok", false) || file == NULL)
			continue;
		size_t n = run->info.snapshot_count;
		size_t len = strlen(directory) + strlen(file) + 2;
		run->paths[n] = malloc(len);
		if (run->paths[n] == NULL) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto error;
		}
		snprintf(run->paths[n], len, "%s/%s", directory, file);
		run->snapshots[n] = (struct ep_snapshot_info){
			.index = (uint32_t)ep_json_get_int(s, "index", 0),
			.kind = ep_json_get_string(s, "kind", ""),
			.path = run->paths[n],
			.time_unix_ns = ep_json_get_int(s, "time_unix_ns", 0),
			.offset_seconds = ep_json_get_double(s, "offset_seconds", 0),
			.source = ep_json_get_string(s, "source", ""),
		};
		run->info.snapshot_count++;
	}
	const struct ep_json *command = ep_json_get(root, "command");
	const struct ep_json *exit_status = ep_json_get(command, "exit_status");
	run->info.name = ep_json_get_string(root, "name", "");
	run->info.directory = run->directory;
	run->info.snapshots = run->snapshots;
	run->info.status = ep_json_get_string(root, "status", "unknown");
	run->info.started_unix_ns = ep_json_get_int(root, "started_unix_ns", 0);
	run->info.ended_unix_ns = ep_json_get_int(root, "ended_unix_ns", 0);
	run->info.command_exit_status =
	        exit_status && exit_status->type == EP_JSON_NUMBER ? (int)exit_status->integer : -1;
	run->info.failed_count = (size_t)ep_json_get_int(ep_json_get(root, "counts"), "failed", 0);
	run->info.interval_seconds =
	        ep_json_get_int(ep_json_get(root, "settings"), "interval_seconds", 0);
	*out = run;
	return 0;

error:
	ep_loaded_run_free(run);
	return rc;
}

void ep_run_resolve_directory(const struct ep_cli *cli, const char *name_or_dir, char *out,
                              size_t len)
{
	struct stat st;
	char manifest[PATH_MAX + 16];
	snprintf(manifest, sizeof(manifest), "%s/run.json", name_or_dir);
	if (strchr(name_or_dir, '/') != NULL || stat(manifest, &st) == 0) {
		snprintf(out, len, "%s", name_or_dir);
		return;
	}
	snprintf(out, len, "%s/%s", ep_config_get(cli->config, "core", "output_dir"), name_or_dir);
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

static int analysis_walk_config_rule(void *context, const char *section)
{
	struct analysis_rule_walk *walk = context;
	struct analysis_rule rule;
	if (analysis_config_rule(walk->config, section, &rule) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(analysis_builtin_rules) / sizeof(analysis_builtin_rules[0]);
	     i++)
		if (strcmp(analysis_builtin_rules[i].name, rule.name) == 0 && rule.metric == NULL) {
			/* Only `enabled` (or advice) given: tweak the built-in. */
			const char *advice = rule.advice;
			rule = analysis_builtin_rules[i];
			if (advice != NULL)
				rule.advice = advice;
		}
	if (rule.metric == NULL || rule.advice == NULL ||
	    (rule.equals == NULL && isnan(rule.above) && isnan(rule.below))) {
		ep_log_warn(walk->log,
		            "[%s] needs metric, advice, and one of above, below or equals; skipped",
		            section);
		return 0;
	}
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

/* ---- analyze ---------------------------------------------------------------- */

static void analysis_run_section(struct ep_report *report, const struct ep_run_info *run)
{
	ep_report_set_origin(report, "core");
	ep_report_section(report, "run", "Run");
	ep_report_metric(report, "run.name", "Run", ep_value_text(run->name), EP_UNIT_NONE);
	ep_report_metric(report, "run.status", "Status", ep_value_text(run->status), EP_UNIT_NONE);
	ep_report_metric(report, "run.snapshots", "Snapshots",
	                 ep_value_int((int64_t)run->snapshot_count), EP_UNIT_COUNT);
	ep_report_metric(report, "run.failed", "Failed snapshot attempts",
	                 ep_value_int((int64_t)run->failed_count), EP_UNIT_COUNT);
	ep_report_metric(report, "run.duration_seconds", "Duration",
	                 ep_value_double(analysis_run_seconds(run)), EP_UNIT_SECONDS);
	if (run->command_exit_status >= 0)
		ep_report_metric(report, "run.exit_status", "Test command exit status",
		                 ep_value_int(run->command_exit_status), EP_UNIT_NONE);
}

static int analysis_render(struct ep_cli *cli, const struct ep_host_context *context,
                           struct ep_report *report, const char *base_path)
{
	struct analysis_plugins reporters;
	analysis_instantiate(cli, context, EP_PLUGIN_KIND_REPORTER,
	                     ep_config_get(cli->config, "run", "reporters"), &reporters);
	if (reporters.count == 0) {
		ep_log_error(&cli->log, "no reporter plugin is installed; nothing written");
		analysis_release(&reporters);
		return EP_EXIT_FAILURE;
	}
	int status = EP_EXIT_OK;
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

int ep_analysis_analyze(struct ep_cli *cli, const char *directory)
{
	char err[1024], base[PATH_MAX + 16];
	struct ep_loaded_run *run = NULL;
	struct ep_report *report = NULL;
	struct analysis_plugins analyzers = { 0 };
	struct ep_host_context context = analysis_context(cli);
	int status = EP_EXIT_FAILURE;
	if (ep_run_load(directory, &run, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		goto done;
	}
	const struct ep_run_info *info = ep_loaded_run_info(run);
	if (ep_report_new("analysis", info->name, info->name, NULL, &report) < 0)
		goto done;
	analysis_run_section(report, info);
	analysis_instantiate(cli, &context, EP_PLUGIN_KIND_ANALYZER,
	                     ep_config_get(cli->config, "run", "analyzers"), &analyzers);
	if (analyzers.count == 0)
		ep_log_warn(&cli->log,
		            "no analyzer plugin is installed; the report has the run only");
	for (size_t i = 0; i < analyzers.count; i++) {
		struct ep_instance *instance = analyzers.instances[i];
		ep_report_set_origin(report, instance->plugin->section);
		ep_log_debug(&cli->log, "running %s", instance->plugin->section);
		int rc = instance->plugin->descriptor->analyzer->analyze(
		        instance->state, info, (struct ep_report *)report);
		if (rc < 0)
			ep_log_warn(&cli->log, "analyzer %s failed (%s); its section is missing",
			            instance->plugin->descriptor->name, strerror(-rc));
	}
	analysis_recommend(cli, report);
	snprintf(base, sizeof(base), "%s/analysis", directory);
	status = analysis_finish(cli, &context, report, base, "reports written");
done:
	analysis_release(&analyzers);
	analysis_context_end(&context);
	ep_report_free(report);
	ep_loaded_run_free(run);
	return status;
}

/* ---- compare ------------------------------------------------------------------ */

struct analysis_fail_rule {
	char id[128];
	char op[3];
	double threshold;
	bool percent;
};

static int analysis_parse_amount(const char *text, double *value, bool *percent)
{
	char *end;
	*value = strtod(text, &end);
	if (end == text)
		return -EINVAL;
	*percent = false;
	static const struct {
		const char *suffix;
		double factor;
	} suffixes[] = { { "%", 1 },
		         { "B", 1 },
		         { "kB", 1024.0 },
		         { "MB", 1048576.0 },
		         { "GB", 1073741824.0 },
		         { "s", 1 },
		         { "", 1 } };
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (strcmp(end, suffixes[i].suffix) == 0) {
			*percent = i == 0;
			*value *= suffixes[i].factor;
			return 0;
		}
	}
	return -EINVAL;
}

/* Parses "peak>+10%,category.openapi>+5%". */
static int analysis_parse_fail_on(const char *text, struct analysis_fail_rule **rules,
                                  size_t *count, char *err, size_t errlen)
{
	*rules = NULL;
	*count = 0;
	char *copy = strdup(text);
	if (copy == NULL)
		return -ENOMEM;
	int rc = 0;
	char *cursor = copy, *item;
	while ((item = strsep(&cursor, ",")) != NULL) {
		item += strspn(item, " ");
		if (*item == '\0')
			continue;
		size_t id_len = strcspn(item, "<>");
		struct analysis_fail_rule rule = { 0 };
		if (id_len == 0 || id_len >= sizeof(rule.id) || item[id_len] == '\0') {
			snprintf(err, errlen, "--fail-on: '%s' is not ID>VALUE or ID<VALUE", item);
			rc = -EINVAL;
			break;
		}
		memcpy(rule.id, item, id_len);
		rule.id[strcspn(rule.id, " ")] = '\0';
		const char *op = item + id_len;
		size_t op_len = op[1] == '=' ? 2 : 1;
		memcpy(rule.op, op, op_len);
		const char *amount = op + op_len;
		amount += strspn(amount, " ");
		if (analysis_parse_amount(amount, &rule.threshold, &rule.percent) < 0) {
			snprintf(err, errlen,
			         "--fail-on: '%s': the limit must be a number, a percentage "
			         "(+10%%) or bytes (5MB)",
			         item);
			rc = -EINVAL;
			break;
		}
		struct analysis_fail_rule *grown = realloc(*rules, (*count + 1) * sizeof(*grown));
		if (grown == NULL) {
			rc = -ENOMEM;
			break;
		}
		*rules = grown;
		(*rules)[(*count)++] = rule;
	}
	free(copy);
	if (rc < 0) {
		free(*rules);
		*rules = NULL;
		*count = 0;
	}
	return rc;
}

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

static void analysis_format_amount(char *buf, size_t len, double value, const char *unit)
{
	if (strcmp(unit, "bytes") == 0)
		ep_format_value(buf, len, (int64_t)llround(value), "bytes", "auto");
	else
		snprintf(buf, len, "%.6g%s%s", value, *unit ? " " : "", unit);
}

/* Checks every rule; logs each broken one. Returns the number broken, or
 * -EINVAL when a rule names a figure the comparison lacks. */
static const struct ep_report_column analysis_gate_columns[] = {
	{ "rule", "rule", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "result", "result", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "a", "A", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "b", "B", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "change", "change", EP_VALUE_TEXT, EP_UNIT_NONE },
};

/* One row of the document's "gates" table, which the summary shows. */
static void analysis_record_gate(struct ep_report *report, const struct analysis_fail_rule *rule,
                                 const char *result, const char *a, const char *b,
                                 const char *change)
{
	char text[160];
	if (rule->percent)
		snprintf(text, sizeof(text), "%s%s%+g%%", rule->id, rule->op, rule->threshold);
	else
		snprintf(text, sizeof(text), "%s%s%g", rule->id, rule->op, rule->threshold);
	const struct ep_value cells[] = { ep_value_text(text), ep_value_text(result),
		                          ep_value_text(a), ep_value_text(b),
		                          ep_value_text(change) };
	ep_report_row(report, cells);
}

static int analysis_check_fail_on(struct ep_cli *cli, struct ep_report *report,
                                  const struct analysis_fail_rule *rules, size_t count)
{
	int broken = 0;
	const struct ep_report_document *document = ep_report_document(report);
	/* Rules are checked before the reporters run, so every report (and
	 * the summary) shows each gate passed or FAILED. */
	const struct ep_report_comparison **found = calloc(count ? count : 1, sizeof(*found));
	if (found == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		found[i] = analysis_find_comparison(document, rules[i].id);
		if (found[i] == NULL) {
			ep_log_error(&cli->log, "--fail-on: the comparison has no figure '%s'",
			             rules[i].id);
			free(found);
			return -EINVAL;
		}
	}
	ep_report_set_origin(report, "core");
	ep_report_section(report, "gates", "Gates");
	ep_report_table(report, "gates", "Gates (--fail-on)",
	                sizeof(analysis_gate_columns) / sizeof(analysis_gate_columns[0]),
	                analysis_gate_columns);
	for (size_t i = 0; i < count; i++) {
		const struct analysis_fail_rule *rule = &rules[i];
		const struct ep_report_comparison *c = found[i];
		if (c->a.type == EP_VALUE_NONE || c->b.type == EP_VALUE_NONE ||
		    c->a.type == EP_VALUE_TEXT || c->b.type == EP_VALUE_TEXT) {
			ep_log_warn(&cli->log, "--fail-on: %s is missing in a run; not checked",
			            rule->id);
			analysis_record_gate(report, rule, "not checked", "n/a", "n/a", "n/a");
			continue;
		}
		double a = analysis_value_number(&c->a), b = analysis_value_number(&c->b);
		double change = b - a;
		double measured = change;
		if (rule->percent)
			measured = a != 0 ? change / fabs(a) * 100 : (change == 0 ? 0 : INFINITY);
		bool breaks = (strcmp(rule->op, ">") == 0 && measured > rule->threshold) ||
		              (strcmp(rule->op, ">=") == 0 && measured >= rule->threshold) ||
		              (strcmp(rule->op, "<") == 0 && measured < rule->threshold) ||
		              (strcmp(rule->op, "<=") == 0 && measured <= rule->threshold);
		char a_text[64], b_text[64], limit[64];
		analysis_format_amount(a_text, sizeof(a_text), a, c->unit);
		analysis_format_amount(b_text, sizeof(b_text), b, c->unit);
		if (rule->percent)
			snprintf(limit, sizeof(limit), "%+g%%", rule->threshold);
		else
			analysis_format_amount(limit, sizeof(limit), rule->threshold, c->unit);
		char change_text[64];
		if (rule->percent)
			snprintf(change_text, sizeof(change_text), "%+.1f%%", measured);
		else
			analysis_format_amount(change_text, sizeof(change_text), change, c->unit);
		analysis_record_gate(report, rule, breaks ? "FAILED" : "passed", a_text, b_text,
		                     change_text);
		if (breaks) {
			broken++;
			ep_log_error(&cli->log,
			             "regression: %s went from %s to %s (%s), breaking %s%s%s",
			             rule->id, a_text, b_text, change_text, rule->id, rule->op,
			             limit);
		} else {
			ep_log_info(&cli->log, "fail-on %s%s%s holds: %s -> %s (%s)", rule->id,
			            rule->op, limit, a_text, b_text, change_text);
		}
	}
	free(found);
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

static const char *analysis_basename(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *slash = NULL;
	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			slash = path + i;
	return slash ? slash + 1 : path;
}

int ep_analysis_compare(struct ep_cli *cli, const char *a_name, const char *b_name,
                        const char *fail_on)
{
	char err[1024], a_dir[PATH_MAX], b_dir[PATH_MAX], base[PATH_MAX * 2];
	struct ep_loaded_run *a = NULL, *b = NULL;
	struct ep_report *report = NULL;
	struct analysis_plugins analyzers = { 0 };
	struct analysis_fail_rule *rules = NULL;
	size_t rule_count = 0;
	struct ep_host_context context = analysis_context(cli);
	int status = EP_EXIT_FAILURE;
	if (fail_on != NULL &&
	    analysis_parse_fail_on(fail_on, &rules, &rule_count, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		analysis_context_end(&context);
		return EP_EXIT_USAGE;
	}
	ep_run_resolve_directory(cli, a_name, a_dir, sizeof(a_dir));
	ep_run_resolve_directory(cli, b_name, b_dir, sizeof(b_dir));
	if (ep_run_load(a_dir, &a, err, sizeof(err)) < 0 ||
	    ep_run_load(b_dir, &b, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		goto done;
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
	if (ep_report_new("comparison", title, ai->name, bi->name, &report) < 0)
		goto done;
	analysis_compare_run_section(report, ai, bi);
	analysis_instantiate(cli, &context, EP_PLUGIN_KIND_ANALYZER,
	                     ep_config_get(cli->config, "run", "analyzers"), &analyzers);
	for (size_t i = 0; i < analyzers.count; i++) {
		struct ep_instance *instance = analyzers.instances[i];
		const struct ep_analyzer_ops *ops = instance->plugin->descriptor->analyzer;
		if (ops->compare == NULL)
			continue;
		ep_report_set_origin(report, instance->plugin->section);
		if (ops->compare(instance->state, ai, bi, report) < 0)
			ep_log_warn(&cli->log,
			            "analyzer %s could not compare; its section is missing",
			            instance->plugin->descriptor->name);
	}
	char comparisons[PATH_MAX + 16];
	snprintf(comparisons, sizeof(comparisons), "%s/comparisons",
	         ep_config_get(cli->config, "core", "output_dir"));
	int rc = ep_mkdir_parents(comparisons);
	if (rc < 0) {
		ep_log_error(&cli->log, "cannot create %s: %s", comparisons, strerror(-rc));
		goto done;
	}
	snprintf(base, sizeof(base), "%s/%s-vs-%s", comparisons, analysis_basename(a_name),
	         analysis_basename(b_name));
	int broken = rule_count > 0 ? analysis_check_fail_on(cli, report, rules, rule_count) : 0;
	status = analysis_finish(cli, &context, report, base, "comparison written");
	if (broken < 0)
		status = EP_EXIT_USAGE;
	else if (broken > 0 && status == EP_EXIT_OK)
		status = EP_EXIT_REGRESSION;
done:
	free(rules);
	analysis_release(&analyzers);
	analysis_context_end(&context);
	ep_report_free(report);
	ep_loaded_run_free(a);
	ep_loaded_run_free(b);
	return status;
}
