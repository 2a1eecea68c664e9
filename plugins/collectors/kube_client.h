/* kube_client: what the kubectl and apiserver collectors share about talking
 * to a cluster through the kubectl program: running it as a child without a
 * shell (with a timeout, its output captured, always reaped), quoting what it
 * said when it fails, finding a deployment's pods, and reading the settings
 * both collectors have. Built once as a static library (kube_client_lib) and
 * linked into both plugins; nothing here is exported (hidden visibility). */
#ifndef EP_COLLECTORS_KUBE_CLIENT_H
#define EP_COLLECTORS_KUBE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <e2e-profile/plugin.h>

/* `kubectl get` answers in a second or two; a hung API server must not
 * hang the run. */
#define KUBE_GET_TIMEOUT_SECONDS 30
/* The most `kubectl get` output read when listing: thousands of pods fit. */
#define KUBE_LIST_OUTPUT_MAX (16 * 1024 * 1024)
/* The most of kubectl's own words quoted in a reason. */
#define KUBE_QUOTE_MAX 200
/* How often long waits look at the stop flag. */
#define KUBE_POLL_MS 100
/* A marker for a child that someone else reaped, so its status is
 * unknown (waitpid never reports this value). */
#define KUBE_STATUS_UNKNOWN (-1)

/* The configuration keys both collectors share, with their help text, for a
 * plugin's ep_config_key array; kube_client_load() reads the first four and
 * kube_client_load_pods() the next three. */
#define KUBE_CLIENT_CONFIG_KEYS                                                                    \
	{ "kubectl", EP_CONFIG_STRING, "kubectl",                                                  \
	  "the kubectl program: a path, or a name looked up on PATH" },                            \
	        { "context", EP_CONFIG_STRING, NULL,                                               \
		  "kubeconfig context (kubectl --context); default: the current context" },        \
	        { "kubeconfig", EP_CONFIG_STRING, NULL,                                            \
		  "kubeconfig file (kubectl --kubeconfig); default: $KUBECONFIG or "               \
		  "~/.kube/config" },                                                              \
	        { "namespace", EP_CONFIG_STRING, "olmv1-system",                                   \
		  "namespace of the deployment and its pods" },                                    \
	        { "deployment", EP_CONFIG_STRING, "operator-controller-controller-manager",        \
		  "deployment whose Running pods are profiled, found by its "                      \
		  "spec.selector.matchLabels" },                                                   \
	        { "selector", EP_CONFIG_STRING, NULL,                                              \
		  "label selector of the pods (e.g. app=web,tier=api); when set, used instead of " \
		  "the deployment's" },                                                            \
	{                                                                                          \
		"port", EP_CONFIG_INT, "6060", "pprof port inside the pods"                        \
	}

/* How to run kubectl, and where the pods are. The strings are borrowed from
 * the host's configuration (valid until fini); section names the plugin's
 * section in messages ("[collector.kubectl]"). */
struct kube_client {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	const char *section;
	const char *kubectl;    /* a path, or a name looked up on PATH */
	const char *context;    /* NULL: kubectl's current context */
	const char *kubeconfig; /* NULL: kubectl's default */
	const char *namespace;
};

/* What a child process wrote to stderr, its end kept to quote it. */
struct kube_tail {
	char text[1024];
	size_t length;
};

/* Writes a printf-style reason into reason (may be NULL or of size 0). */
void kube_reason(char *reason, size_t reason_size, const char *format, ...) EP_PRINTF(3, 4);

int64_t kube_now_ms(void);
void kube_sleep_ms(long milliseconds);

/* Appends data to tail, dropping its oldest bytes when full. */
void kube_tail_append(struct kube_tail *tail, const char *data, size_t size);
/* ": LINE" with the line of tail that explains a failure (the last one
 * starting with "error", as kubectl's "error: ..." and "Error from server
 * (NotFound): ..." do, else the last non-blank one), or " (it printed
 * nothing)". */
void kube_tail_suffix(const struct kube_tail *tail, char *out, size_t out_size);
/* Just that line, "" when there is none. */
void kube_tail_pick(const struct kube_tail *tail, char *out, size_t out_size);
/* "exited with status 1", "was killed by signal 9 (Killed)", "ended". */
void kube_describe_status(int status, char *out, size_t out_size);

/* Waits up to timeout_ms for pid to exit and reaps it. True when it is
 * gone, with its status in *status (KUBE_STATUS_UNKNOWN when someone else
 * reaped it). */
bool kube_wait(pid_t pid, long timeout_ms, int *status);
/* SIGKILLs pid and reaps it; for children that no longer matter. */
void kube_kill_and_reap(pid_t pid);

/* Starts kubectl with the client's global flags (--context, --kubeconfig)
 * and args, without a shell: argv goes to posix_spawnp as it is. Its stdin
 * is /dev/null, its stdout and stderr come back as non-blocking,
 * close-on-exec pipes owned by the caller. Returns 0, or a negative errno
 * with the reason (a missing kubectl names the section's key). */
int kube_spawn(const struct kube_client *client, const char *const *args, size_t arg_count,
               pid_t *pid, int *out_fd, int *err_fd, char *reason, size_t reason_size);
/* Reads what is available from *fd without blocking; closes *fd (and sets
 * it to -1) at end of file. Returns the bytes read, 0 when none are now. */
size_t kube_read_some(int *fd, char *data, size_t size);
/* Waits until out_fd or err_fd (either may be -1) is readable, at most
 * timeout_ms. */
void kube_poll(int out_fd, int err_fd, long timeout_ms);

/* Runs one kubectl command to completion within timeout_ms, reading at most
 * max_output bytes of stdout. what names the command in reasons. On 0,
 * *output (owned, free(); NUL-terminated after *size bytes, which may hold
 * NULs) is what it printed. Returns a negative errno with the reason:
 *   -EIO        kubectl failed; the reason quotes its stderr, e.g.
 *               "... exited with status 1: Error from server (NotFound): ..."
 *   -ETIMEDOUT  it did not finish within timeout_ms (it is killed)
 *   -EFBIG      it printed more than max_output
 *   -ECANCELED  host->stop_requested() became true (it is killed)
 *   other       it could not be started, or out of memory */
int kube_run(const struct kube_client *client, const char *what, const char *const *args,
             size_t arg_count, long timeout_ms, size_t max_output, char **output, size_t *size,
             char *reason, size_t reason_size);

/* Reads the kubectl, context, kubeconfig and namespace keys into client,
 * whose host, instance and section are set. Returns 0, or a negative errno
 * after logging which key is wrong. */
int kube_client_load(struct kube_client *client);
/* Reads a string key of the client's section; "" counts as unset. Values
 * that become kubectl arguments must not look like flags or hold control
 * characters. Returns 0 or a negative errno after logging. */
int kube_config_string(const struct kube_client *client, const char *key, bool required,
                       const char **value);
/* Reads an integer key that must lie in [min, max]. */
int kube_config_int(const struct kube_client *client, const char *key, long min, long max,
                    long *value);

/* Reads deployment, selector and port: *selector is owned (free()) when the
 * selector key is set, NULL when the deployment's is to be resolved. Logs
 * and fails when neither is set. */
int kube_client_load_pods(const struct kube_client *client, const char **deployment,
                          char **selector, long *port);
/* Sets *selector (owned) from the deployment's spec.selector.matchLabels.
 * Returns 0, or a negative errno after logging why (quoting kubectl). */
int kube_resolve_selector(const struct kube_client *client, const char *deployment,
                          char **selector);
/* Lists the Running pods that match selector, sorted by name, without
 * duplicates; *names and its strings are owned by the caller
 * (kube_free_names). Pods in other phases are logged at other_level.
 * Returns 0 or a negative errno with the reason (see kube_run). */
int kube_list_running(const struct kube_client *client, const char *selector,
                      enum ep_log_level other_level, char ***names, size_t *count, char *reason,
                      size_t reason_size);
/* True when name is among the count sorted names. */
bool kube_names_contain(char *const *names, size_t count, const char *name);
void kube_free_names(char **names, size_t count);

#endif
