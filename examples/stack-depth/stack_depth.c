/* stack-depth: an example analyzer built out of tree against the installed
 * e2e-profile SDK.  For every snapshot of one kind it reports the number of
 * samples and the deepest stack.
 *
 * Build and install it:
 *     meson setup build && meson install -C build
 * (meson.build asks pkg-config for e2e-profile-plugin and installs into its
 * pluginsdir), then check that `e2e-profile plugins` lists it. */
#include <errno.h>
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

static int stack_depth_analyze(void *state, const struct ep_run_info *run, struct ep_report *report)
{
	struct stack_depth *self = state;
	(void)report;
	for (size_t i = 0; i < run->snapshot_count; i++) {
		const struct ep_snapshot_info *snapshot = &run->snapshots[i];
		if (strcmp(snapshot->kind, self->kind) != 0)
			continue;
		const struct ep_profile *profile;
		int rc = self->host->profile_load(self->instance, snapshot->path, &profile);
		if (rc < 0)
			return rc;
		size_t deepest = 0;
		for (size_t s = 0; s < profile->sample_count; s++)
			if (profile->samples[s].location_count > deepest)
				deepest = profile->samples[s].location_count;
		self->host->log(self->instance, EP_LOG_INFO, "%s%u: %zu samples, deepest stack %zu",
		                snapshot->kind, snapshot->index, profile->sample_count, deepest);
		self->host->profile_release(self->instance, profile);
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
