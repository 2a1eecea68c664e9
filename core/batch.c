/* `batch FILE.ini`: every [run.NAME] section in file order, then every
 * [compare.NAME], then one summary table. A run's settings are applied at
 * the flag layer for its duration only, so one run's keys never leak into
 * the next. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "run.h"

static const struct ep_config_key batch_keys[] = {
	{ "stop_on_failure", EP_CONFIG_BOOL, "false",
	  "stop at the first run that fails instead of going on with the others" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_config_key batch_run_keys[] = {
	{ "command", EP_CONFIG_STRING, NULL,
	  "the test command, run with /bin/sh -c; without it, make TARGET (or collect when "
	  "duration is set)" },
	{ "collector", EP_CONFIG_STRING, NULL, "kubectl or http" },
	{ "url", EP_CONFIG_STRING, NULL, "http: base URL" },
	{ "namespace", EP_CONFIG_STRING, NULL, "kubectl: namespace" },
	{ "deployment", EP_CONFIG_STRING, NULL, "kubectl: deployment" },
	{ "selector", EP_CONFIG_STRING, NULL, "kubectl: label selector" },
	{ "port", EP_CONFIG_INT, NULL, "kubectl: pprof port in the pod" },
	{ "interval", EP_CONFIG_INT, NULL, "seconds between snapshots" },
	{ "profiles", EP_CONFIG_STRING, NULL, "heap,goroutine,allocs" },
	{ "cpu_duration", EP_CONFIG_INT, NULL, "length of each CPU profile" },
	{ "gc", EP_CONFIG_BOOL, NULL, "GC before each heap snapshot" },
	{ "target", EP_CONFIG_STRING, NULL, "make target when no command is given" },
	{ "duration", EP_CONFIG_INT, NULL, "collect for this many seconds instead of a command" },
	{ "force", EP_CONFIG_BOOL, "false", "add to an existing run directory" },
	{ "repeat", EP_CONFIG_INT, NULL, "repetitions of the test command, each collected apart" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_config_key batch_compare_keys[] = {
	{ "a", EP_CONFIG_STRING, NULL, "the run before (name or directory)" },
	{ "b", EP_CONFIG_STRING, NULL, "the run after (name or directory)" },
	{ "fail_on", EP_CONFIG_STRING, NULL, "rules as for compare --fail-on" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_config_section_schema batch_schema[] = {
	{ "batch", false, false, batch_keys, "settings of the batch", NULL },
	{ "run", true, false, batch_run_keys, "[run.NAME]: one run", NULL },
	{ "compare", true, false, batch_compare_keys, "[compare.NAME]: one comparison", NULL },
	{ NULL, false, false, NULL, NULL, NULL },
};

/* Where each [run.NAME] key goes in the main configuration; a key with
 * several rows goes to each (both kubectl-based collectors find pods). */
static const struct {
	const char *key, *section, *target;
} batch_mapping[] = {
	{ "collector", "run", "collector" },
	{ "url", "collector.http", "url" },
	{ "namespace", "collector.kubectl", "namespace" },
	{ "deployment", "collector.kubectl", "deployment" },
	{ "selector", "collector.kubectl", "selector" },
	{ "port", "collector.kubectl", "port" },
	{ "namespace", "collector.apiserver", "namespace" },
	{ "deployment", "collector.apiserver", "deployment" },
	{ "selector", "collector.apiserver", "selector" },
	{ "port", "collector.apiserver", "port" },
	{ "interval", "run", "interval" },
	{ "profiles", "run", "profiles" },
	{ "cpu_duration", "run", "cpu_duration" },
	{ "gc", "run", "gc" },
	{ "target", "run", "target" },
	{ "duration", "run", "duration" },
	{ "repeat", "run", "repeat" },
};

struct batch_result {
	char kind[8];
	char name[128];
	const char *state; /* ok, failed, regression, skipped */
	int status;
};

struct batch_state {
	struct ep_cli *cli;
	struct ep_config *file;
	const char *path;
	struct batch_result *results;
	size_t count;
	bool stop_on_failure, stopped;
	bool compare_skipped; /* a comparison was skipped for a failed run: exit 1 */
};

static void batch_add(struct batch_state *batch, const char *kind, const char *name,
                      const char *state, int status)
{
	struct batch_result *grown =
	        realloc(batch->results, (batch->count + 1) * sizeof(*batch->results));
	if (grown == NULL)
		return;
	batch->results = grown;
	struct batch_result *r = &batch->results[batch->count++];
	snprintf(r->kind, sizeof(r->kind), "%s", kind);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->state = state;
	r->status = status;
}

static int batch_run(void *context, const char *section)
{
	struct batch_state *batch = context;
	struct ep_cli *cli = batch->cli;
	const char *name = section + strlen("run.");
	if (batch->stopped) {
		batch_add(batch, "run", name, "skipped", 0);
		return 0;
	}
	char err[512];
	int status = EP_EXIT_OK;
	for (size_t i = 0; i < sizeof(batch_mapping) / sizeof(batch_mapping[0]); i++) {
		const char *value = ep_config_get(batch->file, section, batch_mapping[i].key);
		if (value != NULL &&
		    ep_config_set(cli->config, batch_mapping[i].section, batch_mapping[i].target,
		                  value, EP_CONFIG_SOURCE_FLAG, batch->path, err,
		                  sizeof(err)) < 0) {
			ep_log_error(&cli->log, "[%s] %s", section, err);
			status = EP_EXIT_USAGE;
		}
	}
	if (status == EP_EXIT_OK &&
	    ep_config_check_plugins(cli->config, ep_plugin_registry_config_keys, &cli->plugins, err,
	                            sizeof(err)) < 0) {
		ep_log_error(&cli->log, "[%s] %s", section, err);
		status = EP_EXIT_USAGE;
	}
	const char *command = ep_config_get(batch->file, section, "command");
	int64_t duration = 0;
	ep_config_get_int(batch->file, section, "duration", &duration);
	bool force = false;
	ep_config_get_bool(batch->file, section, "force", &force);
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
	struct ep_run_options options = {
		.name = name,
		.collect_only = command == NULL && duration > 0,
		.command_argv = command ? argv : NULL,
		.verbose = cli->log.threshold >= EP_LOG_DEBUG,
		.force = force,
	};
	if (status == EP_EXIT_OK) {
		ep_log_info(&cli->log, "batch: run %s", name);
		status = ep_run_repeated(cli, &options);
	}
	for (size_t i = 0; i < sizeof(batch_mapping) / sizeof(batch_mapping[0]); i++)
		ep_config_unset(cli->config, batch_mapping[i].section, batch_mapping[i].target,
		                EP_CONFIG_SOURCE_FLAG);
	batch_add(batch, "run", name, status == EP_EXIT_OK ? "ok" : "failed", status);
	if (status != EP_EXIT_OK && batch->stop_on_failure)
		batch->stopped = true;
	return 0;
}

/* name when it is a [run.NAME] of this batch that failed or was skipped. */
static const char *batch_failed_run(const struct batch_state *batch, const char *name)
{
	for (size_t i = 0; i < batch->count; i++) {
		const struct batch_result *r = &batch->results[i];
		if (strcmp(r->kind, "run") == 0 && strcmp(r->name, name) == 0 &&
		    strcmp(r->state, "ok") != 0)
			return r->name;
	}
	return NULL;
}

static int batch_compare(void *context, const char *section)
{
	struct batch_state *batch = context;
	const char *name = section + strlen("compare.");
	const char *a = ep_config_get(batch->file, section, "a");
	const char *b = ep_config_get(batch->file, section, "b");
	if (batch->stopped) {
		batch_add(batch, "compare", name, "skipped", 0);
		return 0;
	}
	if (a == NULL || b == NULL) {
		ep_log_error(&batch->cli->log, "%s: [%s] needs both a and b", batch->path, section);
		batch_add(batch, "compare", name, "failed", EP_EXIT_USAGE);
		return 0;
	}
	const char *failed_run = batch_failed_run(batch, a);
	if (failed_run == NULL)
		failed_run = batch_failed_run(batch, b);
	if (failed_run != NULL) {
		/* Comparing would read what an earlier batch left in that
		 * directory, not this batch's run. */
		ep_log_error(&batch->cli->log,
		             "batch: compare %s skipped: run %s failed in this batch", name,
		             failed_run);
		batch_add(batch, "compare", name, "skipped", EP_EXIT_FAILURE);
		batch->compare_skipped = true;
		return 0;
	}
	ep_log_info(&batch->cli->log, "batch: compare %s (%s vs %s)", name, a, b);
	int status = ep_analysis_compare(batch->cli, a, b,
	                                 ep_config_get(batch->file, section, "fail_on"));
	batch_add(batch, "compare", name,
	          status == EP_EXIT_OK           ? "ok"
	          : status == EP_EXIT_REGRESSION ? "regression"
	                                         : "failed",
	          status);
	return 0;
}

static int batch_check_compare(void *context, const char *section)
{
	struct batch_state *batch = context;
	const char *fail_on = ep_config_get(batch->file, section, "fail_on");
	char err[512];
	if (fail_on == NULL || ep_analysis_check_fail_on(fail_on, err, sizeof(err)) == 0)
		return 0;
	ep_log_error(&batch->cli->log, "%s: [%s] fail_on: %s", batch->path, section, err);
	return -EINVAL;
}

int ep_cmd_batch(struct ep_cli *cli, int argc, char **argv)
{
	if (argc != 2) {
		ep_log_error(&cli->log, "batch: expected one FILE.ini");
		return EP_EXIT_USAGE;
	}
	struct batch_state batch = { .cli = cli, .path = argv[1] };
	char err[1024];
	/* batch prints one table for everything; not a summary per run. */
	cli->summary_to_stdout_off = true;
	if (ep_config_new(batch_schema, &batch.file) < 0)
		return EP_EXIT_FAILURE;
	if (ep_config_load_file(batch.file, batch.path, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		ep_config_free(batch.file);
		return EP_EXIT_USAGE;
	}
	ep_config_get_bool(batch.file, "batch", "stop_on_failure", &batch.stop_on_failure);
	/* A typo in a comparison's rule must not wait for the runs. */
	if (ep_config_foreach_section(batch.file, "compare.", batch_check_compare, &batch) != 0) {
		ep_config_free(batch.file);
		return EP_EXIT_USAGE;
	}
	ep_config_foreach_section(batch.file, "run.", batch_run, &batch);
	ep_config_foreach_section(batch.file, "compare.", batch_compare, &batch);

	bool failed = false, regressed = false;
	printf("%-8s %-24s %-11s %s\n", "KIND", "NAME", "RESULT", "EXIT");
	for (size_t i = 0; i < batch.count; i++) {
		const struct batch_result *r = &batch.results[i];
		printf("%-8s %-24s %-11s %d\n", r->kind, r->name, r->state, r->status);
		failed = failed || strcmp(r->state, "failed") == 0;
		regressed = regressed || strcmp(r->state, "regression") == 0;
	}
	if (batch.count == 0)
		ep_log_warn(&cli->log, "%s: no [run.NAME] or [compare.NAME] section", batch.path);
	free(batch.results);
	ep_config_free(batch.file);
	failed = failed || batch.compare_skipped;
	return failed ? EP_EXIT_FAILURE : regressed ? EP_EXIT_REGRESSION : EP_EXIT_OK;
}
