/* What every command gets from main(): the log, the layered configuration
 * and the loaded plugins, already checked. */
#ifndef EP_CLI_H
#define EP_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "log.h"
#include "plugin_loader.h"

/* Exit statuses of docs/cli.md. */
enum ep_exit_status {
	EP_EXIT_OK = 0,
	EP_EXIT_FAILURE = 1,    /* a runtime error */
	EP_EXIT_USAGE = 2,      /* bad usage or configuration */
	EP_EXIT_REGRESSION = 3, /* compare --fail-on found a regression */
};

struct ep_cli {
	struct ep_log log;
	struct ep_config *config;
	struct ep_plugin_registry plugins;
	const char *config_path;         /* NULL when no file was read */
	char *const *plugin_directories; /* searched, in order; owned by main */
	size_t plugin_directory_count;
	/* analyze/compare --summary-only: print the summary, write no report. */
	bool summary_only;
	/* Set by batch, which prints its own table: no summary on stdout. */
	bool summary_to_stdout_off;
};

struct ep_command {
	const char *name;
	const char *summary; /* one line for `e2e-profile --help` */
	const char *usage;   /* the text of `e2e-profile COMMAND --help` */
	/* Runs the command with argv[0] = the command name; returns an
	 * enum ep_exit_status. NULL: not implemented yet. */
	int (*run)(struct ep_cli *cli, int argc, char **argv);
	bool needs_setup; /* reads the configuration and loads plugins first */
};

/* NULL-name-terminated table of every command of docs/cli.md. */
extern const struct ep_command ep_commands[];
const struct ep_command *ep_command_find(const char *name);

void ep_cli_print_usage(FILE *out);
void ep_cli_print_command_usage(FILE *out, const struct ep_command *command);
/* After getopt_long (run with opterr = 0, set in main) returned '?': one
 * error line, with the prefix of every other, naming the option and what is
 * wrong with it, and where the command's help is. command is "run", ... or
 * NULL for the global options; optstring is the one given to getopt_long. */
void ep_cli_option_error(const struct ep_log *log, const char *command, char *const *argv,
                         const char *optstring);
/* For per-command getopt loops: true when argv holds -h/--help anywhere
 * before "--". */
bool ep_cli_wants_help(int argc, char **argv);

int ep_cmd_help(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_version(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_plugins(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_top(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_merge(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_diff(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_run(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_collect(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_analyze(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_compare(struct ep_cli *cli, int argc, char **argv);
int ep_cmd_batch(struct ep_cli *cli, int argc, char **argv);
/* Checks that every plugin named by the effective [run] analyzers and
 * [run] reporters is installed, naming the flag or key of a wrong one.
 * Returns EP_EXIT_OK, or EP_EXIT_USAGE after logging one line. */
int ep_cli_check_plugin_selection(struct ep_cli *cli);
/* The decompression cap for profiles, from [core] max_profile_mib. */
uint64_t ep_cli_max_profile_bytes(const struct ep_cli *cli);
/* `help config`: every key of the core and of each loaded plugin. */
void ep_cli_print_config_help(struct ep_cli *cli, FILE *out);

#endif
