/* Go-regexp (RE2) patterns on top of PCRE2: compile with the options that
 * make PCRE2 read RE2 syntax as Go does, JIT when available, match bytes.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pattern.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

struct ep_pattern {
	pcre2_code *code;
	pcre2_match_data *match;
	char *source;
};

int ep_pattern_compile(const char *pattern, size_t len, const char *what, struct ep_pattern **out,
                       char *err, size_t errlen)
{
	*out = NULL;
	struct ep_pattern *p = calloc(1, sizeof(*p));
	if (p == NULL || (p->source = malloc(len + 1)) == NULL) {
		free(p);
		snprintf(err, errlen, "%s: out of memory", what);
		return -ENOMEM;
	}
	memcpy(p->source, pattern, len);
	p->source[len] = '\0';
	/* Go matches UTF-8 text but never fails on invalid bytes (they read
	 * as U+FFFD); DOLLAR_ENDONLY: Go's `$` does not match before a final
	 * newline. */
	uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY;
	int code;
	PCRE2_SIZE offset;
	p->code = pcre2_compile((PCRE2_SPTR)pattern, len, options, &code, &offset, NULL);
	if (p->code == NULL) {
		PCRE2_UCHAR message[256];
		if (pcre2_get_error_message(code, message, sizeof(message)) < 0)
			snprintf((char *)message, sizeof(message), "error %d", code);
		snprintf(err, errlen, "%s: invalid pattern '%s': %s at offset %zu", what, p->source,
		         (const char *)message, (size_t)offset);
		ep_pattern_free(p);
		return -EINVAL;
	}
	/* Without JIT (some architectures) the interpreter gives the same
	 * answers, more slowly. */
	(void)pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
	p->match = pcre2_match_data_create(1, NULL);
	if (p->match == NULL) {
		ep_pattern_free(p);
		snprintf(err, errlen, "%s: out of memory", what);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

bool ep_pattern_match(const struct ep_pattern *pattern, const char *subject, size_t len)
{
	return pcre2_match(pattern->code, (PCRE2_SPTR)subject, len, 0, 0, pattern->match, NULL) >=
	       0;
}

const char *ep_pattern_source(const struct ep_pattern *pattern)
{
	return pattern->source;
}

void ep_pattern_free(struct ep_pattern *pattern)
{
	if (pattern == NULL)
		return;
	pcre2_match_data_free(pattern->match);
	pcre2_code_free(pattern->code);
	free(pattern->source);
	free(pattern);
}
