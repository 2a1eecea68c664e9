/* apiserver: takes pprof snapshots from every Running pod of a deployment (or a
 * label selector) through the API server's pod proxy, one
 * `kubectl get --raw /api/v1/namespaces/NS/pods/POD:PORT/proxy/debug/pprof/...`
 * per snapshot: no port-forward, no local port. What the server answers when
 * it refuses (NotFound, ServiceUnavailable, Forbidden) becomes the snapshot's
 * reason in its own words. Built into plugins/collectors/apiserver.so; use:
 * `e2e-profile run NAME --collector apiserver -n NS --deployment DEPLOY -- CMD`. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "kube_client.h"
#include "pprof_fetch.h"

#define APISERVER_SECTION "[collector.apiserver]"

struct apiserver_collector {
	const struct ep_host_api *host;
	struct ep_instance *instance;

	/* Settings: strings borrowed from the host until fini, except the
	 * selector, which may be derived from the deployment. */
	struct kube_client client;
	const char *deployment;
	const char *scheme;
	char *selector; /* owned; NULL until started */
	long port;
	long timeout_seconds;

	/* The pods of the last listing, sorted (owned, kube_free_names).
	 * snapshot() only reads them, so its two threads need no lock: the
	 * host never calls sources() while a CPU snapshot runs (plugin.h). */
	char **pods;
	size_t pod_count;
	const char **names; /* what sources() returned; borrowed from pods */
};

/* Records a collection event: the host writes it to collection.log and
 * run.json and shows it on the terminal, so it is not logged here too. */
static void apiserver_event(struct apiserver_collector *self, const char *type, const char *format,
                            ...) EP_PRINTF(3, 4);
static void apiserver_event(struct apiserver_collector *self, const char *type, const char *format,
                            ...)
{
	char message[768];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	self->host->record_event(self->instance, type, "%s", message);
}

static void apiserver_pods_clear(struct apiserver_collector *self)
{
	kube_free_names(self->pods, self->pod_count);
	free(self->names);
	self->pods = NULL;
	self->names = NULL;
	self->pod_count = 0;
}

/* The proxy path of pod: /api/v1/namespaces/NS/pods/[https:]POD:PORT/proxy
 * (the API server speaks plain HTTP to the pod unless told https:). */
static int apiserver_proxy_path(const struct apiserver_collector *self, const char *pod,
                                const char *below, char *path, size_t path_size)
{
	int length =
	        snprintf(path, path_size, "/api/v1/namespaces/%s/pods/%s%s:%ld/proxy%s",
	                 self->client.namespace, strcmp(self->scheme, "https") == 0 ? "https:" : "",
	                 pod, self->port, below);
	return length < 0 || (size_t)length >= path_size ? -ENAMETOOLONG : 0;
}

static int apiserver_load_settings(struct apiserver_collector *self)
{
	self->client = (struct kube_client){ .host = self->host,
		                             .instance = self->instance,
		                             .section = APISERVER_SECTION };
	int rc = kube_client_load(&self->client);
	if (rc == 0)
		rc = kube_client_load_pods(&self->client, &self->deployment, &self->selector,
		                           &self->port);
	if (rc == 0)
		rc = kube_config_string(&self->client, "scheme", true, &self->scheme);
	if (rc == 0)
		rc = kube_config_int(&self->client, "timeout", 1, 3600, &self->timeout_seconds);
	if (rc < 0)
		return rc;
	if (strcmp(self->scheme, "http") != 0 && strcmp(self->scheme, "https") != 0) {
		self->host->log(self->instance, EP_LOG_ERROR,
		                APISERVER_SECTION " scheme must be http or https, not '%s'",
		                self->scheme);
		return -EINVAL;
	}
	return 0;
}

/* ---- the collector ---------------------------------------------------------- */

static void apiserver_stop(void *state)
{
	struct apiserver_collector *self = state;
	apiserver_pods_clear(self);
	free(self->selector);
	self->selector = NULL;
}

static int apiserver_init(struct ep_instance *instance, const struct ep_host_api *host,
                          void **state)
{
	if (!pprof_fetch_host_usable(host))
		return -ENOTSUP;
	struct apiserver_collector *self = host->alloc(sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	memset(self, 0, sizeof(*self));
	self->host = host;
	self->instance = instance;
	*state = self;
	return 0;
}

static void apiserver_fini(void *state)
{
	struct apiserver_collector *self = state;
	if (self == NULL)
		return;
	apiserver_stop(self);
	self->host->free(self);
}

static int apiserver_start(void *state)
{
	struct apiserver_collector *self = state;
	const struct ep_host_api *host = self->host;
	char reason[768], path[512];
	apiserver_stop(self); /* a second start begins afresh */
	int rc = apiserver_load_settings(self);
	if (rc < 0)
		goto error;
	if (self->selector == NULL) {
		rc = kube_resolve_selector(&self->client, self->deployment, &self->selector);
		if (rc < 0)
			goto error;
	}
	rc = kube_list_running(&self->client, self->selector, EP_LOG_INFO, &self->pods,
	                       &self->pod_count, reason, sizeof(reason));
	if (rc < 0) {
		host->log(self->instance, EP_LOG_ERROR, "cannot list the pods to profile: %s",
		          reason);
		goto error;
	}
	if (self->pod_count == 0) {
		/* A deployment that is still rolling out: sources() looks
		 * again before every round and records the pods it finds. */
		host->log(self->instance, EP_LOG_WARN,
		          "no Running pod in namespace %s matches %s yet; looking again before "
		          "every snapshot round",
		          self->client.namespace, self->selector);
		return 0;
	}
	for (size_t i = 0; i < self->pod_count; i++) {
		if (apiserver_proxy_path(self, self->pods[i], "", path, sizeof(path)) == 0)
			host->log(self->instance, EP_LOG_INFO,
			          "profiling pod %s through the API server: %s", self->pods[i],
			          path);
	}
	return 0;
error:
	apiserver_stop(self);
	return rc;
}

static int apiserver_sources(void *state, const char *const **names, size_t *count, char *reason,
                             size_t reason_size)
{
	struct apiserver_collector *self = state;
	char **running = NULL, listing[512];
	size_t running_count = 0;
	if (self->selector == NULL) {
		kube_reason(reason, reason_size, "the apiserver collector was not started");
		return -EINVAL;
	}

	/* Rediscover; when the API server does not answer, go on with the
	 * known pods, so each of their snapshots says what it answers. */
	int rc = kube_list_running(&self->client, self->selector, EP_LOG_DEBUG, &running,
	                           &running_count, listing, sizeof(listing));
	if (rc == -ECANCELED) {
		kube_reason(reason, reason_size, "%s", listing);
		return rc;
	}
	if (rc < 0) {
		apiserver_event(self, "api-error", "cannot list pods, keeping the known ones: %s",
		                listing);
	} else {
		for (size_t i = 0; i < self->pod_count; i++)
			if (!kube_names_contain(running, running_count, self->pods[i]))
				apiserver_event(self, "pod-gone",
				                "pod %s is no longer Running (deleted or replaced)",
				                self->pods[i]);
		for (size_t i = 0; i < running_count; i++)
			if (!kube_names_contain(self->pods, self->pod_count, running[i]))
				apiserver_event(
				        self, "pod-new",
				        "pod %s is Running: profiled through the API server",
				        running[i]);
		kube_free_names(self->pods, self->pod_count);
		self->pods = running;
		self->pod_count = running_count;
	}

	if (self->pod_count == 0) {
		if (rc < 0)
			kube_reason(reason, reason_size, "%s", listing);
		else
			kube_reason(reason, reason_size,
			            "no Running pod in namespace %s matches %s",
			            self->client.namespace, self->selector);
		return rc < 0 ? rc : -ENOENT;
	}
	const char **grown = realloc(self->names, self->pod_count * sizeof(*grown));
	if (grown == NULL) {
		kube_reason(reason, reason_size, "out of memory");
		return -ENOMEM;
	}
	self->names = grown;
	for (size_t i = 0; i < self->pod_count; i++)
		self->names[i] = self->pods[i];
	*names = self->names;
	*count = self->pod_count;
	return 0;
}

static int apiserver_snapshot(void *state, const struct ep_snapshot_request *request, char *reason,
                              size_t reason_size)
{
	struct apiserver_collector *self = state;
	const struct ep_host_api *host = self->host;
	char below[128], path[640], what[700];
	char *body = NULL;
	size_t size = 0;
	long extra_seconds = 0;
	if (request->source == NULL ||
	    !kube_names_contain(self->pods, self->pod_count, request->source)) {
		kube_reason(reason, reason_size, "unknown pod '%s'",
		            request->source ? request->source : "");
		return -ENOENT;
	}
	int rc = pprof_fetch_request_path(request, below, sizeof(below), &extra_seconds, reason,
	                                  reason_size);
	if (rc < 0)
		return rc;
	rc = apiserver_proxy_path(self, request->source, below, path, sizeof(path));
	if (rc < 0) {
		kube_reason(reason, reason_size, "the proxy path of pod %s does not fit",
		            request->source);
		return rc;
	}
	snprintf(what, sizeof(what), "kubectl get --raw %s", path);
	const char *args[] = { "get", "--raw", path };
	rc = kube_run(&self->client, what, args, sizeof(args) / sizeof(args[0]),
	              (self->timeout_seconds + extra_seconds) * 1000L,
	              (size_t)PPROF_FETCH_MAX_BODY_BYTES, &body, &size, reason, reason_size);
	if (rc < 0) {
		host->log(self->instance, EP_LOG_DEBUG, "pod %s: %s", request->source, reason);
		return rc;
	}
	rc = pprof_fetch_store(host, self->instance, (const unsigned char *)body, size,
	                       request->path, reason, reason_size);
	if (rc == 0)
		host->log(self->instance, EP_LOG_DEBUG, "%s: %zu bytes -> %s", path, size,
		          request->path);
	free(body);
	return rc;
}

static const struct ep_collector_ops apiserver_ops = {
	.version = EP_COLLECTOR_OPS_VERSION,
	.start = apiserver_start,
	.sources = apiserver_sources,
	.snapshot = apiserver_snapshot,
	.stop = apiserver_stop,
};

static const struct ep_config_key apiserver_config_keys[] = {
	KUBE_CLIENT_CONFIG_KEYS,
	{ "scheme", EP_CONFIG_STRING, "http",
	  "what the pods' pprof port speaks: http or https (the API server connects to it)" },
	{ "timeout", EP_CONFIG_INT, "30",
	  "seconds a snapshot may take in all; cpu snapshots get their profiling time on top" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor apiserver_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_COLLECTOR,
	.name = "apiserver",
	.version = "1.0.0",
	.description = "takes pprof snapshots from every Running pod of a deployment through the "
	               "API server's pod proxy (kubectl get --raw), without port-forwards",
	.config_keys = apiserver_config_keys,
	.init = apiserver_init,
	.fini = apiserver_fini,
	.collector = &apiserver_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &apiserver_descriptor;
}
