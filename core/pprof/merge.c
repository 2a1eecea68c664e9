/* pprof's profile.Merge (merge.go of the pprof vendored in Go 1.19) over
 * decoded profiles, and a hand-written protobuf encoder for the result:
 * the fields of docs' pprof format, written once each, sub-messages
 * length-prefixed, repeated scalars packed (Go's reader takes both).
 */
#include "pprof/merge.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fsutil.h"
#include "pprof/decode.h"

#define MG_NONE UINT32_MAX

/* ---- growable arrays ---------------------------------------------------- */

struct mg_buf {
	unsigned char *data;
	size_t len, cap;
	int failed; /* out of memory: later writes are dropped */
};

static void mg_put(struct mg_buf *b, const void *data, size_t len)
{
	if (b->failed || len == 0)
		return;
	if (b->cap - b->len < len) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->len < len)
			cap *= 2;
		unsigned char *grown = realloc(b->data, cap);
		if (grown == NULL) {
			b->failed = 1;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void mg_varint(struct mg_buf *b, uint64_t v)
{
	unsigned char bytes[10];
	size_t n = 0;
	do {
		bytes[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			bytes[n] |= 0x80;
		n++;
	} while (v != 0);
	mg_put(b, bytes, n);
}

static void mg_field_varint(struct mg_buf *b, unsigned field, uint64_t v)
{
	if (v == 0)
		return; /* proto2's default: absent reads as 0 */
	mg_varint(b, (uint64_t)field << 3);
	mg_varint(b, v);
}

static void mg_field_bytes(struct mg_buf *b, unsigned field, const void *data, size_t len)
{
	mg_varint(b, (uint64_t)field << 3 | 2);
	mg_varint(b, len);
	mg_put(b, data, len);
}

/* A growable array of fixed-size items. */
struct mg_vec {
	void *items;
	size_t count, cap, size;
};

static void *mg_vec_push(struct mg_vec *v)
{
	if (v->count == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		void *grown = realloc(v->items, cap * v->size);
		if (grown == NULL)
			return NULL;
		v->items = grown;
		v->cap = cap;
	}
	return (char *)v->items + v->size * v->count++;
}

#define MG_AT(vec, type, i) (&((type *)(vec).items)[i])

/* ---- a hash index over entries kept elsewhere ---------------------------- */

struct mg_index {
	uint32_t *slots;
	uint32_t *tags;
	size_t mask, used;
};

typedef int (*mg_same_fn)(const void *context, uint32_t entry);

static uint64_t mg_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 29);
}

static uint64_t mg_hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t f = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++) {
		f ^= p[i];
		f *= 0x100000001b3ULL;
	}
	return mg_mix(mg_mix(h, f), len);
}

static int mg_index_grow(struct mg_index *x)
{
	size_t cap = x->slots ? (x->mask + 1) * 2 : 1024;
	uint32_t *slots = malloc(cap * sizeof(*slots)), *tags = malloc(cap * sizeof(*tags));
	if (slots == NULL || tags == NULL) {
		free(slots);
		free(tags);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		slots[i] = MG_NONE;
	for (size_t i = 0; x->slots != NULL && i <= x->mask; i++) {
		if (x->slots[i] == MG_NONE)
			continue;
		size_t s = x->tags[i] & (cap - 1);
		while (slots[s] != MG_NONE)
			s = (s + 1) & (cap - 1);
		slots[s] = x->slots[i];
		tags[s] = x->tags[i];
	}
	free(x->slots);
	free(x->tags);
	x->slots = slots;
	x->tags = tags;
	x->mask = cap - 1;
	return 0;
}

/* The entry equal to the key, or MG_NONE after reserving its slot: then
 * *slot_out is where mg_index_set() records the new entry. */
static uint32_t mg_index_find(struct mg_index *x, uint64_t hash, mg_same_fn same,
                              const void *context, size_t *slot_out)
{
	if ((x->used + 1) * 2 > (x->slots ? x->mask + 1 : 0) && mg_index_grow(x) < 0) {
		*slot_out = SIZE_MAX;
		return MG_NONE;
	}
	uint32_t tag = (uint32_t)(hash >> 32) ^ (uint32_t)hash;
	size_t s = tag & x->mask;
	while (x->slots[s] != MG_NONE) {
		if (x->tags[s] == tag && same(context, x->slots[s]))
			return x->slots[s];
		s = (s + 1) & x->mask;
	}
	x->tags[s] = tag;
	*slot_out = s;
	return MG_NONE;
}

static void mg_index_set(struct mg_index *x, size_t slot, uint32_t entry)
{
	x->slots[slot] = entry;
	x->used++;
}

static void mg_index_free(struct mg_index *x)
{
	free(x->slots);
	free(x->tags);
}

/* ---- the merged profile --------------------------------------------------- */

struct mg_string {
	const char *data;
	size_t len;
};

struct mg_mapping {
	const struct ep_profile_mapping *m;
	uint64_t rounded_size;
	const char *identity;
	int used, has_lines;
	uint32_t out_id;
};

struct mg_function {
	uint32_t name, system_name, filename; /* string indices */
	int64_t start_line;
	int used;
	uint32_t out_id;
};

struct mg_line {
	uint32_t function;
	int64_t line;
};

struct mg_location {
	uint32_t mapping; /* MG_NONE: none */
	uint64_t address; /* rebased onto the merged mapping's start */
	int folded;
	uint32_t first_line, line_count;
	int used;
	uint32_t out_id;
};

struct mg_label {
	uint32_t key, str; /* str MG_NONE: numeric */
	int64_t num;
	uint32_t unit;
};

struct mg_sample {
	uint32_t first_location, location_count;
	uint32_t first_label, label_count;
	size_t key_offset, key_len; /* its label key in merge.keys */
};

struct mg_source_map {
	uint32_t *mappings;
	int64_t *offsets;
	uint32_t *functions;
	uint32_t *locations;
};

struct mg_merge {
	size_t type_count;
	struct mg_vec strings, mappings, functions, lines, locations, stacks, labels, samples;
	struct mg_vec values; /* int64_t, type_count per sample */
	struct mg_buf keys;   /* label keys of the samples */
	struct mg_index string_index, mapping_index, function_index, location_index, sample_index;
	/* the key being looked up */
	const void *key_data;
	size_t key_len;
	const uint32_t *key_stack;
	uint32_t key_depth;
	struct mg_location key_location;
	const struct mg_line *key_lines;
	struct mg_function key_function;
	struct mg_mapping key_mapping;
	struct mg_buf scratch;
};

static int mg_same_string(const void *context, uint32_t entry)
{
	const struct mg_merge *g = context;
	const struct mg_string *s = MG_AT(g->strings, struct mg_string, entry);
	return s->len == g->key_len && memcmp(s->data, g->key_data, s->len) == 0;
}

/* The index of a string in the output's table (bytes, NULs allowed). */
static uint32_t mg_string(struct mg_merge *g, const char *data, size_t len)
{
	g->key_data = data;
	g->key_len = len;
	size_t slot;
	uint32_t found = mg_index_find(&g->string_index, mg_hash_bytes(0, data, len),
	                               mg_same_string, g, &slot);
	if (found != MG_NONE || slot == SIZE_MAX)
		return found;
	struct mg_string *s = mg_vec_push(&g->strings);
	if (s == NULL)
		return MG_NONE;
	s->data = data;
	s->len = len;
	mg_index_set(&g->string_index, slot, (uint32_t)(g->strings.count - 1));
	return (uint32_t)(g->strings.count - 1);
}

static uint32_t mg_profile_string(struct mg_merge *g, const char *s)
{
	return mg_string(g, s, ep_profile_string_length(s));
}

static int mg_same_mapping(const void *context, uint32_t entry)
{
	const struct mg_merge *g = context;
	const struct mg_mapping *m = MG_AT(g->mappings, struct mg_mapping, entry);
	return m->rounded_size == g->key_mapping.rounded_size &&
	       m->m->file_offset == g->key_mapping.m->file_offset &&
	       strcmp(m->identity, g->key_mapping.identity) == 0;
}

/* Mapping.key(): size rounded up to 4 KiB, offset, build id or file. */
static uint32_t mg_map_mapping(struct mg_merge *g, struct mg_source_map *map,
                               const struct ep_profile *p, size_t i)
{
	if (map->mappings[i] != MG_NONE)
		return map->mappings[i];
	const struct ep_profile_mapping *m = &p->mappings[i];
	uint64_t size = m->memory_limit - m->memory_start + 0xfff;
	g->key_mapping.m = m;
	g->key_mapping.rounded_size = size - size % 0x1000;
	g->key_mapping.identity = m->build_id[0] != '\0' ? m->build_id : m->filename;
	uint64_t hash =
	        mg_mix(mg_hash_bytes(0, g->key_mapping.identity, strlen(g->key_mapping.identity)),
	               g->key_mapping.rounded_size ^ (m->file_offset << 1));
	size_t slot;
	uint32_t id = mg_index_find(&g->mapping_index, hash, mg_same_mapping, g, &slot);
	if (id == MG_NONE) {
		if (slot == SIZE_MAX)
			return MG_NONE;
		struct mg_mapping *out = mg_vec_push(&g->mappings);
		if (out == NULL)
			return MG_NONE;
		*out = g->key_mapping;
		out->used = 0;
		out->has_lines = 0;
		id = (uint32_t)(g->mappings.count - 1);
		mg_index_set(&g->mapping_index, slot, id);
	}
	const struct mg_mapping *merged = MG_AT(g->mappings, struct mg_mapping, id);
	map->mappings[i] = id;
	map->offsets[i] = (int64_t)merged->m->memory_start - (int64_t)m->memory_start;
	return id;
}

static int mg_same_function(const void *context, uint32_t entry)
{
	const struct mg_merge *g = context;
	const struct mg_function *f = MG_AT(g->functions, struct mg_function, entry);
	const struct mg_function *k = &g->key_function;
	return f->name == k->name && f->system_name == k->system_name &&
	       f->filename == k->filename && f->start_line == k->start_line;
}

static uint32_t mg_map_function(struct mg_merge *g, struct mg_source_map *map,
                                const struct ep_profile *p, const struct ep_profile_function *f)
{
	size_t i = (size_t)(f - p->functions);
	if (map->functions[i] != MG_NONE)
		return map->functions[i];
	struct mg_function *k = &g->key_function;
	k->name = mg_profile_string(g, f->name);
	k->system_name = mg_profile_string(g, f->system_name);
	k->filename = mg_profile_string(g, f->filename);
	k->start_line = f->start_line;
	if (k->name == MG_NONE || k->system_name == MG_NONE || k->filename == MG_NONE)
		return MG_NONE;
	uint64_t hash = mg_mix(mg_mix(mg_mix(k->name, k->system_name), k->filename),
	                       (uint64_t)k->start_line);
	size_t slot;
	uint32_t id = mg_index_find(&g->function_index, hash, mg_same_function, g, &slot);
	if (id == MG_NONE) {
		if (slot == SIZE_MAX)
			return MG_NONE;
		struct mg_function *out = mg_vec_push(&g->functions);
		if (out == NULL)
			return MG_NONE;
		*out = *k;
		out->used = 0;
		id = (uint32_t)(g->functions.count - 1);
		mg_index_set(&g->function_index, slot, id);
	}
	map->functions[i] = id;
	return id;
}

static int mg_same_location(const void *context, uint32_t entry)
{
	const struct mg_merge *g = context;
	const struct mg_location *l = MG_AT(g->locations, struct mg_location, entry);
	const struct mg_location *k = &g->key_location;
	if (l->mapping != k->mapping || l->address != k->address || l->folded != k->folded ||
	    l->line_count != k->line_count)
		return 0;
	const struct mg_line *lines = MG_AT(g->lines, struct mg_line, l->first_line);
	for (uint32_t j = 0; j < l->line_count; j++)
		if (lines[j].function != g->key_lines[j].function ||
		    lines[j].line != g->key_lines[j].line)
			return 0;
	return 1;
}

static uint64_t mg_mapping_start(const struct mg_merge *g, uint32_t mapping)
{
	return mapping == MG_NONE ? 0
	                          : MG_AT(g->mappings, struct mg_mapping, mapping)->m->memory_start;
}

/* Location.key(): mapping, address relative to its start, lines. */
static uint32_t mg_map_location(struct mg_merge *g, struct mg_source_map *map,
                                const struct ep_profile *p, const struct ep_profile_location *l)
{
	size_t i = (size_t)(l - p->locations);
	if (map->locations[i] != MG_NONE)
		return map->locations[i];
	struct mg_location *k = &g->key_location;
	memset(k, 0, sizeof(*k));
	k->mapping = MG_NONE;
	k->address = l->address;
	if (l->mapping != NULL) {
		size_t mi = (size_t)(l->mapping - p->mappings);
		k->mapping = mg_map_mapping(g, map, p, mi);
		if (k->mapping == MG_NONE)
			return MG_NONE;
		k->address = (uint64_t)((int64_t)l->address + map->offsets[mi]);
	}
	k->folded = ep_profile_location_is_folded(p, l);
	/* The candidate's lines go at the end of the line array; they stay
	 * there only if the location is new. */
	size_t lines_before = g->lines.count;
	for (size_t j = 0; j < l->line_count; j++) {
		uint32_t f = mg_map_function(g, map, p, l->lines[j].function);
		struct mg_line *line = f == MG_NONE ? NULL : mg_vec_push(&g->lines);
		if (line == NULL)
			return MG_NONE;
		line->function = f;
		line->line = l->lines[j].line;
	}
	k = &g->key_location; /* (mapping functions does not touch it) */
	k->first_line = (uint32_t)lines_before;
	k->line_count = (uint32_t)l->line_count;
	g->key_lines = MG_AT(g->lines, struct mg_line, lines_before);
	uint64_t hash = mg_mix(mg_mix(k->mapping, k->address - mg_mapping_start(g, k->mapping)),
	                       (uint64_t)k->folded);
	for (uint32_t j = 0; j < k->line_count; j++)
		hash = mg_mix(mg_mix(hash, g->key_lines[j].function),
		              (uint64_t)g->key_lines[j].line);
	size_t slot;
	uint32_t id = mg_index_find(&g->location_index, hash, mg_same_location, g, &slot);
	if (id == MG_NONE) {
		if (slot == SIZE_MAX)
			return MG_NONE;
		struct mg_location *out = mg_vec_push(&g->locations);
		if (out == NULL)
			return MG_NONE;
		*out = *k;
		id = (uint32_t)(g->locations.count - 1);
		mg_index_set(&g->location_index, slot, id);
	} else {
		g->lines.count = lines_before;
	}
	map->locations[i] = id;
	return id;
}

static int mg_label_order(const void *x, const void *y)
{
	const struct ep_profile_label *a = *(const struct ep_profile_label *const *)x;
	const struct ep_profile_label *b = *(const struct ep_profile_label *const *)y;
	int c = strcmp(a->key, b->key);
	/* stable: equal keys keep file order */
	return c != 0 ? c : (a < b ? -1 : a > b);
}

/* The sample's labels as pprof's sampleKey sees them, into g->scratch:
 * string labels by key, then numeric labels by key with their units when
 * one has a unit; a -diff_base base adds pprof::base=true. */
static int mg_label_key(struct mg_merge *g, const struct ep_profile_sample *s, bool diff_base)
{
	g->scratch.len = 0;
	const struct ep_profile_label **order = malloc((s->label_count + 1) * sizeof(*order));
	if (order == NULL)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < s->label_count; i++)
		if (!(diff_base && s->labels[i].str != NULL &&
		      strcmp(s->labels[i].key, "pprof::base") == 0))
			order[n++] = &s->labels[i];
	qsort(order, n, sizeof(*order), mg_label_order);
	int base_done = !diff_base;
	for (size_t i = 0; i <= n; i++) {
		/* pprof::base sorts among the string keys */
		if (!base_done && (i == n || strcmp(order[i]->key, "pprof::base") > 0)) {
			mg_put(&g->scratch, "Spprof::base\0true", 18);
			base_done = 1;
		}
		if (i < n && order[i]->str != NULL) {
			mg_put(&g->scratch, "S", 1);
			mg_put(&g->scratch, order[i]->key, strlen(order[i]->key) + 1);
			mg_put(&g->scratch, order[i]->str, strlen(order[i]->str) + 1);
		}
	}
	for (size_t i = 0; i < n;) {
		if (order[i]->str != NULL) {
			i++;
			continue;
		}
		size_t end = i, units = 0;
		while (end < n &&
		       (order[end]->str != NULL || strcmp(order[end]->key, order[i]->key) == 0)) {
			units += order[end]->str == NULL && order[end]->num_unit[0] != '\0';
			end++;
		}
		mg_put(&g->scratch, "N", 1);
		mg_put(&g->scratch, order[i]->key, strlen(order[i]->key) + 1);
		for (size_t j = i; j < end; j++)
			if (order[j]->str == NULL)
				mg_put(&g->scratch, &order[j]->num, sizeof(order[j]->num));
		for (size_t j = i; j < end && units > 0; j++)
			if (order[j]->str == NULL)
				mg_put(&g->scratch, order[j]->num_unit,
				       strlen(order[j]->num_unit) + 1);
		i = end;
	}
	free(order);
	return g->scratch.failed ? -ENOMEM : 0;
}

static int mg_same_sample(const void *context, uint32_t entry)
{
	const struct mg_merge *g = context;
	const struct mg_sample *s = MG_AT(g->samples, struct mg_sample, entry);
	if (s->location_count != g->key_depth || s->key_len != g->scratch.len)
		return 0;
	const uint32_t *stack = MG_AT(g->stacks, uint32_t, s->first_location);
	/* (empty stacks and label keys may have no storage at all) */
	return (g->key_depth == 0 ||
	        memcmp(stack, g->key_stack, g->key_depth * sizeof(*stack)) == 0) &&
	       (s->key_len == 0 ||
	        memcmp(g->keys.data + s->key_offset, g->scratch.data, s->key_len) == 0);
}

static int mg_add_sample(struct mg_merge *g, struct mg_source_map *map,
                         const struct ep_merge_input *source, const struct ep_profile_sample *s)
{
	const struct ep_profile *p = source->profile;
	size_t stack_before = g->stacks.count;
	for (size_t j = 0; j < s->location_count; j++) {
		uint32_t id = mg_map_location(g, map, p, s->locations[j]);
		uint32_t *slot = id == MG_NONE ? NULL : mg_vec_push(&g->stacks);
		if (slot == NULL)
			return -ENOMEM;
		*slot = id;
	}
	if (mg_label_key(g, s, source->diff_base) < 0)
		return -ENOMEM;
	g->key_stack = MG_AT(g->stacks, uint32_t, stack_before);
	g->key_depth = (uint32_t)s->location_count;
	uint64_t hash = mg_hash_bytes(g->key_depth, g->key_stack, g->key_depth * sizeof(uint32_t));
	hash = mg_hash_bytes(hash, g->scratch.data, g->scratch.len);
	size_t slot;
	uint32_t id = mg_index_find(&g->sample_index, hash, mg_same_sample, g, &slot);
	if (id == MG_NONE) {
		if (slot == SIZE_MAX)
			return -ENOMEM;
		struct mg_sample *out = mg_vec_push(&g->samples);
		if (out == NULL)
			return -ENOMEM;
		out->first_location = (uint32_t)stack_before;
		out->location_count = g->key_depth;
		out->key_offset = g->keys.len;
		out->key_len = g->scratch.len;
		mg_put(&g->keys, g->scratch.data, g->scratch.len);
		/* The first sample's labels are the merged sample's. */
		out->first_label = (uint32_t)g->labels.count;
		out->label_count = 0;
		for (size_t i = 0; i < s->label_count; i++) {
			const struct ep_profile_label *l = &s->labels[i];
			if (source->diff_base && l->str != NULL &&
			    strcmp(l->key, "pprof::base") == 0)
				continue;
			struct mg_label *label = mg_vec_push(&g->labels);
			if (label == NULL)
				return -ENOMEM;
			label->key = mg_profile_string(g, l->key);
			label->str = l->str != NULL ? mg_profile_string(g, l->str) : MG_NONE;
			label->num = l->num;
			label->unit = mg_profile_string(g, l->num_unit);
			out->label_count++;
		}
		if (source->diff_base) {
			struct mg_label *label = mg_vec_push(&g->labels);
			if (label == NULL)
				return -ENOMEM;
			label->key = mg_string(g, "pprof::base", 11);
			label->str = mg_string(g, "true", 4);
			label->num = 0;
			label->unit = 0;
			out->label_count++;
		}
		for (size_t t = 0; t < g->type_count; t++) {
			int64_t *v = mg_vec_push(&g->values);
			if (v == NULL)
				return -ENOMEM;
			*v = 0;
		}
		id = (uint32_t)(g->samples.count - 1);
		mg_index_set(&g->sample_index, slot, id);
	} else {
		g->stacks.count = stack_before;
	}
	int64_t *values = MG_AT(g->values, int64_t, (size_t)id * g->type_count);
	for (size_t t = 0; t < g->type_count; t++) {
		int64_t v = s->values[t];
		/* Scale(-1): -v, and INT64_MIN stays (Go's float conversion) */
		if (source->diff_base && v != INT64_MIN)
			v = -v;
		values[t] = (int64_t)((uint64_t)values[t] + (uint64_t)v);
	}
	return g->keys.failed ? -ENOMEM : 0;
}

/* ---- writing --------------------------------------------------------------- */

static void mg_value_type(struct mg_buf *out, struct mg_buf *sub, unsigned field,
                          struct mg_merge *g, const struct ep_profile_value_type *vt)
{
	sub->len = 0;
	mg_field_varint(sub, 1, mg_profile_string(g, vt->type));
	mg_field_varint(sub, 2, mg_profile_string(g, vt->unit));
	mg_field_bytes(out, field, sub->data, sub->len);
}

/* Marks what the surviving samples use, numbers it from 1 in order, and
 * encodes the profile. */
static int mg_encode(struct mg_merge *g, const struct ep_merge_input *inputs, size_t count,
                     struct mg_buf *out)
{
	const struct ep_profile *first = inputs[0].profile;
	struct mg_buf sub = { 0 }, packed = { 0 };
	for (size_t i = 0; i < g->samples.count; i++) {
		const int64_t *v = MG_AT(g->values, int64_t, i * g->type_count);
		int zero = 1;
		for (size_t t = 0; t < g->type_count; t++)
			zero &= v[t] == 0;
		struct mg_sample *s = MG_AT(g->samples, struct mg_sample, i);
		if (zero) {
			s->location_count = MG_NONE; /* dropped, as Merge's re-merge drops it */
			continue;
		}
		for (uint32_t j = 0; j < s->location_count; j++) {
			struct mg_location *l =
			        MG_AT(g->locations, struct mg_location,
			              *MG_AT(g->stacks, uint32_t, s->first_location + j));
			l->used = 1;
		}
	}
	/* Merge keeps the first mapping it saw (the main binary) in any case. */
	if (g->mappings.count > 0)
		MG_AT(g->mappings, struct mg_mapping, 0)->used = 1;
	for (size_t i = 0; i < g->locations.count; i++) {
		const struct mg_location *l = MG_AT(g->locations, struct mg_location, i);
		if (!l->used)
			continue;
		if (l->mapping != MG_NONE) {
			struct mg_mapping *m = MG_AT(g->mappings, struct mg_mapping, l->mapping);
			m->used = 1;
			m->has_lines |= l->line_count > 0;
		}
		for (uint32_t j = 0; j < l->line_count; j++)
			MG_AT(g->functions, struct mg_function,
			      MG_AT(g->lines, struct mg_line, l->first_line + j)->function)
			        ->used = 1;
	}
	uint32_t next = 1;
	for (size_t i = 0; i < g->mappings.count; i++) {
		struct mg_mapping *m = MG_AT(g->mappings, struct mg_mapping, i);
		m->out_id = m->used ? next++ : 0;
	}
	next = 1;
	for (size_t i = 0; i < g->functions.count; i++) {
		struct mg_function *f = MG_AT(g->functions, struct mg_function, i);
		f->out_id = f->used ? next++ : 0;
	}
	next = 1;
	for (size_t i = 0; i < g->locations.count; i++) {
		struct mg_location *l = MG_AT(g->locations, struct mg_location, i);
		l->out_id = l->used ? next++ : 0;
	}

	for (size_t t = 0; t < g->type_count; t++)
		mg_value_type(out, &sub, 1, g, &first->sample_types[t]);
	for (size_t i = 0; i < g->samples.count; i++) {
		const struct mg_sample *s = MG_AT(g->samples, struct mg_sample, i);
		if (s->location_count == MG_NONE)
			continue;
		sub.len = 0;
		packed.len = 0;
		for (uint32_t j = 0; j < s->location_count; j++)
			mg_varint(&packed, MG_AT(g->locations, struct mg_location,
			                         *MG_AT(g->stacks, uint32_t, s->first_location + j))
			                           ->out_id);
		if (packed.len > 0)
			mg_field_bytes(&sub, 1, packed.data, packed.len);
		packed.len = 0;
		const int64_t *v = MG_AT(g->values, int64_t, i * g->type_count);
		for (size_t t = 0; t < g->type_count; t++)
			mg_varint(&packed, (uint64_t)v[t]);
		mg_field_bytes(&sub, 2, packed.data, packed.len);
		for (uint32_t j = 0; j < s->label_count; j++) {
			const struct mg_label *l =
			        MG_AT(g->labels, struct mg_label, s->first_label + j);
			packed.len = 0;
			mg_field_varint(&packed, 1, l->key);
			if (l->str != MG_NONE) {
				mg_field_varint(&packed, 2, l->str);
			} else {
				mg_field_varint(&packed, 3, (uint64_t)l->num);
				mg_field_varint(&packed, 4, l->unit);
			}
			mg_field_bytes(&sub, 3, packed.data, packed.len);
		}
		mg_field_bytes(out, 2, sub.data, sub.len);
	}
	for (size_t i = 0; i < g->mappings.count; i++) {
		const struct mg_mapping *m = MG_AT(g->mappings, struct mg_mapping, i);
		if (!m->used)
			continue;
		sub.len = 0;
		mg_field_varint(&sub, 1, m->out_id);
		mg_field_varint(&sub, 2, m->m->memory_start);
		mg_field_varint(&sub, 3, m->m->memory_limit);
		mg_field_varint(&sub, 4, m->m->file_offset);
		mg_field_varint(&sub, 5, mg_profile_string(g, m->m->filename));
		mg_field_varint(&sub, 6, mg_profile_string(g, m->m->build_id));
		/* The decoded model keeps no has_* flags: a mapping whose
		 * locations have lines is symbolized, so say so (no symbolizer
		 * then looks for the binary). */
		for (unsigned field = 7; field <= 10; field++)
			mg_field_varint(&sub, field, (uint64_t)m->has_lines);
		mg_field_bytes(out, 3, sub.data, sub.len);
	}
	for (size_t i = 0; i < g->locations.count; i++) {
		const struct mg_location *l = MG_AT(g->locations, struct mg_location, i);
		if (!l->used)
			continue;
		sub.len = 0;
		mg_field_varint(&sub, 1, l->out_id);
		if (l->mapping != MG_NONE)
			mg_field_varint(&sub, 2,
			                MG_AT(g->mappings, struct mg_mapping, l->mapping)->out_id);
		mg_field_varint(&sub, 3, l->address);
		for (uint32_t j = 0; j < l->line_count; j++) {
			const struct mg_line *line =
			        MG_AT(g->lines, struct mg_line, l->first_line + j);
			packed.len = 0;
			mg_field_varint(
			        &packed, 1,
			        MG_AT(g->functions, struct mg_function, line->function)->out_id);
			mg_field_varint(&packed, 2, (uint64_t)line->line);
			mg_field_bytes(&sub, 4, packed.data, packed.len);
		}
		mg_field_varint(&sub, 5, (uint64_t)l->folded);
		mg_field_bytes(out, 4, sub.data, sub.len);
	}
	for (size_t i = 0; i < g->functions.count; i++) {
		const struct mg_function *f = MG_AT(g->functions, struct mg_function, i);
		if (!f->used)
			continue;
		sub.len = 0;
		mg_field_varint(&sub, 1, f->out_id);
		mg_field_varint(&sub, 2, f->name);
		mg_field_varint(&sub, 3, f->system_name);
		mg_field_varint(&sub, 4, f->filename);
		mg_field_varint(&sub, 5, (uint64_t)f->start_line);
		mg_field_bytes(out, 5, sub.data, sub.len);
	}
	/* combineHeaders: the first's types and frames, the earliest time (a
	 * zero seen later wins too), durations summed, the largest period,
	 * comments once, the first default sample type. */
	int64_t time_nanos = 0, duration = 0, period = 0;
	const char *default_type = "";
	for (size_t i = 0; i < count; i++) {
		const struct ep_profile *p = inputs[i].profile;
		if (time_nanos == 0 || p->time_nanos < time_nanos)
			time_nanos = p->time_nanos;
		duration = (int64_t)((uint64_t)duration + (uint64_t)p->duration_nanos);
		if (period == 0 || period < p->period)
			period = p->period;
		if (default_type[0] == '\0')
			default_type = ep_profile_default_sample_type_name(p);
	}
	mg_field_varint(out, 7, mg_profile_string(g, first->drop_frames));
	mg_field_varint(out, 8, mg_profile_string(g, first->keep_frames));
	mg_field_varint(out, 9, (uint64_t)time_nanos);
	mg_field_varint(out, 10, (uint64_t)duration);
	if (first->period_type.type[0] != '\0' || first->period_type.unit[0] != '\0')
		mg_value_type(out, &sub, 11, g, &first->period_type);
	mg_field_varint(out, 12, (uint64_t)period);
	struct mg_vec seen = { .size = sizeof(uint32_t) };
	for (size_t i = 0; i < count; i++) {
		const struct ep_profile *p = inputs[i].profile;
		for (size_t c = 0; c < p->comment_count; c++) {
			uint32_t index = mg_profile_string(g, p->comments[c]);
			int repeated = 0;
			for (size_t k = 0; k < seen.count && !repeated; k++)
				repeated = *MG_AT(seen, uint32_t, k) == index;
			uint32_t *slot = repeated ? NULL : mg_vec_push(&seen);
			if (slot != NULL) {
				*slot = index;
				mg_varint(out, 13 << 3);
				mg_varint(out, index);
			}
		}
	}
	free(seen.items);
	if (default_type[0] != '\0')
		mg_field_varint(out, 14, mg_profile_string(g, default_type));
	/* The string table last: every string is interned by now. */
	for (size_t i = 0; i < g->strings.count; i++) {
		const struct mg_string *str = MG_AT(g->strings, struct mg_string, i);
		mg_field_bytes(out, 6, str->data, str->len);
	}
	int failed = sub.failed || packed.failed || out->failed;
	free(sub.data);
	free(packed.data);
	return failed ? -ENOMEM : 0;
}

static int mg_gzip(const struct mg_buf *in, struct mg_buf *out)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	/* Speed over size: deflate would dominate the merge at level 6. */
	if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	size_t bound = deflateBound(&zs, in->len) + 32;
	out->data = malloc(bound);
	if (out->data == NULL) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	out->cap = bound;
	zs.next_in = in->data;
	zs.next_out = out->data;
	size_t done = 0;
	int rc;
	do {
		size_t step = in->len - done > (1u << 30) ? (1u << 30) : in->len - done;
		zs.next_in = in->data + done;
		zs.avail_in = (uInt)step;
		done += step;
		zs.avail_out =
		        (uInt)(out->cap - zs.total_out > (1u << 30) ? (1u << 30)
		                                                    : out->cap - zs.total_out);
		rc = deflate(&zs, done == in->len ? Z_FINISH : Z_NO_FLUSH);
	} while (rc == Z_OK || (rc == Z_BUF_ERROR && done < in->len));
	out->len = zs.total_out;
	deflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -ENOMEM;
}

static int mg_same_types(const struct ep_profile_value_type *a,
                         const struct ep_profile_value_type *b)
{
	return strcmp(a->type, b->type) == 0 && strcmp(a->unit, b->unit) == 0;
}

int ep_profile_merge_write(const char *path, const struct ep_merge_input *inputs, size_t count,
                           char *err, size_t errlen)
{
	if (count == 0) {
		snprintf(err, errlen, "no profiles to merge");
		return -EINVAL;
	}
	const struct ep_profile *first = inputs[0].profile;
	for (size_t i = 1; i < count; i++) {
		const struct ep_profile *p = inputs[i].profile;
		int same = p->sample_type_count == first->sample_type_count &&
		           mg_same_types(&p->period_type, &first->period_type);
		for (size_t t = 0; same && t < p->sample_type_count; t++)
			same = mg_same_types(&p->sample_types[t], &first->sample_types[t]);
		if (!same) {
			snprintf(err, errlen,
			         "%s: its sample types or period type differ from those of %s",
			         inputs[i].name, inputs[0].name);
			return -EINVAL;
		}
	}
	struct mg_merge g;
	memset(&g, 0, sizeof(g));
	g.type_count = first->sample_type_count;
	g.strings.size = sizeof(struct mg_string);
	g.mappings.size = sizeof(struct mg_mapping);
	g.functions.size = sizeof(struct mg_function);
	g.lines.size = sizeof(struct mg_line);
	g.locations.size = sizeof(struct mg_location);
	g.stacks.size = sizeof(uint32_t);
	g.labels.size = sizeof(struct mg_label);
	g.samples.size = sizeof(struct mg_sample);
	g.values.size = sizeof(int64_t);
	struct mg_buf encoded = { 0 }, compressed = { 0 };
	struct mg_source_map map = { 0 };
	int ret = -ENOMEM;
	if (mg_string(&g, "", 0) != 0)
		goto done;
	for (size_t i = 0; i < count; i++) {
		const struct ep_profile *p = inputs[i].profile;
		free(map.mappings);
		free(map.offsets);
		free(map.functions);
		free(map.locations);
		map.mappings = malloc((p->mapping_count + 1) * sizeof(*map.mappings));
		map.offsets = calloc(p->mapping_count + 1, sizeof(*map.offsets));
		map.functions = malloc((p->function_count + 1) * sizeof(*map.functions));
		map.locations = malloc((p->location_count + 1) * sizeof(*map.locations));
		if (map.mappings == NULL || map.offsets == NULL || map.functions == NULL ||
		    map.locations == NULL)
			goto done;
		memset(map.mappings, 0xff, (p->mapping_count + 1) * sizeof(*map.mappings));
		memset(map.functions, 0xff, (p->function_count + 1) * sizeof(*map.functions));
		memset(map.locations, 0xff, (p->location_count + 1) * sizeof(*map.locations));
		if (g.mappings.count == 0 && p->mapping_count > 0 &&
		    mg_map_mapping(&g, &map, p, 0) == MG_NONE)
			goto done;
		for (size_t s = 0; s < p->sample_count; s++) {
			const struct ep_profile_sample *sample = &p->samples[s];
			int zero = 1;
			for (size_t t = 0; t < g.type_count; t++)
				zero &= sample->values[t] == 0;
			if (!zero && mg_add_sample(&g, &map, &inputs[i], sample) < 0)
				goto done;
		}
	}
	if (mg_encode(&g, inputs, count, &encoded) < 0 || mg_gzip(&encoded, &compressed) < 0)
		goto done;
	ret = ep_write_file_atomic(path, compressed.data, compressed.len);
	if (ret < 0)
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(-ret));
	else
		ret = 0;
done:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(map.mappings);
	free(map.offsets);
	free(map.functions);
	free(map.locations);
	free(encoded.data);
	free(compressed.data);
	free(g.strings.items);
	free(g.mappings.items);
	free(g.functions.items);
	free(g.lines.items);
	free(g.locations.items);
	free(g.stacks.items);
	free(g.labels.items);
	free(g.samples.items);
	free(g.values.items);
	free(g.keys.data);
	free(g.scratch.data);
	mg_index_free(&g.string_index);
	mg_index_free(&g.mapping_index);
	mg_index_free(&g.function_index);
	mg_index_free(&g.location_index);
	mg_index_free(&g.sample_index);
	return ret;
}
