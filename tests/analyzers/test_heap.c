/* The heap analyzer against the mock host, on the committed real profiles:
 * heap.pb.gz and heap2.pb.gz are two snapshots of one Go process, the
 * second one larger. Every expected number below was produced by Debian's
 * `go tool pprof` (Go 1.19.8) in tests/pprof/data with the command written
 * beside it; -unit=B makes pprof print exact bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer_test.h"

/* One row of `go tool pprof -top`, names without the " (inline)" label,
 * percentages as pprof prints them (rounded). */
struct expected_row {
	const char *name;
	long long flat;
	double flat_percent, sum_percent;
	long long cum;
	double cum_percent;
};

/* TZ=UTC go tool pprof -symbolize=none -top -unit=B -sample_index=inuse_space heap2.pb.gz
 *   Showing nodes accounting for 1351136B, 99.50% of 1357944B total
 *   Dropped 15 nodes (cum <= 6789B)
 * (20 rows shown; fmt.Sprintf, flat 4752B, is among the dropped nodes.) */
static const struct expected_row heap2_top[] = {
	{ "main.newBuf", 827392, 60.93, 60.93, 827392, 60.93 },
	{ "main.recurse", 314880, 23.19, 84.12, 314880, 23.19 },
	{ "main.mapBuilder", 180176, 13.27, 97.39, 185416, 13.65 },
	{ "main.keepInlined", 20480, 1.51, 98.89, 839680, 61.83 },
	{ "hash/crc32.slicingMakeTable", 8192, 0.6, 99.50, 8192, 0.6 },
	{ "main.main", 16, 0.0012, 99.50, 1356632, 99.90 },
	{ "compress/gzip.(*Writer).Write", 0, 0, 99.50, 8192, 0.6 },
	{ "hash/crc32.Update", 0, 0, 99.50, 8192, 0.6 },
	{ "hash/crc32.archInitIEEE", 0, 0, 99.50, 8192, 0.6 },
	{ "hash/crc32.ieeeInit", 0, 0, 99.50, 8192, 0.6 },
	{ "main.garbageInlined", 0, 0, 99.50, 8192, 0.6 },
	{ "main.writeProfile", 0, 0, 99.50, 8448, 0.62 },
	{ "runtime.main", 0, 0, 99.50, 1356632, 99.90 },
	{ "runtime/pprof.(*Profile).WriteTo", 0, 0, 99.50, 8192, 0.6 },
	{ "runtime/pprof.(*profileBuilder).build", 0, 0, 99.50, 8192, 0.6 },
	{ "runtime/pprof.writeHeap", 0, 0, 99.50, 8192, 0.6 },
	{ "runtime/pprof.writeHeapInternal", 0, 0, 99.50, 8192, 0.6 },
	{ "runtime/pprof.writeHeapProto", 0, 0, 99.50, 8192, 0.6 },
	{ "sync.(*Once).Do", 0, 0, 99.50, 8192, 0.6 },
	{ "sync.(*Once).doSlow", 0, 0, 99.50, 8192, 0.6 },
};
#define HEAP2_TOTAL_INUSE_BYTES 1357944LL
/* TZ=UTC go tool pprof -symbolize=none -top -unit=B -sample_index=inuse_objects heap2.pb.gz
 *   Showing nodes accounting for 1990B, 99.40% of 2002B total   (counts; pprof adds "B") */
#define HEAP2_TOTAL_INUSE_OBJECTS 2002LL

/* TZ=UTC go tool pprof -symbolize=none -top -unit=B -sample_index=inuse_space heap.pb.gz
 *   Showing nodes accounting for 318224B, 99.44% of 320008B total
 *   Dropped 10 nodes (cum <= 1600B)
 * (7 rows shown.) */
static const struct expected_row heap_top[] = {
	{ "main.newBuf", 204800, 64.00, 64.00, 204800, 64.00 },
	{ "main.mapBuilder", 63048, 19.70, 83.70, 66272, 20.71 },
	{ "main.recurse", 41472, 12.96, 96.66, 41472, 12.96 },
	{ "main.keepInlined", 6144, 1.92, 98.58, 210944, 65.92 },
	{ "fmt.Sprintf", 2752, 0.86, 99.44, 3224, 1.01 },
	{ "main.main", 8, 0.0025, 99.44, 318696, 99.59 },
	{ "runtime.main", 0, 0, 99.44, 318696, 99.59 },
};
#define HEAP_TOTAL_INUSE_BYTES 320008LL
/* TZ=UTC go tool pprof -symbolize=none -top -unit=B -sample_index=inuse_objects heap.pb.gz
 *   Showing nodes accounting for 721B, 99.31% of 726B total */
#define HEAP_TOTAL_INUSE_OBJECTS 726LL

/* heap.diff of A = [heap.pb.gz] and B = [heap.pb.gz, heap2.pb.gz]:
 * delta and order from
 *   TZ=UTC go tool pprof -symbolize=none -top -unit=B -sample_index=inuse_space \
 *       -base=heap.pb.gz heap2.pb.gz
 *   Showing nodes accounting for 1035664B, 98.42% of 1052240B total
 *   Dropped 5 nodes (cum <= 5261B)
 * a_flat and b_flat from each file's own full table (nothing dropped):
 *   TZ=UTC go tool pprof -symbolize=none -top -unit=B -nodefraction=0 \
 *       -sample_index=inuse_space heap.pb.gz   (and heap2.pb.gz) */
static const struct {
	const char *name;
	long long a_flat, b_flat, delta;
} heap_diff[] = {
	{ "main.newBuf", 204800, 827392, 622592 },
	{ "main.recurse", 41472, 314880, 273408 },
	{ "main.mapBuilder", 63048, 180176, 117128 },
	{ "main.keepInlined", 6144, 20480, 14336 },
	{ "hash/crc32.slicingMakeTable", 0, 8192, 8192 },
	{ "main.main", 8, 16, 8 },
	{ "compress/gzip.(*Writer).Write", 0, 0, 0 },
};

static const struct ep_plugin_descriptor *heap_plugin(void)
{
	return analyzer_test_load("EP_TEST_HEAP_PLUGIN");
}

/* Runs analyze on run with settings (key, value pairs, NULL-ended) and
 * returns its result; the report is left in *report. */
static int heap_analyze(struct analyzer_test_host *host, const struct analyzer_test_run *run,
                        const char *const *settings, struct ep_report **report)
{
	const struct ep_plugin_descriptor *descriptor = heap_plugin();
	analyzer_test_host_init(host, descriptor);
	for (size_t i = 0; settings != NULL && settings[i] != NULL; i += 2)
		ep_mock_host_set(&host->mock, settings[i], settings[i + 1]);
	assert_int_equal(ep_mock_host_start(&host->mock), 0);
	assert_int_equal(ep_report_new("analysis", run->info.name, run->info.name, NULL, report),
	                 0);
	ep_report_set_origin(*report, "analyzer.heap");
	int rc = descriptor->analyzer->analyze(host->mock.state, &run->info, *report);
	ep_mock_host_stop(&host->mock);
	assert_int_equal(host->mock.live_profiles, 0);
	return rc;
}

static void check_top_table(const struct ep_report_table *table, const struct expected_row *rows,
                            size_t count)
{
	assert_int_equal(table->row_count, count);
	for (size_t i = 0; i < count; i++) {
		assert_string_equal(analyzer_test_text(table, i, "function"), rows[i].name);
		assert_int_equal(analyzer_test_int(table, i, "flat"), rows[i].flat);
		assert_int_equal(analyzer_test_int(table, i, "cum"), rows[i].cum);
		/* pprof prints two decimals (or two significant digits below
		 * 1%); the document keeps the exact value. */
		analyzer_test_near(analyzer_test_double(table, i, "flat_percent"),
		                   rows[i].flat_percent, 0.005);
		analyzer_test_near(analyzer_test_double(table, i, "sum_percent"),
		                   rows[i].sum_percent, 0.005);
		analyzer_test_near(analyzer_test_double(table, i, "cum_percent"),
		                   rows[i].cum_percent, 0.005);
	}
}

static void test_peak_is_the_snapshot_with_most_inuse_bytes(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "heap.pb.gz", "heap2.pb.gz" };
	const double offsets[] = { 0, 15 };
	analyzer_test_run_init(&run, "two", 2, files, NULL, offsets, 30);
	assert_int_equal(heap_analyze(&host, &run, NULL, &report), 0);

	const struct ep_report_document *document = ep_report_document(report);
	const struct ep_report_section *section = analyzer_test_section(document, "heap");
	assert_string_equal(section->origin, "analyzer.heap");
	const struct ep_report_metric *metric =
	        analyzer_test_metric(document, "heap.peak_inuse_bytes");
	assert_int_equal(metric->value.type, EP_VALUE_INT);
	assert_int_equal(metric->value.integer, HEAP2_TOTAL_INUSE_BYTES);
	assert_string_equal(metric->unit, EP_UNIT_BYTES);
	metric = analyzer_test_metric(document, "heap.peak_inuse_objects");
	assert_int_equal(metric->value.integer, HEAP2_TOTAL_INUSE_OBJECTS);
	assert_string_equal(metric->unit, EP_UNIT_COUNT);
	metric = analyzer_test_metric(document, "heap.peak_offset_seconds");
	assert_int_equal(metric->value.type, EP_VALUE_DOUBLE);
	analyzer_test_near(metric->value.real, 15.0, 1e-9);
	assert_string_equal(metric->unit, EP_UNIT_SECONDS);
	metric = analyzer_test_metric(document, "heap.peak_snapshot");
	assert_int_equal(metric->value.type, EP_VALUE_TEXT);
	assert_string_equal(metric->value.text, "heap1.pprof");

	const struct ep_report_table *top = analyzer_test_table(document, "heap.top");
	assert_string_equal(top->columns[1].unit, EP_UNIT_BYTES);
	assert_string_equal(top->columns[2].unit, EP_UNIT_PERCENT);
	check_top_table(top, heap2_top, sizeof(heap2_top) / sizeof(heap2_top[0]));
	/* The exact percentages, not just pprof's rounding of them. */
	analyzer_test_near(analyzer_test_double(top, 0, "flat_percent"),
	                   827392.0 / 1357944.0 * 100.0, 1e-9);
	assert_true(analyzer_test_note(document, "heap1.pprof"));

	/* Both snapshots were read once, then the peak again: never more
	 * than one profile at a time. */
	assert_int_equal(host.loads, 3);
	assert_int_equal(host.max_live_profiles, 1);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

/* The case: two snapshots tie for the peak, one taken before the
 * test started; the peak is the first one inside the test window, and the
 * report says the peak was flat. */
static void test_a_tied_peak_is_resolved_inside_the_test_window(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "heap2.pb.gz", "heap.pb.gz", "heap2.pb.gz", "heap2.pb.gz" };
	const double offsets[] = { 0, 10, 20, 29 };
	analyzer_test_run_init(&run, "tied", 4, files, NULL, offsets, 30);
	run.info.test_started_unix_ns = 1700000000000000000LL + 5000000000LL;
	run.info.test_ended_unix_ns = 1700000000000000000LL + 25000000000LL;
	assert_int_equal(heap_analyze(&host, &run, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	assert_string_equal(analyzer_test_metric(document, "heap.peak_snapshot")->value.text,
	                    "heap2.pprof");
	assert_int_equal(analyzer_test_metric(document, "heap.peak_inuse_bytes")->value.integer,
	                 HEAP2_TOTAL_INUSE_BYTES);
	assert_true(analyzer_test_note(document, "Flat peak: 2 heap snapshots taken while the "
	                                         "test ran share the peak's"));
	assert_true(analyzer_test_note(document, "among the 3 heap snapshots taken while the "
	                                         "test ran (of 4)"));
	ep_report_free(report);
	analyzer_test_run_free(&run);

	/* Without a known window (collect, older runs) the earliest wins. */
	analyzer_test_run_init(&run, "tied", 4, files, NULL, offsets, 30);
	assert_int_equal(heap_analyze(&host, &run, NULL, &report), 0);
	document = ep_report_document(report);
	assert_string_equal(analyzer_test_metric(document, "heap.peak_snapshot")->value.text,
	                    "heap0.pprof");
	assert_true(analyzer_test_note(document, "Flat peak: 3 heap snapshots share"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_top_rows_are_those_pprof_shows(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	/* One snapshot: pprof drops 10 of its 17 nodes, so even 20 rows
	 * asked for give the 7 pprof shows. */
	const char *files[] = { "heap.pb.gz" };
	const double offsets[] = { 0 };
	analyzer_test_run_init(&run, "one", 1, files, NULL, offsets, 10);
	assert_int_equal(heap_analyze(&host, &run, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	assert_int_equal(analyzer_test_metric(document, "heap.peak_inuse_bytes")->value.integer,
	                 HEAP_TOTAL_INUSE_BYTES);
	assert_int_equal(analyzer_test_metric(document, "heap.peak_inuse_objects")->value.integer,
	                 HEAP_TOTAL_INUSE_OBJECTS);
	check_top_table(analyzer_test_table(document, "heap.top"), heap_top,
	                sizeof(heap_top) / sizeof(heap_top[0]));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_top_setting_limits_the_rows(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "heap.pb.gz", "heap2.pb.gz" };
	const double offsets[] = { 0, 15 };
	const char *settings[] = { "top", "5", NULL };
	analyzer_test_run_init(&run, "two", 2, files, NULL, offsets, 30);
	assert_int_equal(heap_analyze(&host, &run, settings, &report), 0);
	check_top_table(analyzer_test_table(ep_report_document(report), "heap.top"), heap2_top, 5);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_a_bad_top_setting_fails_init(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	analyzer_test_host_init(&host, heap_plugin());
	ep_mock_host_set(&host.mock, "top", "0");
	assert_int_equal(ep_mock_host_start(&host.mock), -EINVAL);
	assert_true(ep_mock_host_logged(&host.mock, "top"));
}

static void test_peak_in_the_middle_and_other_kinds_ignored(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	/* The peak is neither the first nor the last heap snapshot, and the
	 * CPU profiles between them are not even opened. */
	const char *files[] = { "heap.pb.gz", "cpu.pb.gz", "heap2.pb.gz", "cpu.pb.gz",
		                "heap.pb.gz" };
	const char *kinds[] = { "heap", "cpu", "heap", "cpu", "heap" };
	const double offsets[] = { 0, 1, 15, 16, 30 };
	analyzer_test_run_init(&run, "middle", 5, files, kinds, offsets, 40);
	assert_int_equal(heap_analyze(&host, &run, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	assert_string_equal(analyzer_test_metric(document, "heap.peak_snapshot")->value.text,
	                    "heap1.pprof");
	analyzer_test_near(analyzer_test_metric(document, "heap.peak_offset_seconds")->value.real,
	                   15.0, 1e-9);
	assert_int_equal(analyzer_test_metric(document, "heap.peak_inuse_bytes")->value.integer,
	                 HEAP2_TOTAL_INUSE_BYTES);
	assert_int_equal(host.loads, 4);
	assert_int_equal(host.mock.log_count, 0);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_an_unreadable_snapshot_is_skipped_with_a_warning(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { NULL, "heap2.pb.gz", "bad/README.txt" };
	const double offsets[] = { 0, 15, 30 };
	analyzer_test_run_init(&run, "gaps", 3, files, NULL, offsets, 40);
	assert_int_equal(heap_analyze(&host, &run, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	assert_int_equal(analyzer_test_metric(document, "heap.peak_inuse_bytes")->value.integer,
	                 HEAP2_TOTAL_INUSE_BYTES);
	assert_true(ep_mock_host_logged(&host.mock, "skipping heap0.pprof"));
	assert_true(ep_mock_host_logged(&host.mock, "skipping heap2.pprof"));
	assert_true(analyzer_test_note(document, "2 heap snapshot(s) could not be read"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_no_heap_snapshot_is_an_error(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "cpu.pb.gz" };
	const char *kinds[] = { "cpu" };
	const double offsets[] = { 0 };
	analyzer_test_run_init(&run, "cpuonly", 1, files, kinds, offsets, 10);
	assert_int_equal(heap_analyze(&host, &run, NULL, &report), -ENODATA);
	assert_true(ep_mock_host_logged(&host.mock, "run cpuonly has no heap snapshot"));
	assert_int_equal(host.loads, 0);
	ep_report_free(report);
	analyzer_test_run_free(&run);

	/* Heap snapshots that all fail to load leave nothing to analyze. */
	const char *missing[] = { NULL, NULL };
	const double two[] = { 0, 15 };
	analyzer_test_run_init(&run, "broken", 2, missing, NULL, two, 20);
	assert_int_equal(heap_analyze(&host, &run, NULL, &report), -ENODATA);
	assert_true(ep_mock_host_logged(&host.mock, "run broken has no usable heap snapshot"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_memory_stays_bounded_with_many_snapshots(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	enum { COUNT = 40 };
	const char *files[COUNT];
	double offsets[COUNT];
	for (size_t i = 0; i < COUNT; i++) {
		files[i] = i == 27 ? "heap2.pb.gz" : "heap.pb.gz";
		offsets[i] = 15.0 * (double)i;
	}
	analyzer_test_run_init(&run, "long", COUNT, files, NULL, offsets, 15.0 * COUNT);
	assert_int_equal(heap_analyze(&host, &run, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	assert_string_equal(analyzer_test_metric(document, "heap.peak_snapshot")->value.text,
	                    "heap27.pprof");
	assert_int_equal(host.loads, COUNT + 1);
	assert_int_equal(host.max_live_profiles, 1);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_compare_gates_on_peaks_and_diffs_functions(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run a, b;
	struct ep_report *report;
	const char *a_files[] = { "heap.pb.gz" };
	const char *b_files[] = { "heap.pb.gz", "heap2.pb.gz" };
	const double offsets[] = { 0, 15 };
	analyzer_test_run_init(&a, "before", 1, a_files, NULL, offsets, 10);
	analyzer_test_run_init(&b, "after", 2, b_files, NULL, offsets, 30);

	const struct ep_plugin_descriptor *descriptor = heap_plugin();
	assert_non_null(descriptor->analyzer->compare);
	analyzer_test_host_init(&host, descriptor);
	assert_int_equal(ep_mock_host_start(&host.mock), 0);
	assert_int_equal(ep_report_new("comparison", "before vs after", "before", "after", &report),
	                 0);
	assert_int_equal(descriptor->analyzer->compare(host.mock.state, &a.info, &b.info, report),
	                 0);
	ep_mock_host_stop(&host.mock);
	assert_int_equal(host.mock.live_profiles, 0);
	/* The two peaks, never every snapshot of both runs. */
	assert_int_equal(host.max_live_profiles, 2);

	const struct ep_report_document *document = ep_report_document(report);
	const struct ep_report_comparison *peak = analyzer_test_comparison(document, "peak");
	assert_int_equal(peak->a.integer, HEAP_TOTAL_INUSE_BYTES);
	assert_int_equal(peak->b.integer, HEAP2_TOTAL_INUSE_BYTES);
	assert_string_equal(peak->unit, EP_UNIT_BYTES);
	const struct ep_report_comparison *objects = analyzer_test_comparison(document, "objects");
	assert_int_equal(objects->a.integer, HEAP_TOTAL_INUSE_OBJECTS);
	assert_int_equal(objects->b.integer, HEAP2_TOTAL_INUSE_OBJECTS);
	assert_string_equal(objects->unit, EP_UNIT_COUNT);

	const struct ep_report_table *diff = analyzer_test_table(document, "heap.diff");
	assert_int_equal(diff->row_count, 20); /* default top = 20; pprof shows 20 */
	for (size_t i = 0; i < sizeof(heap_diff) / sizeof(heap_diff[0]); i++) {
		assert_string_equal(analyzer_test_text(diff, i, "function"), heap_diff[i].name);
		assert_int_equal(analyzer_test_int(diff, i, "a_flat"), heap_diff[i].a_flat);
		assert_int_equal(analyzer_test_int(diff, i, "b_flat"), heap_diff[i].b_flat);
		assert_int_equal(analyzer_test_int(diff, i, "delta"), heap_diff[i].delta);
	}
	assert_true(analyzer_test_note(document, "heap0.pprof"));
	ep_report_free(report);
	analyzer_test_run_free(&b);
	analyzer_test_run_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peak_is_the_snapshot_with_most_inuse_bytes),
		cmocka_unit_test(test_a_tied_peak_is_resolved_inside_the_test_window),
		cmocka_unit_test(test_top_rows_are_those_pprof_shows),
		cmocka_unit_test(test_top_setting_limits_the_rows),
		cmocka_unit_test(test_a_bad_top_setting_fails_init),
		cmocka_unit_test(test_peak_in_the_middle_and_other_kinds_ignored),
		cmocka_unit_test(test_an_unreadable_snapshot_is_skipped_with_a_warning),
		cmocka_unit_test(test_no_heap_snapshot_is_an_error),
		cmocka_unit_test(test_memory_stays_bounded_with_many_snapshots),
		cmocka_unit_test(test_compare_gates_on_peaks_and_diffs_functions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
