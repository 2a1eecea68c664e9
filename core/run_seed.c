/* Finding the snapshots of a run directory that has no run.json, so the
 * months of directories made by the earlier tools stay readable. */
#include "run_seed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pprof/decode.h"

/* Deeper than NAME/COMPONENT/POD/ is not a layout any tool wrote. */
#define SEED_MAX_DEPTH 2

static const char *const seed_kinds[] = { "heap", "cpu", "goroutine", "allocs" };

/* Matches "KINDN.pprof" with N a decimal number without sign; returns the
 * static kind name and sets index, or NULL. */
static const char *seed_match_name(const char *name, uint32_t *index)
{
	for (size_t k = 0; k < sizeof(seed_kinds) / sizeof(seed_kinds[0]); k++) {
		size_t kind_len = strlen(seed_kinds[k]);
		if (strncmp(name, seed_kinds[k], kind_len) != 0)
			continue;
		const char *digits = name + kind_len;
		size_t digit_count = strspn(digits, "0123456789");
		if (digit_count == 0 || digit_count > 9 ||
		    strcmp(digits + digit_count, ".pprof") != 0)
			continue;
		*index = (uint32_t)strtoul(digits, NULL, 10);
		return seed_kinds[k];
	}
	return NULL;
}

static int seed_add(struct ep_seed_run *run, size_t *capacity, const char *kind, uint32_t index,
                    const char *relative, const char *source)
{
	if (run->count == *capacity) {
		size_t grown = *capacity ? *capacity * 2 : 64;
		struct ep_seed_snapshot *snapshots =
		        realloc(run->snapshots, grown * sizeof(*snapshots));
		if (snapshots == NULL)
			return -ENOMEM;
		run->snapshots = snapshots;
		*capacity = grown;
	}
	struct ep_seed_snapshot *snapshot = &run->snapshots[run->count];
	*snapshot = (struct ep_seed_snapshot){ .kind = kind, .index = index };
	snapshot->file = strdup(relative);
	snapshot->source = strdup(source);
	if (snapshot->file == NULL || snapshot->source == NULL) {
		free(snapshot->file);
		free(snapshot->source);
		return -ENOMEM;
	}
	run->count++;
	return 0;
}

/* Adds the numbered snapshots of root/relative (relative is "" at the top)
 * and descends into its subdirectories up to SEED_MAX_DEPTH. lstat keeps a
 * symlinked directory or file from pulling in what lies outside the run. */
static int seed_walk(const char *root, const char *relative, int depth, struct ep_seed_run *run,
                     size_t *capacity, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int len = snprintf(path, sizeof(path), "%s%s%s", root, *relative ? "/" : "", relative);
	if (len < 0 || (size_t)len >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", root);
		return -ENAMETOOLONG;
	}
	DIR *directory = opendir(path);
	if (directory == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -errno;
	}
	int rc = 0;
	struct dirent *entry;
	while (rc == 0 && (entry = readdir(directory)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		char child[PATH_MAX], child_relative[PATH_MAX];
		int relative_len = snprintf(child_relative, sizeof(child_relative), "%s%s%s",
		                            relative, *relative ? "/" : "", entry->d_name);
		int child_len = snprintf(child, sizeof(child), "%s/%s", root, child_relative);
		/* A name too long for a path cannot be a snapshot we could open. */
		if (relative_len < 0 || (size_t)relative_len >= sizeof(child_relative) ||
		    child_len < 0 || (size_t)child_len >= sizeof(child))
			continue;
		struct stat info;
		if (lstat(child, &info) < 0)
			continue;
		uint32_t index;
		const char *kind;
		if (S_ISDIR(info.st_mode) && depth < SEED_MAX_DEPTH)
			rc = seed_walk(root, child_relative, depth + 1, run, capacity, err, errlen);
		else if (S_ISREG(info.st_mode) &&
		         (kind = seed_match_name(entry->d_name, &index)) != NULL)
			rc = seed_add(run, capacity, kind, index, child_relative, relative);
		if (rc == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", root);
	}
	closedir(directory);
	return rc;
}

static int seed_kind_rank(const char *kind)
{
	for (size_t k = 0; k < sizeof(seed_kinds) / sizeof(seed_kinds[0]); k++)
		if (strcmp(kind, seed_kinds[k]) == 0)
			return (int)k;
	return (int)(sizeof(seed_kinds) / sizeof(seed_kinds[0]));
}

/* By number first: the earlier tools numbered snapshots in time order,
 * while file times are lost in a copy. */
static int seed_compare(const void *left, const void *right)
{
	const struct ep_seed_snapshot *a = left, *b = right;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	int by_source = strcmp(a->source, b->source);
	if (by_source != 0)
		return by_source;
	return seed_kind_rank(a->kind) - seed_kind_rank(b->kind);
}

static void seed_read_times(const char *root, uint64_t max_profile_bytes, struct ep_seed_run *run)
{
	struct ep_profile_load_options options = { .max_decompressed_bytes = max_profile_bytes };
	for (size_t i = 0; i < run->count; i++) {
		struct ep_seed_snapshot *snapshot = &run->snapshots[i];
		char path[PATH_MAX], ignored[256];
		int len = snprintf(path, sizeof(path), "%s/%s", root, snapshot->file);
		struct ep_profile *profile = NULL;
		if (len > 0 && (size_t)len < sizeof(path) &&
		    ep_profile_load_file(path, &options, &profile, ignored, sizeof(ignored)) == 0)
			snapshot->time_unix_ns = profile->time_nanos > 0 ? profile->time_nanos : 0;
		ep_profile_free(profile);
		if (snapshot->time_unix_ns == 0) {
			run->untimed++;
			continue;
		}
		if (run->first_unix_ns == 0 || snapshot->time_unix_ns < run->first_unix_ns)
			run->first_unix_ns = snapshot->time_unix_ns;
		if (snapshot->time_unix_ns > run->last_unix_ns)
			run->last_unix_ns = snapshot->time_unix_ns;
	}
}

int ep_seed_run_scan(const char *directory, uint64_t max_profile_bytes, struct ep_seed_run *out,
                     char *err, size_t errlen)
{
	*out = (struct ep_seed_run){ 0 };
	size_t capacity = 0;
	int rc = seed_walk(directory, "", 0, out, &capacity, err, errlen);
	if (rc < 0) {
		ep_seed_run_free(out);
		return rc;
	}
	if (out->count > 1)
		qsort(out->snapshots, out->count, sizeof(*out->snapshots), seed_compare);
	seed_read_times(directory, max_profile_bytes, out);
	return 0;
}

void ep_seed_run_free(struct ep_seed_run *run)
{
	for (size_t i = 0; i < run->count; i++) {
		free(run->snapshots[i].file);
		free(run->snapshots[i].source);
	}
	free(run->snapshots);
	*run = (struct ep_seed_run){ 0 };
}
