/* `run NAME --repeat N`: N repetitions of the test, each collected into
 * NAME/repK/ as a complete run of its own (its run.json, snapshots, logs
 * and reports), then NAME/run.json listing them and the summary analysis
 * over all of them (docs/run-json.md, "Repeated runs"). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analysis.h"
#include "ep-build-config.h"
#include "fsutil.h"
#include "json_writer.h"
#include "run.h"

struct repeat_outcome {
	int status;
	int64_t started_ns, ended_ns;
};

static int64_t repeat_now_unix_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int repeat_write_manifest(struct ep_cli *cli, const char *path,
                                 const struct ep_run_options *options, int64_t repeat,
                                 const struct repeat_outcome *outcomes, size_t done,
                                 const char *status)
{
	struct ep_atomic_file file;
	int rc = ep_atomic_file_open(&file, path);
	if (rc < 0)
		goto error;
	struct ep_json_writer json;
	ep_json_init(&json, file.stream);
	ep_json_begin_object(&json);
	ep_json_key(&json, "schema");
	ep_json_string(&json, "e2e-profile/repeated-run");
	ep_json_key(&json, "schema_version");
	ep_json_int(&json, 1);
	ep_json_key(&json, "tool_version");
	ep_json_string(&json, EP_VERSION);
	ep_json_key(&json, "name");
	ep_json_string(&json, options->name);
	ep_json_key(&json, "status");
	ep_json_string(&json, status);
	ep_json_key(&json, "repeat");
	ep_json_int(&json, repeat);
	ep_json_key(&json, "repetitions");
	ep_json_begin_array(&json);
	for (size_t i = 0; i < done; i++) {
		char dir[32];
		snprintf(dir, sizeof(dir), "rep%zu", i + 1);
		ep_json_begin_object(&json);
		ep_json_key(&json, "index");
		ep_json_int(&json, (int64_t)(i + 1));
		ep_json_key(&json, "directory");
		ep_json_string(&json, dir);
		ep_json_key(&json, "exit_status");
		ep_json_int(&json, outcomes[i].status);
		ep_json_key(&json, "started_unix_ns");
		ep_json_int(&json, outcomes[i].started_ns);
		ep_json_key(&json, "ended_unix_ns");
		ep_json_int(&json, outcomes[i].ended_ns);
		ep_json_end_object(&json);
	}
	ep_json_end_array(&json);
	ep_json_end_object(&json);
	rc = ep_atomic_file_commit(&file);
	if (rc < 0)
		goto error;
	return 0;
error:
	ep_log_error(&cli->log, "%s: cannot write: %s", path, strerror(-rc));
	return rc;
}

int ep_run_repeated(struct ep_cli *cli, const struct ep_run_options *options)
{
	int64_t repeat = 1;
	if (ep_config_get_int(cli->config, "run", "repeat", &repeat) < 0 || repeat < 1 ||
	    repeat > 1000) {
		ep_log_error(&cli->log, "[run] repeat must be a whole number from 1 to 1000 "
		                        "(--repeat N)");
		return EP_EXIT_USAGE;
	}
	if (repeat == 1)
		return ep_run_execute(cli, options);
	if (options->collect_only) {
		ep_log_error(&cli->log, "collect: --repeat needs a test command; use run");
		return EP_EXIT_USAGE;
	}
	const char *output_dir = ep_config_get(cli->config, "core", "output_dir");
	char directory[PATH_MAX], manifest[PATH_MAX + 16];
	snprintf(directory, sizeof(directory), "%s/%s", output_dir, options->name);
	snprintf(manifest, sizeof(manifest), "%s/run.json", directory);
	struct stat st;
	if (!options->force && stat(directory, &st) == 0) {
		ep_log_error(&cli->log,
		             "run directory %s already exists; choose another name, or --force to "
		             "add to it (nothing is deleted)",
		             directory);
		return EP_EXIT_USAGE;
	}
	struct repeat_outcome *outcomes = calloc((size_t)repeat, sizeof(*outcomes));
	if (outcomes == NULL)
		return EP_EXIT_FAILURE;
	int status = EP_EXIT_OK;
	size_t done = 0;
	const char *state = "completed";
	for (int64_t i = 1; i <= repeat; i++) {
		char dir[32];
		snprintf(dir, sizeof(dir), "rep%" PRId64, i);
		struct ep_run_options one = *options;
		one.repetition = (uint32_t)i;
		one.repetition_dir = dir;
		ep_log_info(&cli->log, "repetition %" PRId64 " of %" PRId64, i, repeat);
		outcomes[done].started_ns = repeat_now_unix_ns();
		int rc = ep_run_execute(cli, &one);
		outcomes[done].ended_ns = repeat_now_unix_ns();
		outcomes[done].status = rc;
		if (rc == EP_EXIT_USAGE && done == 0) {
			/* The first repetition refused its settings: nothing ran. */
			free(outcomes);
			return rc;
		}
		done++;
		if (rc != EP_EXIT_OK && status == EP_EXIT_OK)
			status = rc;
		/* A signal (128+N) ends the repetitions; a failing test does not. */
		if (rc > 128) {
			state = "interrupted";
			break;
		}
		if (rc == EP_EXIT_FAILURE || rc == EP_EXIT_USAGE) {
			state = "failed";
			break;
		}
		repeat_write_manifest(cli, manifest, options, repeat, outcomes, done, "running");
	}
	if (repeat_write_manifest(cli, manifest, options, repeat, outcomes, done, state) < 0) {
		free(outcomes);
		return EP_EXIT_FAILURE;
	}
	free(outcomes);
	if (status <= 128 && ep_analysis_summarize(cli, directory, false) != EP_EXIT_OK &&
	    status == EP_EXIT_OK)
		status = EP_EXIT_FAILURE;
	return status;
}
