/* Regular expressions in the syntax users write for pprof (Go's regexp,
 * RE2): `(?i)openapi`, `\bList\b`, `\d+`, `a|b`, `^runtime\.`.  PCRE2
 * reads every RE2 construct the same way once `$` means "end of text"
 * only; docs/patterns.md says what else differs.
 */
#ifndef EP_PATTERN_H
#define EP_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

struct ep_pattern;

/* Compiles pattern (len bytes; NULs allowed) unanchored, as Go's
 * regexp.Compile.  what names the pattern's origin in the error line, e.g.
 * "--focus" or "[category.openapi] pattern".  Returns 0 and *out (free it
 * with ep_pattern_free()), -EINVAL with err = "WHAT: invalid pattern 'P':
 * MESSAGE at offset N" (PCRE2's message and offset), or -ENOMEM. */
int ep_pattern_compile(const char *pattern, size_t len, const char *what, struct ep_pattern **out,
                       char *err, size_t errlen);

/* Whether the pattern matches anywhere in subject (len bytes).  Not safe
 * for two threads at once on one pattern (the match state is shared). */
bool ep_pattern_match(const struct ep_pattern *pattern, const char *subject, size_t len);

/* The source text given to ep_pattern_compile() (NUL-terminated). */
const char *ep_pattern_source(const struct ep_pattern *pattern);

void ep_pattern_free(struct ep_pattern *pattern);

#endif /* EP_PATTERN_H */
