/* pprof_fetch: fetches one profile from a Go net/http/pprof endpoint with
 * libcurl, checks that it decodes, and writes it atomically. Linked into the
 * http and kubectl collectors (see pprof_fetch.h and meson.build here). */
#include "pprof_fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Error pages are only quoted by their first line; keep this much of them. */
#define FETCH_ERROR_BODY_KEEP 4096
/* How much of a server's text goes into a reason, in bytes. */
#define FETCH_QUOTE_MAX 100
/* A token file is a few KiB at most (a Kubernetes service account token is
 * about 1 KiB); anything much larger is the wrong file. */
#define FETCH_TOKEN_MAX_BYTES (64 * 1024)
/* What the decoder prefixes its reasons with; a reason says it only once. */
#define FETCH_NOT_A_PROFILE "not a profile"

struct fetch_kind {
	const char *name;
	const char *path;
};

static const struct fetch_kind fetch_kinds[] = {
	{ "heap", "/debug/pprof/heap" },
	{ "allocs", "/debug/pprof/allocs" },
	{ "goroutine", "/debug/pprof/goroutine" },
	{ "cpu", "/debug/pprof/profile" },
	{ "goroutineleak", "/debug/pprof/goroutineleak" },
};

/* One transfer: the answer's body and what the callbacks need. */
struct fetch_transfer {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	CURL *curl;
	unsigned char *data;
	size_t size;
	size_t capacity;
	bool too_big;
	bool out_of_memory;
};

static bool fetch_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void fetch_reason(char *reason, size_t reason_size, const char *format, ...) EP_PRINTF(3, 4);
static void fetch_reason(char *reason, size_t reason_size, const char *format, ...)
{
	if (reason == NULL || reason_size == 0)
		return;
	va_list args;
	va_start(args, format);
	vsnprintf(reason, reason_size, format, args);
	va_end(args);
}

/* memset that the compiler may not drop: the token must not linger in
 * freed memory. */
static void fetch_wipe(void *pointer, size_t size)
{
	volatile unsigned char *bytes = pointer;
	while (size-- > 0)
		*bytes++ = 0;
}

bool pprof_fetch_host_usable(const struct ep_host_api *host)
{
	/* The last member the collectors call is stop_requested (version 1). */
	return host != NULL && host->version >= 1 &&
	       host->size >=
	               offsetof(struct ep_host_api, stop_requested) + sizeof(host->stop_requested);
}

int pprof_fetch_global_init(const struct ep_host_api *host, struct ep_instance *instance)
{
	CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (code != CURLE_OK) {
		host->log(instance, EP_LOG_ERROR, "cannot initialize libcurl: %s",
		          curl_easy_strerror(code));
		return -EIO;
	}
	return 0;
}

void pprof_fetch_global_cleanup(void)
{
	curl_global_cleanup();
}

bool pprof_fetch_is_connection_error(int error)
{
	return error == -ECONNREFUSED || error == -ECONNRESET;
}

/* ---- settings ------------------------------------------------------------ */

static int fetch_config_int(const struct ep_host_api *host, struct ep_instance *instance,
                            const char *section, const char *key, int64_t min, int64_t max,
                            long *value)
{
	int64_t number;
	int rc = host->config_get_int(instance, key, &number);
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, "%s %s: cannot read the setting (%s)", section,
		          key, strerror(-rc));
		return rc;
	}
	if (number < min || number > max) {
		host->log(instance, EP_LOG_ERROR,
		          "%s %s: must be between %" PRId64 " and %" PRId64 ", not %" PRId64,
		          section, key, min, max, number);
		return -EINVAL;
	}
	*value = (long)number;
	return 0;
}

/* Reads a path setting; "" counts as unset. When set, the file must be
 * readable now, so a typo fails the run at start rather than every
 * snapshot. */
static int fetch_config_file(const struct ep_host_api *host, struct ep_instance *instance,
                             const char *section, const char *key, const char **path)
{
	const char *value = NULL;
	int rc = host->config_get_string(instance, key, &value);
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, "%s %s: cannot read the setting (%s)", section,
		          key, strerror(-rc));
		return rc;
	}
	if (value != NULL && value[0] == '\0')
		value = NULL;
	if (value != NULL && access(value, R_OK) < 0) {
		rc = -errno;
		host->log(instance, EP_LOG_ERROR, "%s %s: cannot read '%s': %s", section, key,
		          value, strerror(errno));
		return rc;
	}
	*path = value;
	return 0;
}

/* Reads the bearer token at path into *token (owned, host->alloc). The
 * messages name the file, never its content. */
static int fetch_read_token(const struct ep_host_api *host, struct ep_instance *instance,
                            const char *section, const char *path, char **token)
{
	char *buffer = NULL;
	size_t size = 0;
	int rc = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		host->log(instance, EP_LOG_ERROR, "%s bearer_token_file: cannot open '%s': %s",
		          section, path, strerror(errno));
		goto error;
	}
	buffer = host->alloc(FETCH_TOKEN_MAX_BYTES + 1);
	if (buffer == NULL) {
		rc = -ENOMEM;
		goto error;
	}
	for (;;) {
		ssize_t n = read(fd, buffer + size, FETCH_TOKEN_MAX_BYTES + 1 - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			host->log(instance, EP_LOG_ERROR,
			          "%s bearer_token_file: cannot read '%s': %s", section, path,
			          strerror(errno));
			goto error;
		}
		if (n == 0)
			break;
		size += (size_t)n;
		if (size > FETCH_TOKEN_MAX_BYTES) {
			rc = -EFBIG;
			host->log(instance, EP_LOG_ERROR,
			          "%s bearer_token_file: '%s' is larger than %d KiB; is it the "
			          "token file?",
			          section, path, FETCH_TOKEN_MAX_BYTES / 1024);
			goto error;
		}
	}
	/* Files written by editors or `echo` end in a newline that is no
	 * part of the token. */
	size_t start = 0;
	while (start < size && fetch_is_space((unsigned char)buffer[start]))
		start++;
	while (size > start && fetch_is_space((unsigned char)buffer[size - 1]))
		size--;
	if (size == start) {
		rc = -EINVAL;
		host->log(instance, EP_LOG_ERROR, "%s bearer_token_file: '%s' is empty", section,
		          path);
		goto error;
	}
	for (size_t i = start; i < size; i++) {
		unsigned char c = (unsigned char)buffer[i];
		/* A control character would end or split the header line. */
		if (c < 0x20 || c == 0x7f) {
			rc = -EINVAL;
			host->log(instance, EP_LOG_ERROR,
			          "%s bearer_token_file: '%s' holds more than one line or control "
			          "characters",
			          section, path);
			goto error;
		}
	}
	memmove(buffer, buffer + start, size - start);
	fetch_wipe(buffer + (size - start), FETCH_TOKEN_MAX_BYTES + 1 - (size - start));
	*token = buffer;
	close(fd);
	return 0;
error:
	if (buffer != NULL) {
		fetch_wipe(buffer, FETCH_TOKEN_MAX_BYTES + 1);
		host->free(buffer);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int pprof_fetch_settings_load(const struct ep_host_api *host, struct ep_instance *instance,
                              const char *section, struct pprof_fetch_settings *settings)
{
	const char *token_file = NULL;
	memset(settings, 0, sizeof(*settings));
	int rc = fetch_config_int(host, instance, section, "connect_timeout", 1, 3600,
	                          &settings->connect_timeout_seconds);
	if (rc < 0)
		goto error;
	rc = fetch_config_int(host, instance, section, "timeout", 1, 86400,
	                      &settings->timeout_seconds);
	if (rc < 0)
		goto error;
	rc = fetch_config_file(host, instance, section, "ca_file", &settings->ca_file);
	if (rc < 0)
		goto error;
	rc = fetch_config_file(host, instance, section, "client_cert", &settings->client_cert);
	if (rc < 0)
		goto error;
	rc = fetch_config_file(host, instance, section, "client_key", &settings->client_key);
	if (rc < 0)
		goto error;
	if (settings->client_key != NULL && settings->client_cert == NULL) {
		rc = -EINVAL;
		host->log(instance, EP_LOG_ERROR, "%s client_key is set but client_cert is not",
		          section);
		goto error;
	}
	rc = host->config_get_bool(instance, "insecure_skip_verify",
	                           &settings->insecure_skip_verify);
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, "%s insecure_skip_verify: cannot read it (%s)",
		          section, strerror(-rc));
		goto error;
	}
	rc = fetch_config_file(host, instance, section, "bearer_token_file", &token_file);
	if (rc < 0)
		goto error;
	if (token_file != NULL) {
		rc = fetch_read_token(host, instance, section, token_file, &settings->bearer_token);
		if (rc < 0)
			goto error;
	}
	if (settings->insecure_skip_verify)
		host->log(instance, EP_LOG_WARN,
		          "%s insecure_skip_verify = true: https certificates are not verified",
		          section);
	return 0;
error:
	pprof_fetch_settings_clear(host, settings);
	return rc;
}

void pprof_fetch_settings_clear(const struct ep_host_api *host,
                                struct pprof_fetch_settings *settings)
{
	if (settings->bearer_token != NULL) {
		fetch_wipe(settings->bearer_token, strlen(settings->bearer_token));
		host->free(settings->bearer_token);
	}
	memset(settings, 0, sizeof(*settings));
}

/* ---- the transfer --------------------------------------------------------- */

static size_t fetch_write_body(char *data, size_t size, size_t count, void *user)
{
	struct fetch_transfer *transfer = user;
	size_t length = size * count;
	long status = 0;
	curl_easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &status);
	/* An error page is only quoted: drop what no reason will show. */
	if ((status < 200 || status > 299) && transfer->size >= FETCH_ERROR_BODY_KEEP)
		return length;
	if (length > PPROF_FETCH_MAX_BODY_BYTES - transfer->size) {
		transfer->too_big = true;
		return 0; /* anything but length aborts the transfer */
	}
	if (transfer->size + length > transfer->capacity) {
		size_t capacity = transfer->capacity ? transfer->capacity : 64 * 1024;
		while (capacity < transfer->size + length)
			capacity *= 2;
		if (capacity > PPROF_FETCH_MAX_BODY_BYTES)
			capacity = PPROF_FETCH_MAX_BODY_BYTES;
		unsigned char *grown = realloc(transfer->data, capacity);
		if (grown == NULL) {
			transfer->out_of_memory = true;
			return 0;
		}
		transfer->data = grown;
		transfer->capacity = capacity;
	}
	memcpy(transfer->data + transfer->size, data, length);
	transfer->size += length;
	return length;
}

/* libcurl calls this about once a second even while the server is silent,
 * so a stop request ends a 30 s cpu profile or a hung server quickly. */
static int fetch_progress(void *user, curl_off_t download_total, curl_off_t download_now,
                          curl_off_t upload_total, curl_off_t upload_now)
{
	struct fetch_transfer *transfer = user;
	return transfer->host->stop_requested(transfer->instance) ? 1 : 0;
}

/* Copies the first non-blank line of text into out, control characters
 * replaced, cut after about FETCH_QUOTE_MAX bytes on a UTF-8 boundary. */
static void fetch_quote_first_line(const unsigned char *text, size_t size, char *out,
                                   size_t out_size)
{
	size_t start = 0;
	while (start < size && fetch_is_space(text[start]))
		start++;
	size_t end = start;
	while (end < size && text[end] != '\n' && text[end] != '\r')
		end++;
	while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t'))
		end--;
	bool cut = false;
	if (end - start > FETCH_QUOTE_MAX) {
		end = start + FETCH_QUOTE_MAX;
		while (end > start && (text[end] & 0xc0) == 0x80)
			end--; /* not inside a UTF-8 sequence */
		cut = true;
	}
	size_t length = 0;
	for (size_t i = start; i < end && length + 4 < out_size; i++) {
		unsigned char c = text[i];
		out[length++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
	}
	if (cut && length + 4 <= out_size) {
		memcpy(out + length, "...", 3);
		length += 3;
	}
	if (out_size > 0)
		out[length < out_size ? length : out_size - 1] = '\0';
}

/* Explains a failed transfer in reason; returns the errno for it. */
static int fetch_explain_failure(CURLcode code, const struct fetch_transfer *transfer,
                                 const struct pprof_fetch_settings *settings, const char *base_url,
                                 const char *curl_error, long total_timeout, char *reason,
                                 size_t reason_size)
{
	long os_errno = 0;
	curl_off_t connect_time = 0;
	curl_easy_getinfo(transfer->curl, CURLINFO_OS_ERRNO, &os_errno);
	curl_easy_getinfo(transfer->curl, CURLINFO_CONNECT_TIME_T, &connect_time);
	const char *detail = curl_error[0] != '\0' ? curl_error : curl_easy_strerror(code);
	switch (code) {
	case CURLE_COULDNT_CONNECT:
		if (os_errno == 0 || os_errno == ECONNREFUSED)
			fetch_reason(reason, reason_size, "connection refused (%s)", base_url);
		else
			fetch_reason(reason, reason_size, "cannot connect: %s (%s)",
			             strerror((int)os_errno), base_url);
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		if (connect_time == 0)
			fetch_reason(reason, reason_size, "connect timed out after %ld s (%s)",
			             settings->connect_timeout_seconds < total_timeout
			                     ? settings->connect_timeout_seconds
			                     : total_timeout,
			             base_url);
		else
			fetch_reason(reason, reason_size, "timed out after %ld s", total_timeout);
		return -ETIMEDOUT;
	case CURLE_ABORTED_BY_CALLBACK:
		fetch_reason(reason, reason_size, "stopped: the run is ending");
		return -ECANCELED;
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WRITE_ERROR:
		if (transfer->out_of_memory) {
			fetch_reason(reason, reason_size, "out of memory after %zu bytes",
			             transfer->size);
			return -ENOMEM;
		}
		fetch_reason(reason, reason_size, "the answer is larger than %" PRIu64 " GiB",
		             PPROF_FETCH_MAX_BODY_BYTES >> 30);
		return -EFBIG;
	case CURLE_GOT_NOTHING:
		fetch_reason(reason, reason_size, "connection closed without an answer (%s)",
		             base_url);
		return -ECONNRESET;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		fetch_reason(reason, reason_size, "connection broken: %s (%s)", detail, base_url);
		return -ECONNRESET;
	case CURLE_COULDNT_RESOLVE_HOST:
		fetch_reason(reason, reason_size, "cannot resolve the host of %s", base_url);
		return -EHOSTUNREACH;
	case CURLE_PEER_FAILED_VERIFICATION:
		fetch_reason(reason, reason_size,
		             "TLS: the server's certificate is not trusted: %s (see ca_file)",
		             detail);
		return -EACCES;
	case CURLE_SSL_CONNECT_ERROR:
		fetch_reason(reason, reason_size, "TLS handshake failed: %s (%s)", detail,
		             base_url);
		return -ECONNABORTED;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		fetch_reason(reason, reason_size, "TLS: %s", detail);
		return -EINVAL;
	default:
		fetch_reason(reason, reason_size, "%s (%s)", detail, base_url);
		return -EIO;
	}
}

/* A server may echo the request, token included (a 401 page quoting the
 * Authorization header): every occurrence of the token in the reason
 * becomes "[redacted]" before the reason goes anywhere. */
static void fetch_redact_token(char *reason, size_t reason_size, const char *token)
{
	if (token == NULL || token[0] == '\0' || reason == NULL || reason_size == 0)
		return;
	static const char placeholder[] = "[redacted]";
	const size_t placeholder_length = sizeof(placeholder) - 1;
	size_t token_length = strlen(token);
	char *cursor = reason, *found;
	while ((found = strstr(cursor, token)) != NULL) {
		size_t at = (size_t)(found - reason);
		if (at + placeholder_length >= reason_size) {
			found[0] = '\0'; /* no room: a cut reason, not a leaked token */
			return;
		}
		size_t tail = strlen(found + token_length);
		if (at + placeholder_length + tail >= reason_size)
			tail = reason_size - 1 - at - placeholder_length;
		memmove(found + placeholder_length, found + token_length, tail);
		memcpy(found, placeholder, placeholder_length);
		found[placeholder_length + tail] = '\0';
		cursor = found + placeholder_length;
	}
}

/* Explains a non-2xx answer, quoting the server. */
static void fetch_explain_status(long status, const struct fetch_transfer *transfer, char *reason,
                                 size_t reason_size)
{
	char quote[FETCH_QUOTE_MAX + 8];
	const char *location = NULL;
	if (status >= 300 && status < 400 &&
	    curl_easy_getinfo(transfer->curl, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
	    location != NULL) {
		/* Redirects are not followed: they lead to sign-in pages, and a
		 * token must not travel to another host. */
		fetch_quote_first_line((const unsigned char *)location, strlen(location), quote,
		                       sizeof(quote));
		fetch_reason(reason, reason_size, "HTTP %ld: redirected to %s", status, quote);
		return;
	}
	fetch_quote_first_line(transfer->data, transfer->size, quote, sizeof(quote));
	if (quote[0] == '\0')
		fetch_reason(reason, reason_size, "HTTP %ld (empty answer)", status);
	else
		fetch_reason(reason, reason_size, "HTTP %ld: %s", status, quote);
}

/* Sets the options of one transfer. The header list is returned so the
 * caller can wipe the token and free it. */
static CURLcode fetch_setup(struct fetch_transfer *transfer,
                            const struct pprof_fetch_settings *settings, const char *url,
                            long total_timeout, char *curl_error, const char *const *extra_headers,
                            struct curl_slist **headers)
{
	CURL *curl = transfer->curl;
	bool failed = false;
	/* No signals: the host may run threads, and libcurl's SIGALRM-based
	 * DNS timeout is not safe with them. */
	failed |= curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	failed |= curl_easy_setopt(curl, CURLOPT_URL, url) != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
	failed |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
#else
	failed |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
	                           (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
#endif
	failed |= curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	failed |= curl_easy_setopt(curl, CURLOPT_USERAGENT, "e2e-profile") != CURLE_OK;
	failed |= curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error) != CURLE_OK;
	failed |= curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
	                           settings->connect_timeout_seconds) != CURLE_OK;
	failed |= curl_easy_setopt(curl, CURLOPT_TIMEOUT, total_timeout) != CURLE_OK;
	failed |= curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
	                           (curl_off_t)PPROF_FETCH_MAX_BODY_BYTES) != CURLE_OK;
	failed |= curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fetch_write_body) != CURLE_OK;
	failed |= curl_easy_setopt(curl, CURLOPT_WRITEDATA, transfer) != CURLE_OK;
	failed |= curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
	failed |= curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, fetch_progress) != CURLE_OK;
	failed |= curl_easy_setopt(curl, CURLOPT_XFERINFODATA, transfer) != CURLE_OK;
	if (settings->ca_file != NULL)
		failed |= curl_easy_setopt(curl, CURLOPT_CAINFO, settings->ca_file) != CURLE_OK;
	if (settings->client_cert != NULL)
		failed |=
		        curl_easy_setopt(curl, CURLOPT_SSLCERT, settings->client_cert) != CURLE_OK;
	if (settings->client_key != NULL)
		failed |= curl_easy_setopt(curl, CURLOPT_SSLKEY, settings->client_key) != CURLE_OK;
	if (settings->insecure_skip_verify) {
		failed |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK;
		failed |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
	}
	if (settings->bearer_token != NULL) {
		static const char prefix[] = "Authorization: Bearer ";
		size_t size = sizeof(prefix) + strlen(settings->bearer_token);
		char *header = malloc(size);
		if (header == NULL)
			return CURLE_OUT_OF_MEMORY;
		snprintf(header, size, "%s%s", prefix, settings->bearer_token);
		*headers = curl_slist_append(NULL, header);
		fetch_wipe(header, size);
		free(header);
		if (*headers == NULL)
			return CURLE_OUT_OF_MEMORY;
	}
	for (size_t i = 0; extra_headers != NULL && extra_headers[i] != NULL; i++) {
		struct curl_slist *grown = curl_slist_append(*headers, extra_headers[i]);
		if (grown == NULL)
			return CURLE_OUT_OF_MEMORY;
		*headers = grown;
	}
	if (*headers != NULL)
		failed |= curl_easy_setopt(curl, CURLOPT_HTTPHEADER, *headers) != CURLE_OK;
	/* Every option above exists since libcurl 7.55; a failure here means
	 * a libcurl built without http(s) or out of memory. */
	return failed ? CURLE_FAILED_INIT : CURLE_OK;
}

/* Writes the body to path through the host's atomic file. */
static int fetch_write_file(const struct ep_host_api *host, struct ep_instance *instance,
                            const unsigned char *data, size_t size, const char *path, char *reason,
                            size_t reason_size)
{
	struct ep_atomic_file *file = NULL;
	FILE *stream = NULL;
	int rc = host->file_open_atomic(instance, path, &file, &stream);
	if (rc < 0) {
		fetch_reason(reason, reason_size, "cannot create %s: %s", path, strerror(-rc));
		return rc;
	}
	errno = 0;
	if (fwrite(data, 1, size, stream) != size) {
		rc = -(errno ? errno : EIO);
		fetch_reason(reason, reason_size, "cannot write %s: %s", path, strerror(-rc));
		host->file_abort(instance, file);
		return rc;
	}
	rc = host->file_commit(instance, file);
	if (rc < 0) {
		fetch_reason(reason, reason_size, "cannot write %s: %s", path, strerror(-rc));
		return rc;
	}
	return 0;
}

/* Decodes the body as the host does when it reads the run back, so a file
 * that lands on disk is one analyzers can read. */
static int fetch_check_profile(const struct ep_host_api *host, struct ep_instance *instance,
                               const unsigned char *data, size_t size, char *reason,
                               size_t reason_size)
{
	static const char redundant[] = FETCH_NOT_A_PROFILE ": not a pprof profile: ";
	const struct ep_profile *profile = NULL;
	if (size == 0) {
		fetch_reason(reason, reason_size, FETCH_NOT_A_PROFILE ": empty answer");
		return -EBADMSG;
	}
	char why[512] = "";
	int rc = host->profile_load_buffer(instance, data, size, FETCH_NOT_A_PROFILE, &profile, why,
	                                   sizeof(why));
	if (rc < 0) {
		/* The decoder names the input first ("NAME: why"), so "not a
		 * profile" leads the line; say it once. */
		const char *text = why;
		if (strncmp(why, redundant, sizeof(redundant) - 1) == 0)
			text = why + sizeof(redundant) - 1;
		if (text != why)
			fetch_reason(reason, reason_size, FETCH_NOT_A_PROFILE ": %s", text);
		else if (why[0] != '\0')
			fetch_reason(reason, reason_size, "%s", why);
		else
			fetch_reason(reason, reason_size, FETCH_NOT_A_PROFILE ": %s",
			             strerror(-rc));
		return rc == -ENOMEM ? rc : -EBADMSG;
	}
	host->profile_release(instance, profile);
	return 0;
}

int pprof_fetch_store(const struct ep_host_api *host, struct ep_instance *instance,
                      const unsigned char *data, size_t size, const char *path, char *reason,
                      size_t reason_size)
{
	int rc = fetch_check_profile(host, instance, data, size, reason, reason_size);
	if (rc == 0)
		rc = fetch_write_file(host, instance, data, size, path, reason, reason_size);
	return rc;
}

/* GETs url into transfer (its body; the caller frees transfer->data and
 * cleans up transfer->curl). Returns 0 on a 2xx, else a negative errno with
 * the reason as pprof_fetch_snapshot() documents. */
static int fetch_get(struct fetch_transfer *transfer, const struct pprof_fetch_settings *settings,
                     const char *base_url, const char *url, long total_timeout, char *reason,
                     size_t reason_size)
{
	struct curl_slist *headers = NULL;
	char curl_error[CURL_ERROR_SIZE] = "";
	int rc = 0;
	transfer->curl = curl_easy_init();
	if (transfer->curl == NULL) {
		fetch_reason(reason, reason_size, "out of memory");
		return -ENOMEM;
	}
	CURLcode code =
	        fetch_setup(transfer, settings, url, total_timeout, curl_error, NULL, &headers);
	if (code != CURLE_OK) {
		rc = code == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EIO;
		fetch_reason(reason, reason_size, "cannot set up libcurl: %s",
		             curl_easy_strerror(code));
		goto done;
	}
	transfer->host->log(transfer->instance, EP_LOG_DEBUG, "GET %s", url);
	code = curl_easy_perform(transfer->curl);
	if (code != CURLE_OK) {
		rc = fetch_explain_failure(code, transfer, settings, base_url, curl_error,
		                           total_timeout, reason, reason_size);
		goto done;
	}
	long status = 0;
	curl_easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		fetch_explain_status(status, transfer, reason, reason_size);
		rc = -EPROTO;
	}
done:
	for (struct curl_slist *item = headers; item != NULL; item = item->next)
		fetch_wipe(item->data, strlen(item->data));
	curl_slist_free_all(headers);
	return rc;
}

/* The figures of the "# runtime.MemStats" block that Go's heap profile in
 * text form (?debug=1) ends with: "# Name = value" lines, Stack as
 * "inuse / sys" (runtime/pprof writeHeapInternal). */
static const struct {
	const char *name; /* as Go prints it */
	const char *key;  /* as the side file spells it */
} fetch_memstats_fields[] = {
	{ "HeapInuse", "heap_inuse" },
	{ "HeapSys", "heap_sys" },
	{ "HeapReleased", "heap_released" },
	{ "HeapAlloc", "heap_alloc" },
	{ "Sys", "sys" },
	{ "NextGC", "next_gc" },
	{ "NumGC", "num_gc" },
	{ "GCCPUFraction", "gc_cpu_fraction" },
	{ "MaxRSS", "max_rss" },
};

/* Writes the side file's lines for body into stream; returns the number
 * of figures found (0: no MemStats block). */
static size_t fetch_memstats_parse(const unsigned char *body, size_t size, FILE *stream)
{
	size_t found = 0;
	bool in_block = false;
	const char *text = (const char *)body;
	for (size_t at = 0; at < size;) {
		const char *line = text + at;
		const char *newline = memchr(line, '\n', size - at);
		size_t length = newline ? (size_t)(newline - line) : size - at;
		at += length + 1;
		char buffer[256];
		if (length >= sizeof(buffer))
			continue;
		memcpy(buffer, line, length);
		buffer[length] = '\0';
		if (strcmp(buffer, "# runtime.MemStats") == 0) {
			in_block = true;
			continue;
		}
		if (!in_block || strncmp(buffer, "# ", 2) != 0)
			continue;
		char name[64];
		char value[128];
		if (sscanf(buffer + 2, "%63s = %127[^\n]", name, value) != 2)
			continue;
		if (strcmp(name, "Stack") == 0) {
			unsigned long long inuse, sys;
			if (sscanf(value, "%llu / %llu", &inuse, &sys) == 2) {
				fprintf(stream, "stack_inuse %llu\nstack_sys %llu\n", inuse, sys);
				found += 2;
			}
			continue;
		}
		for (size_t f = 0;
		     f < sizeof(fetch_memstats_fields) / sizeof(fetch_memstats_fields[0]); f++) {
			if (strcmp(name, fetch_memstats_fields[f].name) != 0)
				continue;
			char *end = NULL;
			double number = strtod(value, &end);
			if (end == value || *end != '\0' || !isfinite(number) || number < 0)
				break;
			fprintf(stream, "%s %s\n", fetch_memstats_fields[f].key, value);
			found++;
		}
	}
	return found;
}

/* Prometheus metrics the side file keeps, as "prometheus.KEY value". */
static const struct {
	const char *name;
	const char *key;
} fetch_prometheus_metrics[] = {
	{ "process_resident_memory_bytes", "rss" },
	{ "go_memstats_heap_inuse_bytes", "heap_inuse" },
	{ "go_memstats_heap_alloc_bytes", "heap_alloc" },
	{ "go_memstats_heap_sys_bytes", "heap_sys" },
	{ "go_memstats_sys_bytes", "sys" },
	{ "go_memstats_stack_inuse_bytes", "stack_inuse" },
	{ "go_memstats_next_gc_bytes", "next_gc" },
	{ "go_goroutines", "goroutines" },
};

/* Reads the unlabelled samples of the text exposition format ("name
 * value [timestamp]"); returns the number of metrics kept. */
static size_t fetch_prometheus_parse(const unsigned char *body, size_t size, FILE *stream)
{
	size_t found = 0;
	const char *text = (const char *)body;
	for (size_t at = 0; at < size;) {
		const char *line = text + at;
		const char *newline = memchr(line, '\n', size - at);
		size_t length = newline ? (size_t)(newline - line) : size - at;
		at += length + 1;
		char buffer[256], name[128], value[64];
		if (length == 0 || length >= sizeof(buffer) || line[0] == '#')
			continue;
		memcpy(buffer, line, length);
		buffer[length] = '\0';
		if (sscanf(buffer, "%127s %63s", name, value) != 2 || strchr(name, '{') != NULL)
			continue;
		for (size_t m = 0;
		     m < sizeof(fetch_prometheus_metrics) / sizeof(fetch_prometheus_metrics[0]);
		     m++) {
			if (strcmp(name, fetch_prometheus_metrics[m].name) != 0)
				continue;
			char *end = NULL;
			double number = strtod(value, &end);
			if (end != value && *end == '\0' && isfinite(number) && number >= 0) {
				fprintf(stream, "prometheus.%s %.17g\n",
				        fetch_prometheus_metrics[m].key, number);
				found++;
			}
		}
	}
	return found;
}

/* GETs url and writes parse's lines to stream, or "PREFIXerror REASON".
 * what names the expected content in the reason. */
static void fetch_side_figures(const struct ep_host_api *host, struct ep_instance *instance,
                               const struct pprof_fetch_settings *settings, const char *base_url,
                               const char *url, FILE *stream, const char *prefix,
                               size_t (*parse)(const unsigned char *, size_t, FILE *),
                               const char *what)
{
	struct fetch_transfer transfer = { .host = host, .instance = instance };
	char reason[512] = "";
	int rc = fetch_get(&transfer, settings, base_url, url, settings->timeout_seconds, reason,
	                   sizeof(reason));
	char *figures = NULL;
	size_t figures_size = 0;
	FILE *buffer = rc == 0 ? open_memstream(&figures, &figures_size) : NULL;
	if (rc == 0 && buffer == NULL)
		rc = -ENOMEM;
	if (rc == 0) {
		size_t found = parse(transfer.data, transfer.size, buffer);
		fclose(buffer);
		if (found == 0) {
			char quoted[FETCH_QUOTE_MAX + 16];
			fetch_quote_first_line(transfer.data, transfer.size, quoted,
			                       sizeof(quoted));
			snprintf(reason, sizeof(reason),
			         "%.200s: no %s in the answer (it starts: %s)", url, what,
			         quoted[0] ? quoted : "empty");
			rc = -EBADMSG;
		} else {
			fputs(figures, stream);
		}
	} else if (rc < 0) {
		char detail[sizeof(reason)];
		snprintf(detail, sizeof(detail), "%s", reason);
		snprintf(reason, sizeof(reason), "%.200s: %.300s", url, detail);
	}
	if (rc < 0) {
		fprintf(stream, "%serror %s\n", prefix, reason);
		host->log(instance, EP_LOG_DEBUG, "%s", reason);
	}
	free(figures);
	if (transfer.curl != NULL)
		curl_easy_cleanup(transfer.curl);
	free(transfer.data);
}

/* The memstats side file of a heap snapshot (plugin.h): the runtime's
 * figures (or "error REASON"), then with metrics_url the Prometheus ones
 * (or "prometheus.error REASON"). A failure here is recorded, never the
 * snapshot's. */
static void fetch_memstats(const struct ep_host_api *host, struct ep_instance *instance,
                           const struct pprof_fetch_settings *settings, const char *base_url,
                           const char *profile_path)
{
	static const char path_suffix[] = "/debug/pprof/heap?debug=1";
	size_t url_size = strlen(base_url) + sizeof(path_suffix);
	size_t side_size = strlen(profile_path) + sizeof(EP_MEMSTATS_SUFFIX);
	char *url = malloc(url_size), *side = malloc(side_size);
	struct ep_atomic_file *file = NULL;
	FILE *stream = NULL;
	if (url == NULL || side == NULL)
		goto done;
	snprintf(url, url_size, "%s%s", base_url, path_suffix);
	snprintf(side, side_size, "%s%s", profile_path, EP_MEMSTATS_SUFFIX);
	if (host->file_open_atomic(instance, side, &file, &stream) < 0)
		goto done;
	fetch_side_figures(host, instance, settings, base_url, url, stream, "",
	                   fetch_memstats_parse, "\"# runtime.MemStats\" block");
	if (settings->metrics_url != NULL)
		fetch_side_figures(host, instance, settings, settings->metrics_url,
		                   settings->metrics_url, stream, "prometheus.",
		                   fetch_prometheus_parse,
		                   "process_resident_memory_bytes or go_memstats_* metric");
	host->file_commit(instance, file);
done:
	free(url);
	free(side);
}

int pprof_fetch_request_path(const struct ep_snapshot_request *request, char *path,
                             size_t path_size, long *extra_seconds, char *reason,
                             size_t reason_size)
{
	/* cpu_seconds is the last member of version 1 of the request. */
	if (request->struct_size <
	    offsetof(struct ep_snapshot_request, cpu_seconds) + sizeof(request->cpu_seconds)) {
		fetch_reason(reason, reason_size, "the host's snapshot request is too old");
		return -EINVAL;
	}
	const struct fetch_kind *kind = NULL;
	for (size_t i = 0; i < sizeof(fetch_kinds) / sizeof(fetch_kinds[0]); i++)
		if (request->kind != NULL && strcmp(request->kind, fetch_kinds[i].name) == 0)
			kind = &fetch_kinds[i];
	if (kind == NULL) {
		fetch_reason(reason, reason_size,
		             "unknown profile kind '%s' (heap, cpu, goroutine, allocs or "
		             "goroutineleak)",
		             request->kind ? request->kind : "");
		return -EINVAL;
	}
	char query[48] = "";
	*extra_seconds = 0;
	if (strcmp(kind->name, "cpu") == 0) {
		/* Go profiles 30 s when seconds is missing or 0; say so
		 * explicitly so the caller's timeout matches. */
		uint32_t seconds = request->cpu_seconds ? request->cpu_seconds : 30;
		snprintf(query, sizeof(query), "?seconds=%" PRIu32, seconds);
		*extra_seconds = (long)seconds;
	} else if (strcmp(kind->name, "heap") == 0 && request->gc) {
		snprintf(query, sizeof(query), "?gc=1");
	}
	int length = snprintf(path, path_size, "%s%s", kind->path, query);
	if (length < 0 || (size_t)length >= path_size) {
		fetch_reason(reason, reason_size, "the profile path does not fit");
		return -ENAMETOOLONG;
	}
	return 0;
}

int pprof_fetch_snapshot(const struct ep_host_api *host, struct ep_instance *instance,
                         const struct pprof_fetch_settings *settings, const char *base_url,
                         const struct ep_snapshot_request *request, char *reason,
                         size_t reason_size)
{
	struct fetch_transfer transfer = { .host = host, .instance = instance };
	char *url = NULL;
	int rc = 0;

	char path[96];
	long extra_seconds = 0;
	rc = pprof_fetch_request_path(request, path, sizeof(path), &extra_seconds, reason,
	                              reason_size);
	if (rc < 0)
		return rc;
	long total_timeout = settings->timeout_seconds + extra_seconds;
	size_t url_size = strlen(base_url) + strlen(path) + 1;
	url = malloc(url_size);
	if (url == NULL) {
		rc = -ENOMEM;
		fetch_reason(reason, reason_size, "out of memory");
		goto error;
	}
	snprintf(url, url_size, "%s%s", base_url, path);
	rc = fetch_get(&transfer, settings, base_url, url, total_timeout, reason, reason_size);
	if (rc < 0)
		goto error;
	rc = pprof_fetch_store(host, instance, transfer.data, transfer.size, request->path, reason,
	                       reason_size);
	if (rc < 0)
		goto error;
	host->log(instance, EP_LOG_DEBUG, "%s: %zu bytes -> %s", url, transfer.size, request->path);
	if (strcmp(request->kind, "heap") == 0 &&
	    request->struct_size >=
	            offsetof(struct ep_snapshot_request, memstats) + sizeof(request->memstats) &&
	    request->memstats)
		fetch_memstats(host, instance, settings, base_url, request->path);
error:
	if (rc < 0)
		fetch_redact_token(reason, reason_size, settings->bearer_token);
	if (rc < 0)
		host->log(instance, EP_LOG_DEBUG, "GET %s failed: %s", url ? url : base_url,
		          reason != NULL && reason_size > 0 ? reason : strerror(-rc));
	if (transfer.curl != NULL)
		curl_easy_cleanup(transfer.curl);
	free(transfer.data);
	free(url);
	return rc;
}

int pprof_fetch_post(const struct ep_host_api *host, struct ep_instance *instance,
                     const struct pprof_fetch_settings *settings, const char *url,
                     const char *const *headers, const void *body, size_t size, long *status,
                     char *reason, size_t reason_size)
{
	struct fetch_transfer transfer = { .host = host, .instance = instance };
	struct curl_slist *header_list = NULL;
	char curl_error[CURL_ERROR_SIZE] = "";
	int rc = 0;
	*status = 0;
	transfer.curl = curl_easy_init();
	if (transfer.curl == NULL) {
		fetch_reason(reason, reason_size, "out of memory");
		return -ENOMEM;
	}
	CURLcode code = fetch_setup(&transfer, settings, url, settings->timeout_seconds, curl_error,
	                            headers, &header_list);
	bool failed = code != CURLE_OK;
	failed |= curl_easy_setopt(transfer.curl, CURLOPT_POST, 1L) != CURLE_OK;
	failed |= curl_easy_setopt(transfer.curl, CURLOPT_POSTFIELDS, body) != CURLE_OK;
	failed |= curl_easy_setopt(transfer.curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size) !=
	          CURLE_OK;
	if (failed) {
		rc = code == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EIO;
		fetch_reason(reason, reason_size, "cannot set up libcurl: %s",
		             curl_easy_strerror(code != CURLE_OK ? code : CURLE_FAILED_INIT));
		goto error;
	}
	host->log(instance, EP_LOG_DEBUG, "POST %s (%zu bytes)", url, size);
	code = curl_easy_perform(transfer.curl);
	if (code != CURLE_OK) {
		rc = fetch_explain_failure(code, &transfer, settings, url, curl_error,
		                           settings->timeout_seconds, reason, reason_size);
		goto error;
	}
	curl_easy_getinfo(transfer.curl, CURLINFO_RESPONSE_CODE, status);
	if (*status < 200 || *status > 299) {
		fetch_explain_status(*status, &transfer, reason, reason_size);
		rc = -EPROTO;
	}
error:
	for (struct curl_slist *item = header_list; item != NULL; item = item->next)
		fetch_wipe(item->data, strlen(item->data));
	curl_slist_free_all(header_list);
	curl_easy_cleanup(transfer.curl);
	free(transfer.data);
	return rc;
}
