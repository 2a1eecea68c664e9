/* prometheus_series alone: the extra labels' rules, and the series a
 * document becomes (names, sorted labels, millisecond times, pods and
 * instances, the k-th snapshot of a file name for several pods, gates),
 * on documents built with the core's report builder. The push and the
 * file are tested against a real Prometheus in prometheus_test.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../plugins/reporters/prometheus_series.h"
#include "report_document.h"

static void expect_label_error(const char *text, const char *message)
{
	struct prom_label_list list;
	char err[256] = "";
	assert_int_equal(prom_label_list_parse(text, &list, err, sizeof(err)), -EINVAL);
	if (strstr(err, message) == NULL)
		fail_msg("'%s': '%s' does not say '%s'", text, err, message);
	assert_int_equal(list.count, 0);
}

static void test_extra_labels_are_checked(void **unused)
{
	(void)unused;
	struct prom_label_list list;
	char err[256];
	assert_int_equal(prom_label_list_parse(" branch = main ,commit=abc=1,, Zone=eu ", &list,
	                                       err, sizeof(err)),
	                 0);
	assert_int_equal(list.count, 3);
	assert_string_equal(list.labels[0].name, "branch");
	assert_string_equal(list.labels[0].value, "main");
	assert_string_equal(list.labels[1].name, "commit");
	assert_string_equal(list.labels[1].value, "abc=1");
	assert_string_equal(list.labels[2].name, "Zone");
	prom_label_list_free(&list);
	assert_int_equal(prom_label_list_parse(NULL, &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, 0);
	assert_int_equal(prom_label_list_parse("", &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, 0);

	expect_label_error("branch", "'branch' is not NAME=VALUE");
	expect_label_error("1x=y", "'1x=y' is not NAME=VALUE");
	expect_label_error("a-b=y", "is not NAME=VALUE");
	expect_label_error("=y", "is not NAME=VALUE");
	expect_label_error("branch=", "'branch=' has an empty value");
	expect_label_error("__name__=x", "names starting with __ are Prometheus's own");
	expect_label_error("ok=1,category=x", "'category' is set by e2e-profile itself");
	expect_label_error("pod=x", "'pod' is set by e2e-profile itself");
	expect_label_error("a=1,b=2,a=3", "'a' is given twice");
	char many[512] = "";
	for (int i = 0; i <= PROM_EXTRA_LABELS_MAX; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "l%02d=v,", i);
	expect_label_error(many, "at most 16 extra labels");
	many[strlen(many) - strlen("l16=v,")] = '\0'; /* at the limit: allowed */
	assert_int_equal(prom_label_list_parse(many, &list, err, sizeof(err)), 0);
	assert_int_equal(list.count, PROM_EXTRA_LABELS_MAX);
	prom_label_list_free(&list);
}

static struct ep_value i64(int64_t value)
{
	return ep_value_int(value);
}

static struct ep_value text(const char *value)
{
	return ep_value_text(value);
}

/* Two pods, each with heap0.pprof and heap1.pprof, and one goroutine
 * snapshot; times with sub-millisecond parts. */
static struct ep_report *build_analysis(bool with_times)
{
	struct ep_report *r;
	assert_int_equal(ep_report_new("analysis", "ci", "ci", NULL, &r), 0);
	ep_report_section(r, "run", "Run");
	ep_report_metric(r, "run.duration_seconds", "Duration", ep_value_double(12.5),
	                 EP_UNIT_SECONDS);
	ep_report_metric(r, "run.exit_status", "Exit", i64(2), EP_UNIT_NONE);
	ep_report_metric(r, "run.ended_unix_ns", "Ended", i64(1800000012999999999), EP_UNIT_NONE);
	if (with_times) {
		const struct ep_report_column columns[] = {
			{ "snapshot", "", EP_VALUE_TEXT, "" },
			{ "kind", "", EP_VALUE_TEXT, "" },
			{ "source", "", EP_VALUE_TEXT, "" },
			{ "time_unix_ns", "", EP_VALUE_INT, "" },
		};
		ep_report_table(r, "run.snapshot_times", "", 4, columns);
		const struct ep_value rows[][4] = {
			{ text("heap0.pprof"), text("heap"), text("pod-a"),
			  i64(1800000000000999999) },
			{ text("heap0.pprof"), text("heap"), text("pod-b"),
			  i64(1800000000500000000) },
			{ text("goroutine0.pprof"), text("goroutine"), text("10.0.0.1:6060"),
			  i64(1800000001000000000) },
			{ text("heap1.pprof"), text("heap"), text("pod-a"),
			  i64(1800000010000000001) },
			{ text("heap1.pprof"), text("heap"), text("pod-b"),
			  i64(1800000010700000000) },
		};
		for (size_t i = 0; i < 5; i++)
			ep_report_row(r, rows[i]);
	}
	ep_report_section(r, "growth", "Growth");
	const struct ep_report_column growth[] = {
		{ "snapshot", "", EP_VALUE_TEXT, "" },
		{ "inuse_bytes", "", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "inuse_objects", "", EP_VALUE_INT, EP_UNIT_COUNT },
	};
	ep_report_table(r, "growth.timeline", "", 3, growth);
	const struct ep_value growth_rows[][3] = {
		{ text("heap0.pprof"), i64(100), i64(1) },
		{ text("heap0.pprof"), i64(200), ep_value_none() },
		{ text("heap1.pprof"), i64(300), i64(3) },
		{ text("heap1.pprof"), i64(400), i64(4) },
	};
	for (size_t i = 0; i < 4; i++)
		ep_report_row(r, growth_rows[i]);
	ep_report_metric(r, "heap.peak_inuse_bytes", "Peak", i64(400), EP_UNIT_BYTES);
	ep_report_section(r, "goroutine", "Goroutines");
	const struct ep_report_column goroutines[] = {
		{ "snapshot", "", EP_VALUE_TEXT, "" },
		{ "goroutines", "", EP_VALUE_INT, EP_UNIT_COUNT },
	};
	ep_report_table(r, "goroutine.timeline", "", 2, goroutines);
	ep_report_row(r, (const struct ep_value[]){ text("goroutine0.pprof"), i64(42) });
	ep_report_section(r, "category", "Categories");
	const struct ep_report_column categories[] = {
		{ "offset_seconds", "", EP_VALUE_DOUBLE, EP_UNIT_SECONDS },
		{ "snapshot", "", EP_VALUE_TEXT, "" },
		{ "openapi", "OpenAPI", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "uncategorized", "", EP_VALUE_INT, EP_UNIT_BYTES },
	};
	ep_report_table(r, "category.timeline", "", 4, categories);
	ep_report_row(r, (const struct ep_value[]){ ep_value_double(0), text("heap0.pprof"),
	                                            i64(10), i64(90) });
	/* A timeline no mapping names, as a runtime analyzer would write. */
	ep_report_section(r, "runtime", "Runtime");
	const struct ep_report_column runtime[] = {
		{ "snapshot", "", EP_VALUE_TEXT, "" },
		{ "heap_inuse_bytes", "HeapInuse", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "gc_pause_nanoseconds", "GC pause", EP_VALUE_INT, EP_UNIT_NANOSECONDS },
		{ "gc_cpu_fraction", "GC CPU\nfraction", EP_VALUE_DOUBLE, EP_UNIT_NONE },
		{ "widgets", "", EP_VALUE_INT, "widget" },
		{ "source", "", EP_VALUE_TEXT, "" },
	};
	ep_report_table(r, "runtime.memstats", "", 6, runtime);
	ep_report_row(r, (const struct ep_value[]){ text("heap1.pprof"), i64(5000), i64(2500000000),
	                                            ep_value_double(0.25), i64(7), text("x") });
	return r;
}

static const struct prom_series *find(const struct prom_set *set, const char *name,
                                      const char *label, const char *value)
{
	for (size_t s = 0; s < set->count; s++) {
		if (strcmp(set->series[s].family->name, name) != 0)
			continue;
		for (size_t l = 0; l < set->series[s].label_count; l++)
			if (strcmp(set->series[s].labels[l].name, label) == 0 &&
			    strcmp(set->series[s].labels[l].value, value) == 0)
				return &set->series[s];
	}
	fail_msg("no series %s{%s=\"%s\"}", name, label, value);
	return NULL;
}

static void test_a_document_becomes_series(void **unused)
{
	(void)unused;
	struct ep_report *report = build_analysis(true);
	struct prom_label_list extra;
	char err[256];
	assert_int_equal(prom_label_list_parse("Zone=eu,branch=main", &extra, err, sizeof(err)), 0);
	struct prom_set set;
	assert_int_equal(
	        prom_set_build(ep_report_document(report), &extra, 1, &set, err, sizeof(err)), 0);

	/* In-use bytes: one series per pod, the k-th heap0.pprof row is the
	 * k-th heap0.pprof snapshot, times floored to milliseconds. */
	const struct prom_series *a = find(&set, "e2e_profile_heap_inuse_bytes", "pod", "pod-a");
	const struct prom_series *b = find(&set, "e2e_profile_heap_inuse_bytes", "pod", "pod-b");
	assert_int_equal(a->sample_count, 2);
	assert_int_equal(a->samples[0].timestamp_ms, 1800000000000);
	assert_true(a->samples[0].value == 100);
	assert_int_equal(a->samples[1].timestamp_ms, 1800000010000);
	assert_true(a->samples[1].value == 300);
	assert_int_equal(b->samples[0].timestamp_ms, 1800000000500);
	assert_true(b->samples[0].value == 200);
	assert_int_equal(b->samples[1].timestamp_ms, 1800000010700);
	/* Labels sorted bytewise (uppercase first), extra labels on all. */
	const char *names[] = { "Zone", "branch", "pod", "run" };
	assert_int_equal(a->label_count, 4);
	for (size_t l = 0; l < 4; l++)
		assert_string_equal(a->labels[l].name, names[l]);
	/* An absent cell is no sample. */
	const struct prom_series *objects =
	        find(&set, "e2e_profile_heap_inuse_objects", "pod", "pod-b");
	assert_int_equal(objects->sample_count, 1);
	assert_true(objects->samples[0].value == 4);
	/* host:port is an instance. */
	const struct prom_series *g =
	        find(&set, "e2e_profile_goroutines", "instance", "10.0.0.1:6060");
	assert_int_equal(g->samples[0].timestamp_ms, 1800000001000);
	assert_true(g->samples[0].value == 42);
	const struct prom_series *c =
	        find(&set, "e2e_profile_category_inuse_bytes", "category", "openapi");
	assert_true(c->samples[0].value == 10);
	find(&set, "e2e_profile_category_inuse_bytes", "category", "uncategorized");
	/* Run figures at the recorded end. */
	const struct prom_series *peak = find(&set, "e2e_profile_peak_inuse_bytes", "run", "ci");
	assert_int_equal(peak->label_count, 3);
	assert_int_equal(peak->samples[0].timestamp_ms, 1800000012999);
	assert_true(find(&set, "e2e_profile_test_exit_status", "run", "ci")->samples[0].value == 2);
	assert_true(find(&set, "e2e_profile_run_duration_seconds", "run", "ci")->samples[0].value ==
	            12.5);
	/* A family's series stay together, in the documented order. */
	for (size_t s = 1; s < set.count; s++)
		if (set.series[s].family != set.series[s - 1].family)
			for (size_t t = s; t < set.count; t++)
				assert_ptr_not_equal(set.series[t].family,
				                     set.series[s - 1].family);
	assert_string_equal(set.series[0].family->name, "e2e_profile_heap_inuse_bytes");
	/* The unmapped timeline: one family per numeric column, named from
	 * the section, the column and its unit in base units. */
	const struct prom_series *heap_inuse =
	        find(&set, "e2e_profile_runtime_heap_inuse_bytes", "pod", "pod-a");
	assert_int_equal(heap_inuse->samples[0].timestamp_ms, 1800000010000);
	assert_true(heap_inuse->samples[0].value == 5000);
	assert_string_equal(heap_inuse->family->unit, "bytes");
	const struct prom_series *pause =
	        find(&set, "e2e_profile_runtime_gc_pause_seconds", "pod", "pod-a");
	assert_true(pause->samples[0].value == 2.5);
	assert_string_equal(pause->family->unit, "seconds");
	assert_true(
	        find(&set, "e2e_profile_runtime_gc_cpu_fraction", "run", "ci")->samples[0].value ==
	        0.25);
	assert_non_null(
	        strstr(find(&set, "e2e_profile_runtime_gc_cpu_fraction", "run", "ci")->family->help,
	               "GC CPU"));
	assert_true(
	        find(&set, "e2e_profile_runtime_widgets_widget", "run", "ci")->samples[0].value ==
	        7);
	assert_int_equal(set.family_count, 4);
	size_t samples = 0;
	for (size_t s = 0; s < set.count; s++)
		samples += set.series[s].sample_count;
	assert_int_equal(set.sample_count, samples);
	prom_set_free(&set);
	prom_label_list_free(&extra);
	ep_report_free(report);
}

static void test_a_document_without_times_is_refused(void **unused)
{
	(void)unused;
	struct ep_report *report = build_analysis(false);
	struct prom_label_list extra = { 0 };
	struct prom_set set;
	char err[256] = "";
	assert_int_equal(
	        prom_set_build(ep_report_document(report), &extra, 1, &set, err, sizeof(err)),
	        -ENODATA);
	assert_non_null(strstr(err, "run.snapshot_times"));
	ep_report_free(report);
}

/* Repetition K of a repeated run (metric run.repetition) carries the
 * label repetition on every series; the user may not set it too. The
 * repeated run's summary holds medians and no snapshot: nothing to push. */
static void test_repetitions_are_kept_apart(void **unused)
{
	(void)unused;
	struct ep_report *report = build_analysis(true);
	ep_report_section(report, "rep", "Repetition");
	ep_report_metric(report, "run.repetition", "Repetition", i64(2), EP_UNIT_COUNT);
	struct prom_label_list extra = { 0 };
	struct prom_set set;
	char err[256] = "";
	assert_int_equal(
	        prom_set_build(ep_report_document(report), &extra, 1, &set, err, sizeof(err)), 0);
	const struct prom_series *a = find(&set, "e2e_profile_heap_inuse_bytes", "repetition", "2");
	assert_int_equal(a->sample_count, 2);
	for (size_t s = 0; s < set.count; s++) {
		bool labelled = false;
		for (size_t l = 0; l < set.series[s].label_count; l++)
			labelled = labelled ||
			           (strcmp(set.series[s].labels[l].name, "repetition") == 0 &&
			            strcmp(set.series[s].labels[l].value, "2") == 0);
		if (!labelled)
			fail_msg("%s has no repetition label", set.series[s].family->name);
	}
	prom_set_free(&set);
	assert_int_equal(prom_label_list_parse("repetition=1", &extra, err, sizeof(err)), 0);
	assert_int_equal(
	        prom_set_build(ep_report_document(report), &extra, 1, &set, err, sizeof(err)),
	        -EINVAL);
	assert_non_null(strstr(err, "'repetition' is set by e2e-profile itself"));
	prom_label_list_free(&extra);
	ep_report_free(report);

	struct ep_report *summary;
	assert_int_equal(ep_report_new("analysis", "ci", "ci", NULL, &summary), 0);
	ep_report_section(summary, "repetitions", "Repetitions");
	ep_report_metric(summary, "run.repetitions", "Repetitions", i64(4), EP_UNIT_COUNT);
	struct prom_label_list none = { 0 };
	assert_int_equal(
	        prom_set_build(ep_report_document(summary), &none, 1, &set, err, sizeof(err)), 0);
	assert_int_equal(set.count, 0);
	prom_set_free(&set);
	ep_report_free(summary);
}

static void test_gates_become_verdicts_at_now(void **unused)
{
	(void)unused;
	struct ep_report *r;
	assert_int_equal(ep_report_new("comparison", "a vs b", "a", "b", &r), 0);
	ep_report_section(r, "gates", "Gates");
	/* The leading columns of the core's gates.rules (docs/gates.md). */
	const struct ep_report_column columns[] = {
		{ "rule", "", EP_VALUE_TEXT, "" },
		{ "verdict", "", EP_VALUE_TEXT, "" },
		{ "change", "", EP_VALUE_DOUBLE, "" },
	};
	ep_report_table(r, "gates.rules", "", 3, columns);
	ep_report_row(r, (const struct ep_value[]){ text("peak>+10%"), text("FAILED"),
	                                            ep_value_double(12) });
	ep_report_row(r, (const struct ep_value[]){ text("objects>+10%"), text("passed"),
	                                            ep_value_double(1) });
	ep_report_row(r, (const struct ep_value[]){ text("category.x?>1"), text("skipped"),
	                                            ep_value_none() });
	struct prom_label_list extra = { 0 };
	struct prom_set set;
	char err[256];
	assert_int_equal(
	        prom_set_build(ep_report_document(r), &extra, 1234567, &set, err, sizeof(err)), 0);
	assert_int_equal(set.count, 2);
	const struct prom_series *broken =
	        find(&set, "e2e_profile_gate_broken", "gate", "peak>+10%");
	assert_true(broken->samples[0].value == 1);
	assert_int_equal(broken->samples[0].timestamp_ms, 1234567);
	const char *names[] = { "baseline", "gate", "run" };
	for (size_t l = 0; l < 3; l++)
		assert_string_equal(broken->labels[l].name, names[l]);
	assert_string_equal(broken->labels[0].value, "a");
	assert_string_equal(broken->labels[2].value, "b");
	assert_true(
	        find(&set, "e2e_profile_gate_broken", "gate", "objects>+10%")->samples[0].value ==
	        0);
	prom_set_free(&set);
	ep_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extra_labels_are_checked),
		cmocka_unit_test(test_a_document_becomes_series),
		cmocka_unit_test(test_a_document_without_times_is_refused),
		cmocka_unit_test(test_repetitions_are_kept_apart),
		cmocka_unit_test(test_gates_become_verdicts_at_now),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
