/* Stack trees for flame graphs. Each profile goes through the node table
 * of pprof's -top (pprof/aggregate.c), so frames are named, merged and
 * pruned exactly as the top table names them. Its merged stacks are kept
 * as paths of interned names, root first; the tree is made at the end by
 * sorting the paths (names in byte order) and sweeping them once: equal
 * prefixes are the shared frames, and the sorted order is the pre-order
 * with siblings by name. A trie built sample by sample costs a random
 * memory access per frame; a profile of 275k samples has 6M of them
 * (bench/flamegraph.sh). */
#include "tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof/aggregate.h"
#include "pprof/arena.h"

#define TREE_NONE UINT32_MAX

/* Open addressing over 64-bit keys; slots hold entry + 1, 0 is empty. */
struct tree_index {
	uint64_t *keys;
	uint32_t *entries;
	size_t capacity, used;
};

/* One merged sample: its path of name ids (ranks once sorted) in paths. */
struct tree_stack {
	const uint32_t *path; /* set when the paths stop growing */
	size_t offset;
	uint32_t depth;
	bool base;
	int64_t weight;
};

struct tree_side {
	size_t profile_count;
	int64_t total;
	const char *sample_type, *unit; /* in the arena; NULL before the first profile */
};

struct ep_tree {
	struct ep_arena arena;
	uint32_t *paths; /* every stack's names, root first, back to back */
	size_t path_length, path_capacity;
	struct tree_stack *stacks;
	size_t stack_count, stack_capacity;
	const char **names;
	size_t name_count, name_capacity;
	struct tree_index name_index; /* hash of the text -> name, checked by strcmp */
	struct tree_side sides[2];    /* [0] B (value), [1] A (base) */
	bool ranked;                  /* paths hold ranks (after ep_tree_frames), not ids */
};

static uint64_t tree_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t tree_hash_text(const char *text)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static int tree_index_grow(struct tree_index *index)
{
	size_t capacity = index->capacity ? index->capacity * 2 : 1024;
	uint64_t *keys = calloc(capacity, sizeof(*keys));
	uint32_t *entries = calloc(capacity, sizeof(*entries));
	if (keys == NULL || entries == NULL) {
		free(keys);
		free(entries);
		return -ENOMEM;
	}
	for (size_t i = 0; i < index->capacity; i++) {
		if (index->entries[i] == 0)
			continue;
		size_t slot = tree_mix(index->keys[i]) & (capacity - 1);
		while (entries[slot] != 0)
			slot = (slot + 1) & (capacity - 1);
		keys[slot] = index->keys[i];
		entries[slot] = index->entries[i];
	}
	free(index->keys);
	free(index->entries);
	index->keys = keys;
	index->entries = entries;
	index->capacity = capacity;
	return 0;
}

static void tree_index_free(struct tree_index *index)
{
	free(index->keys);
	free(index->entries);
	memset(index, 0, sizeof(*index));
}

static int tree_grow(void **array, size_t *capacity, size_t needed, size_t element)
{
	if (needed <= *capacity)
		return 0;
	size_t grown = *capacity ? *capacity * 2 : 256;
	void *bigger = realloc(*array, grown * element);
	if (bigger == NULL)
		return -ENOMEM;
	*array = bigger;
	*capacity = grown;
	return 0;
}

/* The id of name, interned (copied into the arena) when new. */
static uint32_t tree_intern(struct ep_tree *tree, const char *name)
{
	struct tree_index *index = &tree->name_index;
	if ((index->used + 1) * 2 > index->capacity && tree_index_grow(index) < 0)
		return TREE_NONE;
	uint64_t key = tree_hash_text(name);
	size_t slot = tree_mix(key) & (index->capacity - 1);
	while (index->entries[slot] != 0) {
		uint32_t id = index->entries[slot] - 1;
		if (index->keys[slot] == key && strcmp(tree->names[id], name) == 0)
			return id;
		slot = (slot + 1) & (index->capacity - 1);
	}
	if (tree_grow((void **)&tree->names, &tree->name_capacity, tree->name_count + 1,
	              sizeof(*tree->names)) < 0)
		return TREE_NONE;
	const char *copy = ep_arena_strndup(&tree->arena, name, strlen(name));
	if (copy == NULL)
		return TREE_NONE;
	uint32_t id = (uint32_t)tree->name_count++;
	tree->names[id] = copy;
	index->keys[slot] = key;
	index->entries[slot] = id + 1;
	index->used++;
	return id;
}

int ep_tree_new(struct ep_tree **out)
{
	struct ep_tree *tree = calloc(1, sizeof(*tree));
	if (tree == NULL)
		return -ENOMEM;
	ep_arena_init(&tree->arena);
	if (tree_intern(tree, "<unknown>") == TREE_NONE) {
		ep_tree_free(tree);
		return -ENOMEM;
	}
	*out = tree;
	return 0;
}

void ep_tree_free(struct ep_tree *tree)
{
	if (tree == NULL)
		return;
	tree_index_free(&tree->name_index);
	free(tree->paths);
	free(tree->stacks);
	free(tree->names);
	ep_arena_release(&tree->arena);
	free(tree);
}

struct tree_walk {
	struct ep_tree *tree;
	const uint32_t *names; /* interned name of each node of the table */
	size_t name_count;
	uint32_t unknown; /* a node whose values cancelled out has no row */
	bool base;
};

static int64_t tree_sum(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static int tree_visit(void *context, const uint32_t *nodes, size_t depth, int64_t weight)
{
	struct tree_walk *walk = context;
	struct ep_tree *tree = walk->tree;
	if (depth > UINT32_MAX ||
	    tree_grow((void **)&tree->paths, &tree->path_capacity, tree->path_length + depth,
	              sizeof(*tree->paths)) < 0 ||
	    tree_grow((void **)&tree->stacks, &tree->stack_capacity, tree->stack_count + 1,
	              sizeof(*tree->stacks)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < depth; i++)
		tree->paths[tree->path_length + i] =
		        nodes[i] < walk->name_count ? walk->names[nodes[i]] : walk->unknown;
	tree->stacks[tree->stack_count++] =
	        (struct tree_stack){ NULL, tree->path_length, (uint32_t)depth, walk->base, weight };
	tree->path_length += depth;
	return 0;
}

static const char *tree_arena_text(struct ep_tree *tree, const char *text)
{
	return ep_arena_strndup(&tree->arena, text, strlen(text));
}

int ep_tree_add(struct ep_tree *tree, const struct ep_profile *profile, const char *sample_index,
                bool base, char *err, size_t errlen)
{
	struct ep_node_table table;
	uint32_t *names = NULL;
	if (tree->ranked) {
		snprintf(err, errlen, "a tree cannot grow after it was reported");
		return -EINVAL;
	}
	int rc = ep_node_table_sample_index(profile, NULL, sample_index, err, errlen);
	if (rc < 0)
		return rc;
	int index = rc;
	const struct ep_profile_value_type *type = &profile->sample_types[index];
	struct tree_side *side = &tree->sides[base ? 1 : 0];
	const struct tree_side *other = &tree->sides[base ? 0 : 1];
	const struct tree_side *earlier = side->sample_type != NULL ? side : other;
	if (earlier->sample_type != NULL && (strcmp(earlier->sample_type, type->type) != 0 ||
	                                     strcmp(earlier->unit, type->unit) != 0)) {
		snprintf(err, errlen,
		         "sample type %s/%s does not match %s/%s of the profiles before",
		         type->type, type->unit, earlier->sample_type, earlier->unit);
		return -EINVAL;
	}
	rc = ep_node_table_build(&table, profile, index, NULL, err, errlen);
	if (rc < 0)
		goto done;
	names = malloc((table.count ? table.count : 1) * sizeof(*names));
	struct tree_walk walk = { tree, names, table.count, 0 /* "<unknown>" */, base };
	rc = -ENOMEM;
	if (names == NULL)
		goto done;
	for (size_t i = 0; i < table.count; i++) {
		names[i] = tree_intern(tree, table.nodes[i].name);
		if (names[i] == TREE_NONE)
			goto done;
	}
	rc = ep_node_table_each_stack(&table, tree_visit, &walk);
	if (rc < 0)
		goto done;
	if (side->sample_type == NULL) {
		side->sample_type = tree_arena_text(tree, type->type);
		side->unit = tree_arena_text(tree, type->unit);
		if (side->sample_type == NULL || side->unit == NULL) {
			rc = -ENOMEM;
			goto done;
		}
	}
	side->profile_count++;
	side->total = tree_sum(side->total, table.total);
	rc = 0;
done:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(names);
	ep_node_table_free(&table);
	return rc;
}

/* Name ids in byte order of the names; qsort has no context argument, so
 * each entry carries its name. */
struct tree_name_order {
	const char *name;
	uint32_t id;
};

static int tree_compare_names(const void *x, const void *y)
{
	return strcmp(((const struct tree_name_order *)x)->name,
	              ((const struct tree_name_order *)y)->name);
}

/* Paths of ranks, lexicographically; a prefix sorts before what extends it. */
static int tree_compare_stacks(const void *x, const void *y)
{
	const struct tree_stack *a = x, *b = y;
	uint32_t n = a->depth < b->depth ? a->depth : b->depth;
	for (uint32_t i = 0; i < n; i++)
		if (a->path[i] != b->path[i])
			return a->path[i] < b->path[i] ? -1 : 1;
	return a->depth < b->depth ? -1 : a->depth > b->depth;
}

static int64_t tree_credit(int64_t value, int64_t weight)
{
	return tree_sum(value, weight);
}

void ep_tree_names(const struct ep_tree *tree, const char *const **names, size_t *count)
{
	*names = tree->names;
	*count = tree->name_count;
}

size_t ep_tree_frame_limit(const struct ep_tree *tree)
{
	return tree->path_length + 1;
}

int ep_tree_frames(struct ep_tree *tree, const char *const *frame_names,
                   struct ep_report_frame *out, size_t *count, struct ep_report_tree *header)
{
	/* Sorting reorders the stacks and rewrites the paths to ranks; the
	 * result does not depend on their order, so this may run again. */
	const struct tree_side *b = &tree->sides[0], *a = &tree->sides[1];
	if (b->profile_count == 0 && a->profile_count == 0)
		return -EINVAL;
	size_t names = tree->name_count;
	struct tree_name_order *order = malloc((names ? names : 1) * sizeof(*order));
	uint32_t *rank = malloc((names ? names : 1) * sizeof(*rank));
	size_t *open = NULL;
	int rc = -ENOMEM;
	if (order == NULL || rank == NULL)
		goto done;
	for (size_t i = 0; i < names; i++)
		order[i] = (struct tree_name_order){ tree->names[i], (uint32_t)i };
	qsort(order, names, sizeof(*order), tree_compare_names);
	for (size_t i = 0; i < names; i++)
		rank[order[i].id] = (uint32_t)i;
	if (!tree->ranked) {
		for (size_t i = 0; i < tree->path_length; i++)
			tree->paths[i] = rank[tree->paths[i]];
		tree->ranked = true;
	}
	uint32_t deepest = 0;
	for (size_t i = 0; i < tree->stack_count; i++) {
		/* paths is NULL when every stack is empty (depth 0) */
		tree->stacks[i].path =
		        tree->paths != NULL ? tree->paths + tree->stacks[i].offset : NULL;
		if (tree->stacks[i].depth > deepest)
			deepest = tree->stacks[i].depth;
	}
	if (tree->stack_count > 1) /* an idle CPU profile has no stack at all */
		qsort(tree->stacks, tree->stack_count, sizeof(*tree->stacks), tree_compare_stacks);
	open = malloc(((size_t)deepest + 1) * sizeof(*open));
	if (open == NULL)
		goto done;
	/* The sweep: open[d] is the frame at depth d of the current path. */
	size_t written = 0, depth_open = 0;
	out[written++] = (struct ep_report_frame){ "root", 0, 0, 0 };
	open[0] = 0;
	const struct tree_stack *previous = NULL;
	for (size_t i = 0; i < tree->stack_count; i++) {
		const struct tree_stack *stack = &tree->stacks[i];
		size_t shared = 0;
		if (previous != NULL) {
			size_t n = previous->depth < stack->depth ? previous->depth : stack->depth;
			while (shared < n && previous->path[shared] == stack->path[shared])
				shared++;
		}
		if (shared > depth_open)
			shared = depth_open;
		depth_open = shared;
		for (size_t d = shared; d < stack->depth; d++) {
			out[written] =
			        (struct ep_report_frame){ frame_names[order[stack->path[d]].id],
				                          (uint32_t)(d + 1), 0, 0 };
			open[d + 1] = written++;
		}
		depth_open = stack->depth;
		for (size_t d = 0; d <= depth_open; d++) {
			struct ep_report_frame *frame = &out[open[d]];
			if (stack->base)
				frame->base = tree_credit(frame->base, stack->weight);
			else
				frame->value = tree_credit(frame->value, stack->weight);
		}
		previous = stack;
	}
	*count = written;
	const struct tree_side *typed = b->sample_type != NULL ? b : a;
	*header = (struct ep_report_tree){
		.sample_type = typed->sample_type,
		.unit = typed->unit,
		.has_base = a->profile_count > 0,
		.total = b->total,
		.base_total = a->total,
		.profile_count = b->profile_count,
		.base_profile_count = a->profile_count,
		.frame_count = written,
	};
	rc = 0;
done:
	free(order);
	free(rank);
	free(open);
	return rc;
}
