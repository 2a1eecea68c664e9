/* The pattern module reads what users write for pprof (Go regexp, RE2) the
 * way Go does: the constructs of docs/patterns.md, bytes that are not
 * UTF-8, NULs inside a name, and errors that give PCRE2's offset. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pattern.h"

static bool matches(const char *pattern, const char *subject, size_t len)
{
	struct ep_pattern *p;
	char err[256];
	assert_int_equal(
	        ep_pattern_compile(pattern, strlen(pattern), "--focus", &p, err, sizeof(err)), 0);
	assert_string_equal(ep_pattern_source(p), pattern);
	bool matched = ep_pattern_match(p, subject, len);
	ep_pattern_free(p);
	return matched;
}

#define MATCHES(pattern, subject) matches(pattern, subject, strlen(subject))

static void test_re2_constructs(void **unused)
{
	(void)unused;
	assert_true(MATCHES("(?i)openapi", "k8s.io/kube-OpenAPI/pkg"));
	assert_false(MATCHES("openapi", "k8s.io/kube-OpenAPI/pkg"));
	assert_true(MATCHES("\\bList\\b", "main.(*List).Get"));
	assert_false(MATCHES("\\bList\\b", "main.ListAll"));
	assert_true(MATCHES("func\\d+", "main.main.func12"));
	assert_false(MATCHES("func\\d", "main.function"));
	assert_true(MATCHES("json|yaml", "sigs.k8s.io/yaml.Unmarshal"));
	assert_true(MATCHES("^runtime\\.", "runtime.mallocgc"));
	assert_false(MATCHES("^runtime\\.", "main.runtime.x"));
	assert_true(MATCHES("Unmarshal$", "encoding/json.Unmarshal"));
	assert_true(MATCHES("a.*?b", "axxb"));
	assert_true(MATCHES("(?P<pkg>[a-z]+)\\.", "main."));
	assert_true(MATCHES("[[:alpha:]]+", "x"));
	assert_true(MATCHES("\\pL", "\xc3\xa9"));
}

static void test_dollar_is_end_of_text(void **unused)
{
	(void)unused;
	/* Go's `$` does not match before a final newline (PCRE's default does). */
	assert_false(MATCHES("x$", "x\n"));
	assert_true(MATCHES("(?m)x$", "x\n"));
}

static void test_bytes_and_nul(void **unused)
{
	(void)unused;
	/* Invalid UTF-8 is searched, not refused. */
	assert_true(MATCHES("abc", "\xff\xfe"
	                           "abc"));
	assert_true(matches("b", "a\0b", 3));
	assert_false(matches("^a$", "a\0b", 3));
}

static void test_errors_give_the_offset(void **unused)
{
	(void)unused;
	struct ep_pattern *p = (struct ep_pattern *)1;
	char err[256];
	assert_int_equal(ep_pattern_compile("main.(List", 10, "--focus", &p, err, sizeof(err)),
	                 -EINVAL);
	assert_null(p);
	assert_string_equal(err, "--focus: invalid pattern 'main.(List': missing closing "
	                         "parenthesis at offset 10");
	assert_int_equal(
	        ep_pattern_compile("a{2,1}", 6, "[category.x] pattern", &p, err, sizeof(err)),
	        -EINVAL);
	assert_non_null(strstr(err, "[category.x] pattern: invalid pattern 'a{2,1}': "));
	assert_non_null(strstr(err, "at offset 5"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_re2_constructs),
		cmocka_unit_test(test_dollar_is_end_of_text),
		cmocka_unit_test(test_bytes_and_nul),
		cmocka_unit_test(test_errors_give_the_offset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
