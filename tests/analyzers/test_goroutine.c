/* The goroutine analyzer against the mock host, on real goroutine profiles
 * of the test service (tests/analyzers/data/README.md says how they were
 * taken): five snapshots one second apart of `-mode leak-goroutines`,
 * which parks 50 goroutines a second for good in main.leakyWorker, and of
 * `-mode clean`, a pool of 50 main.cleanWorker goroutines that is churned
 * but never grows. The counts below come from Debian's Go 1.19.8:
 *
 *   TZ=UTC go tool pprof -symbolize=none -top FILE    ("... of N total")
 *   go tool pprof -raw FILE                            (the per-stack counts) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer_test.h"

/* Relative to EP_TEST_DATA_DIR (tests/pprof/data). */
#define LEAK_DIR  "../../analyzers/data/goroutine-leak/"
#define CLEAN_DIR "../../analyzers/data/goroutine-clean/"

static const char *const leak_files[] = {
	LEAK_DIR "goroutine0.pprof", LEAK_DIR "goroutine1.pprof", LEAK_DIR "goroutine2.pprof",
	LEAK_DIR "goroutine3.pprof", LEAK_DIR "goroutine4.pprof",
};
/* "of 62 total" ... "of 262 total". */
static const long long leak_totals[] = { 62, 112, 162, 212, 262 };
/* -raw: the stack runtime.gopark, runtime.chanrecv, runtime.chanrecv1,
 * main.leakyWorker has 55, 105, 155, 205, 255 goroutines. */
static const long long leaky_worker[] = { 55, 105, 155, 205, 255 };

static const char *const clean_files[] = {
	CLEAN_DIR "goroutine0.pprof", CLEAN_DIR "goroutine1.pprof", CLEAN_DIR "goroutine2.pprof",
	CLEAN_DIR "goroutine3.pprof", CLEAN_DIR "goroutine4.pprof",
};
/* "of 57 total" in each; main.cleanWorker's stack has 50 in each. */
#define CLEAN_TOTAL 57LL

static const char *const goroutine_kinds[ANALYZER_TEST_MAX_SNAPSHOTS] = {
	"goroutine", "goroutine", "goroutine", "goroutine", "goroutine", "goroutine",
};
static const double one_second_apart[] = { 0, 1, 2, 3, 4, 5 };

static const struct ep_plugin_descriptor *goroutine_plugin(void)
{
	return analyzer_test_load("EP_TEST_GOROUTINE_PLUGIN");
}

/* Analyzes files (one second apart) with the host already initialized
 * and configured; returns analyze's result. */
static int goroutine_analyze(struct analyzer_test_host *host, struct analyzer_test_run *run,
                             size_t count, const char *const *files, struct ep_report **report)
{
	analyzer_test_run_init(run, "run", count, files, goroutine_kinds, one_second_apart,
	                       (double)count);
	assert_int_equal(ep_mock_host_start(&host->mock), 0);
	assert_int_equal(ep_report_new("analysis", "run", "run", NULL, report), 0);
	int rc = host->mock.descriptor->analyzer->analyze(host->mock.state, &run->info, *report);
	ep_mock_host_stop(&host->mock);
	assert_int_equal(host->mock.live_profiles, 0);
	return rc;
}

static long long metric_int(const struct ep_report_document *document, const char *id)
{
	const struct ep_report_metric *metric = analyzer_test_metric(document, id);
	assert_int_equal(metric->value.type, EP_VALUE_INT);
	assert_string_equal(metric->unit, EP_UNIT_COUNT);
	return (long long)metric->value.integer;
}

static void test_a_leak_is_flagged_with_who_started_it(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, goroutine_plugin());
	assert_int_equal(goroutine_analyze(&host, &run, 5, leak_files, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	analyzer_test_section(document, "goroutine");

	const struct ep_report_table *timeline =
	        analyzer_test_table(document, "goroutine.timeline");
	const struct ep_report_series *series = analyzer_test_series(document, "goroutine.count");
	assert_string_equal(series->chart, "goroutines");
	assert_int_equal(timeline->row_count, 5);
	assert_int_equal(series->point_count, 5);
	for (size_t i = 0; i < 5; i++) {
		char name[32];
		snprintf(name, sizeof(name), "goroutine%zu.pprof", i);
		analyzer_test_near(analyzer_test_double(timeline, i, "offset_seconds"), (double)i,
		                   0);
		assert_string_equal(analyzer_test_text(timeline, i, "snapshot"), name);
		assert_int_equal(analyzer_test_int(timeline, i, "goroutines"), leak_totals[i]);
		analyzer_test_near(series->points[i].x, (double)i, 0);
		analyzer_test_near(series->points[i].y, (double)leak_totals[i], 0);
	}
	assert_int_equal(metric_int(document, "goroutine.first"), 62);
	assert_int_equal(metric_int(document, "goroutine.last"), 262);
	assert_int_equal(metric_int(document, "goroutine.peak"), 262);

	/* One stack leaks: main.leakyWorker, the function handed to `go`,
	 * parked (through runtime.gopark) in its channel receive. */
	const struct ep_report_table *leaks = analyzer_test_table(document, "goroutine.leaks");
	assert_int_equal(leaks->row_count, 1);
	assert_string_equal(analyzer_test_text(leaks, 0, "started_by"), "main.leakyWorker");
	assert_string_equal(analyzer_test_text(leaks, 0, "waiting_in"), "main.leakyWorker");
	assert_int_equal(analyzer_test_int(leaks, 0, "first"), leaky_worker[0]);
	assert_int_equal(analyzer_test_int(leaks, 0, "last"), leaky_worker[4]);
	assert_int_equal(analyzer_test_int(leaks, 0, "growth"), leaky_worker[4] - leaky_worker[0]);
	assert_int_equal(metric_int(document, "goroutine.leaking_stacks"), 1);
	assert_int_equal(metric_int(document, "goroutine.leaked"), 200);
	assert_true(analyzer_test_note(document, "1 stack(s) leak goroutines"));
	assert_true(analyzer_test_note(document, "started in main.leakyWorker"));

	/* The last snapshot first, then each in order: one at a time. */
	assert_int_equal(host.loads, 6);
	assert_int_equal(host.max_live_profiles, 1);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_a_churning_pool_is_not_a_leak(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, goroutine_plugin());
	assert_int_equal(goroutine_analyze(&host, &run, 5, clean_files, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	const struct ep_report_table *timeline =
	        analyzer_test_table(document, "goroutine.timeline");
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(analyzer_test_int(timeline, i, "goroutines"), CLEAN_TOTAL);
	assert_int_equal(metric_int(document, "goroutine.first"), CLEAN_TOTAL);
	assert_int_equal(metric_int(document, "goroutine.last"), CLEAN_TOTAL);
	assert_int_equal(metric_int(document, "goroutine.peak"), CLEAN_TOTAL);
	assert_int_equal(analyzer_test_table(document, "goroutine.leaks")->row_count, 0);
	assert_int_equal(metric_int(document, "goroutine.leaking_stacks"), 0);
	assert_int_equal(metric_int(document, "goroutine.leaked"), 0);
	assert_true(analyzer_test_note(document, "No goroutine leak"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_a_dip_is_allowed_but_the_last_must_be_the_highest(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;

	/* 55, 105, 205, 155, 255: a dip in between, still a leak. */
	const char *dip[] = { leak_files[0], leak_files[1], leak_files[3], leak_files[2],
		              leak_files[4] };
	analyzer_test_host_init(&host, goroutine_plugin());
	assert_int_equal(goroutine_analyze(&host, &run, 5, dip, &report), 0);
	const struct ep_report_table *leaks =
	        analyzer_test_table(ep_report_document(report), "goroutine.leaks");
	assert_int_equal(leaks->row_count, 1);
	assert_int_equal(analyzer_test_int(leaks, 0, "growth"), 200);
	ep_report_free(report);
	analyzer_test_run_free(&run);

	/* 55, 105, 155, 255, 205: past its highest, so it was drained: no leak. */
	const char *drained[] = { leak_files[0], leak_files[1], leak_files[2], leak_files[4],
		                  leak_files[3] };
	analyzer_test_host_init(&host, goroutine_plugin());
	assert_int_equal(goroutine_analyze(&host, &run, 5, drained, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	assert_int_equal(analyzer_test_table(document, "goroutine.leaks")->row_count, 0);
	assert_int_equal(metric_int(document, "goroutine.peak"), 262);
	assert_int_equal(metric_int(document, "goroutine.last"), 212);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_leak_min_growth_is_the_threshold(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;

	/* main.leakyWorker gains exactly 200: a leak at 200, not at 201. */
	analyzer_test_host_init(&host, goroutine_plugin());
	ep_mock_host_set(&host.mock, "leak_min_growth", "200");
	assert_int_equal(goroutine_analyze(&host, &run, 5, leak_files, &report), 0);
	assert_int_equal(
	        analyzer_test_table(ep_report_document(report), "goroutine.leaks")->row_count, 1);
	ep_report_free(report);
	analyzer_test_run_free(&run);

	analyzer_test_host_init(&host, goroutine_plugin());
	ep_mock_host_set(&host.mock, "leak_min_growth", "201");
	assert_int_equal(goroutine_analyze(&host, &run, 5, leak_files, &report), 0);
	assert_int_equal(
	        analyzer_test_table(ep_report_document(report), "goroutine.leaks")->row_count, 0);
	ep_report_free(report);
	analyzer_test_run_free(&run);

	analyzer_test_host_init(&host, goroutine_plugin());
	ep_mock_host_set(&host.mock, "leak_min_growth", "0");
	assert_int_equal(ep_mock_host_start(&host.mock), -EINVAL);
	assert_true(ep_mock_host_logged(&host.mock, "leak_min_growth"));
}

static void test_two_snapshots_are_too_few_to_call_a_leak(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { leak_files[0], leak_files[4] };
	analyzer_test_host_init(&host, goroutine_plugin());
	assert_int_equal(goroutine_analyze(&host, &run, 2, files, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	assert_int_equal(metric_int(document, "goroutine.first"), 62);
	assert_int_equal(metric_int(document, "goroutine.last"), 262);
	assert_int_equal(analyzer_test_table(document, "goroutine.leaks")->row_count, 0);
	assert_true(analyzer_test_note(document, "at least 3 goroutine snapshots"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_an_unreadable_snapshot_is_skipped(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	/* The second and the (trailing) sixth are missing. */
	const char *files[] = { leak_files[0], NULL,          leak_files[2],
		                leak_files[3], leak_files[4], NULL };
	analyzer_test_host_init(&host, goroutine_plugin());
	assert_int_equal(goroutine_analyze(&host, &run, 6, files, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	const struct ep_report_table *timeline =
	        analyzer_test_table(document, "goroutine.timeline");
	assert_int_equal(timeline->row_count, 4);
	assert_string_equal(analyzer_test_text(timeline, 1, "snapshot"), "goroutine2.pprof");
	const struct ep_report_table *leaks = analyzer_test_table(document, "goroutine.leaks");
	assert_int_equal(leaks->row_count, 1);
	assert_int_equal(analyzer_test_int(leaks, 0, "growth"), 200);
	assert_true(analyzer_test_note(document, "2 goroutine snapshot(s) could not be read"));
	assert_true(ep_mock_host_logged(&host.mock, "skipping goroutine1.pprof"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_a_run_without_goroutine_snapshots_adds_nothing(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "heap.pb.gz", "cpu.pb.gz" };
	const char *kinds[] = { "heap", "cpu" };
	analyzer_test_host_init(&host, goroutine_plugin());
	analyzer_test_run_init(&run, "nogoroutines", 2, files, kinds, one_second_apart, 2);
	assert_int_equal(ep_mock_host_start(&host.mock), 0);
	assert_int_equal(ep_report_new("analysis", "run", "run", NULL, &report), 0);
	assert_int_equal(
	        host.mock.descriptor->analyzer->analyze(host.mock.state, &run.info, report), 0);
	ep_mock_host_stop(&host.mock);
	assert_int_equal(ep_report_document(report)->section_count, 0);
	assert_int_equal(host.loads, 0);
	assert_true(ep_mock_host_logged(&host.mock, "no usable goroutine snapshot"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_compare_gates_on_peak_last_and_leaks(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run a, b, none;
	struct ep_report *report;
	const struct ep_plugin_descriptor *descriptor = goroutine_plugin();
	assert_non_null(descriptor->analyzer->compare);
	analyzer_test_run_init(&a, "clean", 5, clean_files, goroutine_kinds, one_second_apart, 5);
	analyzer_test_run_init(&b, "leaky", 5, leak_files, goroutine_kinds, one_second_apart, 5);
	const char *heap_only[] = { "heap.pb.gz" };
	analyzer_test_run_init(&none, "heaponly", 1, heap_only, NULL, one_second_apart, 1);
	analyzer_test_host_init(&host, descriptor);
	assert_int_equal(ep_mock_host_start(&host.mock), 0);

	assert_int_equal(ep_report_new("comparison", "clean vs leaky", "clean", "leaky", &report),
	                 0);
	assert_int_equal(descriptor->analyzer->compare(host.mock.state, &a.info, &b.info, report),
	                 0);
	const struct ep_report_document *document = ep_report_document(report);
	static const struct {
		const char *id;
		long long a, b;
	} expected[] = {
		{ "goroutines.peak", CLEAN_TOTAL, 262 },
		{ "goroutines.last", CLEAN_TOTAL, 262 },
		{ "goroutines.leaking_stacks", 0, 1 },
	};
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const struct ep_report_comparison *comparison =
		        analyzer_test_comparison(document, expected[i].id);
		assert_int_equal(comparison->a.type, EP_VALUE_INT);
		assert_int_equal(comparison->a.integer, expected[i].a);
		assert_int_equal(comparison->b.integer, expected[i].b);
		assert_string_equal(comparison->unit, EP_UNIT_COUNT);
	}
	ep_report_free(report);

	/* A run without goroutine snapshots has no value, not zero. */
	assert_int_equal(ep_report_new("comparison", "x", "heaponly", "leaky", &report), 0);
	assert_int_equal(
	        descriptor->analyzer->compare(host.mock.state, &none.info, &b.info, report), 0);
	const struct ep_report_comparison *peak =
	        analyzer_test_comparison(ep_report_document(report), "goroutines.peak");
	assert_int_equal(peak->a.type, EP_VALUE_NONE);
	assert_int_equal(peak->b.integer, 262);
	ep_report_free(report);

	/* Neither has any: nothing is added. */
	assert_int_equal(ep_report_new("comparison", "x", "heaponly", "heaponly", &report), 0);
	assert_int_equal(
	        descriptor->analyzer->compare(host.mock.state, &none.info, &none.info, report), 0);
	assert_int_equal(ep_report_document(report)->section_count, 0);
	ep_report_free(report);

	ep_mock_host_stop(&host.mock);
	assert_int_equal(host.mock.live_profiles, 0);
	assert_int_equal(host.max_live_profiles, 1);
	analyzer_test_run_free(&none);
	analyzer_test_run_free(&b);
	analyzer_test_run_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_leak_is_flagged_with_who_started_it),
		cmocka_unit_test(test_a_churning_pool_is_not_a_leak),
		cmocka_unit_test(test_a_dip_is_allowed_but_the_last_must_be_the_highest),
		cmocka_unit_test(test_leak_min_growth_is_the_threshold),
		cmocka_unit_test(test_two_snapshots_are_too_few_to_call_a_leak),
		cmocka_unit_test(test_an_unreadable_snapshot_is_skipped),
		cmocka_unit_test(test_a_run_without_goroutine_snapshots_adds_nothing),
		cmocka_unit_test(test_compare_gates_on_peak_last_and_leaks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
