/* The command table and the help texts; `--help`, the man page and README
 * describe the same commands, so change them together. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage_run[] =
        "usage: e2e-profile run NAME [options] [-- CMD ARGS...]\n"
        "\n"
        "Run the test command while collecting snapshots into OUTPUT_DIR/NAME,\n"
        "then analyze them. Without a command after --, runs `make TARGET`.\n"
        "\n"
        "options:\n"
        "  --collector NAME      kubectl | http | apiserver (default kubectl)\n"
        "  --url URL             http: base URL, e.g. http://127.0.0.1:6060\n"
        "  -n, --namespace NS    kubectl, apiserver: namespace (default olmv1-system)\n"
        "  --deployment NAME     kubectl, apiserver: deployment whose pods are profiled\n"
        "  -l, --selector SEL    kubectl, apiserver: label selector instead of the\n"
        "                        deployment's\n"
        "  --port PORT           pprof port in the pod (default 6060)\n"
        "  --context NAME        kubectl, apiserver: kubeconfig context (kubectl --context)\n"
        "  --kubeconfig FILE     kubectl, apiserver: kubeconfig file (kubectl --kubeconfig)\n"
        "  -i, --interval SECS   seconds between snapshots (default 15)\n"
        "  --profiles LIST       heap,cpu,goroutine,allocs,goroutineleak (default heap)\n"
        "  --cpu-duration SECS   length of each CPU profile (default 10)\n"
        "  --gc                  ask the server to GC before each heap snapshot\n"
        "  --target TARGET       make target when no command is given\n"
        "                        (default test-experimental-e2e)\n"
        "  --force               run into an existing run directory\n"
        "  --repeat N            run the test N times, each repetition collected apart\n"
        "                        into NAME/repK/ ([run] repeat, default 1); compare\n"
        "                        then tests changes for significance\n"
        "  --analyzers LIST      analyzer plugins to run (default [run] analyzers)\n"
        "  --reporters LIST      reporter plugins, e.g. markdown,csv,json,prometheus\n"
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
        "usage: e2e-profile analyze [options] NAME|DIR\n"
        "\n"
        "(Re)analyze a run directory and write analysis.md, analysis.json,\n"
        "analysis.csv, analysis.html and the flame graphs into it, then print\n"
        "the summary on stdout (not with -q) and append it to\n"
        "$GITHUB_STEP_SUMMARY when that names a file. A directory without run.json, as the "
        "original\n"
        "scripts left it (heapN.pprof ..., also in COMPONENT/ subdirectories),\n"
        "is read as an imported run: ordered by number, timed by the profiles.\n"
        "  --analyzers LIST      analyzer plugins to run (default [run] analyzers)\n"
        "  --reporters LIST      reporter plugins, e.g. markdown,csv,json,prometheus\n"
        "  --summary-only        print the summary and write nothing else\n"
        "  -h, --help            show this help\n";

static const char usage_compare[] =
        "usage: e2e-profile compare A B [--fail-on RULES] [--alpha A] [options]\n"
        "\n"
        "Compare two runs (names or directories) and write\n"
        "OUTPUT_DIR/comparisons/A-vs-B.{md,json,csv,html} and the differential\n"
        "flame graphs, then print the summary (verdict, gates, key changes) on\n"
        "stdout (not with -q) and append it to $GITHUB_STEP_SUMMARY when set.\n"
        "  --fail-on RULES       e.g. 'peak>+10%,cpu.total>+10s,runtime.max_rss?>5MB':\n"
        "                        ID{>,>=,<,<=}LIMIT on the change B-A; LIMIT in %, pp,\n"
        "                        B kB KB KiB MB MiB GB GiB, ns us ms s m h, or a count;\n"
        "                        a trailing ? on ID skips a figure a run lacks.\n"
        "                        Checked before anything is written (exit 2); exit 3\n"
        "                        when a rule fails (docs/gates.md). On repeated runs a\n"
        "                        rule fails only when the change is also significant\n"
        "  --alpha A             significance level of the Mann-Whitney U test on\n"
        "                        repeated runs (default 0.05, [compare] alpha);\n"
        "                        changes with p >= A show as ~ (docs/statistics.md)\n"
        "  --analyzers LIST      analyzer plugins to run (default [run] analyzers)\n"
        "  --reporters LIST      reporter plugins, e.g. markdown,csv,json,prometheus\n"
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
        "  --nodecount N          show at most N nodes (0: all, the default)\n"
        "  --nodefraction F       drop nodes below F of the total (default 0.005)\n"
        "  --unit UNIT            show values in UNIT (kb, MB, ms, s, auto, ...;\n"
        "                         default: one unit chosen for the table)\n"
        "  --base FILE            subtract FILE's samples first (a diff)\n"
        "  --diff-base FILE       the diff against FILE, in percent of FILE's total\n"
        "  --normalize            scale the profile to the base's total first\n"
        "  --functions, --lines, --files, --addresses\n"
        "                         what a row is (default: functions)\n"
        "  --focus RE             only samples with a frame matching RE\n"
        "  --ignore RE            no samples with a frame matching RE\n"
        "  --hide RE              leave out the frames matching RE\n"
        "  --show RE              keep only the frames matching RE\n"
        "  --show-from RE         cut each stack above its outermost match of RE\n"
        "  --tagfocus [KEY=]SPEC  only samples whose labels match SPEC: a range\n"
        "                         (32kb, :64kb, 4mb:, 12kb:64mb) or patterns (a,b)\n"
        "  --tagignore [KEY=]SPEC no samples whose labels match SPEC\n"
        "  -h, --help             show this help\n"
        "\n"
        "Patterns use Go regexp (RE2) syntax, as pprof's flags do: (?i)openapi,\n"
        "\\bList\\b, \\d+, a|b, ^runtime\\.\n";

static const char usage_merge[] =
        "usage: e2e-profile merge OUT FILE...\n"
        "\n"
        "Merge profiles (the replicas or repetitions of a run) as pprof merges\n"
        "them and write the result to OUT as gzip-compressed protobuf:\n"
        "`go tool pprof -top OUT` prints what `go tool pprof -top FILE...` prints.\n"
        "The sample types must be the same in every FILE.\n"
        "  -h, --help            show this help\n";

static const char usage_diff[] =
        "usage: e2e-profile diff OUT BASE NEW\n"
        "\n"
        "Write to OUT a profile of NEW minus BASE, as pprof's -diff_base shows it\n"
        "(BASE's samples negated and labelled pprof::base=true): `go tool pprof\n"
        "-top OUT` prints what `go tool pprof -top -diff_base=BASE NEW` prints,\n"
        "and `go tool pprof -http=: OUT` opens the comparison.\n"
        "  -h, --help            show this help\n";

static const char usage_batch[] =
        "usage: e2e-profile batch FILE.ini\n"
        "\n"
        "Run every [run.NAME] section of FILE.ini in file order, then every\n"
        "[compare.NAME] section, and print one summary table (see\n"
        "examples/batch.ini). [run.NAME] keys: command (run with /bin/sh -c),\n"
        "collector, url, namespace, deployment, selector, port, interval, profiles,\n"
        "cpu_duration, gc, target, duration, force. [compare.NAME] keys: a, b,\n"
        "fail_on. [batch] stop_on_failure stops at the first failed run.\n"
        "A comparison of a run that failed in this batch is skipped.\n"
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
	{ "merge", "merge profiles as pprof does into OUT (gzip protobuf)", usage_merge,
	  ep_cmd_merge, true },
	{ "diff", "write OUT: a profile of NEW minus BASE, as pprof -diff_base", usage_diff,
	  ep_cmd_diff, true },
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

void ep_cli_option_error(const struct ep_log *log, const char *command, char *const *argv,
                         const char *optstring)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char where[64], help[64];
	snprintf(where, sizeof(where), "%s%s", command ? command : "", command ? ": " : "");
	snprintf(help, sizeof(help), "e2e-profile %s%s--help", command ? command : "",
	         command ? " " : "");
	if (strncmp(arg, "--", 2) == 0) {
		int name_length = (int)strcspn(arg, "=");
		/* getopt_long sets optopt to a known long option's value when
		 * its argument is missing, and to 0 for an unknown one. */
		if (optopt != 0)
			ep_log_error(log, "%soption '%.*s' needs a value; try '%s'", where,
			             name_length, arg, help);
		else
			ep_log_error(log, "%sunknown option '%.*s'; try '%s'", where, name_length,
			             arg, help);
		return;
	}
	bool known = optopt != 0 && optopt != ':' && strchr(optstring, optopt) != NULL;
	if (known)
		ep_log_error(log, "%soption '-%c' needs a value; try '%s'", where, optopt, help);
	else if (optopt > 0x20 && optopt < 0x7f)
		ep_log_error(log, "%sunknown option '-%c'; try '%s'", where, optopt, help);
	else
		ep_log_error(log, "%sunknown option; try '%s'", where, help);
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
