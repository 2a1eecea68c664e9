/* Pattern redaction: the shapes a credential takes in an echoed request.
 * The exact configured token is redacted by the collector that holds it
 * (plugins/collectors/pprof_fetch.c); these patterns also catch tokens the
 * tool never saw, e.g. from a kubeconfig in kubectl's output. */
#include "redact.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static bool redact_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-._~+/=", c) != NULL;
}

static bool redact_word_start(const char *text, size_t at)
{
	return at == 0 || !((text[at - 1] >= 'a' && text[at - 1] <= 'z') ||
	                    (text[at - 1] >= 'A' && text[at - 1] <= 'Z'));
}

struct redact_output {
	char *out;
	size_t outlen, length;
};

static void redact_put(struct redact_output *o, const char *text, size_t length)
{
	for (size_t i = 0; i < length && o->length + 1 < o->outlen; i++)
		o->out[o->length++] = text[i];
}

size_t ep_redact_secrets(const char *text, char *out, size_t outlen)
{
	static const char header[] = "authorization:";
	static const char bearer[] = "bearer";
	struct redact_output o = { out, outlen, 0 };
	size_t i = 0;
	while (text[i] != '\0') {
		if (redact_word_start(text, i) &&
		    strncasecmp(text + i, header, sizeof(header) - 1) == 0) {
			size_t value = i + sizeof(header) - 1;
			while (text[value] == ' ' || text[value] == '\t')
				value++;
			redact_put(&o, text + i, value - i);
			redact_put(&o, EP_REDACTED, sizeof(EP_REDACTED) - 1);
			i = value + strcspn(text + value, "\r\n");
			continue;
		}
		if (redact_word_start(text, i) &&
		    strncasecmp(text + i, bearer, sizeof(bearer) - 1) == 0 &&
		    (text[i + 6] == ' ' || text[i + 6] == '\t')) {
			size_t token = i + 6;
			while (text[token] == ' ' || text[token] == '\t')
				token++;
			size_t end = token;
			while (text[end] != '\0' && redact_token_char(text[end]))
				end++;
			redact_put(&o, text + i, token - i);
			if (end > token)
				redact_put(&o, EP_REDACTED, sizeof(EP_REDACTED) - 1);
			i = end;
			continue;
		}
		redact_put(&o, text + i, 1);
		i++;
	}
	if (outlen > 0)
		out[o.length] = '\0';
	return o.length;
}
