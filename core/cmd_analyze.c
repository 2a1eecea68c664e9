/* `analyze NAME|DIR` and `compare A B [--fail-on EXPR]`. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "analysis.h"
#include "cli.h"

int ep_cmd_analyze(struct ep_cli *cli, int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "summary-only", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		if (opt != 's') {
			fputs("Try 'e2e-profile analyze --help'.\n", stderr);
			return EP_EXIT_USAGE;
		}
		cli->summary_only = true;
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
		{ "summary-only", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fail_on = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		if (opt == 's') {
			cli->summary_only = true;
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
