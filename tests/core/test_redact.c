/* Credentials in echoed text become "[redacted]": header values, bearer
 * tokens in any case, and nothing else is touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "redact.h"

static void expect_redacted(const char *text, const char *want)
{
	char out[256];
	size_t length = ep_redact_secrets(text, out, sizeof(out));
	assert_string_equal(out, want);
	assert_int_equal(length, strlen(want));
}

static void test_authorization_header_value(void **unused)
{
	(void)unused;
	expect_redacted("HTTP 401: you sent Authorization: Basic dXNlcjpwYXNz\nnext line",
	                "HTTP 401: you sent Authorization: [redacted]\nnext line");
	expect_redacted("authorization:secret", "authorization:[redacted]");
}

static void test_bearer_token(void **unused)
{
	(void)unused;
	expect_redacted("token rejected: bearer eyJhbGciOi.JIUzI1-NiJ9 (expired)",
	                "token rejected: bearer [redacted] (expired)");
	expect_redacted("{\"auth\":\"Bearer abc/def+=\"}", "{\"auth\":\"Bearer [redacted]\"}");
}

static void test_other_text_unchanged(void **unused)
{
	(void)unused;
	expect_redacted("HTTP 500: internal error", "HTTP 500: internal error");
	expect_redacted("forbearer of bad news", "forbearer of bad news");
	expect_redacted("Bearer", "Bearer");
	expect_redacted("", "");
}

static void test_output_is_bounded(void **unused)
{
	(void)unused;
	char out[12];
	ep_redact_secrets("Authorization: Bearer secret-token", out, sizeof(out));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_null(strstr(out, "secret"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authorization_header_value),
		cmocka_unit_test(test_bearer_token),
		cmocka_unit_test(test_other_text_unchanged),
		cmocka_unit_test(test_output_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
