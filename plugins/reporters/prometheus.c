/* prometheus: pushes a report's figures to Prometheus (or anything that
 * speaks its remote-write protocol: Thanos, Cortex, Mimir,
 * VictoriaMetrics) so runs can be followed across CI jobs, branches and
 * commits. Writes no file: the other reporters keep the run on disk.
 *
 * One push per report: a prometheus.WriteRequest (remote_write.proto,
 * compiled by protoc-c), snappy block compressed, POSTed with the
 * protocol's headers. A server applies a request as a whole, so a failed
 * push leaves nothing half-written. 5xx and 429 answers are retried with
 * exponential backoff, as the protocol asks; other answers are final.
 * The series and their labels: prometheus_series.c, docs/prometheus.md.
 *
 * Build: part of the tree (plugins/reporters/meson.build).
 * Use: add it to [run] reporters (or --reporters) and set
 *     [reporter.prometheus]
 *     remote_write_url = http://127.0.0.1:9090/api/v1/write
 *     labels = branch=main,commit=abc123      (or E2E_PROFILE_LABELS)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <snappy-c.h>

#include <e2e-profile/plugin.h>

#include "../collectors/pprof_fetch.h"
#include "prometheus_series.h"
#include "remote_write.pb-c.h"

#define PROMETHEUS_SECTION "[reporter.prometheus]"
/* The first retry waits this long; each next one twice as long. */
#define PROMETHEUS_BACKOFF_FIRST_MS 500
#define PROMETHEUS_BACKOFF_MAX_MS   30000

struct prometheus_reporter {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	const char *url; /* borrowed from the host's configuration */
	struct pprof_fetch_settings settings;
	struct prom_label_list labels;
	int64_t retries;
	bool curl_ready;
};

/* The wire form of a set, pointing into set's strings; freed by
 * prometheus_request_free. */
struct prometheus_request {
	Prometheus__WriteRequest message;
	Prometheus__TimeSeries *series, **series_pointers;
	Prometheus__Label *labels, **label_pointers;
	Prometheus__Sample *samples, **sample_pointers;
};

static void prometheus_request_free(struct prometheus_request *request)
{
	free(request->series);
	free(request->series_pointers);
	free(request->labels);
	free(request->label_pointers);
	free(request->samples);
	free(request->sample_pointers);
}

static int prometheus_request_build(const struct prom_set *set, struct prometheus_request *request)
{
	size_t label_count = 0;
	for (size_t s = 0; s < set->count; s++)
		label_count += set->series[s].label_count + 1; /* and __name__ */
	memset(request, 0, sizeof(*request));
	request->series = calloc(set->count + 1, sizeof(*request->series));
	request->series_pointers = calloc(set->count + 1, sizeof(*request->series_pointers));
	request->labels = calloc(label_count + 1, sizeof(*request->labels));
	request->label_pointers = calloc(label_count + 1, sizeof(*request->label_pointers));
	request->samples = calloc(set->sample_count + 1, sizeof(*request->samples));
	request->sample_pointers = calloc(set->sample_count + 1, sizeof(*request->sample_pointers));
	if (request->series == NULL || request->series_pointers == NULL ||
	    request->labels == NULL || request->label_pointers == NULL ||
	    request->samples == NULL || request->sample_pointers == NULL) {
		prometheus_request_free(request);
		return -ENOMEM;
	}
	prometheus__write_request__init(&request->message);
	request->message.n_timeseries = set->count;
	request->message.timeseries = request->series_pointers;
	size_t next_label = 0, next_sample = 0;
	for (size_t s = 0; s < set->count; s++) {
		const struct prom_series *from = &set->series[s];
		Prometheus__TimeSeries *to = &request->series[s];
		prometheus__time_series__init(to);
		request->series_pointers[s] = to;
		to->labels = &request->label_pointers[next_label];
		to->samples = &request->sample_pointers[next_sample];
		/* Sorted by name, as the protocol requires: __name__ goes after
		 * the labels that sort before it (those starting with an
		 * uppercase letter). */
		size_t name_at = 0;
		while (name_at < from->label_count &&
		       strcmp(from->labels[name_at].name, "__name__") < 0)
			name_at++;
		for (size_t l = 0; l <= from->label_count; l++) {
			Prometheus__Label *label = &request->labels[next_label];
			prometheus__label__init(label);
			if (l == name_at) {
				label->name = "__name__";
				label->value = (char *)from->family->name;
			} else {
				const struct prom_label *own =
				        &from->labels[l < name_at ? l : l - 1];
				label->name = own->name;
				label->value = own->value;
			}
			request->label_pointers[next_label++] = label;
			to->n_labels++;
		}
		for (size_t i = 0; i < from->sample_count; i++) {
			Prometheus__Sample *sample = &request->samples[next_sample];
			prometheus__sample__init(sample);
			sample->value = from->samples[i].value;
			sample->timestamp = from->samples[i].timestamp_ms;
			request->sample_pointers[next_sample++] = sample;
			to->n_samples++;
		}
	}
	return 0;
}

/* The WriteRequest of set, packed and snappy-compressed into *body
 * (malloc'ed). Returns 0 or -ENOMEM. */
static int prometheus_encode(const struct prom_set *set, char **body, size_t *size)
{
	struct prometheus_request request;
	int rc = prometheus_request_build(set, &request);
	if (rc < 0)
		return rc;
	size_t packed_size = prometheus__write_request__get_packed_size(&request.message);
	uint8_t *packed = malloc(packed_size ? packed_size : 1);
	size_t compressed_size = snappy_max_compressed_length(packed_size);
	char *compressed = malloc(compressed_size ? compressed_size : 1);
	rc = -ENOMEM;
	if (packed != NULL && compressed != NULL) {
		prometheus__write_request__pack(&request.message, packed);
		if (snappy_compress((const char *)packed, packed_size, compressed,
		                    &compressed_size) == SNAPPY_OK) {
			*body = compressed;
			*size = compressed_size;
			compressed = NULL;
			rc = 0;
		}
	}
	free(compressed);
	free(packed);
	prometheus_request_free(&request);
	return rc;
}

static bool prometheus_retryable(int rc, long status)
{
	return rc == -EPROTO && (status >= 500 || status == 429);
}

/* The hint for an answer refusing samples by their age. Prometheus says
 * "out of bounds" (older than its head block takes), "too old sample"
 * (older than the out-of-order window) or "out of order sample". */
static const char *prometheus_hint(const struct prometheus_reporter *self, const char *reason)
{
	/* A TLS server that requires a client certificate closes the
	 * connection after the handshake; libcurl only sees it broken. */
	if (strncmp(self->url, "https://", 8) == 0 && self->settings.client_cert == NULL &&
	    strstr(reason, "connection broken") != NULL)
		return "; if the server requires a client certificate, set client_cert and "
		       "client_key";
	if (strstr(reason, "out of bounds") != NULL || strstr(reason, "too old") != NULL ||
	    strstr(reason, "out of order") != NULL)
		return "; the samples are older than the server accepts: allow them with "
		       "storage.tsdb.out_of_order_time_window in Prometheus's configuration (as "
		       "long as the run's age), or backfill with --reporters openmetrics and "
		       "promtool tsdb create-blocks-from openmetrics";
	return "";
}

static void prometheus_sleep_ms(long milliseconds)
{
	struct timespec delay = { milliseconds / 1000, (milliseconds % 1000) * 1000000L };
	while (nanosleep(&delay, &delay) < 0 && errno == EINTR)
		;
}

static int64_t prometheus_now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int prometheus_render(void *state, const struct ep_report_document *document,
                             const char *base_path)
{
	struct prometheus_reporter *self = state;
	const struct ep_host_api *host = self->host;
	struct timespec started;
	clock_gettime(CLOCK_MONOTONIC, &started);
	struct prom_set set;
	char reason[512] = "";
	int rc = prom_set_build(document, &self->labels, prometheus_now_ms(), &set, reason,
	                        sizeof(reason));
	if (rc < 0) {
		host->log(self->instance, EP_LOG_ERROR, "nothing pushed to %s: %s", self->url,
		          reason);
		return rc;
	}
	if (set.count == 0) {
		host->log(self->instance, EP_LOG_INFO, "the report has no figure to push to %s",
		          self->url);
		prom_set_free(&set);
		return 0;
	}
	char *body = NULL;
	size_t size = 0;
	rc = prometheus_encode(&set, &body, &size);
	if (rc < 0) {
		host->log(self->instance, EP_LOG_ERROR, "out of memory encoding the push to %s",
		          self->url);
		prom_set_free(&set);
		return rc;
	}
	static const char *const headers[] = {
		"Content-Encoding: snappy",
		"Content-Type: application/x-protobuf",
		"X-Prometheus-Remote-Write-Version: 0.1.0",
		"Expect:", /* no 100-continue round trip */
		NULL,
	};
	long status = 0, backoff = PROMETHEUS_BACKOFF_FIRST_MS;
	for (int64_t attempt = 0;; attempt++) {
		rc = pprof_fetch_post(host, self->instance, &self->settings, self->url, headers,
		                      body, size, &status, reason, sizeof(reason));
		if (rc == 0 || !prometheus_retryable(rc, status) || attempt >= self->retries ||
		    host->stop_requested(self->instance))
			break;
		host->log(self->instance, EP_LOG_WARN, "push to %s: %s; retrying in %ld ms",
		          self->url, reason, backoff);
		prometheus_sleep_ms(backoff);
		backoff = backoff * 2 > PROMETHEUS_BACKOFF_MAX_MS ? PROMETHEUS_BACKOFF_MAX_MS
		                                                  : backoff * 2;
	}
	struct timespec ended;
	clock_gettime(CLOCK_MONOTONIC, &ended);
	/* The time from the document to the server's answer, for bench/. */
	double milliseconds = (double)(ended.tv_sec - started.tv_sec) * 1e3 +
	                      (double)(ended.tv_nsec - started.tv_nsec) / 1e6;
	if (rc == 0)
		host->log(self->instance, EP_LOG_INFO,
		          "pushed %zu samples in %zu series to %s (%zu bytes, %.1f ms)",
		          set.sample_count, set.count, self->url, size, milliseconds);
	else
		host->log(self->instance, EP_LOG_ERROR, "push to %s failed: %s%s", self->url,
		          reason, prometheus_hint(self, reason));
	free(body);
	prom_set_free(&set);
	return rc;
}

static void prometheus_fini(void *state)
{
	struct prometheus_reporter *self = state;
	if (self == NULL)
		return;
	pprof_fetch_settings_clear(self->host, &self->settings);
	prom_label_list_free(&self->labels);
	if (self->curl_ready)
		pprof_fetch_global_cleanup();
	free(self);
}

static int prometheus_init(struct ep_instance *instance, const struct ep_host_api *host,
                           void **state)
{
	if (!pprof_fetch_host_usable(host))
		return -ENOTSUP;
	struct prometheus_reporter *self = calloc(1, sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	self->host = host;
	self->instance = instance;
	char err[512];
	int rc = host->config_get_string(instance, "remote_write_url", &self->url);
	if (rc < 0 || self->url == NULL || self->url[0] == '\0') {
		host->log(instance, EP_LOG_ERROR,
		          PROMETHEUS_SECTION " remote_write_url: not set; e.g. "
		                             "http://prometheus:9090/api/v1/write");
		rc = -EINVAL;
		goto error;
	}
	if (strncmp(self->url, "http://", 7) != 0 && strncmp(self->url, "https://", 8) != 0) {
		host->log(instance, EP_LOG_ERROR,
		          PROMETHEUS_SECTION " remote_write_url: '%s' is not an http:// or "
		                             "https:// URL",
		          self->url);
		rc = -EINVAL;
		goto error;
	}
	const char *labels = NULL;
	host->config_get_string(instance, "labels", &labels);
	rc = prom_label_list_parse(labels, &self->labels, err, sizeof(err));
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, PROMETHEUS_SECTION " %s", err);
		goto error;
	}
	rc = host->config_get_int(instance, "retries", &self->retries);
	if (rc < 0 || self->retries < 0 || self->retries > 10) {
		host->log(instance, EP_LOG_ERROR,
		          PROMETHEUS_SECTION " retries: must be between 0 and 10");
		rc = -EINVAL;
		goto error;
	}
	rc = pprof_fetch_settings_load(host, instance, PROMETHEUS_SECTION, &self->settings);
	if (rc < 0)
		goto error;
	if (self->settings.bearer_token != NULL && strncmp(self->url, "http://", 7) == 0)
		host->log(instance, EP_LOG_WARN,
		          "the token travels unencrypted to %s (use https:// unless the "
		          "endpoint is local)",
		          self->url);
	rc = pprof_fetch_global_init(host, instance);
	if (rc < 0)
		goto error;
	self->curl_ready = true;
	*state = self;
	return 0;
error:
	prometheus_fini(self);
	return rc;
}

static const struct ep_reporter_ops prometheus_ops = {
	.version = EP_REPORTER_OPS_VERSION,
	.render = prometheus_render,
};

static const struct ep_config_key prometheus_config_keys[] = {
	{ "remote_write_url", EP_CONFIG_STRING, NULL,
	  "Prometheus remote-write endpoint, e.g. http://prometheus:9090/api/v1/write "
	  "(required)" },
	PROM_LABELS_KEY,
	{ "bearer_token_file", EP_CONFIG_STRING, NULL,
	  "file holding a bearer token sent as 'Authorization: Bearer'; never logged" },
	{ "ca_file", EP_CONFIG_STRING, NULL,
	  "PEM file of CA certificates that verify an https endpoint (default: the system's)" },
	{ "client_cert", EP_CONFIG_STRING, NULL,
	  "PEM client certificate for endpoints that require one" },
	{ "client_key", EP_CONFIG_STRING, NULL,
	  "PEM private key of client_cert (default: read from client_cert)" },
	{ "insecure_skip_verify", EP_CONFIG_BOOL, "false",
	  "do not verify the https endpoint's certificate and name (test setups only)" },
	{ "connect_timeout", EP_CONFIG_INT, "5", "seconds to wait for the connection" },
	{ "timeout", EP_CONFIG_INT, "30", "seconds one push may take in all" },
	{ "retries", EP_CONFIG_INT, "3",
	  "retries of a push answered 5xx or 429, 0.5 s apart then doubling; 0 to 10" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor prometheus_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_REPORTER,
	.name = "prometheus",
	.version = "1.0.0",
	.description = "pushes the run's figures to Prometheus by remote write (no file)",
	.config_keys = prometheus_config_keys,
	.init = prometheus_init,
	.fini = prometheus_fini,
	.reporter = &prometheus_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &prometheus_descriptor;
}
