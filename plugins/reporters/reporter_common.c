/* reporter_common: the helpers every reporter links (see reporter_common.h).
 * Numbers for people go through the host's formatter (host->format_value),
 * so reports read like `go tool pprof`; this file only decides which unit
 * to ask for and covers what that formatter cannot take (doubles, percent). */
#include "reporter_common.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* How a unit is formatted. */
enum reporter_unit_kind {
	REPORTER_UNIT_BYTES,
	REPORTER_UNIT_BYTES_PER_SECOND,
	REPORTER_UNIT_NANOSECONDS,
	REPORTER_UNIT_SECONDS,
	REPORTER_UNIT_PERCENT,
	REPORTER_UNIT_COUNT, /* count and "": a plain number */
	REPORTER_UNIT_OTHER, /* a third party's unit */
};

static enum reporter_unit_kind reporter_unit_kind(const char *unit)
{
	if (unit == NULL || strcmp(unit, EP_UNIT_NONE) == 0 || strcmp(unit, EP_UNIT_COUNT) == 0)
		return REPORTER_UNIT_COUNT;
	if (strcmp(unit, EP_UNIT_BYTES) == 0)
		return REPORTER_UNIT_BYTES;
	if (strcmp(unit, EP_UNIT_BYTES_PER_SECOND) == 0)
		return REPORTER_UNIT_BYTES_PER_SECOND;
	if (strcmp(unit, EP_UNIT_NANOSECONDS) == 0)
		return REPORTER_UNIT_NANOSECONDS;
	if (strcmp(unit, EP_UNIT_SECONDS) == 0)
		return REPORTER_UNIT_SECONDS;
	if (strcmp(unit, EP_UNIT_PERCENT) == 0)
		return REPORTER_UNIT_PERCENT;
	return REPORTER_UNIT_OTHER;
}

/* The unit the host formatter scales a kind from: bytes, or nanoseconds
 * for both time kinds (seconds are converted, so 12.5 s keeps its half). */
static const char *reporter_base_unit(enum reporter_unit_kind kind)
{
	switch (kind) {
	case REPORTER_UNIT_BYTES:
	case REPORTER_UNIT_BYTES_PER_SECOND:
		return EP_UNIT_BYTES;
	case REPORTER_UNIT_NANOSECONDS:
	case REPORTER_UNIT_SECONDS:
		return EP_UNIT_NANOSECONDS;
	default:
		return NULL;
	}
}

/* Doubles in [-2^63, 2^63) convert to int64 without undefined behaviour. */
static bool reporter_double_fits_int64(double value)
{
	return isfinite(value) && value >= -9223372036854775808.0 && value < 9223372036854775808.0;
}

/* value as an integer of the kind's base unit (bytes, nanoseconds), the
 * only input host->format_value takes; false when it does not fit. */
static bool reporter_scaled_integer(struct ep_value value, enum reporter_unit_kind kind,
                                    int64_t *out)
{
	double real;
	if (value.type == EP_VALUE_INT) {
		if (kind != REPORTER_UNIT_SECONDS) {
			*out = value.integer;
			return true;
		}
		if (value.integer > INT64_MAX / 1000000000 ||
		    value.integer < INT64_MIN / 1000000000)
			return false;
		*out = value.integer * 1000000000;
		return true;
	}
	if (value.type != EP_VALUE_DOUBLE)
		return false;
	real = kind == REPORTER_UNIT_SECONDS ? value.real * 1e9 : value.real;
	if (!reporter_double_fits_int64(real))
		return false;
	*out = llround(real);
	return true;
}

bool reporter_value_number(struct ep_value value, double *number)
{
	if (value.type == EP_VALUE_INT)
		*number = (double)value.integer;
	else if (value.type == EP_VALUE_DOUBLE)
		*number = value.real;
	else
		return false;
	return true;
}

/* printf writes the locale's decimal point; reports are read by programs
 * that expect '.', whatever LC_NUMERIC the host runs under. */
static void reporter_fix_decimal_point(char *buffer)
{
	const char *point = localeconv()->decimal_point;
	if (point == NULL || point[0] == '\0' || strcmp(point, ".") == 0 || point[1] != '\0')
		return;
	for (char *p = buffer; *p != '\0'; p++)
		if (*p == point[0])
			*p = '.';
}

char *reporter_format_double(char *buffer, size_t size, double value)
{
	char digits[48];
	int precision;
	/* The fewest significant digits that read back exactly: 0.1 stays
	 * "0.1", not "0.10000000000000001" as a plain %.17g would print.
	 * strtod reads the same locale printf wrote, so compare before fixing
	 * the decimal point. */
	for (precision = 1; precision < 17; precision++) {
		snprintf(digits, sizeof(digits), "%.*e", precision - 1, value);
		if (strtod(digits, NULL) == value)
			break;
	}
	snprintf(digits, sizeof(digits), "%.*e", precision - 1, value);
	const char *exponent_text = strchr(digits, 'e');
	int exponent = exponent_text != NULL ? atoi(exponent_text + 1) : 0;
	/* Positional notation between 1e-4 and 1e16, as Python's repr and
	 * most JSON writers print doubles: "30.0", "10485760.0", "0.0039";
	 * "1e-05" and "1e+16" outside. */
	if (exponent >= -4 && exponent < 16) {
		int decimals = precision - 1 - exponent;
		snprintf(buffer, size, "%.*f", decimals > 0 ? decimals : 0, value);
	} else {
		snprintf(buffer, size, "%s", digits);
	}
	reporter_fix_decimal_point(buffer);
	if (strpbrk(buffer, ".eEni") == NULL) {
		size_t length = strlen(buffer);
		if (length + 2 < size)
			memcpy(buffer + length, ".0", 3);
	}
	return buffer;
}

char *reporter_format_fixed(char *buffer, size_t size, double value, int decimals)
{
	snprintf(buffer, size, "%.*f", decimals, value);
	reporter_fix_decimal_point(buffer);
	/* "-0.0" is noise in coordinates and labels. */
	if (buffer[0] == '-' && strspn(buffer + 1, "0.") == strlen(buffer + 1))
		memmove(buffer, buffer + 1, strlen(buffer));
	return buffer;
}

/* A number without unit for people: integral values whole, others with at
 * most two decimals (pprof's "%.2f"), tiny and huge ones with %g. */
static char *reporter_format_plain_double(char *buffer, size_t size, double value)
{
	if (!isfinite(value)) {
		snprintf(buffer, size, "%s", isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf");
		return buffer;
	}
	if (fabs(value) >= 1e15) {
		/* %f of 1e300 would be 301 digits. */
		snprintf(buffer, size, "%.6g", value);
	} else if (value == floor(value)) {
		snprintf(buffer, size, "%.0f", value);
	} else if (fabs(value) >= 0.01) {
		snprintf(buffer, size, "%.2f", value);
		/* "0.50" -> "0.5": the decimals that say nothing go. */
		size_t length = strlen(buffer);
		while (length > 0 && buffer[length - 1] == '0')
			buffer[--length] = '\0';
		if (length > 0 && !(buffer[length - 1] >= '0' && buffer[length - 1] <= '9'))
			buffer[--length] = '\0';
	} else {
		snprintf(buffer, size, "%.2g", value);
	}
	reporter_fix_decimal_point(buffer);
	if (strcmp(buffer, "-0") == 0)
		snprintf(buffer, size, "0");
	return buffer;
}

static char *reporter_format_plain(char *buffer, size_t size, struct ep_value value)
{
	if (value.type == EP_VALUE_INT)
		snprintf(buffer, size, "%" PRId64, value.integer);
	else
		reporter_format_plain_double(buffer, size, value.real);
	return buffer;
}

static char *reporter_format_percent(char *buffer, size_t size, struct ep_value value)
{
	if (value.type == EP_VALUE_INT) {
		snprintf(buffer, size, "%" PRId64 "%%", value.integer);
		return buffer;
	}
	double real = value.real;
	if (!isfinite(real))
		return reporter_format_plain_double(buffer, size, real);
	/* pprof's rule: two decimals from 1% up, two significant digits
	 * below, so 0.0025% does not print as 0.00%. */
	if (real == 0)
		snprintf(buffer, size, "0%%");
	else if (fabs(real) >= 1e15)
		snprintf(buffer, size, "%.6g%%", real);
	else if (fabs(real) >= 1.0)
		snprintf(buffer, size, "%.2f%%", real);
	else
		snprintf(buffer, size, "%.2g%%", real);
	reporter_fix_decimal_point(buffer);
	return buffer;
}

/* True when text ends in a digit: the host formatter printed no unit,
 * so it does not know the unit's family. */
static bool reporter_ends_in_digit(const char *text)
{
	size_t length = strlen(text);
	return length > 0 && text[length - 1] >= '0' && text[length - 1] <= '9';
}

char *reporter_format_value(const struct reporter_host *host, char *buffer, size_t size,
                            struct ep_value value, const char *unit, const char *to_unit)
{
	char number[REPORTER_NUMBER_MAX];
	enum reporter_unit_kind kind = reporter_unit_kind(unit);
	int64_t scaled;

	if (size == 0)
		return buffer;
	buffer[0] = '\0';
	if (to_unit == NULL)
		to_unit = "auto";
	switch (value.type) {
	case EP_VALUE_NONE:
		return buffer;
	case EP_VALUE_TEXT:
		snprintf(buffer, size, "%s", reporter_text(value.text));
		return buffer;
	case EP_VALUE_INT:
	case EP_VALUE_DOUBLE:
		break;
	}

	switch (kind) {
	case REPORTER_UNIT_BYTES:
	case REPORTER_UNIT_BYTES_PER_SECOND:
	case REPORTER_UNIT_NANOSECONDS:
	case REPORTER_UNIT_SECONDS:
		if (!reporter_scaled_integer(value, kind, &scaled)) {
			snprintf(buffer, size, "%s %s",
			         reporter_format_plain(number, sizeof(number), value), unit);
			return buffer;
		}
		host->host->format_value(number, sizeof(number), scaled, reporter_base_unit(kind),
		                         to_unit);
		snprintf(buffer, size, "%s%s", number,
		         kind == REPORTER_UNIT_BYTES_PER_SECOND && strcmp(number, "0") != 0 ? "/s"
		                                                                            : "");
		return buffer;
	case REPORTER_UNIT_PERCENT:
		return reporter_format_percent(buffer, size, value);
	case REPORTER_UNIT_COUNT:
		return reporter_format_plain(buffer, size, value);
	case REPORTER_UNIT_OTHER:
		/* A unit of a family the host scales ("milliseconds",
		 * "kilobytes") gets the host's look; any other keeps its name. */
		if (value.type == EP_VALUE_INT) {
			host->host->format_value(number, sizeof(number), value.integer, unit,
			                         "auto");
			if (!reporter_ends_in_digit(number)) {
				snprintf(buffer, size, "%s", number);
				return buffer;
			}
		}
		snprintf(buffer, size, "%s %s",
		         reporter_format_plain(number, sizeof(number), value), unit);
		return buffer;
	}
	return buffer;
}

/* The unit label host->format_value picks for value on its own ("MB" of
 * "49.60MB"): the text after the last digit. */
static void reporter_auto_label(const struct reporter_host *host, const char *base_unit,
                                int64_t value, char *label, size_t size)
{
	char text[REPORTER_NUMBER_MAX];
	host->host->format_value(text, sizeof(text), value, base_unit, "auto");
	const char *end = text + strlen(text);
	const char *start = end;
	while (start > text && !(start[-1] >= '0' && start[-1] <= '9'))
		start--;
	/* A label longer than any unit is no unit; "" keeps "auto". */
	size_t length = strlen(start);
	if (length >= size)
		length = 0;
	memcpy(label, start, length);
	label[length] = '\0';
}

void reporter_choose_unit(const struct reporter_host *host, const char *unit,
                          const struct ep_value *values, size_t count, size_t stride, char *to_unit,
                          size_t to_unit_size)
{
	enum reporter_unit_kind kind = reporter_unit_kind(unit);
	const char *base_unit = reporter_base_unit(kind);
	int64_t smallest = 0, largest = 0;
	char small_label[16], large_label[16];

	snprintf(to_unit, to_unit_size, "auto");
	/* Seconds are times of the run (offsets, durations), which read best
	 * each in its own unit ("1.57ms", "2s"); bytes and nanoseconds are
	 * what pprof tables hold and share one unit as they do there. */
	if (base_unit == NULL || kind == REPORTER_UNIT_SECONDS)
		return;
	for (size_t i = 0; i < count; i++) {
		int64_t value;
		if (!reporter_scaled_integer(values[i * stride], kind, &value))
			continue;
		int64_t magnitude = value >= 0 ? value : value == INT64_MIN ? INT64_MAX : -value;
		if (magnitude > 0 && (smallest == 0 || magnitude < smallest))
			smallest = magnitude;
		if (magnitude > largest)
			largest = magnitude;
	}
	if (smallest == 0)
		return;
	/* pprof: the unit of the smallest value, unless the largest scales to
	 * another unit and smallest*100 is still below it; then the unit of
	 * smallest*100, so the smallest value shows as at least 0.01. */
	reporter_auto_label(host, base_unit, smallest, small_label, sizeof(small_label));
	reporter_auto_label(host, base_unit, largest, large_label, sizeof(large_label));
	if (strcmp(small_label, large_label) != 0 && (double)smallest * 100.0 < (double)largest)
		reporter_auto_label(host, base_unit,
		                    smallest > INT64_MAX / 100 ? INT64_MAX : smallest * 100,
		                    small_label, sizeof(small_label));
	if (small_label[0] != '\0')
		snprintf(to_unit, to_unit_size, "%s", small_label);
}

int reporter_write_file(const struct reporter_host *host, const char *path, reporter_write_fn write,
                        void *context)
{
	struct ep_atomic_file *file = NULL;
	FILE *stream = NULL;
	int rc = host->host->file_open_atomic(host->instance, path, &file, &stream);
	if (rc < 0)
		goto error;
	rc = write(stream, context);
	/* stdio keeps a failed write in the error flag; errno is long gone
	 * by now, so the reason is EIO. */
	if (rc == 0 && ferror(stream))
		rc = -EIO;
	if (rc < 0) {
		host->host->file_abort(host->instance, file);
		goto error;
	}
	rc = host->host->file_commit(host->instance, file);
	if (rc < 0)
		goto error;
	return 0;
error:
	host->host->log(host->instance, EP_LOG_ERROR, "cannot write %s: %s", path, strerror(-rc));
	return rc;
}

char *reporter_path(const char *base_path, const char *suffix)
{
	size_t base_length = strlen(base_path), suffix_length = strlen(suffix);
	char *path = malloc(base_length + suffix_length + 1);
	if (path == NULL)
		return NULL;
	memcpy(path, base_path, base_length);
	memcpy(path + base_length, suffix, suffix_length + 1);
	return path;
}

const char *reporter_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* id made safe as part of a file name: nothing but [A-Za-z0-9_-], so an id
 * like "../x" or "a/b" cannot leave the report's directory. */
static char *reporter_slug(const char *id)
{
	const char *text = id != NULL && id[0] != '\0' ? id : "item";
	char *slug = strdup(text);
	if (slug == NULL)
		return NULL;
	for (char *p = slug; *p != '\0'; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			*p = '-';
	}
	return slug;
}

static bool reporter_names_taken(const struct reporter_names *names, const char *path)
{
	for (size_t i = 0; i < names->count; i++)
		if (strcmp(names->paths[i], path) == 0)
			return true;
	return false;
}

int reporter_names_add(struct reporter_names *names, const char *base_path, const char *section_id,
                       const char *id, const char *extension, const char **path,
                       const char **file_name)
{
	char *id_slug = reporter_slug(id), *section_slug = reporter_slug(section_id);
	char *candidate = NULL;
	int rc = -ENOMEM;
	if (id_slug == NULL || section_slug == NULL)
		goto cleanup;
	size_t size =
	        strlen(base_path) + strlen(id_slug) + strlen(section_slug) + strlen(extension) + 32;
	candidate = malloc(size);
	if (candidate == NULL)
		goto cleanup;
	for (unsigned attempt = 0;; attempt++) {
		if (attempt == 0)
			snprintf(candidate, size, "%s-%s%s", base_path, id_slug, extension);
		else if (attempt == 1)
			snprintf(candidate, size, "%s-%s-%s%s", base_path, section_slug, id_slug,
			         extension);
		else
			snprintf(candidate, size, "%s-%s-%u%s", base_path, id_slug, attempt,
			         extension);
		if (!reporter_names_taken(names, candidate))
			break;
	}
	char **grown = realloc(names->paths, (names->count + 1) * sizeof(*grown));
	if (grown == NULL)
		goto cleanup;
	names->paths = grown;
	names->paths[names->count++] = candidate;
	*path = candidate;
	*file_name = reporter_base_name(candidate);
	candidate = NULL;
	rc = 0;
cleanup:
	free(candidate);
	free(id_slug);
	free(section_slug);
	return rc;
}

void reporter_names_free(struct reporter_names *names)
{
	for (size_t i = 0; i < names->count; i++)
		free(names->paths[i]);
	free(names->paths);
	names->paths = NULL;
	names->count = 0;
}

int reporter_utf8_decode(const unsigned char *text, size_t length, uint32_t *code_point)
{
	unsigned char lead = text[0];
	uint32_t value, minimum;
	int extra;
	if (lead < 0x80) {
		*code_point = lead;
		return 1;
	}
	if (lead >= 0xC2 && lead <= 0xDF) {
		extra = 1;
		value = lead & 0x1F;
		minimum = 0x80;
	} else if (lead >= 0xE0 && lead <= 0xEF) {
		extra = 2;
		value = lead & 0x0F;
		minimum = 0x800;
	} else if (lead >= 0xF0 && lead <= 0xF4) {
		extra = 3;
		value = lead & 0x07;
		minimum = 0x10000;
	} else {
		return -1;
	}
	if ((size_t)extra >= length)
		return -1;
	for (int i = 1; i <= extra; i++) {
		if ((text[i] & 0xC0) != 0x80)
			return -1;
		value = (value << 6) | (text[i] & 0x3F);
	}
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF are
	 * not UTF-8 (RFC 3629); JSON and XML readers reject them. */
	if (value < minimum || (value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF)
		return -1;
	*code_point = value;
	return extra + 1;
}

int reporter_value_present(struct ep_value value)
{
	if (value.type == EP_VALUE_DOUBLE)
		return isfinite(value.real) ? 1 : 0;
	return value.type != EP_VALUE_NONE;
}

void reporter_xml_escape(FILE *stream, const char *text)
{
	const unsigned char *p = (const unsigned char *)reporter_text(text);
	size_t length = strlen((const char *)p);
	while (length > 0) {
		uint32_t code_point;
		int used = reporter_utf8_decode(p, length, &code_point);
		if (used < 0) {
			fputs(REPORTER_REPLACEMENT_CHARACTER, stream);
			p++;
			length--;
			continue;
		}
		switch (code_point) {
		case '&':
			fputs("&amp;", stream);
			break;
		case '<':
			fputs("&lt;", stream);
			break;
		case '>':
			fputs("&gt;", stream);
			break;
		case '"':
			fputs("&quot;", stream);
			break;
		case '\'':
			fputs("&apos;", stream);
			break;
		case '\n':
		case '\r':
		case '\t':
			fputc(' ', stream);
			break;
		default:
			if (code_point < 0x20 || code_point == 0xFFFE || code_point == 0xFFFF)
				fputs(REPORTER_REPLACEMENT_CHARACTER, stream);
			else
				fwrite(p, 1, (size_t)used, stream);
		}
		p += used;
		length -= (size_t)used;
	}
}

/* Change from A to B: "-8.40MB (-16.9%)"; the percentage is n/a when A is
 * 0, the whole change when a value is missing. Percent figures change by
 * percentage points ("pp"), not by a percentage of themselves. */
void reporter_format_change(const struct reporter_host *host,
                            const struct ep_report_comparison *comparison, char *buffer,
                            size_t size)
{
	char absolute[REPORTER_NUMBER_MAX], relative[32];
	double a, b;
	struct ep_value delta;

	if (comparison->a.type == EP_VALUE_TEXT && comparison->b.type == EP_VALUE_TEXT) {
		bool same = strcmp(reporter_text(comparison->a.text),
		                   reporter_text(comparison->b.text)) == 0;
		snprintf(buffer, size, "%s", same ? "unchanged" : "changed");
		return;
	}
	if (!reporter_value_number(comparison->a, &a) ||
	    !reporter_value_number(comparison->b, &b) || !isfinite(a) || !isfinite(b)) {
		snprintf(buffer, size, "n/a");
		return;
	}
	int64_t difference;
	if (comparison->a.type == EP_VALUE_INT && comparison->b.type == EP_VALUE_INT &&
	    !__builtin_sub_overflow(comparison->b.integer, comparison->a.integer, &difference))
		delta = (struct ep_value){ .type = EP_VALUE_INT, .integer = difference };
	else
		delta = (struct ep_value){ .type = EP_VALUE_DOUBLE, .real = b - a };

	const char *unit = reporter_text(comparison->unit);
	if (strcmp(unit, EP_UNIT_PERCENT) == 0) {
		reporter_format_value(host, absolute, sizeof(absolute), delta, EP_UNIT_NONE,
		                      "auto");
		strncat(absolute, " pp", sizeof(absolute) - strlen(absolute) - 1);
	} else {
		reporter_format_value(host, absolute, sizeof(absolute), delta, unit, "auto");
	}
	bool positive = b - a > 0;
	if (a == 0) {
		snprintf(relative, sizeof(relative), "n/a");
	} else {
		snprintf(relative, sizeof(relative), "%+.1f%%", (b - a) / fabs(a) * 100.0);
		if (strcmp(relative, "+0.0%") == 0 || strcmp(relative, "-0.0%") == 0)
			snprintf(relative, sizeof(relative), "0.0%%");
	}
	bool sign = positive && absolute[0] != '+' && strcmp(absolute, "0") != 0;
	snprintf(buffer, size, "%s%s (%s)", sign ? "+" : "", absolute, relative);
}
