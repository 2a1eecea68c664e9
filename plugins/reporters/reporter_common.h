/* reporter_common: what the markdown, csv and json reporters share, built
 * once as a static library (reporter_common_lib, hidden visibility) and
 * linked into each plugin, so nothing here is exported from a plugin:
 * atomic files with a logged reason, names of the files beside BASE,
 * numbers for people (through host->format_value) and for machines
 * (exact integers, round-trip doubles), and UTF-8 decoding. */
#ifndef EP_REPORTERS_REPORTER_COMMON_H
#define EP_REPORTERS_REPORTER_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <e2e-profile/plugin.h>

/* Big enough for any number this module writes, unit included. */
#define REPORTER_NUMBER_MAX 96

/* The host and instance a reporter talks to; borrowed from init(). */
struct reporter_host {
	const struct ep_host_api *host;
	struct ep_instance *instance;
};

/* text, or "" for NULL: every string of a document may be NULL when an
 * analyzer passed none. */
static inline const char *reporter_text(const char *text)
{
	return text != NULL ? text : "";
}

/* Writes one file; returns 0 or a negative errno. */
typedef int (*reporter_write_fn)(FILE *stream, void *context);

/* Writes path atomically: opens a temporary file beside it through the
 * host, calls write, and commits (renames into place) only when write and
 * every stdio call succeeded; otherwise aborts, so path is either the
 * complete new file or untouched. Logs "cannot write PATH: REASON" on
 * failure. Returns 0 or a negative errno. */
int reporter_write_file(const struct reporter_host *host, const char *path, reporter_write_fn write,
                        void *context);

/* base_path followed by suffix (e.g. ".md"), in memory from malloc; NULL
 * when out of memory. */
char *reporter_path(const char *base_path, const char *suffix);

/* The file names one render has used beside BASE, so that two tables or
 * charts whose ids sanitize alike ("heap.top", "heap-top") still get
 * distinct files. Zero-initialize; free with reporter_names_free(). */
struct reporter_names {
	char **paths;
	size_t count;
};

/* Chooses the path of a file beside base_path for the item id of section
 * section_id: BASE-ID.EXT, where ID keeps [A-Za-z0-9_] and turns every
 * other byte into '-' (so no id can name another directory); when that is
 * taken, BASE-SECTION-ID.EXT, then BASE-ID-2.EXT, -3 ... Sets *path
 * (owned by names, valid until reporter_names_free) and *file_name (its
 * last component, for relative links). Returns 0 or -ENOMEM. */
int reporter_names_add(struct reporter_names *names, const char *base_path, const char *section_id,
                       const char *id, const char *extension, const char **path,
                       const char **file_name);
void reporter_names_free(struct reporter_names *names);

/* The last component of path. */
const char *reporter_base_name(const char *path);

/* --- numbers for machines --- */

/* The shortest decimal text that reads back as exactly value (at most 17
 * significant digits), laid out as Python's repr() does: positional from
 * 1e-4 to below 1e16 with ".0" on integral values ("30.0", "0.1"), else
 * exponential ("1e-05", "1.5e+16"); '.' as the decimal point whatever the
 * locale. value must be finite. Returns buffer. */
char *reporter_format_double(char *buffer, size_t size, double value);

/* A number with a fixed count of decimals and '.' as decimal point,
 * e.g. SVG coordinates. Returns buffer. */
char *reporter_format_fixed(char *buffer, size_t size, double value, int decimals);

/* --- numbers for people --- */

/* Formats value by unit for people:
 *   bytes          -> host->format_value, pprof's look: "49.60MB", "0"
 *   bytes/second   -> the same with "/s": "1.20MB/s"
 *   nanoseconds, seconds -> pprof's time units: "12.50s", "350ms", "2hrs"
 *   percent        -> "31.20%" ("0.0025%" below 1%)
 *   count, ""      -> the integer, or a double with at most two decimals
 *   any other unit -> host->format_value when the host knows its family,
 *                     otherwise the number followed by " UNIT"
 * to_unit is a display unit from reporter_choose_unit() or "auto". Text
 * prints as is and EP_VALUE_NONE as "". Returns buffer. */
char *reporter_format_value(const struct reporter_host *host, char *buffer, size_t size,
                            struct ep_value value, const char *unit, const char *to_unit);

/* Chooses one display unit for count values that share unit, the way
 * `go tool pprof -top` picks one for its whole table (docs/pprof-semantics.md): from the
 * smallest non-zero magnitude and the largest. values[i * stride] are read
 * (text and NONE are skipped). Writes "auto" when the unit has no scale
 * (counts, percent, unknown units). */
void reporter_choose_unit(const struct reporter_host *host, const char *unit,
                          const struct ep_value *values, size_t count, size_t stride, char *to_unit,
                          size_t to_unit_size);

/* The number value holds as a double, false for text and NONE. */
bool reporter_value_number(struct ep_value value, double *number);

/* 1 when value is there (text, an integer, a finite double), else 0: what
 * a comparison of single runs counts as n_a and n_b. */
int reporter_value_present(struct ep_value value);

/* Change from A to B of a comparison for people: "-8.40MB (-16.9%)"; the
 * percentage is n/a when A is 0, the whole change when a value is
 * missing; percent figures change by percentage points ("pp"). */
void reporter_format_change(const struct reporter_host *host,
                            const struct ep_report_comparison *comparison, char *buffer,
                            size_t size);

/* --- text --- */

/* U+FFFD in UTF-8: what bytes that are not UTF-8 become, so every file a
 * reporter writes is valid UTF-8 (JSON and XML require it). */
#define REPORTER_REPLACEMENT_CHARACTER "\xEF\xBF\xBD"

/* Decodes the UTF-8 sequence at text (length bytes available). Returns
 * its length (1..4) and sets *code_point, or returns -1 for a byte that
 * starts no valid sequence (overlong, surrogate, beyond U+10FFFF,
 * truncated); the caller then skips one byte. */
int reporter_utf8_decode(const unsigned char *text, size_t length, uint32_t *code_point);

/* Writes text escaped for XML and HTML text or attribute values (&, <, >,
 * both quotes); tabs and newlines become spaces, other control
 * characters and bytes that are not UTF-8 become U+FFFD. NULL writes
 * nothing. */
void reporter_xml_escape(FILE *stream, const char *text);

#endif /* EP_REPORTERS_REPORTER_COMMON_H */
