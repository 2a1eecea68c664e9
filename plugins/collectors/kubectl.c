/* kubectl: takes pprof snapshots from every Running pod of a deployment (or a
 * label selector) through one `kubectl port-forward` per pod, reconnecting when
 * a forward dies or a pod is replaced. Built into plugins/collectors/kubectl.so;
 * use: `e2e-profile run NAME -n NS --deployment DEPLOY -- CMD`. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <e2e-profile/plugin.h>

#include "pprof_fetch.h"

#define KUBECTL_SECTION "[collector.kubectl]"
/* `kubectl get` answers in a second or two; a hung API server must not
 * hang the run. */
#define KUBECTL_GET_TIMEOUT_SECONDS 30
/* How long a forward gets to exit after SIGTERM before SIGKILL. */
#define KUBECTL_STOP_GRACE_MS 2000
/* The most `kubectl get` output read: thousands of pods fit easily. */
#define KUBECTL_OUTPUT_MAX (16 * 1024 * 1024)
/* Room for kubectl, two global flags and the longest subcommand. */
#define KUBECTL_MAX_ARGS 24
/* How often long waits look at the stop flag. */
#define KUBECTL_POLL_MS 100
/* The most of kubectl's own words quoted in a reason. */
#define KUBECTL_QUOTE_MAX 200
/* A marker for a child that someone else reaped, so its status is
 * unknown (waitpid never reports this value). */
#define KUBECTL_STATUS_UNKNOWN (-1)

/* Prints pods as "NAME<TAB>PHASE" lines; the \t and \n are two characters
 * each, which kubectl's jsonpath turns into a tab and a newline. */
static const char kubectl_pods_jsonpath[] =
        "jsonpath={range .items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}";
static const char kubectl_selector_jsonpath[] = "jsonpath={.spec.selector.matchLabels}";

/* posix_spawn passes the environment on explicitly; unistd.h only
 * declares environ for _GNU_SOURCE. */
extern char **environ;

/* The end of what a process wrote, kept to quote it when something fails. */
struct kubectl_tail {
	char text[1024];
	size_t length;
};

/* One `kubectl port-forward` child. */
struct kubectl_forward {
	pid_t pid;                /* 0 when there is none */
	int out_fd;               /* its stdout, non-blocking; -1 once closed */
	int err_fd;               /* its stderr, non-blocking; -1 once closed */
	unsigned local_port;      /* from its Forwarding line; 0 until seen */
	char base_url[64];        /* http://127.0.0.1:LOCAL */
	struct kubectl_tail said; /* its stderr and unexpected stdout lines */
	char line[256];           /* the stdout line being read */
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
	const char *kubectl;
	const char *context;
	const char *kubeconfig;
	const char *namespace;
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

static void kubectl_reason(char *reason, size_t reason_size, const char *format, ...)
        EP_PRINTF(3, 4);
static void kubectl_reason(char *reason, size_t reason_size, const char *format, ...)
{
	if (reason == NULL || reason_size == 0)
		return;
	va_list args;
	va_start(args, format);
	vsnprintf(reason, reason_size, format, args);
	va_end(args);
}

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

static int64_t kubectl_now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void kubectl_sleep_ms(long milliseconds)
{
	struct timespec delay = { milliseconds / 1000, (milliseconds % 1000) * 1000000L };
	while (nanosleep(&delay, &delay) < 0 && errno == EINTR)
		continue;
}

/* ---- what kubectl said ---------------------------------------------------- */

static void kubectl_tail_append(struct kubectl_tail *tail, const char *data, size_t size)
{
	const size_t room = sizeof(tail->text) - 1;
	if (size > room) {
		data += size - room;
		size = room;
	}
	if (tail->length + size > room) {
		size_t drop = tail->length + size - room;
		memmove(tail->text, tail->text + drop, tail->length - drop);
		tail->length -= drop;
	}
	for (size_t i = 0; i < size; i++)
		tail->text[tail->length++] = data[i] == '\0' ? ' ' : data[i];
	tail->text[tail->length] = '\0';
}

/* Picks the line of tail that explains a failure: the last one starting
 * with "error" (kubectl's "error: ..." and "Error from server ..."), else
 * the last non-blank one. Empty when kubectl said nothing. */
static void kubectl_tail_pick(const struct kubectl_tail *tail, char *out, size_t out_size)
{
	const char *best = NULL, *last = NULL;
	size_t best_length = 0, last_length = 0;
	const char *line = tail->text;
	while (*line != '\0') {
		size_t length = strcspn(line, "\r\n");
		const char *start = line;
		size_t trimmed = length;
		while (trimmed > 0 && (*start == ' ' || *start == '\t')) {
			start++;
			trimmed--;
		}
		while (trimmed > 0 && (start[trimmed - 1] == ' ' || start[trimmed - 1] == '\t'))
			trimmed--;
		if (trimmed > 0) {
			last = start;
			last_length = trimmed;
			if (trimmed >= 5 && strncasecmp(start, "error", 5) == 0) {
				best = start;
				best_length = trimmed;
			}
		}
		line += length;
		line += strspn(line, "\r\n");
	}
	if (best == NULL) {
		best = last;
		best_length = last_length;
	}
	size_t length = 0;
	for (size_t i = 0; best != NULL && i < best_length && length + 4 < out_size; i++) {
		if (i == KUBECTL_QUOTE_MAX) {
			memcpy(out + length, "...", 3);
			length += 3;
			break;
		}
		unsigned char c = (unsigned char)best[i];
		out[length++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
	}
	if (out_size > 0)
		out[length] = '\0';
}

/* ": what kubectl said" for a reason, or "" when it said nothing. */
static void kubectl_tail_suffix(const struct kubectl_tail *tail, char *out, size_t out_size)
{
	char picked[KUBECTL_QUOTE_MAX + 8];
	kubectl_tail_pick(tail, picked, sizeof(picked));
	if (picked[0] == '\0')
		snprintf(out, out_size, " (it printed nothing)");
	else
		snprintf(out, out_size, ": %s", picked);
}

static void kubectl_describe_status(int status, char *out, size_t out_size)
{
	if (status == KUBECTL_STATUS_UNKNOWN)
		snprintf(out, out_size, "ended");
	else if (WIFEXITED(status))
		snprintf(out, out_size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, out_size, "was killed by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(out, out_size, "ended");
}

/* ---- child processes ------------------------------------------------------ */

/* Waits up to timeout_ms for pid to exit and reaps it. True when it is
 * gone, with its status in *status. */
static bool kubectl_wait(pid_t pid, long timeout_ms, int *status)
{
	int64_t deadline = kubectl_now_ms() + timeout_ms;
	for (;;) {
		int wait_status = 0;
		pid_t done = waitpid(pid, &wait_status, WNOHANG);
		if (done == pid) {
			*status = wait_status;
			return true;
		}
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0) {
			/* ECHILD: reaped elsewhere (SIGCHLD set to SIG_IGN). */
			*status = KUBECTL_STATUS_UNKNOWN;
			return true;
		}
		if (kubectl_now_ms() >= deadline)
			return false;
		kubectl_sleep_ms(10);
	}
}

/* SIGKILLs pid and reaps it; for children that no longer matter. */
static void kubectl_kill_and_reap(pid_t pid)
{
	int status;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		continue;
}

/* Starts kubectl with the global flags and args, without a shell: argv
 * goes to posix_spawnp as it is. Its stdin is /dev/null,
 * its stdout and stderr come back as non-blocking, close-on-exec pipes.
 * Returns 0 or a negative errno with the reason. */
static int kubectl_spawn(struct kubectl_collector *self, const char *const *args, size_t arg_count,
                         pid_t *pid, int *out_fd, int *err_fd, char *reason, size_t reason_size)
{
	const char *argv[KUBECTL_MAX_ARGS];
	size_t argc = 0;
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attributes;
	bool actions_ready = false, attributes_ready = false;
	int rc = 0;

	argv[argc++] = self->kubectl;
	if (self->context != NULL) {
		argv[argc++] = "--context";
		argv[argc++] = self->context;
	}
	if (self->kubeconfig != NULL) {
		argv[argc++] = "--kubeconfig";
		argv[argc++] = self->kubeconfig;
	}
	for (size_t i = 0; i < arg_count && argc < KUBECTL_MAX_ARGS - 1; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;

	/* pipe2(O_CLOEXEC) is not POSIX 2008; the window before FD_CLOEXEC
	 * only matters to a host that forks from another thread meanwhile. */
	if (pipe(out_pipe) < 0 || pipe(err_pipe) < 0) {
		rc = -errno;
		kubectl_reason(reason, reason_size, "cannot create a pipe: %s", strerror(errno));
		goto error;
	}
	int fds[4] = { out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1] };
	for (size_t i = 0; i < 4; i++) {
		if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0) {
			rc = -errno;
			kubectl_reason(reason, reason_size, "cannot set up a pipe: %s",
			               strerror(errno));
			goto error;
		}
	}
	if (fcntl(out_pipe[0], F_SETFL, fcntl(out_pipe[0], F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(err_pipe[0], F_SETFL, fcntl(err_pipe[0], F_GETFL) | O_NONBLOCK) < 0) {
		rc = -errno;
		kubectl_reason(reason, reason_size, "cannot set up a pipe: %s", strerror(errno));
		goto error;
	}

	int spawn_error = posix_spawn_file_actions_init(&actions);
	actions_ready = spawn_error == 0;
	if (spawn_error == 0)
		spawn_error =
		        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	if (spawn_error == 0)
		spawn_error = posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
	if (spawn_error == 0)
		spawn_error = posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
	if (spawn_error == 0) {
		spawn_error = posix_spawnattr_init(&attributes);
		attributes_ready = spawn_error == 0;
	}
	if (spawn_error == 0) {
		/* The host may block or ignore signals for itself (a signal
		 * thread, SIGPIPE ignored); kubectl must still die of SIGTERM
		 * and behave normally. */
		sigset_t mask, defaults;
		sigemptyset(&mask);
		sigemptyset(&defaults);
		int signals[] = { SIGPIPE, SIGINT,  SIGTERM, SIGHUP, SIGQUIT,
			          SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM };
		for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
			sigaddset(&defaults, signals[i]);
		spawn_error = posix_spawnattr_setsigmask(&attributes, &mask);
		if (spawn_error == 0)
			spawn_error = posix_spawnattr_setsigdefault(&attributes, &defaults);
		if (spawn_error == 0)
			spawn_error = posix_spawnattr_setflags(
			        &attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	}
	if (spawn_error != 0) {
		rc = -spawn_error;
		kubectl_reason(reason, reason_size, "cannot prepare to run %s: %s", self->kubectl,
		               strerror(spawn_error));
		goto error;
	}
	spawn_error = posix_spawnp(pid, self->kubectl, &actions, &attributes, (char *const *)argv,
	                           environ);
	if (spawn_error != 0) {
		rc = -spawn_error;
		if (spawn_error == ENOENT && strchr(self->kubectl, '/') == NULL)
			kubectl_reason(reason, reason_size,
			               "cannot run '%s': not found on PATH (install kubectl or set "
			               "kubectl in " KUBECTL_SECTION ")",
			               self->kubectl);
		else
			kubectl_reason(reason, reason_size,
			               "cannot run '%s': %s (check kubectl in " KUBECTL_SECTION ")",
			               self->kubectl, strerror(spawn_error));
		goto error;
	}
	char line[512];
	size_t length = 0;
	for (size_t i = 0; i < argc && length < sizeof(line); i++)
		length += (size_t)snprintf(line + length, sizeof(line) - length, "%s%s",
		                           i ? " " : "", argv[i]);
	self->host->log(self->instance, EP_LOG_DEBUG, "started pid %ld: %s", (long)*pid, line);
	*out_fd = out_pipe[0];
	*err_fd = err_pipe[0];
	out_pipe[0] = err_pipe[0] = -1;
error:
	if (actions_ready)
		posix_spawn_file_actions_destroy(&actions);
	if (attributes_ready)
		posix_spawnattr_destroy(&attributes);
	for (size_t i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	return rc;
}

/* Reads what is available from *fd into data without blocking; closes *fd
 * at end of file. Returns the bytes read, 0 when there are none now. */
static size_t kubectl_read_some(int *fd, char *data, size_t size)
{
	if (*fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(*fd, data, size);
		if (n > 0)
			return (size_t)n;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		close(*fd); /* end of file, or an error that will not heal */
		*fd = -1;
		return 0;
	}
}

/* Waits until out_fd or err_fd is readable, at most timeout_ms. */
static void kubectl_poll(int out_fd, int err_fd, long timeout_ms)
{
	struct pollfd fds[2];
	nfds_t count = 0;
	if (out_fd >= 0)
		fds[count++] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
	if (err_fd >= 0)
		fds[count++] = (struct pollfd){ .fd = err_fd, .events = POLLIN };
	if (count == 0)
		kubectl_sleep_ms(timeout_ms);
	else if (poll(fds, count, (int)timeout_ms) < 0 && errno != EINTR)
		kubectl_sleep_ms(timeout_ms); /* cannot happen with valid fds; do not spin */
}

/* Runs one `kubectl get` to completion; *output receives its stdout
 * (owned, NUL-terminated). what names the command in reasons. Returns 0 or
 * a negative errno with the reason quoting kubectl. */
static int kubectl_run(struct kubectl_collector *self, const char *what, const char *const *args,
                       size_t arg_count, char **output, char *reason, size_t reason_size)
{
	pid_t pid = 0;
	int out_fd = -1, err_fd = -1, status = 0;
	struct kubectl_tail said = { .length = 0 };
	char *data = NULL, chunk[4096], quote[KUBECTL_QUOTE_MAX + 16], ended[96];
	size_t size = 0, capacity = 0;
	bool too_much = false;
	int rc = kubectl_spawn(self, args, arg_count, &pid, &out_fd, &err_fd, reason, reason_size);
	if (rc < 0)
		goto error;
	int64_t deadline = kubectl_now_ms() + KUBECTL_GET_TIMEOUT_SECONDS * 1000;
	while (out_fd >= 0 || err_fd >= 0) {
		if (self->host->stop_requested(self->instance)) {
			rc = -ECANCELED;
			kubectl_reason(reason, reason_size, "%s: stopped: the run is ending", what);
			goto error;
		}
		int64_t remaining = deadline - kubectl_now_ms();
		if (remaining <= 0) {
			rc = -ETIMEDOUT;
			kubectl_reason(reason, reason_size, "%s timed out after %d s", what,
			               KUBECTL_GET_TIMEOUT_SECONDS);
			goto error;
		}
		kubectl_poll(out_fd, err_fd,
		             remaining < KUBECTL_POLL_MS ? remaining : KUBECTL_POLL_MS);
		size_t n;
		while ((n = kubectl_read_some(&out_fd, chunk, sizeof(chunk))) > 0) {
			if (too_much || size + n > KUBECTL_OUTPUT_MAX) {
				too_much = true; /* keep draining: a closed pipe kills kubectl */
				continue;
			}
			if (size + n + 1 > capacity) {
				size_t grown_capacity = capacity ? capacity * 2 : 16384;
				while (grown_capacity < size + n + 1)
					grown_capacity *= 2;
				char *grown = realloc(data, grown_capacity);
				if (grown == NULL) {
					rc = -ENOMEM;
					kubectl_reason(reason, reason_size, "%s: out of memory",
					               what);
					goto error;
				}
				data = grown;
				capacity = grown_capacity;
			}
			memcpy(data + size, chunk, n);
			size += n;
		}
		while ((n = kubectl_read_some(&err_fd, chunk, sizeof(chunk))) > 0)
			kubectl_tail_append(&said, chunk, n);
	}
	int64_t remaining = deadline - kubectl_now_ms();
	if (!kubectl_wait(pid, remaining > 1000 ? (long)remaining : 1000, &status)) {
		rc = -ETIMEDOUT;
		kubectl_reason(reason, reason_size, "%s did not exit after closing its output",
		               what);
		goto error;
	}
	pid = 0;
	if (status == KUBECTL_STATUS_UNKNOWN || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		kubectl_describe_status(status, ended, sizeof(ended));
		kubectl_tail_suffix(&said, quote, sizeof(quote));
		kubectl_reason(reason, reason_size, "%s %s%s", what, ended, quote);
		rc = -EIO;
		goto error;
	}
	if (too_much) {
		rc = -EFBIG;
		kubectl_reason(reason, reason_size, "%s printed more than %d MiB", what,
		               KUBECTL_OUTPUT_MAX >> 20);
		goto error;
	}
	if (data == NULL) {
		data = malloc(1);
		if (data == NULL) {
			rc = -ENOMEM;
			goto error;
		}
	}
	data[size] = '\0';
	*output = data;
	data = NULL;
error:
	if (pid > 0)
		kubectl_kill_and_reap(pid);
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	free(data);
	return rc;
}

/* ---- the deployment's selector -------------------------------------------- */

/* Label keys ([prefix/]name) and values use these characters only; anything
 * else would change the meaning of the selector built from them. */
static bool kubectl_label_text_ok(const char *text, bool is_key)
{
	if (is_key && text[0] == '\0')
		return false;
	for (const char *c = text; *c != '\0'; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		          (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.' ||
		          (is_key && *c == '/');
		if (!ok)
			return false;
	}
	return true;
}

/* Appends "key=value" to the selector being built. */
static int kubectl_selector_add(char **selector, size_t *length, const char *key, const char *value)
{
	size_t add = strlen(key) + strlen(value) + 2;
	char *grown = realloc(*selector, *length + add + 1);
	if (grown == NULL)
		return -ENOMEM;
	*selector = grown;
	*length += (size_t)snprintf(grown + *length, add + 1, "%s%s=%s", *length ? "," : "", key,
	                            value);
	return 0;
}

/* Turns what `-o jsonpath={.spec.selector.matchLabels}` printed into a
 * selector: the JSON object {"a":"b","c":"d"} of current kubectl, or the
 * map[a:b c:d] of old ones, into "a=b,c=d". Returns 0 with *selector
 * owned, or a negative errno with a reason. */
static int kubectl_selector_from_labels(const char *text, char **selector, char *why,
                                        size_t why_size)
{
	char key[320], value[320];
	size_t length = 0;
	int rc = 0;
	*selector = NULL;
	const char *start = text + strspn(text, " \t\r\n");
	if (strncmp(start, "map[", 4) == 0) {
		/* Go's fmt of map[string]string: keys and values hold no ' '
		 * or ':' in valid labels. */
		const char *at = start + 4;
		const char *end = strrchr(at, ']');
		if (end == NULL) {
			rc = -EINVAL;
			kubectl_reason(why, why_size, "unterminated map[...]");
			goto error;
		}
		while (at < end) {
			size_t item = strcspn(at, " ]");
			const char *colon = memchr(at, ':', item);
			if (item > 0) {
				if (colon == NULL || (size_t)(colon - at) >= sizeof(key) ||
				    item - (size_t)(colon - at) > sizeof(value)) {
					rc = -EINVAL;
					kubectl_reason(why, why_size, "cannot read '%.*s'",
					               (int)item, at);
					goto error;
				}
				snprintf(key, sizeof(key), "%.*s", (int)(colon - at), at);
				snprintf(value, sizeof(value), "%.*s",
				         (int)(item - (size_t)(colon - at) - 1), colon + 1);
				if (!kubectl_label_text_ok(key, true) ||
				    !kubectl_label_text_ok(value, false)) {
					rc = -EINVAL;
					kubectl_reason(why, why_size, "label %s=%s is not valid",
					               key, value);
					goto error;
				}
				rc = kubectl_selector_add(selector, &length, key, value);
				if (rc < 0)
					goto error;
			}
			at += item;
			at += strspn(at, " ");
		}
		goto done;
	}
	/* JSON through jansson, the tree's one JSON parser: strict, so
	 * trailing text or a duplicate label is refused. */
	json_error_t error;
	json_t *labels = json_loads(text, JSON_REJECT_DUPLICATES, &error);
	if (labels == NULL || !json_is_object(labels)) {
		rc = -EINVAL;
		if (labels == NULL)
			kubectl_reason(why, why_size, "not JSON: %s (column %d)", error.text,
			               error.column);
		else
			kubectl_reason(why, why_size, "expected a JSON object");
		json_decref(labels);
		goto error;
	}
	const char *label;
	json_t *label_value;
	json_object_foreach(labels, label, label_value)
	{
		const char *text_value = json_string_value(label_value);
		if (text_value == NULL || strlen(label) >= sizeof(key) ||
		    strlen(text_value) >= sizeof(value) || !kubectl_label_text_ok(label, true) ||
		    !kubectl_label_text_ok(text_value, false)) {
			rc = -EINVAL;
			kubectl_reason(why, why_size,
			               "label %.60s is not a valid key with a text value", label);
			break;
		}
		rc = kubectl_selector_add(selector, &length, label, text_value);
		if (rc < 0)
			break;
	}
	json_decref(labels);
	if (rc < 0)
		goto error;
done:
	if (*selector == NULL) {
		rc = -ENOENT;
		kubectl_reason(why, why_size, "it has no matchLabels");
		goto error;
	}
	return 0;
error:
	free(*selector);
	*selector = NULL;
	return rc;
}

/* Sets self->selector from the deployment's spec.selector.matchLabels. */
static int kubectl_resolve_selector(struct kubectl_collector *self)
{
	const struct ep_host_api *host = self->host;
	char *output = NULL, reason[512], why[256], what[300];
	snprintf(what, sizeof(what), "kubectl get deployment %s -n %s", self->deployment,
	         self->namespace);
	const char *args[] = { "get",           "deployment", self->deployment,         "-n",
		               self->namespace, "-o",         kubectl_selector_jsonpath };
	int rc = kubectl_run(self, what, args, sizeof(args) / sizeof(args[0]), &output, reason,
	                     sizeof(reason));
	if (rc < 0) {
		host->log(self->instance, EP_LOG_ERROR, "cannot find the pods to profile: %s",
		          reason);
		goto error;
	}
	rc = kubectl_selector_from_labels(output, &self->selector, why, sizeof(why));
	if (rc == -ENOENT) {
		host->log(self->instance, EP_LOG_ERROR,
		          "deployment %s in namespace %s has no spec.selector.matchLabels (only "
		          "matchExpressions?); set selector in " KUBECTL_SECTION " (or -l)",
		          self->deployment, self->namespace);
		goto error;
	}
	if (rc < 0) {
		host->log(self->instance, EP_LOG_ERROR,
		          "cannot read the selector of deployment %s ('%.100s'): %s; set selector "
		          "in " KUBECTL_SECTION " (or -l)",
		          self->deployment, output, why);
		goto error;
	}
	host->log(self->instance, EP_LOG_DEBUG, "deployment %s selects pods with %s",
	          self->deployment, self->selector);
error:
	free(output);
	return rc;
}

/* ---- pods ------------------------------------------------------------------ */

/* Pod names are DNS-1123 subdomains; anything else in kubectl's output is
 * not a name (and never becomes an argument or a file name). */
static bool kubectl_pod_name_ok(const char *name, size_t length)
{
	if (length == 0 || length > 253)
		return false;
	for (size_t i = 0; i < length; i++) {
		char c = name[i];
		bool edge = i == 0 || i == length - 1;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (!edge && (c == '-' || c == '.'))))
			return false;
	}
	return true;
}

static int kubectl_compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void kubectl_free_names(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* Lists the Running pods that match the selector, sorted, without
 * duplicates. *names and its strings are owned by the caller
 * (kubectl_free_names). Pods in other phases are logged at other_level. */
static int kubectl_list_running(struct kubectl_collector *self, enum ep_log_level other_level,
                                char ***names, size_t *count, char *reason, size_t reason_size)
{
	char *output = NULL, what[300];
	char **running = NULL;
	size_t running_count = 0;
	snprintf(what, sizeof(what), "kubectl get pods -n %s -l %s", self->namespace,
	         self->selector);
	const char *args[] = { "get", "pods",         "-n", self->namespace,
		               "-l",  self->selector, "-o", kubectl_pods_jsonpath };
	int rc = kubectl_run(self, what, args, sizeof(args) / sizeof(args[0]), &output, reason,
	                     reason_size);
	if (rc < 0)
		goto error;
	for (char *line = output; *line != '\0';) {
		size_t length = strcspn(line, "\n");
		char *next = line + length + (line[length] == '\n');
		line[length] = '\0';
		if (length > 0 && line[length - 1] == '\r')
			line[--length] = '\0';
		char *tab = strchr(line, '\t');
		if (length == 0) {
			line = next;
			continue;
		}
		if (tab == NULL || !kubectl_pod_name_ok(line, (size_t)(tab - line))) {
			self->host->log(self->instance, EP_LOG_WARN,
			                "ignoring a line of kubectl get pods: '%.100s'", line);
			line = next;
			continue;
		}
		*tab = '\0';
		const char *phase = tab + 1;
		if (strcmp(phase, "Running") != 0) {
			self->host->log(self->instance, other_level, "pod %s is %s: not profiled",
			                line, phase[0] ? phase : "without a phase");
			line = next;
			continue;
		}
		char **grown = realloc(running, (running_count + 1) * sizeof(*running));
		char *copy = grown != NULL ? strdup(line) : NULL;
		if (grown != NULL)
			running = grown;
		if (copy == NULL) {
			rc = -ENOMEM;
			kubectl_reason(reason, reason_size, "out of memory");
			goto error;
		}
		running[running_count++] = copy;
		line = next;
	}
	if (running_count > 1)
		qsort(running, running_count, sizeof(*running), kubectl_compare_names);
	size_t unique = 0;
	for (size_t i = 0; i < running_count; i++) {
		if (unique > 0 && strcmp(running[unique - 1], running[i]) == 0)
			free(running[i]);
		else
			running[unique++] = running[i];
	}
	*names = running;
	*count = unique;
	running = NULL;
	running_count = 0;
error:
	kubectl_free_names(running, running_count);
	free(output);
	return rc;
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
	kubectl_tail_append(&forward->said, line, strlen(line));
	kubectl_tail_append(&forward->said, "\n", 1);
}

/* Reads whatever the forward printed, without blocking: stdout line by
 * line (so the pipe never fills and blocks kubectl), stderr into said. */
static void kubectl_forward_drain(struct kubectl_collector *self, struct kubectl_forward *forward)
{
	char chunk[4096];
	size_t n;
	while ((n = kubectl_read_some(&forward->out_fd, chunk, sizeof(chunk))) > 0) {
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
	while ((n = kubectl_read_some(&forward->err_fd, chunk, sizeof(chunk))) > 0)
		kubectl_tail_append(&forward->said, chunk, n);
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
		status = KUBECTL_STATUS_UNKNOWN;
	kubectl_forward_drain(self, forward); /* its last words */
	char ended[96], quote[KUBECTL_QUOTE_MAX + 16];
	kubectl_describe_status(status, ended, sizeof(ended));
	kubectl_tail_suffix(&forward->said, quote, sizeof(quote));
	kubectl_reason(why, why_size, "pid %ld %s%s", (long)pid, ended, quote);
	kubectl_forward_close(forward);
	return true;
}

/* Ends a forward: SIGTERM, a grace period, then SIGKILL; always reaps. */
static void kubectl_forward_stop(struct kubectl_forward *forward)
{
	if (forward->pid > 0) {
		int status;
		kill(forward->pid, SIGTERM);
		if (!kubectl_wait(forward->pid, KUBECTL_STOP_GRACE_MS, &status))
			kubectl_kill_and_reap(forward->pid);
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
	char target[300], remote[16], what[512], ended[96], quote[KUBECTL_QUOTE_MAX + 16];
	int status = 0;
	kubectl_forward_stop(forward);
	snprintf(target, sizeof(target), "pod/%s", pod->name);
	snprintf(remote, sizeof(remote), ":%ld", self->port);
	snprintf(what, sizeof(what), "kubectl port-forward -n %s %s %s", self->namespace, target,
	         remote);
	const char *args[] = { "port-forward", "-n", self->namespace, target, remote };
	int rc = kubectl_spawn(self, args, sizeof(args) / sizeof(args[0]), &forward->pid,
	                       &forward->out_fd, &forward->err_fd, reason, reason_size);
	if (rc < 0)
		goto error;
	int64_t deadline = kubectl_now_ms() + self->forward_timeout_seconds * 1000;
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
			if (done == 0 && !kubectl_wait(forward->pid, 1000, &status)) {
				kubectl_kill_and_reap(forward->pid);
				status = KUBECTL_STATUS_UNKNOWN;
			} else if (done < 0) {
				status = KUBECTL_STATUS_UNKNOWN;
			}
			forward->pid = 0;
			kubectl_forward_drain(self, forward);
			kubectl_describe_status(status, ended, sizeof(ended));
			kubectl_tail_suffix(&forward->said, quote, sizeof(quote));
			kubectl_reason(reason, reason_size, "%s %s%s", what, ended, quote);
			rc = -ECONNREFUSED;
			goto error;
		}
		if (self->host->stop_requested(self->instance)) {
			kubectl_reason(reason, reason_size, "%s: stopped: the run is ending", what);
			rc = -ECANCELED;
			goto error;
		}
		int64_t remaining = deadline - kubectl_now_ms();
		if (remaining <= 0) {
			kubectl_tail_suffix(&forward->said, quote, sizeof(quote));
			kubectl_reason(reason, reason_size,
			               "%s printed no 'Forwarding from 127.0.0.1:PORT -> %ld' line "
			               "within %ld s%s",
			               what, self->port, self->forward_timeout_seconds, quote);
			rc = -ETIMEDOUT;
			goto error;
		}
		kubectl_poll(forward->out_fd, forward->err_fd,
		             remaining < KUBECTL_POLL_MS ? (long)remaining : KUBECTL_POLL_MS);
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
		kubectl_reason(reason, reason_size, "no port-forward to pod %s: %s", pod->name,
		               pod->failure);
		return -ENOTCONN;
	}
	int rc = kubectl_forward_start(self, pod, why, sizeof(why));
	if (rc < 0) {
		kubectl_pod_set_failure(pod, why);
		kubectl_reason(reason, reason_size, "no port-forward to pod %s: %s", pod->name,
		               why);
		self->host->log(self->instance, EP_LOG_WARN, "%s", reason);
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
	int64_t deadline = kubectl_now_ms() + KUBECTL_STOP_GRACE_MS;
	for (;;) {
		bool running = false;
		for (size_t i = 0; i < self->pod_count; i++) {
			struct kubectl_forward *forward = &self->pods[i]->forward;
			int status;
			if (forward->pid > 0 && kubectl_wait(forward->pid, 0, &status))
				forward->pid = 0;
			running = running || forward->pid > 0;
		}
		if (!running || kubectl_now_ms() >= deadline)
			break;
		kubectl_sleep_ms(20);
	}
	for (size_t i = 0; i < self->pod_count; i++) {
		struct kubectl_forward *forward = &self->pods[i]->forward;
		if (forward->pid > 0)
			kubectl_kill_and_reap(forward->pid);
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

/* ---- configuration ---------------------------------------------------------- */

/* Reads a string key; "" counts as unset. Names that become kubectl
 * arguments must not look like flags. */
static int kubectl_config_string(struct kubectl_collector *self, const char *key, bool required,
                                 const char **value)
{
	const struct ep_host_api *host = self->host;
	int rc = host->config_get_string(self->instance, key, value);
	if (rc < 0) {
		host->log(self->instance, EP_LOG_ERROR,
		          KUBECTL_SECTION " %s: cannot read the setting (%s)", key, strerror(-rc));
		return rc;
	}
	if (*value != NULL && (*value)[0] == '\0')
		*value = NULL;
	if (*value == NULL && required) {
		host->log(self->instance, EP_LOG_ERROR, KUBECTL_SECTION " %s must be set", key);
		return -EINVAL;
	}
	if (*value != NULL && (*value)[0] == '-') {
		host->log(self->instance, EP_LOG_ERROR,
		          KUBECTL_SECTION " %s '%s' must not start with '-'", key, *value);
		return -EINVAL;
	}
	for (const char *c = *value; c != NULL && *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			host->log(self->instance, EP_LOG_ERROR,
			          KUBECTL_SECTION " %s holds a control character", key);
			return -EINVAL;
		}
	}
	return 0;
}

static int kubectl_config_int(struct kubectl_collector *self, const char *key, long min, long max,
                              long *value)
{
	int64_t number;
	int rc = self->host->config_get_int(self->instance, key, &number);
	if (rc < 0) {
		self->host->log(self->instance, EP_LOG_ERROR,
		                KUBECTL_SECTION " %s: cannot read the setting (%s)", key,
		                strerror(-rc));
		return rc;
	}
	if (number < min || number > max) {
		self->host->log(self->instance, EP_LOG_ERROR,
		                KUBECTL_SECTION " %s must be between %ld and %ld, not %" PRId64,
		                key, min, max, number);
		return -EINVAL;
	}
	*value = (long)number;
	return 0;
}

static int kubectl_load_settings(struct kubectl_collector *self)
{
	const char *selector = NULL;
	int rc = kubectl_config_string(self, "kubectl", true, &self->kubectl);
	if (rc == 0)
		rc = kubectl_config_string(self, "context", false, &self->context);
	if (rc == 0)
		rc = kubectl_config_string(self, "kubeconfig", false, &self->kubeconfig);
	if (rc == 0)
		rc = kubectl_config_string(self, "namespace", true, &self->namespace);
	if (rc == 0)
		rc = kubectl_config_string(self, "deployment", false, &self->deployment);
	if (rc == 0)
		rc = kubectl_config_string(self, "selector", false, &selector);
	if (rc == 0)
		rc = kubectl_config_string(self, "scheme", true, &self->scheme);
	if (rc == 0)
		rc = kubectl_config_int(self, "port", 1, 65535, &self->port);
	if (rc == 0)
		rc = kubectl_config_int(self, "forward_timeout", 1, 3600,
		                        &self->forward_timeout_seconds);
	if (rc < 0)
		return rc;
	if (strcmp(self->scheme, "http") != 0 && strcmp(self->scheme, "https") != 0) {
		self->host->log(self->instance, EP_LOG_ERROR,
		                KUBECTL_SECTION " scheme must be http or https, not '%s'",
		                self->scheme);
		return -EINVAL;
	}
	if (selector == NULL && self->deployment == NULL) {
		self->host->log(self->instance, EP_LOG_ERROR,
		                KUBECTL_SECTION " needs a deployment or a selector");
		return -EINVAL;
	}
	if (selector != NULL) {
		self->selector = strdup(selector);
		if (self->selector == NULL)
			return -ENOMEM;
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
		rc = kubectl_resolve_selector(self);
		if (rc < 0)
			goto error;
	}
	rc = kubectl_list_running(self, EP_LOG_INFO, &running, &running_count, reason,
	                          sizeof(reason));
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
		          self->namespace, self->selector);
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
		          "no port-forward to any of the %zu Running pods could be started",
		          running_count);
		rc = rc < 0 ? rc : -ECONNREFUSED;
		goto error;
	}
done:
	kubectl_free_names(running, running_count);
	return 0;
error:
	kubectl_free_names(running, running_count);
	kubectl_stop(self); /* no forward survives a failed start */
	return rc;
}

static int kubectl_sources(void *state, const char *const **names, size_t *count, char *reason,
                           size_t reason_size)
{
	struct kubectl_collector *self = state;
	const struct ep_host_api *host = self->host;
	char **running = NULL, listing[512], why[512];
	size_t running_count = 0;
	/* Pods known before this round: the length of died and death. */
	size_t tracked = self->pod_count;
	int rc = 0;
	if (self->selector == NULL) {
		kubectl_reason(reason, reason_size, "the kubectl collector was not started");
		return -EINVAL;
	}

	/* 1. A new round: forget last round's failures, reap dead forwards
	 * (reported below, once we know whether their pod still exists). */
	bool *died = calloc(self->pod_count + 1, sizeof(*died));
	char **death = calloc(self->pod_count + 1, sizeof(*death));
	if (died == NULL || death == NULL) {
		rc = -ENOMEM;
		kubectl_reason(reason, reason_size, "out of memory");
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
	int list_rc = kubectl_list_running(self, EP_LOG_DEBUG, &running, &running_count, listing,
	                                   sizeof(listing));
	if (list_rc == -ECANCELED) {
		rc = list_rc;
		kubectl_reason(reason, reason_size, "%s", listing);
		goto error;
	}
	if (list_rc < 0)
		host->log(self->instance, EP_LOG_WARN,
		          "cannot list pods, keeping the known ones: %s", listing);

	/* 3. Pods that are gone (deleted, or no longer Running). */
	for (size_t i = self->pod_count; list_rc == 0 && i-- > 0;) {
		struct kubectl_pod *pod = self->pods[i];
		if (running_count > 0 && bsearch(&pod->name, running, running_count,
		                                 sizeof(*running), kubectl_compare_names) != NULL)
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
			kubectl_reason(reason, reason_size, "%s", why);
			goto error;
		}
		if (rc < 0) {
			host->log(self->instance, EP_LOG_WARN, "cannot reconnect to pod %s: %s",
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
			kubectl_reason(reason, reason_size, "out of memory");
			goto error;
		}
		rc = kubectl_forward_start(self, pod, why, sizeof(why));
		if (rc == -ECANCELED) {
			kubectl_reason(reason, reason_size, "%s", why);
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
			kubectl_reason(reason, reason_size, "%s", listing);
		else
			kubectl_reason(reason, reason_size,
			               "no Running pod in namespace %s matches %s", self->namespace,
			               self->selector);
		rc = list_rc < 0 ? list_rc : -ENOENT;
		goto error;
	}
	const char **grown = realloc(self->names, self->pod_count * sizeof(*grown));
	if (grown == NULL) {
		rc = -ENOMEM;
		kubectl_reason(reason, reason_size, "out of memory");
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
	kubectl_free_names(running, running_count);
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
		kubectl_reason(reason, reason_size, "unknown pod '%s'",
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
			kubectl_reason(reason, reason_size,
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
		kubectl_reason(reason, reason_size, "%s (and after restarting the port-forward)",
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
	{ "kubectl", EP_CONFIG_STRING, "kubectl",
	  "the kubectl program: a path, or a name looked up on PATH" },
	{ "context", EP_CONFIG_STRING, NULL,
	  "kubeconfig context (kubectl --context); default: the current context" },
	{ "kubeconfig", EP_CONFIG_STRING, NULL,
	  "kubeconfig file (kubectl --kubeconfig); default: $KUBECONFIG or ~/.kube/config" },
	{ "namespace", EP_CONFIG_STRING, "olmv1-system",
	  "namespace of the deployment and its pods" },
	{ "deployment", EP_CONFIG_STRING, "operator-controller-controller-manager",
	  "deployment whose Running pods are profiled, found by its spec.selector.matchLabels" },
	{ "selector", EP_CONFIG_STRING, NULL,
	  "label selector of the pods (e.g. app=web,tier=api); when set, used instead of the "
	  "deployment's" },
	{ "port", EP_CONFIG_INT, "6060", "pprof port inside the pods" },
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
