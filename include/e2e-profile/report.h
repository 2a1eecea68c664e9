/* e2e-profile: the report document, the neutral form between analyzers and
 * reporters (docs/architecture.md).
 *
 * Analyzers add sections through the host API (report_* functions of
 * struct ep_host_api); reporters read the finished document through the
 * read-only structs below. Every number keeps its unit until a reporter
 * formats it, so a third-party analyzer appears in markdown, CSV and JSON
 * with no reporter change, and a new reporter renders every analyzer.
 * The host owns the document and everything in it.
 */
#ifndef EP_REPORT_H
#define EP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Units a value may carry. Reporters format by unit; "" means a plain
 * number. Use these spellings so every reporter understands them. */
#define EP_UNIT_BYTES            "bytes"
#define EP_UNIT_COUNT            "count"
#define EP_UNIT_NANOSECONDS      "nanoseconds"
#define EP_UNIT_SECONDS          "seconds"
#define EP_UNIT_BYTES_PER_SECOND "bytes/second"
#define EP_UNIT_PERCENT          "percent"
#define EP_UNIT_NONE             ""

/** How a value is stored. */
enum ep_value_type {
	EP_VALUE_NONE = 0,   /**< absent (an empty cell, a run without the figure) */
	EP_VALUE_INT = 1,    /**< exact 64-bit integer, e.g. bytes */
	EP_VALUE_DOUBLE = 2, /**< a measurement with a fraction, e.g. a rate */
	EP_VALUE_TEXT = 3,   /**< text, e.g. a function name */
};

/** One value. */
struct ep_value {
	enum ep_value_type type;
	int64_t integer;  /**< for EP_VALUE_INT */
	double real;      /**< for EP_VALUE_DOUBLE */
	const char *text; /**< for EP_VALUE_TEXT; owned by the document */
};

/** What an item of a section is. */
enum ep_report_item_kind {
	EP_REPORT_METRIC = 1,         /**< one named value */
	EP_REPORT_TABLE = 2,          /**< rows of typed columns */
	EP_REPORT_SERIES = 3,         /**< (x, y) points for a chart */
	EP_REPORT_NOTE = 4,           /**< a sentence for the reader */
	EP_REPORT_RECOMMENDATION = 5, /**< advice, with the numbers that fired it */
	EP_REPORT_COMPARISON = 6,     /**< one figure in runs A and B */
	/** A merged stack tree (ABI 1.1): a flame graph's data. Reporters
	 * built before 1.1 skip kinds they do not know. */
	EP_REPORT_TREE = 7,
};

/** A named value, e.g. id "peak_inuse_bytes". */
struct ep_report_metric {
	const char *id;    /**< stable identifier for scripts and --fail-on */
	const char *label; /**< human text, e.g. "Peak in-use memory" */
	struct ep_value value;
	const char *unit; /**< an EP_UNIT_* */
};

/** One column of a table. */
struct ep_report_column {
	const char *id;    /**< e.g. "flat_bytes" */
	const char *label; /**< e.g. "flat" */
	enum ep_value_type type;
	const char *unit; /**< an EP_UNIT_* for numbers */
};

/** A table: column_count columns, row_count rows of cells, row-major. */
struct ep_report_table {
	const char *id;
	const char *title;
	size_t column_count;
	const struct ep_report_column *columns;
	size_t row_count;
	const struct ep_value *cells; /**< row_count * column_count values */
};

/** A point of a series. */
struct ep_report_point {
	double x;
	double y;
};

/** A line for a chart, e.g. in-use bytes over seconds. Series of one
 * section sharing a chart id are drawn on one chart. */
struct ep_report_series {
	const char *id;
	const char *title; /**< legend text, e.g. the run name */
	const char *chart; /**< chart id; series with the same chart overlay */
	const char *x_label, *x_unit;
	const char *y_label, *y_unit;
	size_t point_count;
	const struct ep_report_point *points;
};

/** A recommendation: a rule that fired, the advice, and the evidence. */
struct ep_report_recommendation {
	const char *rule;     /**< rule id, e.g. "json-decoding-share" */
	const char *advice;   /**< what to do */
	const char *evidence; /**< the numbers that fired it */
};

/** How a figure of repeated runs varies and whether A and B differ
 * (docs/statistics.md). Since ABI 1.1. */
struct ep_report_statistics {
	uint32_t n_a, n_b;                 /**< repetitions of A and of B that have the figure */
	double a_min, a_max, b_min, b_max; /**< range over the repetitions */
	/** 95% distribution-free interval on each median; NAN when the side
	 * has too few repetitions (fewer than 6). */
	double a_low, a_high, b_low, b_high;
	double p_value; /**< two-sided Mann-Whitney U test; NAN when not computable */
	double alpha;   /**< significance level the verdict used */
	/** 1 when p_value < alpha, 0 when not, -1 when not computable. */
	int significant;
	/** Repetitions per side below which p can never be below alpha
	 * (4 at alpha 0.05). */
	uint32_t min_samples;
	/** The smallest p these n_a and n_b can give, 2 / C(n_a+n_b, n_a):
	 * when it is not below alpha, no change can be significant. */
	double min_p_value;
};

/** One figure in two runs, e.g. peak in-use memory of A and B. For
 * repeated runs a and b are the medians over the repetitions. */
struct ep_report_comparison {
	const char *id;    /**< e.g. "peak", "category.openapi" for --fail-on */
	const char *label; /**< e.g. "Peak Memory" */
	struct ep_value a, b;
	const char *unit;
	/** Since ABI 1.1: NULL for single runs, else the repetitions'
	 * statistics. Owned by the document. */
	const struct ep_report_statistics *statistics;
};

/** One frame of a stack tree (ABI 1.1): a function at one position of
 * the merged stacks, with the value of every sample passing through it
 * there (its width in a flame graph). */
struct ep_report_frame {
	const char *name; /**< function name as pprof prints it; "root" for frames[0] */
	uint32_t depth;   /**< 0 for the root, 1 for the outermost callers, ... */
	int64_t value;    /**< cumulative value in the profile (B of a comparison) */
	int64_t base;     /**< cumulative value in A of a comparison; 0 otherwise */
};

/** A stack tree (ABI 1.1): the samples of one or more profiles merged
 * root-first at function granularity, as pprof's flame graph and
 * flamegraph.pl merge them. Frames are in pre-order (a frame's children
 * follow it, each with depth + 1), siblings ordered by name; the children
 * of a frame never add up to more than the frame's value, the rest is its
 * self value. A comparison's tree holds both runs: value is B's, base is
 * A's, and a frame only A had has value 0. */
struct ep_report_tree {
	const char *id;            /**< e.g. "flamegraph.heap" */
	const char *title;         /**< e.g. "In-use memory at the peak (heap4.pprof)" */
	const char *sample_type;   /**< pprof's sample type, e.g. "inuse_space" */
	const char *unit;          /**< an EP_UNIT_*, e.g. EP_UNIT_BYTES */
	bool has_base;             /**< a comparison: base holds A's values */
	int64_t total;             /**< pprof's total of the profile(s): sum of |value| */
	int64_t base_total;        /**< the same for A of a comparison; 0 otherwise */
	size_t profile_count;      /**< profiles summed into value (e.g. every CPU profile) */
	size_t base_profile_count; /**< profiles summed into base */
	size_t frame_count;        /**< at least 1: the root */
	const struct ep_report_frame *frames; /**< pre-order, frames[0] is the root */
};

/** One item of a section, in the order it was added. */
struct ep_report_item {
	enum ep_report_item_kind kind;
	union {
		const struct ep_report_metric *metric;
		const struct ep_report_table *table;
		const struct ep_report_series *series;
		const char *note;
		const struct ep_report_recommendation *recommendation;
		const struct ep_report_comparison *comparison;
		const struct ep_report_tree *tree; /**< EP_REPORT_TREE (ABI 1.1) */
	} u;
};

/** A titled part of the report, usually one per analyzer. */
struct ep_report_section {
	const char *id;     /**< e.g. "heap" */
	const char *title;  /**< e.g. "Peak memory" */
	const char *origin; /**< the plugin that wrote it, e.g. "analyzer.heap" */
	size_t item_count;
	const struct ep_report_item *items;
};

/** The whole document. */
struct ep_report_document {
	const char *kind;  /**< "analysis" or "comparison" */
	const char *title; /**< e.g. "baseline" or "baseline vs with-caching" */
	const char *run_a; /**< the run analyzed, or A of a comparison */
	const char *run_b; /**< B of a comparison, NULL for an analysis */
	size_t section_count;
	const struct ep_report_section *const *sections;
};

#ifdef __cplusplus
}
#endif

#endif /* EP_REPORT_H */
