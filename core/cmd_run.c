/* `run` and `collect`: their flags become configuration values (the
 * highest layer), then the collection loop in run.c does the work. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "run.h"

/* Flags that set a configuration key. */
struct run_flag {
	int id;
	const char *section;
	const char *key;
	const char *name; /* for error messages */
};

static const struct run_flag run_flags[] = {
	{ 'C', "run", "collector", "--collector" },
	{ 'U', "collector.http", "url", "--url" },
	{ 'n', "collector.kubectl", "namespace", "--namespace" },
	{ 'D', "collector.kubectl", "deployment", "--deployment" },
	{ 'l', "collector.kubectl", "selector", "--selector" },
	{ 'p', "collector.kubectl", "port", "--port" },
	{ 'i', "run", "interval", "--interval" },
	{ 'P', "run", "profiles", "--profiles" },
	{ 'c', "run", "cpu_duration", "--cpu-duration" },
	{ 'T', "run", "target", "--target" },
	{ 'd', "run", "duration", "--duration" },
	{ 'R', "run", "repeat", "--repeat" },
};

static int cmd_run_common(struct ep_cli *cli, int argc, char **argv, bool collect_only)
{
	static const struct option long_options[] = {
		{ "collector", required_argument, NULL, 'C' },
		{ "url", required_argument, NULL, 'U' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "deployment", required_argument, NULL, 'D' },
		{ "selector", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "profiles", required_argument, NULL, 'P' },
		{ "cpu-duration", required_argument, NULL, 'c' },
		{ "gc", no_argument, NULL, 'g' },
		{ "target", required_argument, NULL, 'T' },
		{ "duration", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "repeat", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct ep_run_options options = { .collect_only = collect_only,
		                          .verbose = cli->log.threshold >= EP_LOG_DEBUG };
	char err[1024];
	int opt;
	/* Everything after the first "--" is the test command; options may
	 * come before or after NAME. */
	int option_argc = argc;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			option_argc = i;
			break;
		}
	}
	if (option_argc < argc) {
		if (collect_only) {
			ep_log_error(&cli->log, "collect: takes no command after --");
			return EP_EXIT_USAGE;
		}
		options.command_argv = argv + option_argc + 1;
		if (options.command_argv[0] == NULL) {
			ep_log_error(&cli->log, "run: no command after --");
			return EP_EXIT_USAGE;
		}
	}
	while ((opt = getopt_long(option_argc, argv, "n:l:i:", long_options, NULL)) != -1) {
		if (opt == 'f') {
			options.force = true;
			continue;
		}
		if (opt == 'g') {
			if (ep_config_set(cli->config, "run", "gc", "true", EP_CONFIG_SOURCE_FLAG,
			                  "--gc", err, sizeof(err)) < 0)
				goto usage_error;
			continue;
		}
		const struct run_flag *flag = NULL;
		for (size_t i = 0; i < sizeof(run_flags) / sizeof(run_flags[0]); i++)
			if (run_flags[i].id == opt)
				flag = &run_flags[i];
		if (collect_only && opt == 'R') {
			ep_log_error(&cli->log, "collect: --repeat needs a test command; use run");
			return EP_EXIT_USAGE;
		}
		if (flag == NULL || (collect_only && opt == 'T') || (!collect_only && opt == 'd')) {
			fprintf(stderr, "Try 'e2e-profile %s --help'.\n", argv[0]);
			return EP_EXIT_USAGE;
		}
		if (ep_config_set(cli->config, flag->section, flag->key, optarg,
		                  EP_CONFIG_SOURCE_FLAG, flag->name, err, sizeof(err)) < 0)
			goto usage_error;
	}
	/* Flags aimed at a plugin's section are checked against its keys now. */
	if (ep_config_check_plugins(cli->config, ep_plugin_registry_config_keys, &cli->plugins, err,
	                            sizeof(err)) < 0)
		goto usage_error;
	if (optind >= option_argc) {
		ep_log_error(&cli->log, "%s: missing the run NAME", argv[0]);
		return EP_EXIT_USAGE;
	}
	options.name = argv[optind++];
	if (optind < option_argc) {
		ep_log_error(&cli->log, "%s: unexpected argument '%s'%s", argv[0], argv[optind],
		             collect_only ? "" : " (put the test command after --)");
		return EP_EXIT_USAGE;
	}
	return ep_run_repeated(cli, &options);

usage_error:
	ep_log_error(&cli->log, "%s", err);
	return EP_EXIT_USAGE;
}

int ep_cmd_run(struct ep_cli *cli, int argc, char **argv)
{
	return cmd_run_common(cli, argc, argv, false);
}

int ep_cmd_collect(struct ep_cli *cli, int argc, char **argv)
{
	return cmd_run_common(cli, argc, argv, true);
}
