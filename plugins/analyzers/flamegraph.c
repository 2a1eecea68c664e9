/* flamegraph: the stack trees behind the flame graphs (docs/flamegraph.md).
 *
 * An analysis gets the tree of the peak heap snapshot (in-use bytes, the
 * peak chosen as the heap analyzer chooses it) and the tree of every CPU
 * profile of the run summed (cpu nanoseconds). A comparison gets the same
 * two trees holding both runs, B's values and A's as the base, for the
 * differential flame graphs. The host builds the trees (tree_new,
 * tree_add), so frames are named exactly as `go tool pprof -top` names
 * them; reporters (flamegraph, html) draw them.
 *
 * Build: part of the tree (plugins/analyzers/meson.build).
 * Use: in [run] analyzers (on by default); no settings.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "analyzer_common.h"

#define FLAMEGRAPH_CPU_SAMPLE_TYPE "cpu"

struct flamegraph_analyzer {
	const struct ep_host_api *host;
	struct ep_instance *instance;
};

static int flamegraph_init(struct ep_instance *instance, const struct ep_host_api *host,
                           void **state)
{
	if (host->version < 2 || host->size < sizeof(struct ep_host_api)) {
		host->log(instance, EP_LOG_ERROR,
		          "the host is too old for flame graphs (host API version %u, need 2)",
		          (unsigned)host->version);
		return -ENOTSUP;
	}
	struct flamegraph_analyzer *self = host->alloc(sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	self->host = host;
	self->instance = instance;
	*state = self;
	return 0;
}

static void flamegraph_fini(void *state)
{
	struct flamegraph_analyzer *self = state;
	if (self != NULL)
		self->host->free(self);
}

static size_t flamegraph_count(const struct ep_run_info *run, const char *kind)
{
	size_t count = 0;
	for (size_t i = 0; i < run->snapshot_count; i++)
		count += strcmp(run->snapshots[i].kind, kind) == 0;
	return count;
}

/* Adds the peak heap snapshot of run to tree; *file is its name. */
static int flamegraph_add_peak(struct flamegraph_analyzer *self, const struct ep_run_info *run,
                               struct ep_tree *tree, bool base, char *file, size_t file_size)
{
	const struct ep_host_api *host = self->host;
	struct analyzer_heap_scan scan = { 0 };
	const struct ep_profile *peak = NULL;
	int rc = analyzer_heap_scan(host, self->instance, run, &scan);
	if (rc == 0)
		rc = analyzer_heap_load(host, self->instance, &scan.snapshots[scan.peak], &peak);
	if (rc == 0)
		rc = host->tree_add(self->instance, tree, peak, ANALYZER_INUSE_SPACE, base);
	if (rc == 0)
		snprintf(file, file_size, "%s",
		         analyzer_basename(scan.snapshots[scan.peak].snapshot->path));
	host->profile_release(self->instance, peak);
	analyzer_heap_scan_free(host, &scan);
	return rc;
}

/* Adds every readable CPU profile of run to tree; a profile that does not
 * load is left out (the host logged why), as the cpu analyzer does. */
static int flamegraph_add_cpu(struct flamegraph_analyzer *self, const struct ep_run_info *run,
                              struct ep_tree *tree, bool base, size_t *added)
{
	const struct ep_host_api *host = self->host;
	*added = 0;
	for (size_t i = 0; i < run->snapshot_count; i++) {
		if (strcmp(run->snapshots[i].kind, "cpu") != 0)
			continue;
		const struct ep_profile *profile = NULL;
		if (host->profile_load(self->instance, run->snapshots[i].path, &profile) < 0)
			continue;
		int rc = analyzer_sample_type_index(profile, FLAMEGRAPH_CPU_SAMPLE_TYPE) < 0
		                 ? 1
		                 : host->tree_add(self->instance, tree, profile,
		                                  FLAMEGRAPH_CPU_SAMPLE_TYPE, base);
		host->profile_release(self->instance, profile);
		if (rc < 0)
			return rc;
		*added += rc == 0;
	}
	return 0;
}

static int flamegraph_analyze(void *state, const struct ep_run_info *run, struct ep_report *report)
{
	struct flamegraph_analyzer *self = state;
	const struct ep_host_api *host = self->host;
	struct ep_tree *tree = NULL;
	char file[256], title[512];
	size_t cpu_profiles = 0;

	int rc = host->report_section(report, "flamegraph", "Flame graphs");
	if (rc < 0)
		return rc;
	if (flamegraph_count(run, "heap") > 0) {
		rc = host->tree_new(self->instance, &tree);
		if (rc == 0)
			rc = flamegraph_add_peak(self, run, tree, false, file, sizeof(file));
		if (rc == 0) {
			snprintf(title, sizeof(title), "%s: in-use memory at the peak (%s)",
			         run->name, file);
			rc = host->report_tree(report, "flamegraph.heap", title, tree);
		}
		host->tree_free(self->instance, tree);
		tree = NULL;
		if (rc < 0)
			return rc;
	}
	if (flamegraph_count(run, "cpu") > 0) {
		rc = host->tree_new(self->instance, &tree);
		if (rc == 0)
			rc = flamegraph_add_cpu(self, run, tree, false, &cpu_profiles);
		if (rc == 0 && cpu_profiles > 0) {
			snprintf(title, sizeof(title), "%s: CPU time of %zu profile(s) summed",
			         run->name, cpu_profiles);
			rc = host->report_tree(report, "flamegraph.cpu", title, tree);
		}
		host->tree_free(self->instance, tree);
		if (rc < 0)
			return rc;
	}
	return host->report_note(report,
	                         "A frame's width is its cumulative value, stacks merged from the "
	                         "root at function granularity as `go tool pprof` names functions; "
	                         "the folded stacks beside each flame graph sum to the profile's "
	                         "total.");
}

static int flamegraph_compare(void *state, const struct ep_run_info *a, const struct ep_run_info *b,
                              struct ep_report *report)
{
	struct flamegraph_analyzer *self = state;
	const struct ep_host_api *host = self->host;
	struct ep_tree *tree = NULL;
	char a_file[256], b_file[256], title[1024];
	size_t a_cpu = 0, b_cpu = 0;

	int rc = host->report_section(report, "flamegraph", "Differential flame graphs");
	if (rc < 0)
		return rc;
	if (flamegraph_count(a, "heap") > 0 && flamegraph_count(b, "heap") > 0) {
		rc = host->tree_new(self->instance, &tree);
		if (rc == 0)
			rc = flamegraph_add_peak(self, b, tree, false, b_file, sizeof(b_file));
		if (rc == 0)
			rc = flamegraph_add_peak(self, a, tree, true, a_file, sizeof(a_file));
		if (rc == 0) {
			snprintf(title, sizeof(title),
			         "In-use memory at the peak: %s (%s) vs %s (%s)", a->name, a_file,
			         b->name, b_file);
			rc = host->report_tree(report, "flamegraph.heap_diff", title, tree);
		}
		host->tree_free(self->instance, tree);
		tree = NULL;
		if (rc < 0)
			return rc;
	}
	if (flamegraph_count(a, "cpu") > 0 && flamegraph_count(b, "cpu") > 0) {
		rc = host->tree_new(self->instance, &tree);
		if (rc == 0)
			rc = flamegraph_add_cpu(self, b, tree, false, &b_cpu);
		if (rc == 0)
			rc = flamegraph_add_cpu(self, a, tree, true, &a_cpu);
		if (rc == 0 && a_cpu > 0 && b_cpu > 0) {
			snprintf(title, sizeof(title), "CPU time: %s (%zu profile(s)) vs %s (%zu)",
			         a->name, a_cpu, b->name, b_cpu);
			rc = host->report_tree(report, "flamegraph.cpu_diff", title, tree);
		}
		host->tree_free(self->instance, tree);
		if (rc < 0)
			return rc;
	}
	return host->report_note(
	        report,
	        "Each differential flame graph is laid out on %s: a frame's width is its value "
	        "in %s, its colour the change from %s (red grew, blue shrank, deeper for a larger "
	        "change); frames only %s had are drawn dashed at their %s width.",
	        b->name, b->name, a->name, a->name, a->name);
}

static const struct ep_analyzer_ops flamegraph_ops = {
	.version = EP_ANALYZER_OPS_VERSION,
	.analyze = flamegraph_analyze,
	.compare = flamegraph_compare,
};

static const struct ep_plugin_descriptor flamegraph_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_ANALYZER,
	.name = "flamegraph",
	.version = "1.0.0",
	.description = "stack trees of the peak heap and the summed CPU profiles, for flame graphs",
	.init = flamegraph_init,
	.fini = flamegraph_fini,
	.analyzer = &flamegraph_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &flamegraph_descriptor;
}
