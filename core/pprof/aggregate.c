/* Node tables: pprof's function-granularity graph without the drawing.
 * Samples are first merged as profile.Merge merges them (which is also how a
 * -base is subtracted), then every merged stack adds its value to the nodes
 * it passes through.  Hash tables key everything, so the cost is linear in
 * the total stack depth.
 */
#include "pprof/aggregate.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "pattern.h"
#include "pprof/arena.h"
#include "pprof/decode.h"
#include "pprof/tagfilter.h"

#define AGG_NONE UINT32_MAX

/* A sample that merges with no other, or the first of several. */
#define AGG_ALONE 1
#define AGG_FIRST 2

/* ---- arithmetic as Go does it ---------------------------------------------- */

/* Go's int64 arithmetic wraps; C's signed overflow is undefined, so sums go
 * through uint64_t. */
static int64_t agg_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* pprof's abs64: |INT64_MIN| stays INT64_MIN. */
static int64_t agg_abs(int64_t v)
{
	return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
}

/* int64(math.Round(float64(v) * ratio)), including what amd64 gives for a
 * result out of int64's range. */
static int64_t agg_scale_value(int64_t v, double ratio)
{
	double d = round((double)v * ratio);
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)d;
}

/* ---- hashing ----------------------------------------------------------------- */

static uint64_t agg_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static uint64_t agg_finish(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t agg_hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t f = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++) {
		f ^= p[i];
		f *= 0x100000001b3ULL;
	}
	return agg_mix(agg_mix(h, f), len);
}

static uint64_t agg_hash_string(uint64_t h, const char *s)
{
	return agg_hash_bytes(h, s, strlen(s));
}

/* Names and files are byte strings that may hold NULs: profile strings
 * carry their length (ep_profile_string_length()). */
static size_t agg_length(const char *profile_string)
{
	return ep_profile_string_length(profile_string);
}

static uint64_t agg_hash_name(uint64_t h, const char *profile_string)
{
	return agg_hash_bytes(h, profile_string, agg_length(profile_string));
}

static int agg_same_name(const char *x, const char *y)
{
	size_t n = agg_length(x);
	return n == agg_length(y) && memcmp(x, y, n) == 0;
}

/* Go's string comparison: bytes, then length. */
static int agg_compare_bytes(const char *x, size_t xn, const char *y, size_t yn)
{
	int c = memcmp(x, y, xn < yn ? xn : yn);
	if (c != 0)
		return c;
	return xn < yn ? -1 : xn > yn;
}

/* An open-addressing index of entries kept in some array: slots hold the
 * entry number and 32 bits of its hash (which also place it), and the
 * caller says whether an entry equals the key being looked up.  Eight-byte
 * slots keep the table small: with 10^5 samples, cache misses dominate. */
struct agg_slot {
	uint32_t tag;
	uint32_t entry;
};

struct agg_index {
	struct agg_slot *slots;
	size_t mask;
	size_t used;
};

typedef int (*agg_same_fn)(const void *context, uint32_t entry);

static int agg_index_init(struct agg_index *index, size_t expected)
{
	size_t capacity = 16;
	while (capacity < expected * 2 && capacity < ((size_t)1 << 31))
		capacity *= 2;
	index->slots = malloc(capacity * sizeof(*index->slots));
	if (index->slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < capacity; i++)
		index->slots[i].entry = AGG_NONE;
	index->mask = capacity - 1;
	index->used = 0;
	return 0;
}

static void agg_index_free(struct agg_index *index)
{
	free(index->slots);
	index->slots = NULL;
}

static int agg_index_grow(struct agg_index *index)
{
	size_t capacity = (index->mask + 1) * 2;
	struct agg_slot *slots = malloc(capacity * sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < capacity; i++)
		slots[i].entry = AGG_NONE;
	for (size_t i = 0; i <= index->mask; i++) {
		if (index->slots[i].entry == AGG_NONE)
			continue;
		size_t slot = (size_t)index->slots[i].tag & (capacity - 1);
		while (slots[slot].entry != AGG_NONE)
			slot = (slot + 1) & (capacity - 1);
		slots[slot] = index->slots[i];
	}
	free(index->slots);
	index->slots = slots;
	index->mask = capacity - 1;
	return 0;
}

/* Returns the entry equal to the key, or records candidate as new and
 * returns it (*added tells which); AGG_NONE when out of memory. */
static uint32_t agg_index_intern(struct agg_index *index, uint64_t hash, agg_same_fn same,
                                 const void *context, uint32_t candidate, int *added)
{
	uint32_t tag = (uint32_t)agg_finish(hash);
	if ((index->used + 1) * 2 > index->mask + 1 && agg_index_grow(index) < 0)
		return AGG_NONE;
	size_t slot = (size_t)tag & index->mask;
	while (index->slots[slot].entry != AGG_NONE) {
		if (index->slots[slot].tag == tag && same(context, index->slots[slot].entry)) {
			*added = 0;
			return index->slots[slot].entry;
		}
		slot = (slot + 1) & index->mask;
	}
	index->slots[slot].tag = tag;
	index->slots[slot].entry = candidate;
	index->used++;
	*added = 1;
	return candidate;
}

/* ---- the merged profile --------------------------------------------------------- */

struct agg_bytes {
	unsigned char *data;
	size_t length, capacity;
};

struct agg_source {
	const struct ep_profile *profile;
	int negate;             /* a base: values count negatively */
	int scaled;             /* some ratio differs from 1 */
	double *ratios;         /* per sample type, to the unit both profiles share */
	double *normalize;      /* per sample type, -normalize's ratio; NULL: none */
	uint32_t *mapping_ids;  /* merged id of each mapping */
	uint32_t *function_ids; /* merged id of each function */
	uint32_t *location_ids; /* merged id of each location */
};

struct agg_mapping {
	const struct ep_profile_mapping *first; /* the first mapping with this key */
	uint64_t rounded_size;
	const char *identity; /* build id, else file name */
	const char *file;     /* for "[binary]" names; "" for a URL (see below) */
};

struct agg_location {
	uint32_t source; /* where first comes from */
	const struct ep_profile_location *first;
	uint32_t mapping; /* merged mapping id or AGG_NONE */
	uint64_t address; /* relative to the mapping start */
	int folded;
	uint32_t first_node; /* into location_nodes: one node per line, */
	uint32_t node_count; /* innermost first (one for a line-less location) */
};

struct agg_node {
	const char *function_name; /* "" for an unnamed frame, or at -files */
	const char *file;          /* cleaned source file, "" at -functions */
	size_t function_name_length, file_length, printable_length;
	const char *objfile; /* binary of a nameless node, else "" */
	int64_t lineno, start_line;
	uint64_t address;
	const char *printable;
	uint32_t public_index; /* into table->nodes, AGG_NONE when zero */
	int inlinable;         /* sits below the outermost line of some location */
};

/* Node values being summed, by node id: one tally per thread. */
struct agg_tally {
	int64_t *flat, *cum;
	uint32_t *stamps; /* the last stack that added to cum */
	uint32_t stamp;
};

struct agg_edge {
	uint64_t key; /* caller << 32 | callee */
	int64_t weight;
	uint32_t stamp;
	int inlined; /* every contribution was an inlined call */
};

struct ep_node_aggregate {
	struct ep_arena arena;
	struct agg_source sources[2];
	size_t source_count;
	size_t type_count;
	int sample_index;

	struct agg_mapping *mappings;
	size_t mapping_count;
	const struct ep_profile_function **functions; /* first function of each key */
	size_t function_count;
	struct agg_location *locations;
	size_t location_count;
	uint32_t *location_nodes;
	size_t location_node_count;
	struct agg_node *nodes;
	size_t node_count;
	/* The merged samples, by sample ordinal (the samples of the profile,
	 * then those of the base): a merged sample is represented by its
	 * first sample, as in pprof's Merge.  Stacks are not copied; a large
	 * profile holds millions of frames. */
	size_t ordinal_count;
	size_t base_first;     /* ordinal of the base's first sample */
	unsigned char *merged; /* AGG_ALONE, AGG_FIRST or 0 (merged away, zero) */
	int64_t *weights;      /* of each merged sample at the shown index */
	unsigned char *prune;  /* per location: 1 prune beneath it, 2 prune it too */
	struct agg_tally tally;
	int any_scaled; /* a side's units are scaled: weigh groups first */

	struct ep_node_view view;
	int filtered;                      /* some filter decides, per stack, what counts */
	uint32_t *line_from;               /* per location: innermost lines drop_frames cut */
	unsigned char *location_flags;     /* per location: AGG_LOC_* of the filters */
	struct ep_label_unit *label_units; /* numeric label units, for -tagfocus */
	size_t label_unit_count;

	/* scratch for building and comparing keys */
	uint32_t *stack; /* merged location ids of one or two stacks */
	size_t stack_capacity;
	struct agg_bytes labels, other_labels; /* two label keys compared */
};

static int agg_bytes_put(struct agg_bytes *b, const void *data, size_t len)
{
	if (b->capacity - b->length < len) {
		size_t capacity = b->capacity ? b->capacity : 256;
		while (capacity - b->length < len)
			capacity *= 2;
		unsigned char *grown = realloc(b->data, capacity);
		if (grown == NULL)
			return -ENOMEM;
		b->data = grown;
		b->capacity = capacity;
	}
	memcpy(b->data + b->length, data, len);
	b->length += len;
	return 0;
}

static int agg_bytes_put_string(struct agg_bytes *b, char tag, const char *s)
{
	if (agg_bytes_put(b, &tag, 1) < 0)
		return -ENOMEM;
	return agg_bytes_put(b, s, strlen(s) + 1); /* the NUL ends it unambiguously */
}

/* ---- units of a base --------------------------------------------------------- */

/* pprof's compatibleValueTypes: the types match up to a trailing 's', and
 * the units are equal or of one family (bytes, time). */
static int agg_units_compatible(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return 1;
	int family = ep_format_unit_family(a);
	return family >= 0 && family == ep_format_unit_family(b);
}

static size_t agg_trimmed_length(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && s[n - 1] == 's' ? n - 1 : n;
}

static int agg_types_compatible(const struct ep_profile_value_type *a,
                                const struct ep_profile_value_type *b)
{
	size_t na = agg_trimmed_length(a->type), nb = agg_trimmed_length(b->type);
	if (na != nb || memcmp(a->type, b->type, na) != 0)
		return 0;
	return agg_units_compatible(a->unit, b->unit);
}

/* Checks p and base can be merged (pprof's ScaleProfiles then Merge) and
 * works out the ratios that bring each to the finer of two units. */
static int agg_reconcile_units(struct ep_node_aggregate *a, struct ep_node_table *table, char *err,
                               size_t errlen)
{
	const struct ep_profile *p = a->sources[0].profile;
	const struct ep_profile *base = a->sources[1].profile;
	if (p->sample_type_count != base->sample_type_count) {
		snprintf(err, errlen, "the base profile has %zu sample types, the profile %zu",
		         base->sample_type_count, p->sample_type_count);
		return -EINVAL;
	}
	const struct ep_profile_value_type *pt = &p->period_type, *bt = &base->period_type;
	if (!agg_types_compatible(pt, bt) || strcmp(pt->type, bt->type) != 0) {
		snprintf(err, errlen, "the base profile's period type %s/%s differs from %s/%s",
		         bt->type, bt->unit, pt->type, pt->unit);
		return -EINVAL;
	}
	for (size_t i = 0; i < p->sample_type_count; i++) {
		const struct ep_profile_value_type *st = &p->sample_types[i];
		const struct ep_profile_value_type *bst = &base->sample_types[i];
		if (!agg_types_compatible(st, bst) || strcmp(st->type, bst->type) != 0) {
			snprintf(err, errlen,
			         "the base profile's sample type %zu is %s/%s, the profile's %s/%s",
			         i, bst->type, bst->unit, st->type, st->unit);
			return -EINVAL;
		}
		/* pprof keeps the profile's unit unless the base's is finer. */
		const char *common = st->unit;
		if (ep_format_scale(1, bst->unit, st->unit, NULL) < 1.0)
			common = bst->unit;
		a->sources[0].ratios[i] = ep_format_scale(1, st->unit, common, NULL);
		a->sources[1].ratios[i] = ep_format_scale(1, bst->unit, common, NULL);
		if (a->sources[0].ratios[i] != 1.0)
			a->sources[0].scaled = 1;
		if (a->sources[1].ratios[i] != 1.0)
			a->sources[1].scaled = 1;
		if ((int)i == a->sample_index)
			table->sample_type.unit = common;
	}
	return 0;
}

/* ---- merging mappings, functions, locations ------------------------------------ */

/* pprof's unsourceMappings: a mapping "file" that is really the URL a
 * profile was fetched from reads as no file.  Go's url.Parse(...).IsAbs()
 * holds for a scheme ("[A-Za-z][A-Za-z0-9+.-]*:") on a string without
 * control characters. */
static int agg_is_url(const char *file)
{
	for (const char *c = file; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return 0;
	const char *c = file;
	if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
		return 0;
	for (c++; *c != '\0' && *c != ':'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '+' || *c == '-' || *c == '.'))
			return 0;
	return *c == ':';
}

static const char *agg_mapping_file(const struct ep_profile_mapping *m)
{
	if (m->build_id[0] == '\0' && agg_is_url(m->filename))
		return "";
	return m->filename;
}

struct agg_mapping_key {
	const struct ep_node_aggregate *a;
	uint64_t rounded_size, offset;
	const char *identity;
};

static int agg_same_mapping(const void *context, uint32_t entry)
{
	const struct agg_mapping_key *k = context;
	const struct agg_mapping *m = &k->a->mappings[entry];
	return m->rounded_size == k->rounded_size && m->first->file_offset == k->offset &&
	       strcmp(m->identity, k->identity) == 0;
}

/* Mappings match by size (rounded up to 4 KiB), file offset, and build id
 * or else file name: the same binary loaded at another address in another
 * run is the same mapping. */
static int agg_merge_mappings(struct ep_node_aggregate *a, struct agg_source *s,
                              struct agg_index *index)
{
	const struct ep_profile *p = s->profile;
	for (size_t i = 0; i < p->mapping_count; i++) {
		const struct ep_profile_mapping *m = &p->mappings[i];
		uint64_t size = m->memory_limit - m->memory_start + 0xfff;
		struct agg_mapping_key key = {
			.a = a,
			.rounded_size = size - size % 0x1000,
			.offset = m->file_offset,
			.identity = m->build_id[0] != '\0' ? m->build_id : m->filename,
		};
		uint64_t hash = agg_mix(agg_mix(agg_hash_string(0, key.identity), key.rounded_size),
		                        key.offset);
		int added;
		uint32_t id = agg_index_intern(index, hash, agg_same_mapping, &key,
		                               (uint32_t)a->mapping_count, &added);
		if (id == AGG_NONE)
			return -ENOMEM;
		if (added) {
			struct agg_mapping *merged = &a->mappings[a->mapping_count++];
			merged->first = m;
			merged->rounded_size = key.rounded_size;
			merged->identity = key.identity;
			merged->file = agg_mapping_file(m);
		}
		s->mapping_ids[i] = id;
	}
	return 0;
}

struct agg_function_key {
	const struct ep_node_aggregate *a;
	const struct ep_profile_function *f;
};

static int agg_same_function(const void *context, uint32_t entry)
{
	const struct agg_function_key *k = context;
	const struct ep_profile_function *x = k->a->functions[entry], *y = k->f;
	return x->start_line == y->start_line && agg_same_name(x->name, y->name) &&
	       agg_same_name(x->system_name, y->system_name) &&
	       agg_same_name(x->filename, y->filename);
}

/* Functions match by name, system name, file and start line. */
static int agg_merge_functions(struct ep_node_aggregate *a, struct agg_source *s,
                               struct agg_index *index)
{
	const struct ep_profile *p = s->profile;
	for (size_t i = 0; i < p->function_count; i++) {
		const struct ep_profile_function *f = &p->functions[i];
		struct agg_function_key key = { a, f };
		uint64_t hash = agg_hash_name(0, f->name);
		hash = agg_hash_name(hash, f->system_name);
		hash = agg_hash_name(hash, f->filename);
		hash = agg_mix(hash, (uint64_t)f->start_line);
		int added;
		uint32_t id = agg_index_intern(index, hash, agg_same_function, &key,
		                               (uint32_t)a->function_count, &added);
		if (id == AGG_NONE)
			return -ENOMEM;
		if (added)
			a->functions[a->function_count++] = f;
		s->function_ids[i] = id;
	}
	return 0;
}

struct agg_location_key {
	const struct ep_node_aggregate *a;
	const struct agg_source *source;
	const struct ep_profile_location *l;
	uint32_t mapping;
	uint64_t address;
	int folded;
};

static int agg_same_location(const void *context, uint32_t entry)
{
	const struct agg_location_key *k = context;
	const struct agg_location *m = &k->a->locations[entry];
	if (m->mapping != k->mapping || m->address != k->address || m->folded != k->folded ||
	    m->first->line_count != k->l->line_count)
		return 0;
	const struct agg_source *ms = &k->a->sources[m->source];
	for (size_t j = 0; j < k->l->line_count; j++) {
		const struct ep_profile_line *x = &m->first->lines[j], *y = &k->l->lines[j];
		if (x->line != y->line ||
		    ms->function_ids[x->function - ms->profile->functions] !=
		            k->source->function_ids[y->function - k->source->profile->functions])
			return 0;
	}
	return 1;
}

/* Locations match by mapping, address relative to the mapping's start,
 * the folded flag, and their lines (function and line number). */
static int agg_merge_locations(struct ep_node_aggregate *a, uint32_t source_index,
                               struct agg_index *index)
{
	struct agg_source *s = &a->sources[source_index];
	const struct ep_profile *p = s->profile;
	for (size_t i = 0; i < p->location_count; i++) {
		const struct ep_profile_location *l = &p->locations[i];
		struct agg_location_key key = { .a = a, .source = s, .l = l };
		key.mapping = AGG_NONE;
		key.address = l->address;
		if (l->mapping != NULL) {
			key.mapping = s->mapping_ids[l->mapping - p->mappings];
			key.address = l->address - l->mapping->memory_start;
		}
		key.folded = ep_profile_location_is_folded(p, l);
		uint64_t hash = agg_mix(agg_mix(agg_mix(0, key.mapping), key.address),
		                        (uint64_t)key.folded);
		for (size_t j = 0; j < l->line_count; j++)
			hash = agg_mix(
			        agg_mix(hash, s->function_ids[l->lines[j].function - p->functions]),
			        (uint64_t)l->lines[j].line);
		int added;
		uint32_t id = agg_index_intern(index, hash, agg_same_location, &key,
		                               (uint32_t)a->location_count, &added);
		if (id == AGG_NONE)
			return -ENOMEM;
		if (added) {
			struct agg_location *merged = &a->locations[a->location_count++];
			merged->source = source_index;
			merged->first = l;
			merged->mapping = key.mapping;
			merged->address = key.address;
			merged->folded = key.folded;
		}
		s->location_ids[i] = id;
	}
	return 0;
}

/* ---- nodes ------------------------------------------------------------------- */

/* A node is pprof's NodeInfo: what identifies it depends on the
 * granularity (see agg_build_nodes()). */
struct agg_node_key {
	const struct ep_node_aggregate *a;
	const char *function_name, *file, *objfile;
	size_t function_name_length, file_length;
	int64_t lineno, start_line;
	uint64_t address;
};

static int agg_same_node(const void *context, uint32_t entry)
{
	const struct agg_node_key *k = context;
	const struct agg_node *n = &k->a->nodes[entry];
	return n->start_line == k->start_line && n->lineno == k->lineno &&
	       n->address == k->address && n->function_name_length == k->function_name_length &&
	       n->file_length == k->file_length &&
	       memcmp(n->function_name, k->function_name, k->function_name_length) == 0 &&
	       memcmp(n->file, k->file, k->file_length) == 0 && strcmp(n->objfile, k->objfile) == 0;
}

/* Go's filepath.Base for a non-empty path. */
static void agg_basename(const char *path, const char **start, size_t *len)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 1 && path[0] == '/') {
		*start = path;
		*len = 1;
		return;
	}
	size_t b = n;
	while (b > 0 && path[b - 1] != '/')
		b--;
	*start = path + b;
	*len = n - b;
}

/* Go's filepath.Clean of path (n bytes), into the arena; *out_len gets
 * the length of the result. */
static const char *agg_clean_path(struct ep_arena *arena, const char *path, size_t n,
                                  size_t *out_len)
{
	char *out = ep_arena_alloc(arena, n + 2);
	if (out == NULL)
		return NULL;
	int rooted = n > 0 && path[0] == '/';
	size_t w = rooted ? 1 : 0, dotdot = w; /* dotdot: where ".." can no longer back up */
	if (rooted)
		out[0] = '/';
	for (size_t r = rooted; r < n;) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && r + 1 < n && path[r + 1] == '.' &&
		           (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			while (r < n && path[r] != '/')
				out[w++] = path[r++];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	*out_len = w;
	return out;
}

/* report.trimPath without -trim_path or -source_path: only the prefixes
 * of a build run in /proc/self/cwd go. */
static const char *agg_trim_path(const char *path, size_t *len)
{
	static const char *const prefixes[] = { "/proc/self/cwd/./", "/proc/self/cwd/" };
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(prefixes[i]);
		if (*len >= n && memcmp(path, prefixes[i], n) == 0) {
			*len -= n;
			return path + n;
		}
	}
	return path;
}

static size_t agg_append(char *text, size_t w, const char *part, size_t len)
{
	if (w > 0 && len > 0)
		text[w++] = ' ';
	memcpy(text + w, part, len);
	return w + len;
}

/* NodeInfo.PrintableName: the address, the name, then file:line, the
 * file, or (nameless) the binary or "<unknown>", joined by spaces.  Sets
 * n->printable and n->printable_length; -ENOMEM. */
static int agg_printable(struct ep_node_aggregate *a, struct agg_node *n)
{
	char address[24] = "", number[24] = "";
	const char *base = "";
	size_t base_len = 0, address_len = 0, number_len = 0;
	if (n->address != 0)
		address_len = (size_t)snprintf(address, sizeof(address), "%016" PRIx64, n->address);
	if (n->lineno != 0)
		number_len = (size_t)snprintf(number, sizeof(number), ":%" PRId64, n->lineno);
	if (n->lineno == 0 && n->file_length == 0 && n->function_name_length > 0 &&
	    address_len == 0) {
		/* the common case: the name itself */
		n->printable = n->function_name;
		n->printable_length = n->function_name_length;
		return 0;
	}
	if (n->lineno == 0 && n->file_length == 0 && n->function_name_length == 0) {
		if (n->objfile[0] != '\0')
			agg_basename(n->objfile, &base, &base_len);
		else
			base = "<unknown>", base_len = 9;
	}
	size_t capacity =
	        address_len + n->function_name_length + n->file_length + number_len + base_len + 8;
	char *text = ep_arena_alloc(&a->arena, capacity);
	if (text == NULL)
		return -ENOMEM;
	size_t w = agg_append(text, 0, address, address_len);
	w = agg_append(text, w, n->function_name, n->function_name_length);
	if (n->lineno != 0 || n->file_length > 0) {
		/* "file:line" is one component, even with an empty file */
		if (w > 0)
			text[w++] = ' ';
		memcpy(text + w, n->file, n->file_length);
		w += n->file_length;
		memcpy(text + w, number, number_len);
		w += number_len;
	} else if (base_len > 0 && n->objfile[0] != '\0') {
		if (w > 0)
			text[w++] = ' ';
		text[w++] = '[';
		memcpy(text + w, base, base_len);
		w += base_len;
		text[w++] = ']';
	} else if (base_len > 0) {
		w = agg_append(text, w, base, base_len);
	}
	text[w] = '\0';
	n->printable = text;
	n->printable_length = w;
	return 0;
}

static uint32_t agg_node_intern(struct ep_node_aggregate *a, struct agg_index *index,
                                const struct agg_node_key *key)
{
	uint64_t hash = agg_hash_bytes(0, key->function_name, key->function_name_length);
	hash = agg_hash_string(hash, key->objfile);
	hash = agg_mix(agg_mix(agg_hash_bytes(hash, key->file, key->file_length),
	                       (uint64_t)key->start_line),
	               agg_mix((uint64_t)key->lineno, key->address));
	int added;
	uint32_t id =
	        agg_index_intern(index, hash, agg_same_node, key, (uint32_t)a->node_count, &added);
	if (id == AGG_NONE || !added)
		return id;
	struct agg_node *n = &a->nodes[a->node_count++];
	memset(n, 0, sizeof(*n));
	n->function_name = key->function_name;
	n->function_name_length = key->function_name_length;
	n->file = key->file;
	n->file_length = key->file_length;
	n->objfile = key->objfile;
	n->lineno = key->lineno;
	n->address = key->address;
	n->start_line = key->start_line;
	n->public_index = AGG_NONE;
	return agg_printable(a, n) == 0 ? id : AGG_NONE;
}

/* graph.nodeInfo after profile.Aggregate at the view's granularity. */
static int agg_line_key(struct ep_node_aggregate *a, const struct agg_location *l,
                        const struct ep_profile_line *line, const char *objfile,
                        struct agg_node_key *key)
{
	enum ep_granularity g = a->view.granularity;
	memset(key, 0, sizeof(*key));
	key->a = a;
	key->function_name = key->file = key->objfile = "";
	if (g == EP_GRANULARITY_ADDRESSES)
		key->address = l->first->address;
	if (line == NULL) {
		key->objfile = objfile;
		return 0;
	}
	const struct ep_profile_function *f = line->function;
	if (g != EP_GRANULARITY_FILES) {
		key->function_name = f->name;
		key->function_name_length = agg_length(f->name);
	}
	if (g == EP_GRANULARITY_LINES || g == EP_GRANULARITY_ADDRESSES)
		key->lineno = line->line;
	if (g != EP_GRANULARITY_FUNCTIONS) {
		size_t len = agg_length(f->filename);
		const char *file = agg_trim_path(f->filename, &len);
		if (len > 0) {
			key->file = agg_clean_path(&a->arena, file, len, &key->file_length);
			if (key->file == NULL)
				return -ENOMEM;
		}
	}
	if (key->function_name_length == 0) {
		key->objfile = objfile;
		key->start_line = f->start_line;
	}
	return 0;
}

/* ---- filters on locations ------------------------------------------------------ */

#define AGG_LOC_FOCUSED   1u /* matches -focus (or there is only -ignore) */
#define AGG_LOC_IGNORED   2u /* matches -ignore */
#define AGG_LOC_HIDDEN    4u /* -hide or -show left it no line: off every stack */
#define AGG_LOC_SHOW_FROM 8u /* matches -show_from */

static bool agg_function_matches(const struct ep_pattern *re, const struct ep_profile_function *f)
{
	return ep_pattern_match(re, f->name, agg_length(f->name)) ||
	       ep_pattern_match(re, f->filename, agg_length(f->filename));
}

static bool agg_mapping_matches(const struct ep_node_aggregate *a, const struct agg_location *l,
                                const struct ep_pattern *re)
{
	if (l->mapping == AGG_NONE)
		return false;
	const char *file = a->mappings[l->mapping].file;
	return ep_pattern_match(re, file, strlen(file));
}

/* Location.matchesName over the lines still kept */
static bool agg_location_matches(const struct ep_node_aggregate *a, const struct agg_location *l,
                                 const struct ep_profile_line *lines, const unsigned char *keep,
                                 size_t count, const struct ep_pattern *re)
{
	for (size_t j = 0; j < count; j++)
		if (keep[j] && agg_function_matches(re, lines[j].function))
			return true;
	return agg_mapping_matches(a, l, re);
}

/* What profile.FilterSamplesByName and ShowFrom do to one location: its
 * flags, and which of its lines stay (keep[j] for lines[j]). */
static unsigned agg_filter_location(const struct ep_node_aggregate *a, const struct agg_location *l,
                                    const struct ep_profile_line *lines, unsigned char *keep,
                                    size_t count)
{
	const struct ep_node_view *v = &a->view;
	unsigned flags = 0;
	size_t kept = count;
	if (v->ignore != NULL && agg_location_matches(a, l, lines, keep, count, v->ignore))
		flags |= AGG_LOC_IGNORED;
	else if (v->focus == NULL || agg_location_matches(a, l, lines, keep, count, v->focus))
		flags |= AGG_LOC_FOCUSED;
	if (v->hide != NULL && agg_location_matches(a, l, lines, keep, count, v->hide)) {
		int all = agg_mapping_matches(a, l, v->hide);
		for (size_t j = 0; j < count; j++)
			if (keep[j] && (all || agg_function_matches(v->hide, lines[j].function))) {
				keep[j] = 0;
				kept--;
			}
		if (kept == 0)
			flags |= AGG_LOC_HIDDEN;
	}
	if (v->show != NULL) {
		if (!agg_mapping_matches(a, l, v->show))
			for (size_t j = 0; j < count; j++)
				if (keep[j] && !agg_function_matches(v->show, lines[j].function)) {
					keep[j] = 0;
					kept--;
				}
		if (kept == 0)
			flags |= AGG_LOC_HIDDEN;
	}
	if (v->show_from != NULL) {
		if (agg_mapping_matches(a, l, v->show_from)) {
			flags |= AGG_LOC_SHOW_FROM;
		} else {
			/* The outermost kept line matching by name; its callers go. */
			for (size_t j = count; j > 0; j--) {
				if (!keep[j - 1])
					continue;
				const char *name = lines[j - 1].function->name;
				if (ep_pattern_match(v->show_from, name, agg_length(name))) {
					flags |= AGG_LOC_SHOW_FROM;
					for (size_t k = j; k < count; k++)
						keep[k] = 0;
					break;
				}
			}
		}
	}
	return flags;
}

/* The nodes of every location, innermost line first.  At function
 * granularity pprof identifies a frame by its function name alone; a frame
 * without one (no lines, or an empty name) by its binary and the
 * function's start line, shown as "[binary]", or "<unknown>" without a
 * binary.  Lines add the file and line number, addresses the location's
 * address; files keep only the file (and so the binary and start line). */
static int agg_build_nodes(struct ep_node_aggregate *a)
{
	struct agg_index index;
	unsigned char *keep = NULL;
	size_t keep_capacity = 0;
	int ret = agg_index_init(&index, a->location_node_count / 4 + 16);
	if (ret < 0)
		return ret;
	int filtering = a->view.focus != NULL || a->view.ignore != NULL || a->view.hide != NULL ||
	                a->view.show != NULL || a->view.show_from != NULL;
	if (filtering) {
		a->location_flags = ep_arena_calloc(&a->arena, a->location_count + 1, 1);
		if (a->location_flags == NULL)
			goto nomem;
	}
	uint32_t next = 0;
	for (size_t i = 0; i < a->location_count; i++) {
		struct agg_location *l = &a->locations[i];
		const char *objfile = l->mapping != AGG_NONE ? a->mappings[l->mapping].file : "";
		/* drop_frames cut the innermost lines of a partly dropped location */
		size_t from = a->line_from != NULL ? a->line_from[i] : 0;
		const struct ep_profile_line *lines = l->first->lines + from;
		size_t count = l->first->line_count - from;
		if (count + 1 > keep_capacity) {
			free(keep);
			keep_capacity = count * 2 + 16;
			keep = malloc(keep_capacity);
			if (keep == NULL)
				goto nomem;
		}
		memset(keep, 1, count + 1);
		if (filtering)
			a->location_flags[i] =
			        (unsigned char)agg_filter_location(a, l, lines, keep, count);
		l->first_node = next;
		if (filtering && (a->location_flags[i] & AGG_LOC_HIDDEN)) {
			l->node_count = 0;
			continue;
		}
		struct agg_node_key key;
		if (l->first->line_count == 0) {
			if (agg_line_key(a, l, NULL, objfile, &key) < 0)
				goto nomem;
			uint32_t n = agg_node_intern(a, &index, &key);
			if (n == AGG_NONE)
				goto nomem;
			a->location_nodes[next++] = n;
		}
		for (size_t j = 0; j < count; j++) {
			if (!keep[j])
				continue;
			if (agg_line_key(a, l, &lines[j], objfile, &key) < 0)
				goto nomem;
			uint32_t n = agg_node_intern(a, &index, &key);
			if (n == AGG_NONE)
				goto nomem;
			a->location_nodes[next++] = n;
		}
		l->node_count = next - l->first_node;
	}
	free(keep);
	agg_index_free(&index);
	return 0;
nomem:
	free(keep);
	agg_index_free(&index);
	return -ENOMEM;
}

/* ---- samples ------------------------------------------------------------------ */

static int agg_label_by_key(const struct ep_profile_label *x, const struct ep_profile_label *y)
{
	return strcmp(x->key, y->key);
}

/* Appends the labels of s to out as pprof's sampleKey sees them: string
 * labels and numeric labels grouped by key, keys sorted, values in file
 * order, and a key's units only when one of its values has a unit. */
static int agg_label_key(struct agg_bytes *out, const struct ep_profile_sample *s)
{
	if (s->label_count == 0)
		return 0;
	const struct ep_profile_label *small[16];
	const struct ep_profile_label **order = small;
	if (s->label_count > 16) {
		order = malloc(s->label_count * sizeof(*order));
		if (order == NULL)
			return -ENOMEM;
	}
	/* Insertion sort: stable, and label lists are short. */
	for (size_t i = 0; i < s->label_count; i++) {
		const struct ep_profile_label *l = &s->labels[i];
		size_t j = i;
		while (j > 0 && agg_label_by_key(order[j - 1], l) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = l;
	}
	int ret = 0;
	for (size_t i = 0; i < s->label_count && ret == 0; i++)
		if (order[i]->str != NULL)
			ret = agg_bytes_put_string(out, 'S', order[i]->key) < 0 ||
			                      agg_bytes_put_string(out, 'v', order[i]->str) < 0
			              ? -ENOMEM
			              : 0;
	for (size_t i = 0; i < s->label_count && ret == 0;) {
		if (order[i]->str != NULL) {
			i++;
			continue;
		}
		/* One numeric key: its values, then its units if any. */
		size_t end = i, with_unit = 0;
		while (end < s->label_count &&
		       (order[end]->str != NULL || strcmp(order[end]->key, order[i]->key) == 0)) {
			if (order[end]->str == NULL && order[end]->num_unit[0] != '\0')
				with_unit++;
			end++;
		}
		if (agg_bytes_put_string(out, 'N', order[i]->key) < 0) {
			ret = -ENOMEM;
			break;
		}
		for (size_t j = i; j < end && ret == 0; j++)
			if (order[j]->str == NULL)
				ret = agg_bytes_put(out, &order[j]->num, sizeof(order[j]->num));
		for (size_t j = i; j < end && ret == 0 && with_unit > 0; j++)
			if (order[j]->str == NULL)
				ret = agg_bytes_put_string(out, 'u', order[j]->num_unit);
		i = end;
	}
	if (order != small)
		free(order);
	return ret;
}

/* Translates a sample's stack into merged location ids at a->stack[at]. */
static int agg_merged_stack(struct ep_node_aggregate *a, uint32_t source,
                            const struct ep_profile_sample *sample, size_t at)
{
	if (at + sample->location_count > a->stack_capacity || a->stack == NULL) {
		size_t capacity = (at + sample->location_count) * 2 + 16;
		uint32_t *grown = realloc(a->stack, capacity * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		a->stack = grown;
		a->stack_capacity = capacity;
	}
	const struct agg_source *s = &a->sources[source];
	uint32_t *out = a->stack + at;
	for (size_t j = 0; j < sample->location_count; j++)
		out[j] = s->location_ids[sample->locations[j] - s->profile->locations];
	return 0;
}

static int agg_sample_is_zero(const struct ep_profile_sample *s, size_t type_count)
{
	for (size_t t = 0; t < type_count; t++)
		if (s->values[t] != 0)
			return 0;
	return 1;
}

/* Whether the merge never sees the sample: Merge skips all-zero samples
 * (-normalize scales merged samples later, in agg_merged_weight()). */
static int agg_sample_skipped(const struct ep_node_aggregate *a, const struct agg_source *s,
                              const struct ep_profile_sample *sample)
{
	(void)s;
	return agg_sample_is_zero(sample, a->type_count);
}

/* pprof's Prune on one stack: scanning from the root, the first pruned
 * location after a frame that is not pruned cuts the stack there (keeping
 * the location itself when only what it called goes).  Returns how many
 * leaf-side frames go. */
static uint32_t agg_prune_skip(const struct ep_node_aggregate *a, const uint32_t *stack,
                               uint32_t depth)
{
	if (a->prune == NULL)
		return 0;
	int found_user = 0;
	for (uint32_t k = depth; k > 0; k--) {
		unsigned char mark = a->prune[stack[k - 1]];
		if (mark == 0) {
			found_user = 1;
			continue;
		}
		if (found_user)
			return mark == 2 ? k : k - 1;
	}
	return 0;
}

/* What the filters leave of one sample's merged stack (in a->stack, depth
 * frames, leaf first), as pprof's FilterSamplesByName, ShowFrom and
 * FilterSamplesByTag do after drop_frames pruned it.  Returns 0 when the
 * sample goes, 1 with the frames that count in a->stack[*skip..*depth). */
static int agg_view_stack(struct ep_node_aggregate *a, const struct ep_profile_sample *sample,
                          uint32_t source, uint32_t *depth, uint32_t *skip)
{
	uint32_t *stack = a->stack;
	uint32_t first = agg_prune_skip(a, stack, *depth), end = *depth;
	*skip = first;
	if (!a->filtered)
		return 1;
	const struct ep_node_view *v = &a->view;
	const unsigned char *flags = a->location_flags;
	if (flags != NULL) {
		if (v->focus != NULL || v->ignore != NULL) {
			int focused = 0;
			for (uint32_t k = first; k < end; k++) {
				if (flags[stack[k]] & AGG_LOC_IGNORED)
					return 0;
				focused |= (flags[stack[k]] & AGG_LOC_FOCUSED) != 0;
			}
			if (!focused)
				return 0;
		}
		uint32_t w = first;
		for (uint32_t k = first; k < end; k++)
			if (!(flags[stack[k]] & AGG_LOC_HIDDEN))
				stack[w++] = stack[k];
		end = w;
		if (end == first)
			return 0;
		if (v->show_from != NULL) {
			/* Frames above the outermost match go. */
			uint32_t k = end;
			while (k > first && !(flags[stack[k - 1]] & AGG_LOC_SHOW_FROM))
				k--;
			if (k == first)
				return 0;
			end = k;
		}
	}
	int base = v->diff_base && source == 1;
	if (v->tag_focus != NULL &&
	    !ep_tag_filter_match(v->tag_focus, sample, a->label_units, a->label_unit_count, base))
		return 0;
	if (v->tag_ignore != NULL &&
	    ep_tag_filter_match(v->tag_ignore, sample, a->label_units, a->label_unit_count, base))
		return 0;
	*depth = end;
	return 1;
}

/* Adds w to every node on a stack once, and to the leaf's flat: one
 * sample's share of pprof's graph. */
static void agg_add_stack(struct ep_node_aggregate *a, const uint32_t *stack, uint32_t depth,
                          int64_t w)
{
	if (depth == 0 || w == 0)
		return;
	struct agg_tally *t = &a->tally;
	uint32_t stamp = ++t->stamp;
	for (uint32_t k = depth; k > 0; k--) {
		const struct agg_location *l = &a->locations[stack[k - 1]];
		const uint32_t *nodes = &a->location_nodes[l->first_node];
		for (uint32_t j = l->node_count; j > 0; j--) {
			uint32_t n = nodes[j - 1];
			if (t->stamps[n] != stamp) {
				t->stamps[n] = stamp;
				t->cum[n] = agg_add(t->cum[n], w);
			}
		}
	}
	/* Only the innermost line of the leaf location is "flat". */
	const struct agg_location *leaf = &a->locations[stack[0]];
	if (leaf->node_count > 0) {
		uint32_t n = a->location_nodes[leaf->first_node];
		t->flat[n] = agg_add(t->flat[n], w);
	}
}

/* ---- merging samples -------------------------------------------------------- */

/* The sample of an ordinal, and its source. */
static const struct ep_profile_sample *agg_ordinal_sample(const struct ep_node_aggregate *a,
                                                          size_t ordinal, uint32_t *source)
{
	uint32_t si = ordinal >= a->base_first ? 1 : 0;
	if (source != NULL)
		*source = si;
	return &a->sources[si].profile->samples[ordinal - (si ? a->base_first : 0)];
}

/* A hash of the labels equal for equal label sets as pprof's sampleKey
 * sees them: keys in any order (the per-label hashes are added), values of
 * one key in file order (their position counts). */
static uint64_t agg_label_hash(const struct ep_profile_sample *s)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < s->label_count; i++) {
		const struct ep_profile_label *l = &s->labels[i];
		uint64_t h = agg_hash_string(l->str != NULL ? 1 : 2, l->key);
		if (l->str != NULL) {
			h = agg_hash_string(h, l->str);
		} else {
			h = agg_mix(h, (uint64_t)l->num);
			h = agg_hash_string(h, l->num_unit);
		}
		/* The position among same-key labels; skipped for huge label
		 * sets, which only makes collisions (checked later) likelier. */
		if (s->label_count <= 16) {
			uint64_t position = 0;
			for (size_t j = 0; j < i; j++)
				position += (s->labels[j].str != NULL) == (l->str != NULL) &&
				            strcmp(s->labels[j].key, l->key) == 0;
			h = agg_mix(h, position);
		}
		sum += agg_finish(h);
	}
	return sum;
}

/* Whether the samples of two ordinals have the same stack and labels. */
static int agg_same_key(struct ep_node_aggregate *a, size_t x, size_t y)
{
	uint32_t source_x, source_y;
	const struct ep_profile_sample *sx = agg_ordinal_sample(a, x, &source_x);
	const struct ep_profile_sample *sy = agg_ordinal_sample(a, y, &source_y);
	size_t depth = sx->location_count;
	if (sy->location_count != depth || (a->view.diff_base && source_x != source_y))
		return 0;
	if (agg_merged_stack(a, source_x, sx, 0) < 0 ||
	    agg_merged_stack(a, source_y, sy, depth) < 0)
		return -ENOMEM;
	if (depth > 0 && memcmp(a->stack, a->stack + depth, depth * sizeof(*a->stack)) != 0)
		return 0;
	a->labels.length = 0;
	a->other_labels.length = 0;
	if (agg_label_key(&a->labels, sx) < 0 || agg_label_key(&a->other_labels, sy) < 0)
		return -ENOMEM;
	return a->labels.length == a->other_labels.length &&
	       (a->labels.length == 0 ||
	        memcmp(a->labels.data, a->other_labels.data, a->labels.length) == 0);
}

/* A sample's merge key: 32 bits of the hash of its stack (as merged
 * locations) and labels, above its ordinal.  Sorting the keys groups the
 * samples that may merge, each run in file order; a hash table would do
 * too, but 10^5 random probes into a table larger than the caches cost more
 * than sorting 8-byte keys. */
static uint64_t agg_key(uint64_t hash, size_t ordinal)
{
	return (agg_finish(hash) >> 32) << 32 | (uint64_t)ordinal;
}

static size_t agg_key_ordinal(uint64_t key)
{
	return (size_t)(key & 0xffffffffu);
}

/* The fused form of the key pass for ordinals first..last: no scratch, so
 * two threads can each do a share with their own tally.  Writes the keys
 * of the non-zero samples to keys. */
struct agg_key_job {
	struct ep_node_aggregate *a;
	struct agg_tally tally;
	size_t first, last;
	uint64_t *keys;
	size_t count;
};

static void agg_key_range(struct agg_key_job *job)
{
	struct ep_node_aggregate *a = job->a;
	struct agg_tally *t = &job->tally;
	size_t n = 0;
	for (size_t o = job->first; o < job->last; o++) {
		uint32_t si;
		const struct ep_profile_sample *sample = agg_ordinal_sample(a, o, &si);
		const struct agg_source *s = &a->sources[si];
		const struct ep_profile *p = s->profile;
		if (agg_sample_is_zero(sample, a->type_count))
			continue; /* profile.Merge skips them */
		uint32_t depth = (uint32_t)sample->location_count;
		int64_t value = sample->values[a->sample_index];
		int64_t w = s->negate ? agg_scale_value(value, -1.0) : value;
		/* -diff_base labels the base's samples: they never merge with
		 * the profile's. */
		uint64_t hash = a->view.diff_base ? agg_mix(depth, si) : depth;
		uint32_t stamp = ++t->stamp;
		for (uint32_t j = 0; j < depth; j++) {
			uint32_t id = s->location_ids[sample->locations[j] - p->locations];
			hash = agg_mix(hash, id);
			if (w == 0)
				continue;
			const struct agg_location *l = &a->locations[id];
			const uint32_t *nodes = &a->location_nodes[l->first_node];
			for (uint32_t k = 0; k < l->node_count; k++) {
				uint32_t node = nodes[k];
				if (t->stamps[node] != stamp) {
					t->stamps[node] = stamp;
					t->cum[node] = agg_add(t->cum[node], w);
				}
			}
			/* Only the innermost line of the leaf location is "flat". */
			if (j == 0 && l->node_count > 0)
				t->flat[nodes[0]] = agg_add(t->flat[nodes[0]], w);
		}
		job->keys[n++] = agg_key(agg_mix(hash, agg_label_hash(sample)), o);
	}
	job->count = n;
}

static void *agg_key_worker(void *argument)
{
	agg_key_range(argument);
	return NULL;
}

/* Below this many samples a second thread costs more than it saves. */
#define AGG_THREAD_MIN_SAMPLES 20000

/* One pass over every sample: its key, and (without unit scaling, where a
 * merged sample's value is a plain sum and node values are linear in it)
 * its share of the node values right away.  This is the hot loop of a
 * large profile; when nothing is pruned or scaled, two threads share it. */
static int agg_key_samples(struct ep_node_aggregate *a, uint64_t *keys, size_t *count)
{
	size_t total = a->ordinal_count;
	if (!a->any_scaled && a->prune == NULL && !a->filtered) {
		struct agg_key_job jobs[2] = {
			{ .a = a, .tally = a->tally, .first = 0, .last = total, .keys = keys },
			{ .a = a },
		};
		int threaded = 0;
		pthread_t thread;
		if (total >= AGG_THREAD_MIN_SAMPLES) {
			/* The second half goes to a thread with a tally of its own. */
			size_t nodes = a->node_count ? a->node_count : 1;
			struct agg_tally *t = &jobs[1].tally;
			t->flat = calloc(nodes, sizeof(*t->flat));
			t->cum = calloc(nodes, sizeof(*t->cum));
			t->stamps = calloc(nodes, sizeof(*t->stamps));
			if (t->flat != NULL && t->cum != NULL && t->stamps != NULL) {
				jobs[1].first = total / 2;
				jobs[1].last = total;
				jobs[1].keys = keys + total / 2;
				jobs[0].last = total / 2;
				threaded = pthread_create(&thread, NULL, agg_key_worker,
				                          &jobs[1]) == 0;
				if (!threaded)
					jobs[0].last = total;
			}
		}
		agg_key_range(&jobs[0]);
		a->tally.stamp = jobs[0].tally.stamp;
		size_t n = jobs[0].count;
		if (threaded) {
			pthread_join(thread, NULL);
			const struct agg_tally *t = &jobs[1].tally;
			for (size_t k = 0; k < a->node_count; k++) {
				a->tally.flat[k] = agg_add(a->tally.flat[k], t->flat[k]);
				a->tally.cum[k] = agg_add(a->tally.cum[k], t->cum[k]);
			}
			memmove(keys + n, jobs[1].keys, jobs[1].count * sizeof(*keys));
			n += jobs[1].count;
		}
		free(jobs[1].tally.flat);
		free(jobs[1].tally.cum);
		free(jobs[1].tally.stamps);
		*count = n;
		return 0;
	}
	size_t n = 0;
	for (size_t o = 0; o < total; o++) {
		uint32_t si;
		const struct ep_profile_sample *sample = agg_ordinal_sample(a, o, &si);
		if (agg_sample_skipped(a, &a->sources[si], sample))
			continue;
		if (agg_merged_stack(a, si, sample, 0) < 0)
			return -ENOMEM;
		uint32_t depth = (uint32_t)sample->location_count;
		uint64_t hash = a->view.diff_base ? agg_mix(depth, si) : depth;
		for (uint32_t j = 0; j < depth; j++)
			hash = agg_mix(hash, a->stack[j]);
		if (!a->any_scaled) {
			int64_t value = sample->values[a->sample_index];
			int64_t w = a->sources[si].negate ? agg_scale_value(value, -1.0) : value;
			uint32_t skip;
			if (agg_view_stack(a, sample, si, &depth, &skip))
				agg_add_stack(a, a->stack + skip, depth - skip, w);
		}
		keys[n++] = agg_key(agg_mix(hash, agg_label_hash(sample)), o);
	}
	*count = n;
	return 0;
}

static int agg_compare_keys(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* Sorts keys by hash, keeping ordinals in order within a hash: LSD radix
 * on the two 16-bit digits of the hash (stable, and the keys come in
 * ordinal order), or qsort on the whole key for few keys. */
static int agg_sort_keys(uint64_t *keys, size_t n)
{
	if (n < 4096) {
		if (n > 1)
			qsort(keys, n, sizeof(*keys), agg_compare_keys);
		return 0;
	}
	uint64_t *other = malloc(n * sizeof(*other));
	uint32_t *counts = malloc(65536 * sizeof(*counts));
	if (other == NULL || counts == NULL) {
		free(other);
		free(counts);
		return -ENOMEM;
	}
	uint64_t *from = keys, *to = other;
	for (unsigned shift = 32; shift < 64; shift += 16) {
		memset(counts, 0, 65536 * sizeof(*counts));
		for (size_t i = 0; i < n; i++)
			counts[(from[i] >> shift) & 0xffff]++;
		uint32_t position = 0;
		for (size_t d = 0; d < 65536; d++) {
			uint32_t c = counts[d];
			counts[d] = position;
			position += c;
		}
		for (size_t i = 0; i < n; i++)
			to[counts[(from[i] >> shift) & 0xffff]++] = from[i];
		uint64_t *swap = from;
		from = to;
		to = swap;
	}
	/* Two passes: the sorted keys are back in keys. */
	free(other);
	free(counts);
	return 0;
}

/* A merged sample's value at the shown index from its members (ordinals),
 * after what pprof does to each side: a base is scaled by -1, then units
 * are reconciled; a side whose scaled values all round to zero drops out
 * (pprof's ScaleN). */
static int64_t agg_merged_weight(struct ep_node_aggregate *a, const size_t *members, size_t count)
{
	int64_t weight = 0;
	for (uint32_t si = 0; si < a->source_count; si++) {
		const struct agg_source *s = &a->sources[si];
		int keep = 0, nonzero = 0, present = 0, normalized = 0, normal_kept = 0;
		int64_t value = 0;
		for (size_t t = 0; t < a->type_count; t++) {
			int64_t sum = 0;
			for (size_t m = 0; m < count; m++) {
				uint32_t source;
				const struct ep_profile_sample *sample =
				        agg_ordinal_sample(a, members[m], &source);
				if (source == si) {
					sum = agg_add(sum, sample->values[t]);
					present = 1;
				}
			}
			/* -normalize scales the side's merged samples (pprof merges
			 * each side first), dropping those left all zero. */
			if (s->normalize != NULL && s->normalize[t] != 1.0) {
				sum = agg_scale_value(sum, s->normalize[t]);
				normalized = 1;
				normal_kept |= sum != 0;
			}
			nonzero |= sum != 0;
			if (s->negate)
				sum = agg_scale_value(sum, -1.0);
			if (s->ratios[t] != 1.0) {
				sum = agg_scale_value(sum, s->ratios[t]);
				keep |= sum != 0;
			}
			if ((int)t == a->sample_index)
				value = sum;
		}
		if (present && nonzero && (!s->scaled || keep) && (!normalized || normal_kept))
			weight = agg_add(weight, value);
	}
	return weight;
}

/* Sample.DiffBaseSample(): labelled pprof::base=true, as pprof marks the
 * base of a -diff_base (and `e2e-profile diff` writes it). */
static int agg_is_diff_base_sample(const struct ep_profile_sample *s)
{
	for (size_t i = 0; i < s->label_count; i++)
		if (s->labels[i].str != NULL && strcmp(s->labels[i].key, "pprof::base") == 0 &&
		    strcmp(s->labels[i].str, "true") == 0)
			return 1;
	return 0;
}

/* Merges samples whose keys are equal (runs of one hash, then checked) and
 * weighs every merged sample.  A sample alone in its run, the usual case,
 * is weighed later in file order, which reads memory in order. */
static int agg_merge_keys(struct ep_node_aggregate *a, const uint64_t *keys, size_t n,
                          struct ep_node_table *table)
{
	size_t *members = NULL;
	unsigned char *done = NULL;
	size_t capacity = 0;
	int ret = -ENOMEM;
	for (size_t r = 0; r < n;) {
		size_t e = r + 1;
		while (e < n && keys[e] >> 32 == keys[r] >> 32)
			e++;
		size_t run = e - r;
		if (run == 1 && !a->any_scaled) {
			a->merged[agg_key_ordinal(keys[r])] = AGG_ALONE;
			r = e;
			continue;
		}
		/* Several samples share a hash (or weights need every type):
		 * split the run into truly equal sets, each led by its first. */
		if (run > capacity) {
			free(members);
			free(done);
			members = malloc(run * sizeof(*members));
			done = malloc(run);
			if (members == NULL || done == NULL)
				goto out;
			capacity = run;
		}
		memset(done, 0, run);
		for (size_t i = 0; i < run; i++) {
			if (done[i])
				continue;
			size_t count = 0;
			for (size_t j = i; j < run; j++) {
				if (done[j])
					continue;
				int same = j == i ? 1
				                  : agg_same_key(a, agg_key_ordinal(keys[r + i]),
				                                 agg_key_ordinal(keys[r + j]));
				if (same < 0)
					goto out;
				if (!same)
					continue;
				done[j] = 1;
				members[count++] = agg_key_ordinal(keys[r + j]);
			}
			/* Within a run ordinals ascend: the first is members[0]. */
			a->merged[members[0]] = AGG_FIRST;
			a->weights[members[0]] = agg_merged_weight(a, members, count);
		}
		r = e;
	}
	int64_t total = 0, base_total = 0;
	for (size_t o = 0; o < a->ordinal_count; o++) {
		if (a->merged[o] == AGG_ALONE) {
			uint32_t si;
			int64_t value = agg_ordinal_sample(a, o, &si)->values[a->sample_index];
			a->weights[o] =
			        a->sources[si].negate ? agg_scale_value(value, -1.0) : value;
		}
		if (a->merged[o] != 0) {
			total = agg_add(total, agg_abs(a->weights[o]));
			if ((a->view.diff_base && o >= a->base_first) ||
			    agg_is_diff_base_sample(agg_ordinal_sample(a, o, NULL)))
				base_total = agg_add(base_total, agg_abs(a->weights[o]));
		}
	}
	/* -diff_base, or a profile written by it: percentages of the base
	 * (pprof's computeTotal). */
	table->total = base_total > 0 ? base_total : total;
	ret = 0;
out:
	free(members);
	free(done);
	return ret;
}

/* ---- drop_frames ------------------------------------------------------------ */

/* pprof's simplifyFunc: the name without a leading '.' and cut at the first
 * '(' that does not belong to "(anonymous namespace)" or "operator()";
 * returns its length and sets *start. */
static size_t agg_simplify_function(const char *name, size_t n, const char **start)
{
	if (n > 0 && name[0] == '.') {
		name++;
		n--;
	}
	*start = name;
	for (size_t i = 0; i < n; i++) {
		if (n - i >= 21 && memcmp(name + i, "(anonymous namespace)", 21) == 0) {
			i += 20;
			continue;
		}
		if (n - i >= 10 && memcmp(name + i, "operator()", 10) == 0) {
			i += 9;
			continue;
		}
		if (name[i] == '(')
			return i;
	}
	return n;
}

static int agg_compile_frames(struct ep_pattern **out, const char *pattern)
{
	size_t n = strlen(pattern);
	char *anchored = malloc(n + 5);
	if (anchored == NULL)
		return -ENOMEM;
	snprintf(anchored, n + 5, "^(%s)$", pattern);
	char err[256];
	int rc = ep_pattern_compile(anchored, n + 4, "drop_frames", out, err, sizeof(err));
	free(anchored);
	return rc;
}

/* pprof's RemoveUninteresting: with drop_frames set, frames matching it
 * (and not keep_frames) are cut from the stacks together with everything
 * they called.  Go's patterns are RE2, read here by PCRE2 (pattern.h).  A
 * pattern that does not compile is ignored, as pprof ignores it.  This
 * marks the locations and cuts the inlined lines of a partly dropped one
 * (before the nodes are made); agg_prune_skip() cuts each stack. */
static int agg_prune_locations(struct ep_node_aggregate *a, const struct ep_profile *p)
{
	if (p->drop_frames[0] == '\0')
		return 0;
	struct ep_pattern *drop = NULL, *keep = NULL;
	int ret = agg_compile_frames(&drop, p->drop_frames);
	if (ret < 0)
		return ret == -ENOMEM ? ret : 0;
	if (p->keep_frames[0] != '\0') {
		ret = agg_compile_frames(&keep, p->keep_frames);
		if (ret < 0) {
			ret = ret == -ENOMEM ? ret : 0;
			goto done;
		}
	}
	ret = -ENOMEM;
	a->prune = ep_arena_calloc(&a->arena, a->location_count + 1, 1);
	a->line_from = ep_arena_calloc(&a->arena, a->location_count + 1, sizeof(*a->line_from));
	if (a->prune == NULL || a->line_from == NULL)
		goto done;
	for (size_t i = 0; i < a->location_count; i++) {
		struct agg_location *l = &a->locations[i];
		size_t lines = l->first->line_count;
		size_t j = lines;
		while (j > 0) {
			const struct ep_profile_function *f = l->first->lines[j - 1].function;
			size_t length = agg_length(f->name);
			if (length > 0) {
				const char *name;
				size_t len = agg_simplify_function(f->name, length, &name);
				if (ep_pattern_match(drop, name, len) &&
				    !(keep != NULL && ep_pattern_match(keep, name, len)))
					break;
			}
			j--;
		}
		if (j == 0)
			continue;
		/* Line j-1 matched: keep only its callers (lines j..). */
		a->prune[i] = j == lines ? 2 : 1;
		if (j < lines)
			a->line_from[i] = (uint32_t)j;
	}
	ret = 0;
done:
	ep_pattern_free(drop);
	ep_pattern_free(keep);
	return ret;
}

/* A node below the outermost line of a location is reached through an
 * inlined call there; only such nodes can be labelled "(inline)". */
static void agg_find_inlinable(struct ep_node_aggregate *a)
{
	for (size_t i = 0; i < a->location_count; i++) {
		const struct agg_location *l = &a->locations[i];
		for (uint32_t j = 0; j + 1 < l->node_count; j++)
			a->nodes[a->location_nodes[l->first_node + j]].inlinable = 1;
	}
}

/* ---- the table ------------------------------------------------------------ */

/* Puts the merged stack of ordinal o in a->stack, as drop_frames and the
 * filters leave it: returns 1 with the frames in a->stack[*skip..*depth),
 * 0 when the filters drop the sample, or -ENOMEM. */
static int agg_ordinal_stack(struct ep_node_aggregate *a, size_t o, uint32_t *depth, uint32_t *skip)
{
	uint32_t si;
	const struct ep_profile_sample *sample = agg_ordinal_sample(a, o, &si);
	if (agg_merged_stack(a, si, sample, 0) < 0)
		return -ENOMEM;
	*depth = (uint32_t)sample->location_count;
	return agg_view_stack(a, sample, si, depth, skip);
}

/* With unit scaling, merged values are known only after weighing. */
static int agg_accumulate(struct ep_node_aggregate *a)
{
	for (size_t o = 0; o < a->ordinal_count; o++) {
		if (a->merged[o] == 0 || a->weights[o] == 0)
			continue;
		uint32_t depth, skip;
		int kept = agg_ordinal_stack(a, o, &depth, &skip);
		if (kept < 0)
			return -ENOMEM;
		if (kept)
			agg_add_stack(a, a->stack + skip, depth - skip, a->weights[o]);
	}
	return 0;
}

static int agg_publish(struct ep_node_aggregate *a, struct ep_node_table *table)
{
	size_t count = 0;
	int64_t flat_sum = 0;
	const struct agg_tally *t = &a->tally;
	for (size_t i = 0; i < a->node_count; i++) {
		flat_sum = agg_add(flat_sum, t->flat[i]);
		count += t->flat[i] != 0 || t->cum[i] != 0;
	}
	struct ep_node *nodes = ep_arena_calloc(&a->arena, count ? count : 1, sizeof(*nodes));
	if (nodes == NULL)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < a->node_count; i++) {
		struct agg_node *n = &a->nodes[i];
		if (t->flat[i] == 0 && t->cum[i] == 0)
			continue;
		n->public_index = (uint32_t)k;
		struct ep_node *out = &nodes[k++];
		out->name = n->printable;
		out->name_length = n->printable_length;
		out->flat = t->flat[i];
		out->cum = t->cum[i];
		out->objfile = n->function_name_length > 0 ? NULL : n->objfile;
		out->start_line = n->start_line;
		out->function_name = n->function_name;
		out->function_name_length = n->function_name_length;
		out->file = n->file;
		out->file_length = n->file_length;
		out->line = n->lineno;
		out->address = n->address;
		out->id = (uint32_t)i;
	}
	table->nodes = nodes;
	table->count = count;
	table->flat_sum = flat_sum;
	return 0;
}

struct agg_text_key {
	const char *const *list;
	const char *text;
};

static int agg_same_text(const void *context, uint32_t entry)
{
	const struct agg_text_key *k = context;
	return strcmp(k->list[entry], k->text) == 0;
}

/* The header of the merged profile, by profile.Merge's rules. */
static int agg_merge_header(struct ep_node_aggregate *a, struct ep_node_table *table)
{
	const struct ep_profile *p = a->sources[0].profile;
	table->time_nanos = p->time_nanos;
	table->duration_nanos = p->duration_nanos;
	size_t comment_total = 0;
	for (size_t si = 0; si < a->source_count; si++) {
		const struct ep_profile *s = a->sources[si].profile;
		comment_total += s->comment_count;
		if (si == 0)
			continue;
		/* Merge takes the smaller time, but a zero seen later wins too. */
		if (table->time_nanos == 0 || s->time_nanos < table->time_nanos)
			table->time_nanos = s->time_nanos;
		table->duration_nanos = agg_add(table->duration_nanos, s->duration_nanos);
	}
	const struct ep_profile_mapping *main = NULL;
	for (size_t si = 0; si < a->source_count && main == NULL; si++)
		if (a->sources[si].profile->mapping_count > 0)
			main = &a->sources[si].profile->mappings[0];
	table->main_file = main != NULL ? agg_mapping_file(main) : "";
	table->main_build_id = main != NULL ? main->build_id : "";
	/* (agg_mapping_file() gives a literal "" for a URL) */
	table->main_file_length =
	        main != NULL && table->main_file == main->filename ? agg_length(main->filename) : 0;
	table->main_build_id_length = main != NULL ? agg_length(main->build_id) : 0;

	const char **comments =
	        ep_arena_calloc(&a->arena, comment_total ? comment_total : 1, sizeof(*comments));
	struct agg_index seen;
	if (comments == NULL || agg_index_init(&seen, comment_total) < 0)
		return -ENOMEM;
	size_t count = 0;
	int ret = 0;
	for (size_t si = 0; si < a->source_count && ret == 0; si++) {
		const struct ep_profile *s = a->sources[si].profile;
		for (size_t i = 0; i < s->comment_count; i++) {
			struct agg_text_key key = { comments, s->comments[i] };
			comments[count] = s->comments[i];
			int added;
			uint32_t id =
			        agg_index_intern(&seen, agg_hash_string(0, s->comments[i]),
			                         agg_same_text, &key, (uint32_t)count, &added);
			if (id == AGG_NONE) {
				ret = -ENOMEM;
				break;
			}
			count += added;
		}
	}
	agg_index_free(&seen);
	table->comments = comments;
	table->comment_count = count;
	return ret;
}

int ep_node_table_sample_index(const struct ep_profile *p, const struct ep_profile *base,
                               const char *spec, char *err, size_t errlen)
{
	if (p->sample_type_count == 0) {
		snprintf(err, errlen, "the profile has no sample types");
		return -EINVAL;
	}
	if (spec != NULL && spec[0] != '\0')
		return ep_profile_sample_index(p, spec, err, errlen);
	/* The merged profile's default is the first one either side names. */
	const char *name = ep_profile_default_sample_type_name(p);
	if (name[0] == '\0' && base != NULL)
		name = ep_profile_default_sample_type_name(base);
	int index = name[0] != '\0' ? ep_profile_sample_type_find(p, name) : -1;
	return index >= 0 ? index : (int)p->sample_type_count - 1;
}

static int agg_setup_sources(struct ep_node_aggregate *a, const struct ep_profile *p,
                             const struct ep_profile *base)
{
	a->sources[0].profile = p;
	a->source_count = 1;
	if (base != NULL) {
		a->sources[1].profile = base;
		a->sources[1].negate = 1;
		a->source_count = 2;
	}
	for (size_t si = 0; si < a->source_count; si++) {
		struct agg_source *s = &a->sources[si];
		const struct ep_profile *sp = s->profile;
		s->ratios = ep_arena_calloc(&a->arena, a->type_count ? a->type_count : 1,
		                            sizeof(*s->ratios));
		s->mapping_ids =
		        ep_arena_calloc(&a->arena, sp->mapping_count + 1, sizeof(uint32_t));
		s->function_ids =
		        ep_arena_calloc(&a->arena, sp->function_count + 1, sizeof(uint32_t));
		s->location_ids =
		        ep_arena_calloc(&a->arena, sp->location_count + 1, sizeof(uint32_t));
		if (s->ratios == NULL || s->mapping_ids == NULL || s->function_ids == NULL ||
		    s->location_ids == NULL)
			return -ENOMEM;
		for (size_t t = 0; t < a->type_count; t++)
			s->ratios[t] = 1.0;
	}
	return 0;
}

/* Merges mappings, functions and locations of all sources. */
static int agg_merge_entities(struct ep_node_aggregate *a)
{
	size_t mappings = 0, functions = 0, locations = 0;
	for (size_t si = 0; si < a->source_count; si++) {
		mappings += a->sources[si].profile->mapping_count;
		functions += a->sources[si].profile->function_count;
		locations += a->sources[si].profile->location_count;
	}
	a->mappings = ep_arena_calloc(&a->arena, mappings + 1, sizeof(*a->mappings));
	a->functions = ep_arena_calloc(&a->arena, functions + 1, sizeof(*a->functions));
	a->locations = ep_arena_calloc(&a->arena, locations + 1, sizeof(*a->locations));
	if (a->mappings == NULL || a->functions == NULL || a->locations == NULL)
		return -ENOMEM;
	struct agg_index mapping_index = { 0 }, function_index = { 0 }, location_index = { 0 };
	int ret = agg_index_init(&mapping_index, mappings);
	if (ret == 0)
		ret = agg_index_init(&function_index, functions);
	if (ret == 0)
		ret = agg_index_init(&location_index, locations);
	for (uint32_t si = 0; si < a->source_count && ret == 0; si++) {
		ret = agg_merge_mappings(a, &a->sources[si], &mapping_index);
		if (ret == 0)
			ret = agg_merge_functions(a, &a->sources[si], &function_index);
		if (ret == 0)
			ret = agg_merge_locations(a, si, &location_index);
	}
	agg_index_free(&mapping_index);
	agg_index_free(&function_index);
	agg_index_free(&location_index);
	if (ret < 0)
		return ret;
	size_t node_slots = 0;
	for (size_t i = 0; i < a->location_count; i++) {
		size_t lines = a->locations[i].first->line_count;
		node_slots += lines ? lines : 1;
	}
	a->location_node_count = node_slots;
	a->location_nodes = ep_arena_calloc(&a->arena, node_slots + 1, sizeof(*a->location_nodes));
	a->nodes = ep_arena_calloc(&a->arena, node_slots + 1, sizeof(*a->nodes));
	if (a->location_nodes == NULL || a->nodes == NULL)
		return -ENOMEM;
	return 0;
}

static int agg_merge_samples(struct ep_node_aggregate *a, struct ep_node_table *table)
{
	a->base_first = a->sources[0].profile->sample_count;
	a->ordinal_count = a->base_first;
	if (a->source_count > 1)
		a->ordinal_count += a->sources[1].profile->sample_count;
	/* Keys hold ordinals in 32 bits; no profile under the size limit has
	 * as many samples. */
	if (a->ordinal_count > UINT32_MAX)
		return -ENOMEM;
	a->any_scaled = a->any_scaled || a->sources[0].scaled ||
	                (a->source_count > 1 && a->sources[1].scaled);
	a->merged = ep_arena_calloc(&a->arena, a->ordinal_count + 1, sizeof(*a->merged));
	a->weights = ep_arena_alloc(&a->arena, (a->ordinal_count + 1) * sizeof(*a->weights));
	uint64_t *keys = malloc((a->ordinal_count + 1) * sizeof(*keys));
	int ret = -ENOMEM;
	if (a->merged == NULL || a->weights == NULL || keys == NULL)
		goto done;
	size_t count;
	ret = agg_key_samples(a, keys, &count);
	if (ret == 0)
		ret = agg_sort_keys(keys, count);
	if (ret == 0)
		ret = agg_merge_keys(a, keys, count, table);
	if (ret == 0 && a->any_scaled)
		ret = agg_accumulate(a);
done:
	free(keys);
	return ret;
}

/* pprof's NumLabelUnits: the first unit given for each numeric key, else
 * "bytes" for alignment and request, else the key itself. */
static int agg_collect_label_units(struct ep_node_aggregate *a)
{
	size_t capacity = 0;
	for (size_t si = 0; si < a->source_count; si++) {
		const struct ep_profile *p = a->sources[si].profile;
		for (size_t i = 0; i < p->sample_count; i++) {
			const struct ep_profile_sample *s = &p->samples[i];
			for (size_t j = 0; j < s->label_count; j++) {
				const struct ep_profile_label *l = &s->labels[j];
				if (l->str != NULL)
					continue;
				size_t k = 0;
				while (k < a->label_unit_count &&
				       strcmp(a->label_units[k].key, l->key) != 0)
					k++;
				if (k == a->label_unit_count) {
					if (k == capacity) {
						capacity = capacity ? capacity * 2 : 8;
						struct ep_label_unit *grown = ep_arena_alloc(
						        &a->arena, capacity * sizeof(*grown));
						if (grown == NULL)
							return -ENOMEM;
						if (k > 0)
							memcpy(grown, a->label_units,
							       k * sizeof(*grown));
						a->label_units = grown;
					}
					a->label_units[k].key = l->key;
					a->label_units[k].unit = "";
					a->label_unit_count++;
				}
				if (a->label_units[k].unit[0] == '\0')
					a->label_units[k].unit = l->num_unit;
			}
		}
	}
	for (size_t k = 0; k < a->label_unit_count; k++) {
		struct ep_label_unit *u = &a->label_units[k];
		if (u->unit[0] == '\0')
			u->unit = strcmp(u->key, "alignment") == 0 || strcmp(u->key, "request") == 0
			                  ? "bytes"
			                  : u->key;
	}
	return 0;
}

/* profile.Normalize: the profile's values scaled so that each type sums to
 * the base's sum, before the base is negated. */
static int agg_setup_normalize(struct ep_node_aggregate *a, char *err, size_t errlen)
{
	const struct ep_profile *p = a->sources[0].profile, *base = a->sources[1].profile;
	for (size_t t = 0; t < a->type_count; t++)
		if (strcmp(p->sample_types[t].type, base->sample_types[t].type) != 0 ||
		    strcmp(p->sample_types[t].unit, base->sample_types[t].unit) != 0) {
			snprintf(err, errlen,
			         "--normalize: the base's sample type %s/%s differs from %s/%s",
			         base->sample_types[t].type, base->sample_types[t].unit,
			         p->sample_types[t].type, p->sample_types[t].unit);
			return -EINVAL;
		}
	double *ratios = ep_arena_calloc(&a->arena, a->type_count + 1, sizeof(*ratios));
	if (ratios == NULL)
		return -ENOMEM;
	for (size_t t = 0; t < a->type_count; t++) {
		int64_t source_sum = 0, base_sum = 0;
		for (size_t i = 0; i < p->sample_count; i++)
			source_sum = agg_add(source_sum, p->samples[i].values[t]);
		for (size_t i = 0; i < base->sample_count; i++)
			base_sum = agg_add(base_sum, base->samples[i].values[t]);
		ratios[t] = source_sum == 0 ? 0.0 : (double)base_sum / (double)source_sum;
	}
	a->sources[0].normalize = ratios;
	a->any_scaled = 1;
	return 0;
}

int ep_node_table_build(struct ep_node_table *table, const struct ep_profile *p, int sample_index,
                        const struct ep_profile *base, char *err, size_t errlen)
{
	return ep_node_table_build_view(table, p, sample_index, base, NULL, err, errlen);
}

int ep_node_table_build_view(struct ep_node_table *table, const struct ep_profile *p,
                             int sample_index, const struct ep_profile *base,
                             const struct ep_node_view *view, char *err, size_t errlen)
{
	memset(table, 0, sizeof(*table));
	struct ep_node_aggregate *a = calloc(1, sizeof(*a));
	int ret;
	if (a == NULL)
		return -ENOMEM;
	ep_arena_init(&a->arena);
	table->aggregate = a;
	if (sample_index < 0 || (size_t)sample_index >= p->sample_type_count) {
		snprintf(err, errlen, "sample index %d is outside the range [0..%zu)", sample_index,
		         p->sample_type_count);
		return -EINVAL;
	}
	a->type_count = p->sample_type_count;
	a->sample_index = sample_index;
	if (view != NULL)
		a->view = *view;
	if (base == NULL) {
		a->view.diff_base = false;
		a->view.normalize = false;
	}
	const struct ep_node_view *v = &a->view;
	a->filtered = v->focus != NULL || v->ignore != NULL || v->hide != NULL || v->show != NULL ||
	              v->show_from != NULL || v->tag_focus != NULL || v->tag_ignore != NULL;
	table->sample_index = sample_index;
	table->sample_type = p->sample_types[sample_index];
	ret = agg_setup_sources(a, p, base);
	if (ret < 0)
		goto nomem;
	if (base != NULL) {
		ret = agg_reconcile_units(a, table, err, errlen);
		if (ret < 0)
			return ret;
	}
	if (a->view.normalize) {
		ret = agg_setup_normalize(a, err, errlen);
		if (ret == -EINVAL)
			return ret;
		if (ret < 0)
			goto nomem;
	}
	ret = agg_merge_entities(a);
	/* pprof prunes the merged profile: location marks first, so that each
	 * merged stack is cut as it is keyed, and the lines a partly dropped
	 * location keeps are the ones that make nodes. */
	if (ret == 0)
		ret = agg_prune_locations(a, p);
	if (ret == 0)
		ret = agg_build_nodes(a);
	if (ret == 0 && (v->tag_focus != NULL || v->tag_ignore != NULL))
		ret = agg_collect_label_units(a);
	if (ret < 0)
		goto nomem;
	agg_find_inlinable(a);
	size_t tally_size = a->node_count ? a->node_count : 1;
	a->tally.flat = ep_arena_calloc(&a->arena, tally_size, sizeof(*a->tally.flat));
	a->tally.cum = ep_arena_calloc(&a->arena, tally_size, sizeof(*a->tally.cum));
	a->tally.stamps = ep_arena_calloc(&a->arena, tally_size, sizeof(*a->tally.stamps));
	if (a->tally.flat == NULL || a->tally.cum == NULL || a->tally.stamps == NULL)
		goto nomem;
	ret = agg_merge_samples(a, table);
	if (ret == 0)
		ret = agg_publish(a, table);
	if (ret == 0)
		ret = agg_merge_header(a, table);
	if (ret < 0)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

int ep_node_table_each_stack(struct ep_node_table *table, ep_node_stack_fn visit, void *context)
{
	struct ep_node_aggregate *a = table->aggregate;
	uint32_t *path = NULL;
	size_t capacity = 0;
	int ret = 0;
	for (size_t o = 0; o < a->ordinal_count && ret == 0; o++) {
		if (a->merged[o] == 0 || a->weights[o] == 0)
			continue;
		uint32_t depth, skip;
		if (agg_ordinal_stack(a, o, &depth, &skip) < 0) {
			ret = -ENOMEM;
			break;
		}
		size_t frames = 0;
		for (uint32_t k = depth; k > skip; k--)
			frames += a->locations[a->stack[k - 1]].node_count;
		if (frames > capacity) {
			uint32_t *grown = realloc(path, (frames * 2 + 16) * sizeof(*grown));
			if (grown == NULL) {
				ret = -ENOMEM;
				break;
			}
			path = grown;
			capacity = frames * 2 + 16;
		}
		/* Root first: the last location, and inside a location its
		 * outermost (last) line first, as agg_add_stack walks them. */
		size_t at = 0;
		for (uint32_t k = depth; k > skip; k--) {
			const struct agg_location *l = &a->locations[a->stack[k - 1]];
			const uint32_t *nodes = &a->location_nodes[l->first_node];
			for (uint32_t j = l->node_count; j > 0; j--)
				path[at++] = a->nodes[nodes[j - 1]].public_index;
		}
		ret = visit(context, path, at, a->weights[o]);
	}
	free(path);
	return ret;
}

void ep_node_table_free(struct ep_node_table *table)
{
	struct ep_node_aggregate *a = table->aggregate;
	if (a != NULL) {
		ep_arena_release(&a->arena);
		free(a->stack);
		free(a->labels.data);
		free(a->other_labels.data);
		free(a);
	}
	memset(table, 0, sizeof(*table));
}

/* ---- ordering ----------------------------------------------------------------- */

/* The last tie-break of pprof's node order compares fmt.Sprint(NodeInfo),
 * "{Name OrigName Address File StartLine Lineno Objfile}" (OrigName is
 * always empty here).  It is compared here piece by piece instead of
 * being printed. */
struct agg_info_text {
	const char *parts[13];
	size_t lengths[13];
	char address[24], start[24], line[24];
};

static void agg_info_text_init(struct agg_info_text *t, const struct ep_node *n)
{
	snprintf(t->address, sizeof(t->address), "%" PRIu64, n->address);
	snprintf(t->start, sizeof(t->start), "%" PRId64, n->start_line);
	snprintf(t->line, sizeof(t->line), "%" PRId64, n->line);
	const char *objfile = n->objfile != NULL ? n->objfile : "";
	const char *parts[13] = { "{",  n->function_name != NULL ? n->function_name : "",
		                  "  ", t->address,
		                  " ",  n->file != NULL ? n->file : "",
		                  " ",  t->start,
		                  " ",  t->line,
		                  " ",  objfile,
		                  "}" };
	for (size_t i = 0; i < 13; i++) {
		t->parts[i] = parts[i];
		t->lengths[i] = strlen(parts[i]);
	}
	t->lengths[1] = n->function_name != NULL ? n->function_name_length : 0;
	t->lengths[5] = n->file != NULL ? n->file_length : 0;
}

static int agg_info_compare(const struct ep_node *l, const struct ep_node *r)
{
	struct agg_info_text a, b;
	agg_info_text_init(&a, l);
	agg_info_text_init(&b, r);
	size_t ai = 0, bi = 0, ao = 0, bo = 0;
	for (;;) {
		while (ai < 13 && ao == a.lengths[ai]) {
			ai++;
			ao = 0;
		}
		while (bi < 13 && bo == b.lengths[bi]) {
			bi++;
			bo = 0;
		}
		if (ai == 13 || bi == 13)
			return (ai < 13) - (bi < 13);
		unsigned char x = (unsigned char)a.parts[ai][ao],
		              y = (unsigned char)b.parts[bi][bo];
		if (x != y)
			return x < y ? -1 : 1;
		ao++;
		bo++;
	}
}

static int agg_compare_magnitude(int64_t l, int64_t r)
{
	/* Larger magnitude first. */
	int64_t x = agg_abs(l), y = agg_abs(r);
	return x > y ? -1 : x < y ? 1 : 0;
}

static int agg_compare(const struct ep_node *l, const struct ep_node *r, enum ep_node_order order)
{
	int c = order == EP_NODE_ORDER_CUM ? agg_compare_magnitude(l->cum, r->cum)
	                                   : agg_compare_magnitude(l->flat, r->flat);
	if (c != 0)
		return c;
	c = agg_compare_bytes(l->name, l->name_length, r->name, r->name_length);
	if (c != 0)
		return c;
	c = order == EP_NODE_ORDER_CUM ? agg_compare_magnitude(l->flat, r->flat)
	                               : agg_compare_magnitude(l->cum, r->cum);
	if (c != 0)
		return c;
	return agg_info_compare(l, r);
}

static int agg_compare_flat(const void *x, const void *y)
{
	return agg_compare(x, y, EP_NODE_ORDER_FLAT);
}

static int agg_compare_cum(const void *x, const void *y)
{
	return agg_compare(x, y, EP_NODE_ORDER_CUM);
}

static int agg_compare_flat_pointers(const void *x, const void *y)
{
	return agg_compare(*(struct ep_node *const *)x, *(struct ep_node *const *)y,
	                   EP_NODE_ORDER_FLAT);
}

static int agg_compare_cum_pointers(const void *x, const void *y)
{
	return agg_compare(*(struct ep_node *const *)x, *(struct ep_node *const *)y,
	                   EP_NODE_ORDER_CUM);
}

void ep_node_table_sort(struct ep_node_table *table, enum ep_node_order order)
{
	if (table->count > 1)
		qsort(table->nodes, table->count, sizeof(*table->nodes),
		      order == EP_NODE_ORDER_CUM ? agg_compare_cum : agg_compare_flat);
	/* Keep the private nodes pointing at their public rows. */
	struct ep_node_aggregate *a = table->aggregate;
	for (size_t i = 0; i < table->count; i++)
		a->nodes[table->nodes[i].id].public_index = (uint32_t)i;
}

void ep_node_sort_pointers(struct ep_node **nodes, size_t count, enum ep_node_order order)
{
	if (count > 1)
		qsort(nodes, count, sizeof(*nodes),
		      order == EP_NODE_ORDER_CUM ? agg_compare_cum_pointers
		                                 : agg_compare_flat_pointers);
}

/* ---- edges -------------------------------------------------------------------- */

struct agg_edge_key {
	const struct agg_edge *edges;
	uint64_t key;
};

static int agg_same_edge(const void *context, uint32_t entry)
{
	const struct agg_edge_key *k = context;
	return k->edges[entry].key == k->key;
}

int ep_node_table_mark_inline(struct ep_node_table *table, struct ep_node *const *kept,
                              size_t kept_count, int64_t edge_cutoff)
{
	struct ep_node_aggregate *a = table->aggregate;
	unsigned char *walk = calloc(a->node_count ? a->node_count : 1, 1);
	unsigned char *callers = calloc(table->count ? table->count : 1, 1);
	struct agg_edge *edges = NULL;
	size_t edge_count = 0, edge_capacity = 0;
	struct agg_index index = { 0 };
	int ret = -ENOMEM;
	if (walk == NULL || callers == NULL || agg_index_init(&index, 1024) < 0)
		goto done;
	if (kept == NULL) {
		memset(walk, 1, a->node_count);
	} else {
		for (size_t i = 0; i < kept_count; i++)
			walk[kept[i]->id] = 1;
	}
	for (size_t i = 0; i < table->count; i++)
		table->nodes[i].inlining = EP_NODE_CALLED;

	/* Only edges into nodes that are inlined somewhere can change a
	 * label: the others are plain calls whatever their weight. */
	int wanted = 0;
	for (size_t i = 0; i < table->count && !wanted; i++)
		wanted = a->nodes[table->nodes[i].id].inlinable && walk[table->nodes[i].id];
	for (size_t o = 0; o < a->ordinal_count && wanted; o++) {
		if (a->merged[o] == 0 || a->weights[o] == 0)
			continue;
		int64_t weight = a->weights[o];
		uint32_t stamp = (uint32_t)o + 1;
		uint32_t parent = AGG_NONE;
		uint32_t depth, skip;
		int visible = agg_ordinal_stack(a, o, &depth, &skip);
		if (visible < 0)
			goto done;
		if (!visible)
			continue;
		for (size_t k = depth; k > skip; k--) {
			const struct agg_location *l = &a->locations[a->stack[k - 1]];
			for (size_t j = l->node_count; j > 0; j--) {
				uint32_t n = a->location_nodes[l->first_node + j - 1];
				if (!walk[n])
					continue;
				if (parent != AGG_NONE && n != parent && a->nodes[n].inlinable) {
					if (edge_count == edge_capacity) {
						size_t capacity =
						        edge_capacity ? edge_capacity * 2 : 1024;
						struct agg_edge *grown =
						        realloc(edges, capacity * sizeof(*grown));
						if (grown == NULL)
							goto done;
						edges = grown;
						edge_capacity = capacity;
					}
					struct agg_edge_key key = { edges,
						                    (uint64_t)parent << 32 | n };
					int added;
					uint32_t e = agg_index_intern(&index, key.key,
					                              agg_same_edge, &key,
					                              (uint32_t)edge_count, &added);
					if (e == AGG_NONE)
						goto done;
					if (added) {
						edges[e].key = key.key;
						edges[e].weight = 0;
						edges[e].stamp = 0;
						edges[e].inlined = 1;
						edge_count++;
					}
					/* Each caller-callee pair counts once per sample. */
					if (edges[e].stamp != stamp) {
						edges[e].stamp = stamp;
						edges[e].weight = agg_add(edges[e].weight, weight);
						/* A callee on the outermost line of its
						 * location was really called. */
						if (j == l->node_count)
							edges[e].inlined = 0;
					}
				}
				parent = n;
			}
		}
	}
	for (size_t e = 0; e < edge_count; e++) {
		if (agg_abs(edges[e].weight) < edge_cutoff)
			continue;
		uint32_t callee = (uint32_t)(edges[e].key & 0xffffffffu);
		uint32_t row = a->nodes[callee].public_index;
		if (row == AGG_NONE)
			continue;
		/* Bit 1: an inlined edge comes in; bit 2: a real call does. */
		callers[row] |= edges[e].inlined ? 1 : 2;
	}
	for (size_t i = 0; i < table->count; i++)
		table->nodes[i].inlining = callers[i] == 1   ? EP_NODE_INLINED
		                           : callers[i] == 3 ? EP_NODE_PARTIALLY_INLINED
		                                             : EP_NODE_CALLED;
	ret = 0;
done:
	agg_index_free(&index);
	free(edges);
	free(walk);
	free(callers);
	return ret;
}
