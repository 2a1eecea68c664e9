/* JSON parsing by recursive descent into arena-allocated nodes; see
 * json_reader.h. Objects and arrays are built in temporary growing arrays
 * and copied into the arena once complete. */
#include "json_reader.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof/arena.h"

#define JSON_MAX_DEPTH 64

struct ep_json_document {
	struct ep_arena arena;
	struct ep_json root;
};

struct json_parser {
	const char *text, *end, *cursor;
	struct ep_arena *arena;
	char *err;
	size_t errlen;
	int depth;
};

static int json_fail(struct json_parser *p, const char *format, ...)
        __attribute__((format(printf, 2, 3)));
static int json_fail(struct json_parser *p, const char *format, ...)
{
	int line = 1, column = 1;
	for (const char *c = p->text; c < p->cursor; c++) {
		if (*c == '\n') {
			line++;
			column = 1;
		} else {
			column++;
		}
	}
	int used = snprintf(p->err, p->errlen, "line %d, column %d: ", line, column);
	if (used >= 0 && (size_t)used < p->errlen) {
		va_list args;
		va_start(args, format);
		vsnprintf(p->err + used, p->errlen - (size_t)used, format, args);
		va_end(args);
	}
	return -EINVAL;
}

static void json_skip_space(struct json_parser *p)
{
	while (p->cursor < p->end && (*p->cursor == ' ' || *p->cursor == '\t' ||
	                              *p->cursor == '\n' || *p->cursor == '\r'))
		p->cursor++;
}

static bool json_literal(struct json_parser *p, const char *word)
{
	size_t len = strlen(word);
	if ((size_t)(p->end - p->cursor) < len || memcmp(p->cursor, word, len) != 0)
		return false;
	p->cursor += len;
	return true;
}

static int json_hex4(struct json_parser *p, unsigned *value)
{
	if (p->end - p->cursor < 4)
		return json_fail(p, "truncated \\u escape");
	*value = 0;
	for (int i = 0; i < 4; i++) {
		char c = *p->cursor++;
		*value <<= 4;
		if (c >= '0' && c <= '9')
			*value |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*value |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*value |= (unsigned)(c - 'A' + 10);
		else
			return json_fail(p, "bad \\u escape");
	}
	return 0;
}

static size_t json_put_utf8(char *out, unsigned code)
{
	if (code < 0x80) {
		out[0] = (char)code;
		return 1;
	}
	if (code < 0x800) {
		out[0] = (char)(0xc0 | (code >> 6));
		out[1] = (char)(0x80 | (code & 0x3f));
		return 2;
	}
	if (code < 0x10000) {
		out[0] = (char)(0xe0 | (code >> 12));
		out[1] = (char)(0x80 | ((code >> 6) & 0x3f));
		out[2] = (char)(0x80 | (code & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (code >> 18));
	out[1] = (char)(0x80 | ((code >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((code >> 6) & 0x3f));
	out[3] = (char)(0x80 | (code & 0x3f));
	return 4;
}

static int json_string(struct json_parser *p, const char **out)
{
	p->cursor++; /* the opening quote */
	/* Decoded text is never longer than its source. */
	const char *start = p->cursor;
	const char *close = start;
	while (close < p->end && *close != '"') {
		if (*close == '\\')
			close++;
		close++;
	}
	if (close >= p->end)
		return json_fail(p, "unterminated string");
	char *buffer = ep_arena_alloc(p->arena, (size_t)(close - start) + 1);
	if (buffer == NULL)
		return -ENOMEM;
	size_t used = 0;
	while (*p->cursor != '"') {
		unsigned char c = (unsigned char)*p->cursor++;
		if (c < 0x20)
			return json_fail(p, "control character in string");
		if (c != '\\') {
			buffer[used++] = (char)c;
			continue;
		}
		char escape = *p->cursor++;
		unsigned code;
		switch (escape) {
		case '"':
		case '\\':
		case '/':
			buffer[used++] = escape;
			break;
		case 'b':
			buffer[used++] = '\b';
			break;
		case 'f':
			buffer[used++] = '\f';
			break;
		case 'n':
			buffer[used++] = '\n';
			break;
		case 'r':
			buffer[used++] = '\r';
			break;
		case 't':
			buffer[used++] = '\t';
			break;
		case 'u':
			if (json_hex4(p, &code) < 0)
				return -EINVAL;
			if (code >= 0xd800 && code < 0xdc00 && p->end - p->cursor >= 6 &&
			    p->cursor[0] == '\\' && p->cursor[1] == 'u') {
				unsigned low;
				p->cursor += 2;
				if (json_hex4(p, &low) < 0)
					return -EINVAL;
				code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
			}
			if (code == 0)
				return json_fail(p, "\\u0000 in string");
			used += json_put_utf8(buffer + used, code);
			break;
		default:
			return json_fail(p, "bad escape '\\%c'", escape);
		}
	}
	p->cursor++; /* the closing quote */
	buffer[used] = '\0';
	*out = buffer;
	return 0;
}

static int json_number(struct json_parser *p, struct ep_json *value)
{
	const char *start = p->cursor;
	if (p->cursor < p->end && *p->cursor == '-')
		p->cursor++;
	bool integral = true;
	while (p->cursor < p->end &&
	       (strchr("0123456789", *p->cursor) || strchr(".eE+-", *p->cursor))) {
		if (strchr(".eE", *p->cursor))
			integral = false;
		p->cursor++;
	}
	char text[64];
	size_t len = (size_t)(p->cursor - start);
	if (len == 0 || len >= sizeof(text))
		return json_fail(p, "bad number");
	memcpy(text, start, len);
	text[len] = '\0';
	char *end;
	value->type = EP_JSON_NUMBER;
	value->number = strtod(text, &end);
	if (*end != '\0')
		return json_fail(p, "bad number '%s'", text);
	/* The integer reading of any number, saturated: converting a double
	 * outside int64's range is undefined (found by tests/core/fuzz_manifest). */
	if (!(value->number < 9223372036854775808.0))
		value->integer = INT64_MAX;
	else if (value->number < -9223372036854775808.0)
		value->integer = INT64_MIN;
	else
		value->integer = (int64_t)value->number;
	if (integral) {
		errno = 0;
		long long exact = strtoll(text, &end, 10);
		if (errno == 0 && *end == '\0') {
			value->integer = exact;
			value->is_integer = true;
		}
	}
	return 0;
}

static int json_value(struct json_parser *p, struct ep_json *value);

/* Arrays and objects: members parse into a growing heap array, then move
 * into the arena. */
static int json_container(struct json_parser *p, struct ep_json *value, bool object)
{
	if (++p->depth > JSON_MAX_DEPTH)
		return json_fail(p, "nested too deeply");
	p->cursor++;
	struct ep_json *items = NULL;
	const char **keys = NULL;
	size_t count = 0, capacity = 0;
	int rc = 0;
	char close = object ? '}' : ']';
	json_skip_space(p);
	if (p->cursor < p->end && *p->cursor == close) {
		p->cursor++;
		goto done;
	}
	for (;;) {
		if (count == capacity) {
			capacity = capacity ? capacity * 2 : 8;
			struct ep_json *grown_items = realloc(items, capacity * sizeof(*items));
			if (grown_items == NULL) {
				rc = -ENOMEM;
				goto done;
			}
			items = grown_items;
			const char **grown_keys = realloc(keys, capacity * sizeof(*keys));
			if (grown_keys == NULL) {
				rc = -ENOMEM;
				goto done;
			}
			keys = grown_keys;
		}
		json_skip_space(p);
		keys[count] = NULL;
		if (object) {
			if (p->cursor >= p->end || *p->cursor != '"') {
				rc = json_fail(p, "expected a member name");
				goto done;
			}
			if ((rc = json_string(p, &keys[count])) < 0)
				goto done;
			json_skip_space(p);
			if (p->cursor >= p->end || *p->cursor != ':') {
				rc = json_fail(p, "expected ':'");
				goto done;
			}
			p->cursor++;
		}
		if ((rc = json_value(p, &items[count])) < 0)
			goto done;
		count++;
		json_skip_space(p);
		if (p->cursor < p->end && *p->cursor == ',') {
			p->cursor++;
			continue;
		}
		if (p->cursor < p->end && *p->cursor == close) {
			p->cursor++;
			break;
		}
		rc = json_fail(p, "expected ',' or '%c'", close);
		goto done;
	}
done:
	if (rc == 0) {
		value->type = object ? EP_JSON_OBJECT : EP_JSON_ARRAY;
		value->count = count;
		value->items = ep_arena_calloc(p->arena, count ? count : 1, sizeof(*items));
		value->keys =
		        object ? ep_arena_calloc(p->arena, count ? count : 1, sizeof(*keys)) : NULL;
		if (value->items == NULL || (object && value->keys == NULL)) {
			rc = -ENOMEM;
		} else {
			if (count)
				memcpy(value->items, items, count * sizeof(*items));
			if (object && count)
				memcpy(value->keys, keys, count * sizeof(*keys));
		}
	}
	free(items);
	free(keys);
	p->depth--;
	return rc;
}

static int json_value(struct json_parser *p, struct ep_json *value)
{
	memset(value, 0, sizeof(*value));
	json_skip_space(p);
	if (p->cursor >= p->end)
		return json_fail(p, "unexpected end of input");
	switch (*p->cursor) {
	case '{':
		return json_container(p, value, true);
	case '[':
		return json_container(p, value, false);
	case '"':
		value->type = EP_JSON_STRING;
		return json_string(p, &value->string);
	case 't':
	case 'f':
	case 'n':
		if (json_literal(p, "true")) {
			value->type = EP_JSON_BOOL;
			value->boolean = true;
		} else if (json_literal(p, "false")) {
			value->type = EP_JSON_BOOL;
		} else if (json_literal(p, "null")) {
			value->type = EP_JSON_NULL;
		} else {
			return json_fail(p, "unexpected text");
		}
		return 0;
	default:
		if (*p->cursor == '-' || (*p->cursor >= '0' && *p->cursor <= '9'))
			return json_number(p, value);
		return json_fail(p, "unexpected character '%c'", *p->cursor);
	}
}

int ep_json_parse(const char *text, size_t len, struct ep_json_document **out, char *err,
                  size_t errlen)
{
	struct ep_json_document *document = calloc(1, sizeof(*document));
	if (document == NULL)
		return -ENOMEM;
	ep_arena_init(&document->arena);
	struct json_parser parser = { text, text + len, text, &document->arena, err, errlen, 0 };
	int rc = json_value(&parser, &document->root);
	if (rc == 0) {
		json_skip_space(&parser);
		if (parser.cursor != parser.end)
			rc = json_fail(&parser, "text after the document");
	}
	if (rc < 0) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		ep_json_free(document);
		return rc;
	}
	*out = document;
	return 0;
}

int ep_json_parse_file(const char *path, struct ep_json_document **out, char *err, size_t errlen)
{
	FILE *file = fopen(path, "rb");
	if (file == NULL) {
		int rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	char *text = NULL;
	size_t len = 0, capacity = 0;
	int rc = 0;
	for (;;) {
		if (len == capacity) {
			capacity = capacity ? capacity * 2 : 65536;
			char *grown = realloc(text, capacity);
			if (grown == NULL) {
				rc = -ENOMEM;
				break;
			}
			text = grown;
		}
		size_t got = fread(text + len, 1, capacity - len, file);
		len += got;
		if (got == 0)
			break;
	}
	if (rc == 0 && ferror(file))
		rc = -EIO;
	fclose(file);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		free(text);
		return rc;
	}
	char detail[256] = "";
	rc = ep_json_parse(text, len, out, detail, sizeof(detail));
	free(text);
	if (rc < 0)
		snprintf(err, errlen, "%s: not valid JSON: %s", path, detail);
	return rc;
}

const struct ep_json *ep_json_root(const struct ep_json_document *document)
{
	return &document->root;
}

void ep_json_free(struct ep_json_document *document)
{
	if (document == NULL)
		return;
	ep_arena_release(&document->arena);
	free(document);
}

const struct ep_json *ep_json_get(const struct ep_json *value, const char *key)
{
	if (value == NULL || value->type != EP_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < value->count; i++)
		if (strcmp(value->keys[i], key) == 0)
			return &value->items[i];
	return NULL;
}

const char *ep_json_get_string(const struct ep_json *value, const char *key, const char *fallback)
{
	const struct ep_json *member = ep_json_get(value, key);
	return member && member->type == EP_JSON_STRING ? member->string : fallback;
}

int64_t ep_json_get_int(const struct ep_json *value, const char *key, int64_t fallback)
{
	const struct ep_json *member = ep_json_get(value, key);
	return member && member->type == EP_JSON_NUMBER ? member->integer : fallback;
}

double ep_json_get_double(const struct ep_json *value, const char *key, double fallback)
{
	const struct ep_json *member = ep_json_get(value, key);
	return member && member->type == EP_JSON_NUMBER ? member->number : fallback;
}

bool ep_json_get_bool(const struct ep_json *value, const char *key, bool fallback)
{
	const struct ep_json *member = ep_json_get(value, key);
	return member && member->type == EP_JSON_BOOL ? member->boolean : fallback;
}
