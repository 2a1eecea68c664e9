/* What the collector tests share: the e2e-target service as a child
 * process, its fault switch, temporary directories, and the plugin under
 * test loaded from the build tree with dlopen. Every wait is bounded. */
#ifndef EP_COLLECTOR_TEST_H
#define EP_COLLECTOR_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <e2e-profile/plugin.h>

/* One running e2e-target (tests/target), listening on 127.0.0.1:port. */
struct collector_test_target {
	pid_t pid;
	int port;
	int stdout_fd; /* kept open: a Go program dies of SIGPIPE on fd 1 */
};

/* Starts $EP_TEST_TARGET -listen 127.0.0.1:0 plus extra_args (NULL
 * terminated, may be NULL) and reads its port from the first stdout line.
 * Fails the test when it does not come up within 15 s. */
void collector_test_target_start(struct collector_test_target *target,
                                 const char *const *extra_args);
/* True when $EP_TEST_TARGET names an executable; else says why (no Go)
 * and the test exits 77, which meson reports as a skip. */
bool collector_test_target_available(void);
/* SIGTERMs the target (if still running) and reaps it. */
void collector_test_target_stop(struct collector_test_target *target);
/* POST /admin/fault?mode=MODE; fails the test unless the target agrees. */
void collector_test_target_fault(const struct collector_test_target *target, const char *mode);
/* POST /admin/exit: the target crashes (it is reaped by _stop). */
void collector_test_target_crash(const struct collector_test_target *target);

/* Loads the plugin whose path is in environment variable env_name and
 * returns its descriptor. The module stays loaded (stack traces of
 * sanitizer reports stay readable). */
const struct ep_plugin_descriptor *collector_test_load_plugin(const char *env_name);

/* A new directory under $TMPDIR (or /tmp); owned, free() it after
 * collector_test_remove_tree(). */
char *collector_test_make_temp_dir(void);
/* rm -r path, without a shell. */
void collector_test_remove_tree(const char *path);
/* Writes text to directory/name atomically (temp file + rename). */
void collector_test_write_file(const char *directory, const char *name, const char *text);
/* Reads directory/name into a static buffer; "" when missing. */
const char *collector_test_read_file(const char *directory, const char *name);
/* Number of entries in directory besides . and .. */
size_t collector_test_count_entries(const char *directory);
bool collector_test_file_exists(const char *directory, const char *name);

/* Seconds on the monotonic clock. */
double collector_test_now(void);

/* A TCP port on 127.0.0.1 where a connection is refused: a bound socket
 * that does not listen, kept open (returned in *fd) so no one else takes
 * the port. */
int collector_test_refusing_port(int *fd);

/* True when pid is a child of this process that is gone and reaped (not
 * running, not a zombie): what stop() must leave behind. */
bool collector_test_child_gone(pid_t pid);
/* Waits up to 10 s until child pid has exited (without reaping it). */
bool collector_test_wait_exited(pid_t pid);
/* Counts this process's live children other than the given pids (Linux:
 * reads /proc; returns 0 elsewhere). */
size_t collector_test_other_children(const pid_t *except, size_t except_count);

#endif
