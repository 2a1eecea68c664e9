/* Reading JSON with jansson, the one JSON parser of the tree (see the
 * README's dependency list), into the read-only tree of json_reader.h.
 * jansson does the parsing of untrusted text; this file only copies its
 * result into one arena, so a document is freed at once and its pointers
 * stay valid while the caller reads it. */
#include "json_reader.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof/arena.h"

/* run.json is four levels deep; anything far deeper is not ours. */
#define JSON_MAX_DEPTH 64

struct ep_json_document {
	struct ep_arena arena;
	struct ep_json root;
};

static int json_reader_copy(struct ep_arena *arena, const json_t *from, struct ep_json *to,
                            int depth, char *err, size_t errlen);

static int json_reader_copy_container(struct ep_arena *arena, const json_t *from,
                                      struct ep_json *to, int depth, char *err, size_t errlen)
{
	bool object = json_is_object(from);
	size_t count = object ? json_object_size(from) : json_array_size(from);
	to->type = object ? EP_JSON_OBJECT : EP_JSON_ARRAY;
	to->count = count;
	to->items = ep_arena_calloc(arena, count ? count : 1, sizeof(*to->items));
	to->keys = object ? ep_arena_calloc(arena, count ? count : 1, sizeof(*to->keys)) : NULL;
	if (to->items == NULL || (object && to->keys == NULL))
		return -ENOMEM;
	if (!object) {
		for (size_t i = 0; i < count; i++) {
			int rc = json_reader_copy(arena, json_array_get(from, i), &to->items[i],
			                          depth + 1, err, errlen);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	/* jansson keeps insertion order (since 2.8), so members stay in file
	 * order, as a reader of run.json expects. */
	size_t i = 0;
	const char *key;
	json_t *member;
	json_object_foreach((json_t *)(uintptr_t)from, key, member)
	{
		to->keys[i] = ep_arena_strndup(arena, key, strlen(key));
		if (to->keys[i] == NULL)
			return -ENOMEM;
		int rc = json_reader_copy(arena, member, &to->items[i], depth + 1, err, errlen);
		if (rc < 0)
			return rc;
		i++;
	}
	return 0;
}

static int json_reader_copy(struct ep_arena *arena, const json_t *from, struct ep_json *to,
                            int depth, char *err, size_t errlen)
{
	memset(to, 0, sizeof(*to));
	if (depth > JSON_MAX_DEPTH) {
		snprintf(err, errlen, "nested too deeply (more than %d levels)", JSON_MAX_DEPTH);
		return -EINVAL;
	}
	switch (json_typeof(from)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		return json_reader_copy_container(arena, from, to, depth, err, errlen);
	case JSON_STRING:
		to->type = EP_JSON_STRING;
		to->string =
		        ep_arena_strndup(arena, json_string_value(from), json_string_length(from));
		return to->string ? 0 : -ENOMEM;
	case JSON_INTEGER:
		to->type = EP_JSON_NUMBER;
		to->integer = (int64_t)json_integer_value(from);
		to->number = (double)to->integer;
		to->is_integer = true;
		return 0;
	case JSON_REAL:
		to->type = EP_JSON_NUMBER;
		to->number = json_real_value(from);
		/* The integer view of a fraction truncates, saturating outside
		 * int64's range, where a conversion would be undefined. */
		if (!(to->number < 9223372036854775808.0))
			to->integer = INT64_MAX;
		else if (to->number < -9223372036854775808.0)
			to->integer = INT64_MIN;
		else
			to->integer = (int64_t)to->number;
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		to->type = EP_JSON_BOOL;
		to->boolean = json_is_true(from);
		return 0;
	case JSON_NULL:
		to->type = EP_JSON_NULL;
		return 0;
	}
	snprintf(err, errlen, "unexpected JSON value");
	return -EINVAL;
}

/* Strict parsing: one document, no duplicate member names, no NUL in
 * strings (json_reader.h promises NUL-terminated strings). */
#define JSON_READER_FLAGS (JSON_REJECT_DUPLICATES)

static int json_reader_finish(json_t *parsed, const json_error_t *error,
                              struct ep_json_document **out, char *err, size_t errlen)
{
	if (parsed == NULL) {
		if (json_error_code(error) == json_error_out_of_memory) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		snprintf(err, errlen, "line %d, column %d: %s", error->line, error->column,
		         error->text);
		return -EINVAL;
	}
	struct ep_json_document *document = calloc(1, sizeof(*document));
	if (document == NULL) {
		json_decref(parsed);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ep_arena_init(&document->arena);
	int rc = json_reader_copy(&document->arena, parsed, &document->root, 0, err, errlen);
	json_decref(parsed);
	if (rc < 0) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		ep_json_free(document);
		return rc;
	}
	*out = document;
	return 0;
}

int ep_json_parse(const char *text, size_t len, struct ep_json_document **out, char *err,
                  size_t errlen)
{
	json_error_t error;
	json_t *parsed = json_loadb(text, len, JSON_READER_FLAGS, &error);
	return json_reader_finish(parsed, &error, out, err, errlen);
}

int ep_json_parse_file(const char *path, struct ep_json_document **out, char *err, size_t errlen)
{
	FILE *file = fopen(path, "rb");
	if (file == NULL) {
		int rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	json_error_t error;
	json_t *parsed = json_loadf(file, JSON_READER_FLAGS, &error);
	bool read_failed = ferror(file) != 0;
	fclose(file);
	if (read_failed) {
		json_decref(parsed);
		snprintf(err, errlen, "%s: %s", path, strerror(EIO));
		return -EIO;
	}
	char detail[256] = "";
	int rc = json_reader_finish(parsed, &error, out, detail, sizeof(detail));
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
