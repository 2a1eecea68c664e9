/* The loader accepts a good plugin and refuses each broken one with a
 * reason; a refusal never stops the others from loading.
 * EP_TEST_PLUGIN_DIR is the directory tests/plugins builds into. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugin_loader.h"

static void plugin_path(char *buf, size_t len, const char *file)
{
	const char *dir = getenv("EP_TEST_PLUGIN_DIR");
	assert_non_null(dir);
	snprintf(buf, len, "%s/%s", dir, file);
}

static void expect_refusal(const char *file, int want_rc, const char *want_reason)
{
	struct ep_plugin_registry registry = { 0 };
	char path[1024], err[512] = "";
	plugin_path(path, sizeof(path), file);
	int rc = ep_plugin_registry_load_file(&registry, path, err, sizeof(err));
	assert_int_equal(rc, want_rc);
	if (strstr(err, want_reason) == NULL)
		fail_msg("%s: reason '%s' lacks '%s'", file, err, want_reason);
	assert_int_equal(registry.count, 0);
	ep_plugin_registry_clear(&registry);
}

static void test_good_plugin_loads(void **unused)
{
	(void)unused;
	struct ep_plugin_registry registry = { 0 };
	char path[1024], err[512];
	plugin_path(path, sizeof(path), "good.so");
	assert_int_equal(ep_plugin_registry_load_file(&registry, path, err, sizeof(err)), 0);
	const struct ep_plugin *plugin =
	        ep_plugin_registry_find(&registry, EP_PLUGIN_KIND_ANALYZER, "good");
	assert_non_null(plugin);
	assert_string_equal(plugin->section, "analyzer.good");
	assert_string_equal(plugin->descriptor->version, "1.0.0");
	assert_ptr_equal(ep_plugin_registry_find_section(&registry, "analyzer.good"), plugin);
	assert_null(ep_plugin_registry_find(&registry, EP_PLUGIN_KIND_REPORTER, "good"));
	ep_plugin_registry_clear(&registry);
}

static void test_refuses_non_elf(void **unused)
{
	(void)unused;
	expect_refusal("garbage.so", -ENOEXEC, "not a loadable shared object");
}

static void test_refuses_missing_entry(void **unused)
{
	(void)unused;
	expect_refusal("bad_no_entry.so", -ENOEXEC,
	               "not an e2e-profile plugin: no ep_plugin_entry");
}

static void test_refuses_other_major(void **unused)
{
	(void)unused;
	expect_refusal("bad_abi_major.so", -EPROTO,
	               "built for plugin ABI 2.0; this host speaks 1.1");
}

static void test_refuses_newer_minor(void **unused)
{
	(void)unused;
	expect_refusal("bad_abi_minor.so", -EPROTO,
	               "built for plugin ABI 1.2, newer than this host's 1.1");
}

static void test_refuses_small_struct(void **unused)
{
	(void)unused;
	expect_refusal("bad_small_struct.so", -EPROTO, "ABI 1.1 needs at least");
}

static void test_refuses_missing_name(void **unused)
{
	(void)unused;
	expect_refusal("bad_no_name.so", -EINVAL, "missing required field: name");
}

static void test_refuses_missing_description(void **unused)
{
	(void)unused;
	expect_refusal("bad_no_description.so", -EINVAL, "missing required field: description");
}

static void test_refuses_missing_ops(void **unused)
{
	(void)unused;
	expect_refusal("bad_no_ops.so", -EINVAL, "missing required field: the analyzer ops table");
}

static void test_refuses_taken_name(void **unused)
{
	(void)unused;
	struct ep_plugin_registry registry = { 0 };
	char good[1024], duplicate[1024], err[512] = "";
	plugin_path(good, sizeof(good), "good.so");
	plugin_path(duplicate, sizeof(duplicate), "zz_duplicate.so");
	assert_int_equal(ep_plugin_registry_load_file(&registry, good, err, sizeof(err)), 0);
	assert_int_equal(ep_plugin_registry_load_file(&registry, duplicate, err, sizeof(err)),
	                 -EEXIST);
	assert_non_null(strstr(err, "analyzer name 'good' is already taken by"));
	assert_non_null(strstr(err, "good.so"));
	assert_int_equal(registry.count, 1);
	ep_plugin_registry_clear(&registry);
}

static void test_same_file_twice_is_one_plugin(void **unused)
{
	(void)unused;
	struct ep_plugin_registry registry = { 0 };
	char path[1024], again[1024], err[512];
	plugin_path(path, sizeof(path), "good.so");
	snprintf(again, sizeof(again), "%s/./good.so", getenv("EP_TEST_PLUGIN_DIR"));
	assert_int_equal(ep_plugin_registry_load_file(&registry, path, err, sizeof(err)), 0);
	assert_int_equal(ep_plugin_registry_load_file(&registry, again, err, sizeof(err)),
	                 -EALREADY);
	assert_int_equal(registry.count, 1);
	ep_plugin_registry_clear(&registry);
}

static void test_directory_loads_the_rest(void **unused)
{
	(void)unused;
	struct ep_plugin_registry registry = { 0 };
	char log_buffer[8192] = "";
	FILE *log_stream = fmemopen(log_buffer, sizeof(log_buffer), "w");
	struct ep_log log = { .threshold = EP_LOG_INFO, .stream = log_stream };
	ep_plugin_registry_load_directory(&registry, getenv("EP_TEST_PLUGIN_DIR"), &log);
	fclose(log_stream);
	assert_int_equal(registry.count, 1);
	assert_int_equal(registry.refused, 9);
	/* One line per refused file, each naming it. */
	size_t lines = 0;
	for (const char *c = log_buffer; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, 9);
	assert_non_null(strstr(log_buffer, "bad_abi_major.so refused: built for plugin ABI 2.0"));
	ep_plugin_registry_clear(&registry);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_plugin_loads),
		cmocka_unit_test(test_refuses_non_elf),
		cmocka_unit_test(test_refuses_missing_entry),
		cmocka_unit_test(test_refuses_other_major),
		cmocka_unit_test(test_refuses_newer_minor),
		cmocka_unit_test(test_refuses_small_struct),
		cmocka_unit_test(test_refuses_missing_name),
		cmocka_unit_test(test_refuses_missing_description),
		cmocka_unit_test(test_refuses_missing_ops),
		cmocka_unit_test(test_refuses_taken_name),
		cmocka_unit_test(test_same_file_twice_is_one_plugin),
		cmocka_unit_test(test_directory_loads_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
