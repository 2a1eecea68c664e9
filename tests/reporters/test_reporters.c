/* The reporters (markdown, csv, json) as the host uses them: each renders
 * the same analysis and comparison documents, built with the core's report
 * builder, through the mock host. Then check_reports.py reads every file
 * back with real parsers (json, csv, xml.etree) and compares it with what
 * went in. Each cmocka case runs alone when named in argv[1], which is how
 * meson runs them (tests/reporters/meson.build).
 *
 * Environment: EP_TEST_{MARKDOWN,CSV,JSON}_PLUGIN (built plugins),
 * EP_TEST_PYTHON and EP_TEST_CHECKER (the checker script). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../cmocka_filter.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report_document.h"
#include <e2e-profile/mock-host.h>

extern char **environ;

/* Text that breaks naive writers: CSV separators and quotes, line breaks
 * (LF and CRLF), markup of Markdown, HTML and XML, an entity, a tab and
 * non-ASCII letters. check_reports.py holds the same string. */
#define TRICKY                                                                     \
	"weird, \"quoted\"\nname <&> \xC3\xBC \xE6\x97\xA5\xE6\x9C\xAC | *x* _y_ " \
	"`z` [l](u) &amp; \\ #h\ttab\r\nend"
/* Bytes that are not UTF-8; every reporter writes U+FFFD instead. */
#define NOT_UTF8 "bad \xFF\xFE utf8 \xC0\xAF"

#define REPORTER_COUNT 3
static const char *const reporter_names[REPORTER_COUNT] = { "markdown", "csv", "json" };
static const char *const reporter_env[REPORTER_COUNT] = {
	"EP_TEST_MARKDOWN_PLUGIN",
	"EP_TEST_CSV_PLUGIN",
	"EP_TEST_JSON_PLUGIN",
};

/* --- plumbing --- */

static const struct ep_plugin_descriptor *reporter_load(size_t index)
{
	const struct ep_plugin_descriptor *descriptor =
	        ep_mock_host_load_plugin(reporter_env[index], EP_PLUGIN_KIND_REPORTER);
	assert_non_null(descriptor);
	assert_string_equal(descriptor->name, reporter_names[index]);
	assert_non_null(descriptor->reporter);
	assert_int_equal(descriptor->reporter->version, EP_REPORTER_OPS_VERSION);
	return descriptor;
}

static char *make_temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char template[4096];
	snprintf(template, sizeof(template), "%s/ep-reporter-test.XXXXXX",
	         base != NULL && base[0] != '\0' ? base : "/tmp");
	char *made = mkdtemp(template);
	if (made == NULL)
		fail_msg("mkdtemp %s: %s", template, strerror(errno));
	char *copy = strdup(made);
	assert_non_null(copy);
	return copy;
}

static void make_dir(const char *parent, const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", parent, name);
	if (mkdir(path, 0777) < 0)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

/* Fails the test when a temporary file of an atomic write (".NAME.XXXXXX")
 * is left in directory. */
static void assert_no_temp_files(const char *directory)
{
	DIR *listing = opendir(directory);
	assert_non_null(listing);
	struct dirent *entry;
	while ((entry = readdir(listing)) != NULL) {
		if (entry->d_name[0] == '.' && strcmp(entry->d_name, ".") != 0 &&
		    strcmp(entry->d_name, "..") != 0)
			fail_msg("temporary file left behind: %s/%s", directory, entry->d_name);
	}
	closedir(listing);
}

static bool file_exists(const char *directory, const char *name)
{
	char path[4096];
	struct stat info;
	snprintf(path, sizeof(path), "%s/%s", directory, name);
	return stat(path, &info) == 0;
}

/* One reporter with its settings (NULL-terminated key, value pairs). */
static int render_with(size_t index, const char *const *settings,
                       const struct ep_report_document *document, const char *base_path,
                       struct ep_mock_host *mock)
{
	ep_mock_host_init(mock, reporter_load(index));
	for (size_t i = 0; settings != NULL && settings[i] != NULL; i += 2)
		ep_mock_host_set(mock, settings[i], settings[i + 1]);
	assert_int_equal(ep_mock_host_start(mock), 0);
	int rc = mock->descriptor->reporter->render(mock->state, document, base_path);
	ep_mock_host_stop(mock);
	return rc;
}

/* Runs check_reports.py MODE DIRECTORY and fails unless it exits 0. */
static void run_checker(const char *mode, const char *directory)
{
	const char *python = getenv("EP_TEST_PYTHON"), *checker = getenv("EP_TEST_CHECKER");
	if (python == NULL || checker == NULL)
		fail_msg("EP_TEST_PYTHON and EP_TEST_CHECKER must be set (run through meson test)");
	char *argv[] = { (char *)python, (char *)checker, (char *)mode, (char *)directory, NULL };
	pid_t pid;
	int error = posix_spawn(&pid, python, NULL, NULL, argv, environ);
	if (error != 0)
		fail_msg("cannot start %s: %s", python, strerror(error));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("check_reports.py %s %s failed (status %d); the files are kept", mode,
		         directory, status);
}

/* --- the documents --- */

static struct ep_value i64(int64_t value)
{
	return ep_value_int(value);
}

static struct ep_value f64(double value)
{
	return ep_value_double(value);
}

static struct ep_value text(const char *value)
{
	return ep_value_text(value);
}

static struct ep_value none(void)
{
	return ep_value_none();
}

/* An analysis as the built-in analyzers write it, plus a third party's
 * section with units and ids the reporters have never heard of. */
static struct ep_report *build_analysis(void)
{
	struct ep_report *r;
	assert_int_equal(ep_report_new("analysis", "baseline", "baseline", NULL, &r), 0);

	ep_report_set_origin(r, "core");
	assert_int_equal(ep_report_section(r, "run", "Run"), 0);
	ep_report_metric(r, "run.snapshots", "Snapshots", i64(25), EP_UNIT_COUNT);
	ep_report_metric(r, "run.failed", "Failed snapshots", i64(0), EP_UNIT_COUNT);
	ep_report_metric(r, "run.duration_seconds", "Duration", f64(372.5), EP_UNIT_SECONDS);
	ep_report_metric(r, "run.exit_status", "Test exit status", i64(0), EP_UNIT_NONE);

	ep_report_set_origin(r, "analyzer.heap");
	ep_report_section(r, "heap", "Peak memory");
	ep_report_metric(r, "heap.peak_inuse_bytes", "Peak in-use memory", i64(52009369),
	                 EP_UNIT_BYTES);
	ep_report_metric(r, "heap.peak_inuse_objects", "Peak in-use objects", i64(412345),
	                 EP_UNIT_COUNT);
	ep_report_metric(r, "heap.peak_offset_seconds", "Peak at", f64(345.0), EP_UNIT_SECONDS);
	ep_report_metric(r, "heap.peak_snapshot", "Peak snapshot", text("heap23.pprof"),
	                 EP_UNIT_NONE);
	const struct ep_report_column top_columns[] = {
		{ "function", "function", EP_VALUE_TEXT, EP_UNIT_NONE },
		{ "flat", "flat", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "flat_percent", "flat%", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
		{ "sum_percent", "sum%", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
		{ "cum", "cum", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "cum_percent", "cum%", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
	};
	assert_int_equal(ep_report_table(r, "heap.top", "Top memory allocators (peak profile)", 6,
	                                 top_columns),
	                 0);
	const struct ep_value top_rows[][6] = {
		{ text("encoding/json.(*decodeState).objectInterface"), i64(15732111), f64(30.98),
		  f64(30.98), i64(23734600), f64(46.74) },
		{ text("runtime.allocm"), i64(6829066), f64(13.45), f64(44.43), i64(6829066),
		  f64(13.45) },
		{ text(TRICKY), i64(-2048), f64(-0.0039), f64(44.43), none(), none() },
		{ text("k8s.io/kube-openapi/pkg/handler3.(*root).GVSpec"), i64(4343849), f64(8.35),
		  f64(52.78), i64(4343849), f64(8.35) },
	};
	for (size_t i = 0; i < sizeof(top_rows) / sizeof(top_rows[0]); i++)
		assert_int_equal(ep_report_row(r, top_rows[i]), 0);
	ep_report_note(r, "Peak in-use memory was reached at %s, %d s into the run.",
	               "heap23.pprof", 345);
	ep_report_recommendation(r, "openapi-share", "Cache OpenAPI schemas",
	                         "openapi is 26.2% of in-use memory (> 10%)");

	ep_report_set_origin(r, "analyzer.growth");
	ep_report_section(r, "growth", "Growth");
	const struct ep_report_column timeline_columns[] = {
		{ "offset_seconds", "offset", EP_VALUE_DOUBLE, EP_UNIT_SECONDS },
		{ "snapshot", "snapshot", EP_VALUE_TEXT, EP_UNIT_NONE },
		{ "inuse_bytes", "in-use", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "inuse_objects", "objects", EP_VALUE_INT, EP_UNIT_COUNT },
		{ "alloc_rate", "allocation rate", EP_VALUE_DOUBLE, EP_UNIT_BYTES_PER_SECOND },
	};
	ep_report_table(r, "growth.timeline", "Timeline", 5, timeline_columns);
	const struct ep_value timeline_rows[][5] = {
		{ f64(0.00157), text("heap0.pprof"), i64(10485760), i64(100000), none() },
		{ f64(15), text("heap1.pprof"), i64(31457280), i64(250000),
		  f64(1398101.3333333333) },
		{ f64(30), text("heap2.pprof"), i64(52009369), i64(412345),
		  f64(1370139.2666666667) },
	};
	for (size_t i = 0; i < 3; i++)
		ep_report_row(r, timeline_rows[i]);
	ep_report_series(r, "growth.inuse", "baseline", "inuse", "Time since start",
	                 EP_UNIT_SECONDS, "In-use memory", EP_UNIT_BYTES);
	ep_report_point(r, 0, 10485760);
	ep_report_point(r, 15, 31457280);
	ep_report_point(r, 30, 52009369);
	ep_report_metric(r, "growth.first_to_peak_bytes", "First to peak", i64(41523609),
	                 EP_UNIT_BYTES);
	ep_report_metric(r, "growth.slope_bytes_per_second", "Slope", f64(1384120.3),
	                 EP_UNIT_BYTES_PER_SECOND);
	ep_report_metric(r, "growth.trend", "Trend", text("steady-growth"), EP_UNIT_NONE);

	/* A third party: nothing here is known to any reporter. */
	ep_report_set_origin(r, "analyzer.widgets");
	ep_report_section(r, "widgets", "Widgets & <gadgets> \"3rd\" party");
	ep_report_metric(r, "widgets.count", "Widgets seen", i64(7), "widgets");
	ep_report_metric(r, "widgets.ratio", "Ratio", f64(0.1), EP_UNIT_NONE);
	ep_report_metric(r, "widgets.tiny", "Tiny", f64(1e-300), EP_UNIT_NONE);
	ep_report_metric(r, "widgets.max", "Largest", i64(INT64_MAX), EP_UNIT_COUNT);
	ep_report_metric(r, "widgets.min", "Smallest", i64(INT64_MIN), EP_UNIT_COUNT);
	ep_report_metric(r, "widgets.nan", "Not a number", f64(NAN), EP_UNIT_NONE);
	ep_report_metric(r, "widgets.missing", "Missing", none(), EP_UNIT_BYTES);
	ep_report_metric(r, "widgets.latency", "Latency", i64(1500), "milliseconds");
	ep_report_metric(r, "widgets.tricky", TRICKY, text(TRICKY), EP_UNIT_NONE);
	ep_report_metric(r, "widgets.not_utf8", "Not UTF-8", text(NOT_UTF8), EP_UNIT_NONE);
	const struct ep_report_column widget_columns[] = {
		{ "name", "name, \"quoted\"", EP_VALUE_TEXT, EP_UNIT_NONE },
		{ "delta", "delta", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "share", "share", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
	};
	/* Its id makes the same file name as heap.top: it must not overwrite
	 * that table's CSV. */
	ep_report_table(r, "heap-top", "Widget table", 3, widget_columns);
	ep_report_row(r, (struct ep_value[]){ text("a,b"), i64(-1048576), f64(-12.5) });
	ep_report_row(r, (struct ep_value[]){ text(""), i64(0), none() });
	ep_report_row(r, (struct ep_value[]){ text(TRICKY), i64(1), f64(0.001) });
	ep_report_series(r, "widgets.a", "first, \"A\"", "wchart", "t", EP_UNIT_SECONDS, "Widgets",
	                 "widgets");
	ep_report_point(r, 0, 1);
	ep_report_point(r, 1, 3);
	ep_report_point(r, 2, NAN);
	ep_report_point(r, 3, 2);
	ep_report_note(r, "%s", TRICKY);
	ep_report_series(r, "widgets.b", TRICKY, "wchart", "t", EP_UNIT_SECONDS, "Widgets",
	                 "widgets");
	ep_report_point(r, 0, 2);
	ep_report_point(r, 1, -1);
	ep_report_series(r, "widgets.c", "alone", "other", "t", EP_UNIT_SECONDS, "Nothing",
	                 EP_UNIT_COUNT);
	ep_report_note(r, "1. not a list");
	ep_report_recommendation(r, TRICKY, TRICKY, "");

	ep_report_set_origin(r, "analyzer.empty");
	ep_report_section(r, "empty", "Empty section");
	return r;
}

/* compare baseline with-caching, with every kind of Change cell. */
static struct ep_report *build_comparison(void)
{
	struct ep_report *r;
	assert_int_equal(ep_report_new("comparison", "baseline vs with-caching", "baseline",
	                               "with-caching", &r),
	                 0);
	ep_report_set_origin(r, "core");
	ep_report_section(r, "run", "Run");
	ep_report_comparison(r, "duration", "Test duration", f64(372.5), f64(390.0),
	                     EP_UNIT_SECONDS);
	ep_report_comparison(r, "snapshots", "Snapshots", i64(24), i64(26), EP_UNIT_COUNT);
	ep_report_comparison(r, "exit_status", "Exit status", i64(0), i64(1), EP_UNIT_NONE);

	ep_report_set_origin(r, "analyzer.heap");
	ep_report_section(r, "heap", "Peak memory");
	ep_report_comparison(r, "peak", "Peak in-use memory", i64(52009369), i64(43201331),
	                     EP_UNIT_BYTES);
	ep_report_comparison(r, "objects", "Peak in-use objects", i64(412345), i64(380001),
	                     EP_UNIT_COUNT);
	ep_report_comparison(r, "category.json", "JSON decoding", none(), i64(1048576),
	                     EP_UNIT_BYTES);
	ep_report_comparison(r, "peak_snapshot", "Peak snapshot", text("heap23.pprof"),
	                     text("heap25.pprof"), EP_UNIT_NONE);
	ep_report_comparison(r, "share", "OpenAPI share", f64(26.2), f64(8.1), EP_UNIT_PERCENT);
	ep_report_comparison(r, "category.new", "New category", i64(0), i64(1048576),
	                     EP_UNIT_BYTES);
	ep_report_comparison(r, "tricky", TRICKY, i64(-5), i64(-10), EP_UNIT_COUNT);
	const struct ep_report_column diff_columns[] = {
		{ "function", "function", EP_VALUE_TEXT, EP_UNIT_NONE },
		{ "a_flat", "baseline", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "b_flat", "with-caching", EP_VALUE_INT, EP_UNIT_BYTES },
		{ "delta", "delta", EP_VALUE_INT, EP_UNIT_BYTES },
	};
	ep_report_table(r, "heap.diff", "Function differences", 4, diff_columns);
	ep_report_row(r, (struct ep_value[]){ text("openapi3.(*root).GVSpec"), i64(4343849),
	                                      i64(1048576), i64(-3295273) });
	ep_report_row(r, (struct ep_value[]){ text(TRICKY), i64(0), i64(2048), i64(2048) });

	ep_report_set_origin(r, "analyzer.category");
	ep_report_section(r, "category", "Categories");
	ep_report_comparison(r, "category.openapi", "OpenAPI", i64(13631488), i64(3670016),
	                     EP_UNIT_BYTES);

	ep_report_set_origin(r, "analyzer.growth");
	ep_report_section(r, "growth", "Growth");
	ep_report_series(r, "growth.inuse.baseline", "baseline", "inuse", "Time since start",
	                 EP_UNIT_SECONDS, "In-use memory", EP_UNIT_BYTES);
	for (int i = 0; i <= 24; i++)
		ep_report_point(r, 15.0 * i, 8e6 + 1.8e6 * i);
	ep_report_series(r, "growth.inuse.with-caching", "with-caching", "inuse",
	                 "Time since start", EP_UNIT_SECONDS, "In-use memory", EP_UNIT_BYTES);
	for (int i = 0; i <= 26; i++)
		ep_report_point(r, 15.0 * i, 8e6 + 1.3e6 * i);
	return r;
}

/* Values and shapes at the edges: missing strings, extreme and
 * non-finite numbers, a huge text, degenerate and absurd series. Every
 * file must still be well-formed. */
static struct ep_report *build_extremes(void)
{
	static char long_text[20001];
	for (size_t i = 0; i + 2 <= sizeof(long_text) - 1; i += 2)
		memcpy(long_text + i, "\xC3\xA9", 2); /* é */
	struct ep_report *r;
	assert_int_equal(ep_report_new("analysis", "extremes", "extremes", NULL, &r), 0);
	ep_report_section(r, "edges", "");
	ep_report_metric(r, NULL, NULL, f64(1e308), EP_UNIT_BYTES);
	ep_report_metric(r, "negative_time", "", f64(-1e300), EP_UNIT_SECONDS);
	ep_report_metric(r, "huge_percent", "p", f64(1e300), EP_UNIT_PERCENT);
	ep_report_metric(r, "infinite", "inf", f64(INFINITY), EP_UNIT_BYTES);
	ep_report_metric(r, "unit_less", "u", f64(123456.789), NULL);
	ep_report_comparison(r, "long", long_text, text(long_text), text(long_text), NULL);
	ep_report_comparison(r, "range", "whole int64 range", i64(INT64_MIN), i64(INT64_MAX),
	                     EP_UNIT_BYTES);
	ep_report_comparison(r, "nan", "nan", f64(NAN), f64(1), EP_UNIT_COUNT);
	const struct ep_report_column column = { NULL, NULL, EP_VALUE_INT, NULL };
	ep_report_table(r, "no_rows", NULL, 1, &column);
	ep_report_series(r, "denormal", NULL, NULL, NULL, NULL, NULL, NULL);
	ep_report_point(r, 1e-320, 5);
	ep_report_point(r, 1e-320, 5);
	ep_report_series(r, "absurd", "absurd", "absurd", "x", EP_UNIT_SECONDS, "y", EP_UNIT_BYTES);
	ep_report_point(r, 0, -1e308);
	ep_report_point(r, 1, 1e308);
	ep_report_series(r, "one", "one", "one", "x", EP_UNIT_NANOSECONDS, "y", EP_UNIT_PERCENT);
	ep_report_point(r, 5, 5);
	ep_report_series(r, "many", "many", "many", "x", EP_UNIT_SECONDS, "y", EP_UNIT_BYTES);
	for (int i = 0; i < 1000; i++)
		ep_report_point(r, i, 1e6 * (2 + sin(i / 50.0)));
	ep_report_note(r, "%s", "");
	ep_report_note(r, "%s", "    four spaces would make a code block");
	ep_report_recommendation(r, NULL, NULL, NULL);
	return r;
}

/* Renders document with all three reporters (settings per reporter) into
 * DIR/SUBDIR/BASE and runs the checker in mode on DIR/SUBDIR. */
static void render_and_check(struct ep_report *report, const char *subdir, const char *base,
                             const char *const *const settings[REPORTER_COUNT], const char *mode)
{
	char *root = make_temp_dir();
	char directory[4096], base_path[4200];
	make_dir(root, subdir, directory, sizeof(directory));
	snprintf(base_path, sizeof(base_path), "%s/%s", directory, base);
	const struct ep_report_document *document = ep_report_document(report);
	for (size_t i = 0; i < REPORTER_COUNT; i++) {
		struct ep_mock_host mock;
		int rc = render_with(i, settings != NULL ? settings[i] : NULL, document, base_path,
		                     &mock);
		if (rc != 0)
			fail_msg("%s render: %s (%s)", reporter_names[i], strerror(-rc),
			         mock.log_count > 0 ? mock.log[0] : "nothing logged");
		assert_int_equal(mock.log_count, 0);
	}
	assert_no_temp_files(directory);
	run_checker(mode, directory);
	ep_mock_host_remove_tree(root);
	free(root);
	ep_report_free(report);
}

/* --- the cases --- */

static void test_analysis_renders_in_every_format(void **unused)
{
	(void)unused;
	render_and_check(build_analysis(), "baseline", "analysis", NULL, "analysis");
}

static void test_comparison_renders_in_every_format(void **unused)
{
	(void)unused;
	render_and_check(build_comparison(), "comparisons", "baseline-vs-with-caching", NULL,
	                 "comparison");
}

static void test_settings_change_the_output(void **unused)
{
	(void)unused;
	static const char *const markdown[] = { "charts", "false", NULL };
	static const char *const csv[] = { "line_ending", "lf", NULL };
	static const char *const json[] = { "indent", "false", NULL };
	const char *const *const settings[REPORTER_COUNT] = { markdown, csv, json };
	render_and_check(build_analysis(), "baseline", "analysis", settings, "options");
}

static void test_an_empty_document_renders(void **unused)
{
	(void)unused;
	struct ep_report *report;
	assert_int_equal(ep_report_new("analysis", "", "empty", NULL, &report), 0);
	render_and_check(report, "empty", "analysis", NULL, "empty");
}

/* A render into a directory that is not there fails with the errno and a
 * log line naming the file, and leaves nothing behind. */
static void test_extreme_values_stay_well_formed(void **unused)
{
	(void)unused;
	render_and_check(build_extremes(), "extremes", "analysis", NULL, "extremes");
}

/* A field of nothing but a line break must be quoted too, or a reader
 * sees the row end there. */
static void test_csv_quotes_a_lone_lf_and_a_lone_cr(void **unused)
{
	(void)unused;
	char *root = make_temp_dir();
	char base_path[4200], path[4300];
	snprintf(base_path, sizeof(base_path), "%s/analysis", root);
	struct ep_report *report;
	assert_int_equal(ep_report_new("analysis", "breaks", "breaks", NULL, &report), 0);
	ep_report_section(report, "breaks", "Breaks");
	ep_report_comparison(report, "lf", "\n", text("\n"), text("\r"), NULL);
	struct ep_mock_host mock;
	assert_int_equal(render_with(1, NULL, ep_report_document(report), base_path, &mock), 0);
	snprintf(path, sizeof(path), "%s.csv", base_path);
	FILE *file = fopen(path, "rb");
	assert_non_null(file);
	char content[8192];
	size_t length = fread(content, 1, sizeof(content) - 1, file);
	content[length] = '\0';
	fclose(file);
	/* label, value (none), a, b */
	if (strstr(content, ",\"\n\",,\"\n\",\"\r\",") == NULL)
		fail_msg("a lone LF or CR is not quoted in:\n%s", content);
	ep_mock_host_remove_tree(root);
	free(root);
	ep_report_free(report);
}

static void test_missing_directory_fails_naming_the_path(void **unused)
{
	(void)unused;
	char *root = make_temp_dir();
	char base_path[4200];
	snprintf(base_path, sizeof(base_path), "%s/no/such/dir/analysis", root);
	struct ep_report *report = build_analysis();
	static const char *const suffix[REPORTER_COUNT] = { "/no/such/dir/analysis-inuse.svg",
		                                            "/no/such/dir/analysis-heap-top.csv",
		                                            "/no/such/dir/analysis.json" };
	for (size_t i = 0; i < REPORTER_COUNT; i++) {
		struct ep_mock_host mock;
		int rc = render_with(i, NULL, ep_report_document(report), base_path, &mock);
		assert_int_equal(rc, -ENOENT);
		char expected[4400];
		snprintf(expected, sizeof(expected), "cannot write %s%s: ", root, suffix[i]);
		if (!ep_mock_host_logged(&mock, expected))
			fail_msg("%s logged '%s', not '%s'", reporter_names[i],
			         mock.log_count > 0 ? mock.log[0] : "", expected);
		assert_int_equal(mock.log_level[0], EP_LOG_ERROR);
	}
	/* A path through a regular file: ENOTDIR. */
	char file[4200];
	snprintf(file, sizeof(file), "%s/plain", root);
	FILE *plain = fopen(file, "w");
	assert_non_null(plain);
	fclose(plain);
	snprintf(base_path, sizeof(base_path), "%s/plain/analysis", root);
	for (size_t i = 0; i < REPORTER_COUNT; i++) {
		struct ep_mock_host mock;
		assert_int_equal(render_with(i, NULL, ep_report_document(report), base_path, &mock),
		                 -ENOTDIR);
		assert_true(ep_mock_host_logged(&mock, base_path));
	}
	/* A directory without write permission: EACCES. root writes anyway,
	 * so this part runs only for other users. */
	if (geteuid() != 0) {
		char locked[4096];
		make_dir(root, "locked", locked, sizeof(locked));
		assert_int_equal(chmod(locked, 0555), 0);
		snprintf(base_path, sizeof(base_path), "%s/analysis", locked);
		for (size_t i = 0; i < REPORTER_COUNT; i++) {
			struct ep_mock_host mock;
			assert_int_equal(
			        render_with(i, NULL, ep_report_document(report), base_path, &mock),
			        -EACCES);
			assert_true(ep_mock_host_logged(&mock, locked));
		}
		assert_int_equal(chmod(locked, 0755), 0);
	}
	assert_no_temp_files(root);
	ep_report_free(report);
	ep_mock_host_remove_tree(root);
	free(root);
}

/* When the last step (the rename) fails, the temporary file goes and the
 * old state stays: here a directory sits where each main file would go. */
static void test_failed_commit_leaves_no_temporary_file(void **unused)
{
	(void)unused;
	char *root = make_temp_dir();
	char blocker[4200], base_path[4200];
	static const char *const main_file[REPORTER_COUNT] = { "analysis.md", "analysis.csv",
		                                               "analysis.json" };
	struct ep_report *report = build_analysis();
	snprintf(base_path, sizeof(base_path), "%s/analysis", root);
	for (size_t i = 0; i < REPORTER_COUNT; i++)
		make_dir(root, main_file[i], blocker, sizeof(blocker));
	for (size_t i = 0; i < REPORTER_COUNT; i++) {
		struct ep_mock_host mock;
		int rc = render_with(i, NULL, ep_report_document(report), base_path, &mock);
		assert_true(rc < 0);
		assert_true(ep_mock_host_logged(&mock, main_file[i]));
		assert_no_temp_files(root);
	}
	ep_report_free(report);
	ep_mock_host_remove_tree(root);
	free(root);
}

/* The page is written after its charts, so a chart that cannot be written
 * means no page that links to it. */
static void test_markdown_page_waits_for_its_charts(void **unused)
{
	(void)unused;
	char *root = make_temp_dir();
	char blocker[4200], base_path[4200];
	make_dir(root, "analysis-inuse.svg", blocker, sizeof(blocker));
	snprintf(base_path, sizeof(base_path), "%s/analysis", root);
	struct ep_report *report = build_analysis();
	struct ep_mock_host mock;
	assert_true(render_with(0, NULL, ep_report_document(report), base_path, &mock) < 0);
	assert_true(ep_mock_host_logged(&mock, "analysis-inuse.svg"));
	assert_false(file_exists(root, "analysis.md"));
	assert_no_temp_files(root);
	ep_report_free(report);
	ep_mock_host_remove_tree(root);
	free(root);
}

static void test_bad_settings_and_arguments_are_refused(void **unused)
{
	(void)unused;
	struct ep_mock_host mock;
	ep_mock_host_init(&mock, reporter_load(1));
	ep_mock_host_set(&mock, "line_ending", "cr");
	assert_int_equal(ep_mock_host_start(&mock), -EINVAL);
	assert_true(ep_mock_host_logged(&mock, "line_ending must be crlf or lf"));

	for (size_t i = 0; i < REPORTER_COUNT; i++) {
		ep_mock_host_init(&mock, reporter_load(i));
		assert_int_equal(ep_mock_host_start(&mock), 0);
		assert_int_equal(mock.descriptor->reporter->render(mock.state, NULL, "/tmp/x"),
		                 -EINVAL);
		ep_mock_host_stop(&mock);
		assert_int_equal(mock.log_level[0], EP_LOG_ERROR);
	}
}

/* The loaded module itself, to look at its exported symbols. */
static void *reporter_module(size_t index)
{
	const char *path = getenv(reporter_env[index]);
	if (path == NULL)
		fail_msg("%s is not set (run through meson test)", reporter_env[index]);
	void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (module == NULL)
		fail_msg("dlopen %s: %s", path, dlerror());
	return module;
}

/* Each plugin exports ep_plugin_entry and nothing else, though all three
 * link reporter_common. */
static void test_only_the_entry_point_is_exported(void **unused)
{
	(void)unused;
	static const char *const internal[] = { "reporter_write_file", "reporter_format_value",
		                                "reporter_names_add",  "svg_chart_write",
		                                "markdown_render",     "csv_render",
		                                "json_render",         "json_write_string" };
	for (size_t i = 0; i < REPORTER_COUNT; i++) {
		void *module = reporter_module(i);
		assert_non_null(dlsym(module, EP_PLUGIN_ENTRY_SYMBOL));
		for (size_t s = 0; s < sizeof(internal) / sizeof(internal[0]); s++)
			if (dlsym(module, internal[s]) != NULL)
				fail_msg("%s exports %s", reporter_names[i], internal[s]);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_analysis_renders_in_every_format),
		cmocka_unit_test(test_comparison_renders_in_every_format),
		cmocka_unit_test(test_settings_change_the_output),
		cmocka_unit_test(test_an_empty_document_renders),
		cmocka_unit_test(test_extreme_values_stay_well_formed),
		cmocka_unit_test(test_csv_quotes_a_lone_lf_and_a_lone_cr),
		cmocka_unit_test(test_missing_directory_fails_naming_the_path),
		cmocka_unit_test(test_failed_commit_leaves_no_temporary_file),
		cmocka_unit_test(test_markdown_page_waits_for_its_charts),
		cmocka_unit_test(test_bad_settings_and_arguments_are_refused),
		cmocka_unit_test(test_only_the_entry_point_is_exported),
	};
	return EP_TEST_RUN_FILTERED(tests, argc, argv);
}
