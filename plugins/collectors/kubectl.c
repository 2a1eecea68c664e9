/* kubectl: takes pprof snapshots from every Running pod of a deployment (or a
 * label selector) through one `kubectl port-forward` per pod, reconnecting when
 * a forward dies or a pod is replaced. Built into plugins/collectors/kubectl.so;
 * use: `e2e-profile run NAME -n NS --deployment DEPLOY -- CMD`. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <e2e-profile/plugin.h>

#include "kube_client.h"
#include "pprof_fetch.h"

#define KUBECTL_SECTION "[collector.kubectl]"
/* How long a forward gets to exit after SIGTERM before SIGKILL. */
#define KUBECTL_STOP_GRACE_MS 2000

/* One `kubectl port-forward` child. */
struct kubectl_forward {
	pid_t pid;             /* 0 when there is none */
	int out_fd;            /* its stdout, non-blocking; -1 once closed */
	int err_fd;            /* its stderr, non-blocking; -1 once closed */
	unsigned local_port;   /* from its Forwarding line; 0 until seen */
	char base_url[64];     /* http://127.0.0.1:LOCAL */
	struct kube_tail said; /* its stderr and unexpected stdout lines */
	char line[256];        /* the stdout line being read */
	size_t line_length;
	bool line_too_long;
};

struct kubectl_pod {
	char *name; /* owned */
	struct kubectl_forward forward;
	/* Why the forward could not be started in this round (owned), so
	 * snapshots of this round fail at once instead of retrying. */
	char *failure;
};

struct kubectl_collector {
	const struct ep_host_api *host;
	struct ep_instance *instance;

	/* Settings: strings borrowed from the host until fini, except the
	 * selector, which may be derived from the deployment. */
	struct kube_client client; /* kubectl, its flags and the namespace */
	const char *deployment;
	const char *scheme;
	char *selector; /* owned */
	long port;
	long forward_timeout_seconds;
	struct pprof_fetch_settings fetch;

	struct kubectl_pod **pods; /* owned, sorted by name */
	size_t pod_count;
	const char **names; /* what sources() returned; borrowed from pods */

	/* snapshot() runs on two threads at once while a CPU profile is taken
	 * (plugin.h); this serializes starting and restarting forwards. The
	 * host never calls sources() meanwhile, so the pod list is stable. */
	pthread_mutex_t forward_lock;
};

/* Records a collection event: the host writes it to collection.log and
 * run.json and shows it on the terminal (outside a run it only logs it),
 * so it is not logged here a second time. */
static void kubectl_event(struct kubectl_collector *self, const char *type, const char *format, ...)
        EP_PRINTF(3, 4);
static void kubectl_event(struct kubectl_collector *self, const char *type, const char *format, ...)
{
	char message[768];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	self->host->record_event(self->instance, type, "%s", message);
}

/* Index of the pod named name in self->pods, or where it would go. */
static size_t kubectl_pod_position(const struct kubectl_collector *self, const char *name,
                                   bool *found)
{
	size_t low = 0, high = self->pod_count;
	*found = false;
	while (low < high) {
		size_t middle = low + (high - low) / 2;
		int order = strcmp(self->pods[middle]->name, name);
		if (order == 0) {
			*found = true;
			return middle;
		}
		if (order < 0)
			low = middle + 1;
		else
			high = middle;
	}
	return low;
}

static struct kubectl_pod *kubectl_pod_find(const struct kubectl_collector *self, const char *name)
{
	bool found;
	size_t position = kubectl_pod_position(self, name, &found);
	return found ? self->pods[position] : NULL;
}

static void kubectl_pod_set_failure(struct kubectl_pod *pod, const char *failure)
{
	free(pod->failure);
	pod->failure = failure != NULL ? strdup(failure) : NULL;
}

/* Adds a pod without a forward yet; *added points into self->pods. */
static int kubectl_pod_add(struct kubectl_collector *self, const char *name,
                           struct kubectl_pod **added)
{
	bool found;
	size_t position = kubectl_pod_position(self, name, &found);
	struct kubectl_pod *pod = calloc(1, sizeof(*pod));
	struct kubectl_pod **grown = realloc(self->pods, (self->pod_count + 1) * sizeof(*grown));
	if (grown != NULL)
		self->pods = grown;
	if (pod == NULL || grown == NULL || (pod->name = strdup(name)) == NULL) {
		free(pod);
		return -ENOMEM;
	}
	pod->forward.out_fd = pod->forward.err_fd = -1;
	memmove(self->pods + position + 1, self->pods + position,
	        (self->pod_count - position) * sizeof(*self->pods));
	self->pods[position] = pod;
	self->pod_count++;
	*added = pod;
	return 0;
}

/* ---- port-forwards ---------------------------------------------------------- */

static void kubectl_forward_close(struct kubectl_forward *forward)
{
	if (forward->out_fd >= 0)
		close(forward->out_fd);
	if (forward->err_fd >= 0)
		close(forward->err_fd);
	*forward = (struct kubectl_forward){ .pid = 0, .out_fd = -1, .err_fd = -1 };
}

/* Looks at one complete stdout line of a forward: the Forwarding line
 * gives the local port; other lines before it are kept to quote. */
static void kubectl_forward_line(struct kubectl_collector *self, struct kubectl_forward *forward,
                                 const char *line)
{
	static const char prefix[] = "Forwarding from 127.0.0.1:";
	if (forward->local_port != 0)
		return; /* "Handling connection for N" and the [::1] line */
	if (strncmp(line, prefix, sizeof(prefix) - 1) == 0) {
		const char *digits = line + sizeof(prefix) - 1;
		char *end = NULL;
		errno = 0;
		unsigned long local = strtoul(digits, &end, 10);
		char tail[32];
		snprintf(tail, sizeof(tail), " -> %ld", self->port);
		if (end != digits && *digits >= '0' && *digits <= '9' && errno == 0 && local > 0 &&
		    local <= 65535 && strcmp(end, tail) == 0) {
			forward->local_port = (unsigned)local;
			return;
		}
	}
	kube_tail_append(&forward->said, line, strlen(line));
	kube_tail_append(&forward->said, "\n", 1);
}

/* Reads whatever the forward printed, without blocking: stdout line by
 * line (so the pipe never fills and blocks kubectl), stderr into said. */
static void kubectl_forward_drain(struct kubectl_collector *self, struct kubectl_forward *forward)
{
	char chunk[4096];
	size_t n;
	while ((n = kube_read_some(&forward->out_fd, chunk, sizeof(chunk))) > 0) {
		for (size_t i = 0; i < n; i++) {
			char c = chunk[i];
			if (c == '\n') {
				forward->line[forward->line_length] = '\0';
				if (forward->line_length > 0 &&
				    forward->line[forward->line_length - 1] == '\r')
					forward->line[forward->line_length - 1] = '\0';
				if (!forward->line_too_long)
					kubectl_forward_line(self, forward, forward->line);
				forward->line_length = 0;
				forward->line_too_long = false;
			} else if (forward->line_length + 1 < sizeof(forward->line)) {
				forward->line[forward->line_length++] = c;
			} else {
				forward->line_too_long = true;
			}
		}
	}
	while ((n = kube_read_some(&forward->err_fd, chunk, sizeof(chunk))) > 0)
		kube_tail_append(&forward->said, chunk, n);
}

/* Reaps the forward when it died on its own. Returns true then, with why
 * ("pid N exited with status 1: error: lost connection to pod"). */
static bool kubectl_forward_reap(struct kubectl_collector *self, struct kubectl_forward *forward,
                                 char *why, size_t why_size)
{
	if (forward->pid <= 0)
		return false;
	kubectl_forward_drain(self, forward);
	int status = 0;
	pid_t pid = forward->pid;
	pid_t done;
	while ((done = waitpid(pid, &status, WNOHANG)) < 0 && errno == EINTR)
		continue;
	if (done == 0)
		return false;
	if (done < 0)
		status = KUBE_STATUS_UNKNOWN;
	kubectl_forward_drain(self, forward); /* its last words */
	char ended[96], quote[KUBE_QUOTE_MAX + 16];
	kube_describe_status(status, ended, sizeof(ended));
	kube_tail_suffix(&forward->said, quote, sizeof(quote));
	kube_reason(why, why_size, "pid %ld %s%s", (long)pid, ended, quote);
	kubectl_forward_close(forward);
	return true;
}

/* Ends a forward: SIGTERM, a grace period, then SIGKILL; always reaps. */
static void kubectl_forward_stop(struct kubectl_forward *forward)
{
	if (forward->pid > 0) {
		int status;
		kill(forward->pid, SIGTERM);
		if (!kube_wait(forward->pid, KUBECTL_STOP_GRACE_MS, &status))
			kube_kill_and_reap(forward->pid);
	}
	kubectl_forward_close(forward);
}

/* Starts `kubectl port-forward -n NS pod/NAME :PORT` and waits for its
 * Forwarding line, which kubectl prints once the local port listens.
 * Returns 0 with the forward running, or a negative errno with the reason
 * (the process is gone then). */
static int kubectl_forward_start(struct kubectl_collector *self, struct kubectl_pod *pod,
                                 char *reason, size_t reason_size)
{
	struct kubectl_forward *forward = &pod->forward;
	char target[300], remote[16], what[512], ended[96], quote[KUBE_QUOTE_MAX + 16];
	int status = 0;
	kubectl_forward_stop(forward);
	snprintf(target, sizeof(target), "pod/%s", pod->name);
	snprintf(remote, sizeof(remote), ":%ld", self->port);
	snprintf(what, sizeof(what), "kubectl port-forward -n %s %s %s", self->client.namespace,
	         target, remote);
	const char *args[] = { "port-forward", "-n", self->client.namespace, target, remote };
	int rc = kube_spawn(&self->client, args, sizeof(args) / sizeof(args[0]), &forward->pid,
	                    &forward->out_fd, &forward->err_fd, reason, reason_size);
	if (rc < 0)
		goto error;
	int64_t deadline = kube_now_ms() + self->forward_timeout_seconds * 1000;
	for (;;) {
		kubectl_forward_drain(self, forward);
		if (forward->local_port != 0)
			break;
		pid_t done;
		while ((done = waitpid(forward->pid, &status, WNOHANG)) < 0 && errno == EINTR)
			continue;
		if (done != 0 || (forward->out_fd < 0 && forward->err_fd < 0)) {
			/* It exited, or closed its output, which it only does
			 * when exiting; reap it and quote its last words. */
			if (done == 0 && !kube_wait(forward->pid, 1000, &status)) {
				kube_kill_and_reap(forward->pid);
				status = KUBE_STATUS_UNKNOWN;
			} else if (done < 0) {
				status = KUBE_STATUS_UNKNOWN;
			}
			forward->pid = 0;
			kubectl_forward_drain(self, forward);
			kube_describe_status(status, ended, sizeof(ended));
			kube_tail_suffix(&forward->said, quote, sizeof(quote));
			kube_reason(reason, reason_size, "%s %s%s", what, ended, quote);
			rc = -ECONNREFUSED;
			goto error;
		}
		if (self->host->stop_requested(self->instance)) {
			kube_reason(reason, reason_size, "%s: stopped: the run is ending", what);
			rc = -ECANCELED;
			goto error;
		}
		int64_t remaining = deadline - kube_now_ms();
		if (remaining <= 0) {
			kube_tail_suffix(&forward->said, quote, sizeof(quote));
			kube_reason(reason, reason_size,
			            "%s printed no 'Forwarding from 127.0.0.1:PORT -> %ld' line "
			            "within %ld s%s",
			            what, self->port, self->forward_timeout_seconds, quote);
			rc = -ETIMEDOUT;
			goto error;
		}
		kube_poll(forward->out_fd, forward->err_fd,
		          remaining < KUBE_POLL_MS ? (long)remaining : KUBE_POLL_MS);
	}
	snprintf(forward->base_url, sizeof(forward->base_url), "%s://127.0.0.1:%u", self->scheme,
	         forward->local_port);
	self->host->log(self->instance, EP_LOG_DEBUG, "pod %s: %s -> %ld (pid %ld)", pod->name,
	                forward->base_url, self->port, (long)forward->pid);
	return 0;
error:
	kubectl_forward_stop(forward);
	return rc;
}

/* Checks a pod's forward before use: a forward that died is reported and
 * restarted once. Returns 0 when the forward runs, or a negative errno
 * with the reason. */
static int kubectl_forward_ensure(struct kubectl_collector *self, struct kubectl_pod *pod,
                                  char *reason, size_t reason_size)
{
	char why[512];
	if (kubectl_forward_reap(self, &pod->forward, why, sizeof(why)))
		kubectl_event(self, "forward-died", "port-forward to pod %s: %s", pod->name, why);
	if (pod->forward.pid > 0)
		return 0;
	if (pod->failure != NULL) {
		kube_reason(reason, reason_size, "no port-forward to pod %s: %s", pod->name,
		            pod->failure);
		return -ENOTCONN;
	}
	int rc = kubectl_forward_start(self, pod, why, sizeof(why));
	if (rc < 0) {
		kubectl_pod_set_failure(pod, why);
		kube_reason(reason, reason_size, "no port-forward to pod %s: %s", pod->name, why);
		kubectl_event(self, "reconnect-failed", "cannot reconnect to pod %s: %s", pod->name,
		              why);
		return rc;
	}
	kubectl_event(self, "reconnect", "port-forward to pod %s restarted: %s -> %ld", pod->name,
	              pod->forward.base_url, self->port);
	return 0;
}

/* Stops every forward: SIGTERM to all first so they end together, then
 * SIGKILL whatever is left after the grace period; reaps them all. */
static void kubectl_stop_all_forwards(struct kubectl_collector *self)
{
	for (size_t i = 0; i < self->pod_count; i++)
		if (self->pods[i]->forward.pid > 0)
			kill(self->pods[i]->forward.pid, SIGTERM);
	int64_t deadline = kube_now_ms() + KUBECTL_STOP_GRACE_MS;
	for (;;) {
		bool running = false;
		for (size_t i = 0; i < self->pod_count; i++) {
			struct kubectl_forward *forward = &self->pods[i]->forward;
			int status;
			if (forward->pid > 0 && kube_wait(forward->pid, 0, &status))
				forward->pid = 0;
			running = running || forward->pid > 0;
		}
		if (!running || kube_now_ms() >= deadline)
			break;
		kube_sleep_ms(20);
	}
	for (size_t i = 0; i < self->pod_count; i++) {
		struct kubectl_forward *forward = &self->pods[i]->forward;
		if (forward->pid > 0)
			kube_kill_and_reap(forward->pid);
		kubectl_forward_close(forward);
	}
}

static void kubectl_pods_clear(struct kubectl_collector *self)
{
	kubectl_stop_all_forwards(self);
	for (size_t i = 0; i < self->pod_count; i++) {
		free(self->pods[i]->name);
		free(self->pods[i]->failure);
		free(self->pods[i]);
	}
	free(self->pods);
	free(self->names);
	self->pods = NULL;
	self->names = NULL;
	self->pod_count = 0;
}

static int kubectl_load_settings(struct kubectl_collector *self)
{
	self->client = (struct kube_client){ .host = self->host,
		                             .instance = self->instance,
		                             .section = KUBECTL_SECTION };
	int rc = kube_client_load(&self->client);
	if (rc == 0)
		rc = kube_client_load_pods(&self->client, &self->deployment, &self->selector,
		                           &self->port);
	if (rc == 0)
		rc = kube_config_string(&self->client, "scheme", true, &self->scheme);
	if (rc == 0)
		rc = kube_config_int(&self->client, "forward_timeout", 1, 3600,
		                     &self->forward_timeout_seconds);
	if (rc < 0)
		return rc;
	if (strcmp(self->scheme, "http") != 0 && strcmp(self->scheme, "https") != 0) {
		self->host->log(self->instance, EP_LOG_ERROR,
		                KUBECTL_SECTION " scheme must be http or https, not '%s'",
		                self->scheme);
		return -EINVAL;
	}
	return pprof_fetch_settings_load(self->host, self->instance, KUBECTL_SECTION, &self->fetch);
}

/* ---- the collector ---------------------------------------------------------- */

static void kubectl_stop(void *state)
{
	struct kubectl_collector *self = state;
	kubectl_pods_clear(self);
	pprof_fetch_settings_clear(self->host, &self->fetch);
	free(self->selector);
	self->selector = NULL;
}

static int kubectl_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	if (!pprof_fetch_host_usable(host))
		return -ENOTSUP;
	struct kubectl_collector *self = host->alloc(sizeof(*self));
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
	pthread_mutex_init(&self->forward_lock, NULL);
	*state = self;
	return 0;
}

static void kubectl_fini(void *state)
{
	struct kubectl_collector *self = state;
	if (self == NULL)
		return;
	kubectl_stop(self);
	pthread_mutex_destroy(&self->forward_lock);
	self->host->free(self);
	pprof_fetch_global_cleanup();
}

static int kubectl_start(void *state)
{
	struct kubectl_collector *self = state;
	const struct ep_host_api *host = self->host;
	char **running = NULL, reason[768];
	size_t running_count = 0, forwarded = 0;
	kubectl_stop(self); /* a second start begins afresh */
	int rc = kubectl_load_settings(self);
	if (rc < 0)
		goto error;
	if (self->selector == NULL) {
		rc = kube_resolve_selector(&self->client, self->deployment, &self->selector);
		if (rc < 0)
			goto error;
	}
	rc = kube_list_running(&self->client, self->selector, EP_LOG_INFO, &running, &running_count,
	                       reason, sizeof(reason));
	if (rc < 0) {
		host->log(self->instance, EP_LOG_ERROR, "cannot list the pods to profile: %s",
		          reason);
		goto error;
	}
	if (running_count == 0) {
		/* A deployment that is still rolling out: sources() looks
		 * again before every round and records the pods it finds. */
		host->log(self->instance, EP_LOG_WARN,
		          "no Running pod in namespace %s matches %s yet; looking again before "
		          "every snapshot round",
		          self->client.namespace, self->selector);
		goto done;
	}
	for (size_t i = 0; i < running_count; i++) {
		struct kubectl_pod *pod;
		rc = kubectl_pod_add(self, running[i], &pod);
		if (rc < 0)
			goto error;
		rc = kubectl_forward_start(self, pod, reason, sizeof(reason));
		if (rc == -ECANCELED) {
			host->log(self->instance, EP_LOG_WARN, "%s", reason);
			goto error;
		}
		if (rc < 0) {
			host->log(self->instance, EP_LOG_WARN, "%s", reason);
			kubectl_pod_set_failure(pod, reason);
			continue;
		}
		forwarded++;
		host->log(self->instance, EP_LOG_INFO, "profiling pod %s through %s -> %ld",
		          pod->name, pod->forward.base_url, self->port);
	}
	if (forwarded == 0) {
		/* Every forward failed the same way (RBAC, a wrong port...):
		 * better said now than once per round. */
		host->log(self->instance, EP_LOG_ERROR,
		          "no port-forward to any of the %zu Running pods could be started: %s",
		          running_count, reason);
		rc = rc < 0 ? rc : -ECONNREFUSED;
		goto error;
	}
done:
	kube_free_names(running, running_count);
	return 0;
error:
	kube_free_names(running, running_count);
	kubectl_stop(self); /* no forward survives a failed start */
	return rc;
}

static int kubectl_sources(void *state, const char *const **names, size_t *count, char *reason,
                           size_t reason_size)
{
	struct kubectl_collector *self = state;
	char **running = NULL, listing[512], why[512];
	size_t running_count = 0;
	/* Pods known before this round: the length of died and death. */
	size_t tracked = self->pod_count;
	int rc = 0;
	if (self->selector == NULL) {
		kube_reason(reason, reason_size, "the kubectl collector was not started");
		return -EINVAL;
	}

	/* 1. A new round: forget last round's failures, reap dead forwards
	 * (reported below, once we know whether their pod still exists). */
	bool *died = calloc(self->pod_count + 1, sizeof(*died));
	char **death = calloc(self->pod_count + 1, sizeof(*death));
	if (died == NULL || death == NULL) {
		rc = -ENOMEM;
		kube_reason(reason, reason_size, "out of memory");
		goto error;
	}
	for (size_t i = 0; i < self->pod_count; i++) {
		struct kubectl_pod *pod = self->pods[i];
		kubectl_pod_set_failure(pod, NULL);
		died[i] = kubectl_forward_reap(self, &pod->forward, why, sizeof(why));
		if (died[i])
			death[i] = strdup(why);
	}

	/* 2. Rediscover; when kubectl fails, go on with the known pods. */
	int list_rc = kube_list_running(&self->client, self->selector, EP_LOG_DEBUG, &running,
	                                &running_count, listing, sizeof(listing));
	if (list_rc == -ECANCELED) {
		rc = list_rc;
		kube_reason(reason, reason_size, "%s", listing);
		goto error;
	}
	if (list_rc < 0)
		kubectl_event(self, "api-error", "cannot list pods, keeping the known ones: %s",
		              listing);

	/* 3. Pods that are gone (deleted, or no longer Running). */
	for (size_t i = self->pod_count; list_rc == 0 && i-- > 0;) {
		struct kubectl_pod *pod = self->pods[i];
		if (kube_names_contain(running, running_count, pod->name))
			continue;
		kubectl_forward_stop(&pod->forward);
		kubectl_event(self, "pod-gone", "pod %s is no longer Running (deleted or replaced)",
		              pod->name);
		free(pod->name);
		free(pod->failure);
		free(pod);
		free(death[i]);
		memmove(self->pods + i, self->pods + i + 1,
		        (self->pod_count - i - 1) * sizeof(*self->pods));
		memmove(died + i, died + i + 1, (self->pod_count - i - 1) * sizeof(*died));
		memmove(death + i, death + i + 1, (self->pod_count - i - 1) * sizeof(*death));
		self->pod_count--;
		tracked--;
	}

	/* 4. Forwards that died under a pod that is still there, and those
	 * that could not be started in an earlier round. */
	for (size_t i = 0; i < tracked; i++) {
		struct kubectl_pod *pod = self->pods[i];
		if (!died[i] && pod->forward.pid > 0)
			continue;
		if (died[i])
			kubectl_event(self, "forward-died", "port-forward to pod %s: %s", pod->name,
			              death[i] ? death[i] : "ended");
		rc = kubectl_forward_start(self, pod, why, sizeof(why));
		if (rc == -ECANCELED) {
			kube_reason(reason, reason_size, "%s", why);
			goto error;
		}
		if (rc < 0) {
			kubectl_event(self, "reconnect-failed", "cannot reconnect to pod %s: %s",
			              pod->name, why);
			kubectl_pod_set_failure(pod, why);
			continue;
		}
		kubectl_event(self, "reconnect", "port-forward to pod %s restarted: %s -> %ld",
		              pod->name, pod->forward.base_url, self->port);
	}

	/* 5. Pods that are new (scaled up, or replacing a gone one). */
	for (size_t i = 0; i < running_count; i++) {
		if (kubectl_pod_find(self, running[i]) != NULL)
			continue;
		struct kubectl_pod *pod;
		rc = kubectl_pod_add(self, running[i], &pod);
		if (rc < 0) {
			kube_reason(reason, reason_size, "out of memory");
			goto error;
		}
		rc = kubectl_forward_start(self, pod, why, sizeof(why));
		if (rc == -ECANCELED) {
			kube_reason(reason, reason_size, "%s", why);
			goto error;
		}
		if (rc < 0) {
			kubectl_event(self, "pod-new",
			              "pod %s is Running, but its port-forward failed: %s",
			              pod->name, why);
			kubectl_pod_set_failure(pod, why);
			continue;
		}
		kubectl_event(self, "pod-new", "pod %s is Running: %s -> %ld", pod->name,
		              pod->forward.base_url, self->port);
	}

	/* 6. Every known pod is a source, so a pod without a forward shows up
	 * as a failed snapshot in the manifest rather than not at all. */
	if (self->pod_count == 0) {
		if (list_rc < 0)
			kube_reason(reason, reason_size, "%s", listing);
		else
			kube_reason(reason, reason_size,
			            "no Running pod in namespace %s matches %s",
			            self->client.namespace, self->selector);
		rc = list_rc < 0 ? list_rc : -ENOENT;
		goto error;
	}
	const char **grown = realloc(self->names, self->pod_count * sizeof(*grown));
	if (grown == NULL) {
		rc = -ENOMEM;
		kube_reason(reason, reason_size, "out of memory");
		goto error;
	}
	self->names = grown;
	for (size_t i = 0; i < self->pod_count; i++)
		self->names[i] = self->pods[i]->name;
	*names = self->names;
	*count = self->pod_count;
	rc = 0;
error:
	for (size_t i = 0; death != NULL && i < tracked; i++)
		free(death[i]);
	free(death);
	free(died);
	kube_free_names(running, running_count);
	return rc;
}

static int kubectl_snapshot(void *state, const struct ep_snapshot_request *request, char *reason,
                            size_t reason_size)
{
	struct kubectl_collector *self = state;
	const struct ep_host_api *host = self->host;
	char first[512];
	struct kubectl_pod *pod =
	        request->source != NULL ? kubectl_pod_find(self, request->source) : NULL;
	if (pod == NULL) {
		kube_reason(reason, reason_size, "unknown pod '%s'",
		            request->source ? request->source : "");
		return -ENOENT;
	}
	char url[256];
	pthread_mutex_lock(&self->forward_lock);
	int rc = kubectl_forward_ensure(self, pod, reason, reason_size);
	snprintf(url, sizeof(url), "%s", pod->forward.base_url);
	pthread_mutex_unlock(&self->forward_lock);
	if (rc < 0)
		return rc;
	rc = pprof_fetch_snapshot(host, self->instance, &self->fetch, url, request, reason,
	                          reason_size);
	if (!pprof_fetch_is_connection_error(rc) || host->stop_requested(self->instance))
		return rc;

	/* The tunnel broke (kubectl's forwards do get stuck after errors):
	 * restart it once and try again, unless the other thread just did. */
	snprintf(first, sizeof(first), "%s", reason);
	char why[512];
	pthread_mutex_lock(&self->forward_lock);
	if (strcmp(url, pod->forward.base_url) == 0) {
		if (kubectl_forward_reap(self, &pod->forward, why, sizeof(why)))
			kubectl_event(self, "forward-died", "port-forward to pod %s: %s", pod->name,
			              why);
		rc = kubectl_forward_start(self, pod, why, sizeof(why));
		if (rc < 0) {
			kubectl_pod_set_failure(pod, why);
			pthread_mutex_unlock(&self->forward_lock);
			kube_reason(reason, reason_size,
			            "%s; restarting the port-forward failed: %s", first, why);
			return rc;
		}
		kubectl_event(self, "reconnect",
		              "port-forward to pod %s restarted after '%s': %s -> %ld", pod->name,
		              first, pod->forward.base_url, self->port);
	}
	snprintf(url, sizeof(url), "%s", pod->forward.base_url);
	pthread_mutex_unlock(&self->forward_lock);
	rc = pprof_fetch_snapshot(host, self->instance, &self->fetch, url, request, reason,
	                          reason_size);
	if (rc < 0) {
		char second[512];
		snprintf(second, sizeof(second), "%s", reason);
		kube_reason(reason, reason_size, "%s (and after restarting the port-forward)",
		            second);
	}
	return rc;
}

static const struct ep_collector_ops kubectl_ops = {
	.version = EP_COLLECTOR_OPS_VERSION,
	.start = kubectl_start,
	.sources = kubectl_sources,
	.snapshot = kubectl_snapshot,
	.stop = kubectl_stop,
};

static const struct ep_config_key kubectl_config_keys[] = {
	KUBE_CLIENT_CONFIG_KEYS,
	{ "scheme", EP_CONFIG_STRING, "http", "what the pods' pprof port speaks: http or https" },
	{ "forward_timeout", EP_CONFIG_INT, "15",
	  "seconds to wait for kubectl port-forward to print its Forwarding line" },
	PPROF_FETCH_CONFIG_KEYS,
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor kubectl_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_COLLECTOR,
	.name = "kubectl",
	.version = "1.0.0",
	.description = "takes pprof snapshots from every Running pod of a deployment through "
	               "kubectl port-forward",
	.config_keys = kubectl_config_keys,
	.init = kubectl_init,
	.fini = kubectl_fini,
	.collector = &kubectl_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &kubectl_descriptor;
}
