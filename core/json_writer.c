/* JSON output; see json_writer.h. */
#include "json_writer.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>

void ep_json_init(struct ep_json_writer *writer, FILE *out)
{
	*writer = (struct ep_json_writer){ .out = out };
}

static void json_indent(struct ep_json_writer *writer)
{
	fputc('\n', writer->out);
	for (int i = 0; i < writer->depth; i++)
		fputs("  ", writer->out);
}

/* Separator and indentation before a value or a key. */
static void json_before_item(struct ep_json_writer *writer)
{
	if (writer->key_written) {
		writer->key_written = false;
		return;
	}
	if (writer->depth > 0) {
		if (writer->has_items[writer->depth])
			fputc(',', writer->out);
		json_indent(writer);
	}
	writer->has_items[writer->depth] = true;
}

static void json_open(struct ep_json_writer *writer, char bracket)
{
	json_before_item(writer);
	fputc(bracket, writer->out);
	assert(writer->depth + 1 < EP_JSON_MAX_DEPTH);
	writer->depth++;
	writer->has_items[writer->depth] = false;
}

static void json_close(struct ep_json_writer *writer, char bracket)
{
	assert(writer->depth > 0 && !writer->key_written);
	bool had_items = writer->has_items[writer->depth];
	writer->depth--;
	if (had_items)
		json_indent(writer);
	fputc(bracket, writer->out);
	if (writer->depth == 0)
		fputc('\n', writer->out);
}

void ep_json_begin_object(struct ep_json_writer *writer)
{
	json_open(writer, '{');
}

void ep_json_end_object(struct ep_json_writer *writer)
{
	json_close(writer, '}');
}

void ep_json_begin_array(struct ep_json_writer *writer)
{
	json_open(writer, '[');
}

void ep_json_end_array(struct ep_json_writer *writer)
{
	json_close(writer, ']');
}

static void json_write_string(FILE *out, const char *value)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
		switch (*c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*c < 0x20)
				fprintf(out, "\\u%04x", *c);
			else
				fputc(*c, out);
		}
	}
	fputc('"', out);
}

void ep_json_key(struct ep_json_writer *writer, const char *key)
{
	assert(!writer->key_written);
	json_before_item(writer);
	json_write_string(writer->out, key);
	fputs(": ", writer->out);
	writer->key_written = true;
}

void ep_json_string(struct ep_json_writer *writer, const char *value)
{
	if (value == NULL) {
		ep_json_null(writer);
		return;
	}
	json_before_item(writer);
	json_write_string(writer->out, value);
}

void ep_json_int(struct ep_json_writer *writer, int64_t value)
{
	json_before_item(writer);
	fprintf(writer->out, "%" PRId64, value);
}

void ep_json_double(struct ep_json_writer *writer, double value)
{
	if (!isfinite(value)) {
		ep_json_null(writer);
		return;
	}
	json_before_item(writer);
	/* 17 significant digits round-trip any double. */
	fprintf(writer->out, "%.17g", value);
}

void ep_json_bool(struct ep_json_writer *writer, bool value)
{
	json_before_item(writer);
	fputs(value ? "true" : "false", writer->out);
}

void ep_json_null(struct ep_json_writer *writer)
{
	json_before_item(writer);
	fputs("null", writer->out);
}
