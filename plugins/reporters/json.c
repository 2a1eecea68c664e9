/* json: renders any report document as BASE.json (RUN/analysis.json,
 * comparisons/A-vs-B.json) in the versioned schema "e2e-profile/report"
 * of docs/report-json.md, for programs: every number raw with its unit
 * beside it. Built into plugins/reporters/json.so; settings in
 * [reporter.json]: indent = true|false. The writer is this file's own:
 * plugins link nothing of the host. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "reporter_common.h"

/* Bump when a reader of the old schema would misread the new one; adding
 * members is not such a change (docs/report-json.md). */
#define JSON_SCHEMA_NAME    "e2e-profile/report"
#define JSON_SCHEMA_VERSION 2

#define JSON_MAX_DEPTH 16

/* A streaming JSON writer: it places commas, line breaks and indentation;
 * containers opened compact (a table row, a point) stay on one line. */
struct json_writer {
	FILE *stream;
	bool indent;
	int depth;                            /* containers open */
	bool has_members[JSON_MAX_DEPTH + 1]; /* per depth: a member was written */
	int compact_from;                     /* depth of the compact container, 0: none */
	bool after_key;                       /* the next value follows "key": */
	int error;                            /* first misuse, as a negative errno */
};

static bool json_inline(const struct json_writer *writer)
{
	return writer->compact_from != 0 && writer->depth >= writer->compact_from;
}

static void json_newline(struct json_writer *writer)
{
	if (!writer->indent || json_inline(writer))
		return;
	fputc('\n', writer->stream);
	for (int i = 0; i < writer->depth; i++)
		fputs("  ", writer->stream);
}

static void json_before_value(struct json_writer *writer)
{
	if (writer->after_key) {
		writer->after_key = false;
		return;
	}
	if (writer->depth == 0)
		return;
	if (writer->has_members[writer->depth]) {
		fputc(',', writer->stream);
		if (writer->indent && json_inline(writer))
			fputc(' ', writer->stream);
	}
	writer->has_members[writer->depth] = true;
	json_newline(writer);
}

static void json_open(struct json_writer *writer, char bracket, bool compact)
{
	if (writer->depth == JSON_MAX_DEPTH) {
		writer->error = -EOVERFLOW;
		return;
	}
	json_before_value(writer);
	fputc(bracket, writer->stream);
	writer->depth++;
	writer->has_members[writer->depth] = false;
	if (compact && writer->compact_from == 0)
		writer->compact_from = writer->depth;
}

static void json_close(struct json_writer *writer, char bracket)
{
	if (writer->depth == 0) {
		writer->error = -EINVAL;
		return;
	}
	bool had_members = writer->has_members[writer->depth];
	bool was_inline = json_inline(writer);
	if (writer->compact_from == writer->depth)
		writer->compact_from = 0;
	writer->depth--;
	if (had_members && !was_inline)
		json_newline(writer);
	fputc(bracket, writer->stream);
}

/* A string, escaped as RFC 8259 asks: quote, backslash and control
 * characters; bytes that are not UTF-8 become U+FFFD so the file stays
 * valid JSON. U+2028 and U+2029 are escaped too, for JavaScript readers. */
static void json_write_string(FILE *stream, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t length = strlen(text);
	fputc('"', stream);
	while (length > 0) {
		uint32_t code_point;
		int used = reporter_utf8_decode(p, length, &code_point);
		if (used < 0) {
			fputs("\\ufffd", stream);
			p++;
			length--;
			continue;
		}
		switch (code_point) {
		case '"':
			fputs("\\\"", stream);
			break;
		case '\\':
			fputs("\\\\", stream);
			break;
		case '\b':
			fputs("\\b", stream);
			break;
		case '\f':
			fputs("\\f", stream);
			break;
		case '\n':
			fputs("\\n", stream);
			break;
		case '\r':
			fputs("\\r", stream);
			break;
		case '\t':
			fputs("\\t", stream);
			break;
		default:
			if (code_point < 0x20 || code_point == 0x2028 || code_point == 0x2029)
				fprintf(stream, "\\u%04x", (unsigned)code_point);
			else
				fwrite(p, 1, (size_t)used, stream);
		}
		p += used;
		length -= (size_t)used;
	}
	fputc('"', stream);
}

static void json_key(struct json_writer *writer, const char *key)
{
	json_before_value(writer);
	json_write_string(writer->stream, key);
	fputs(writer->indent ? ": " : ":", writer->stream);
	writer->after_key = true;
}

/* A string member; NULL text is written as "" (the schema has strings
 * everywhere but run_b). */
static void json_string(struct json_writer *writer, const char *key, const char *text)
{
	if (key != NULL)
		json_key(writer, key);
	json_before_value(writer);
	json_write_string(writer->stream, reporter_text(text));
}

static void json_null(struct json_writer *writer, const char *key)
{
	if (key != NULL)
		json_key(writer, key);
	json_before_value(writer);
	fputs("null", writer->stream);
}

static void json_integer(struct json_writer *writer, const char *key, int64_t value)
{
	if (key != NULL)
		json_key(writer, key);
	json_before_value(writer);
	fprintf(writer->stream, "%" PRId64, value);
}

/* A double that reads back exactly; JSON has no NaN or infinity, so those
 * are null. */
static void json_double(struct json_writer *writer, const char *key, double value)
{
	char number[REPORTER_NUMBER_MAX];
	if (!isfinite(value)) {
		json_null(writer, key);
		return;
	}
	if (key != NULL)
		json_key(writer, key);
	json_before_value(writer);
	fputs(reporter_format_double(number, sizeof(number), value), writer->stream);
}

static void json_value(struct json_writer *writer, const char *key, struct ep_value value)
{
	switch (value.type) {
	case EP_VALUE_INT:
		json_integer(writer, key, value.integer);
		return;
	case EP_VALUE_DOUBLE:
		json_double(writer, key, value.real);
		return;
	case EP_VALUE_TEXT:
		json_string(writer, key, value.text);
		return;
	case EP_VALUE_NONE:
		break;
	}
	json_null(writer, key);
}

static void json_bool(struct json_writer *writer, const char *key, bool value)
{
	if (key != NULL)
		json_key(writer, key);
	json_before_value(writer);
	fputs(value ? "true" : "false", writer->stream);
}

/* [low, high], or null when either is not a number. */
static void json_interval(struct json_writer *writer, const char *key, double low, double high)
{
	if (!isfinite(low) || !isfinite(high)) {
		json_null(writer, key);
		return;
	}
	json_key(writer, key);
	json_open(writer, '[', true);
	json_double(writer, NULL, low);
	json_double(writer, NULL, high);
	json_close(writer, ']');
}

/* The change and its test (schema 2): delta, delta_percent, n_a, n_b,
 * p_value, significant; with repetitions also alpha, ranges and intervals. */
static void json_comparison_statistics(struct json_writer *writer,
                                       const struct ep_report_comparison *comparison)
{
	double a, b;
	int64_t difference;
	bool numbers = reporter_value_number(comparison->a, &a) &&
	               reporter_value_number(comparison->b, &b) && isfinite(a) && isfinite(b);
	if (comparison->a.type == EP_VALUE_INT && comparison->b.type == EP_VALUE_INT &&
	    !__builtin_sub_overflow(comparison->b.integer, comparison->a.integer, &difference))
		json_integer(writer, "delta", difference);
	else if (numbers)
		json_double(writer, "delta", b - a);
	else
		json_null(writer, "delta");
	if (numbers && a != 0)
		json_double(writer, "delta_percent", (b - a) / fabs(a) * 100);
	else
		json_null(writer, "delta_percent");
	const struct ep_report_statistics *stats = comparison->statistics;
	if (stats == NULL) {
		json_integer(writer, "n_a", reporter_value_present(comparison->a));
		json_integer(writer, "n_b", reporter_value_present(comparison->b));
		json_null(writer, "p_value");
		json_null(writer, "significant");
		return;
	}
	json_integer(writer, "n_a", stats->n_a);
	json_integer(writer, "n_b", stats->n_b);
	json_double(writer, "p_value", stats->p_value);
	if (stats->significant >= 0)
		json_bool(writer, "significant", stats->significant == 1);
	else
		json_null(writer, "significant");
	json_double(writer, "alpha", stats->alpha);
	json_interval(writer, "a_range", stats->a_min, stats->a_max);
	json_interval(writer, "b_range", stats->b_min, stats->b_max);
	json_interval(writer, "a_ci95", stats->a_low, stats->a_high);
	json_interval(writer, "b_ci95", stats->b_low, stats->b_high);
}

static const char *json_value_type(enum ep_value_type type)
{
	switch (type) {
	case EP_VALUE_INT:
		return "int";
	case EP_VALUE_DOUBLE:
		return "double";
	case EP_VALUE_TEXT:
		return "text";
	case EP_VALUE_NONE:
		break;
	}
	return "none";
}

/* --- the document --- */

static void json_table(struct json_writer *writer, const struct ep_report_table *table)
{
	json_string(writer, "id", table->id);
	json_string(writer, "title", table->title);
	json_key(writer, "columns");
	json_open(writer, '[', false);
	for (size_t c = 0; c < table->column_count; c++) {
		const struct ep_report_column *column = &table->columns[c];
		json_open(writer, '{', true);
		json_string(writer, "id", column->id);
		json_string(writer, "label", column->label);
		json_string(writer, "type", json_value_type(column->type));
		json_string(writer, "unit", column->unit);
		json_close(writer, '}');
	}
	json_close(writer, ']');
	json_key(writer, "rows");
	json_open(writer, '[', false);
	for (size_t r = 0; r < table->row_count; r++) {
		json_open(writer, '[', true);
		for (size_t c = 0; c < table->column_count; c++)
			json_value(writer, NULL, table->cells[r * table->column_count + c]);
		json_close(writer, ']');
	}
	json_close(writer, ']');
}

static void json_axis(struct json_writer *writer, const char *key, const char *label,
                      const char *unit)
{
	json_key(writer, key);
	json_open(writer, '{', true);
	json_string(writer, "label", label);
	json_string(writer, "unit", unit);
	json_close(writer, '}');
}

static void json_series(struct json_writer *writer, const struct ep_report_series *series)
{
	json_string(writer, "id", series->id);
	json_string(writer, "title", series->title);
	json_string(writer, "chart", series->chart);
	json_axis(writer, "x", series->x_label, series->x_unit);
	json_axis(writer, "y", series->y_label, series->y_unit);
	json_key(writer, "points");
	json_open(writer, '[', false);
	for (size_t i = 0; i < series->point_count; i++) {
		json_open(writer, '[', true);
		json_double(writer, NULL, series->points[i].x);
		json_double(writer, NULL, series->points[i].y);
		json_close(writer, ']');
	}
	json_close(writer, ']');
}

/* A tree's header only: its frames are in the flamegraph reporter's
 * folded file, which has every frame in a form other tools read. */
static void json_tree(struct json_writer *writer, const struct ep_report_tree *tree)
{
	json_string(writer, "id", tree->id);
	json_string(writer, "title", tree->title);
	json_string(writer, "sample_type", tree->sample_type);
	json_string(writer, "unit", tree->unit);
	json_value(writer, "total",
	           (struct ep_value){ .type = EP_VALUE_INT, .integer = tree->total });
	if (tree->has_base)
		json_value(writer, "base_total",
		           (struct ep_value){ .type = EP_VALUE_INT, .integer = tree->base_total });
	json_value(
	        writer, "profiles",
	        (struct ep_value){ .type = EP_VALUE_INT, .integer = (int64_t)tree->profile_count });
	if (tree->has_base)
		json_value(writer, "base_profiles",
		           (struct ep_value){ .type = EP_VALUE_INT,
		                              .integer = (int64_t)tree->base_profile_count });
	json_value(
	        writer, "frames",
	        (struct ep_value){ .type = EP_VALUE_INT, .integer = (int64_t)tree->frame_count });
}

static void json_item(struct json_writer *writer, const struct ep_report_item *item)
{
	json_open(writer, '{', false);
	switch (item->kind) {
	case EP_REPORT_METRIC:
		json_string(writer, "type", "metric");
		json_string(writer, "id", item->u.metric->id);
		json_string(writer, "label", item->u.metric->label);
		json_value(writer, "value", item->u.metric->value);
		json_string(writer, "unit", item->u.metric->unit);
		break;
	case EP_REPORT_TABLE:
		json_string(writer, "type", "table");
		json_table(writer, item->u.table);
		break;
	case EP_REPORT_SERIES:
		json_string(writer, "type", "series");
		json_series(writer, item->u.series);
		break;
	case EP_REPORT_NOTE:
		json_string(writer, "type", "note");
		json_string(writer, "text", item->u.note);
		break;
	case EP_REPORT_RECOMMENDATION:
		json_string(writer, "type", "recommendation");
		json_string(writer, "rule", item->u.recommendation->rule);
		json_string(writer, "advice", item->u.recommendation->advice);
		json_string(writer, "evidence", item->u.recommendation->evidence);
		break;
	case EP_REPORT_TREE:
		json_string(writer, "type", "tree");
		json_tree(writer, item->u.tree);
		break;
	case EP_REPORT_COMPARISON:
		json_string(writer, "type", "comparison");
		json_string(writer, "id", item->u.comparison->id);
		json_string(writer, "label", item->u.comparison->label);
		json_value(writer, "a", item->u.comparison->a);
		json_value(writer, "b", item->u.comparison->b);
		json_string(writer, "unit", item->u.comparison->unit);
		json_comparison_statistics(writer, item->u.comparison);
		break;
	}
	json_close(writer, '}');
}

/* An item kind newer than this plugin has no spelling in schema 1. */
static bool json_item_known(const struct ep_report_item *item)
{
	return item->kind >= EP_REPORT_METRIC && item->kind <= EP_REPORT_TREE;
}

struct json_job {
	const struct ep_report_document *document;
	bool indent;
};

static int json_write(FILE *stream, void *context)
{
	const struct json_job *job = context;
	const struct ep_report_document *document = job->document;
	struct json_writer writer = { .stream = stream, .indent = job->indent };

	json_open(&writer, '{', false);
	json_string(&writer, "schema", JSON_SCHEMA_NAME);
	json_integer(&writer, "schema_version", JSON_SCHEMA_VERSION);
	json_string(&writer, "kind", document->kind);
	json_string(&writer, "title", document->title);
	json_string(&writer, "run_a", document->run_a);
	if (document->run_b != NULL)
		json_string(&writer, "run_b", document->run_b);
	else
		json_null(&writer, "run_b");
	json_key(&writer, "sections");
	json_open(&writer, '[', false);
	for (size_t s = 0; s < document->section_count; s++) {
		const struct ep_report_section *section = document->sections[s];
		json_open(&writer, '{', false);
		json_string(&writer, "id", section->id);
		json_string(&writer, "title", section->title);
		json_string(&writer, "origin", section->origin);
		json_key(&writer, "items");
		json_open(&writer, '[', false);
		for (size_t i = 0; i < section->item_count; i++)
			if (json_item_known(&section->items[i]))
				json_item(&writer, &section->items[i]);
		json_close(&writer, ']');
		json_close(&writer, '}');
	}
	json_close(&writer, ']');
	json_close(&writer, '}');
	fputc('\n', stream);
	return writer.error;
}

struct json_reporter {
	struct reporter_host host;
	bool indent;
};

static int json_render(void *state, const struct ep_report_document *document,
                       const char *base_path)
{
	struct json_reporter *self = state;
	if (document == NULL || base_path == NULL || base_path[0] == '\0') {
		self->host.host->log(self->host.instance, EP_LOG_ERROR,
		                     "nothing to render: no document or no output path");
		return -EINVAL;
	}
	char *path = reporter_path(base_path, ".json");
	if (path == NULL) {
		self->host.host->log(self->host.instance, EP_LOG_ERROR,
		                     "out of memory rendering %s.json", base_path);
		return -ENOMEM;
	}
	struct json_job job = { document, self->indent };
	int rc = reporter_write_file(&self->host, path, json_write, &job);
	free(path);
	return rc;
}

static int json_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	struct json_reporter *self = calloc(1, sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	self->host = (struct reporter_host){ host, instance };
	int rc = host->config_get_bool(instance, "indent", &self->indent);
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, "cannot read setting indent: %s", strerror(-rc));
		free(self);
		return rc;
	}
	*state = self;
	return 0;
}

static void json_fini(void *state)
{
	free(state);
}

static const struct ep_reporter_ops json_ops = {
	.version = EP_REPORTER_OPS_VERSION,
	.render = json_render,
};

static const struct ep_config_key json_config_keys[] = {
	{ "indent", EP_CONFIG_BOOL, "true",
	  "indent BASE.json for people (table rows and points stay one per line); false writes "
	  "one line" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor json_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_REPORTER,
	.name = "json",
	.version = "1.0.0",
	.description =
	        "writes BASE.json, every figure raw with its unit (schema e2e-profile/report)",
	.config_keys = json_config_keys,
	.init = json_init,
	.fini = json_fini,
	.reporter = &json_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &json_descriptor;
}
