/* Reading a run directory for analysis: its run.json, or the numbered
 * snapshots of a directory the earlier tools left (run_seed.c), into the
 * struct ep_run_info the analyzers receive (analysis.h). */
#include "analysis.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "json_reader.h"
#include "run_seed.h"

struct ep_loaded_run {
	struct ep_run_info info;
	struct ep_snapshot_info *snapshots;
	struct ep_json_document *json;
	struct ep_seed_run seed; /* what a directory without run.json holds */
	char *directory;
	char **paths;
	char *name;         /* a seed run's name: its directory's */
	char inferred[512]; /* for the report: what was inferred, "" for a manifest */
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
	free(run->name);
	ep_json_free(run->json);
	ep_seed_run_free(&run->seed);
	free(run);
}

const struct ep_run_info *ep_loaded_run_info(const struct ep_loaded_run *run)
{
	return &run->info;
}

const char *ep_loaded_run_inferred(const struct ep_loaded_run *run)
{
	return run->inferred[0] ? run->inferred : NULL;
}

const struct ep_json *ep_loaded_run_snapshots(const struct ep_loaded_run *run)
{
	return run->json != NULL ? ep_json_get(ep_json_root(run->json), "snapshots") : NULL;
}

/* A directory of numbered snapshots without run.json: the run's name is the
 * directory's, its times come from the profiles, and the report says so. */
static int run_load_seed(const char *directory, uint64_t max_profile_bytes,
                         struct ep_loaded_run **out, char *err, size_t errlen)
{
	struct ep_loaded_run *run = calloc(1, sizeof(*run));
	if (run == NULL)
		return -ENOMEM;
	int rc = ep_seed_run_scan(directory, max_profile_bytes, &run->seed, err, errlen);
	if (rc < 0)
		goto error;
	if (run->seed.count == 0) {
		snprintf(
		        err, errlen,
		        "%s: no run.json and no numbered snapshots (heapN.pprof, cpuN.pprof, ...); "
		        "not a run directory?",
		        directory);
		rc = -ENOENT;
		goto error;
	}
	size_t count = run->seed.count;
	run->directory = strdup(directory);
	run->name = strdup(ep_path_basename(directory));
	run->snapshots = calloc(count, sizeof(*run->snapshots));
	run->paths = calloc(count, sizeof(*run->paths));
	if (run->directory == NULL || run->name == NULL || run->snapshots == NULL ||
	    run->paths == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	size_t sources = 0;
	for (size_t i = 0; i < count; i++) {
		const struct ep_seed_snapshot *seed = &run->seed.snapshots[i];
		size_t len = strlen(directory) + strlen(seed->file) + 2;
		run->paths[i] = malloc(len);
		if (run->paths[i] == NULL) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto error;
		}
		snprintf(run->paths[i], len, "%s/%s", directory, seed->file);
		run->snapshots[i] = (struct ep_snapshot_info){
			.index = seed->index,
			.kind = seed->kind,
			.path = run->paths[i],
			.time_unix_ns = seed->time_unix_ns,
			.offset_seconds = seed->time_unix_ns ? (double)(seed->time_unix_ns -
			                                                run->seed.first_unix_ns) /
			                                               1e9
			                                     : 0,
			.source = seed->source,
		};
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(run->seed.snapshots[j].source, seed->source) == 0;
		sources += !seen;
		run->info.snapshot_count++;
	}
	run->info.name = run->name;
	run->info.directory = run->directory;
	run->info.snapshots = run->snapshots;
	run->info.status = "imported";
	run->info.started_unix_ns = run->seed.first_unix_ns;
	run->info.ended_unix_ns = run->seed.last_unix_ns;
	run->info.command_exit_status = -1;
	snprintf(run->inferred, sizeof(run->inferred),
	         "Imported: this directory has no run.json. %zu snapshots were found by their "
	         "file names in %zu %s, ordered by their numbers; times come from each "
	         "profile's time_nanos%s. The test command, its exit status and failed "
	         "snapshot attempts are unknown.",
	         count, sources, sources == 1 ? "directory" : "directories",
	         run->seed.untimed ? " (some have none, so durations are partial)" : "");
	*out = run;
	return 0;

error:
	ep_loaded_run_free(run);
	return rc;
}

int ep_run_load(const char *directory, uint64_t max_profile_bytes, struct ep_loaded_run **out,
                char *err, size_t errlen)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/run.json", directory);
	struct stat st;
	if (stat(directory, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: no such run directory", directory);
		return -ENOENT;
	}
	if (stat(path, &st) < 0)
		return run_load_seed(directory, max_profile_bytes, out, err, errlen);
	struct ep_loaded_run *run = calloc(1, sizeof(*run));
	if (run == NULL)
		return -ENOMEM;
	int rc = ep_json_parse_file(path, &run->json, err, errlen);
	if (rc < 0)
		goto error;
	const struct ep_json *root = ep_json_root(run->json);
	if (strcmp(ep_json_get_string(root, "schema", ""), "e2e-profile/run") != 0) {
		snprintf(err, errlen, "%s: not an e2e-profile run manifest (schema version 1)",
		         path);
		rc = -EINVAL;
		goto error;
	}
	int64_t version = ep_json_get_int(root, "schema_version", 0);
	if (version > 1) {
		snprintf(err, errlen,
		         "%s: written by a newer version of e2e-profile (run manifest schema "
		         "version "
		         "%" PRId64 "; this one reads version 1): upgrade e2e-profile",
		         path, version);
		rc = -EPROTO;
		goto error;
	}
	if (version != 1) {
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
	run->info.test_started_unix_ns = ep_json_get_int(command, "started_unix_ns", 0);
	run->info.test_ended_unix_ns = ep_json_get_int(command, "ended_unix_ns", 0);
	if (run->info.test_ended_unix_ns < run->info.test_started_unix_ns)
		run->info.test_ended_unix_ns = run->info.test_started_unix_ns = 0;
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

int64_t ep_loaded_run_repetition(const struct ep_loaded_run *run)
{
	return run->json != NULL ? ep_json_get_int(ep_json_root(run->json), "repetition", 0) : 0;
}
