/* The growth analyzer against the mock host, on the committed real
 * profiles heap.pb.gz (smaller) and heap2.pb.gz (larger), two snapshots of
 * one Go process arranged into runs of several shapes. Expected numbers
 * come from Debian's `go tool pprof` (Go 1.19.8), run in tests/pprof/data
 * with the command written beside them; -unit=B prints exact bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer_test.h"

/* TZ=UTC go tool pprof -symbolize=none -top -unit=B -sample_index=inuse_space heap.pb.gz
 *   Showing nodes accounting for 318224B, 99.44% of 320008B total */
#define HEAP_INUSE_BYTES 320008LL
/* TZ=UTC go tool pprof -symbolize=none -top -unit=B -sample_index=inuse_objects heap.pb.gz
 *   Showing nodes accounting for 721B, 99.31% of 726B total */
#define HEAP_INUSE_OBJECTS 726LL
/* TZ=UTC go tool pprof -symbolize=none -top -unit=B -sample_index=alloc_space heap.pb.gz
 *   Showing nodes accounting for 2476864B, 99.75% of 2482952B total */
#define HEAP_ALLOC_BYTES 2482952.0
/* The same three commands on heap2.pb.gz:
 *   ... 1351136B, 99.50% of 1357944B total   (inuse_space)
 *   ... 1990B, 99.40% of 2002B total         (inuse_objects)
 *   ... 7301672B, 98.15% of 7439512B total   (alloc_space) */
#define HEAP2_INUSE_BYTES   1357944LL
#define HEAP2_INUSE_OBJECTS 2002LL
#define HEAP2_ALLOC_BYTES   7439512.0

/* The first rows of
 *   TZ=UTC go tool pprof -symbolize=none -top -unit=B -sample_index=inuse_space \
 *       -base=heap.pb.gz heap2.pb.gz
 *   Showing nodes accounting for 1035664B, 98.42% of 1052240B total
 *   Dropped 5 nodes (cum <= 5261B)
 * (flat and cum columns; the default top = 10 rows). */
static const struct {
	const char *name;
	long long flat, cum;
} growers[] = {
	{ "main.newBuf", 622592, 622592 },
	{ "main.recurse", 273408, 273408 },
	{ "main.mapBuilder", 117128, 119144 },
	{ "main.keepInlined", 14336, 628736 },
	{ "hash/crc32.slicingMakeTable", 8192, 8192 },
	{ "main.main", 8, 1037936 },
	{ "compress/gzip.(*Writer).Write", 0, 8192 },
	{ "hash/crc32.Update", 0, 8192 },
	{ "hash/crc32.archInitIEEE", 0, 8192 },
	{ "hash/crc32.ieeeInit", 0, 8192 },
};

static const struct ep_plugin_descriptor *growth_plugin(void)
{
	return analyzer_test_load("EP_TEST_GROWTH_PLUGIN");
}

/* Builds the run (files at offsets, lasting duration s), analyzes it with
 * settings (key, value pairs, NULL-ended) and returns analyze's result. */
static int growth_analyze(struct analyzer_test_host *host, struct analyzer_test_run *run,
                          size_t count, const char *const *files, const double *offsets,
                          double duration, const char *const *settings, struct ep_report **report)
{
	const struct ep_plugin_descriptor *descriptor = growth_plugin();
	analyzer_test_run_init(run, "growing", count, files, NULL, offsets, duration);
	analyzer_test_host_init(host, descriptor);
	/* The fit's own logic is tested on few points; min_points has its
	 * own test below. */
	ep_mock_host_set(&host->mock, "min_points", "1");
	for (size_t i = 0; settings != NULL && settings[i] != NULL; i += 2)
		ep_mock_host_set(&host->mock, settings[i], settings[i + 1]);
	assert_int_equal(ep_mock_host_start(&host->mock), 0);
	assert_int_equal(ep_report_new("analysis", "growing", "growing", NULL, report), 0);
	int rc = descriptor->analyzer->analyze(host->mock.state, &run->info, *report);
	ep_mock_host_stop(&host->mock);
	assert_int_equal(host->mock.live_profiles, 0);
	return rc;
}

static void check_growers(const struct ep_report_table *table)
{
	assert_int_equal(table->row_count, sizeof(growers) / sizeof(growers[0]));
	assert_string_equal(table->columns[1].id, "flat");
	assert_string_equal(table->columns[1].unit, EP_UNIT_BYTES);
	for (size_t i = 0; i < table->row_count; i++) {
		assert_string_equal(analyzer_test_text(table, i, "function"), growers[i].name);
		assert_int_equal(analyzer_test_int(table, i, "flat"), growers[i].flat);
		assert_int_equal(analyzer_test_int(table, i, "cum"), growers[i].cum);
	}
}

static const char *metric_text(const struct ep_report_document *document, const char *id)
{
	const struct ep_report_metric *metric = analyzer_test_metric(document, id);
	assert_int_equal(metric->value.type, EP_VALUE_TEXT);
	return metric->value.text;
}

static void test_two_snapshots_timeline_series_and_growers(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "heap.pb.gz", "heap2.pb.gz" };
	const double offsets[] = { 0, 15 };
	assert_int_equal(growth_analyze(&host, &run, 2, files, offsets, 30, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	analyzer_test_section(document, "growth");

	const struct ep_report_table *timeline = analyzer_test_table(document, "growth.timeline");
	assert_int_equal(timeline->row_count, 2);
	analyzer_test_near(analyzer_test_double(timeline, 0, "offset_seconds"), 0.0, 1e-9);
	assert_string_equal(analyzer_test_text(timeline, 0, "snapshot"), "heap0.pprof");
	assert_int_equal(analyzer_test_int(timeline, 0, "inuse_bytes"), HEAP_INUSE_BYTES);
	assert_int_equal(analyzer_test_int(timeline, 0, "inuse_objects"), HEAP_INUSE_OBJECTS);
	assert_int_equal(analyzer_test_cell(timeline, 0, "alloc_rate")->type, EP_VALUE_NONE);
	analyzer_test_near(analyzer_test_double(timeline, 1, "offset_seconds"), 15.0, 1e-9);
	assert_string_equal(analyzer_test_text(timeline, 1, "snapshot"), "heap1.pprof");
	assert_int_equal(analyzer_test_int(timeline, 1, "inuse_bytes"), HEAP2_INUSE_BYTES);
	assert_int_equal(analyzer_test_int(timeline, 1, "inuse_objects"), HEAP2_INUSE_OBJECTS);
	/* (7439512 - 2482952) B / 15 s */
	analyzer_test_near(analyzer_test_double(timeline, 1, "alloc_rate"),
	                   (HEAP2_ALLOC_BYTES - HEAP_ALLOC_BYTES) / 15.0, 1e-6);
	assert_string_equal(timeline->columns[4].unit, EP_UNIT_BYTES_PER_SECOND);

	const struct ep_report_series *series = analyzer_test_series(document, "growth.inuse");
	assert_string_equal(series->chart, "inuse");
	assert_string_equal(series->title, "growing");
	assert_string_equal(series->x_unit, EP_UNIT_SECONDS);
	assert_string_equal(series->y_unit, EP_UNIT_BYTES);
	assert_int_equal(series->point_count, 2);
	analyzer_test_near(series->points[1].x, 15.0, 1e-9);
	analyzer_test_near(series->points[1].y, (double)HEAP2_INUSE_BYTES, 1e-9);

	assert_int_equal(
	        analyzer_test_metric(document, "growth.first_to_peak_bytes")->value.integer,
	        HEAP2_INUSE_BYTES - HEAP_INUSE_BYTES);
	assert_int_equal(
	        analyzer_test_metric(document, "growth.first_to_last_bytes")->value.integer,
	        HEAP2_INUSE_BYTES - HEAP_INUSE_BYTES);
	/* Two points only: the slope of the line through them. */
	const struct ep_report_metric *slope =
	        analyzer_test_metric(document, "growth.slope_bytes_per_second");
	assert_string_equal(slope->unit, EP_UNIT_BYTES_PER_SECOND);
	analyzer_test_near(slope->value.real, (double)(HEAP2_INUSE_BYTES - HEAP_INUSE_BYTES) / 15.0,
	                   1e-6);
	/* 69195.7 B/s over 30 s is 2.07 MB, more than 10% of the 1.3 MB peak. */
	assert_string_equal(metric_text(document, "growth.trend"), "steady-growth");
	assert_true(analyzer_test_note(document, "still growing"));

	check_growers(analyzer_test_table(document, "growth.growers_peak"));
	check_growers(analyzer_test_table(document, "growth.growers_last"));
	/* The first snapshot stays loaded while one other is: never more. */
	assert_int_equal(host.max_live_profiles, 2);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_threshold_decides_between_growth_and_plateau(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "heap.pb.gz", "heap2.pb.gz" };
	const double offsets[] = { 0, 15 };
	/* 2.07 MB over the run is 153% of the peak: under 200%. */
	const char *settings[] = { "growth_threshold_percent", "200", NULL };
	assert_int_equal(growth_analyze(&host, &run, 2, files, offsets, 30, settings, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	assert_string_equal(metric_text(document, "growth.trend"), "plateau");
	assert_true(analyzer_test_note(
	        document,
	        "levelled off: over the last third of the run (2 snapshots) it grew by 67.57kB/s"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_flat_end_is_a_plateau_and_last_growers_are_from_the_end(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	/* The last third (after 40 s) holds two snapshots; the fit widens to
	 * the last three, all equal: slope 0. */
	const char *files[] = { "heap.pb.gz", "heap2.pb.gz", "heap2.pb.gz", "heap2.pb.gz",
		                "heap2.pb.gz" };
	const double offsets[] = { 0, 15, 30, 45, 60 };
	assert_int_equal(growth_analyze(&host, &run, 5, files, offsets, 60, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	analyzer_test_near(
	        analyzer_test_metric(document, "growth.slope_bytes_per_second")->value.real, 0.0,
	        1e-9);
	assert_string_equal(metric_text(document, "growth.trend"), "plateau");
	assert_int_equal(
	        analyzer_test_metric(document, "growth.first_to_last_bytes")->value.integer,
	        HEAP2_INUSE_BYTES - HEAP_INUSE_BYTES);
	/* Equal snapshots: alloc_space did not move, the rate is 0 B/s. */
	analyzer_test_near(analyzer_test_double(analyzer_test_table(document, "growth.timeline"), 4,
	                                        "alloc_rate"),
	                   0.0, 1e-9);
	check_growers(analyzer_test_table(document, "growth.growers_peak"));
	check_growers(analyzer_test_table(document, "growth.growers_last"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_fit_widens_to_three_points(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "heap.pb.gz", "heap.pb.gz", "heap.pb.gz", "heap.pb.gz",
		                "heap2.pb.gz" };
	const double offsets[] = { 0, 15, 30, 45, 60 };
	assert_int_equal(growth_analyze(&host, &run, 5, files, offsets, 60, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	/* Least squares through (30, a), (45, a), (60, b) is (b - a) / 30. */
	analyzer_test_near(
	        analyzer_test_metric(document, "growth.slope_bytes_per_second")->value.real,
	        (double)(HEAP2_INUSE_BYTES - HEAP_INUSE_BYTES) / 30.0, 1e-6);
	assert_string_equal(metric_text(document, "growth.trend"), "steady-growth");
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_peak_in_the_middle_leaves_no_last_growers(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "heap.pb.gz", "heap2.pb.gz", "heap.pb.gz" };
	const double offsets[] = { 0, 15, 30 };
	assert_int_equal(growth_analyze(&host, &run, 3, files, offsets, 30, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	assert_int_equal(
	        analyzer_test_metric(document, "growth.first_to_peak_bytes")->value.integer,
	        HEAP2_INUSE_BYTES - HEAP_INUSE_BYTES);
	assert_int_equal(
	        analyzer_test_metric(document, "growth.first_to_last_bytes")->value.integer, 0);
	assert_string_equal(metric_text(document, "growth.trend"), "plateau");
	check_growers(analyzer_test_table(document, "growth.growers_peak"));
	/* TZ=UTC go tool pprof -symbolize=none -top -unit=B -sample_index=inuse_space \
	 *     -base=heap.pb.gz heap.pb.gz
	 *   Showing nodes accounting for 0, 0% of 0 total   (no rows) */
	assert_int_equal(analyzer_test_table(document, "growth.growers_last")->row_count, 0);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_a_restart_leaves_the_allocation_rate_empty(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	/* alloc_space only grows in one process; going down means a new one. */
	const char *files[] = { "heap2.pb.gz", "heap.pb.gz" };
	const double offsets[] = { 0, 15 };
	assert_int_equal(growth_analyze(&host, &run, 2, files, offsets, 30, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	const struct ep_report_table *timeline = analyzer_test_table(document, "growth.timeline");
	assert_int_equal(analyzer_test_cell(timeline, 1, "alloc_rate")->type, EP_VALUE_NONE);
	assert_int_equal(
	        analyzer_test_metric(document, "growth.first_to_peak_bytes")->value.integer, 0);
	assert_int_equal(
	        analyzer_test_metric(document, "growth.first_to_last_bytes")->value.integer,
	        HEAP_INUSE_BYTES - HEAP2_INUSE_BYTES);
	assert_string_equal(metric_text(document, "growth.trend"), "plateau");
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_one_snapshot_has_no_slope(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "heap.pb.gz" };
	const double offsets[] = { 0 };
	assert_int_equal(growth_analyze(&host, &run, 1, files, offsets, 10, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	assert_int_equal(
	        analyzer_test_metric(document, "growth.slope_bytes_per_second")->value.type,
	        EP_VALUE_NONE);
	assert_string_equal(metric_text(document, "growth.trend"), "plateau");
	assert_true(analyzer_test_note(document, "too little"));
	assert_int_equal(analyzer_test_table(document, "growth.growers_peak")->row_count, 0);
	assert_int_equal(host.max_live_profiles, 1);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

/* The case: a flat tail after the test and a pre-test point are
 * not part of the trend; with too few points in the window there is none. */
static void test_trend_uses_the_test_window_and_needs_enough_points(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "heap.pb.gz",  "heap.pb.gz",  "heap2.pb.gz",
		                "heap2.pb.gz", "heap2.pb.gz", "heap.pb.gz" };
	const double offsets[] = { 0, 10, 20, 30, 40, 60 };
	const struct ep_plugin_descriptor *descriptor = growth_plugin();
	analyzer_test_run_init(&run, "window", 6, files, NULL, offsets, 60);
	run.info.test_started_unix_ns = 1700000000000000000LL + 5000000000LL;
	run.info.test_ended_unix_ns = 1700000000000000000LL + 38000000000LL;
	analyzer_test_host_init(&host, descriptor);
	assert_int_equal(ep_mock_host_start(&host.mock), 0);
	assert_int_equal(ep_report_new("analysis", "window", "window", NULL, &report), 0);
	assert_int_equal(descriptor->analyzer->analyze(host.mock.state, &run.info, report), 0);
	ep_mock_host_stop(&host.mock);
	const struct ep_report_document *document = ep_report_document(report);
	/* In the window: 10, 20, 30 and 40 (38 + 5 s grace); 0 and 60 are out. */
	assert_int_equal(analyzer_test_metric(document, "growth.window_points")->value.integer, 4);
	assert_string_equal(metric_text(document, "growth.trend"), "plateau");
	ep_report_free(report);
	analyzer_test_run_free(&run);

	/* A window of 3 snapshots is too few for the default of 4. */
	analyzer_test_run_init(&run, "window", 6, files, NULL, offsets, 60);
	run.info.test_started_unix_ns = 1700000000000000000LL + 15000000000LL;
	run.info.test_ended_unix_ns = 1700000000000000000LL + 38000000000LL;
	analyzer_test_host_init(&host, descriptor);
	assert_int_equal(ep_mock_host_start(&host.mock), 0);
	assert_int_equal(ep_report_new("analysis", "window", "window", NULL, &report), 0);
	assert_int_equal(descriptor->analyzer->analyze(host.mock.state, &run.info, report), 0);
	ep_mock_host_stop(&host.mock);
	document = ep_report_document(report);
	assert_string_equal(metric_text(document, "growth.trend"), "too-few-points");
	assert_true(analyzer_test_note(document, "Only 3 heap snapshot(s) were taken while the "
	                                         "test ran; a trend needs at least 4"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_no_heap_snapshot_is_an_error(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { NULL };
	const double offsets[] = { 0 };
	assert_int_equal(growth_analyze(&host, &run, 1, files, offsets, 10, NULL, &report),
	                 -ENODATA);
	assert_true(ep_mock_host_logged(&host.mock, "skipping heap0.pprof"));
	assert_true(ep_mock_host_logged(&host.mock, "no usable heap snapshot"));
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
		files[i] = i % 3 == 1 ? "heap2.pb.gz" : "heap.pb.gz";
		offsets[i] = 15.0 * (double)i;
	}
	assert_int_equal(
	        growth_analyze(&host, &run, COUNT, files, offsets, 15.0 * COUNT, NULL, &report), 0);
	assert_int_equal(
	        analyzer_test_table(ep_report_document(report), "growth.timeline")->row_count,
	        COUNT);
	/* Each snapshot once for the totals, then first, peak and last. */
	assert_int_equal(host.loads, COUNT + 3);
	assert_int_equal(host.max_live_profiles, 2);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_compare_overlays_both_runs_and_gates_on_slope(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run a, b;
	struct ep_report *report;
	const char *a_files[] = { "heap.pb.gz", "heap2.pb.gz" };
	const char *b_files[] = { "heap.pb.gz", "heap2.pb.gz", "heap.pb.gz" };
	const double offsets[] = { 0, 15, 30 };
	analyzer_test_run_init(&a, "before", 2, a_files, NULL, offsets, 30);
	analyzer_test_run_init(&b, "after", 3, b_files, NULL, offsets, 30);
	const struct ep_plugin_descriptor *descriptor = growth_plugin();
	assert_non_null(descriptor->analyzer->compare);
	analyzer_test_host_init(&host, descriptor);
	assert_int_equal(ep_mock_host_start(&host.mock), 0);
	assert_int_equal(ep_report_new("comparison", "before vs after", "before", "after", &report),
	                 0);
	assert_int_equal(descriptor->analyzer->compare(host.mock.state, &a.info, &b.info, report),
	                 0);
	ep_mock_host_stop(&host.mock);
	assert_int_equal(host.mock.live_profiles, 0);
	assert_int_equal(host.max_live_profiles, 1);

	const struct ep_report_document *document = ep_report_document(report);
	const struct ep_report_section *section = analyzer_test_section(document, "growth");
	const struct ep_report_series *first = NULL, *second = NULL, *peak = NULL;
	for (size_t i = 0; i < section->item_count; i++) {
		if (section->items[i].kind != EP_REPORT_SERIES)
			continue;
		const struct ep_report_series *series = section->items[i].u.series;
		if (strcmp(series->id, "growth.inuse.a") == 0)
			first = series;
		else if (strcmp(series->id, "growth.inuse.b") == 0)
			second = series;
		else if (strcmp(series->id, "growth.inuse.b.peak") == 0)
			peak = series;
	}
	/* The peak of each run is marked on the same chart, a one-point series. */
	assert_non_null(peak);
	assert_string_equal(peak->chart, "inuse");
	assert_int_equal(peak->point_count, 1);
	assert_non_null(strstr(peak->title, "after peak (heap"));
	assert_non_null(first);
	assert_non_null(second);
	assert_string_equal(first->title, "before");
	assert_string_equal(first->chart, "inuse");
	assert_int_equal(first->point_count, 2);
	assert_string_equal(second->title, "after");
	assert_string_equal(second->chart, "inuse");
	assert_int_equal(second->point_count, 3);

	const struct ep_report_comparison *slope =
	        analyzer_test_comparison(document, "growth.slope");
	assert_string_equal(slope->unit, EP_UNIT_BYTES_PER_SECOND);
	analyzer_test_near(slope->a.real, (double)(HEAP2_INUSE_BYTES - HEAP_INUSE_BYTES) / 15.0,
	                   1e-6);
	analyzer_test_near(slope->b.real, 0.0, 1e-9);
	ep_report_free(report);
	analyzer_test_run_free(&b);
	analyzer_test_run_free(&a);
}

static void test_bad_settings_fail_init(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	analyzer_test_host_init(&host, growth_plugin());
	ep_mock_host_set(&host.mock, "growth_threshold_percent", "-5");
	assert_int_equal(ep_mock_host_start(&host.mock), -EINVAL);
	assert_true(ep_mock_host_logged(&host.mock, "growth_threshold_percent"));

	analyzer_test_host_init(&host, growth_plugin());
	ep_mock_host_set(&host.mock, "top", "-1");
	assert_int_equal(ep_mock_host_start(&host.mock), -EINVAL);
	assert_true(ep_mock_host_logged(&host.mock, "top"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_snapshots_timeline_series_and_growers),
		cmocka_unit_test(test_threshold_decides_between_growth_and_plateau),
		cmocka_unit_test(test_flat_end_is_a_plateau_and_last_growers_are_from_the_end),
		cmocka_unit_test(test_fit_widens_to_three_points),
		cmocka_unit_test(test_peak_in_the_middle_leaves_no_last_growers),
		cmocka_unit_test(test_a_restart_leaves_the_allocation_rate_empty),
		cmocka_unit_test(test_one_snapshot_has_no_slope),
		cmocka_unit_test(test_no_heap_snapshot_is_an_error),
		cmocka_unit_test(test_memory_stays_bounded_with_many_snapshots),
		cmocka_unit_test(test_compare_overlays_both_runs_and_gates_on_slope),
		cmocka_unit_test(test_trend_uses_the_test_window_and_needs_enough_points),
		cmocka_unit_test(test_bad_settings_fail_init),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
