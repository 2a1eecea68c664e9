/* Declares every key the core reads, with its default and the one line of
 * help that `e2e-profile help config`, the example INI and the man page show. */
#include "settings.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "pattern.h"

static const struct ep_config_key settings_core_keys[] = {
	{ "output_dir", EP_CONFIG_STRING, "./e2e-profiles",
	  "directory holding run directories and comparisons (env E2E_PROFILE_DIR, flag -o)" },
	{ "plugin_path", EP_CONFIG_STRING, NULL,
	  "extra plugin directories, ':'-separated, searched before the built-in ones "
	  "(env E2E_PROFILE_PLUGIN_PATH, flag --plugin-path)" },
	{ "max_profile_mib", EP_CONFIG_INT, "1024",
	  "largest decompressed profile accepted, in MiB; larger input is refused as a gzip bomb" },
	{ "profile_cache_mib", EP_CONFIG_INT, "128",
	  "decoded profiles kept during one analysis, in MiB, so analyzers decode each once; "
	  "0 turns it off. Analysis memory stays below this plus one profile" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_config_key settings_run_keys[] = {
	{ "collector", EP_CONFIG_STRING, "kubectl",
	  "collector plugin that takes snapshots (kubectl, http or apiserver)" },
	{ "interval", EP_CONFIG_INT, "15",
	  "seconds between snapshots (env E2E_PROFILE_INTERVAL, flag -i)" },
	{ "profiles", EP_CONFIG_STRING, "heap",
	  "profiles to take, comma-separated: heap, cpu, goroutine, allocs, goroutineleak (Go "
	  "1.26; a 404 is recorded once as not offered)" },
	{ "cpu_duration", EP_CONFIG_INT, "10",
	  "length of each CPU profile in seconds (env E2E_PROFILE_CPU_DURATION)" },
	{ "gc", EP_CONFIG_BOOL, "false", "ask the server to run a GC before each heap snapshot" },
	{ "target", EP_CONFIG_STRING, "test-experimental-e2e",
	  "make target run when no command follows -- (env E2E_PROFILE_TEST_TARGET)" },
	{ "duration", EP_CONFIG_INT, "0",
	  "collect: seconds to collect before stopping; 0 means until SIGINT/SIGTERM" },
	{ "memstats_every", EP_CONFIG_INT, "1",
	  "also fetch the Go runtime's own memory figures (/debug/pprof/heap?debug=1, its "
	  "runtime.MemStats block) every this many rounds; 0 turns it off" },
	{ "repeat", EP_CONFIG_INT, "1",
	  "run: repetitions of the test command, each collected apart into NAME/repK/; compare "
	  "then uses statistics (flag --repeat)" },
	{ "failure_warning", EP_CONFIG_INT, "3",
	  "warn prominently after this many snapshots in a row failed" },
	{ "analyzers", EP_CONFIG_STRING, "heap,growth,category,cpu,goroutine,flamegraph",
	  "analyzer plugins to run, comma-separated" },
	{ "reporters", EP_CONFIG_STRING, "markdown,csv,json,flamegraph,html",
	  "reporter plugins to run, comma-separated" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_config_key settings_compare_keys[] = {
	{ "alpha", EP_CONFIG_DOUBLE, "0.05",
	  "significance level of the Mann-Whitney U test on repeated runs, between 0 and 1 "
	  "(flag --alpha)" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_config_key settings_category_keys[] = {
	{ "display_name", EP_CONFIG_STRING, NULL, "name shown in reports, e.g. OpenAPI" },
	{ "pattern", EP_CONFIG_STRING, NULL,
	  "Go regexp (RE2) pattern on function, file and binary names; repeat the key for more" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_config_key settings_rule_keys[] = {
	{ "metric", EP_CONFIG_STRING, NULL,
	  "report metric id the rule looks at, e.g. category.json.share_percent" },
	{ "above", EP_CONFIG_DOUBLE, NULL, "fires when the metric is above this number" },
	{ "below", EP_CONFIG_DOUBLE, NULL, "fires when the metric is below this number" },
	{ "equals", EP_CONFIG_STRING, NULL, "fires when a text metric equals this" },
	{ "advice", EP_CONFIG_STRING, NULL, "what to tell the user when it fires" },
	{ "enabled", EP_CONFIG_BOOL, "true", "false turns a built-in rule of this name off" },
	{ NULL, 0, NULL, NULL },
};

/* Every line of a [category.NAME] pattern (a repeated key) must compile,
 * so a typo stops the command before a test runs. */
static int settings_check_category(const char *what, const char *key, const char *value, char *err,
                                   size_t errlen)
{
	if (strcmp(key, "pattern") != 0)
		return 0;
	for (const char *line = value;;) {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
		struct ep_pattern *pattern;
		if (len > 0) {
			int rc = ep_pattern_compile(line, len, what, &pattern, err, errlen);
			if (rc < 0)
				return rc;
			ep_pattern_free(pattern);
		}
		if (end == NULL)
			return 0;
		line = end + 1;
	}
}

const struct ep_config_section_schema ep_settings_schema[] = {
	{ "core", false, false, settings_core_keys, "settings of the tool itself", NULL },
	{ "run", false, false, settings_run_keys, "defaults of the run and collect commands",
	  NULL },
	{ "compare", false, false, settings_compare_keys, "settings of the compare command", NULL },
	{ "category", true, true, settings_category_keys,
	  "a memory category matched against stack frames", settings_check_category },
	{ "rule", true, false, settings_rule_keys,
	  "a recommendation rule over a report metric (built-ins: json-decoding, "
	  "openapi, dynamic-client, informers, reflection, goroutine-leak, steady-growth)",
	  NULL },
	{ NULL, false, false, NULL, NULL, NULL },
};

/* A zero interval or CPU duration would spin or ask Go for its 30 s
 * default; an empty output_dir would put runs at the filesystem root. */
const struct ep_config_limit ep_settings_limits[] = {
	{ "core", "output_dir", 1, 4000 },
	{ "core", "max_profile_mib", 1, 1048576 },
	{ "core", "profile_cache_mib", 0, 1048576 },
	{ "run", "collector", 1, 48 },
	{ "run", "interval", 1, 86400 },
	{ "run", "cpu_duration", 1, 3600 },
	{ "run", "duration", 0, 315360000 },
	{ "run", "failure_warning", 0, 1000000 },
	{ NULL, NULL, 0, 0 },
};
