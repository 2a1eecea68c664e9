/* The example plugin's unit test, built against the installed test kit
 * alone (pkg-config e2e-profile-mock-host): the plugin reads its setting,
 * decodes the snapshots it is given through the host, writes one report row
 * per snapshot, logs what it found and releases every profile.
 *
 * EP_EXAMPLE_PROFILE names the heap profile to read; meson.build sets it.
 * The expected figures of that profile (tests/pprof/data/heap.pb.gz of the
 * e2e-profile tree) were counted from its protobuf messages with a separate
 * decoder: 54 Sample messages, the longest with 9 location ids.  (`go tool
 * pprof -raw` lists 45, because it merges samples with identical stacks and
 * labels first; the plugin sees the samples as written.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <e2e-profile/mock-host.h>

static struct ep_snapshot_info heap_snapshot(const char *path)
{
	return (struct ep_snapshot_info){
		.index = 0, .kind = "heap", .path = path, .time_unix_ns = 1, .source = "test"
	};
}

/* Runs the analyzer once over one snapshot into report (may be NULL). */
static int run_analyzer(struct ep_mock_host *mock, const char *path, struct ep_report *report)
{
	struct ep_snapshot_info snapshot = heap_snapshot(path);
	struct ep_run_info run = {
		.name = "t", .directory = "/tmp", .snapshot_count = 1, .snapshots = &snapshot
	};
	assert_int_equal(ep_mock_host_start(mock), 0);
	int rc = ep_plugin_entry()->analyzer->analyze(mock->state, &run, report);
	ep_mock_host_stop(mock);
	assert_int_equal(mock->live_profiles, 0);
	return rc;
}

static void test_reports_heap_snapshot(void **unused)
{
	(void)unused;
	const char *path = getenv("EP_EXAMPLE_PROFILE");
	assert_non_null(path);
	struct ep_mock_host mock;
	ep_mock_host_init(&mock, ep_plugin_entry());
	struct ep_report *report = ep_mock_host_report_new("analysis", "t", NULL);
	assert_non_null(report);
	assert_int_equal(run_analyzer(&mock, path, report), 0);

	const struct ep_report_document *document = ep_mock_host_report_document(report);
	assert_non_null(ep_mock_host_find_section(document, "stack-depth"));
	const struct ep_report_item *item =
	        ep_mock_host_find_item(document, EP_REPORT_TABLE, "stack_depth");
	assert_non_null(item);
	const struct ep_report_table *table = item->u.table;
	assert_int_equal(table->row_count, 1);
	assert_string_equal(ep_mock_host_table_cell(table, 0, "snapshot")->text, "heap0");
	assert_int_equal(ep_mock_host_table_cell(table, 0, "samples")->integer, 54);
	assert_int_equal(ep_mock_host_table_cell(table, 0, "deepest_stack")->integer, 9);
	assert_null(ep_mock_host_table_cell(table, 1, "samples"));
	assert_true(ep_mock_host_logged(&mock, "heap0: 54 samples, deepest stack 9"));
	ep_mock_host_report_free(report);
}

static void test_other_kind_is_skipped(void **unused)
{
	(void)unused;
	struct ep_mock_host mock;
	ep_mock_host_init(&mock, ep_plugin_entry());
	ep_mock_host_set(&mock, "kind", "cpu");
	struct ep_report *report = ep_mock_host_report_new("analysis", "t", NULL);
	assert_int_equal(run_analyzer(&mock, "/nonexistent", report), 0);
	const struct ep_report_item *item = ep_mock_host_find_item(
	        ep_mock_host_report_document(report), EP_REPORT_TABLE, "stack_depth");
	assert_non_null(item);
	assert_int_equal(item->u.table->row_count, 0);
	assert_int_equal(mock.log_count, 0);
	ep_mock_host_report_free(report);
}

static void test_bad_snapshot_fails_naming_file(void **unused)
{
	(void)unused;
	struct ep_mock_host mock;
	ep_mock_host_init(&mock, ep_plugin_entry());
	assert_int_equal(run_analyzer(&mock, "/nonexistent/heap0.pprof", NULL), -ENOENT);
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
