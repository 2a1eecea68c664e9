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

/* The length of the well-formed UTF-8 sequence at c (1 to 4), or 0 when
 * the bytes there are not one (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). */
static size_t json_utf8_length(const unsigned char *c)
{
	if (c[0] < 0x80)
		return 1;
	size_t length = c[0] >= 0xc2 && c[0] <= 0xdf   ? 2
	                : c[0] >= 0xe0 && c[0] <= 0xef ? 3
	                : c[0] >= 0xf0 && c[0] <= 0xf4 ? 4
	                                               : 0;
	for (size_t i = 1; i < length; i++)
		if ((c[i] & 0xc0) != 0x80)
			return 0;
	if ((c[0] == 0xe0 && c[1] < 0xa0) || (c[0] == 0xed && c[1] >= 0xa0) ||
	    (c[0] == 0xf0 && c[1] < 0x90) || (c[0] == 0xf4 && c[1] >= 0x90))
		return 0;
	return length;
}

/* Text from a server or a file may hold any bytes; JSON must be UTF-8, so
 * a byte that starts no valid sequence becomes U+FFFD and every reader
 * (ours is strict) can still read the document. */
static void json_write_string(FILE *out, const char *value)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)value; *c;) {
		size_t length = json_utf8_length(c);
		if (length == 0) {
			fputs("\\ufffd", out);
			c++;
			continue;
		}
		if (length > 1) {
			fwrite(c, 1, length, out);
			c += length;
			continue;
		}
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
			if (*c < 0x20 || *c == 0x7f)
				fprintf(out, "\\u%04x", *c);
			else
				fputc(*c, out);
		}
		c++;
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
