/* An analyzer built against the frozen ABI 1.0 headers beside it (see
 * README.md): for each heap snapshot it reports the total of the sample
 * type its `sample_index` key names, as profile_top computes it, and the
 * highest one, so the test can check its figures against pprof's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <e2e-profile/plugin.h>

struct abi10 {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	const char *sample_index; /* borrowed until fini */
};

static struct abi10 abi10_storage;

static int abi10_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	/* A 1.0 plugin can only rely on what a version 1 table holds. */
	if (host->version < 1 ||
	    host->size < offsetof(struct ep_host_api, format_value) + sizeof(host->format_value))
		return -ENOTSUP;
	abi10_storage = (struct abi10){ .host = host, .instance = instance };
	if (host->config_get_string(instance, "sample_index", &abi10_storage.sample_index) < 0)
		return -EINVAL;
	*state = &abi10_storage;
	return 0;
}

static const struct ep_report_column abi10_columns[] = {
	{ "snapshot", "snapshot", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "total", "total", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "total_text", "total (formatted)", EP_VALUE_TEXT, EP_UNIT_NONE },
};

static int abi10_analyze(void *state, const struct ep_run_info *run, struct ep_report *report)
{
	struct abi10 *self = state;
	const struct ep_host_api *host = self->host;
	int rc = host->report_section(report, "abi10", "ABI 1.0 plugin");
	if (rc == 0)
		rc = host->report_table(report, "abi10.totals", "Totals", 3, abi10_columns);
	int64_t highest = -1;
	for (size_t i = 0; rc == 0 && i < run->snapshot_count; i++) {
		const struct ep_snapshot_info *snapshot = &run->snapshots[i];
		if (strcmp(snapshot->kind, "heap") != 0)
			continue;
		const struct ep_profile *profile;
		rc = host->profile_load(self->instance, snapshot->path, &profile);
		if (rc < 0)
			break;
		const struct ep_top *top = NULL;
		rc = host->profile_top(self->instance, profile, NULL, self->sample_index, false,
		                       &top);
		host->profile_release(self->instance, profile);
		if (rc < 0)
			break;
		char name[64], text[64];
		snprintf(name, sizeof(name), "heap%u", snapshot->index);
		host->format_value(text, sizeof(text), top->total, "bytes", "auto");
		const struct ep_value row[] = {
			{ .type = EP_VALUE_TEXT, .text = name },
			{ .type = EP_VALUE_INT, .integer = top->total },
			{ .type = EP_VALUE_TEXT, .text = text },
		};
		if (top->total > highest)
			highest = top->total;
		host->top_release(self->instance, top);
		rc = host->report_row(report, row);
	}
	if (rc == 0 && highest >= 0)
		rc = host->report_metric(
		        report, "abi10.highest_total", "Highest total",
		        (struct ep_value){ .type = EP_VALUE_INT, .integer = highest },
		        EP_UNIT_BYTES);
	if (rc < 0)
		host->log(self->instance, EP_LOG_ERROR, "abi10: %s", strerror(-rc));
	return rc;
}

static const struct ep_analyzer_ops abi10_ops = {
	.version = EP_ANALYZER_OPS_VERSION,
	.analyze = abi10_analyze,
};

static const struct ep_config_key abi10_keys[] = {
	{ "sample_index", EP_CONFIG_STRING, "inuse_space", "the sample type to total" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor abi10_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_ANALYZER,
	.name = "abi10",
	.version = "1.0.0",
	.description = "test: an analyzer built against the ABI 1.0 headers",
	.config_keys = abi10_keys,
	.init = abi10_init,
	.analyzer = &abi10_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &abi10_descriptor;
}
