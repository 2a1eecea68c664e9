/* Stack trees for flame graphs. Each profile goes through the node table
 * of pprof's -top (pprof/aggregate.c), so frames are named, merged and
 * pruned exactly as the top table names them; its merged stacks are then
 * inserted root-first into a trie keyed by (parent frame, function name).
 * Names are interned once, so a frame costs one hash lookup per sample. */
#include "tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof/aggregate.h"
#include "pprof/arena.h"

#define TREE_NONE UINT32_MAX

struct tree_node {
	uint32_t name; /* into names */
	uint32_t depth;
	uint32_t first_child, next_sibling;
	int64_t value, base;
};

/* Open addressing over 64-bit keys; slots hold entry + 1, 0 is empty. */
struct tree_index {
	uint64_t *keys;
	uint32_t *entries;
	size_t capacity, used;
};

struct tree_side {
	size_t profile_count;
	int64_t total;
	const char *sample_type, *unit; /* in the arena; NULL before the first profile */
};

struct ep_tree {
	struct ep_arena arena;
	struct tree_node *nodes;
	size_t node_count, node_capacity;
	struct tree_index children; /* (parent << 32 | name) -> node */
	const char **names;
	size_t name_count, name_capacity;
	struct tree_index name_index; /* hash of the text -> name, checked by strcmp */
	struct tree_side sides[2];    /* [0] B (value), [1] A (base) */
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

static uint32_t tree_add_node(struct ep_tree *tree, uint32_t parent, uint32_t name)
{
	if (tree->node_count >= TREE_NONE - 1 ||
	    tree_grow((void **)&tree->nodes, &tree->node_capacity, tree->node_count + 1,
	              sizeof(*tree->nodes)) < 0)
		return TREE_NONE;
	uint32_t id = (uint32_t)tree->node_count++;
	struct tree_node *node = &tree->nodes[id];
	*node = (struct tree_node){ .name = name,
		                    .first_child = TREE_NONE,
		                    .next_sibling = TREE_NONE };
	if (parent != TREE_NONE) {
		struct tree_node *up = &tree->nodes[parent];
		node->depth = up->depth + 1;
		node->next_sibling = up->first_child;
		up->first_child = id;
	}
	return id;
}

/* The child of parent named name, added when missing; TREE_NONE when out
 * of memory. */
static uint32_t tree_child(struct ep_tree *tree, uint32_t parent, uint32_t name)
{
	struct tree_index *index = &tree->children;
	if ((index->used + 1) * 2 > index->capacity && tree_index_grow(index) < 0)
		return TREE_NONE;
	uint64_t key = (uint64_t)parent << 32 | name;
	size_t slot = tree_mix(key) & (index->capacity - 1);
	while (index->entries[slot] != 0) {
		if (index->keys[slot] == key)
			return index->entries[slot] - 1;
		slot = (slot + 1) & (index->capacity - 1);
	}
	uint32_t id = tree_add_node(tree, parent, name);
	if (id == TREE_NONE)
		return TREE_NONE;
	index->keys[slot] = key;
	index->entries[slot] = id + 1;
	index->used++;
	return id;
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
	if (tree_intern(tree, "root") == TREE_NONE || tree_add_node(tree, TREE_NONE, 0) != 0) {
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
	tree_index_free(&tree->children);
	tree_index_free(&tree->name_index);
	free(tree->nodes);
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

static void tree_credit(struct tree_node *node, bool base, int64_t weight)
{
	if (base)
		node->base = tree_sum(node->base, weight);
	else
		node->value = tree_sum(node->value, weight);
}

static int tree_visit(void *context, const uint32_t *nodes, size_t depth, int64_t weight)
{
	struct tree_walk *walk = context;
	struct ep_tree *tree = walk->tree;
	uint32_t at = 0;
	tree_credit(&tree->nodes[0], walk->base, weight);
	for (size_t i = 0; i < depth; i++) {
		uint32_t name = nodes[i] < walk->name_count ? walk->names[nodes[i]] : walk->unknown;
		at = tree_child(tree, at, name);
		if (at == TREE_NONE)
			return -ENOMEM;
		tree_credit(&tree->nodes[at], walk->base, weight);
	}
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
	struct tree_walk walk = { tree, names, table.count, tree_intern(tree, "<unknown>"), base };
	rc = -ENOMEM;
	if (names == NULL || walk.unknown == TREE_NONE)
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

/* A child being ordered: qsort has no context, so the name travels along. */
struct tree_sibling {
	const char *name;
	uint32_t id;
};

static int tree_compare_siblings(const void *x, const void *y)
{
	return strcmp(((const struct tree_sibling *)x)->name,
	              ((const struct tree_sibling *)y)->name);
}

int ep_tree_frames(const struct ep_tree *tree, struct ep_report_frame **frames, size_t *count,
                   struct ep_report_tree *header)
{
	const struct tree_side *b = &tree->sides[0], *a = &tree->sides[1];
	if (b->profile_count == 0 && a->profile_count == 0)
		return -EINVAL;
	size_t n = tree->node_count;
	struct ep_report_frame *out = malloc(n * sizeof(*out));
	uint32_t *stack = malloc(n * sizeof(*stack));
	struct tree_sibling *siblings = malloc(n * sizeof(*siblings));
	if (out == NULL || stack == NULL || siblings == NULL) {
		free(out);
		free(stack);
		free(siblings);
		return -ENOMEM;
	}
	/* Depth first, each frame's children pushed in reverse name order so
	 * they come out in name order. */
	size_t top = 0, written = 0;
	stack[top++] = 0;
	while (top > 0) {
		uint32_t id = stack[--top];
		const struct tree_node *node = &tree->nodes[id];
		out[written++] = (struct ep_report_frame){ tree->names[node->name], node->depth,
			                                   node->value, node->base };
		size_t k = 0;
		for (uint32_t c = node->first_child; c != TREE_NONE;
		     c = tree->nodes[c].next_sibling)
			siblings[k++] =
			        (struct tree_sibling){ tree->names[tree->nodes[c].name], c };
		qsort(siblings, k, sizeof(*siblings), tree_compare_siblings);
		while (k > 0)
			stack[top++] = siblings[--k].id;
	}
	free(stack);
	free(siblings);
	*frames = out;
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
	return 0;
}
