/* One analyzer plugin source compiled into a good plugin and into each kind
 * of broken plugin the loader must refuse; meson.build picks the defect
 * with -DDEFECT_... so each refusal test fails if its check is removed. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <e2e-profile/plugin.h>

#ifdef MARKER_CONSTRUCTOR
/* Proof that code ran: the trust tests (tests/security) check that a file
 * the loader refuses never gets this far. */
__attribute__((constructor)) static void marker_constructor(void)
{
	const char *path = getenv("EP_TEST_MARKER");
	FILE *marker = path != NULL ? fopen(path, "a") : NULL;
	if (marker != NULL) {
		fputs("constructor ran\n", marker);
		fclose(marker);
	}
}
#endif

#ifndef PLUGIN_NAME
#define PLUGIN_NAME "good"
#endif

struct good_state {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	int64_t threshold;
};

static struct good_state good_state_storage;

static int good_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	int64_t threshold = 0;
	const char *label = NULL;
	if (host->config_get_int(instance, "threshold", &threshold) < 0 ||
	    host->config_get_string(instance, "label", &label) < 0)
		return -EINVAL;
	good_state_storage = (struct good_state){ host, instance, threshold };
	host->log(instance, EP_LOG_INFO, "init threshold=%lld label=%s", (long long)threshold,
	          label ? label : "(none)");
	*state = &good_state_storage;
	return 0;
}

static void good_fini(void *state)
{
	struct good_state *good = state;
	good->host->log(good->instance, EP_LOG_INFO, "fini");
}

static int good_analyze(void *state, const struct ep_run_info *run, struct ep_report *report)
{
	(void)state;
	(void)run;
	(void)report;
	return 0;
}

__attribute__((unused)) static const struct ep_analyzer_ops good_ops = {
	.version = EP_ANALYZER_OPS_VERSION,
	.analyze = good_analyze,
};

static const struct ep_config_key good_keys[] = {
	{ "threshold", EP_CONFIG_INT, "5", "a number the test sets and reads back" },
	{ "label", EP_CONFIG_STRING, NULL, "a string without a default" },
	{ "enabled", EP_CONFIG_BOOL, "true", "a boolean" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor good_descriptor = {
#if defined(DEFECT_ABI_MAJOR)
	.abi_major = EP_PLUGIN_ABI_MAJOR + 1,
	.abi_minor = 0,
	.struct_size = sizeof(struct ep_plugin_descriptor),
#elif defined(DEFECT_ABI_MINOR)
	.abi_major = EP_PLUGIN_ABI_MAJOR,
	.abi_minor = EP_PLUGIN_ABI_MINOR + 1,
	.struct_size = sizeof(struct ep_plugin_descriptor),
#elif defined(DEFECT_SMALL_STRUCT)
	.abi_major = EP_PLUGIN_ABI_MAJOR,
	.abi_minor = EP_PLUGIN_ABI_MINOR,
	.struct_size = offsetof(struct ep_plugin_descriptor, analyzer),
#else
	EP_PLUGIN_DESCRIPTOR_HEADER,
#endif
	.kind = EP_PLUGIN_KIND_ANALYZER,
#ifndef DEFECT_NO_NAME
	.name = PLUGIN_NAME,
#endif
	.version = "1.0.0",
#ifndef DEFECT_NO_DESCRIPTION
	.description = "test analyzer that reads its configuration",
#endif
	.config_keys = good_keys,
	.init = good_init,
	.fini = good_fini,
#ifndef DEFECT_NO_OPS
	.analyzer = &good_ops,
#else
	.analyzer = NULL,
	.reporter = NULL,
#endif
};

#ifndef DEFECT_NO_ENTRY
EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &good_descriptor;
}
#else
/* Exported under another name: a shared object, but not a plugin. */
EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *not_the_entry(void);
EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *not_the_entry(void)
{
	return &good_descriptor;
}
#endif
