/* The category analyzer against the mock host, on the committed real
 * profiles heap.pb.gz (first snapshot) and heap2.pb.gz (the peak). A
 * category must select exactly the samples `go tool pprof -focus=REGEX`
 * keeps, so every expected number below is pprof's, from the command
 * written beside it, run in tests/pprof/data with Debian's Go 1.19.8:
 *
 *   TZ=UTC go tool pprof -symbolize=none -top -unit=B -nodefraction=0 \
 *       -sample_index=inuse_space -focus='REGEX' FILE
 *
 * -nodefraction=0 keeps every node, so "Showing nodes accounting for X"
 * is the sum of the focused samples; -unit=B prints exact bytes. The
 * patterns of one category are joined with '|' for -focus, and the
 * uncategorized rest is -ignore='ALL|PATTERNS' instead of -focus. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer_test.h"

/* Peak (heap2.pb.gz) total: "... of 1357944B total". */
#define PEAK_TOTAL 1357944LL

/* The categories of the configured tests and what pprof says of them. */
static const struct {
	const char *section, *name, *display_name, *pattern;
	long long at_first, at_peak;
} configured[] = {
	/* -focus='newBuf': function name of an inlined line
	 *   heap.pb.gz:  Showing nodes accounting for 204800B, 64.00% of 320008B total
	 *   heap2.pb.gz: Showing nodes accounting for 827392B, 60.93% of 1357944B total */
	{ "category.buffers", "buffers", "Buffers", "newBuf", 204800, 827392 },
	/* -focus='main\.recurse|mapBuilder': two patterns
	 *   heap.pb.gz:  Showing nodes accounting for 107744B, 33.67% of 320008B total
	 *   heap2.pb.gz: Showing nodes accounting for 500296B, 36.84% of 1357944B total */
	{ "category.work", "work", "Work", "main\\.recurse\nmapBuilder", 107744, 500296 },
	/* -focus='^fmt\.': fmt.Sprintf is called by main.mapBuilder, so these
	 * samples count in "work" too.
	 *   heap.pb.gz:  Showing nodes accounting for 3224B, 1.01% of 320008B total
	 *   heap2.pb.gz: Showing nodes accounting for 5240B, 0.39% of 1357944B total */
	{ "category.formatting", "formatting", "Formatting", "^fmt\\.", 3224, 5240 },
	/* -focus='crc32_generic\.go': matches a source file name only
	 *   heap.pb.gz:  Focus expression matched no samples
	 *   heap2.pb.gz: Showing nodes accounting for 8192B, 0.6% of 1357944B total */
	{ "category.crc", "crc", "CRC tables", "crc32_generic\\.go", 0, 8192 },
};
/* -ignore='newBuf|main\.recurse|mapBuilder|^fmt\.|crc32_generic\.go' (instead of -focus)
 *   heap.pb.gz:  Showing nodes accounting for 7464B, 2.33% of 320008B total
 *   heap2.pb.gz: Showing nodes accounting for 22064B, 1.62% of 1357944B total */
#define UNCATEGORIZED_AT_FIRST 7464LL
#define UNCATEGORIZED_AT_PEAK  22064LL

static const struct ep_plugin_descriptor *category_plugin(void)
{
	return analyzer_test_load("EP_TEST_CATEGORY_PLUGIN");
}

static void configure(struct analyzer_test_host *host)
{
	for (size_t i = 0; i < sizeof(configured) / sizeof(configured[0]); i++) {
		ep_mock_host_set_in(&host->mock, configured[i].section, "display_name",
		                    configured[i].display_name);
		ep_mock_host_set_in(&host->mock, configured[i].section, "pattern",
		                    configured[i].pattern);
	}
}

/* Analyzes files (first at 0 s, next at 15 s, ...) with the host already
 * initialized and configured; returns analyze's result. */
static int category_analyze(struct analyzer_test_host *host, struct analyzer_test_run *run,
                            size_t count, const char *const *files, struct ep_report **report)
{
	const struct ep_plugin_descriptor *descriptor = host->mock.descriptor;
	double offsets[ANALYZER_TEST_MAX_SNAPSHOTS];
	for (size_t i = 0; i < count; i++)
		offsets[i] = 15.0 * (double)i;
	analyzer_test_run_init(run, "run", count, files, NULL, offsets, 15.0 * (double)count);
	assert_int_equal(ep_mock_host_start(&host->mock), 0);
	assert_int_equal(ep_report_new("analysis", "run", "run", NULL, report), 0);
	int rc = descriptor->analyzer->analyze(host->mock.state, &run->info, *report);
	ep_mock_host_stop(&host->mock);
	assert_int_equal(host->mock.live_profiles, 0);
	return rc;
}

/* The value of metric category.NAME.FIELD as a number. */
static double metric_number(const struct ep_report_document *document, const char *name,
                            const char *field)
{
	char id[128];
	snprintf(id, sizeof(id), "category.%s.%s", name, field);
	const struct ep_report_metric *metric = analyzer_test_metric(document, id);
	return metric->value.type == EP_VALUE_INT ? (double)metric->value.integer
	                                          : metric->value.real;
}

static void test_configured_categories_match_pprof_focus(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, category_plugin());
	configure(&host);
	const char *files[] = { "heap.pb.gz", "heap2.pb.gz" };
	assert_int_equal(category_analyze(&host, &run, 2, files, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	analyzer_test_section(document, "category");

	const struct ep_report_table *table = analyzer_test_table(document, "category.categories");
	size_t count = sizeof(configured) / sizeof(configured[0]);
	assert_int_equal(table->row_count, count + 1);
	double share_sum = 0;
	for (size_t i = 0; i < count; i++) {
		long long growth = configured[i].at_peak - configured[i].at_first;
		double share = (double)configured[i].at_peak / (double)PEAK_TOTAL * 100.0;
		assert_string_equal(analyzer_test_text(table, i, "category"),
		                    configured[i].display_name);
		assert_string_equal(analyzer_test_text(table, i, "name"), configured[i].name);
		assert_int_equal(analyzer_test_int(table, i, "inuse_bytes"), configured[i].at_peak);
		analyzer_test_near(analyzer_test_double(table, i, "share_percent"), share, 1e-9);
		assert_int_equal(analyzer_test_int(table, i, "growth_bytes"), growth);

		const char *name = configured[i].name;
		analyzer_test_near(metric_number(document, name, "inuse_bytes"),
		                   (double)configured[i].at_peak, 0);
		analyzer_test_near(metric_number(document, name, "share_percent"), share, 1e-9);
		analyzer_test_near(metric_number(document, name, "growth_bytes"), (double)growth,
		                   0);
		share_sum += share;
	}
	/* pprof's rounding of the buffers share: 60.93%. */
	analyzer_test_near(analyzer_test_double(table, 0, "share_percent"), 60.93, 0.005);

	assert_string_equal(analyzer_test_text(table, count, "name"), "uncategorized");
	assert_int_equal(analyzer_test_int(table, count, "inuse_bytes"), UNCATEGORIZED_AT_PEAK);
	assert_int_equal(analyzer_test_int(table, count, "growth_bytes"),
	                 UNCATEGORIZED_AT_PEAK - UNCATEGORIZED_AT_FIRST);
	analyzer_test_near(metric_number(document, "uncategorized", "inuse_bytes"),
	                   (double)UNCATEGORIZED_AT_PEAK, 0);
	share_sum += (double)UNCATEGORIZED_AT_PEAK / (double)PEAK_TOTAL * 100.0;

	/* fmt.Sprintf's bytes count in "work" and "formatting": the shares
	 * add up to more than 100%, and the note says so. */
	assert_true(share_sum > 100.0);
	assert_true(analyzer_test_note(document, "more than 100%"));
	assert_true(analyzer_test_note(document, "heap1.pprof"));
	assert_false(analyzer_test_note(document, "built-in"));
	/* First, then peak: one profile at a time. */
	assert_int_equal(host.max_live_profiles, 1);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_a_mapping_file_matches_like_pprof(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, category_plugin());
	/* -focus='realprof$' matches only the mapping /tmp/realprof (the
	 * source files end in .go): every sample.
	 *   heap2.pb.gz: Showing nodes accounting for 1357944B, 100% of 1357944B total
	 *   heap.pb.gz:  Showing nodes accounting for 320008B, 100% of 320008B total */
	ep_mock_host_set_in(&host.mock, "category.binary", "pattern", "realprof$");
	const char *files[] = { "heap.pb.gz", "heap2.pb.gz" };
	assert_int_equal(category_analyze(&host, &run, 2, files, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	const struct ep_report_table *table = analyzer_test_table(document, "category.categories");
	assert_int_equal(table->row_count, 2);
	/* No display_name: the section name stands in. */
	assert_string_equal(analyzer_test_text(table, 0, "category"), "binary");
	assert_int_equal(analyzer_test_int(table, 0, "inuse_bytes"), PEAK_TOTAL);
	assert_int_equal(analyzer_test_int(table, 0, "growth_bytes"), PEAK_TOTAL - 320008);
	analyzer_test_near(analyzer_test_double(table, 0, "share_percent"), 100.0, 1e-9);
	assert_int_equal(analyzer_test_int(table, 1, "inuse_bytes"), 0);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_builtin_categories_when_none_configured(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, category_plugin());
	const char *files[] = { "heap.pb.gz", "heap2.pb.gz" };
	assert_int_equal(category_analyze(&host, &run, 2, files, &report), 0);
	const struct ep_report_document *document = ep_report_document(report);
	const struct ep_report_table *table = analyzer_test_table(document, "category.categories");
	static const char *const names[] = { "openapi",   "json",       "dynamic",
		                             "informers", "reflection", "uncategorized" };
	static const char *const displays[] = { "OpenAPI",        "JSON decoding",
		                                "Dynamic client", "Informers/cache",
		                                "Reflection",     "Uncategorized" };
	assert_int_equal(table->row_count, 6);
	/* This test program uses none of them; every built-in pattern joined:
	 *   -focus='openapi|OpenAPI|k8s\.io/kube-openapi|discovery|encoding/json|
	 *   sigs\.k8s\.io/json|json-iterator|k8s\.io/apimachinery/pkg/util/json|
	 *   k8s\.io/client-go/dynamic|unstructured|k8s\.io/client-go/tools/cache|informer|
	 *   Informer|controller-runtime/pkg/cache|^reflect\.|reflect\.' heap2.pb.gz
	 *   Focus expression matched no samples */
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(analyzer_test_text(table, i, "name"), names[i]);
		assert_string_equal(analyzer_test_text(table, i, "category"), displays[i]);
		assert_int_equal(analyzer_test_int(table, i, "inuse_bytes"),
		                 i < 5 ? 0 : PEAK_TOTAL);
	}
	/* The ids the built-in recommendation rules read. */
	analyzer_test_near(metric_number(document, "json", "share_percent"), 0, 0);
	analyzer_test_near(metric_number(document, "openapi", "share_percent"), 0, 0);
	assert_true(analyzer_test_note(document, "built-in"));
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_builtin_categories_can_be_turned_off(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, category_plugin());
	ep_mock_host_set(&host.mock, "builtin_categories", "false");
	const char *files[] = { "heap2.pb.gz" };
	assert_int_equal(category_analyze(&host, &run, 1, files, &report), 0);
	const struct ep_report_table *table =
	        analyzer_test_table(ep_report_document(report), "category.categories");
	assert_int_equal(table->row_count, 1);
	assert_string_equal(analyzer_test_text(table, 0, "name"), "uncategorized");
	assert_int_equal(analyzer_test_int(table, 0, "inuse_bytes"), PEAK_TOTAL);
	/* One snapshot: it is both the first and the peak. */
	assert_int_equal(analyzer_test_int(table, 0, "growth_bytes"), 0);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_a_bad_regex_fails_init_naming_the_section(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	analyzer_test_host_init(&host, category_plugin());
	ep_mock_host_set_in(&host.mock, "category.good", "pattern", "fine");
	ep_mock_host_set_in(&host.mock, "category.broken", "pattern", "ok\n(unclosed");
	assert_int_equal(ep_mock_host_start(&host.mock), -EINVAL);
	assert_true(ep_mock_host_logged(&host.mock, "[category.broken] pattern"));
	assert_true(ep_mock_host_logged(&host.mock, "'(unclosed'"));
	assert_true(ep_mock_host_logged(&host.mock, "missing closing parenthesis at offset 9"));
}

static void test_bad_sections_fail_init(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	analyzer_test_host_init(&host, category_plugin());
	ep_mock_host_set_in(&host.mock, "category.empty", "display_name", "No patterns");
	assert_int_equal(ep_mock_host_start(&host.mock), -EINVAL);
	assert_true(ep_mock_host_logged(&host.mock, "[category.empty]: no pattern"));

	analyzer_test_host_init(&host, category_plugin());
	ep_mock_host_set_in(&host.mock, "category.uncategorized", "pattern", "x");
	assert_int_equal(ep_mock_host_start(&host.mock), -EINVAL);
	assert_true(ep_mock_host_logged(&host.mock, "reserved"));

	analyzer_test_host_init(&host, category_plugin());
	ep_mock_host_set_in(&host.mock, "category.a>b", "pattern", "x");
	assert_int_equal(ep_mock_host_start(&host.mock), -EINVAL);
	assert_true(ep_mock_host_logged(&host.mock, "[category.a>b]"));
}

static void test_no_heap_snapshot_is_an_error(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	analyzer_test_host_init(&host, category_plugin());
	const char *files[] = { "cpu.pb.gz" };
	const char *kinds[] = { "cpu" };
	const double offsets[] = { 0 };
	analyzer_test_run_init(&run, "cpuonly", 1, files, kinds, offsets, 10);
	assert_int_equal(ep_mock_host_start(&host.mock), 0);
	assert_int_equal(ep_report_new("analysis", "cpuonly", "cpuonly", NULL, &report), 0);
	assert_int_equal(
	        host.mock.descriptor->analyzer->analyze(host.mock.state, &run.info, report),
	        -ENODATA);
	ep_mock_host_stop(&host.mock);
	assert_true(ep_mock_host_logged(&host.mock, "has no heap snapshot"));
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
	for (size_t i = 0; i < COUNT; i++)
		files[i] = i == 33 ? "heap2.pb.gz" : "heap.pb.gz";
	analyzer_test_host_init(&host, category_plugin());
	configure(&host);
	assert_int_equal(category_analyze(&host, &run, COUNT, files, &report), 0);
	const struct ep_report_table *table =
	        analyzer_test_table(ep_report_document(report), "category.categories");
	assert_int_equal(analyzer_test_int(table, 0, "inuse_bytes"), configured[0].at_peak);
	/* One pass reads each once, for the totals and the timeline alike. */
	assert_int_equal(host.loads, COUNT);
	assert_int_equal(host.max_live_profiles, 1);
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

/* category.timeline: one row per heap snapshot, each category's in-use
 * bytes as pprof -focus gives them for that snapshot's file. */
static void test_timeline_has_every_snapshot(void **unused)
{
	(void)unused;
	struct analyzer_test_host host;
	struct analyzer_test_run run;
	struct ep_report *report;
	const char *files[] = { "heap.pb.gz", "heap2.pb.gz", "heap.pb.gz" };
	analyzer_test_host_init(&host, category_plugin());
	configure(&host);
	assert_int_equal(category_analyze(&host, &run, 3, files, &report), 0);
	const struct ep_report_table *table =
	        analyzer_test_table(ep_report_document(report), "category.timeline");
	assert_non_null(table);
	assert_int_equal(table->row_count, 3);
	size_t count = sizeof(configured) / sizeof(configured[0]);
	assert_int_equal(table->column_count, count + 3);
	assert_string_equal(table->columns[1].id, "snapshot");
	for (size_t row = 0; row < 3; row++) {
		bool peak = row == 1;
		char name[32];
		snprintf(name, sizeof(name), "heap%zu.pprof", row);
		assert_string_equal(table->cells[row * table->column_count + 1].text, name);
		for (size_t c = 0; c < count; c++)
			assert_int_equal(analyzer_test_int(table, row, configured[c].name),
			                 peak ? configured[c].at_peak : configured[c].at_first);
		assert_int_equal(analyzer_test_int(table, row, "uncategorized"),
		                 peak ? UNCATEGORIZED_AT_PEAK : UNCATEGORIZED_AT_FIRST);
	}
	ep_report_free(report);
	analyzer_test_run_free(&run);
}

static void test_compare_gates_on_each_category(void **unused)
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
	const struct ep_plugin_descriptor *descriptor = category_plugin();
	assert_non_null(descriptor->analyzer->compare);
	analyzer_test_host_init(&host, descriptor);
	configure(&host);
	assert_int_equal(ep_mock_host_start(&host.mock), 0);
	assert_int_equal(ep_report_new("comparison", "before vs after", "before", "after", &report),
	                 0);
	assert_int_equal(descriptor->analyzer->compare(host.mock.state, &a.info, &b.info, report),
	                 0);
	ep_mock_host_stop(&host.mock);
	assert_int_equal(host.mock.live_profiles, 0);
	assert_int_equal(host.max_live_profiles, 1);

	const struct ep_report_document *document = ep_report_document(report);
	for (size_t i = 0; i < sizeof(configured) / sizeof(configured[0]); i++) {
		char id[64];
		snprintf(id, sizeof(id), "category.%s", configured[i].name);
		const struct ep_report_comparison *comparison =
		        analyzer_test_comparison(document, id);
		assert_int_equal(comparison->a.integer, configured[i].at_first);
		assert_int_equal(comparison->b.integer, configured[i].at_peak);
		assert_string_equal(comparison->unit, EP_UNIT_BYTES);
	}
	const struct ep_report_comparison *rest =
	        analyzer_test_comparison(document, "category.uncategorized");
	assert_int_equal(rest->a.integer, UNCATEGORIZED_AT_FIRST);
	assert_int_equal(rest->b.integer, UNCATEGORIZED_AT_PEAK);
	ep_report_free(report);
	analyzer_test_run_free(&b);
	analyzer_test_run_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configured_categories_match_pprof_focus),
		cmocka_unit_test(test_a_mapping_file_matches_like_pprof),
		cmocka_unit_test(test_builtin_categories_when_none_configured),
		cmocka_unit_test(test_builtin_categories_can_be_turned_off),
		cmocka_unit_test(test_a_bad_regex_fails_init_naming_the_section),
		cmocka_unit_test(test_bad_sections_fail_init),
		cmocka_unit_test(test_no_heap_snapshot_is_an_error),
		cmocka_unit_test(test_memory_stays_bounded_with_many_snapshots),
		cmocka_unit_test(test_timeline_has_every_snapshot),
		cmocka_unit_test(test_compare_gates_on_each_category),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
