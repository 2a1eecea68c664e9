/* flame_svg: draws a stack tree (report.h's struct ep_report_tree) as a
 * flame graph in one self-contained SVG with its own small script, as
 * flamegraph.pl does: a tooltip per frame with its exact value and share,
 * click to zoom, a search that highlights matching frames and the share
 * they cover. A comparison's tree becomes a differential flame graph laid
 * out on B. Also writes the tree as folded stacks. Linked into the
 * flamegraph and html reporters; docs/flamegraph.md describes the output. */
#ifndef EP_REPORTERS_FLAME_SVG_H
#define EP_REPORTERS_FLAME_SVG_H

#include <stdbool.h>
#include <stdio.h>

#include <e2e-profile/report.h>

#include "reporter_common.h"

struct flame_svg_options {
	/* Children of a frame narrower than this share of the root are
	 * merged into one "other" frame (and what they called is dropped),
	 * so a profile of 100k stacks stays readable and small. */
	double min_share;
	/* Differential: scale A's values by B's total / A's total first, so
	 * the colours show a change of shares rather than of amounts. */
	bool normalize;
	/* Inside an HTML page: no XML prolog; the page's own search box
	 * drives the graph as well. */
	bool inline_html;
	/* Names of A and B for a differential tooltip. */
	const char *a_name, *b_name;
	/* The id of the <svg> element, unique within a page. */
	const char *element_id;
};

/* Writes the SVG of tree to stream. Returns 0, or -ENOMEM (stdio errors
 * show in ferror). */
int flame_svg_write(FILE *stream, const struct reporter_host *host,
                    const struct ep_report_tree *tree, const struct flame_svg_options *options);

/* Writes tree as folded stacks, one "root;...;leaf VALUE" line per frame
 * with a self value (a frame's value minus its children's), so the values
 * add up to the root's value: every frame, nothing merged; samples with an
 * empty stack (the root's own value) are the line "(no stack) VALUE". A comparison's
 * tree writes "STACK A_VALUE B_VALUE", the two-column form of
 * difffolded.pl that flamegraph.pl draws as a differential graph. Frame
 * names have ';' replaced by ':' and line breaks by spaces. Returns 0. */
int flame_folded_write(FILE *stream, const struct ep_report_tree *tree);

#endif /* EP_REPORTERS_FLAME_SVG_H */
