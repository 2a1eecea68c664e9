/* flamegraph: writes each stack tree of a report document (items of kind
 * EP_REPORT_TREE, e.g. from the flamegraph analyzer) as a flame graph,
 * BASE-ID.svg (self-contained: tooltips, click to zoom, search), and as
 * folded stacks, BASE-ID.folded, for flamegraph.pl, inferno or
 * speedscope. A comparison's trees become differential flame graphs.
 * docs/flamegraph.md describes both files.
 *
 * Use: in [run] reporters (on by default); settings in [reporter.flamegraph]:
 *     min_share = 0.0005   frames narrower than this share merge into "other"
 *     normalize = false    differential: scale A to B's total first
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "flame_svg.h"
#include "reporter_common.h"

struct flamegraph_reporter {
	struct reporter_host host;
	double min_share;
	bool normalize;
};

struct flamegraph_job {
	const struct flamegraph_reporter *self;
	const struct ep_report_document *document;
	const struct ep_report_tree *tree;
};

static int flamegraph_write_svg(FILE *stream, void *context)
{
	const struct flamegraph_job *job = context;
	struct flame_svg_options options = {
		.min_share = job->self->min_share,
		.normalize = job->self->normalize,
		.a_name = job->document->run_a,
		.b_name = job->document->run_b,
		.element_id = "flame",
	};
	return flame_svg_write(stream, &job->self->host, job->tree, &options);
}

static int flamegraph_write_folded(FILE *stream, void *context)
{
	const struct flamegraph_job *job = context;
	return flame_folded_write(stream, job->tree);
}

static int flamegraph_render(void *state, const struct ep_report_document *document,
                             const char *base_path)
{
	struct flamegraph_reporter *self = state;
	struct reporter_names names = { 0 };
	int rc = 0;
	for (size_t s = 0; s < document->section_count && rc == 0; s++) {
		const struct ep_report_section *section = document->sections[s];
		for (size_t i = 0; i < section->item_count && rc == 0; i++) {
			if (section->items[i].kind != EP_REPORT_TREE)
				continue;
			struct flamegraph_job job = { self, document, section->items[i].u.tree };
			const char *svg, *folded, *file_name;
			rc = reporter_names_add(&names, base_path, section->id, job.tree->id,
			                        ".svg", &svg, &file_name);
			if (rc == 0)
				rc = reporter_names_add(&names, base_path, section->id,
				                        job.tree->id, ".folded", &folded,
				                        &file_name);
			if (rc == 0)
				rc = reporter_write_file(&self->host, folded,
				                         flamegraph_write_folded, &job);
			if (rc == 0)
				rc = reporter_write_file(&self->host, svg, flamegraph_write_svg,
				                         &job);
		}
	}
	if (rc == -ENOMEM)
		self->host.host->log(self->host.instance, EP_LOG_ERROR,
		                     "out of memory drawing the flame graphs of %s", base_path);
	reporter_names_free(&names);
	return rc;
}

/* Reads min_share and normalize, shared with the html reporter's keys. */
static int flamegraph_init(struct ep_instance *instance, const struct ep_host_api *host,
                           void **state)
{
	struct flamegraph_reporter *self = calloc(1, sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	self->host = (struct reporter_host){ host, instance };
	int rc = host->config_get_double(instance, "min_share", &self->min_share);
	if (rc == 0 && !(self->min_share >= 0 && self->min_share < 1)) {
		host->log(instance, EP_LOG_ERROR,
		          "min_share must be at least 0 and below 1 (a share of the root), not %g",
		          self->min_share);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = host->config_get_bool(instance, "normalize", &self->normalize);
	if (rc < 0) {
		free(self);
		return rc;
	}
	*state = self;
	return 0;
}

static void flamegraph_fini(void *state)
{
	free(state);
}

static const struct ep_reporter_ops flamegraph_ops = {
	.version = EP_REPORTER_OPS_VERSION,
	.render = flamegraph_render,
};

static const struct ep_config_key flamegraph_keys[] = {
	{ "min_share", EP_CONFIG_DOUBLE, "0.0005",
	  "frames narrower than this share of the graph merge into one \"other\" frame per parent "
	  "(the folded stacks keep every frame)" },
	{ "normalize", EP_CONFIG_BOOL, "false",
	  "differential flame graphs: scale A to B's total first, so colours show shares" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor flamegraph_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_REPORTER,
	.name = "flamegraph",
	.version = "1.0.0",
	.description =
	        "writes BASE-ID.svg flame graphs and BASE-ID.folded stacks of each stack tree",
	.config_keys = flamegraph_keys,
	.init = flamegraph_init,
	.fini = flamegraph_fini,
	.reporter = &flamegraph_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &flamegraph_descriptor;
}
