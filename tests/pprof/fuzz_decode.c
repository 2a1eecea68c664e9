/* libFuzzer target for the decoder and everything after it: any bytes in,
 * and when they decode, the node table and the top table out.
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true; run:
 * build-fuzz/tests/pprof/fuzz_decode CORPUS (e.g. a copy of tests/pprof/data).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pattern.h"
#include "pprof/aggregate.h"
#include "pprof/decode.h"
#include "pprof/top.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The one piece of process state: the sink, opened once. */
	static FILE *sink;
	if (sink == NULL)
		sink = fopen("/dev/null", "w");
	if (sink == NULL)
		return 0;
	/* A small limit keeps bombs cheap; the logic is the same. */
	struct ep_profile_load_options options = { .max_decompressed_bytes = 64 << 20 };
	struct ep_profile *p = NULL;
	char err[512];
	if (ep_profile_load_buffer(data, size, "fuzz", &options, &p, err, sizeof(err)) < 0)
		return 0;
	int index = ep_profile_sample_index(p, NULL, err, sizeof(err));
	if (index >= 0) {
		struct ep_node_table table;
		if (ep_node_table_build(&table, p, index, NULL, err, sizeof(err)) == 0) {
			ep_node_table_sort(&table, EP_NODE_ORDER_CUM);
			ep_node_table_mark_inline(&table, NULL, 0, 0);
		}
		ep_node_table_free(&table);
	}
	struct ep_top_options top = { .sample_index = NULL, .cum = false, .nodecount = 0 };
	ep_top_write(sink, p, &top, err, sizeof(err));
	/* The profile as its own base: every sample cancels. */
	top.base = p;
	top.cum = true;
	top.nodecount = 3;
	top.sample_index = "0";
	ep_top_write(sink, p, &top, err, sizeof(err));
	/* pprof's views: lines and addresses, filters cutting lines and
	 * stacks, -diff_base and -normalize against itself. */
	static struct ep_pattern *focus, *hide, *show_from;
	if (focus == NULL &&
	    (ep_pattern_compile("(?i)a|main", 10, "focus", &focus, err, sizeof(err)) < 0 ||
	     ep_pattern_compile("^r", 2, "hide", &hide, err, sizeof(err)) < 0 ||
	     ep_pattern_compile("\\d", 2, "show_from", &show_from, err, sizeof(err)) < 0)) {
		ep_profile_free(p);
		return 0;
	}
	struct ep_node_view view = { .granularity = EP_GRANULARITY_LINES,
		                     .focus = focus,
		                     .hide = hide,
		                     .show_from = show_from };
	top.view = &view;
	top.base = NULL;
	ep_top_write(sink, p, &top, err, sizeof(err));
	struct ep_node_view diff = { .granularity = EP_GRANULARITY_ADDRESSES,
		                     .diff_base = true,
		                     .normalize = true };
	top.view = &diff;
	top.base = p;
	top.unit = "kb";
	ep_top_write(sink, p, &top, err, sizeof(err));
	ep_profile_free(p);
	return 0;
}
