/* The command table and the help texts; `--help`, the man page and README
 * describe the same commands, so change them together. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage_run[] =
        "usage: e2e-profile run NAME [options] [-- CMD ARGS...]\n"
        "\n"
        "Run the test command while collecting snapshots into OUTPUT_DIR/NAME,\n"
        "then analyze them. Without a command after --, runs `make TARGET`.\n"
        "\n"
        "options:\n"
        "  --collector NAME      kubectl | http (default kubectl)\n"
        "  --url URL             http: base URL, e.g. http://127.0.0.1:6060\n"
        "  -n, --namespace NS    kubectl: namespace (default olmv1-system)\n"
        "  --deployment NAME     kubectl: deployment whose pods are profiled\n"
        "  -l, --selector SEL    kubectl: label selector instead of the deployment's\n"
        "  --port PORT           pprof port in the pod (default 6060)\n"
        "  -i, --interval SECS   seconds between snapshots (default 15)\n"
        "  --profiles LIST       heap,cpu,goroutine,allocs (default heap)\n"
        "  --cpu-duration SECS   length of each CPU profile (default 10)\n"
        "  --gc                  ask the server to GC before each heap snapshot\n"
        "  --target TARGET       make target when no command is given\n"
        "                        (default test-experimental-e2e)\n"
        "  --force               run into an existing run directory\n"
        "  -h, --help            show this help\n"
        "\n"
        "Exits with the test command's status when it failed, after writing the reports.\n";

static const char usage_collect[] =
        "usage: e2e-profile collect NAME [options]\n"
        "\n"
        "Collect snapshots into OUTPUT_DIR/NAME until --duration elapses or\n"
        "SIGINT/SIGTERM arrives, then analyze them. Takes the collection options\n"
        "of `run` and:\n"
        "  --duration SECS       stop after SECS seconds (default: until a signal)\n"
        "  -h, --help            show this help\n";

static const char usage_analyze[] =
        "usage: e2e-profile analyze NAME|DIR [--summary-only]\n"
        "\n"
        "(Re)analyze a run directory and write analysis.md, analysis.json,\n"
        "analysis.csv, analysis.html and the flame graphs into it, then print\n"
        "the summary on stdout (not with -q) and append it to\n"
        "$GITHUB_STEP_SUMMARY when that names a file.\n"
        "  --summary-only        print the summary and write nothing else\n"
        "  -h, --help            show this help\n";

static const char usage_compare[] =
        "usage: e2e-profile compare A B [--fail-on EXPR] [--summary-only]\n"
        "\n"
        "Compare two runs (names or directories) and write\n"
        "OUTPUT_DIR/comparisons/A-vs-B.{md,json,csv,html} and the differential\n"
        "flame graphs, then print the summary (verdict, gates, key changes) on\n"
        "stdout (not with -q) and append it to $GITHUB_STEP_SUMMARY when set.\n"
        "  --fail-on EXPR        e.g. 'peak>+10%,category.openapi>+5%';\n"
        "                        exit 3 when a rule is broken\n"
        "  --summary-only        print the summary and write nothing else\n"
        "  -h, --help            show this help\n";

static const char usage_top[] =
        "usage: e2e-profile top FILE [options]\n"
        "\n"
        "Print the top table of one profile, as `go tool pprof -top` prints it.\n"
        "\n"
        "options:\n"
        "  --sample-index NAME|N  sample type to show, by name or 0-based number\n"
        "                         (default: the profile's default type, else the last)\n"
        "  --cum                  sort by cumulative value\n"
        "  --nodecount N          show at most N nodes\n"
        "  --base FILE            subtract FILE's samples first (a diff)\n"
        "  -h, --help             show this help\n";

static const char usage_batch[] =
        "usage: e2e-profile batch FILE.ini\n"
        "\n"
        "Run every [run.NAME] section of FILE.ini in file order, then every\n"
        "[compare.NAME] section, and print one summary table (see\n"
        "examples/batch.ini). [run.NAME] keys: command (run with /bin/sh -c),\n"
        "collector, url, namespace, deployment, selector, port, interval, profiles,\n"
        "cpu_duration, gc, target, duration, force. [compare.NAME] keys: a, b,\n"
        "fail_on. [batch] stop_on_failure stops at the first failed run.\n"
        "Exit status: 1 when anything failed, else 3 when a comparison regressed.\n"
        "  -h, --help            show this help\n";

static const char usage_plugins[] =
        "usage: e2e-profile plugins\n"
        "\n"
        "List the plugins found: kind, name, version, path and description.\n"
        "Files that were refused are reported on stderr with the reason.\n"
        "  -h, --help            show this help\n";

static const char usage_help[] =
        "usage: e2e-profile help [COMMAND | config]\n"
        "\n"
        "Show the overall help, one command's help, or every configuration key\n"
        "of the core and of each loaded plugin (`help config`).\n";

static const char usage_version[] = "usage: e2e-profile version\n"
                                    "\n"
                                    "Print the version and the plugin ABI version.\n";

const struct ep_command ep_commands[] = {
	{ "run", "run the test command while collecting snapshots, then analyze", usage_run,
	  ep_cmd_run, true },
	{ "collect", "collect only, until --duration elapses or SIGINT/SIGTERM, then analyze",
	  usage_collect, ep_cmd_collect, true },
	{ "analyze", "(re)analyze a run directory and write its reports", usage_analyze,
	  ep_cmd_analyze, true },
	{ "compare", "compare two runs, write comparisons/A-vs-B.*", usage_compare, ep_cmd_compare,
	  true },
	{ "top", "the pprof-compatible top table of one profile", usage_top, ep_cmd_top, true },
	{ "batch", "run every [run.NAME], then every [compare.NAME] of FILE.ini", usage_batch,
	  ep_cmd_batch, true },
	{ "plugins", "list the plugins found: kind, name, version, path", usage_plugins,
	  ep_cmd_plugins, true },
	{ "help", "show help for a command, or `help config` for every config key", usage_help,
	  ep_cmd_help, false },
	{ "version", "print the version and the plugin ABI version", usage_version, ep_cmd_version,
	  false },
	{ NULL, NULL, NULL, NULL, false },
};

const struct ep_command *ep_command_find(const char *name)
{
	for (const struct ep_command *command = ep_commands; command->name != NULL; command++)
		if (strcmp(command->name, name) == 0)
			return command;
	return NULL;
}

void ep_cli_print_usage(FILE *out)
{
	fputs("usage: e2e-profile [global options] COMMAND [options] [args]\n"
	      "\n"
	      "Profile a Go service's memory, CPU and goroutines while its end-to-end\n"
	      "tests run, and compare runs.\n"
	      "\n"
	      "commands:\n",
	      out);
	for (const struct ep_command *command = ep_commands; command->name != NULL; command++)
		fprintf(out, "  %-9s %s\n", command->name, command->summary);
	fputs("\n"
	      "global options:\n"
	      "  -c, --config FILE      INI file (default ./e2e-profile.ini when present)\n"
	      "  -o, --output-dir DIR   where runs are written (default ./e2e-profiles)\n"
	      "  --plugin-path DIR[:DIR] extra plugin directories, searched first\n"
	      "  -q, --quiet            only warnings and errors\n"
	      "  -v, --verbose          debug output\n"
	      "  -h, --help             this help; `e2e-profile COMMAND --help` for a command\n"
	      "  --version              same as the version command\n"
	      "\n"
	      "exit status: 0 success, 1 runtime error, 2 usage or configuration error,\n"
	      "3 compare --fail-on found a regression.\n"
	      "See e2e-profile(1) and `e2e-profile help config`.\n",
	      out);
}

void ep_cli_print_command_usage(FILE *out, const struct ep_command *command)
{
	fputs(command->usage, out);
}

bool ep_cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}
