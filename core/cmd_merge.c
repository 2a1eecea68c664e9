/* `e2e-profile merge OUT FILES...` and `e2e-profile diff OUT BASE NEW`:
 * profiles written as pprof would merge them, so `go tool pprof` (or any
 * pprof viewer) shows the replicas of a run as one, or a comparison as
 * its -diff_base view. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pprof/decode.h"
#include "pprof/merge.h"

/* Options: only --help (handled by the dispatcher) exists; anything else
 * that looks like an option is a usage error. */
static int merge_parse(struct ep_cli *cli, const char *command, int argc, char **argv)
{
	static const struct option long_options[] = { { NULL, 0, NULL, 0 } };
	int opt;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		fprintf(stderr, "Try 'e2e-profile %s --help'.\n", command);
		return -EINVAL;
	}
	(void)cli;
	return 0;
}

/* Loads paths, writes their merge to out; inputs[i].diff_base from
 * diff_base_first (the index of the one base, or count for none). */
static int merge_run(struct ep_cli *cli, const char *out, char **paths, size_t count,
                     size_t diff_base_index)
{
	struct ep_profile_load_options load = { .max_decompressed_bytes =
		                                        ep_cli_max_profile_bytes(cli) };
	struct ep_profile **profiles = calloc(count, sizeof(*profiles));
	struct ep_merge_input *inputs = calloc(count, sizeof(*inputs));
	char err[1024];
	int status = EP_EXIT_FAILURE;
	if (profiles == NULL || inputs == NULL) {
		ep_log_error(&cli->log, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < count; i++) {
		if (ep_profile_load_file(paths[i], &load, &profiles[i], err, sizeof(err)) < 0) {
			ep_log_error(&cli->log, "%s", err);
			goto done;
		}
		inputs[i].profile = profiles[i];
		inputs[i].name = paths[i];
		inputs[i].diff_base = i == diff_base_index;
	}
	if (ep_profile_merge_write(out, inputs, count, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		goto done;
	}
	status = EP_EXIT_OK;
done:
	for (size_t i = 0; profiles != NULL && i < count; i++)
		ep_profile_free(profiles[i]);
	free(profiles);
	free(inputs);
	return status;
}

int ep_cmd_merge(struct ep_cli *cli, int argc, char **argv)
{
	if (merge_parse(cli, "merge", argc, argv) < 0)
		return EP_EXIT_USAGE;
	if (argc - optind < 2) {
		ep_log_error(&cli->log, "merge: expected OUT and at least one profile");
		return EP_EXIT_USAGE;
	}
	return merge_run(cli, argv[optind], argv + optind + 1, (size_t)(argc - optind - 1),
	                 SIZE_MAX);
}

int ep_cmd_diff(struct ep_cli *cli, int argc, char **argv)
{
	if (merge_parse(cli, "diff", argc, argv) < 0)
		return EP_EXIT_USAGE;
	if (argc - optind != 3) {
		ep_log_error(&cli->log, "diff: expected OUT BASE NEW");
		return EP_EXIT_USAGE;
	}
	/* pprof merges the profile first, then the negated base. */
	char *paths[2] = { argv[optind + 2], argv[optind + 1] };
	return merge_run(cli, argv[optind], paths, 2, 1);
}
