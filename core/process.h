/* The test command as a child process: spawned in its own process group so
 * that stopping it stops everything it started, with its output captured. */
#ifndef EP_PROCESS_H
#define EP_PROCESS_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct ep_child {
	pid_t pid;       /* also the process group id; 0 when none */
	int output_pipe; /* read end when the output is teed, else -1 */
	bool exited;     /* reaped */
	int wait_status; /* from waitpid, valid once exited */
};

/* Starts argv[0] (searched on PATH) with stdin from /dev/null and stdout and
 * stderr to output_fd, or to a pipe whose read end is child->output_pipe
 * when output_fd is -1. Returns 0 or a negative errno (-ENOENT when the
 * program cannot be found). */
int ep_child_spawn(struct ep_child *child, char *const argv[], int output_fd);

/* Reaps the child if it has exited; true once it has. Never blocks. */
bool ep_child_poll(struct ep_child *child);

/* Stops the child's whole process group: SIGTERM, then SIGKILL after
 * grace_ms (or as soon as *hurry reaches hurry_at; hurry may be NULL), and
 * reaps the child. */
void ep_child_stop(struct ep_child *child, int grace_ms, const volatile sig_atomic_t *hurry,
                   int hurry_at);

/* The exit status a shell would report: the code, or 128 + signal. */
int ep_child_exit_code(const struct ep_child *child);

#endif
