/* Secrets out of text that came from a server or from kubectl, before it
 * reaches stderr, collection.log, run.json or a report. */
#ifndef EP_REDACT_H
#define EP_REDACT_H

#include <stddef.h>

/* The placeholder every secret becomes. */
#define EP_REDACTED "[redacted]"

/* Copies text into out (outlen bytes, always NUL-terminated when outlen >
 * 0) with the value of every "Authorization:" header (to the end of its
 * line) and the token after every "Bearer " replaced by EP_REDACTED,
 * whatever their case. text and out must not overlap. Returns the length
 * written. */
size_t ep_redact_secrets(const char *text, char *out, size_t outlen);

#endif
