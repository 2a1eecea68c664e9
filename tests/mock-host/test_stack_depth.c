/* The out-of-tree example plugin, tested alone against the mock host: it
 * reads its setting, decodes the snapshots it is given through the host,
 * logs what it found and releases every profile. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mock_host.h"

static void run_analyzer(struct ep_mock_host *mock, const char *path, int want_rc)
{
	const struct ep_plugin_descriptor *d = ep_plugin_entry();
	ep_mock_host_init(mock, d);
	assert_int_equal(ep_mock_host_start(mock), 0);
	struct ep_snapshot_info snapshot = {
		.index = 0, .kind = "heap", .path = path, .time_unix_ns = 1, .source = "test"
	};
	struct ep_run_info run = {
		.name = "t", .directory = "/tmp", .snapshot_count = 1, .snapshots = &snapshot
	};
	assert_int_equal(d->analyzer->analyze(mock->state, &run, NULL), want_rc);
	ep_mock_host_stop(mock);
	assert_int_equal(mock->live_profiles, 0);
}

static void test_reports_heap_snapshot(void **unused)
{
	(void)unused;
	struct ep_mock_host mock;
	char path[1024];
	snprintf(path, sizeof(path), "%s/heap.pb.gz", getenv("EP_TEST_DATA_DIR"));
	run_analyzer(&mock, path, 0);
	assert_true(ep_mock_host_logged(&mock, "heap0: "));
	assert_true(ep_mock_host_logged(&mock, " samples, deepest stack "));
}

static void test_other_kind_is_skipped(void **unused)
{
	(void)unused;
	struct ep_mock_host mock;
	ep_mock_host_init(&mock, ep_plugin_entry());
	ep_mock_host_set(&mock, "kind", "cpu");
	assert_int_equal(ep_mock_host_start(&mock), 0);
	struct ep_snapshot_info snapshot = { .index = 0,
		                             .kind = "heap",
		                             .path = "/nonexistent",
		                             .time_unix_ns = 1,
		                             .source = "test" };
	struct ep_run_info run = {
		.name = "t", .directory = "/tmp", .snapshot_count = 1, .snapshots = &snapshot
	};
	assert_int_equal(ep_plugin_entry()->analyzer->analyze(mock.state, &run, NULL), 0);
	ep_mock_host_stop(&mock);
	assert_int_equal(mock.log_count, 0);
}

static void test_bad_snapshot_fails_naming_file(void **unused)
{
	(void)unused;
	struct ep_mock_host mock;
	run_analyzer(&mock, "/nonexistent/heap0.pprof", -ENOENT);
	assert_true(ep_mock_host_logged(&mock, "/nonexistent/heap0.pprof"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reports_heap_snapshot),
		cmocka_unit_test(test_other_kind_is_skipped),
		cmocka_unit_test(test_bad_snapshot_fails_naming_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
