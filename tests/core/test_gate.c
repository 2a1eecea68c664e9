/* The --fail-on grammar: limits read in the unit they are written in,
 * every operator, refusals of what can never fire, and verdicts that need
 * significance on repeated runs. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gate.h"

static struct ep_gate_rule parse_one(const char *text)
{
	struct ep_gate_rule *rules = NULL, rule;
	size_t count = 0;
	char err[512] = "";
	if (ep_gate_parse(text, &rules, &count, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", text, err);
	assert_int_equal(count, 1);
	rule = rules[0];
	free(rules);
	return rule;
}

static void expect_refused(const char *text, const char *reason)
{
	struct ep_gate_rule *rules = NULL;
	size_t count = 7;
	char err[512] = "";
	assert_int_equal(ep_gate_parse(text, &rules, &count, err, sizeof(err)), -EINVAL);
	assert_null(rules);
	assert_int_equal(count, 0);
	if (strstr(err, reason) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", text, err, reason);
}

static void test_units_as_written(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum ep_gate_limit kind;
		double limit;
	} cases[] = {
		{ "peak>+10%", EP_GATE_LIMIT_PERCENT, 10 },
		{ "cpu.category.json>2pp", EP_GATE_LIMIT_POINTS, 2 },
		{ "peak>512B", EP_GATE_LIMIT_BYTES, 512 },
		{ "peak>1.5kB", EP_GATE_LIMIT_BYTES, 1536 },
		{ "peak>2KB", EP_GATE_LIMIT_BYTES, 2048 },
		{ "peak>2KiB", EP_GATE_LIMIT_BYTES, 2048 },
		{ "peak>5MB", EP_GATE_LIMIT_BYTES, 5242880 },
		{ "peak>5MiB", EP_GATE_LIMIT_BYTES, 5242880 },
		{ "peak>1GB", EP_GATE_LIMIT_BYTES, 1073741824 },
		{ "peak>1GiB", EP_GATE_LIMIT_BYTES, 1073741824 },
		{ "cpu.total>250ns", EP_GATE_LIMIT_TIME, 250 },
		{ "cpu.total>3us", EP_GATE_LIMIT_TIME, 3000 },
		{ "cpu.total>20ms", EP_GATE_LIMIT_TIME, 2e7 },
		{ "cpu.total>+10s", EP_GATE_LIMIT_TIME, 1e10 },
		{ "duration>2m", EP_GATE_LIMIT_TIME, 120e9 },
		{ "duration>1h", EP_GATE_LIMIT_TIME, 3600e9 },
		{ "goroutines.peak>3", EP_GATE_LIMIT_PLAIN, 3 },
		{ " peak > 10 MB ", EP_GATE_LIMIT_BYTES, 10485760 },
		{ "peak>1e3B", EP_GATE_LIMIT_BYTES, 1000 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ep_gate_rule rule = parse_one(cases[i].text);
		if (rule.limit_kind != cases[i].kind || rule.limit != cases[i].limit)
			fail_msg("'%s': kind %d limit %g", cases[i].text, rule.limit_kind,
			         rule.limit);
	}
	assert_int_equal(sizeof(cases) / sizeof(cases[0]), 19);
}

static void test_operators_and_optional(void **state)
{
	(void)state;
	assert_int_equal(parse_one("peak>1%").op, EP_GATE_ABOVE);
	assert_int_equal(parse_one("peak>=1%").op, EP_GATE_AT_LEAST);
	assert_int_equal(parse_one("peak<-1%").op, EP_GATE_BELOW);
	assert_int_equal(parse_one("peak<=-1%").op, EP_GATE_AT_MOST);
	struct ep_gate_rule rule = parse_one("runtime.max_rss?>+10%");
	assert_true(rule.optional);
	assert_string_equal(rule.id, "runtime.max_rss");
	assert_string_equal(rule.text, "runtime.max_rss?>+10%");
	assert_false(parse_one("peak>1%").optional);

	struct ep_gate_rule *rules;
	size_t count;
	char err[256];
	assert_int_equal(
	        ep_gate_parse("peak>+10%, category.openapi>+5%,", &rules, &count, err, sizeof(err)),
	        0);
	assert_int_equal(count, 2);
	assert_string_equal(rules[1].id, "category.openapi");
	free(rules);
}

static void test_refuses_what_never_fires(void **state)
{
	(void)state;
	expect_refused("peak>nan", "not a number");
	expect_refused("peak>-nan%", "not a number");
	expect_refused("peak>inf", "not a number");
	expect_refused("peak>+infinity%", "not a number");
	expect_refused("peak>0x10", "unknown unit 'x10'");
	expect_refused("peak>+1e400%", "out of range");
	expect_refused("peak>1e19B", "out of range");
	expect_refused("peak>9e9GB", "out of range");
	expect_refused("peak>10parsecs", "unknown unit 'parsecs'");
	expect_refused("peak>10mb", "unknown unit 'mb'");
	expect_refused("peak=10%", "not ID>LIMIT");
	expect_refused(">10%", "not a figure id");
	expect_refused("pe ak>10%", "not a figure id");
	expect_refused("peak>", "not a number");
	expect_refused("peak>>1", "not a number");
	expect_refused(",", "no rule");
}

static struct ep_report_comparison comparison(const char *unit, double a, double b)
{
	return (struct ep_report_comparison){ .id = "x",
		                              .label = "x",
		                              .a = { .type = EP_VALUE_DOUBLE, .real = a },
		                              .b = { .type = EP_VALUE_DOUBLE, .real = b },
		                              .unit = unit };
}

static enum ep_gate_state judge(const char *text, const struct ep_report_comparison *c)
{
	struct ep_gate_rule rule = parse_one(text);
	struct ep_gate_verdict verdict;
	char err[512] = "";
	if (ep_gate_evaluate(&rule, c, "A", "B", &verdict, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", text, err);
	return verdict.state;
}

static void expect_evaluation_error(const char *text, const struct ep_report_comparison *c,
                                    const char *reason)
{
	struct ep_gate_rule rule = parse_one(text);
	struct ep_gate_verdict verdict;
	char err[512] = "";
	assert_int_equal(ep_gate_evaluate(&rule, c, "A", "B", &verdict, err, sizeof(err)), -EINVAL);
	if (strstr(err, reason) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", text, err, reason);
}

/* The case: a 5.9 s CPU change against a 10 s limit. */
static void test_time_limits(void **state)
{
	(void)state;
	struct ep_report_comparison cpu = comparison(EP_UNIT_NANOSECONDS, 20e9, 25.9e9);
	assert_int_equal(judge("x>+10s", &cpu), EP_GATE_PASSED);
	assert_int_equal(judge("x>5s", &cpu), EP_GATE_FAILED);
	assert_int_equal(judge("x>5899ms", &cpu), EP_GATE_FAILED);
	assert_int_equal(judge("x>5900ms", &cpu), EP_GATE_PASSED);
	assert_int_equal(judge("x>=5900ms", &cpu), EP_GATE_FAILED);
	assert_int_equal(judge("x>1m", &cpu), EP_GATE_PASSED);
	struct ep_report_comparison seconds = comparison(EP_UNIT_SECONDS, 60, 200);
	assert_int_equal(judge("x>2m", &seconds), EP_GATE_FAILED);
	assert_int_equal(judge("x>3m", &seconds), EP_GATE_PASSED);
	expect_evaluation_error("x>10", &cpu, "write the limit with its unit");
	expect_evaluation_error("x>10MB", &cpu, "a byte limit fits only");
}

static void test_byte_and_percent_limits(void **state)
{
	(void)state;
	struct ep_report_comparison peak = comparison(EP_UNIT_BYTES, 10485760, 12582912);
	assert_int_equal(judge("x>1MB", &peak), EP_GATE_FAILED);
	assert_int_equal(judge("x>2MB", &peak), EP_GATE_PASSED);
	assert_int_equal(judge("x>=2MiB", &peak), EP_GATE_FAILED);
	assert_int_equal(judge("x>+20%", &peak), EP_GATE_PASSED);
	assert_int_equal(judge("x>=+20%", &peak), EP_GATE_FAILED);
	assert_int_equal(judge("x<-5%", &peak), EP_GATE_PASSED);
	assert_int_equal(judge("x<=+20%", &peak), EP_GATE_FAILED);
	assert_int_equal(judge("x<+25%", &peak), EP_GATE_FAILED);
	expect_evaluation_error("x>3", &peak, "write the limit with its unit");
	expect_evaluation_error("x>3s", &peak, "a time limit fits only");
	expect_evaluation_error("x>3pp", &peak, "pp fits only");
	struct ep_report_comparison share = comparison(EP_UNIT_PERCENT, 30, 33);
	assert_int_equal(judge("x>2pp", &share), EP_GATE_FAILED);
	assert_int_equal(judge("x>2", &share), EP_GATE_FAILED);
	assert_int_equal(judge("x>4", &share), EP_GATE_PASSED);
	assert_int_equal(judge("x>+5%", &share), EP_GATE_FAILED); /* 10% of 30 */
	struct ep_report_comparison count = comparison(EP_UNIT_COUNT, 8, 16);
	assert_int_equal(judge("x>7", &count), EP_GATE_FAILED);
	assert_int_equal(judge("x>8", &count), EP_GATE_PASSED);
}

static void test_missing_figures(void **state)
{
	(void)state;
	expect_evaluation_error("peak>1%", NULL, "has no figure 'peak'");
	assert_int_equal(judge("peak?>1%", NULL), EP_GATE_SKIPPED);
	struct ep_report_comparison lacking = comparison(EP_UNIT_BYTES, 1, 2);
	lacking.b.type = EP_VALUE_NONE;
	expect_evaluation_error("x>1%", &lacking, "run B has no x");
	assert_int_equal(judge("x?>1%", &lacking), EP_GATE_SKIPPED);
	struct ep_report_comparison text = comparison("", 1, 2);
	text.a = (struct ep_value){ .type = EP_VALUE_TEXT, .text = "plateau" };
	expect_evaluation_error("x?>1", &text, "is text");
}

/* Repeated runs: beyond the limit fails only when significant. */
static void test_significance_decides(void **state)
{
	(void)state;
	struct ep_report_statistics stats = { .n_a = 4,
		                              .n_b = 4,
		                              .p_value = 0.34,
		                              .alpha = 0.05,
		                              .significant = 0,
		                              .min_samples = 4,
		                              .min_p_value = 2.0 / 70 };
	struct ep_report_comparison peak = comparison(EP_UNIT_BYTES, 100, 120);
	peak.statistics = &stats;
	struct ep_gate_rule rule = parse_one("x>+10%");
	struct ep_gate_verdict verdict;
	char err[256];
	assert_int_equal(ep_gate_evaluate(&rule, &peak, "A", "B", &verdict, err, sizeof(err)), 0);
	assert_int_equal(verdict.state, EP_GATE_PASSED);
	assert_true(verdict.beyond && verdict.tested);
	assert_non_null(strstr(verdict.summary, "not significant"));
	stats.p_value = 0.0286;
	stats.significant = 1;
	assert_int_equal(ep_gate_evaluate(&rule, &peak, "A", "B", &verdict, err, sizeof(err)), 0);
	assert_int_equal(verdict.state, EP_GATE_FAILED);
	/* Significant but within the limit passes. */
	assert_int_equal(judge("x>+30%", &peak), EP_GATE_PASSED);
	peak.statistics = NULL;
	assert_int_equal(ep_gate_evaluate(&rule, &peak, "A", "B", &verdict, err, sizeof(err)), 0);
	assert_int_equal(verdict.state, EP_GATE_FAILED);
	assert_non_null(strstr(verdict.summary, "not tested against noise"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units_as_written),
		cmocka_unit_test(test_operators_and_optional),
		cmocka_unit_test(test_refuses_what_never_fires),
		cmocka_unit_test(test_time_limits),
		cmocka_unit_test(test_byte_and_percent_limits),
		cmocka_unit_test(test_missing_figures),
		cmocka_unit_test(test_significance_decides),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
