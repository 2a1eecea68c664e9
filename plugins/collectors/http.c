/* http: takes pprof snapshots straight from one Go service by URL. Built into
 * plugins/collectors/http.so; use: `e2e-profile run NAME --collector http
 * --url http://127.0.0.1:6060 -- CMD`, or url = ... in [collector.http]. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <e2e-profile/plugin.h>

#include "pprof_fetch.h"

#define HTTP_SECTION "[collector.http]"

static const char *http_url_error(CURLUcode code)
{
#if LIBCURL_VERSION_NUM >= 0x075000
	return curl_url_strerror(code);
#else
	return code == CURLUE_OUT_OF_MEMORY ? "out of memory" : "malformed URL";
#endif
}

struct http_collector {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	char *base_url; /* owned: scheme://host:port[/prefix], no trailing '/' */
	char *source;   /* owned: "host:port", the one source name */
	const char *names[1];
	struct pprof_fetch_settings settings;
};

/* The URL as it may appear in a message: not at all when it carries
 * credentials. */
static const char *http_printable_url(const char *url)
{
	return strchr(url, '@') != NULL ? "(not shown: it holds credentials)" : url;
}

/* Reads one part of a parsed URL; *text is NULL when the part is absent. */
static int http_url_part(CURLU *parsed, CURLUPart part, unsigned int flags, char **text)
{
	*text = NULL;
	CURLUcode code = curl_url_get(parsed, part, text, flags);
	if (code == CURLUE_OK)
		return 0;
	if (code == CURLUE_OUT_OF_MEMORY)
		return -ENOMEM;
	return -ENOENT;
}

/* Checks url and derives the base URL that paths are appended to and the
 * source name (host:port). */
static int http_parse_url(struct http_collector *self, const char *url)
{
	const struct ep_host_api *host = self->host;
	char *scheme = NULL, *hostname = NULL, *port = NULL, *path = NULL, *part = NULL;
	int rc = 0;
	CURLU *parsed = curl_url();
	if (parsed == NULL) {
		rc = -ENOMEM;
		goto error;
	}
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
		host->log(self->instance, EP_LOG_ERROR,
		          HTTP_SECTION " url must start with http:// or https://, not '%s'",
		          http_printable_url(url));
		rc = -EINVAL;
		goto error;
	}
	CURLUcode code = curl_url_set(parsed, CURLUPART_URL, url, 0);
	if (code != CURLUE_OK) {
		host->log(self->instance, EP_LOG_ERROR, HTTP_SECTION " url '%s' is not valid: %s",
		          http_printable_url(url), http_url_error(code));
		rc = code == CURLUE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
		goto error;
	}
	if (http_url_part(parsed, CURLUPART_USER, 0, &part) == 0 ||
	    http_url_part(parsed, CURLUPART_PASSWORD, 0, &part) == 0) {
		host->log(self->instance, EP_LOG_ERROR,
		          HTTP_SECTION " url must not hold credentials; put a token in "
		                       "bearer_token_file");
		rc = -EINVAL;
		goto error;
	}
	if (http_url_part(parsed, CURLUPART_QUERY, 0, &part) == 0 ||
	    http_url_part(parsed, CURLUPART_FRAGMENT, 0, &part) == 0) {
		/* Paths and queries are appended per profile kind. */
		host->log(self->instance, EP_LOG_ERROR,
		          HTTP_SECTION " url '%s' must be a base URL without '?' or '#', e.g. "
		                       "http://127.0.0.1:6060",
		          http_printable_url(url));
		rc = -EINVAL;
		goto error;
	}
	rc = http_url_part(parsed, CURLUPART_SCHEME, 0, &scheme);
	if (rc == 0)
		rc = http_url_part(parsed, CURLUPART_HOST, 0, &hostname);
	if (rc == 0)
		rc = http_url_part(parsed, CURLUPART_PORT, CURLU_DEFAULT_PORT, &port);
	if (rc == 0)
		rc = http_url_part(parsed, CURLUPART_PATH, 0, &path);
	if (rc < 0 || hostname[0] == '\0') {
		host->log(self->instance, EP_LOG_ERROR, HTTP_SECTION " url '%s' names no host",
		          http_printable_url(url));
		rc = rc == -ENOMEM ? rc : -EINVAL;
		goto error;
	}
	/* Accept the address users copy from a browser too: the pprof index
	 * page, .../debug/pprof/. */
	size_t path_length = strlen(path);
	while (path_length > 0 && path[path_length - 1] == '/')
		path_length--;
	static const char pprof_suffix[] = "/debug/pprof";
	if (path_length >= sizeof(pprof_suffix) - 1 &&
	    strncmp(path + path_length - (sizeof(pprof_suffix) - 1), pprof_suffix,
	            sizeof(pprof_suffix) - 1) == 0)
		path_length -= sizeof(pprof_suffix) - 1;
	while (path_length > 0 && path[path_length - 1] == '/')
		path_length--;

	size_t size = strlen(scheme) + strlen(hostname) + strlen(port) + path_length + 8;
	self->base_url = host->alloc(size);
	self->source = host->alloc(size);
	if (self->base_url == NULL || self->source == NULL) {
		rc = -ENOMEM;
		goto error;
	}
	snprintf(self->base_url, size, "%s://%s:%s%.*s", scheme, hostname, port, (int)path_length,
	         path);
	snprintf(self->source, size, "%s:%s", hostname, port);
	rc = 0;
error:
	if (rc < 0) {
		host->free(self->base_url);
		host->free(self->source);
		self->base_url = self->source = NULL;
	}
	curl_free(scheme);
	curl_free(hostname);
	curl_free(port);
	curl_free(path);
	curl_free(part);
	curl_url_cleanup(parsed);
	return rc;
}

static int http_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	if (!pprof_fetch_host_usable(host))
		return -ENOTSUP;
	struct http_collector *self = host->alloc(sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	memset(self, 0, sizeof(*self));
	self->host = host;
	self->instance = instance;
	int rc = pprof_fetch_global_init(host, instance);
	if (rc < 0) {
		host->free(self);
		return rc;
	}
	*state = self;
	return 0;
}

static void http_stop(void *state)
{
	struct http_collector *self = state;
	pprof_fetch_settings_clear(self->host, &self->settings);
	self->host->free(self->base_url);
	self->host->free(self->source);
	self->base_url = self->source = NULL;
}

static void http_fini(void *state)
{
	struct http_collector *self = state;
	if (self == NULL)
		return;
	http_stop(self);
	self->host->free(self);
	pprof_fetch_global_cleanup();
}

static int http_start(void *state)
{
	struct http_collector *self = state;
	const struct ep_host_api *host = self->host;
	const char *url = NULL;
	http_stop(self); /* a second start begins afresh */
	int rc = host->config_get_string(self->instance, "url", &url);
	if (rc < 0)
		goto error;
	if (url == NULL || url[0] == '\0') {
		host->log(self->instance, EP_LOG_ERROR,
		          HTTP_SECTION " url is not set: give the base URL of the service's pprof "
		                       "server, e.g. url = http://127.0.0.1:6060 (or --url)");
		rc = -EINVAL;
		goto error;
	}
	rc = http_parse_url(self, url);
	if (rc < 0)
		goto error;
	rc = pprof_fetch_settings_load(host, self->instance, HTTP_SECTION, &self->settings);
	if (rc < 0)
		goto error;
	rc = host->config_get_string(self->instance, "metrics_url", &self->settings.metrics_url);
	if (rc < 0)
		goto error;
	if (self->settings.metrics_url != NULL && self->settings.metrics_url[0] == '\0')
		self->settings.metrics_url = NULL;
	if (self->settings.metrics_url != NULL &&
	    strncmp(self->settings.metrics_url, "http://", 7) != 0 &&
	    strncmp(self->settings.metrics_url, "https://", 8) != 0) {
		host->log(self->instance, EP_LOG_ERROR,
		          HTTP_SECTION " metrics_url '%s': not an http:// or https:// URL (e.g. "
		                       "http://127.0.0.1:8080/metrics)",
		          self->settings.metrics_url);
		rc = -EINVAL;
		goto error;
	}
	if (self->settings.bearer_token != NULL && strncmp(self->base_url, "http:", 5) == 0)
		host->log(self->instance, EP_LOG_WARN,
		          "the token travels unencrypted to %s (use https:// unless "
		          "this is a tunnel)",
		          self->base_url);
	self->names[0] = self->source;
	host->log(self->instance, EP_LOG_INFO, "profiling %s", self->base_url);
	return 0;
error:
	http_stop(self);
	return rc;
}

static int http_sources(void *state, const char *const **names, size_t *count, char *reason,
                        size_t reason_size)
{
	struct http_collector *self = state;
	if (self->source == NULL) {
		snprintf(reason, reason_size, "the http collector was not started");
		return -EINVAL;
	}
	*names = self->names;
	*count = 1;
	return 0;
}

static int http_snapshot(void *state, const struct ep_snapshot_request *request, char *reason,
                         size_t reason_size)
{
	struct http_collector *self = state;
	if (self->source == NULL) {
		snprintf(reason, reason_size, "the http collector was not started");
		return -EINVAL;
	}
	if (request->source != NULL && strcmp(request->source, self->source) != 0) {
		snprintf(reason, reason_size, "unknown source '%s' (this collector has %s)",
		         request->source, self->source);
		return -ENOENT;
	}
	return pprof_fetch_snapshot(self->host, self->instance, &self->settings, self->base_url,
	                            request, reason, reason_size);
}

static const struct ep_collector_ops http_ops = {
	.version = EP_COLLECTOR_OPS_VERSION,
	.start = http_start,
	.sources = http_sources,
	.snapshot = http_snapshot,
	.stop = http_stop,
};

static const struct ep_config_key http_config_keys[] = {
	{ "url", EP_CONFIG_STRING, NULL,
	  "base URL of the service's pprof server, e.g. http://127.0.0.1:6060 (required)" },
	{ "metrics_url", EP_CONFIG_STRING, NULL,
	  "a Prometheus endpoint of the same process, e.g. https://127.0.0.1:8443/metrics, read "
	  "beside each runtime-figures round ([run] memstats_every) for "
	  "process_resident_memory_bytes and go_memstats_*; same TLS and token settings" },
	PPROF_FETCH_CONFIG_KEYS,
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor http_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_COLLECTOR,
	.name = "http",
	.version = "1.0.0",
	.description = "takes pprof snapshots from one Go service by URL (http or https)",
	.config_keys = http_config_keys,
	.init = http_init,
	.fini = http_fini,
	.collector = &http_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &http_descriptor;
}
