/* e2e-profile's entry point: global options, the layered configuration,
 * plugin discovery, then the command.  The only place that exits. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ep-build-config.h"
#include "fsutil.h"
#include "settings.h"

struct main_options {
	const char *config_path;
	const char *output_dir;
	const char *plugin_path;
	bool quiet, verbose, help, version;
};

static const char *main_getenv(const char *name)
{
	return getenv(name);
}

static int main_parse_global(int argc, char **argv, struct main_options *options,
                             const struct ep_log *log)
{
	static const struct option long_options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "plugin-path", required_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	/* '+' stops at the command name, so its own options stay for it. */
	while ((opt = getopt_long(argc, argv, "+c:o:qvh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			options->config_path = optarg;
			break;
		case 'o':
			options->output_dir = optarg;
			break;
		case 'P':
			options->plugin_path = optarg;
			break;
		case 'q':
			options->quiet = true;
			break;
		case 'v':
			options->verbose = true;
			break;
		case 'h':
			options->help = true;
			break;
		case 'V':
			options->version = true;
			break;
		default:
			ep_cli_option_error(log, NULL, argv, "+c:o:qvh");
			return -EINVAL;
		}
	}
	return 0;
}

/* The build tree's plugin directories when this binary is the one meson
 * built there, else the installed directory. */
static int main_builtin_plugin_dirs(char ***dirs, size_t *count)
{
	char exe[PATH_MAX], build_root[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	bool in_build_tree = false;
	if (len > 0 && realpath(EP_BUILD_ROOT, build_root) != NULL) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			in_build_tree = strcmp(exe, build_root) == 0;
		}
	}
	static const char *const kinds[] = { "collectors", "analyzers", "reporters" };
	size_t n = in_build_tree ? 3 : 1;
	char **grown = realloc(*dirs, (*count + n) * sizeof(char *));
	if (grown == NULL)
		return -ENOMEM;
	*dirs = grown;
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX + 32];
		if (in_build_tree)
			snprintf(path, sizeof(path), "%s/plugins/%s", build_root, kinds[i]);
		else
			snprintf(path, sizeof(path), "%s", EP_PLUGINDIR);
		(*dirs)[*count] = strdup(path);
		if ((*dirs)[*count] == NULL)
			return -ENOMEM;
		(*count)++;
	}
	return 0;
}

static int main_add_path_list(char ***dirs, size_t *count, const char *list)
{
	if (list == NULL)
		return 0;
	char *copy = strdup(list);
	if (copy == NULL)
		return -ENOMEM;
	int rc = 0;
	char *cursor = copy, *dir;
	while ((dir = strsep(&cursor, ":")) != NULL) {
		if (*dir == '\0')
			continue;
		char **grown = realloc(*dirs, (*count + 1) * sizeof(char *));
		if (grown == NULL) {
			rc = -ENOMEM;
			break;
		}
		*dirs = grown;
		(*dirs)[*count] = strdup(dir);
		if ((*dirs)[*count] == NULL) {
			rc = -ENOMEM;
			break;
		}
		(*count)++;
	}
	free(copy);
	return rc;
}

/* A ./e2e-profile.ini found in the current directory may come with a
 * cloned repository: its plugin_path would run that repository's code, so
 * it counts only when the file passes the plugins' own trust test. */
static int main_check_implicit_config(struct ep_cli *cli, const char *path)
{
	if (ep_config_get_from(cli->config, "core", "plugin_path", EP_CONFIG_SOURCE_FILE) == NULL)
		return EP_EXIT_OK;
	char why[PATH_MAX + 128];
	if (ep_fs_check_trusted(path, why, sizeof(why)) == 0)
		return EP_EXIT_OK;
	ep_log_error(&cli->log,
	             "%s: [core] plugin_path refused: %s; to load plugins from there, pass the "
	             "file with --config %s or the directory with --plugin-path",
	             path, why, path);
	return EP_EXIT_USAGE;
}

/* Configuration and plugins, in the order docs/cli.md gives precedence:
 * defaults < file < environment < flags. */
static int main_setup(struct ep_cli *cli, const struct main_options *options, char ***dirs,
                      size_t *dir_count)
{
	char err[1024];
	int rc = ep_config_new(ep_settings_schema, &cli->config);
	if (rc < 0)
		return EP_EXIT_FAILURE;
	const char *path = options->config_path;
	if (path == NULL && access("e2e-profile.ini", F_OK) == 0)
		path = "e2e-profile.ini";
	if (path != NULL) {
		if (ep_config_load_file(cli->config, path, err, sizeof(err)) < 0) {
			ep_log_error(&cli->log, "%s", err);
			return EP_EXIT_USAGE;
		}
		cli->config_path = path;
	}
	if (path != NULL && options->config_path == NULL &&
	    main_check_implicit_config(cli, path) != EP_EXIT_OK)
		return EP_EXIT_USAGE;
	if (ep_config_apply_env(cli->config, main_getenv, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		return EP_EXIT_USAGE;
	}
	if ((options->output_dir &&
	     ep_config_set(cli->config, "core", "output_dir", options->output_dir,
	                   EP_CONFIG_SOURCE_FLAG, "--output-dir", err, sizeof(err)) < 0) ||
	    (options->plugin_path &&
	     ep_config_set(cli->config, "core", "plugin_path", options->plugin_path,
	                   EP_CONFIG_SOURCE_FLAG, "--plugin-path", err, sizeof(err)) < 0)) {
		ep_log_error(&cli->log, "%s", err);
		return EP_EXIT_USAGE;
	}
	if (ep_config_check_limits(cli->config, ep_settings_limits, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		return EP_EXIT_USAGE;
	}
	/* Every plugin directory counts, not only the highest-precedence
	 * one: flag, then environment, then file, then the built-in ones. */
	static const enum ep_config_source layers[] = { EP_CONFIG_SOURCE_FLAG, EP_CONFIG_SOURCE_ENV,
		                                        EP_CONFIG_SOURCE_FILE };
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
		if (main_add_path_list(
		            dirs, dir_count,
		            ep_config_get_from(cli->config, "core", "plugin_path", layers[i])) < 0)
			return EP_EXIT_FAILURE;
	if (main_builtin_plugin_dirs(dirs, dir_count) < 0)
		return EP_EXIT_FAILURE;
	cli->plugin_directories = *dirs;
	cli->plugin_directory_count = *dir_count;
	for (size_t i = 0; i < *dir_count; i++)
		ep_plugin_registry_load_directory(&cli->plugins, (*dirs)[i], &cli->log);
	if (ep_config_check_plugins(cli->config, ep_plugin_registry_config_keys, &cli->plugins, err,
	                            sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		return EP_EXIT_USAGE;
	}
	return EP_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ep_cli cli = { .log = { .threshold = EP_LOG_INFO, .stream = stderr } };
	struct main_options options = { 0 };
	char **dirs = NULL;
	size_t dir_count = 0;
	int status;

	/* getopt's own messages carry argv[0] ("run: invalid option"); every
	 * error line starts with "e2e-profile: error:" instead. */
	opterr = 0;
	if (main_parse_global(argc, argv, &options, &cli.log) < 0)
		return EP_EXIT_USAGE;
	if (options.quiet)
		cli.log.threshold = EP_LOG_WARN;
	if (options.verbose)
		cli.log.threshold = EP_LOG_DEBUG;
	if (options.help) {
		ep_cli_print_usage(stdout);
		return EP_EXIT_OK;
	}
	if (options.version)
		return ep_cmd_version(&cli, 0, NULL);
	if (optind >= argc) {
		ep_cli_print_usage(stderr);
		return EP_EXIT_USAGE;
	}
	const struct ep_command *command = ep_command_find(argv[optind]);
	if (command == NULL) {
		ep_log_error(&cli.log, "unknown command '%s'; try 'e2e-profile --help'",
		             argv[optind]);
		return EP_EXIT_USAGE;
	}
	int command_argc = argc - optind;
	char **command_argv = argv + optind;
	/* Help must work even when the configuration is broken. */
	if (ep_cli_wants_help(command_argc, command_argv)) {
		ep_cli_print_command_usage(stdout, command);
		return EP_EXIT_OK;
	}
	bool setup = command->needs_setup || (command->run == ep_cmd_help && command_argc > 1 &&
	                                      strcmp(command_argv[1], "config") == 0);
	if (setup) {
		status = main_setup(&cli, &options, &dirs, &dir_count);
		if (status != EP_EXIT_OK)
			goto done;
	}
	if (command->run == NULL) {
		ep_log_error(&cli.log, "%s: not implemented yet", command->name);
		status = EP_EXIT_FAILURE;
		goto done;
	}
	optind = 0; /* glibc: a full getopt reset for the command's own options */
	status = command->run(&cli, command_argc, command_argv);

done:
	ep_plugin_registry_clear(&cli.plugins);
	ep_config_free(cli.config);
	for (size_t i = 0; i < dir_count; i++)
		free(dirs[i]);
	free(dirs);
	return status;
}
