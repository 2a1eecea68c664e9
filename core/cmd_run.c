/* `run` and `collect`: their flags become configuration values (the
 * highest layer), then the collection loop in run.c does the work. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "run.h"

/* Ids of long-only flags, beyond every character getopt returns. */
enum { RUN_FLAG_CONTEXT = 0x100, RUN_FLAG_KUBECONFIG };

/* Flags that set a configuration key; a flag with several rows sets each
 * (the pod flags go to both collectors that find pods through kubectl, so
 * they hold whichever collector the run picks, in any order). */
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
	{ RUN_FLAG_CONTEXT, "collector.kubectl", "context", "--context" },
	{ RUN_FLAG_KUBECONFIG, "collector.kubectl", "kubeconfig", "--kubeconfig" },
	{ 'n', "collector.apiserver", "namespace", "--namespace" },
	{ 'D', "collector.apiserver", "deployment", "--deployment" },
	{ 'l', "collector.apiserver", "selector", "--selector" },
	{ 'p', "collector.apiserver", "port", "--port" },
	{ RUN_FLAG_CONTEXT, "collector.apiserver", "context", "--context" },
	{ RUN_FLAG_KUBECONFIG, "collector.apiserver", "kubeconfig", "--kubeconfig" },
	{ 'i', "run", "interval", "--interval" },
	{ 'P', "run", "profiles", "--profiles" },
	{ 'c', "run", "cpu_duration", "--cpu-duration" },
	{ 'T', "run", "target", "--target" },
	{ 'd', "run", "duration", "--duration" },
	{ 'A', "run", "analyzers", "--analyzers" },
	{ 'R', "run", "reporters", "--reporters" },
	{ 'N', "run", "repeat", "--repeat" },
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
		{ "context", required_argument, NULL, RUN_FLAG_CONTEXT },
		{ "kubeconfig", required_argument, NULL, RUN_FLAG_KUBECONFIG },
		{ "interval", required_argument, NULL, 'i' },
		{ "profiles", required_argument, NULL, 'P' },
		{ "cpu-duration", required_argument, NULL, 'c' },
		{ "gc", no_argument, NULL, 'g' },
		{ "target", required_argument, NULL, 'T' },
		{ "duration", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "analyzers", required_argument, NULL, 'A' },
		{ "reporters", required_argument, NULL, 'R' },
		{ "repeat", required_argument, NULL, 'N' },
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
		if (collect_only && opt == 'N') {
			ep_log_error(&cli->log, "collect: --repeat needs a test command; use run");
			return EP_EXIT_USAGE;
		}
		size_t set = 0;
		for (size_t i = 0; i < sizeof(run_flags) / sizeof(run_flags[0]); i++) {
			const struct run_flag *flag = &run_flags[i];
			if (flag->id != opt || (collect_only && opt == 'T') ||
			    (!collect_only && opt == 'd'))
				continue;
			if (ep_config_set(cli->config, flag->section, flag->key, optarg,
			                  EP_CONFIG_SOURCE_FLAG, flag->name, err, sizeof(err)) < 0)
				goto usage_error;
			set++;
		}
		if (set == 0) {
			ep_cli_option_error(&cli->log, argv[0], argv, "n:l:i:");
			return EP_EXIT_USAGE;
		}
	}
	/* Flags aimed at a plugin's section are checked against its keys now. */
	if (ep_config_check_plugins(cli->config, ep_plugin_registry_config_keys, &cli->plugins, err,
	                            sizeof(err)) < 0)
		goto usage_error;
	/* A misspelt reporter must not cost a whole test run. */
	int selection = ep_cli_check_plugin_selection(cli);
	if (selection != EP_EXIT_OK)
		return selection;
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
