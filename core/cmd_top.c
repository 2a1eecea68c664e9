/* `e2e-profile top FILE`: the top table of one profile, byte-identical to
 * `go tool pprof -top`, which is how users check our numbers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "pprof/decode.h"
#include "pprof/top.h"

uint64_t ep_cli_max_profile_bytes(const struct ep_cli *cli)
{
	int64_t mib = 1024;
	if (cli->config != NULL)
		ep_config_get_int(cli->config, "core", "max_profile_mib", &mib);
	if (mib <= 0)
		mib = 1024;
	return (uint64_t)mib << 20;
}

int ep_cmd_top(struct ep_cli *cli, int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "sample-index", required_argument, NULL, 's' },
		{ "cum", no_argument, NULL, 'c' },
		{ "nodecount", required_argument, NULL, 'n' },
		{ "base", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct ep_top_options top = { 0 };
	const char *base_path = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (opt) {
		case 's':
			top.sample_index = optarg;
			break;
		case 'c':
			top.cum = true;
			break;
		case 'n': {
			int64_t n;
			if (ep_config_parse_int(optarg, &n) < 0 || n <= 0) {
				ep_log_error(&cli->log,
				             "top: --nodecount: '%s' is not a positive integer",
				             optarg);
				return EP_EXIT_USAGE;
			}
			top.nodecount = (long)n;
			break;
		}
		case 'b':
			base_path = optarg;
			break;
		default:
			ep_cli_option_error(&cli->log, "top", argv, "");
			return EP_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		ep_log_error(&cli->log, "top: expected exactly one profile file");
		return EP_EXIT_USAGE;
	}
	struct ep_profile_load_options load = { .max_decompressed_bytes =
		                                        ep_cli_max_profile_bytes(cli) };
	struct ep_profile *profile = NULL, *base = NULL;
	char err[1024];
	int status = EP_EXIT_FAILURE;
	if (ep_profile_load_file(argv[optind], &load, &profile, err, sizeof(err)) < 0 ||
	    (base_path && ep_profile_load_file(base_path, &load, &base, err, sizeof(err)) < 0)) {
		ep_log_error(&cli->log, "%s", err);
		goto done;
	}
	top.base = base;
	/* Bad data, not bad usage: there is no --sample-index that helps. */
	if (profile->sample_type_count == 0) {
		ep_log_error(&cli->log, "%s: the profile has no sample types (an empty profile)",
		             argv[optind]);
		goto done;
	}
	/* A sample type the profile lacks is a usage error, not a runtime one. */
	if (ep_profile_sample_index(profile, top.sample_index, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		status = EP_EXIT_USAGE;
		goto done;
	}
	if (ep_top_write(stdout, profile, &top, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "%s", err);
		goto done;
	}
	if (fflush(stdout) != 0) {
		ep_log_error(&cli->log, "top: writing the table: %s", "output error");
		goto done;
	}
	status = EP_EXIT_OK;
done:
	ep_profile_free(base);
	ep_profile_free(profile);
	return status;
}
