/* The cpu analyzer against the mock host, on the committed real CPU profile
 * tests/pprof/data/cpu.pb.gz (a Go program burning CPU in main.spinMul,
 * main.sortish and main.fib). Every expected number below was produced by
 * Debian's `go tool pprof` (Go 1.19.8) in tests/pprof/data with the
 * command written beside it; -unit=ns makes pprof print exact nanoseconds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer_test.h"

/* One row of `go tool pprof -top`, percentages as pprof prints them. */
struct expected_row {
	const char *name;
	long long flat;
	double flat_percent, sum_percent;
	long long cum;
	double cum_percent;
};

/* TZ=UTC go tool pprof -symbolize=none -top -unit=ns cpu.pb.gz
 *   Duration: 1.61s, Total samples = 1510000000ns (94.07%)
 *   Showing nodes accounting for 1510000000ns, 100% of 1510000000ns total
 * (16 rows, none dropped: the cut-off is 7550000ns.) */
static const struct expected_row cpu_top[] = {
	{ "main.spinMul", 1190000000, 78.81, 78.81, 1190000000, 78.81 },
	{ "main.sortish", 230000000, 15.23, 94.04, 240000000, 15.89 },
	{ "main.fib", 80000000, 5.30, 99.34, 80000000, 5.30 },
	{ "runtime.(*mheap).allocSpan", 10000000, 0.66, 100, 10000000, 0.66 },
	{ "main.burnCPU", 0, 0, 100, 1510000000, 100 },
	{ "main.main", 0, 0, 100, 1510000000, 100 },
	{ "runtime.(*mcache).nextFree", 0, 0, 100, 10000000, 0.66 },
	{ "runtime.(*mcache).refill", 0, 0, 100, 10000000, 0.66 },
	{ "runtime.(*mcentral).cacheSpan", 0, 0, 100, 10000000, 0.66 },
	{ "runtime.(*mcentral).grow", 0, 0, 100, 10000000, 0.66 },
	{ "runtime.(*mheap).alloc", 0, 0, 100, 10000000, 0.66 },
	{ "runtime.(*mheap).alloc.func1", 0, 0, 100, 10000000, 0.66 },
	{ "runtime.main", 0, 0, 100, 1510000000, 100 },
	{ "runtime.makeslice", 0, 0, 100, 10000000, 0.66 },
	{ "runtime.mallocgc", 0, 0, 100, 10000000, 0.66 },
	{ "runtime.systemstack", 0, 0, 100, 10000000, 0.66 },
};
#define CPU_ROWS        (sizeof(cpu_top) / sizeof(cpu_top[0]))
#define CPU_TOTAL_NANOS 1510000000LL
/* duration_nanos (field 10) of cpu.pb.gz; pprof prints it as "Duration:
 * 1.61s" and the utilization as "(94.07%)" of it. */
#define CPU_DURATION_NANOS 1605196283LL

/* Categories and what -focus says of them:
 *   TZ=UTC go tool pprof -symbolize=none -top -unit=ns -nodefraction=0 -focus='REGEX' cpu.pb.gz */
static const struct {
	const char *section, *name, *display_name, *pattern;
	long long nanos;
} configured[] = {
	/* -focus='spinMul': Showing nodes accounting for 1190000000ns, 78.81% of 1510000000ns total
	 */
	{ "category.spin", "spin", "Spinning", "spinMul", 1190000000 },
	/* -focus='sortish|main\.fib': Showing nodes accounting for 320000000ns, 21.19% of ... */
	{ "category.work", "work", "Work", "sortish\nmain\\.fib", 320000000 },
	/* -focus='mallocgc': Showing nodes accounting for 10000000ns, 0.66% of ...; these
	 * samples are under main.sortish, so they count in "work" too. */
	{ "category.alloc", "alloc", "Allocation", "mallocgc", 10000000 },
};
#define CATEGORY_COUNT (sizeof(configured) / sizeof(configured[0]))
/* -ignore='spinMul|sortish|main\.fib|mallocgc': Showing nodes accounting for 0, 0% of ... */
#define UNCATEGORIZED_NANOS 0LL

static const char *const cpu_kinds[ANALYZER_TEST_MAX_SNAPSHOTS] = { "cpu", "cpu", "cpu", "cpu" };
static const double offsets[] = { 0, 15, 30, 45 };

static const struct ep_plugin_descriptor *cpu_plugin(void)
{
	return analyzer_test_load("EP_TEST_CPU_PLUGIN");
}

static void configure(struct analyzer_test_host *host)
{
	for (size_t i = 0; i < CATEGORY_COUNT; i++) {
		ep_mock_host_set_in(&host->mock, configured[i].section, "display_name",
		                    configured[i].display_name);
		ep_mock_host_set_in(&host->mock, configured[i].section, "pattern",
		                    configured[i].pattern);
	}
}

/* Analyzes files (CPU snapshots unless kinds says otherwise) with the host
 * already initialized and configured; returns analyze's result. */
static int cpu_analyze(struct analyzer_test_host *host, struct analyzer_test_run *run, size_t count,
                       const char *const *files, const char *const *kinds,
                       struct ep_report **report)
{
	analyzer_test_run_init(run, "run", count, files, kinds != NULL ? kinds : cpu_kinds, offsets,
	                       15.0 * (double)count);
	assert_int_equal(ep_mock_host_start(&host->mock), 0);
	assert_int_equal(ep_report_new("analysis", "run", "run", NULL, report), 0);
	int rc = host->mock.descriptor->analyzer->analyze(host->mock.state, &run->info, *report);
	ep_mock_host_stop(&host->mock);
	assert_int_equal(host->mock.live_profiles, 0);
	return rc;
}

static double metric_number(const struct ep_report_document *document, const char *id,
                            const char *unit)
{
	const struct ep_report_metric *metric = analyzer_test_metric(document, id);
	assert_string_equal(metric->unit, unit);
	assert_true(metric->value.type == EP_VALUE_INT || metric->value.type == EP_VALUE_DOUBLE);
	return metric->value.type == EP_VALUE_INT ? (double)metric->value.integer
	                                          : metric->value.real;
}

/* Checks cpu.top against pprof's rows, every value times scale. */
static void check_top(const struct ep_report_table *table, size_t rows, long long scale)
{
	assert_int_equal(table->row_count, rows);
	for (size_t i = 0; i < rows; i++) {
		const struct expected_row *row = &cpu_top[i];
		assert_string_equal(analyzer_test_text(table, i, "function"), row->name);
		assert_int_equal(analyzer_test_int(table, i, "flat"), row->flat * scale);
		assert_int_equal(analyzer_test_int(table, i, "cum"), row->cum * scale);
		/* pprof prints two decimals (%.2g below 1%). */
		analyzer_test_near(analyzer_test_double(table, i, "flat_percent"),
		                   row->flat_percent, 0.005);
		analyzer_test_near(analyzer_test_double(table, i, "sum_percent"), row->sum_percent,
		                   0.005);
		analyzer_test_near(analyzer_test_double(table, i, "cum_percent"), row->cum_percent,
		                   0.005);
	}
	assert_string_equal(table->columns[1].unit, EP_UNIT_NANOSECONDS);
}

static void test_one_profile_matches_pprof_top(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, cpu_plugin());
	const char *files[] = { "cpu.pb.gz" };
	assert_int_equal(cpu_analyze(&host, &run, 1, files, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	analyzer_test_section(document, "cpu");

	analyzer_test_near(metric_number(document, "cpu.total_nanoseconds", EP_UNIT_NANOSECONDS),
	                   (double)CPU_TOTAL_NANOS, 0);
	analyzer_test_near(metric_number(document, "cpu.profiles", EP_UNIT_COUNT), 1, 0);
	analyzer_test_near(metric_number(document, "cpu.profiled_seconds", EP_UNIT_SECONDS),
	                   1.605196283, 1e-12);
	double utilization = metric_number(document, "cpu.utilization_percent", EP_UNIT_PERCENT);
	analyzer_test_near(utilization, (double)CPU_TOTAL_NANOS / CPU_DURATION_NANOS * 100, 1e-9);
	analyzer_test_near(utilization, 94.07, 0.005); /* pprof: "(94.07%)" */

	check_top(analyzer_test_table(document, "cpu.top"), CPU_ROWS, 1);
	assert_int_equal(host.max_live_profiles, 1);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_two_profiles_double_the_totals_not_the_shares(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, cpu_plugin());
	const char *files[] = { "cpu.pb.gz", "cpu.pb.gz" };
	assert_int_equal(cpu_analyze(&host, &run, 2, files, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	analyzer_test_near(metric_number(document, "cpu.total_nanoseconds", EP_UNIT_NANOSECONDS),
	                   2.0 * CPU_TOTAL_NANOS, 0);
	analyzer_test_near(metric_number(document, "cpu.profiles", EP_UNIT_COUNT), 2, 0);
	analyzer_test_near(metric_number(document, "cpu.profiled_seconds", EP_UNIT_SECONDS),
	                   2 * 1.605196283, 1e-12);
	/* Twice the CPU time over twice the wall time. */
	analyzer_test_near(metric_number(document, "cpu.utilization_percent", EP_UNIT_PERCENT),
	                   (double)CPU_TOTAL_NANOS / CPU_DURATION_NANOS * 100, 1e-9);
	/* Same order and percentages, values doubled. */
	check_top(analyzer_test_table(document, "cpu.top"), CPU_ROWS, 2);
	assert_int_equal(host.loads, 2);
	assert_int_equal(host.max_live_profiles, 1);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_top_limits_the_rows(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, cpu_plugin());
	ep_mock_host_set(&host.mock, "top", "3");
	const char *files[] = { "cpu.pb.gz" };
	assert_int_equal(cpu_analyze(&host, &run, 1, files, NULL, &report), 0);
	check_top(analyzer_test_table(ep_report_document(report), "cpu.top"), 3, 1);
	ep_report_free(report);
	analyzer_test_run_free(&run);

	analyzer_test_host_init(&host, cpu_plugin());
	ep_mock_host_set(&host.mock, "top", "0");
	assert_int_equal(ep_mock_host_start(&host.mock), -EINVAL);
}

static void test_categories_match_pprof_focus(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, cpu_plugin());
	configure(&host);
	const char *files[] = { "cpu.pb.gz", "cpu.pb.gz" };
	assert_int_equal(cpu_analyze(&host, &run, 2, files, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	const struct ep_report_table *table = analyzer_test_table(document, "cpu.categories");
	assert_int_equal(table->row_count, CATEGORY_COUNT + 1);
	double share_sum = 0;
	for (size_t i = 0; i <= CATEGORY_COUNT; i++) {
		bool rest = i == CATEGORY_COUNT;
		const char *name = rest ? "uncategorized" : configured[i].name;
		long long nanos = 2 * (rest ? UNCATEGORIZED_NANOS : configured[i].nanos);
		double share = (double)nanos / (2.0 * CPU_TOTAL_NANOS) * 100;
		assert_string_equal(analyzer_test_text(table, i, "name"), name);
		assert_string_equal(analyzer_test_text(table, i, "category"),
		                    rest ? "Uncategorized" : configured[i].display_name);
		assert_int_equal(analyzer_test_int(table, i, "cpu_nanoseconds"), nanos);
		analyzer_test_near(analyzer_test_double(table, i, "share_percent"), share, 1e-9);

		char id[128];
		snprintf(id, sizeof(id), "cpu.category.%s.nanoseconds", name);
		analyzer_test_near(metric_number(document, id, EP_UNIT_NANOSECONDS), (double)nanos,
		                   0);
		snprintf(id, sizeof(id), "cpu.category.%s.share_percent", name);
		analyzer_test_near(metric_number(document, id, EP_UNIT_PERCENT), share, 1e-9);
		share_sum += share;
	}
	/* pprof's rounding: 78.81% and 21.19%. */
	analyzer_test_near(analyzer_test_double(table, 0, "share_percent"), 78.81, 0.005);
	analyzer_test_near(analyzer_test_double(table, 1, "share_percent"), 21.19, 0.005);
	/* main.sortish's allocation counts in "work" and "alloc". */
	assert_true(share_sum > 100.0);
	assert_true(analyzer_test_note(document, "more than 100%"));
	assert_false(analyzer_test_note(document, "built-in"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_builtin_categories_when_none_configured(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, cpu_plugin());
	const char *files[] = { "cpu.pb.gz" };
	assert_int_equal(cpu_analyze(&host, &run, 1, files, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	const struct ep_report_table *table = analyzer_test_table(document, "cpu.categories");
	static const char *const names[] = { "openapi",   "json",       "dynamic",
		                             "informers", "reflection", "uncategorized" };
	assert_int_equal(table->row_count, 6);
	/* Every built-in pattern joined, as in test_category.c:
	 *   -focus='openapi|OpenAPI|...|^reflect\.|reflect\.' cpu.pb.gz
	 *   Focus expression matched no samples */
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(analyzer_test_text(table, i, "name"), names[i]);
		assert_int_equal(analyzer_test_int(table, i, "cpu_nanoseconds"),
		                 i < 5 ? 0 : CPU_TOTAL_NANOS);
	}
	analyzer_test_near(
	        metric_number(document, "cpu.category.json.share_percent", EP_UNIT_PERCENT), 0, 0);
	assert_true(analyzer_test_note(document, "built-in"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_a_bad_category_fails_init(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	analyzer_test_host_init(&host, cpu_plugin());
	ep_mock_host_set_in(&host.mock, "category.broken", "pattern", "(unclosed");
	assert_int_equal(ep_mock_host_start(&host.mock), -EINVAL);
	assert_true(ep_mock_host_logged(&host.mock, "[category.broken]"));
}

static void test_a_non_cpu_profile_is_skipped(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, cpu_plugin());
	/* A heap profile and a missing file recorded as CPU snapshots. */
	const char *files[] = { "heap.pb.gz", "cpu.pb.gz", NULL };
	assert_int_equal(cpu_analyze(&host, &run, 3, files, NULL, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	analyzer_test_near(metric_number(document, "cpu.profiles", EP_UNIT_COUNT), 1, 0);
	analyzer_test_near(metric_number(document, "cpu.total_nanoseconds", EP_UNIT_NANOSECONDS),
	                   (double)CPU_TOTAL_NANOS, 0);
	assert_true(ep_mock_host_logged(&host.mock, "skipping cpu0.pprof"));
	assert_true(ep_mock_host_logged(&host.mock, "not a Go CPU profile"));
	assert_true(ep_mock_host_logged(&host.mock, "skipping cpu2.pprof"));
	assert_true(analyzer_test_note(document, "2 CPU snapshot(s) could not be read"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_a_run_without_cpu_profiles_adds_nothing(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, cpu_plugin());
	const char *files[] = { "heap.pb.gz", "goroutine.pb.gz" };
	const char *kinds[] = { "heap", "goroutine" };
	assert_int_equal(cpu_analyze(&host, &run, 2, files, kinds, &report), 0);
	assert_int_equal(ep_report_document(report)->section_count, 0);
	assert_int_equal(host.loads, 0);
	assert_true(ep_mock_host_logged(&host.mock, "no usable cpu snapshot"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_compare_gates_on_utilization_total_and_categories(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run a, b, none;
	struct ep_report *report;
	const struct ep_plugin_descriptor *descriptor = cpu_plugin();
	assert_non_null(descriptor->analyzer->compare);
	const char *a_files[] = { "cpu.pb.gz" };
	const char *b_files[] = { "cpu.pb.gz", "cpu.pb.gz" };
	const char *heap_only[] = { "heap.pb.gz" };
	analyzer_test_run_init(&a, "before", 1, a_files, cpu_kinds, offsets, 15);
	analyzer_test_run_init(&b, "after", 2, b_files, cpu_kinds, offsets, 30);
	analyzer_test_run_init(&none, "heaponly", 1, heap_only, NULL, offsets, 15);
	analyzer_test_host_init(&host, descriptor);
	configure(&host);
	assert_int_equal(ep_mock_host_start(&host.mock), 0);

	assert_int_equal(ep_report_new("comparison", "before vs after", "before", "after", &report),
	                 0);
	assert_int_equal(descriptor->analyzer->compare(host.mock.state, &a.info, &b.info, report),
	                 0);
	const struct ep_report_document *document = ep_report_document(report);
	double utilization = (double)CPU_TOTAL_NANOS / CPU_DURATION_NANOS * 100;
	const struct ep_report_comparison *cpu = analyzer_test_comparison(document, "cpu");
	assert_string_equal(cpu->unit, EP_UNIT_PERCENT);
	analyzer_test_near(cpu->a.real, utilization, 1e-9);
	analyzer_test_near(cpu->b.real, utilization, 1e-9);
	const struct ep_report_comparison *total = analyzer_test_comparison(document, "cpu.total");
	assert_string_equal(total->unit, EP_UNIT_NANOSECONDS);
	assert_int_equal(total->a.integer, CPU_TOTAL_NANOS);
	assert_int_equal(total->b.integer, 2 * CPU_TOTAL_NANOS);
	for (size_t i = 0; i <= CATEGORY_COUNT; i++) {
		bool rest = i == CATEGORY_COUNT;
		char id[64];
		snprintf(id, sizeof(id), "cpu.category.%s",
		         rest ? "uncategorized" : configured[i].name);
		const struct ep_report_comparison *category =
		        analyzer_test_comparison(document, id);
		double share = (double)(rest ? UNCATEGORIZED_NANOS : configured[i].nanos) /
		               CPU_TOTAL_NANOS * 100;
		assert_string_equal(category->unit, EP_UNIT_PERCENT);
		analyzer_test_near(category->a.real, share, 1e-9);
		analyzer_test_near(category->b.real, share, 1e-9);
	}
	ep_report_free(report);

	/* A run without CPU profiles has no value, not zero. */
	assert_int_equal(ep_report_new("comparison", "x", "heaponly", "after", &report), 0);
	assert_int_equal(
	        descriptor->analyzer->compare(host.mock.state, &none.info, &b.info, report), 0);
	document = ep_report_document(report);
	assert_int_equal(analyzer_test_comparison(document, "cpu")->a.type, EP_VALUE_NONE);
	assert_int_equal(analyzer_test_comparison(document, "cpu.total")->a.type, EP_VALUE_NONE);
	assert_int_equal(analyzer_test_comparison(document, "cpu.total")->b.integer,
	                 2 * CPU_TOTAL_NANOS);
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
		cmocka_unit_test(test_one_profile_matches_pprof_top),
		cmocka_unit_test(test_two_profiles_double_the_totals_not_the_shares),
		cmocka_unit_test(test_top_limits_the_rows),
		cmocka_unit_test(test_categories_match_pprof_focus),
		cmocka_unit_test(test_builtin_categories_when_none_configured),
		cmocka_unit_test(test_a_bad_category_fails_init),
		cmocka_unit_test(test_a_non_cpu_profile_is_skipped),
		cmocka_unit_test(test_a_run_without_cpu_profiles_adds_nothing),
		cmocka_unit_test(test_compare_gates_on_utilization_total_and_categories),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
