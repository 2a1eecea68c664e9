/* The JSON reader that loads run.json, and the report document builder:
 * values survive exactly, errors say where, pointers stay valid as the
 * document grows. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_reader.h"
#include "json_writer.h"
#include "report_document.h"

static void test_json_values(void **unused)
{
	(void)unused;
	const char *text = "{\"name\": \"a\\\"b\\u00e9\\n\", \"big\": 9007199254740993, "
	                   "\"neg\": -12, \"real\": 1.5e3, \"ok\": true, \"none\": null, "
	                   "\"list\": [1, [2, {}], []]}";
	struct ep_json_document *doc;
	char err[256];
	assert_int_equal(ep_json_parse(text, strlen(text), &doc, err, sizeof(err)), 0);
	const struct ep_json *root = ep_json_root(doc);
	assert_string_equal(ep_json_get_string(root, "name", NULL), "a\"b\xc3\xa9\n");
	/* Beyond 2^53: integers must not pass through a double. */
	assert_true(ep_json_get_int(root, "big", 0) == INT64_C(9007199254740993));
	assert_int_equal(ep_json_get_int(root, "neg", 0), -12);
	assert_true(ep_json_get_double(root, "real", 0) == 1500.0);
	assert_true(ep_json_get_bool(root, "ok", false));
	assert_int_equal(ep_json_get(root, "none")->type, EP_JSON_NULL);
	const struct ep_json *list = ep_json_get(root, "list");
	assert_int_equal(list->count, 3);
	assert_int_equal(list->items[1].items[1].type, EP_JSON_OBJECT);
	assert_string_equal(ep_json_get_string(root, "missing", "fallback"), "fallback");
	ep_json_free(doc);
}

static void expect_json_error(const char *text, const char *want)
{
	struct ep_json_document *doc = NULL;
	char err[256] = "";
	assert_int_equal(ep_json_parse(text, strlen(text), &doc, err, sizeof(err)), -EINVAL);
	if (strstr(err, want) == NULL)
		fail_msg("'%s' gave '%s', expected '%s'", text, err, want);
	assert_null(doc);
}

static void test_json_errors(void **unused)
{
	(void)unused;
	/* jansson's words, after the position of the fault. */
	expect_json_error("{\"a\" 1}", "line 1, column 6: ':' expected");
	expect_json_error("{\n  \"a\": [1, 2,]\n}", "line 2, column 14: unexpected token near ']'");
	expect_json_error("{\"a\": \"unterminated}", "premature end of input");
	expect_json_error("{} trailing", "end of file expected");
	expect_json_error("", "'[' or '{' expected near end of file");
	expect_json_error("{\"a\": 1, \"a\": 2}", "duplicate object key");
	expect_json_error("{\"s\": \"a\\u0000b\"}", "is not allowed");
	expect_json_error("[1e400]", "real number overflow");
	expect_json_error("[99999999999999999999]", "too big integer");
	char unclosed[200];
	memset(unclosed, '[', sizeof(unclosed) - 1);
	unclosed[sizeof(unclosed) - 1] = '\0';
	expect_json_error(unclosed, "column 199: ']' expected near end of file");
	/* Balanced, but deeper than the reader's limit of 64 levels. */
	char nested[2 * 100 + 1];
	memset(nested, '[', 100);
	memset(nested + 100, ']', 100);
	nested[200] = '\0';
	expect_json_error(nested, "nested too deeply");
}

/* Numbers beyond int64 read as an integer saturate instead of being
 * converted out of range (undefined behaviour the fuzzer found). An
 * integer literal beyond int64 is refused by the parser itself. */
static void test_json_huge_numbers_saturate(void **unused)
{
	(void)unused;
	const char *text = "{\"big\": 1.8e19, \"small\": -1e300, \"ok\": 42}";
	struct ep_json_document *doc = NULL;
	char err[256];
	assert_int_equal(ep_json_parse(text, strlen(text), &doc, err, sizeof(err)), 0);
	const struct ep_json *root = ep_json_root(doc);
	assert_true(ep_json_get_int(root, "big", 0) == INT64_MAX);
	assert_true(ep_json_get_int(root, "small", 0) == INT64_MIN);
	assert_int_equal(ep_json_get_int(root, "ok", 0), 42);
	ep_json_free(doc);
}

/* Whatever bytes a server sends end up as text the strict reader takes
 * back: valid UTF-8 stays, anything else becomes U+FFFD. */
static void test_json_writer_keeps_utf8_valid(void **unused)
{
	(void)unused;
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	struct ep_json_writer writer;
	ep_json_init(&writer, out);
	ep_json_begin_object(&writer);
	ep_json_key(&writer, "body");
	ep_json_string(&writer,
	               "\x1f\x8b\x08 gzip, caf\xc3\xa9, \xed\xa0\x80 surrogate, \xf4\x90 end\x7f");
	ep_json_end_object(&writer);
	fclose(out);
	struct ep_json_document *doc = NULL;
	char err[256] = "";
	if (ep_json_parse(text, size, &doc, err, sizeof(err)) != 0)
		fail_msg("%s: %s", text, err);
	assert_string_equal(
	        ep_json_get_string(ep_json_root(doc), "body", NULL),
	        "\x1f\xef\xbf\xbd\x08 gzip, caf\xc3\xa9, \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
	        "surrogate, \xef\xbf\xbd\xef\xbf\xbd end\x7f");
	ep_json_free(doc);
	free(text);
}

static void test_report_builder(void **unused)
{
	(void)unused;
	struct ep_report *report;
	assert_int_equal(ep_report_new("analysis", "baseline", "baseline", NULL, &report), 0);
	/* Items need a section first. */
	assert_int_equal(ep_report_metric(report, "x", "X", ep_value_int(1), "count"), -EINVAL);
	assert_int_equal(ep_report_row(report, NULL), -EINVAL);
	ep_report_set_origin(report, "analyzer.test");
	assert_int_equal(ep_report_section(report, "heap", "Peak memory"), 0);
	assert_int_equal(ep_report_metric(report, "heap.peak_inuse_bytes", "Peak",
	                                  ep_value_int(INT64_C(52000000000)), EP_UNIT_BYTES),
	                 0);
	const struct ep_report_column columns[] = {
		{ "function", "Function", EP_VALUE_TEXT, "" },
		{ "flat", "flat", EP_VALUE_INT, EP_UNIT_BYTES },
	};
	assert_int_equal(ep_report_table(report, "heap.top", "Top", 2, columns), 0);
	char name[32];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "main.f%d", i);
		struct ep_value cells[2] = { ep_value_text(name), ep_value_int(i) };
		assert_int_equal(ep_report_row(report, cells), 0);
	}
	assert_int_equal(ep_report_series(report, "growth.inuse", "baseline", "inuse", "time",
	                                  EP_UNIT_SECONDS, "in-use", EP_UNIT_BYTES),
	                 0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(ep_report_point(report, i, i * 2.0), 0);
	assert_int_equal(ep_report_note(report, "peak at %s", "heap3.pprof"), 0);
	for (int s = 0; s < 20; s++)
		assert_int_equal(ep_report_section(report, "more", "More"), 0);

	const struct ep_report_document *doc = ep_report_document(report);
	assert_string_equal(doc->kind, "analysis");
	assert_int_equal(doc->section_count, 21);
	const struct ep_report_section *heap = doc->sections[0];
	assert_string_equal(heap->origin, "analyzer.test");
	assert_int_equal(heap->item_count, 4);
	const struct ep_report_table *table = heap->items[1].u.table;
	assert_int_equal(table->row_count, 100);
	assert_string_equal(table->cells[99 * 2].text, "main.f99");
	assert_int_equal(table->cells[99 * 2 + 1].integer, 99);
	assert_int_equal(heap->items[2].u.series->point_count, 50);
	assert_true(heap->items[2].u.series->points[49].y == 98.0);
	assert_string_equal(heap->items[3].u.note, "peak at heap3.pprof");
	const struct ep_report_metric *peak = ep_report_find_metric(doc, "heap.peak_inuse_bytes");
	assert_non_null(peak);
	assert_true(peak->value.integer == INT64_C(52000000000));
	assert_null(ep_report_find_metric(doc, "nope"));
	ep_report_free(report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_json_huge_numbers_saturate),
		cmocka_unit_test(test_json_writer_keeps_utf8_valid),
		cmocka_unit_test(test_report_builder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
