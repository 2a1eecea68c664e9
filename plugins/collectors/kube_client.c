/* kube_client: runs kubectl for the kubectl and apiserver collectors and
 * finds a deployment's pods (see kube_client.h and meson.build here). */
#include "kube_client.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Room for kubectl, two global flags and the longest subcommand. */
#define KUBE_MAX_ARGS 24

/* Prints pods as "NAME<TAB>PHASE" lines; the \t and \n are two characters
 * each, which kubectl's jsonpath turns into a tab and a newline. */
static const char kube_pods_jsonpath[] =
        "jsonpath={range .items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}";
static const char kube_selector_jsonpath[] = "jsonpath={.spec.selector.matchLabels}";

/* posix_spawn passes the environment on explicitly; unistd.h only
 * declares environ for _GNU_SOURCE. */
extern char **environ;

void kube_reason(char *reason, size_t reason_size, const char *format, ...)
{
	if (reason == NULL || reason_size == 0)
		return;
	va_list args;
	va_start(args, format);
	vsnprintf(reason, reason_size, format, args);
	va_end(args);
}

int64_t kube_now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void kube_sleep_ms(long milliseconds)
{
	struct timespec delay = { milliseconds / 1000, (milliseconds % 1000) * 1000000L };
	while (nanosleep(&delay, &delay) < 0 && errno == EINTR)
		continue;
}

/* ---- what kubectl said ---------------------------------------------------- */

void kube_tail_append(struct kube_tail *tail, const char *data, size_t size)
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
void kube_tail_pick(const struct kube_tail *tail, char *out, size_t out_size)
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
		if (i == KUBE_QUOTE_MAX) {
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
void kube_tail_suffix(const struct kube_tail *tail, char *out, size_t out_size)
{
	char picked[KUBE_QUOTE_MAX + 8];
	kube_tail_pick(tail, picked, sizeof(picked));
	if (picked[0] == '\0')
		snprintf(out, out_size, " (it printed nothing)");
	else
		snprintf(out, out_size, ": %s", picked);
}

void kube_describe_status(int status, char *out, size_t out_size)
{
	if (status == KUBE_STATUS_UNKNOWN)
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
bool kube_wait(pid_t pid, long timeout_ms, int *status)
{
	int64_t deadline = kube_now_ms() + timeout_ms;
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
			*status = KUBE_STATUS_UNKNOWN;
			return true;
		}
		if (kube_now_ms() >= deadline)
			return false;
		kube_sleep_ms(10);
	}
}

/* SIGKILLs pid and reaps it; for children that no longer matter. */
void kube_kill_and_reap(pid_t pid)
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
int kube_spawn(const struct kube_client *client, const char *const *args, size_t arg_count,
               pid_t *pid, int *out_fd, int *err_fd, char *reason, size_t reason_size)
{
	const char *argv[KUBE_MAX_ARGS];
	size_t argc = 0;
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attributes;
	bool actions_ready = false, attributes_ready = false;
	int rc = 0;

	argv[argc++] = client->kubectl;
	if (client->context != NULL) {
		argv[argc++] = "--context";
		argv[argc++] = client->context;
	}
	if (client->kubeconfig != NULL) {
		argv[argc++] = "--kubeconfig";
		argv[argc++] = client->kubeconfig;
	}
	for (size_t i = 0; i < arg_count && argc < KUBE_MAX_ARGS - 1; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;

	/* pipe2(O_CLOEXEC) is not POSIX 2008; the window before FD_CLOEXEC
	 * only matters to a host that forks from another thread meanwhile. */
	if (pipe(out_pipe) < 0 || pipe(err_pipe) < 0) {
		rc = -errno;
		kube_reason(reason, reason_size, "cannot create a pipe: %s", strerror(errno));
		goto error;
	}
	int fds[4] = { out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1] };
	for (size_t i = 0; i < 4; i++) {
		if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0) {
			rc = -errno;
			kube_reason(reason, reason_size, "cannot set up a pipe: %s",
			            strerror(errno));
			goto error;
		}
	}
	if (fcntl(out_pipe[0], F_SETFL, fcntl(out_pipe[0], F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(err_pipe[0], F_SETFL, fcntl(err_pipe[0], F_GETFL) | O_NONBLOCK) < 0) {
		rc = -errno;
		kube_reason(reason, reason_size, "cannot set up a pipe: %s", strerror(errno));
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
		kube_reason(reason, reason_size, "cannot prepare to run %s: %s", client->kubectl,
		            strerror(spawn_error));
		goto error;
	}
	spawn_error = posix_spawnp(pid, client->kubectl, &actions, &attributes, (char *const *)argv,
	                           environ);
	if (spawn_error != 0) {
		rc = -spawn_error;
		if (spawn_error == ENOENT && strchr(client->kubectl, '/') == NULL)
			kube_reason(reason, reason_size,
			            "cannot run '%s': not found on PATH (install kubectl or set "
			            "kubectl in %s)",
			            client->kubectl, client->section);
		else
			kube_reason(reason, reason_size,
			            "cannot run '%s': %s (check kubectl in %s)", client->kubectl,
			            strerror(spawn_error), client->section);
		goto error;
	}
	char line[512];
	size_t length = 0;
	for (size_t i = 0; i < argc && length < sizeof(line); i++)
		length += (size_t)snprintf(line + length, sizeof(line) - length, "%s%s",
		                           i ? " " : "", argv[i]);
	client->host->log(client->instance, EP_LOG_DEBUG, "started pid %ld: %s", (long)*pid, line);
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
size_t kube_read_some(int *fd, char *data, size_t size)
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
void kube_poll(int out_fd, int err_fd, long timeout_ms)
{
	struct pollfd fds[2];
	nfds_t count = 0;
	if (out_fd >= 0)
		fds[count++] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
	if (err_fd >= 0)
		fds[count++] = (struct pollfd){ .fd = err_fd, .events = POLLIN };
	if (count == 0)
		kube_sleep_ms(timeout_ms);
	else if (poll(fds, count, (int)timeout_ms) < 0 && errno != EINTR)
		kube_sleep_ms(timeout_ms); /* cannot happen with valid fds; do not spin */
}

int kube_run(const struct kube_client *client, const char *what, const char *const *args,
             size_t arg_count, long timeout_ms, size_t max_output, char **output,
             size_t *output_size, char *reason, size_t reason_size)
{
	pid_t pid = 0;
	int out_fd = -1, err_fd = -1, status = 0;
	struct kube_tail said = { .length = 0 };
	char *data = NULL, chunk[4096], quote[KUBE_QUOTE_MAX + 16], ended[96];
	size_t size = 0, capacity = 0;
	bool too_much = false;
	int rc = kube_spawn(client, args, arg_count, &pid, &out_fd, &err_fd, reason, reason_size);
	if (rc < 0)
		goto error;
	int64_t deadline = kube_now_ms() + timeout_ms;
	while (out_fd >= 0 || err_fd >= 0) {
		if (client->host->stop_requested(client->instance)) {
			rc = -ECANCELED;
			kube_reason(reason, reason_size, "%s: stopped: the run is ending", what);
			goto error;
		}
		int64_t remaining = deadline - kube_now_ms();
		if (remaining <= 0) {
			rc = -ETIMEDOUT;
			kube_reason(reason, reason_size, "%s timed out after %ld s", what,
			            timeout_ms / 1000);
			goto error;
		}
		kube_poll(out_fd, err_fd, remaining < KUBE_POLL_MS ? remaining : KUBE_POLL_MS);
		size_t n;
		while ((n = kube_read_some(&out_fd, chunk, sizeof(chunk))) > 0) {
			if (too_much || size + n > max_output) {
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
					kube_reason(reason, reason_size, "%s: out of memory", what);
					goto error;
				}
				data = grown;
				capacity = grown_capacity;
			}
			memcpy(data + size, chunk, n);
			size += n;
		}
		while ((n = kube_read_some(&err_fd, chunk, sizeof(chunk))) > 0)
			kube_tail_append(&said, chunk, n);
	}
	int64_t remaining = deadline - kube_now_ms();
	if (!kube_wait(pid, remaining > 1000 ? (long)remaining : 1000, &status)) {
		rc = -ETIMEDOUT;
		kube_reason(reason, reason_size, "%s did not exit after closing its output", what);
		goto error;
	}
	pid = 0;
	if (status == KUBE_STATUS_UNKNOWN || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		kube_describe_status(status, ended, sizeof(ended));
		kube_tail_suffix(&said, quote, sizeof(quote));
		kube_reason(reason, reason_size, "%s %s%s", what, ended, quote);
		rc = -EIO;
		goto error;
	}
	if (too_much) {
		rc = -EFBIG;
		kube_reason(reason, reason_size, "%s printed more than %zu MiB", what,
		            max_output >> 20);
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
	if (output_size != NULL)
		*output_size = size;
	data = NULL;
error:
	if (pid > 0)
		kube_kill_and_reap(pid);
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
static bool kube_label_text_ok(const char *text, bool is_key)
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
static int kube_selector_add(char **selector, size_t *length, const char *key, const char *value)
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
static int kube_selector_from_labels(const char *text, char **selector, char *why, size_t why_size)
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
			kube_reason(why, why_size, "unterminated map[...]");
			goto error;
		}
		while (at < end) {
			size_t item = strcspn(at, " ]");
			const char *colon = memchr(at, ':', item);
			if (item > 0) {
				if (colon == NULL || (size_t)(colon - at) >= sizeof(key) ||
				    item - (size_t)(colon - at) > sizeof(value)) {
					rc = -EINVAL;
					kube_reason(why, why_size, "cannot read '%.*s'", (int)item,
					            at);
					goto error;
				}
				snprintf(key, sizeof(key), "%.*s", (int)(colon - at), at);
				snprintf(value, sizeof(value), "%.*s",
				         (int)(item - (size_t)(colon - at) - 1), colon + 1);
				if (!kube_label_text_ok(key, true) ||
				    !kube_label_text_ok(value, false)) {
					rc = -EINVAL;
					kube_reason(why, why_size, "label %s=%s is not valid", key,
					            value);
					goto error;
				}
				rc = kube_selector_add(selector, &length, key, value);
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
			kube_reason(why, why_size, "not JSON: %s (column %d)", error.text,
			            error.column);
		else
			kube_reason(why, why_size, "expected a JSON object");
		json_decref(labels);
		goto error;
	}
	const char *label;
	json_t *label_value;
	json_object_foreach(labels, label, label_value)
	{
		const char *text_value = json_string_value(label_value);
		if (text_value == NULL || strlen(label) >= sizeof(key) ||
		    strlen(text_value) >= sizeof(value) || !kube_label_text_ok(label, true) ||
		    !kube_label_text_ok(text_value, false)) {
			rc = -EINVAL;
			kube_reason(why, why_size,
			            "label %.60s is not a valid key with a text value", label);
			break;
		}
		rc = kube_selector_add(selector, &length, label, text_value);
		if (rc < 0)
			break;
	}
	json_decref(labels);
	if (rc < 0)
		goto error;
done:
	if (*selector == NULL) {
		rc = -ENOENT;
		kube_reason(why, why_size, "it has no matchLabels");
		goto error;
	}
	return 0;
error:
	free(*selector);
	*selector = NULL;
	return rc;
}

/* The deployment's matchLabels as a selector (kube_client.h). */
int kube_resolve_selector(const struct kube_client *client, const char *deployment, char **selector)
{
	const struct ep_host_api *host = client->host;
	char *output = NULL, reason[512], why[256], what[300];
	snprintf(what, sizeof(what), "kubectl get deployment %s -n %s", deployment,
	         client->namespace);
	const char *args[] = { "get", "deployment",          deployment, "-n", client->namespace,
		               "-o",  kube_selector_jsonpath };
	int rc = kube_run(client, what, args, sizeof(args) / sizeof(args[0]),
	                  KUBE_GET_TIMEOUT_SECONDS * 1000L, KUBE_LIST_OUTPUT_MAX, &output, NULL,
	                  reason, sizeof(reason));
	if (rc < 0) {
		host->log(client->instance, EP_LOG_ERROR, "cannot find the pods to profile: %s",
		          reason);
		goto error;
	}
	rc = kube_selector_from_labels(output, selector, why, sizeof(why));
	if (rc == -ENOENT) {
		host->log(client->instance, EP_LOG_ERROR,
		          "deployment %s in namespace %s has no spec.selector.matchLabels (only "
		          "matchExpressions?); set selector in %s (or -l)",
		          deployment, client->namespace, client->section);
		goto error;
	}
	if (rc < 0) {
		host->log(client->instance, EP_LOG_ERROR,
		          "cannot read the selector of deployment %s ('%.100s'): %s; set selector "
		          "in %s (or -l)",
		          deployment, output, why, client->section);
		goto error;
	}
	host->log(client->instance, EP_LOG_DEBUG, "deployment %s selects pods with %s", deployment,
	          *selector);
error:
	free(output);
	return rc;
}

/* ---- pods ------------------------------------------------------------------ */

/* Pod names are DNS-1123 subdomains; anything else in kubectl's output is
 * not a name (and never becomes an argument or a file name). */
static bool kube_pod_name_ok(const char *name, size_t length)
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

static int kube_compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool kube_names_contain(char *const *names, size_t count, const char *name)
{
	return count > 0 &&
	       bsearch(&name, names, count, sizeof(*names), kube_compare_names) != NULL;
}

void kube_free_names(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* Lists the Running pods that match the selector, sorted, without
 * duplicates. *names and its strings are owned by the caller
 * (kube_free_names). Pods in other phases are logged at other_level. */
int kube_list_running(const struct kube_client *client, const char *selector,
                      enum ep_log_level other_level, char ***names, size_t *count, char *reason,
                      size_t reason_size)
{
	char *output = NULL, what[300];
	char **running = NULL;
	size_t running_count = 0;
	snprintf(what, sizeof(what), "kubectl get pods -n %s -l %s", client->namespace, selector);
	const char *args[] = { "get", "pods",   "-n", client->namespace,
		               "-l",  selector, "-o", kube_pods_jsonpath };
	int rc = kube_run(client, what, args, sizeof(args) / sizeof(args[0]),
	                  KUBE_GET_TIMEOUT_SECONDS * 1000L, KUBE_LIST_OUTPUT_MAX, &output, NULL,
	                  reason, reason_size);
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
		if (tab == NULL || !kube_pod_name_ok(line, (size_t)(tab - line))) {
			client->host->log(client->instance, EP_LOG_WARN,
			                  "ignoring a line of kubectl get pods: '%.100s'", line);
			line = next;
			continue;
		}
		*tab = '\0';
		const char *phase = tab + 1;
		if (strcmp(phase, "Running") != 0) {
			client->host->log(client->instance, other_level,
			                  "pod %s is %s: not profiled", line,
			                  phase[0] ? phase : "without a phase");
			line = next;
			continue;
		}
		char **grown = realloc(running, (running_count + 1) * sizeof(*running));
		char *copy = grown != NULL ? strdup(line) : NULL;
		if (grown != NULL)
			running = grown;
		if (copy == NULL) {
			rc = -ENOMEM;
			kube_reason(reason, reason_size, "out of memory");
			goto error;
		}
		running[running_count++] = copy;
		line = next;
	}
	if (running_count > 1)
		qsort(running, running_count, sizeof(*running), kube_compare_names);
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
	kube_free_names(running, running_count);
	free(output);
	return rc;
}

/* ---- configuration ---------------------------------------------------------- */

/* Reads a string key; "" counts as unset. Names that become kubectl
 * arguments must not look like flags. */
int kube_config_string(const struct kube_client *client, const char *key, bool required,
                       const char **value)
{
	const struct ep_host_api *host = client->host;
	int rc = host->config_get_string(client->instance, key, value);
	if (rc < 0) {
		host->log(client->instance, EP_LOG_ERROR, "%s %s: cannot read the setting (%s)",
		          client->section, key, strerror(-rc));
		return rc;
	}
	if (*value != NULL && (*value)[0] == '\0')
		*value = NULL;
	if (*value == NULL && required) {
		host->log(client->instance, EP_LOG_ERROR, "%s %s must be set", client->section,
		          key);
		return -EINVAL;
	}
	if (*value != NULL && (*value)[0] == '-') {
		host->log(client->instance, EP_LOG_ERROR, "%s %s '%s' must not start with '-'",
		          client->section, key, *value);
		return -EINVAL;
	}
	for (const char *c = *value; c != NULL && *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			host->log(client->instance, EP_LOG_ERROR, "%s %s holds a control character",
			          client->section, key);
			return -EINVAL;
		}
	}
	return 0;
}

int kube_config_int(const struct kube_client *client, const char *key, long min, long max,
                    long *value)
{
	int64_t number;
	int rc = client->host->config_get_int(client->instance, key, &number);
	if (rc < 0) {
		client->host->log(client->instance, EP_LOG_ERROR,
		                  "%s %s: cannot read the setting (%s)", client->section, key,
		                  strerror(-rc));
		return rc;
	}
	if (number < min || number > max) {
		client->host->log(client->instance, EP_LOG_ERROR,
		                  "%s %s must be between %ld and %ld, not %" PRId64,
		                  client->section, key, min, max, number);
		return -EINVAL;
	}
	*value = (long)number;
	return 0;
}
int kube_client_load(struct kube_client *client)
{
	int rc = kube_config_string(client, "kubectl", true, &client->kubectl);
	if (rc == 0)
		rc = kube_config_string(client, "context", false, &client->context);
	if (rc == 0)
		rc = kube_config_string(client, "kubeconfig", false, &client->kubeconfig);
	if (rc == 0)
		rc = kube_config_string(client, "namespace", true, &client->namespace);
	return rc;
}

int kube_client_load_pods(const struct kube_client *client, const char **deployment,
                          char **selector, long *port)
{
	const char *selector_setting = NULL;
	*selector = NULL;
	int rc = kube_config_string(client, "deployment", false, deployment);
	if (rc == 0)
		rc = kube_config_string(client, "selector", false, &selector_setting);
	if (rc == 0)
		rc = kube_config_int(client, "port", 1, 65535, port);
	if (rc < 0)
		return rc;
	if (selector_setting == NULL && *deployment == NULL) {
		client->host->log(client->instance, EP_LOG_ERROR,
		                  "%s needs a deployment or a selector", client->section);
		return -EINVAL;
	}
	if (selector_setting != NULL) {
		*selector = strdup(selector_setting);
		if (*selector == NULL)
			return -ENOMEM;
	}
	return 0;
}
