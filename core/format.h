/* Numbers with units as people read them: the one place that turns a
 * value (bytes, nanoseconds, counts) into text.  It follows pprof's
 * measurement package so our tables read exactly like `go tool pprof`.
 */
#ifndef EP_FORMAT_H
#define EP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Buffer size that fits any text below. */
#define EP_FORMAT_MAX 64

/* Converts value from from_unit to to_unit, as pprof's measurement.Scale.
 *
 * Units are recognized by family, case-insensitively, singular or plural:
 * bytes ("b", "byte", "kb", "kilobyte", ... "petabyte"), time ("ns",
 * "nanosecond", "us", "ms", "s", "sec", "second", "hour", "hr") and GCU.
 * to_unit "auto" or "minimum" picks the largest unit of the family that
 * keeps |value| >= 1 (bytes in powers of 1024: B, kB, MB, GB, TB, PB; time:
 * ns, us, ms, s, hrs).  A to_unit outside from_unit's family gets the
 * family's base unit (B, s).
 *
 * Returns the scaled value; *unit_out (may be NULL) receives the label to
 * print after it: a static string for known families, "" for count-like
 * units ("count", "sample", "unit", "minimum", "auto"), else to_unit
 * itself (borrowed). */
double ep_format_scale(int64_t value, const char *from_unit, const char *to_unit,
                       const char **unit_out);

/* The family of a unit: 0 for bytes, 1 for time, 2 for GCU, -1 for any
 * other (counts, "widgets").  Values of one family convert into each
 * other; pprof merges profiles whose units share a family. */
int ep_format_unit_family(const char *unit);

/* Writes value scaled to to_unit as "%.2f" without a trailing ".00",
 * followed by the unit label: "49.60MB", "4432kB", "15363.39kB", "1.50s",
 * "12" (a count).  A value that rounds to zero prints as "0" without unit.
 * Returns buf; the text is truncated to len. */
char *ep_format_value(char *buf, size_t len, int64_t value, const char *from_unit,
                      const char *to_unit);

/* |value / total| as a percentage with at least two significant digits,
 * six columns wide like pprof: "  100%" (within 0.05 of 100), "49.60%",
 * "0.0025%", "    0%" (also when total is 0).  Returns buf. */
char *ep_format_percentage(char *buf, size_t len, int64_t value, int64_t total);

/* Chooses one display unit for a table whose values share unit, as pprof
 * does: the auto-scaled unit of smallest (the smallest non-zero magnitude
 * shown; 0 means none), unless largest (usually the total) scales to a
 * different unit and smallest*100 < largest, in which case the unit of
 * smallest*100 (so the smallest value still shows as at least 0.01).
 * Returns a unit to pass as to_unit to ep_format_value(): a static string,
 * or unit itself when unit is of no known family. */
const char *ep_format_choose_unit(const char *unit, int64_t smallest, int64_t largest);

/* ep_format_choose_unit() with smallest taken as the smallest non-zero
 * |values[i]|. */
const char *ep_format_choose_unit_for(const char *unit, const int64_t *values, size_t count,
                                      int64_t largest);

#endif /* EP_FORMAT_H */
