/* The JSON reader of the core (run.json and every other JSON the tool
 * reads): jansson parses, the whole document lands in one read-only tree.
 * Strict RFC 8259 (no comments, no trailing commas, no duplicate member
 * names, no NUL in strings, an object or array at the top), depth-limited. */
#ifndef EP_JSON_READER_H
#define EP_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ep_json_type {
	EP_JSON_NULL,
	EP_JSON_BOOL,
	EP_JSON_NUMBER,
	EP_JSON_STRING,
	EP_JSON_ARRAY,
	EP_JSON_OBJECT,
};

struct ep_json {
	enum ep_json_type type;
	bool boolean;
	double number;
	int64_t integer; /* exact when is_integer */
	bool is_integer;
	const char *string; /* strings; NUL-terminated, may not hold NUL */
	size_t count;       /* array elements or object members */
	struct ep_json *items;
	const char **keys; /* object member names, count entries */
};

struct ep_json_document;

/* Parses text of len bytes. Returns 0, -EINVAL with err saying where and
 * what ("line 3, column 7: expected ':'"), or -ENOMEM. */
int ep_json_parse(const char *text, size_t len, struct ep_json_document **out, char *err,
                  size_t errlen);
/* Reads and parses a file; err starts with the path. */
int ep_json_parse_file(const char *path, struct ep_json_document **out, char *err, size_t errlen);
const struct ep_json *ep_json_root(const struct ep_json_document *document);
void ep_json_free(struct ep_json_document *document);

/* Member of an object, or NULL (also when value is not an object). */
const struct ep_json *ep_json_get(const struct ep_json *value, const char *key);
/* Typed member reads with a fallback when absent or of another type. */
const char *ep_json_get_string(const struct ep_json *value, const char *key, const char *fallback);
int64_t ep_json_get_int(const struct ep_json *value, const char *key, int64_t fallback);
double ep_json_get_double(const struct ep_json *value, const char *key, double fallback);
bool ep_json_get_bool(const struct ep_json *value, const char *key, bool fallback);

#endif
