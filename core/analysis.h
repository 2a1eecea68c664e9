/* From run directories to reports: read run.json, run the analyzers (or
 * their compare), apply the recommendation rules, then the reporters. */
#ifndef EP_ANALYSIS_H
#define EP_ANALYSIS_H

#include <e2e-profile/plugin.h>

#include "cli.h"

struct ep_loaded_run;
struct ep_json;

/* Reads DIR/run.json, or, in a directory without one, the numbered
 * snapshots the earlier tools left (core/run_seed.h), reading their times
 * with at most max_profile_bytes decompressed per profile. Returns 0, or a
 * negative errno with err naming the file and the fault. */
int ep_run_load(const char *directory, uint64_t max_profile_bytes, struct ep_loaded_run **out,
                char *err, size_t errlen);
const struct ep_run_info *ep_loaded_run_info(const struct ep_loaded_run *run);
/* What was inferred for a run without run.json (a sentence for the
 * report), or NULL for a run read from its manifest. */
const char *ep_loaded_run_inferred(const struct ep_loaded_run *run);
/* The snapshots array of the run's manifest (with each attempt's runtime
 * figures), or NULL for a run read without one. */
const struct ep_json *ep_loaded_run_snapshots(const struct ep_loaded_run *run);
/* K for repetition K of `run --repeat` (its run.json says so), else 0. */
int64_t ep_loaded_run_repetition(const struct ep_loaded_run *run);
void ep_loaded_run_free(struct ep_loaded_run *run);

/* Resolves a run named on the command line: a directory path when it holds
 * a '/' or exists as given with a run.json, else OUTPUT_DIR/NAME. */
void ep_run_resolve_directory(const struct ep_cli *cli, const char *name_or_dir, char *out,
                              size_t len);

/* Analyzes a run and writes DIR/analysis.* with the configured reporters.
 * Returns an enum ep_exit_status. */
int ep_analysis_analyze(struct ep_cli *cli, const char *directory);

/* The summary of a repeated run (docs/run-json.md): reads DIR/run.json of
 * schema e2e-profile/repeated-run, analyzes every repetition (writing each
 * one's analysis.* when analyze_each), and writes DIR/analysis.* with each
 * metric per repetition and its median, min and max. Returns an enum
 * ep_exit_status. */
int ep_analysis_summarize(struct ep_cli *cli, const char *directory, bool analyze_each);

/* Compares runs A and B, writes OUTPUT_DIR/comparisons/A-vs-B.*, and checks
 * fail_on (may be NULL). Returns an enum ep_exit_status (3 on a broken rule). */
int ep_analysis_compare(struct ep_cli *cli, const char *a, const char *b, const char *fail_on);

/* Checks the syntax of a --fail-on expression (batch checks every
 * [compare.NAME] fail_on before its first run). Returns 0, -EINVAL with err
 * saying what is wrong, or -ENOMEM. */
int ep_analysis_check_fail_on(const char *text, char *err, size_t errlen);

/* Checks what an analysis will need before a run starts: every analyzer
 * and reporter named in [run] is installed and accepts its settings (each
 * is initialized once), and every [rule.NAME] is complete. Logs one line
 * on a fault. Returns an enum ep_exit_status (2 for a bad setting). */
int ep_analysis_check_config(struct ep_cli *cli);

#endif
