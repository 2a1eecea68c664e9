/* A streaming JSON writer for run.json and reports: indented two spaces,
 * strings escaped per RFC 8259, numbers raw. Misuse (a value where a key is
 * due) is a programming error caught by an assertion. */
#ifndef EP_JSON_WRITER_H
#define EP_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define EP_JSON_MAX_DEPTH 32

struct ep_json_writer {
	FILE *out; /* borrowed */
	int depth;
	bool has_items[EP_JSON_MAX_DEPTH]; /* a comma is due before the next item */
	bool key_written;                  /* the next value completes a member */
};

void ep_json_init(struct ep_json_writer *writer, FILE *out);
void ep_json_begin_object(struct ep_json_writer *writer);
void ep_json_end_object(struct ep_json_writer *writer);
void ep_json_begin_array(struct ep_json_writer *writer);
void ep_json_end_array(struct ep_json_writer *writer);
void ep_json_key(struct ep_json_writer *writer, const char *key);
/* NULL writes null. */
void ep_json_string(struct ep_json_writer *writer, const char *value);
void ep_json_int(struct ep_json_writer *writer, int64_t value);
/* Non-finite values write null: JSON has no NaN or infinity. */
void ep_json_double(struct ep_json_writer *writer, double value);
void ep_json_bool(struct ep_json_writer *writer, bool value);
void ep_json_null(struct ep_json_writer *writer);

#endif
