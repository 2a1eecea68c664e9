/* Per-function totals of a profile, computed as pprof computes its graph at
 * the default (function) granularity: flat and cumulative values per node,
 * the percentage denominator, and a -base difference merged the way pprof's
 * profile.Merge does.  Printing is someone else's job (top.c, analyzers).
 */
#ifndef EP_PPROF_AGGREGATE_H
#define EP_PPROF_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e2e-profile/profile.h"

/* One row of the table: a function (or line, file, address: see
 * ep_granularity), or a binary or "<unknown>" standing in for frames
 * without a function name. */
struct ep_node {
	const char *name; /* printed: "pkg.Func", "pkg.Func file.go:12",
	                   * "[binary]", "<unknown>"; NUL-terminated, but a
	                   * name may hold NULs: name_length is its length */
	size_t name_length;
	int64_t flat; /* value of the samples whose leaf frame is this node */
	int64_t cum;  /* value of the samples with this node anywhere on the
	               * stack, counted once per sample however deep the
	               * recursion */
	/* What else tells nodes apart when name alone does not: unnamed
	 * frames of different binaries or functions stay separate nodes, as
	 * in pprof.  Both are ""/0 for a named function. */
	const char *objfile; /* mapping file of an unnamed frame (NULL: none) */
	int64_t start_line;  /* start line of an unnamed function */
	/* The rest of pprof's NodeInfo, which orders ties. */
	const char *function_name;                /* "" for an unnamed frame or -files */
	const char *file;                         /* "" unless -lines, -files, -addresses */
	size_t function_name_length, file_length; /* bytes, NULs included */
	int64_t line;                             /* 0 unless -lines, -addresses */
	uint64_t address;                         /* 0 unless -addresses */
	/* Set by ep_node_table_mark_inline(): how callers reach this node. */
	enum ep_node_inlining {
		EP_NODE_CALLED,            /* by real calls only (or no caller) */
		EP_NODE_INLINED,           /* by inlined calls only: pprof's "(inline)" */
		EP_NODE_PARTIALLY_INLINED, /* both: pprof's "(partial-inline)" */
	} inlining;
	uint32_t id; /* stable id of the node inside its table */
};

enum ep_node_order {
	EP_NODE_ORDER_FLAT, /* |flat| desc, name, |cum| desc: pprof's default */
	EP_NODE_ORDER_CUM,  /* |cum| desc, name, |flat| desc: pprof's -cum */
};

struct ep_node_aggregate; /* private state of a table */

/* What identifies a node, as pprof's -functions (the default), -lines,
 * -files and -addresses. */
enum ep_granularity {
	EP_GRANULARITY_FUNCTIONS,
	EP_GRANULARITY_LINES,
	EP_GRANULARITY_FILES,
	EP_GRANULARITY_ADDRESSES,
};

struct ep_pattern;
struct ep_tag_filter;

/* How a table looks at the profile beyond its sample index: pprof's
 * granularity, -diff_base, -normalize and filters.  Zeroed: the plain
 * function table.  Patterns and filters are borrowed for the build. */
struct ep_node_view {
	enum ep_granularity granularity;
	bool diff_base; /* the base's samples stay apart from the profile's, and
	                 * the total is the base's (pprof -diff_base) */
	bool normalize; /* scale the profile to the base's totals first */
	const struct ep_pattern *focus, *ignore, *hide, *show, *show_from;
	const struct ep_tag_filter *tag_focus, *tag_ignore;
};

struct ep_node_table {
	struct ep_node *nodes; /* every node with a non-zero flat or cum */
	size_t count;
	int64_t total;    /* sum of |value| over all (merged) samples, empty
	                   * stacks included: pprof's 100% */
	int64_t flat_sum; /* signed sum of every node's flat: the base of
	                   * pprof's node and edge cutoffs */

	int sample_index;
	/* The sample type shown; with a base whose unit differs (kB vs B),
	 * the finer unit both were scaled to. */
	struct ep_profile_value_type sample_type;

	/* Header of the merged profile, combined as profile.Merge does: the
	 * earliest time (0 wins when either has none), the summed duration,
	 * comments without repeats, the first mapping of the profile (or of the
	 * base when the profile has none). */
	int64_t time_nanos;
	int64_t duration_nanos;
	const char *main_file;                         /* "" when none; a URL without build id
	                                                * reads as "" like pprof's unsourceMappings */
	const char *main_build_id;                     /* "" when none */
	size_t main_file_length, main_build_id_length; /* bytes, NULs included */
	size_t comment_count;
	const char *const *comments;

	struct ep_node_aggregate *aggregate;
};

/* Resolves spec like ep_profile_sample_index() on the profile that merging
 * p and base (may be NULL) gives: without spec, the default sample type of
 * p, else of base, else the last type.  Returns the index or a negative
 * errno with one line in err. */
int ep_node_table_sample_index(const struct ep_profile *p, const struct ep_profile *base,
                               const char *spec, char *err, size_t errlen);

/* Builds the node table of p at sample_index (see above).  With a base, the
 * table shows p minus base: base values are negated and merged into p by
 * stack (locations compared by mapping, address and lines, not by id) and
 * labels; pairs that cancel vanish.  p and base are borrowed and must
 * outlive the table; they must come from ep_profile_load_*().
 * Returns 0, -EINVAL (base incompatible, bad index; err says why) or
 * -ENOMEM.  Free the table with ep_node_table_free() in every case. */
int ep_node_table_build(struct ep_node_table *table, const struct ep_profile *p, int sample_index,
                        const struct ep_profile *base, char *err, size_t errlen);

/* ep_node_table_build() with a view (NULL: the zeroed view).  The total
 * is taken before filters, as pprof's; filters then keep or cut samples as
 * pprof's FilterSamplesByName, ShowFrom and FilterSamplesByTag do. */
int ep_node_table_build_view(struct ep_node_table *table, const struct ep_profile *p,
                             int sample_index, const struct ep_profile *base,
                             const struct ep_node_view *view, char *err, size_t errlen);

/* Sorts table->nodes in place; the order is total, so the result is the
 * same whatever the input order. */
void ep_node_table_sort(struct ep_node_table *table, enum ep_node_order order);

/* Sorts an array of node pointers (e.g. a trimmed selection) likewise. */
void ep_node_sort_pointers(struct ep_node **nodes, size_t count, enum ep_node_order order);

/* Finds the call edges of the graph restricted to kept (node pointers into
 * table->nodes; NULL: every node, including those whose values cancelled
 * to zero) and sets the inlining of every node from the edges whose
 * |weight| >= edge_cutoff.  Frames of nodes outside kept are skipped, so a
 * kept caller links straight to a kept callee, as in pprof's trimmed
 * graphs.  An edge is inlined when the callee is not the outermost line of
 * its location.  Returns 0 or -ENOMEM. */
int ep_node_table_mark_inline(struct ep_node_table *table, struct ep_node *const *kept,
                              size_t kept_count, int64_t edge_cutoff);

/* One merged stack of a table: nodes[0 .. depth-1] are indices into
 * table->nodes, root first, one per frame (inlined lines each count as a
 * frame, recursion repeats the node); weight is the merged sample's value
 * at the table's sample index (never 0). depth is 0 for an empty stack. */
typedef int (*ep_node_stack_fn)(void *context, const uint32_t *nodes, size_t depth, int64_t weight);

/* Calls visit for every merged sample with a non-zero weight, after
 * pruning, in sample order: the stacks whose values make up table's flat
 * and cum (a flame graph's input). Stops at the first non-zero return of
 * visit and returns it; otherwise returns 0, or -ENOMEM. */
int ep_node_table_each_stack(struct ep_node_table *table, ep_node_stack_fn visit, void *context);

/* Frees what the table holds and zeroes it; safe on a zeroed table. */
void ep_node_table_free(struct ep_node_table *table);

#endif /* EP_PPROF_AGGREGATE_H */
