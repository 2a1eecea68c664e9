/* `analyze NAME|DIR` and `compare A B [--fail-on RULES] [--alpha A]`, and
 * the plugin selection flags they share with `run`. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "analysis.h"
#include "cli.h"

int ep_cli_check_plugin_selection(struct ep_cli *cli)
{
	static const struct {
		enum ep_plugin_kind kind;
		const char *key, *flag;
	} selections[] = {
		{ EP_PLUGIN_KIND_ANALYZER, "analyzers", "--analyzers" },
		{ EP_PLUGIN_KIND_REPORTER, "reporters", "--reporters" },
	};
	for (size_t i = 0; i < sizeof(selections) / sizeof(selections[0]); i++) {
		char origin[64], err[1024];
		bool from_flag = ep_config_source_of(cli->config, "run", selections[i].key) ==
		                 EP_CONFIG_SOURCE_FLAG;
		if (from_flag)
			snprintf(origin, sizeof(origin), "%s", selections[i].flag);
		else
			snprintf(origin, sizeof(origin), "[run] %s", selections[i].key);
		if (ep_plugin_registry_check_list(
		            &cli->plugins, selections[i].kind,
		            ep_config_get(cli->config, "run", selections[i].key), origin, err,
		            sizeof(err)) < 0) {
			ep_log_error(&cli->log, "%s", err);
			return EP_EXIT_USAGE;
		}
	}
	return EP_EXIT_OK;
}

/* Handles --analyzers and --reporters for a command's getopt loop: sets
 * [run] at flag precedence. Returns true when opt was one of them. */
static bool cmd_analyze_selection_flag(struct ep_cli *cli, int opt, const char *value, int *status)
{
	const char *key = opt == 'A' ? "analyzers" : opt == 'R' ? "reporters" : NULL;
	if (key == NULL)
		return false;
	char err[512];
	if (ep_config_set(cli->config, "run", key, value, EP_CONFIG_SOURCE_FLAG,
	                  opt == 'A' ? "--analyzers" : "--reporters", err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		*status = EP_EXIT_USAGE;
	}
	return true;
}

int ep_cmd_analyze(struct ep_cli *cli, int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "analyzers", required_argument, NULL, 'A' },
		{ "reporters", required_argument, NULL, 'R' },
		{ "summary-only", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, status = EP_EXIT_OK;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		if (opt == 's') {
			cli->summary_only = true;
			continue;
		}
		if (!cmd_analyze_selection_flag(cli, opt, optarg, &status)) {
			ep_cli_option_error(&cli->log, "analyze", argv, "");
			return EP_EXIT_USAGE;
		}
		if (status != EP_EXIT_OK)
			return status;
	}
	if (argc - optind != 1) {
		ep_log_error(&cli->log, "analyze: expected one run NAME or DIR");
		return EP_EXIT_USAGE;
	}
	status = ep_cli_check_plugin_selection(cli);
	if (status == EP_EXIT_OK)
		status = ep_analysis_check_config(cli);
	if (status != EP_EXIT_OK)
		return status;
	char directory[PATH_MAX];
	ep_run_resolve_directory(cli, argv[optind], directory, sizeof(directory));
	return ep_analysis_analyze(cli, directory);
}

int ep_cmd_compare(struct ep_cli *cli, int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "fail-on", required_argument, NULL, 'f' },
		{ "analyzers", required_argument, NULL, 'A' },
		{ "reporters", required_argument, NULL, 'R' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "summary-only", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fail_on = NULL;
	char err[512];
	int opt, status = EP_EXIT_OK;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		if (opt == 's') {
			cli->summary_only = true;
			continue;
		}
		if (opt == 'f') {
			fail_on = optarg;
			continue;
		}
		if (opt == 'a') {
			if (ep_config_set(cli->config, "compare", "alpha", optarg,
			                  EP_CONFIG_SOURCE_FLAG, "--alpha", err, sizeof(err)) < 0) {
				ep_log_error(&cli->log, "%s", err);
				return EP_EXIT_USAGE;
			}
			continue;
		}
		if (!cmd_analyze_selection_flag(cli, opt, optarg, &status)) {
			ep_cli_option_error(&cli->log, "compare", argv, "");
			return EP_EXIT_USAGE;
		}
		if (status != EP_EXIT_OK)
			return status;
	}
	if (argc - optind != 2) {
		ep_log_error(&cli->log, "compare: expected two runs, A and B");
		return EP_EXIT_USAGE;
	}
	status = ep_cli_check_plugin_selection(cli);
	if (status == EP_EXIT_OK)
		status = ep_analysis_check_config(cli);
	if (status != EP_EXIT_OK)
		return status;
	return ep_analysis_compare(cli, argv[optind], argv[optind + 1], fail_on);
}
