/* `analyze NAME|DIR` and `compare A B [--fail-on EXPR]`, both with
 * --analyzers LIST and --reporters LIST. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "analysis.h"
#include "cli.h"

/* --analyzers and --reporters set [run] analyzers and reporters, the
 * highest layer. Returns 0, or EP_EXIT_USAGE after logging why. */
static int cmd_analyze_plugin_flag(struct ep_cli *cli, int opt, const char *value)
{
	char err[512];
	const char *key = opt == 'A' ? "analyzers" : "reporters";
	const char *flag = opt == 'A' ? "--analyzers" : "--reporters";
	if (ep_config_set(cli->config, "run", key, value, EP_CONFIG_SOURCE_FLAG, flag, err,
	                  sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		return EP_EXIT_USAGE;
	}
	return 0;
}

int ep_cmd_analyze(struct ep_cli *cli, int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "analyzers", required_argument, NULL, 'A' },
		{ "reporters", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		if (opt != 'A' && opt != 'R') {
			fputs("Try 'e2e-profile analyze --help'.\n", stderr);
			return EP_EXIT_USAGE;
		}
		if (cmd_analyze_plugin_flag(cli, opt, optarg) != 0)
			return EP_EXIT_USAGE;
	}
	if (argc - optind != 1) {
		ep_log_error(&cli->log, "analyze: expected one run NAME or DIR");
		return EP_EXIT_USAGE;
	}
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
		{ NULL, 0, NULL, 0 },
	};
	const char *fail_on = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		if (opt == 'A' || opt == 'R') {
			if (cmd_analyze_plugin_flag(cli, opt, optarg) != 0)
				return EP_EXIT_USAGE;
			continue;
		}
		if (opt != 'f') {
			fputs("Try 'e2e-profile compare --help'.\n", stderr);
			return EP_EXIT_USAGE;
		}
		fail_on = optarg;
	}
	if (argc - optind != 2) {
		ep_log_error(&cli->log, "compare: expected two runs, A and B");
		return EP_EXIT_USAGE;
	}
	return ep_analysis_compare(cli, argv[optind], argv[optind + 1], fail_on);
}
