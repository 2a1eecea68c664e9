/* Stack trees (core/tree.c): the shape every reporter relies on, on a
 * real CPU profile (tests/pprof/data/cpu.pb.gz). The figures themselves
 * are checked against go tool pprof end to end in tests/flamegraph. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "ep-build-config.h"
#include "pprof/decode.h"
#include "tree.h"

static struct ep_profile *tree_test_load_file(const char *name)
{
	struct ep_profile *profile = NULL;
	char err[512], path[1024];
	snprintf(path, sizeof(path), "%s/tests/pprof/data/%s", EP_SOURCE_ROOT, name);
	int rc = ep_profile_load_file(path, NULL, &profile, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s", err);
	return profile;
}

static struct ep_profile *tree_test_load(void)
{
	return tree_test_load_file("cpu.pb.gz");
}

struct tree_test_result {
	struct ep_report_frame *frames;
	size_t count;
	struct ep_report_tree header;
	const char **names;
};

static void tree_test_frames(struct ep_tree *tree, struct tree_test_result *out)
{
	const char *const *names;
	size_t name_count;
	ep_tree_names(tree, &names, &name_count);
	out->frames = calloc(ep_tree_frame_limit(tree), sizeof(*out->frames));
	assert_non_null(out->frames);
	assert_int_equal(ep_tree_frames(tree, names, out->frames, &out->count, &out->header), 0);
}

/* Pre-order with depth steps of one, siblings by name, children within
 * their parent's value. */
static void tree_test_shape(const struct tree_test_result *r)
{
	assert_true(r->count > 1);
	assert_string_equal(r->frames[0].name, "root");
	assert_int_equal(r->frames[0].depth, 0);
	for (size_t i = 1; i < r->count; i++) {
		assert_true(r->frames[i].depth >= 1 &&
		            r->frames[i].depth <= r->frames[i - 1].depth + 1);
		int64_t children = 0;
		const char *previous = NULL;
		for (size_t j = i + 1; j < r->count && r->frames[j].depth > r->frames[i].depth;
		     j++) {
			if (r->frames[j].depth != r->frames[i].depth + 1)
				continue;
			children += r->frames[j].value;
			if (previous != NULL)
				assert_true(strcmp(previous, r->frames[j].name) < 0);
			previous = r->frames[j].name;
		}
		assert_true(children <= r->frames[i].value);
	}
}

static void test_one_profile(void **unused)
{
	(void)unused;
	struct ep_profile *profile = tree_test_load();
	struct ep_tree *tree = NULL;
	char err[256];
	assert_int_equal(ep_tree_new(&tree), 0);
	assert_int_equal(ep_tree_add(tree, profile, "cpu", false, err, sizeof(err)), 0);
	struct tree_test_result r;
	tree_test_frames(tree, &r);
	tree_test_shape(&r);
	/* go tool pprof -sample_index=cpu -top: 1510000000ns total */
	assert_int_equal(r.header.total, 1510000000);
	assert_int_equal(r.frames[0].value, 1510000000);
	assert_false(r.header.has_base);
	assert_string_equal(r.header.sample_type, "cpu");
	assert_string_equal(r.header.unit, "nanoseconds");
	/* Reported once, the tree takes no more profiles. */
	assert_int_equal(ep_tree_add(tree, profile, "cpu", false, err, sizeof(err)), -EINVAL);
	free(r.frames);
	ep_tree_free(tree);
	ep_profile_free(profile);
}

static void test_same_profile_as_base(void **unused)
{
	(void)unused;
	struct ep_profile *profile = tree_test_load();
	struct ep_tree *tree = NULL;
	char err[256];
	assert_int_equal(ep_tree_new(&tree), 0);
	assert_int_equal(ep_tree_add(tree, profile, "cpu", false, err, sizeof(err)), 0);
	assert_int_equal(ep_tree_add(tree, profile, "cpu", true, err, sizeof(err)), 0);
	struct tree_test_result r;
	tree_test_frames(tree, &r);
	tree_test_shape(&r);
	assert_true(r.header.has_base);
	assert_int_equal(r.header.base_total, r.header.total);
	for (size_t i = 0; i < r.count; i++)
		assert_int_equal(r.frames[i].value, r.frames[i].base);
	free(r.frames);
	ep_tree_free(tree);
	ep_profile_free(profile);
}

static void test_mismatched_sample_type(void **unused)
{
	(void)unused;
	struct ep_profile *profile = tree_test_load();
	struct ep_tree *tree = NULL;
	char err[256] = "";
	assert_int_equal(ep_tree_new(&tree), 0);
	assert_int_equal(ep_tree_add(tree, profile, "cpu", false, err, sizeof(err)), 0);
	assert_int_equal(ep_tree_add(tree, profile, "samples", true, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "does not match"));
	assert_int_equal(ep_tree_add(tree, profile, "no-such-type", false, err, sizeof(err)),
	                 -EINVAL);
	ep_tree_free(tree);
	ep_profile_free(profile);
}

/* Samples with an empty stack count in pprof's total (4104B, of which
 * 2560B have frames: empty-stack.top.txt) and so in the root's value. */
static void test_empty_stacks(void **unused)
{
	(void)unused;
	struct ep_profile *profile = tree_test_load_file("empty-stack.pb.gz");
	struct ep_tree *tree = NULL;
	char err[256];
	assert_int_equal(ep_tree_new(&tree), 0);
	assert_int_equal(ep_tree_add(tree, profile, NULL, false, err, sizeof(err)), 0);
	struct tree_test_result r;
	tree_test_frames(tree, &r);
	tree_test_shape(&r);
	assert_int_equal(r.header.total, 4104);
	assert_int_equal(r.frames[0].value, 4104);
	assert_string_equal(r.frames[1].name, "main.main");
	assert_int_equal(r.frames[1].value, 2560);
	free(r.frames);
	ep_tree_free(tree);
	ep_profile_free(profile);
}

/* A CPU profile of an idle process: no sample, only the root. */
static void test_no_sample(void **unused)
{
	(void)unused;
	struct ep_profile *profile = tree_test_load_file("allzero.pb.gz");
	struct ep_tree *tree = NULL;
	char err[256];
	assert_int_equal(ep_tree_new(&tree), 0);
	assert_int_equal(ep_tree_add(tree, profile, NULL, false, err, sizeof(err)), 0);
	struct tree_test_result r;
	tree_test_frames(tree, &r);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.frames[0].value, 0);
	assert_int_equal(r.header.total, 0);
	free(r.frames);
	ep_tree_free(tree);
	ep_profile_free(profile);
}

static void test_empty_tree(void **unused)
{
	(void)unused;
	struct ep_tree *tree = NULL;
	assert_int_equal(ep_tree_new(&tree), 0);
	struct ep_report_frame frame;
	struct ep_report_tree header;
	size_t count;
	const char *const *names;
	size_t name_count;
	ep_tree_names(tree, &names, &name_count);
	assert_int_equal(ep_tree_frames(tree, names, &frame, &count, &header), -EINVAL);
	ep_tree_free(tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_profile),
		cmocka_unit_test(test_same_profile_as_base),
		cmocka_unit_test(test_mismatched_sample_type),
		cmocka_unit_test(test_empty_stacks),
		cmocka_unit_test(test_no_sample),
		cmocka_unit_test(test_empty_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
