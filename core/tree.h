/* Stack trees: the samples of profiles merged root-first at function
 * granularity, the data of a flame graph (report.h's struct
 * ep_report_tree). The host builds them for analyzers through tree_new,
 * tree_add and report_tree (plugin.h); see docs/flamegraph.md. */
#ifndef EP_CORE_TREE_H
#define EP_CORE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <e2e-profile/profile.h>
#include <e2e-profile/report.h>

struct ep_tree;

/* An empty tree. Returns 0 or -ENOMEM. */
int ep_tree_new(struct ep_tree **out);
void ep_tree_free(struct ep_tree *tree);

/* Adds every stack of profile at sample_index (as ep_top_new resolves it)
 * to the B side of tree, or to the A side with base. Returns 0, -EINVAL
 * with one line in err (bad index, or a sample type other than the
 * side's earlier profiles), or -ENOMEM. */
int ep_tree_add(struct ep_tree *tree, const struct ep_profile *profile, const char *sample_index,
                bool base, char *err, size_t errlen);

/* The interned function names of tree, by id: *names[0 .. *count-1],
 * borrowed from the tree. */
void ep_tree_names(const struct ep_tree *tree, const char *const **names, size_t *count);

/* The most frames ep_tree_frames can write. */
size_t ep_tree_frame_limit(const struct ep_tree *tree);

/* Writes the tree's frames in pre-order, siblings by name, into frames
 * (room for ep_tree_frame_limit()), each name taken from names[id] (e.g.
 * ep_tree_names' copied elsewhere; the root is "root"), sets *count, and
 * fills *header but its id, title and frames. The tree cannot grow after.
 * Returns 0, -EINVAL for a tree with no profile, or -ENOMEM. */
int ep_tree_frames(struct ep_tree *tree, const char *const *names, struct ep_report_frame *frames,
                   size_t *count, struct ep_report_tree *header);

#endif
