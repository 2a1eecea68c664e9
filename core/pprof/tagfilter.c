/* Label filters with the semantics of pprof's compileTagFilter and
 * parseTagFilterRange (internal/driver of the pprof vendored in Go 1.19):
 * ranges compare values scaled to the range's unit, patterns match
 * "key:value" (or the value, with a key given).
 */
#include "pprof/tagfilter.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "pattern.h"

enum tag_range_kind { TAG_EQUAL, TAG_AT_LEAST, TAG_AT_MOST, TAG_BETWEEN };

struct ep_tag_filter {
	char *key; /* NULL: any key */
	int numeric;
	/* a range */
	enum tag_range_kind kind;
	double low, high;
	const char *unit; /* the canonical unit both bounds were scaled to */
	char unit_text[32];
	/* patterns */
	struct ep_pattern **patterns;
	size_t pattern_count;
};

/* One match of pprof's tagFilterRangeRx "([+-]?[[:digit:]]+)([[:alpha:]]+)?"
 * at or after from; returns 0 when there is none. */
struct tag_number {
	size_t start, end; /* the whole match */
	size_t digits_start, digits_end;
	size_t unit_start, unit_end; /* empty when no letters follow */
};

static int tag_find_number(const char *s, size_t from, struct tag_number *m)
{
	size_t n = strlen(s);
	for (size_t i = from; i < n; i++) {
		size_t j = i;
		if (s[j] == '+' || s[j] == '-')
			j++;
		if (j >= n || !isdigit((unsigned char)s[j]))
			continue;
		m->start = i;
		m->digits_start = i;
		while (j < n && isdigit((unsigned char)s[j]))
			j++;
		m->digits_end = j;
		m->unit_start = j;
		while (j < n && isalpha((unsigned char)s[j]))
			j++;
		m->unit_end = j;
		m->end = j;
		return 1;
	}
	return 0;
}

static int tag_parse_int(const char *s, size_t start, size_t end, int64_t *out)
{
	char text[32];
	if (end - start >= sizeof(text))
		return -ERANGE;
	memcpy(text, s + start, end - start);
	text[end - start] = '\0';
	errno = 0;
	char *stop;
	long long v = strtoll(text, &stop, 10);
	if (errno != 0 || *stop != '\0')
		return -ERANGE;
	*out = (int64_t)v;
	return 0;
}

/* Returns 1 when value is a range (f filled in), 0 when it is not one,
 * -ERANGE for a number that does not fit (pprof panics there). */
static int tag_parse_range(struct ep_tag_filter *f, const char *value)
{
	struct tag_number m[2];
	int found = tag_find_number(value, 0, &m[0]);
	if (!found)
		return 0;
	found += tag_find_number(value, m[0].end, &m[1]);
	int64_t v;
	if (tag_parse_int(value, m[0].digits_start, m[0].digits_end, &v) < 0)
		return -ERANGE;
	char unit[32];
	size_t unit_len = m[0].unit_end - m[0].unit_start;
	if (unit_len >= sizeof(unit))
		unit_len = sizeof(unit) - 1;
	memcpy(unit, value + m[0].unit_start, unit_len);
	unit[unit_len] = '\0';
	const char *label;
	f->low = ep_format_scale(v, unit, unit, &label);
	snprintf(f->unit_text, sizeof(f->unit_text), "%s", label);
	f->unit = f->unit_text;
	size_t n = strlen(value), len0 = m[0].end - m[0].start;
	if (found == 1) {
		if (m[0].start == 0 && len0 == n)
			f->kind = TAG_EQUAL;
		else if (m[0].start == 0 && len0 + 1 == n && value[n - 1] == ':')
			f->kind = TAG_AT_LEAST;
		else if (m[0].start == 1 && value[0] == ':' && len0 + 1 == n)
			f->kind = TAG_AT_MOST;
		else
			return 0;
		f->high = f->low;
		return 1;
	}
	/* Exactly FIRST:SECOND, both in one unit. */
	if (m[0].start != 0 || m[1].start != m[0].end + 1 || value[m[0].end] != ':' ||
	    m[1].end != n)
		return 0;
	if (tag_parse_int(value, m[1].digits_start, m[1].digits_end, &v) < 0)
		return -ERANGE;
	unit_len = m[1].unit_end - m[1].unit_start;
	if (unit_len >= sizeof(unit))
		unit_len = sizeof(unit) - 1;
	memcpy(unit, value + m[1].unit_start, unit_len);
	unit[unit_len] = '\0';
	f->high = ep_format_scale(v, unit, f->unit, &label);
	if (strcmp(label, f->unit) != 0)
		return 0;
	f->kind = TAG_BETWEEN;
	return 1;
}

#define TAG_FORMS "VALUE, :MAX, MIN: or MIN:MAX such as 32kb, :64kb, 4mb:, 12kb:64mb, or patterns"

int ep_tag_filter_parse(const char *spec, const char *what, struct ep_tag_filter **out, char *err,
                        size_t errlen)
{
	*out = NULL;
	struct ep_tag_filter *f = calloc(1, sizeof(*f));
	if (f == NULL)
		goto nomem;
	const char *value = spec;
	const char *eq = strchr(spec, '=');
	if (eq != NULL) {
		f->key = strndup(spec, (size_t)(eq - spec));
		if (f->key == NULL)
			goto nomem;
		value = eq + 1;
	}
	int range = tag_parse_range(f, value);
	if (range < 0) {
		snprintf(err, errlen, "%s: '%s': a number out of range; expected [KEY=]" TAG_FORMS,
		         what, spec);
		ep_tag_filter_free(f);
		return -EINVAL;
	}
	if (range == 1) {
		f->numeric = 1;
		*out = f;
		return 0;
	}
	/* Patterns, one per comma. */
	size_t count = 1;
	for (const char *c = value; *c != '\0'; c++)
		count += *c == ',';
	f->patterns = calloc(count, sizeof(*f->patterns));
	if (f->patterns == NULL)
		goto nomem;
	const char *start = value;
	for (;;) {
		const char *comma = strchr(start, ',');
		size_t len = comma != NULL ? (size_t)(comma - start) : strlen(start);
		char message[512];
		int ret = ep_pattern_compile(start, len, what, &f->patterns[f->pattern_count],
		                             message, sizeof(message));
		if (ret < 0) {
			snprintf(err, errlen, "%s (expected [KEY=]" TAG_FORMS ")", message);
			ep_tag_filter_free(f);
			return ret;
		}
		f->pattern_count++;
		if (comma == NULL)
			break;
		start = comma + 1;
	}
	*out = f;
	return 0;
nomem:
	ep_tag_filter_free(f);
	snprintf(err, errlen, "%s: out of memory", what);
	return -ENOMEM;
}

static const char *tag_unit_of(const struct ep_label_unit *units, size_t count, const char *key)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(units[i].key, key) == 0)
			return units[i].unit;
	return "";
}

static bool tag_in_range(const struct ep_tag_filter *f, int64_t v, const char *unit)
{
	const char *label;
	double scaled = ep_format_scale(v, unit, f->unit, &label);
	if (strcmp(label, f->unit) != 0)
		return false;
	switch (f->kind) {
	case TAG_EQUAL:
		return scaled == f->low;
	case TAG_AT_LEAST:
		return scaled >= f->low;
	case TAG_AT_MOST:
		return scaled <= f->low;
	case TAG_BETWEEN:
		return scaled >= f->low && scaled <= f->high;
	}
	return false;
}

/* pattern on "key:value", the form pprof matches when no key is given */
static bool tag_match_pair(const struct ep_pattern *p, const char *key, const char *value)
{
	size_t k = strlen(key), v = strlen(value);
	char small[256];
	char *text = k + v + 1 <= sizeof(small) ? small : malloc(k + v + 1);
	if (text == NULL)
		return false;
	memcpy(text, key, k);
	text[k] = ':';
	memcpy(text + k + 1, value, v);
	bool matched = ep_pattern_match(p, text, k + v + 1);
	if (text != small)
		free(text);
	return matched;
}

bool ep_tag_filter_match(const struct ep_tag_filter *f, const struct ep_profile_sample *s,
                         const struct ep_label_unit *units, size_t count, bool base)
{
	if (f->numeric) {
		for (size_t i = 0; i < s->label_count; i++) {
			const struct ep_profile_label *l = &s->labels[i];
			if (l->str != NULL || (f->key != NULL && strcmp(l->key, f->key) != 0))
				continue;
			if (tag_in_range(f, l->num, tag_unit_of(units, count, l->key)))
				return true;
		}
		return false;
	}
	if (f->key == NULL) {
		/* Every pattern must match some label. */
		for (size_t r = 0; r < f->pattern_count; r++) {
			bool matched =
			        base && tag_match_pair(f->patterns[r], "pprof::base", "true");
			for (size_t i = 0; i < s->label_count && !matched; i++)
				if (s->labels[i].str != NULL)
					matched = tag_match_pair(f->patterns[r], s->labels[i].key,
					                         s->labels[i].str);
			if (!matched)
				return false;
		}
		return true;
	}
	for (size_t r = 0; r < f->pattern_count; r++) {
		if (base && strcmp(f->key, "pprof::base") == 0 &&
		    ep_pattern_match(f->patterns[r], "true", 4))
			return true;
		for (size_t i = 0; i < s->label_count; i++) {
			const struct ep_profile_label *l = &s->labels[i];
			if (l->str != NULL && strcmp(l->key, f->key) == 0 &&
			    ep_pattern_match(f->patterns[r], l->str, strlen(l->str)))
				return true;
		}
	}
	return false;
}

void ep_tag_filter_free(struct ep_tag_filter *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->pattern_count; i++)
		ep_pattern_free(f->patterns[i]);
	free(f->patterns);
	free(f->key);
	free(f);
}
