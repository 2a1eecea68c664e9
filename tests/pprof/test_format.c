/* The story of core/format.c: values with units read exactly as
 * `go tool pprof` prints them (pprof's internal/measurement), because users
 * compare our tables with pprof's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "format.h"

static const char *value_text(char *buf, int64_t value, const char *from, const char *to)
{
	return ep_format_value(buf, EP_FORMAT_MAX, value, from, to);
}

static void bytes_scale_by_1024_with_two_decimals(void **state)
{
	(void)state;
	char buf[EP_FORMAT_MAX];
	/* docs/architecture.md: peak in-use memory of 49.6 MB. */
	assert_string_equal(value_text(buf, 52009370, "bytes", "MB"), "49.60MB");
	assert_string_equal(value_text(buf, 52009370, "bytes", "auto"), "49.60MB");
	/* A trailing ".00" goes, other decimals stay. */
	assert_string_equal(value_text(buf, 4432 * 1024, "bytes", "kB"), "4432kB");
	assert_string_equal(value_text(buf, 15732111, "bytes", "kB"), "15363.39kB");
	assert_string_equal(value_text(buf, 1536, "bytes", "minimum"), "1.50kB");
	assert_string_equal(value_text(buf, 1023, "bytes", "auto"), "1023B");
	assert_string_equal(value_text(buf, (int64_t)1 << 40, "bytes", "auto"), "1TB");
	assert_string_equal(value_text(buf, (int64_t)1 << 61, "bytes", "auto"), "2048PB");
	/* Units are recognized in any case, singular or plural. */
	assert_string_equal(value_text(buf, 2048, "Bytes", "auto"), "2kB");
	assert_string_equal(value_text(buf, 3, "kilobytes", "auto"), "3kB");
	assert_string_equal(value_text(buf, 2048, "byte", "B"), "2048B");
	/* A value too small for the display unit still shows. */
	assert_string_equal(value_text(buf, 8, "bytes", "kB"), "0.01kB");
}

static void zero_and_negative_values(void **state)
{
	(void)state;
	char buf[EP_FORMAT_MAX];
	assert_string_equal(value_text(buf, 0, "bytes", "MB"), "0");
	assert_string_equal(value_text(buf, 0, "nanoseconds", "auto"), "0");
	assert_string_equal(value_text(buf, 0, "count", "count"), "0");
	/* Negative values (a -base difference) keep their sign and unit. */
	assert_string_equal(value_text(buf, -52009370, "bytes", "MB"), "-49.60MB");
	assert_string_equal(value_text(buf, -1536, "bytes", "auto"), "-1.50kB");
	assert_string_equal(value_text(buf, -1, "bytes", "B"), "-1B");
	/* Rounding to zero prints "0", never "-0". */
	assert_string_equal(value_text(buf, -1, "nanoseconds", "s"), "0");
	assert_string_equal(value_text(buf, 1, "bytes", "MB"), "0");
	/* INT64_MIN has no positive twin; it still prints. */
	assert_string_equal(value_text(buf, INT64_MIN, "count", "count"), "-9223372036854775808");
}

static void time_units(void **state)
{
	(void)state;
	char buf[EP_FORMAT_MAX];
	assert_string_equal(value_text(buf, 1500000000, "nanoseconds", "auto"), "1.50s");
	assert_string_equal(value_text(buf, 10000000, "nanoseconds", "auto"), "10ms");
	assert_string_equal(value_text(buf, 1500, "nanoseconds", "auto"), "1.50us");
	assert_string_equal(value_text(buf, 999, "nanoseconds", "auto"), "999ns");
	assert_string_equal(value_text(buf, (int64_t)7200 * 1000000000, "ns", "auto"), "2hrs");
	assert_string_equal(value_text(buf, 1610000000, "nanoseconds", "s"), "1.61s");
	assert_string_equal(value_text(buf, 250, "milliseconds", "s"), "0.25s");
	assert_string_equal(value_text(buf, 3, "seconds", "ms"), "3000ms");
	/* A target outside the family falls back to the family's base unit. */
	assert_string_equal(value_text(buf, 2000000000, "nanoseconds", "bytes"), "2s");
	/* pprof never recognizes "μs" (it strips the 's' first): a plain unit. */
	assert_string_equal(value_text(buf, 5, "\xce\xbcs", "\xce\xbcs"), "5\xce\xbcs");
}

static void counts_and_unknown_units(void **state)
{
	(void)state;
	char buf[EP_FORMAT_MAX];
	assert_string_equal(value_text(buf, 12, "count", "count"), "12");
	assert_string_equal(value_text(buf, 12, "count", "minimum"), "12");
	assert_string_equal(value_text(buf, 7, "samples", "sample"), "7");
	assert_string_equal(value_text(buf, 5, "widgets", "widgets"), "5widgets");
	assert_string_equal(value_text(buf, 5, "widgets", "auto"), "5");
	const char *label;
	double v = ep_format_scale(42, "widgets", "widgets", &label);
	assert_true(v == 42.0);
	assert_string_equal(label, "widgets");
	v = ep_format_scale(3, "kilobytes", "bytes", &label);
	assert_true(v == 3072.0);
	assert_string_equal(label, "B");
	/* unit_out may be NULL. */
	assert_true(ep_format_scale(1, "hour", "s", NULL) == 3600.0);
}

static const char *percent_text(char *buf, int64_t value, int64_t total)
{
	return ep_format_percentage(buf, EP_FORMAT_MAX, value, total);
}

static void percentages_have_pprofs_three_shapes(void **state)
{
	(void)state;
	char buf[EP_FORMAT_MAX];
	/* Within 0.05 of 100: "  100%". */
	assert_string_equal(percent_text(buf, 100, 100), "  100%");
	assert_string_equal(percent_text(buf, 9996, 10000), "  100%");
	assert_string_equal(percent_text(buf, -100, 100), "  100%");
	/* From 1%: "%5.2f%%". */
	assert_string_equal(percent_text(buf, 1, 3), "33.33%");
	assert_string_equal(percent_text(buf, 9994, 10000), "99.94%");
	assert_string_equal(percent_text(buf, 1, 100), " 1.00%");
	assert_string_equal(percent_text(buf, -5, 10), "50.00%");
	/* Below 1%: "%5.2g%%", two significant digits. */
	assert_string_equal(percent_text(buf, 8, 320008), "0.0025%");
	assert_string_equal(percent_text(buf, 1, 200), "  0.5%");
	assert_string_equal(percent_text(buf, 86, 10000), " 0.86%");
	assert_string_equal(percent_text(buf, 1, 10000000), "1e-05%");
	assert_string_equal(percent_text(buf, 0, 100), "    0%");
	/* No total: 0%, not a division by zero. */
	assert_string_equal(percent_text(buf, 5, 0), "    0%");
	assert_string_equal(percent_text(buf, 0, 0), "    0%");
}

static void one_unit_for_a_table(void **state)
{
	(void)state;
	/* heap.top.txt: smallest 8B, total 320008B; 800B is still bytes. */
	assert_string_equal(ep_format_choose_unit("bytes", 8, 320008), "B");
	/* Smallest in kB, total in MB, smallest*100 < total: the unit of
	 * smallest*100, so the smallest row still reads at least 0.01. */
	assert_string_equal(ep_format_choose_unit("bytes", 6144, 52428800), "kB");
	assert_string_equal(ep_format_choose_unit("bytes", 20000, 52428800), "MB");
	/* Same unit for both: that unit. */
	assert_string_equal(ep_format_choose_unit("bytes", 2048, 4096), "kB");
	/* smallest*100 >= total: the smallest's own unit. */
	assert_string_equal(ep_format_choose_unit("bytes", 900, 2048), "B");
	/* No non-zero value: the total decides. */
	assert_string_equal(ep_format_choose_unit("bytes", 0, 5 << 20), "MB");
	assert_string_equal(ep_format_choose_unit("nanoseconds", 10000000, 1510000000), "s");
	assert_string_equal(ep_format_choose_unit("nanoseconds", 0, 0), "s");
	/* Counts and unknown units keep the sample unit. */
	assert_string_equal(ep_format_choose_unit("count", 1, 1000), "count");
	assert_string_equal(ep_format_choose_unit("widgets", 1, 1000), "widgets");
	/* From a list: the smallest non-zero magnitude, negatives included. */
	const int64_t values[] = { 0, -6144, 204800, 0, 41472 };
	assert_string_equal(ep_format_choose_unit_for("bytes", values, 5, 52428800), "kB");
	assert_string_equal(ep_format_choose_unit_for("bytes", values, 0, 2048), "kB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bytes_scale_by_1024_with_two_decimals),
		cmocka_unit_test(zero_and_negative_values),
		cmocka_unit_test(time_units),
		cmocka_unit_test(counts_and_unknown_units),
		cmocka_unit_test(percentages_have_pprofs_three_shapes),
		cmocka_unit_test(one_unit_for_a_table),
	};
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
