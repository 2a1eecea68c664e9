/* The story of the pprof decoder: real Go profiles decode into the model
 * with every id resolved; each rule Go's reader enforces is enforced here
 * too; and every kind of bad input is refused with one line naming the
 * file.  A few node-table checks close it (recursion, merging, -base).
 *
 * Usage: test_decode DATADIR (tests/pprof/data), or EP_PPROF_DATA=DATADIR.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "pprof/aggregate.h"
#include "pprof/decode.h"
#include "profile.pb-c.h"

/* ---- helpers ---------------------------------------------------------------- */

struct paths {
	const char *data_dir;
};

static char *data_path(void **state, const char *name)
{
	const struct paths *paths = *state;
	size_t n = strlen(paths->data_dir) + strlen(name) + 2;
	char *path = malloc(n);
	assert_non_null(path);
	snprintf(path, n, "%s/%s", paths->data_dir, name);
	return path;
}

static struct ep_profile *load_data(void **state, const char *name)
{
	char *path = data_path(state, name);
	char err[512] = "";
	struct ep_profile *p = NULL;
	int ret = ep_profile_load_file(path, NULL, &p, err, sizeof(err));
	if (ret != 0)
		fail_msg("%s: %s", path, err);
	free(path);
	assert_non_null(p);
	return p;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Gzip-compresses data as one member. */
static unsigned char *gzip_bytes(const void *data, size_t len, size_t *out_len)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
	                 Z_OK);
	size_t capacity = deflateBound(&zs, (uLong)len) + 64;
	unsigned char *out = malloc(capacity);
	assert_non_null(out);
	zs.next_in = (unsigned char *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)capacity;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/* ---- a small profile to bend ------------------------------------------------ */

enum {
	S_EMPTY,
	S_ALLOC_SPACE,
	S_BYTES,
	S_MAIN_LEAF,
	S_MAIN_CALLER,
	S_MAIN_INLINED,
	S_APP,
	S_SOURCE,
	S_SPACE,
	S_THREAD,
	S_WORKER,
	S_DOC,
	S_COUNT
};

/* Two functions called one way, one inlined into the leaf location, a
 * mapping, and two samples: [leaf+inlined <- caller] = 100 and
 * [caller] = 50, each with a "bytes" label; ids are sparse on purpose. */
struct fixture {
	Perftools__Profiles__Profile profile;
	Perftools__Profiles__ValueType types[2], period;
	Perftools__Profiles__ValueType *type_list[2];
	Perftools__Profiles__Mapping mapping;
	Perftools__Profiles__Mapping *mapping_list[1];
	Perftools__Profiles__Function functions[3];
	Perftools__Profiles__Function *function_list[3];
	Perftools__Profiles__Line lines[3];
	Perftools__Profiles__Line *leaf_lines[2], *caller_lines[1];
	Perftools__Profiles__Location locations[2];
	Perftools__Profiles__Location *location_list[2];
	Perftools__Profiles__Sample samples[2];
	Perftools__Profiles__Sample *sample_list[2];
	uint64_t stack0[2], stack1[1];
	int64_t values0[2], values1[2];
	Perftools__Profiles__Label labels[3];
	Perftools__Profiles__Label *labels0[2], *labels1[1];
	int64_t comments[1];
	ProtobufCBinaryData strings[S_COUNT];
};

static void fixture_init(struct fixture *f)
{
	static const char *const texts[S_COUNT] = {
		"",
		"alloc_space",
		"bytes",
		"main.leaf",
		"main.caller",
		"main.inlined",
		"/usr/local/bin/app",
		"main.go",
		"space",
		"thread",
		"worker",
		"https://doc",
	};
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < S_COUNT; i++) {
		f->strings[i].data = (uint8_t *)(uintptr_t)texts[i];
		f->strings[i].len = strlen(texts[i]);
	}
	Perftools__Profiles__Profile *p = &f->profile;
	perftools__profiles__profile__init(p);
	for (int i = 0; i < 2; i++) {
		perftools__profiles__value_type__init(&f->types[i]);
		f->type_list[i] = &f->types[i];
	}
	f->types[0].type = S_SPACE;
	f->types[0].unit = S_BYTES;
	f->types[1].type = S_ALLOC_SPACE;
	f->types[1].unit = S_BYTES;
	p->n_sample_type = 2;
	p->sample_type = f->type_list;

	perftools__profiles__mapping__init(&f->mapping);
	f->mapping.id = 7;
	f->mapping.memory_start = 0x400000;
	f->mapping.memory_limit = 0x800000;
	f->mapping.filename = S_APP;
	f->mapping_list[0] = &f->mapping;
	p->n_mapping = 1;
	p->mapping = f->mapping_list;

	const int names[3] = { S_MAIN_LEAF, S_MAIN_CALLER, S_MAIN_INLINED };
	for (int i = 0; i < 3; i++) {
		perftools__profiles__function__init(&f->functions[i]);
		f->functions[i].id = 1000 + (uint64_t)i * 1000; /* beyond the dense range */
		f->functions[i].name = names[i];
		f->functions[i].filename = S_SOURCE;
		f->functions[i].start_line = 10 * (i + 1);
		f->function_list[i] = &f->functions[i];
		perftools__profiles__line__init(&f->lines[i]);
		f->lines[i].function_id = f->functions[i].id;
		f->lines[i].line = 11 * (i + 1);
	}
	p->n_function = 3;
	p->function = f->function_list;

	/* The leaf location: main.inlined inlined into main.leaf. */
	f->leaf_lines[0] = &f->lines[2];
	f->leaf_lines[1] = &f->lines[0];
	f->caller_lines[0] = &f->lines[1];
	for (int i = 0; i < 2; i++) {
		perftools__profiles__location__init(&f->locations[i]);
		f->locations[i].id = (uint64_t)i + 1;
		f->locations[i].mapping_id = 7;
		f->locations[i].address = 0x401000 + (uint64_t)i * 0x100;
		f->location_list[i] = &f->locations[i];
	}
	f->locations[0].n_line = 2;
	f->locations[0].line = f->leaf_lines;
	f->locations[1].n_line = 1;
	f->locations[1].line = f->caller_lines;
	p->n_location = 2;
	p->location = f->location_list;

	for (int i = 0; i < 3; i++)
		perftools__profiles__label__init(&f->labels[i]);
	f->labels[0].key = S_BYTES;
	f->labels[0].num = 64;
	f->labels[1].key = S_THREAD;
	f->labels[1].str = S_WORKER;
	f->labels[2].key = S_BYTES;
	f->labels[2].num = 32;
	f->labels[2].num_unit = S_BYTES;
	f->labels0[0] = &f->labels[0];
	f->labels0[1] = &f->labels[1];
	f->labels1[0] = &f->labels[2];

	f->stack0[0] = 1;
	f->stack0[1] = 2;
	f->stack1[0] = 2;
	f->values0[0] = 100;
	f->values0[1] = 1000;
	f->values1[0] = 50;
	f->values1[1] = 500;
	for (int i = 0; i < 2; i++) {
		perftools__profiles__sample__init(&f->samples[i]);
		f->sample_list[i] = &f->samples[i];
	}
	f->samples[0].n_location_id = 2;
	f->samples[0].location_id = f->stack0;
	f->samples[0].n_value = 2;
	f->samples[0].value = f->values0;
	f->samples[0].n_label = 2;
	f->samples[0].label = f->labels0;
	f->samples[1].n_location_id = 1;
	f->samples[1].location_id = f->stack1;
	f->samples[1].n_value = 2;
	f->samples[1].value = f->values1;
	f->samples[1].n_label = 1;
	f->samples[1].label = f->labels1;
	p->n_sample = 2;
	p->sample = f->sample_list;

	perftools__profiles__value_type__init(&f->period);
	f->period.type = S_SPACE;
	f->period.unit = S_BYTES;
	p->period_type = &f->period;
	p->has_period = 1;
	p->period = 524288;
	p->has_time_nanos = 1;
	p->time_nanos = 1700000000000000000;
	f->comments[0] = S_DOC;
	p->n_comment = 1;
	p->comment = f->comments;

	p->n_string_table = S_COUNT;
	p->string_table = f->strings;
}

/* proto2 packs an optional field only when its has_ flag is set: mark
 * every scalar of the fixture present (zeros included, which readers must
 * take as they take absent fields). */
static void fixture_mark_present(struct fixture *f)
{
	Perftools__Profiles__Profile *p = &f->profile;
	for (size_t i = 0; i < p->n_sample_type; i++) {
		p->sample_type[i]->has_type = 1;
		p->sample_type[i]->has_unit = 1;
	}
	if (p->period_type != NULL) {
		p->period_type->has_type = 1;
		p->period_type->has_unit = 1;
	}
	for (size_t i = 0; i < p->n_mapping; i++) {
		Perftools__Profiles__Mapping *m = p->mapping[i];
		m->has_id = m->has_memory_start = m->has_memory_limit = m->has_file_offset = 1;
		m->has_filename = m->has_build_id = 1;
	}
	for (size_t i = 0; i < p->n_function; i++) {
		Perftools__Profiles__Function *fn = p->function[i];
		fn->has_id = fn->has_name = fn->has_system_name = fn->has_filename = 1;
		fn->has_start_line = 1;
	}
	for (size_t i = 0; i < p->n_location; i++) {
		Perftools__Profiles__Location *l = p->location[i];
		l->has_id = l->has_mapping_id = l->has_address = 1;
		for (size_t j = 0; j < l->n_line; j++)
			l->line[j]->has_function_id = l->line[j]->has_line = 1;
	}
	for (size_t i = 0; i < p->n_sample; i++)
		for (size_t j = 0; j < p->sample[i]->n_label; j++) {
			Perftools__Profiles__Label *l = p->sample[i]->label[j];
			l->has_key = l->has_str = l->has_num = l->has_num_unit = 1;
		}
}

static unsigned char *fixture_pack(struct fixture *f, size_t *len)
{
	fixture_mark_present(f);
	*len = perftools__profiles__profile__get_packed_size(&f->profile);
	unsigned char *bytes = malloc(*len + 32); /* room for appended fields */
	assert_non_null(bytes);
	assert_int_equal(perftools__profiles__profile__pack(&f->profile, bytes), *len);
	return bytes;
}

/* Loads f; on failure returns the negative errno and leaves the message in
 * err. */
static int fixture_load(struct fixture *f, struct ep_profile **out, char *err, size_t errlen)
{
	size_t len;
	unsigned char *bytes = fixture_pack(f, &len);
	int ret = ep_profile_load_buffer(bytes, len, "fixture.pb", NULL, out, err, errlen);
	free(bytes);
	return ret;
}

/* Expects f to be refused with -EINVAL and a message naming it that
 * contains what. */
static void expect_invalid(struct fixture *f, const char *what)
{
	struct ep_profile *p = (struct ep_profile *)(uintptr_t)1;
	char err[512] = "";
	int ret = fixture_load(f, &p, err, sizeof(err));
	if (ret != -EINVAL || strstr(err, what) == NULL || !starts_with(err, "fixture.pb: "))
		fail_msg("expected -EINVAL with \"%s\", got %d: %s", what, ret, err);
	assert_null(p);
	assert_null(strchr(err, '\n'));
}

/* ---- real profiles ---------------------------------------------------------- */

static void a_go_heap_profile_decodes_into_the_model(void **state)
{
	struct ep_profile *p = load_data(state, "heap.pb.gz");
	static const char *const types[4][2] = {
		{ "alloc_objects", "count" },
		{ "alloc_space", "bytes" },
		{ "inuse_objects", "count" },
		{ "inuse_space", "bytes" },
	};
	assert_int_equal(p->sample_type_count, 4);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(p->sample_types[i].type, types[i][0]);
		assert_string_equal(p->sample_types[i].unit, types[i][1]);
	}
	/* No default_sample_type in Go heap profiles: pprof shows the last. */
	assert_int_equal(p->default_sample_type_index, -1);
	char err[256];
	assert_int_equal(ep_profile_sample_index(p, NULL, err, sizeof(err)), 3);
	assert_string_equal(p->period_type.type, "space");
	assert_string_equal(p->period_type.unit, "bytes");
	assert_true(p->time_nanos > 0);
	assert_true(p->mapping_count > 0);
	const char *file = p->mappings[0].filename;
	assert_true(strlen(file) >= 8 && strcmp(file + strlen(file) - 8, "realprof") == 0);
	assert_true(p->sample_count > 0);
	size_t with_bytes = 0;
	for (size_t i = 0; i < p->sample_count; i++) {
		const struct ep_profile_sample *s = &p->samples[i];
		assert_true(s->location_count > 0);
		for (size_t j = 0; j < s->location_count; j++) {
			const struct ep_profile_location *l = s->locations[j];
			/* Every pointer lands inside the dense arrays. */
			assert_true(l >= p->locations && l < p->locations + p->location_count);
			for (size_t k = 0; k < l->line_count; k++) {
				const struct ep_profile_function *f = l->lines[k].function;
				assert_true(f >= p->functions &&
				            f < p->functions + p->function_count);
			}
		}
		/* Go's heap samples carry the object size as label "bytes". */
		for (size_t k = 0; k < s->label_count; k++)
			if (strcmp(s->labels[k].key, "bytes") == 0 && s->labels[k].str == NULL &&
			    s->labels[k].num > 0)
				with_bytes++;
	}
	assert_true(with_bytes > 0);
	/* Ids are unique and non-zero. */
	for (size_t i = 0; i < p->location_count; i++)
		assert_true(p->locations[i].id != 0);
	size_t inlined = 0;
	for (size_t i = 0; i < p->location_count; i++)
		inlined += p->locations[i].line_count > 1;
	assert_true(inlined > 0); /* realprof inlines newBuf */
	ep_profile_free(p);
}

static void a_cpu_profile_has_a_duration(void **state)
{
	struct ep_profile *p = load_data(state, "cpu.pb.gz");
	assert_int_equal(p->sample_type_count, 2);
	assert_string_equal(p->sample_types[0].type, "samples");
	assert_string_equal(p->sample_types[1].type, "cpu");
	assert_string_equal(p->sample_types[1].unit, "nanoseconds");
	assert_true(p->duration_nanos > 0);
	assert_true(p->period > 0);
	assert_string_equal(p->period_type.type, "cpu");
	ep_profile_free(p);
}

static void raw_multimember_and_oddly_packed_files_decode(void **state)
{
	/* An uncompressed protobuf; gzip with two members; string_table first,
	 * packed and unpacked scalars mixed, unknown fields of every wire type. */
	const char *names[] = { "raw.pb", "multimember.pb.gz", "packed-unpacked.pb.gz" };
	for (size_t i = 0; i < 3; i++) {
		struct ep_profile *p = load_data(state, names[i]);
		assert_true(p->sample_count > 0);
		assert_true(p->sample_type_count > 0);
		ep_profile_free(p);
	}
	struct ep_profile *p = load_data(state, "unknownmapping.pb.gz");
	size_t without_mapping = 0;
	for (size_t i = 0; i < p->location_count; i++)
		without_mapping += p->locations[i].mapping == NULL;
	assert_true(without_mapping > 0); /* tolerated, as by Go */
	ep_profile_free(p);
}

static void a_fixture_resolves_ids_strings_and_labels(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	struct ep_profile *p = NULL;
	char err[512];
	assert_int_equal(fixture_load(&f, &p, err, sizeof(err)), 0);
	assert_int_equal(p->function_count, 3);
	assert_int_equal(p->functions[1].id, 2000);
	assert_string_equal(p->functions[1].name, "main.caller");
	assert_string_equal(p->functions[1].filename, "main.go");
	assert_string_equal(p->functions[1].system_name, "");
	assert_int_equal(p->functions[1].start_line, 20);
	/* Lines keep file order: the innermost (inlined) function first. */
	const struct ep_profile_location *leaf = &p->locations[0];
	assert_int_equal(leaf->line_count, 2);
	assert_string_equal(leaf->lines[0].function->name, "main.inlined");
	assert_string_equal(leaf->lines[1].function->name, "main.leaf");
	assert_int_equal(leaf->lines[1].line, 11);
	assert_ptr_equal(leaf->mapping, &p->mappings[0]);
	assert_int_equal(leaf->mapping->id, 7);
	assert_string_equal(leaf->mapping->filename, "/usr/local/bin/app");
	assert_string_equal(leaf->mapping->build_id, "");
	/* Samples: stacks leaf first, values, labels. */
	assert_int_equal(p->sample_count, 2);
	const struct ep_profile_sample *s = &p->samples[0];
	assert_int_equal(s->location_count, 2);
	assert_ptr_equal(s->locations[0], &p->locations[0]);
	assert_ptr_equal(s->locations[1], &p->locations[1]);
	assert_int_equal(s->values[0], 100);
	assert_int_equal(s->values[1], 1000);
	assert_int_equal(s->label_count, 2);
	assert_string_equal(s->labels[0].key, "bytes");
	assert_null(s->labels[0].str);
	assert_int_equal(s->labels[0].num, 64);
	assert_string_equal(s->labels[0].num_unit, "");
	assert_string_equal(s->labels[1].key, "thread");
	assert_string_equal(s->labels[1].str, "worker");
	s = &p->samples[1];
	assert_int_equal(s->label_count, 1);
	assert_int_equal(s->labels[0].num, 32);
	assert_string_equal(s->labels[0].num_unit, "bytes");
	/* The header. */
	assert_int_equal(p->time_nanos, 1700000000000000000);
	assert_int_equal(p->period, 524288);
	assert_string_equal(p->period_type.type, "space");
	assert_int_equal(p->comment_count, 1);
	assert_string_equal(p->comments[0], "https://doc");
	assert_string_equal(p->drop_frames, "");
	assert_string_equal(p->keep_frames, "");
	assert_string_equal(p->doc_url, "");
	assert_int_equal(p->default_sample_type_index, -1);
	ep_profile_free(p);

	/* default_sample_type names a type: its index; a label with neither a
	 * value nor a unit is dropped, as Go's reader drops it. */
	f.profile.has_default_sample_type = 1;
	f.profile.default_sample_type = S_ALLOC_SPACE;
	f.labels[1].str = 0;
	assert_int_equal(fixture_load(&f, &p, err, sizeof(err)), 0);
	assert_int_equal(p->default_sample_type_index, 1);
	assert_int_equal(p->samples[0].label_count, 1);
	ep_profile_free(p);
	ep_profile_free(NULL);
}

static void sample_indexes_resolve_like_pprof(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	struct ep_profile *p = NULL;
	char err[512];
	assert_int_equal(fixture_load(&f, &p, err, sizeof(err)), 0);
	/* Types: space/bytes, alloc_space/bytes. */
	assert_int_equal(ep_profile_sample_index(p, NULL, err, sizeof(err)), 1);
	assert_int_equal(ep_profile_sample_index(p, "", err, sizeof(err)), 1);
	assert_int_equal(ep_profile_sample_index(p, "space", err, sizeof(err)), 0);
	assert_int_equal(ep_profile_sample_index(p, "alloc_space", err, sizeof(err)), 1);
	/* pprof's legacy spelling: inuse_space finds "space". */
	assert_int_equal(ep_profile_sample_index(p, "inuse_space", err, sizeof(err)), 0);
	assert_int_equal(ep_profile_sample_index(p, "0", err, sizeof(err)), 0);
	assert_int_equal(ep_profile_sample_index(p, "+1", err, sizeof(err)), 1);
	assert_int_equal(ep_profile_sample_index(p, "2", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "outside the range [0..1]"));
	assert_int_equal(ep_profile_sample_index(p, "-1", err, sizeof(err)), -EINVAL);
	assert_int_equal(ep_profile_sample_index(p, "cpu", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"cpu\" must be one of: space alloc_space"));
	/* With a base, the first default either side names counts. */
	struct fixture g;
	fixture_init(&g);
	g.profile.has_default_sample_type = 1;
	g.profile.default_sample_type = S_SPACE;
	struct ep_profile *base = NULL;
	assert_int_equal(fixture_load(&g, &base, err, sizeof(err)), 0);
	assert_int_equal(ep_node_table_sample_index(p, base, NULL, err, sizeof(err)), 0);
	assert_int_equal(ep_node_table_sample_index(p, NULL, NULL, err, sizeof(err)), 1);
	assert_int_equal(ep_node_table_sample_index(base, p, NULL, err, sizeof(err)), 0);
	ep_profile_free(base);
	ep_profile_free(p);
}

/* ---- what Go's reader refuses ---------------------------------------------- */

static void every_validity_rule_is_enforced(void **state)
{
	(void)state;
	struct fixture f;

	fixture_init(&f);
	f.strings[0].data = (uint8_t *)(uintptr_t) "notempty";
	f.strings[0].len = 8;
	expect_invalid(&f, "string_table[0] must be \"\"");

	fixture_init(&f);
	f.profile.n_string_table = 0;
	expect_invalid(&f, "string table is missing");

	fixture_init(&f);
	f.functions[1].name = S_COUNT;
	expect_invalid(&f, "function 1: name string index 12 is out of range");

	fixture_init(&f);
	f.functions[0].filename = -1;
	expect_invalid(&f, "function 0: filename string index -1");

	fixture_init(&f);
	f.mapping.filename = 99;
	expect_invalid(&f, "mapping 0: filename string index 99");

	fixture_init(&f);
	f.types[1].unit = 99;
	expect_invalid(&f, "sample type 1: unit string index 99");

	fixture_init(&f);
	f.labels[2].num_unit = 99;
	expect_invalid(&f, "sample 1: label unit string index 99");

	fixture_init(&f);
	f.labels[1].str = 99;
	expect_invalid(&f, "sample 0: label value string index 99");

	fixture_init(&f);
	f.comments[0] = 99;
	expect_invalid(&f, "comment 0: text string index 99");

	fixture_init(&f);
	f.profile.has_drop_frames = 1;
	f.profile.drop_frames = 99;
	expect_invalid(&f, "drop_frames string index 99");

	fixture_init(&f);
	f.mapping.id = 0;
	expect_invalid(&f, "mapping 0 has the reserved id 0");

	fixture_init(&f);
	f.functions[2].id = 0;
	expect_invalid(&f, "function 2 has the reserved id 0");

	fixture_init(&f);
	f.functions[2].id = 1000;
	expect_invalid(&f, "function 2 repeats id 1000");

	fixture_init(&f);
	f.locations[1].id = 0;
	expect_invalid(&f, "location 1 has the reserved id 0");

	fixture_init(&f);
	f.locations[1].id = 1;
	expect_invalid(&f, "location 1 repeats id 1");

	fixture_init(&f);
	f.stack0[1] = 99;
	expect_invalid(&f, "sample 0 names unknown location 99");

	fixture_init(&f);
	f.lines[1].function_id = 0;
	expect_invalid(&f, "location 1 (id 2) has a line with function id 0");

	fixture_init(&f);
	f.lines[2].function_id = 555;
	expect_invalid(&f, "location 0 (id 1) names unknown function 555");

	fixture_init(&f);
	f.samples[1].n_value = 1;
	expect_invalid(&f, "sample 1 has 1 values but the profile has 2 sample types");

	fixture_init(&f);
	f.profile.n_sample_type = 0;
	expect_invalid(&f, "samples without sample types");

	/* Tolerated: an unknown mapping id, a mapping id 0. */
	fixture_init(&f);
	f.locations[0].mapping_id = 12345;
	f.locations[1].mapping_id = 0;
	struct ep_profile *p = NULL;
	char err[512];
	assert_int_equal(fixture_load(&f, &p, err, sizeof(err)), 0);
	assert_null(p->locations[0].mapping);
	assert_null(p->locations[1].mapping);
	ep_profile_free(p);

	/* Tolerated: ids beyond the count, in any order (the hash path). */
	fixture_init(&f);
	f.mapping.id = UINT64_MAX;
	f.locations[0].mapping_id = UINT64_MAX;
	f.locations[0].id = 1ull << 40;
	f.stack0[0] = 1ull << 40;
	assert_int_equal(fixture_load(&f, &p, err, sizeof(err)), 0);
	assert_ptr_equal(p->samples[0].locations[0]->mapping, &p->mappings[0]);
	ep_profile_free(p);
}

static void two_time_stamps_mean_two_profiles(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	size_t len;
	unsigned char *bytes = fixture_pack(&f, &len);
	/* Append time_nanos = 5 (field 9, varint): a second, non-zero stamp
	 * after a non-zero one is what `cat a.pb b.pb` gives. */
	bytes[len] = 0x48;
	bytes[len + 1] = 0x05;
	struct ep_profile *p = NULL;
	char err[512];
	assert_int_equal(
	        ep_profile_load_buffer(bytes, len + 2, "cat.pb", NULL, &p, err, sizeof(err)),
	        -EINVAL);
	assert_true(starts_with(err, "cat.pb: concatenated profiles: a second time_nanos"));
	assert_null(p);
	free(bytes);

	/* A zero stamp first does not count, as in Go's reader. */
	fixture_init(&f);
	f.profile.time_nanos = 0;
	bytes = fixture_pack(&f, &len);
	bytes[len] = 0x48;
	bytes[len + 1] = 0x05;
	assert_int_equal(
	        ep_profile_load_buffer(bytes, len + 2, "late.pb", NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p->time_nanos, 5);
	ep_profile_free(p);
	free(bytes);
}

static void gzip_is_inflated_within_its_limit(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	size_t len, gz_len, gz2_len;
	unsigned char *raw = fixture_pack(&f, &len);
	unsigned char *gz = gzip_bytes(raw, len, &gz_len);
	struct ep_profile *p = NULL;
	char err[512];
	assert_int_equal(ep_profile_load_buffer(gz, gz_len, "f.pb.gz", NULL, &p, err, sizeof(err)),
	                 0);
	assert_int_equal(p->sample_count, 2);
	ep_profile_free(p);

	/* Two members: the profile cut in two and each half gzipped. */
	size_t half = len / 2, gz1_len;
	unsigned char *first = gzip_bytes(raw, half, &gz1_len);
	unsigned char *second = gzip_bytes(raw + half, len - half, &gz2_len);
	unsigned char *both = malloc(gz1_len + gz2_len);
	assert_non_null(both);
	memcpy(both, first, gz1_len);
	memcpy(both + gz1_len, second, gz2_len);
	assert_int_equal(ep_profile_load_buffer(both, gz1_len + gz2_len, "two.pb.gz", NULL, &p, err,
	                                        sizeof(err)),
	                 0);
	assert_int_equal(p->sample_count, 2);
	ep_profile_free(p);

	/* Past the limit: -EFBIG, and the message says which limit. */
	struct ep_profile_load_options small = { .max_decompressed_bytes = 64 };
	assert_int_equal(
	        ep_profile_load_buffer(gz, gz_len, "f.pb.gz", &small, &p, err, sizeof(err)),
	        -EFBIG);
	assert_string_equal(
	        err,
	        "f.pb.gz: decompressed size exceeds the 64 bytes limit ([core] max_profile_mib)");
	assert_null(p);
	struct ep_profile_load_options mib = { .max_decompressed_bytes = 1 << 20 };
	unsigned char *zeros = calloc(3 << 20, 1);
	assert_non_null(zeros);
	size_t bomb_len;
	unsigned char *bomb = gzip_bytes(zeros, 3 << 20, &bomb_len);
	assert_int_equal(
	        ep_profile_load_buffer(bomb, bomb_len, "bomb.gz", &mib, &p, err, sizeof(err)),
	        -EFBIG);
	assert_string_equal(
	        err, "bomb.gz: decompressed size exceeds the 1 MiB limit ([core] max_profile_mib)");
	/* A raw file past the limit too. */
	assert_int_equal(ep_profile_load_buffer(raw, len, "raw.pb", &small, &p, err, sizeof(err)),
	                 -EFBIG);
	assert_true(starts_with(err, "raw.pb: size exceeds the 64 bytes limit"));

	/* Cut short, or with garbage after the last member. */
	assert_int_equal(ep_profile_load_buffer(gz, 10, "cut.gz", NULL, &p, err, sizeof(err)),
	                 -EINVAL);
	assert_string_equal(err, "cut.gz: truncated gzip stream");
	unsigned char *trailing = malloc(gz1_len + 8);
	assert_non_null(trailing);
	memcpy(trailing, first, gz1_len);
	memcpy(trailing + gz1_len, "garbage!", 8);
	assert_int_equal(ep_profile_load_buffer(trailing, gz1_len + 8, "tail.gz", NULL, &p, err,
	                                        sizeof(err)),
	                 -EINVAL);
	assert_true(starts_with(err, "tail.gz: corrupt gzip stream"));
	/* A flipped byte in the data breaks the CRC or the stream. */
	gz[gz_len / 2] ^= 0x55;
	assert_int_equal(ep_profile_load_buffer(gz, gz_len, "flip.gz", NULL, &p, err, sizeof(err)),
	                 -EINVAL);
	assert_true(starts_with(err, "flip.gz: "));
	free(trailing);
	free(bomb);
	free(zeros);
	free(both);
	free(first);
	free(second);
	free(gz);
	free(raw);
}

static void text_and_web_pages_are_named(void **state)
{
	(void)state;
	struct ep_profile *p = NULL;
	char err[512];
	const char *page = "\n  <!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n";
	assert_int_equal(ep_profile_load_buffer(page, strlen(page), "heap3.pprof", NULL, &p, err,
	                                        sizeof(err)),
	                 -EINVAL);
	assert_string_equal(err, "heap3.pprof: not a pprof profile: looks like an HTML page");
	const char *html = "<HTML><head></head></HTML>";
	assert_int_equal(
	        ep_profile_load_buffer(html, strlen(html), "h", NULL, &p, err, sizeof(err)),
	        -EINVAL);
	assert_string_equal(err, "h: not a pprof profile: looks like an HTML page");
	const char *text = "404 page not found\n";
	assert_int_equal(
	        ep_profile_load_buffer(text, strlen(text), "x", NULL, &p, err, sizeof(err)),
	        -EINVAL);
	assert_string_equal(err, "x: not a pprof profile: looks like text: '404 page not found'");
	/* Long lines are cut to about 60 characters, and never mid-character. */
	char longline[200];
	memset(longline, 'a', sizeof(longline));
	memcpy(longline + 58, "\xc3\xa9\xc3\xa9", 4);
	longline[199] = '\0';
	assert_int_equal(
	        ep_profile_load_buffer(longline, strlen(longline), "l", NULL, &p, err, sizeof(err)),
	        -EINVAL);
	assert_non_null(strstr(err, "aa\xc3\xa9...'"));
	/* Text inside gzip too. */
	size_t gz_len;
	unsigned char *gz = gzip_bytes(text, strlen(text), &gz_len);
	assert_int_equal(ep_profile_load_buffer(gz, gz_len, "t.gz", NULL, &p, err, sizeof(err)),
	                 -EINVAL);
	assert_string_equal(err,
	                    "t.gz: not a pprof profile: looks like text: '404 page not found'");
	free(gz);
	/* Nothing at all, inside gzip or not. */
	assert_int_equal(ep_profile_load_buffer("", 0, "e", NULL, &p, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "e: not a pprof profile: empty file");
	gz = gzip_bytes("", 0, &gz_len);
	assert_int_equal(ep_profile_load_buffer(gz, gz_len, "eg", NULL, &p, err, sizeof(err)),
	                 -EINVAL);
	assert_string_equal(err, "eg: not a pprof profile: the gzip stream is empty");
	free(gz);
	/* Binary junk. */
	const unsigned char junk[] = { 0x08, 0x96, 0x01, 0xff, 0xff, 0x00, 0x07, 0x9c };
	assert_int_equal(
	        ep_profile_load_buffer(junk, sizeof(junk), "j", NULL, &p, err, sizeof(err)),
	        -EINVAL);
	assert_true(starts_with(err, "j: "));
	/* A protobuf cut in the middle of a field. */
	struct fixture f;
	fixture_init(&f);
	size_t len;
	unsigned char *raw = fixture_pack(&f, &len);
	assert_int_equal(ep_profile_load_buffer(raw, len / 2, "cut.pb", NULL, &p, err, sizeof(err)),
	                 -EINVAL);
	assert_true(starts_with(err, "cut.pb: truncated protobuf data"));
	free(raw);
	/* A message too small for the error line is cut, not overrun. */
	char tiny[8];
	assert_int_equal(
	        ep_profile_load_buffer(text, strlen(text), "x", NULL, &p, tiny, sizeof(tiny)),
	        -EINVAL);
	assert_string_equal(tiny, "x: not ");
	assert_null(p);
}

static void files_that_cannot_be_read_say_why(void **state)
{
	struct ep_profile *p = NULL;
	char err[512];
	char *path = data_path(state, "no-such-file.pb.gz");
	assert_int_equal(ep_profile_load_file(path, NULL, &p, err, sizeof(err)), -ENOENT);
	assert_true(starts_with(err, path));
	assert_non_null(strstr(err, "cannot open"));
	free(path);
	/* A directory opens but cannot be read. */
	const struct paths *paths = *state;
	int ret = ep_profile_load_file(paths->data_dir, NULL, &p, err, sizeof(err));
	assert_true(ret == -EISDIR || ret == -EINVAL);
	assert_true(starts_with(err, paths->data_dir));
	assert_null(p);
}

/* Known files of DATADIR/invalid and DATADIR/bad and what their message
 * says; unknown ones must still be refused with their name. */
static const char *const expected_messages[][2] = {
	{ "concat.pb.gz", "concatenated profiles" },
	{ "dupfunc.pb.gz", "repeats id 1" },
	{ "duploc-renamed.pb.gz", "invalid profile" },
	{ "duploc.pb.gz", "repeats id 1" },
	{ "dupmap.pb.gz", "repeats id 1" },
	{ "funcid0.pb.gz", "reserved id 0" },
	{ "linefunc0.pb.gz", "function id 0" },
	{ "locid0.pb.gz", "reserved id 0" },
	{ "mapid0.pb.gz", "reserved id 0" },
	{ "nosampletype.pb.gz", "without sample types" },
	{ "nostrtab.pb.gz", "string table is missing" },
	{ "strindex.pb.gz", "out of range" },
	{ "strtab0.pb.gz", "string_table[0]" },
	{ "twotimes.pb.gz", "a second time_nanos" },
	{ "unknownfunc.pb.gz", "unknown function 555" },
	{ "unknownloc.pb.gz", "unknown location 777" },
	{ "valuecount.pb.gz", "has 3 values but the profile has 4 sample types" },
	{ "wiretype.pb.gz", "malformed protobuf" },
	{ "wt3.pb.gz", "malformed protobuf" },
	{ "empty.pb.gz", "empty file" },
	{ "error.html", "looks like an HTML page" },
	{ "gzip-empty.pb.gz", "the gzip stream is empty" },
	{ "gzip-header-only.pb.gz", "truncated gzip stream" },
	{ "gzip-text.pb.gz", "looks like text" },
	{ "gzip-trailing-garbage.pb.gz", "corrupt gzip stream" },
	{ "random.bin", "not a pprof profile" },
	{ "text404.txt", "looks like text: '404 page not found'" },
	{ "truncated-raw.pb", "truncated protobuf" },
	{ "truncated.pb.gz", "truncated gzip stream" },
};

static void check_refused_directory(void **state, const char *subdirectory, size_t *checked)
{
	char *dir = data_path(state, subdirectory);
	DIR *d = opendir(dir);
	if (d == NULL)
		fail_msg("cannot open %s", dir);
	struct dirent *entry;
	while ((entry = readdir(d)) != NULL) {
		const char *name = entry->d_name;
		if (name[0] == '.' || strstr(name, "README") != NULL)
			continue;
		size_t n = strlen(dir) + strlen(name) + 2;
		char *path = malloc(n);
		assert_non_null(path);
		snprintf(path, n, "%s/%s", dir, name);
		struct ep_profile *p = NULL;
		char err[512] = "";
		int ret = ep_profile_load_file(path, NULL, &p, err, sizeof(err));
		if (ret >= 0 || p != NULL)
			fail_msg("%s was accepted", path);
		if (!starts_with(err, path) || strchr(err, '\n') != NULL)
			fail_msg("%s: bad message: %s", path, err);
		for (size_t i = 0; i < sizeof(expected_messages) / sizeof(expected_messages[0]);
		     i++)
			if (strcmp(expected_messages[i][0], name) == 0 &&
			    strstr(err, expected_messages[i][1]) == NULL)
				fail_msg("%s: expected \"%s\" in: %s", path,
				         expected_messages[i][1], err);
		assert_int_equal(ret, -EINVAL);
		(*checked)++;
		free(path);
	}
	closedir(d);
	free(dir);
}

static void invalid_and_bad_files_are_refused_by_name(void **state)
{
	size_t checked = 0;
	check_refused_directory(state, "invalid", &checked);
	check_refused_directory(state, "bad", &checked);
	assert_true(checked >= 20);
}

/* ---- a large profile: the threaded paths ------------------------------------ */

/* 100000 samples over stacks of the fixture's two locations, so decoding
 * and aggregating take their two-thread paths.  Values are positive, so
 * merging equal stacks leaves the total alone. */
static void a_large_profile_decodes_the_same_gzipped_or_not(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	enum { N = 100000 };
	Perftools__Profiles__Sample *samples = calloc(N, sizeof(*samples));
	Perftools__Profiles__Sample **list = calloc(N, sizeof(*list));
	uint64_t *stacks = calloc((size_t)N * 3, sizeof(*stacks));
	int64_t *values = calloc((size_t)N * 2, sizeof(*values));
	assert_true(samples && list && stacks && values);
	int64_t expected_total = 0, expected_leaf_flat = 0;
	for (int i = 0; i < N; i++) {
		perftools__profiles__sample__init(&samples[i]);
		size_t depth = 1 + (size_t)(i % 3);
		uint64_t *stack = &stacks[(size_t)i * 3];
		stack[0] = i % 2 ? 1 : 2;
		stack[1] = 2;
		stack[2] = 1; /* recursion: counted once per sample */
		samples[i].n_location_id = depth;
		samples[i].location_id = stack;
		values[(size_t)i * 2] = i;
		values[(size_t)i * 2 + 1] = 7 + i;
		samples[i].n_value = 2;
		samples[i].value = &values[(size_t)i * 2];
		samples[i].n_label = 1;
		samples[i].label = f.labels1;
		list[i] = &samples[i];
		expected_total += 7 + i;
		if (stack[0] == 1)
			expected_leaf_flat += 7 + i;
	}
	f.profile.n_sample = N;
	f.profile.sample = list;
	size_t len, gz_len;
	unsigned char *raw = fixture_pack(&f, &len);
	unsigned char *gz = gzip_bytes(raw, len, &gz_len);
	assert_true(len > (1 << 20)); /* large enough for the decoding thread */
	struct ep_profile *a = NULL, *b = NULL;
	char err[512];
	assert_int_equal(ep_profile_load_buffer(raw, len, "big.pb", NULL, &a, err, sizeof(err)), 0);
	assert_int_equal(
	        ep_profile_load_buffer(gz, gz_len, "big.pb.gz", NULL, &b, err, sizeof(err)), 0);
	assert_int_equal(a->sample_count, N);
	assert_int_equal(b->sample_count, N);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(a->samples[i].values[1], b->samples[i].values[1]);
		assert_int_equal(a->samples[i].location_count, b->samples[i].location_count);
		assert_int_equal(b->samples[i].locations[0]->id, stacks[i * 3]);
		assert_int_equal(b->samples[i].labels[0].num, 32);
	}
	struct ep_node_table table;
	assert_int_equal(ep_node_table_build(&table, b, 1, NULL, err, sizeof(err)), 0);
	assert_int_equal(table.total, expected_total);
	int64_t leaf_flat = -1, caller_cum = -1;
	for (size_t i = 0; i < table.count; i++) {
		if (strcmp(table.nodes[i].name, "main.inlined") == 0)
			leaf_flat = table.nodes[i].flat;
		if (strcmp(table.nodes[i].name, "main.caller") == 0)
			caller_cum = table.nodes[i].cum;
	}
	assert_int_equal(leaf_flat, expected_leaf_flat);
	/* Every stack has the caller (location 2) except depth-1 leaf stacks. */
	int64_t expected_caller = 0;
	for (int i = 0; i < N; i++)
		if (!(i % 3 == 0 && i % 2 == 1))
			expected_caller += 7 + i;
	assert_int_equal(caller_cum, expected_caller);
	ep_node_table_free(&table);
	ep_profile_free(b);

	/* Two members whose last is the larger: the size in its trailer is too
	 * small for all, so the buffer grows under way (the worker thread
	 * finishes its share first). */
	size_t cut = len / 3, gz1_len, gz2_len;
	unsigned char *gz1 = gzip_bytes(raw, cut, &gz1_len);
	unsigned char *gz2 = gzip_bytes(raw + cut, len - cut, &gz2_len);
	unsigned char *two = malloc(gz1_len + gz2_len);
	assert_non_null(two);
	memcpy(two, gz1, gz1_len);
	memcpy(two + gz1_len, gz2, gz2_len);
	assert_int_equal(ep_profile_load_buffer(two, gz1_len + gz2_len, "two.gz", NULL, &b, err,
	                                        sizeof(err)),
	                 0);
	assert_int_equal(b->sample_count, N);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(b->samples[i].values[1], a->samples[i].values[1]);

	/* A broken sample deep inside: found by whichever thread unpacks it. */
	unsigned char *broken = malloc(len);
	assert_non_null(broken);
	memcpy(broken, raw, len);
	/* The samples come right after the sample types: overwrite the tag of a
	 * field inside sample number 50000 or so with wire type 7. */
	size_t at = len / 2;
	while (at < len && broken[at] != 0x12) /* a sample's tag */
		at++;
	assert_true(at + 3 < len);
	broken[at + 2] = 0x0f; /* field 1, wire type 7 */
	size_t broken_gz_len;
	unsigned char *broken_gz = gzip_bytes(broken, len, &broken_gz_len);
	struct ep_profile *c = NULL;
	int ret = ep_profile_load_buffer(broken_gz, broken_gz_len, "broken.gz", NULL, &c, err,
	                                 sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_true(starts_with(err, "broken.gz: "));
	assert_null(c);
	free(broken_gz);
	free(broken);
	free(two);
	free(gz1);
	free(gz2);
	ep_profile_free(b);
	b = NULL;
	ep_profile_free(a);
	ep_profile_free(b);
	free(gz);
	free(raw);
	free(samples);
	free(list);
	free(stacks);
	free(values);
}

/* ---- node tables ------------------------------------------------------------ */

static const struct ep_node *find_node(const struct ep_node_table *t, const char *name)
{
	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->nodes[i].name, name) == 0)
			return &t->nodes[i];
	return NULL;
}

static void node_tables_follow_pprofs_graph(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	/* Sample 0 recurses: caller, leaf (inlined), caller again. */
	uint64_t recursive[3] = { 1, 2, 2 };
	f.samples[0].n_location_id = 3;
	f.samples[0].location_id = recursive;
	struct ep_profile *p = NULL;
	char err[512];
	assert_int_equal(fixture_load(&f, &p, err, sizeof(err)), 0);
	struct ep_node_table t;
	assert_int_equal(ep_node_table_build(&t, p, 1, NULL, err, sizeof(err)), 0);
	assert_int_equal(t.total, 1500);
	assert_int_equal(t.count, 3);
	const struct ep_node *inlined = find_node(&t, "main.inlined");
	const struct ep_node *leaf = find_node(&t, "main.leaf");
	const struct ep_node *caller = find_node(&t, "main.caller");
	assert_true(inlined && leaf && caller);
	/* Only the innermost line of the leaf location is flat. */
	assert_int_equal(inlined->flat, 1000);
	assert_int_equal(leaf->flat, 0);
	assert_int_equal(leaf->cum, 1000);
	assert_int_equal(caller->flat, 500);
	assert_int_equal(caller->cum, 1500); /* twice on a stack, counted once */
	assert_int_equal(t.flat_sum, 1500);
	assert_string_equal(t.sample_type.type, "alloc_space");
	assert_string_equal(t.main_file, "/usr/local/bin/app");
	assert_int_equal(t.comment_count, 1);
	ep_node_table_sort(&t, EP_NODE_ORDER_CUM);
	assert_string_equal(t.nodes[0].name, "main.caller");
	assert_string_equal(t.nodes[1].name, "main.inlined");
	ep_node_table_sort(&t, EP_NODE_ORDER_FLAT);
	assert_string_equal(t.nodes[0].name, "main.inlined");
	assert_string_equal(t.nodes[2].name, "main.leaf");
	/* main.inlined is reached through an inlined call only. */
	assert_int_equal(ep_node_table_mark_inline(&t, NULL, 0, 0), 0);
	assert_int_equal(find_node(&t, "main.inlined")->inlining, EP_NODE_INLINED);
	assert_int_equal(find_node(&t, "main.leaf")->inlining, EP_NODE_CALLED);
	assert_int_equal(find_node(&t, "main.caller")->inlining, EP_NODE_CALLED);
	/* Above the edge cut-off nothing is labelled. */
	assert_int_equal(ep_node_table_mark_inline(&t, NULL, 0, 5000), 0);
	assert_int_equal(find_node(&t, "main.inlined")->inlining, EP_NODE_CALLED);
	ep_node_table_free(&t);

	/* A profile minus itself: everything cancels and vanishes. */
	assert_int_equal(ep_node_table_build(&t, p, 1, p, err, sizeof(err)), 0);
	assert_int_equal(t.total, 0);
	assert_int_equal(t.count, 0);
	ep_node_table_free(&t);

	/* Minus a base where one sample differs by its label: labels are part
	 * of the key, so both stay, one negative. */
	struct fixture g;
	fixture_init(&g);
	g.samples[0].n_location_id = 3;
	g.samples[0].location_id = recursive;
	g.labels[2].num = 48;
	g.values1[1] = 200;
	g.functions[0].id = 9; /* ids differ between files; content matches */
	g.lines[0].function_id = 9;
	struct ep_profile *base = NULL;
	assert_int_equal(fixture_load(&g, &base, err, sizeof(err)), 0);
	assert_int_equal(ep_node_table_build(&t, p, 1, base, err, sizeof(err)), 0);
	assert_int_equal(t.total, 700); /* |500| + |-200|; sample 0 cancels */
	caller = find_node(&t, "main.caller");
	assert_non_null(caller);
	assert_int_equal(caller->flat, 300);
	assert_null(find_node(&t, "main.inlined"));
	ep_node_table_free(&t);
	ep_profile_free(base);

	/* A base with other sample types cannot be subtracted. */
	fixture_init(&g);
	g.types[1].type = S_THREAD;
	assert_int_equal(fixture_load(&g, &base, err, sizeof(err)), 0);
	assert_int_equal(ep_node_table_build(&t, p, 1, base, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "sample type 1"));
	ep_node_table_free(&t);
	ep_profile_free(base);
	ep_profile_free(p);
}

static void samples_with_the_same_stack_and_labels_merge(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	/* Two samples, same stack and labels, +100 and -100: they merge to 0
	 * and drop out of the total, as after pprof's Merge. */
	f.samples[1] = f.samples[0];
	int64_t negative[2] = { -100, -1000 };
	f.samples[1].value = negative;
	struct ep_profile *p = NULL;
	char err[512];
	assert_int_equal(fixture_load(&f, &p, err, sizeof(err)), 0);
	struct ep_node_table t;
	assert_int_equal(ep_node_table_build(&t, p, 1, NULL, err, sizeof(err)), 0);
	assert_int_equal(t.total, 0);
	assert_int_equal(t.count, 0);
	ep_node_table_free(&t);
	ep_profile_free(p);
	/* Labels in another order are the same labels. */
	f.labels0[0] = &f.labels[1];
	f.labels0[1] = &f.labels[0];
	Perftools__Profiles__Label *swapped[2] = { &f.labels[0], &f.labels[1] };
	f.samples[1].label = swapped;
	assert_int_equal(fixture_load(&f, &p, err, sizeof(err)), 0);
	assert_int_equal(ep_node_table_build(&t, p, 1, NULL, err, sizeof(err)), 0);
	assert_int_equal(t.total, 0);
	ep_node_table_free(&t);
	ep_profile_free(p);
}

int main(int argc, char **argv)
{
	struct paths paths = { argc > 1 ? argv[1] : getenv("EP_PPROF_DATA") };
	if (paths.data_dir == NULL) {
		fprintf(stderr, "usage: %s DATADIR (or set EP_PPROF_DATA)\n", argv[0]);
		return 2;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(a_go_heap_profile_decodes_into_the_model, &paths),
		cmocka_unit_test_prestate(a_cpu_profile_has_a_duration, &paths),
		cmocka_unit_test_prestate(raw_multimember_and_oddly_packed_files_decode, &paths),
		cmocka_unit_test_prestate(a_fixture_resolves_ids_strings_and_labels, &paths),
		cmocka_unit_test_prestate(sample_indexes_resolve_like_pprof, &paths),
		cmocka_unit_test_prestate(every_validity_rule_is_enforced, &paths),
		cmocka_unit_test_prestate(two_time_stamps_mean_two_profiles, &paths),
		cmocka_unit_test_prestate(gzip_is_inflated_within_its_limit, &paths),
		cmocka_unit_test_prestate(text_and_web_pages_are_named, &paths),
		cmocka_unit_test_prestate(files_that_cannot_be_read_say_why, &paths),
		cmocka_unit_test_prestate(invalid_and_bad_files_are_refused_by_name, &paths),
		cmocka_unit_test_prestate(a_large_profile_decodes_the_same_gzipped_or_not, &paths),
		cmocka_unit_test_prestate(node_tables_follow_pprofs_graph, &paths),
		cmocka_unit_test_prestate(samples_with_the_same_stack_and_labels_merge, &paths),
	};
	return cmocka_run_group_tests_name("pprof decode", tests, NULL, NULL);
}
