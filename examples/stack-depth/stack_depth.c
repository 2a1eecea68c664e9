/* stack-depth: an example analyzer built out of tree against the installed
 * e2e-profile SDK.  For every snapshot of one kind it reports the number of
 * samples and the deepest stack, in a table of the report (so it appears in
 * every reporter's output) and in the log.
 *
 * Build, test and install it:
 *     meson setup build && meson test -C build && meson install -C build
 * (meson.build asks pkg-config for e2e-profile-plugin, and for the test kit
 * e2e-profile-mock-host, and installs into the pluginsdir), then check that
 * `e2e-profile plugins` lists it.  test_stack_depth.c is its unit test. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <e2e-profile/plugin.h>

struct stack_depth {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	const char *kind; /* borrowed from the host until fini */
};

static int stack_depth_init(struct ep_instance *instance, const struct ep_host_api *host,
                            void **state)
{
	struct stack_depth *self = host->alloc(sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	self->host = host;
	self->instance = instance;
	if (host->config_get_string(instance, "kind", &self->kind) < 0) {
		host->free(self);
		return -EINVAL;
	}
	*state = self;
	return 0;
}

static void stack_depth_fini(void *state)
{
	struct stack_depth *self = state;
	self->host->free(self);
}

static const struct ep_report_column stack_depth_columns[] = {
	{ "snapshot", "snapshot", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "samples", "samples", EP_VALUE_INT, EP_UNIT_COUNT },
	{ "deepest_stack", "deepest stack", EP_VALUE_INT, EP_UNIT_COUNT },
};

/* Starts the report's section and table; report is NULL when the host only
 * wants the log (e.g. a dry run). */
static int stack_depth_report_begin(struct stack_depth *self, struct ep_report *report)
{
	if (report == NULL)
		return 0;
	int rc = self->host->report_section(report, "stack-depth", "Stack depth");
	if (rc < 0)
		return rc;
	return self->host->report_table(
	        report, "stack_depth", "Samples and deepest stack",
	        sizeof(stack_depth_columns) / sizeof(stack_depth_columns[0]), stack_depth_columns);
}

static int stack_depth_analyze(void *state, const struct ep_run_info *run, struct ep_report *report)
{
	struct stack_depth *self = state;
	int rc = stack_depth_report_begin(self, report);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < run->snapshot_count; i++) {
		const struct ep_snapshot_info *snapshot = &run->snapshots[i];
		if (strcmp(snapshot->kind, self->kind) != 0)
			continue;
		const struct ep_profile *profile;
		rc = self->host->profile_load(self->instance, snapshot->path, &profile);
		if (rc < 0)
			return rc;
		size_t deepest = 0;
		for (size_t s = 0; s < profile->sample_count; s++)
			if (profile->samples[s].location_count > deepest)
				deepest = profile->samples[s].location_count;
		char name[64];
		snprintf(name, sizeof(name), "%s%u", snapshot->kind, snapshot->index);
		self->host->log(self->instance, EP_LOG_INFO, "%s: %zu samples, deepest stack %zu",
		                name, profile->sample_count, deepest);
		size_t sample_count = profile->sample_count;
		self->host->profile_release(self->instance, profile);
		if (report == NULL)
			continue;
		const struct ep_value row[] = {
			{ .type = EP_VALUE_TEXT, .text = name },
			{ .type = EP_VALUE_INT, .integer = (int64_t)sample_count },
			{ .type = EP_VALUE_INT, .integer = (int64_t)deepest },
		};
		rc = self->host->report_row(report, row);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const struct ep_analyzer_ops stack_depth_ops = {
	.version = EP_ANALYZER_OPS_VERSION,
	.analyze = stack_depth_analyze,
};

static const struct ep_config_key stack_depth_keys[] = {
	{ "kind", EP_CONFIG_STRING, "heap",
	  "snapshot kind to look at: heap, cpu, goroutine, allocs" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor stack_depth_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_ANALYZER,
	.name = "stack-depth",
	.version = "0.1.0",
	.description = "example: sample count and deepest stack per snapshot",
	.config_keys = stack_depth_keys,
	.init = stack_depth_init,
	.fini = stack_depth_fini,
	.analyzer = &stack_depth_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &stack_depth_descriptor;
}
