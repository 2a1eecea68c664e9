/* Unit scaling and number formatting shared by every report, following
 * pprof's internal/measurement rules (unit families, auto-scaling, "%.2f"
 * without ".00", percentages) so our numbers match `go tool pprof`.
 */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct format_unit {
	const char *name;       /* printed label */
	const char *aliases[4]; /* lower-case, singular; NULL-terminated */
	double factor;          /* in the family's base unit */
};

struct format_family {
	const struct format_unit *units; /* ascending factors */
	size_t count;
	struct format_unit fallback; /* for a target outside the family */
};

static const struct format_unit format_byte_units[] = {
	{ "B", { "b", "byte", NULL }, 1.0 },
	{ "kB", { "kb", "kbyte", "kilobyte", NULL }, 1024.0 },
	{ "MB", { "mb", "mbyte", "megabyte", NULL }, 1048576.0 },
	{ "GB", { "gb", "gbyte", "gigabyte", NULL }, 1073741824.0 },
	{ "TB", { "tb", "tbyte", "terabyte", NULL }, 1099511627776.0 },
	{ "PB", { "pb", "pbyte", "petabyte", NULL }, 1125899906842624.0 },
};

/* "μs" is listed as pprof lists it, though pprof's own lookup never finds
 * it (it strips the 's' of any name longer than two bytes). */
static const struct format_unit format_time_units[] = {
	{ "ns", { "ns", "nanosecond", NULL }, 1.0 },
	{ "us", { "\xce\xbcs", "us", "microsecond", NULL }, 1e3 },
	{ "ms", { "ms", "millisecond", NULL }, 1e6 },
	{ "s", { "s", "sec", "second", NULL }, 1e9 },
	{ "hrs", { "hour", "hr", NULL }, 3600e9 },
};

static const struct format_unit format_gcu_units[] = {
	{ "n*GCU", { "nanogcu", NULL }, 1e-9 },  { "u*GCU", { "microgcu", NULL }, 1e-6 },
	{ "m*GCU", { "milligcu", NULL }, 1e-3 }, { "GCU", { "gcu", NULL }, 1.0 },
	{ "k*GCU", { "kilogcu", NULL }, 1e3 },   { "M*GCU", { "megagcu", NULL }, 1e6 },
	{ "G*GCU", { "gigagcu", NULL }, 1e9 },   { "T*GCU", { "teragcu", NULL }, 1e12 },
	{ "P*GCU", { "petagcu", NULL }, 1e15 },
};

static const struct format_family format_families[] = {
	{ format_byte_units,
	  sizeof(format_byte_units) / sizeof(format_byte_units[0]),
	  { "B", { NULL }, 1.0 } },
	{ format_time_units,
	  sizeof(format_time_units) / sizeof(format_time_units[0]),
	  { "s", { NULL }, 1e9 } },
	{ format_gcu_units,
	  sizeof(format_gcu_units) / sizeof(format_gcu_units[0]),
	  { "GCU", { NULL }, 1.0 } },
};

#define FORMAT_FAMILY_COUNT (sizeof(format_families) / sizeof(format_families[0]))

/* Finds unit in family the way pprof sniffs it: lower-cased (ASCII), and a
 * trailing 's' dropped from names longer than two bytes ("bytes" -> "byte"
 * but "ms" stays). */
static const struct format_unit *format_sniff(const struct format_family *family, const char *unit)
{
	char lower[32];
	size_t n = strlen(unit);
	if (n >= sizeof(lower))
		return NULL; /* longer than any alias */
	for (size_t i = 0; i < n; i++) {
		char c = unit[i];
		lower[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	if (n > 2 && lower[n - 1] == 's')
		n--;
	lower[n] = '\0';
	for (size_t u = 0; u < family->count; u++)
		for (const char *const *alias = family->units[u].aliases; *alias != NULL; alias++)
			if (strcmp(*alias, lower) == 0)
				return &family->units[u];
	return NULL;
}

int ep_format_unit_family(const char *unit)
{
	for (size_t f = 0; f < FORMAT_FAMILY_COUNT; f++)
		if (format_sniff(&format_families[f], unit) != NULL)
			return (int)f;
	return -1;
}

static int format_is_auto(const char *unit)
{
	return strcmp(unit, "auto") == 0 || strcmp(unit, "minimum") == 0;
}

double ep_format_scale(int64_t value, const char *from_unit, const char *to_unit,
                       const char **unit_out)
{
	const char *label;
	double result;
	/* Scale magnitudes and put the sign back, so negative values pick the
	 * same unit as positive ones (INT64_MIN has no positive twin and goes
	 * through as is, as in pprof). */
	if (value < 0 && value != INT64_MIN) {
		result = -ep_format_scale(-value, from_unit, to_unit, &label);
		goto done;
	}
	for (size_t f = 0; f < FORMAT_FAMILY_COUNT; f++) {
		const struct format_family *family = &format_families[f];
		const struct format_unit *from = format_sniff(family, from_unit);
		if (from == NULL)
			continue;
		double base = (double)value * from->factor;
		if (format_is_auto(to_unit)) {
			const struct format_unit *best = NULL;
			for (size_t u = 0; u < family->count; u++)
				if ((best == NULL || family->units[u].factor >= best->factor) &&
				    base / family->units[u].factor >= 1.0)
					best = &family->units[u];
			if (best == NULL)
				best = &family->fallback;
			result = base / best->factor;
			label = best->name;
			goto done;
		}
		const struct format_unit *to = format_sniff(family, to_unit);
		if (to == NULL)
			to = &family->fallback;
		result = base / to->factor;
		label = to->name;
		goto done;
	}
	result = (double)value;
	if (strcmp(to_unit, "count") == 0 || strcmp(to_unit, "sample") == 0 ||
	    strcmp(to_unit, "unit") == 0 || format_is_auto(to_unit))
		label = "";
	else
		label = to_unit;
done:
	if (unit_out != NULL)
		*unit_out = label;
	return result;
}

char *ep_format_value(char *buf, size_t len, int64_t value, const char *from_unit,
                      const char *to_unit)
{
	const char *label;
	double scaled = ep_format_scale(value, from_unit, to_unit, &label);
	char number[EP_FORMAT_MAX];
	snprintf(number, sizeof(number), "%.2f", scaled);
	size_t n = strlen(number);
	if (n >= 3 && strcmp(number + n - 3, ".00") == 0)
		number[n - 3] = '\0';
	if (strcmp(number, "0") == 0 || strcmp(number, "-0") == 0)
		snprintf(buf, len, "0");
	else
		snprintf(buf, len, "%s%s", number, label);
	return buf;
}

char *ep_format_percentage(char *buf, size_t len, int64_t value, int64_t total)
{
	double ratio = 0.0;
	if (total != 0)
		ratio = fabs((double)value / (double)total) * 100.0;
	if (ratio >= 99.95 && ratio <= 100.05)
		snprintf(buf, len, "  100%%");
	else if (ratio >= 1.0)
		snprintf(buf, len, "%5.2f%%", ratio);
	else
		snprintf(buf, len, "%5.2g%%", ratio);
	return buf;
}

/* Go multiplies int64s with wrap-around; do the same without C's undefined
 * signed overflow. */
static int64_t format_wrapping_multiply(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

const char *ep_format_choose_unit(const char *unit, int64_t smallest, int64_t largest)
{
	if (smallest == 0)
		smallest = largest;
	const char *smallest_unit, *largest_unit, *chosen;
	ep_format_scale(smallest, unit, "minimum", &smallest_unit);
	ep_format_scale(largest, unit, "minimum", &largest_unit);
	chosen = smallest_unit;
	int64_t hundredfold = format_wrapping_multiply(smallest, 100);
	if (strcmp(smallest_unit, largest_unit) != 0 && hundredfold < largest)
		ep_format_scale(hundredfold, unit, "minimum", &chosen);
	return chosen[0] != '\0' ? chosen : unit;
}

const char *ep_format_choose_unit_for(const char *unit, const int64_t *values, size_t count,
                                      int64_t largest)
{
	int64_t smallest = 0;
	for (size_t i = 0; i < count; i++) {
		/* |INT64_MIN| wraps to itself, negative: pprof skips it too. */
		int64_t magnitude = values[i] < 0 ? (int64_t)(0 - (uint64_t)values[i]) : values[i];
		if (magnitude > 0 && (smallest == 0 || magnitude < smallest))
			smallest = magnitude;
	}
	return ep_format_choose_unit(unit, smallest, largest);
}
