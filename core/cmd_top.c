/* `e2e-profile top FILE`: the top table of one profile, byte-identical to
 * `go tool pprof -top` with the same flags, which is how users check our
 * numbers. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pattern.h"
#include "pprof/aggregate.h"
#include "pprof/decode.h"
#include "pprof/tagfilter.h"
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

/* The filters in the order pprof lists them under "Active filters:". */
enum top_filter {
	TOP_FOCUS,
	TOP_IGNORE,
	TOP_HIDE,
	TOP_SHOW,
	TOP_SHOW_FROM,
	TOP_TAG_FOCUS,
	TOP_TAG_IGNORE,
	TOP_FILTER_COUNT
};

static const char *const top_filter_names[TOP_FILTER_COUNT] = {
	"focus", "ignore", "hide", "show", "show_from", "tagfocus", "tagignore",
};

static const char *const top_filter_flags[TOP_FILTER_COUNT] = {
	"--focus", "--ignore", "--hide", "--show", "--show-from", "--tagfocus", "--tagignore",
};

struct top_filters {
	const char *given[TOP_FILTER_COUNT];
	struct ep_pattern *patterns[TOP_TAG_FOCUS];
	struct ep_tag_filter *tags[2];
	char *active[TOP_FILTER_COUNT];
	size_t active_count;
};

static void top_filters_free(struct top_filters *f)
{
	for (size_t i = 0; i < TOP_TAG_FOCUS; i++)
		ep_pattern_free(f->patterns[i]);
	for (size_t i = 0; i < 2; i++)
		ep_tag_filter_free(f->tags[i]);
	for (size_t i = 0; i < f->active_count; i++)
		free(f->active[i]);
}

/* Compiles every filter given into view; 0, or a negative errno with one
 * line in err naming the flag. */
static int top_filters_compile(struct top_filters *f, struct ep_node_view *view, char *err,
                               size_t errlen)
{
	for (size_t i = 0; i < TOP_FILTER_COUNT; i++) {
		const char *value = f->given[i];
		if (value == NULL || value[0] == '\0')
			continue; /* pprof ignores an empty filter */
		int ret = i < TOP_TAG_FOCUS
		                  ? ep_pattern_compile(value, strlen(value), top_filter_flags[i],
		                                       &f->patterns[i], err, errlen)
		                  : ep_tag_filter_parse(value, top_filter_flags[i],
		                                        &f->tags[i - TOP_TAG_FOCUS], err, errlen);
		if (ret < 0)
			return ret;
		size_t len = strlen(top_filter_names[i]) + strlen(value) + 2;
		char *text = malloc(len);
		if (text == NULL) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		snprintf(text, len, "%s=%s", top_filter_names[i], value);
		f->active[f->active_count++] = text;
	}
	view->focus = f->patterns[TOP_FOCUS];
	view->ignore = f->patterns[TOP_IGNORE];
	view->hide = f->patterns[TOP_HIDE];
	view->show = f->patterns[TOP_SHOW];
	view->show_from = f->patterns[TOP_SHOW_FROM];
	view->tag_focus = f->tags[0];
	view->tag_ignore = f->tags[1];
	return 0;
}

/* Go's strconv.ParseFloat as the flag package uses it, for the plain
 * decimal forms people type. */
static int top_parse_fraction(const char *text, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (text[0] == '\0' || *end != '\0' || errno != 0 || isnan(v))
		return -EINVAL;
	*out = v;
	return 0;
}

enum {
	TOP_OPT_DIFF_BASE = 256,
	TOP_OPT_LINES,
	TOP_OPT_FILES,
	TOP_OPT_ADDRESSES,
	TOP_OPT_FUNCTIONS,
	TOP_OPT_UNIT,
	TOP_OPT_NODEFRACTION,
	TOP_OPT_NORMALIZE,
	TOP_OPT_FILTER, /* + enum top_filter */
};

int ep_cmd_top(struct ep_cli *cli, int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "sample-index", required_argument, NULL, 's' },
		{ "cum", no_argument, NULL, 'c' },
		{ "nodecount", required_argument, NULL, 'n' },
		{ "base", required_argument, NULL, 'b' },
		{ "diff-base", required_argument, NULL, TOP_OPT_DIFF_BASE },
		{ "lines", no_argument, NULL, TOP_OPT_LINES },
		{ "files", no_argument, NULL, TOP_OPT_FILES },
		{ "addresses", no_argument, NULL, TOP_OPT_ADDRESSES },
		{ "functions", no_argument, NULL, TOP_OPT_FUNCTIONS },
		{ "unit", required_argument, NULL, TOP_OPT_UNIT },
		{ "nodefraction", required_argument, NULL, TOP_OPT_NODEFRACTION },
		{ "normalize", no_argument, NULL, TOP_OPT_NORMALIZE },
		{ "focus", required_argument, NULL, TOP_OPT_FILTER + TOP_FOCUS },
		{ "ignore", required_argument, NULL, TOP_OPT_FILTER + TOP_IGNORE },
		{ "hide", required_argument, NULL, TOP_OPT_FILTER + TOP_HIDE },
		{ "show", required_argument, NULL, TOP_OPT_FILTER + TOP_SHOW },
		{ "show-from", required_argument, NULL, TOP_OPT_FILTER + TOP_SHOW_FROM },
		{ "tagfocus", required_argument, NULL, TOP_OPT_FILTER + TOP_TAG_FOCUS },
		{ "tagignore", required_argument, NULL, TOP_OPT_FILTER + TOP_TAG_IGNORE },
		{ NULL, 0, NULL, 0 },
	};
	struct ep_top_options top = { 0 };
	struct ep_node_view view = { 0 };
	struct top_filters filters = { 0 };
	const char *base_path = NULL, *diff_base_path = NULL;
	int granularities = 0;
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
			/* pprof: 0 (or less) means no limit */
			int64_t n;
			if (ep_config_parse_int(optarg, &n) < 0 || n < 0) {
				ep_log_error(&cli->log,
				             "top: --nodecount: '%s' is not a number >= 0 (0: all)",
				             optarg);
				return EP_EXIT_USAGE;
			}
			top.nodecount = (long)n;
			break;
		}
		case 'b':
			base_path = optarg;
			break;
		case TOP_OPT_DIFF_BASE:
			diff_base_path = optarg;
			break;
		case TOP_OPT_LINES:
		case TOP_OPT_FILES:
		case TOP_OPT_ADDRESSES:
		case TOP_OPT_FUNCTIONS:
			granularities++;
			view.granularity = opt == TOP_OPT_LINES       ? EP_GRANULARITY_LINES
			                   : opt == TOP_OPT_FILES     ? EP_GRANULARITY_FILES
			                   : opt == TOP_OPT_ADDRESSES ? EP_GRANULARITY_ADDRESSES
			                                              : EP_GRANULARITY_FUNCTIONS;
			break;
		case TOP_OPT_UNIT:
			top.unit = optarg;
			break;
		case TOP_OPT_NODEFRACTION:
			if (top_parse_fraction(optarg, &top.node_fraction) < 0) {
				ep_log_error(&cli->log, "top: --nodefraction: '%s' is not a number",
				             optarg);
				return EP_EXIT_USAGE;
			}
			top.has_node_fraction = true;
			break;
		case TOP_OPT_NORMALIZE:
			view.normalize = true;
			break;
		default:
			if (opt >= TOP_OPT_FILTER && opt < TOP_OPT_FILTER + TOP_FILTER_COUNT) {
				filters.given[opt - TOP_OPT_FILTER] = optarg;
				break;
			}
			ep_cli_option_error(&cli->log, "top", argv, "");
			return EP_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		ep_log_error(&cli->log, "top: expected exactly one profile file");
		return EP_EXIT_USAGE;
	}
	if (granularities > 1) {
		ep_log_error(&cli->log,
		             "top: give at most one of --lines, --files, --addresses, --functions");
		return EP_EXIT_USAGE;
	}
	if (base_path != NULL && diff_base_path != NULL) {
		ep_log_error(&cli->log, "top: --base and --diff-base cannot both be given");
		return EP_EXIT_USAGE;
	}
	if (view.normalize && base_path == NULL && diff_base_path == NULL) {
		ep_log_error(&cli->log, "top: --normalize needs --base or --diff-base");
		return EP_EXIT_USAGE;
	}
	char err[1024];
	int status = EP_EXIT_FAILURE;
	struct ep_profile *profile = NULL, *base = NULL;
	/* Patterns are checked before any file is read. */
	if (top_filters_compile(&filters, &view, err, sizeof(err)) < 0) {
		ep_log_error(&cli->log, "top: %s", err);
		status = EP_EXIT_USAGE;
		goto done;
	}
	view.diff_base = diff_base_path != NULL;
	if (diff_base_path != NULL)
		base_path = diff_base_path;
	top.view = &view;
	top.active_filters = (const char *const *)filters.active;
	top.active_filter_count = filters.active_count;
	struct ep_profile_load_options load = { .max_decompressed_bytes =
		                                        ep_cli_max_profile_bytes(cli) };
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
	top_filters_free(&filters);
	ep_profile_free(base);
	ep_profile_free(profile);
	return status;
}
