/* `run` and `collect`: take snapshots on a schedule while the test command
 * runs (or until a duration or a signal), record every attempt in run.json,
 * and keep going through faults. */
#ifndef EP_RUN_H
#define EP_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

enum ep_profile_kind_index {
	EP_KIND_HEAP = 0,
	EP_KIND_CPU = 1,
	EP_KIND_GOROUTINE = 2,
	EP_KIND_ALLOCS = 3,
	EP_KIND_GOROUTINELEAK = 4, /* Go 1.26's /debug/pprof/goroutineleak */
	EP_KIND_COUNT = 5,
};

struct ep_run_options {
	const char *name;          /* run name: a directory under output_dir */
	bool collect_only;         /* `collect`: no test command */
	char *const *command_argv; /* after --; NULL: `make TARGET` (run only) */
	bool verbose;              /* tee the test's output to the terminal */
	bool force;                /* allow an existing run directory */
	/* --repeat: the repetition's number (1..N) and subdirectory of NAME
	 * ("rep1"); 0 and NULL for a single run. */
	uint32_t repetition;
	const char *repetition_dir;
};

/* Runs the whole thing with the settings of cli->config ([run], [core] and
 * the collector's section). Returns the exit status of docs/cli.md: the test
 * command's non-zero status, 130/143 after a signal, 1 on a runtime
 * error, 2 on a usage error. */
int ep_run_execute(struct ep_cli *cli, const struct ep_run_options *options);

/* `run NAME --repeat N` ([run] repeat): N > 1 runs the test N times, each
 * repetition collected into NAME/repK/ as a run of its own, then writes
 * NAME/run.json (schema e2e-profile/repeated-run, docs/run-json.md) and the
 * summary analysis; N = 1 is ep_run_execute. Returns as ep_run_execute
 * (the first failing repetition's test status). In repeat.c. */
int ep_run_repeated(struct ep_cli *cli, const struct ep_run_options *options);

/* Parses "heap,goroutine" into wanted[EP_KIND_COUNT]; -EINVAL on an
 * unknown name (err names it). */
int ep_run_parse_profiles(const char *list, bool wanted[EP_KIND_COUNT], char *err, size_t errlen);

/* The file name stem of a kind: "heap", "cpu", "goroutine", "allocs". */
const char *ep_run_kind_name(enum ep_profile_kind_index kind);

#endif
