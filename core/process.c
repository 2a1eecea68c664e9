/* Spawning and stopping the test command; see process.h. posix_spawn keeps
 * the parent's memory out of the child and sets the process group in one
 * step, so there is no window where the child is outside its group. */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int ep_child_spawn(struct ep_child *child, char *const argv[], int output_fd)
{
	memset(child, 0, sizeof(*child));
	child->output_pipe = -1;
	int pipe_fds[2] = { -1, -1 };
	int rc;
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attributes;
	if ((rc = posix_spawn_file_actions_init(&actions)) != 0)
		return -rc;
	if ((rc = posix_spawnattr_init(&attributes)) != 0) {
		posix_spawn_file_actions_destroy(&actions);
		return -rc;
	}
	if (output_fd < 0) {
		if (pipe(pipe_fds) < 0) {
			rc = errno;
			goto done;
		}
		fcntl(pipe_fds[0], F_SETFD, FD_CLOEXEC);
		output_fd = pipe_fds[1];
	}
	/* The child's signal mask and handlers start clean, whatever the
	 * parent blocked or caught, so SIGINT and SIGTERM reach it. */
	sigset_t empty, all;
	sigemptyset(&empty);
	sigfillset(&all);
	if ((rc = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY,
	                                           0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&actions, output_fd, STDERR_FILENO)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&attributes, 0)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&attributes, &empty)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(&attributes, &all)) != 0 ||
	    (rc = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP |
	                                                        POSIX_SPAWN_SETSIGMASK |
	                                                        POSIX_SPAWN_SETSIGDEF)) != 0)
		goto done;
	rc = posix_spawnp(&child->pid, argv[0], &actions, &attributes, argv, environ);
	if (rc == 0 && pipe_fds[0] >= 0) {
		child->output_pipe = pipe_fds[0];
		pipe_fds[0] = -1;
	}

done:
	if (pipe_fds[0] >= 0)
		close(pipe_fds[0]);
	if (pipe_fds[1] >= 0)
		close(pipe_fds[1]);
	posix_spawnattr_destroy(&attributes);
	posix_spawn_file_actions_destroy(&actions);
	if (rc != 0)
		child->pid = 0;
	return -rc;
}

bool ep_child_poll(struct ep_child *child)
{
	if (child->pid <= 0 || child->exited)
		return child->exited;
	int status;
	pid_t got = waitpid(child->pid, &status, WNOHANG);
	if (got == child->pid) {
		child->exited = true;
		child->wait_status = status;
	} else if (got < 0 && errno == ECHILD) {
		child->exited = true;
		child->wait_status = 0;
	}
	return child->exited;
}

void ep_child_stop(struct ep_child *child, int grace_ms, const volatile sig_atomic_t *hurry,
                   int hurry_at)
{
	if (child->pid <= 0)
		return;
	/* The group may outlive its leader, so signal it even after the
	 * leader exited: grandchildren started by `make` are stopped too. */
	kill(-child->pid, SIGTERM);
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	for (int waited = 0; waited < grace_ms && !ep_child_poll(child); waited += 20) {
		if (hurry != NULL && *hurry >= hurry_at)
			break;
		nanosleep(&tick, NULL);
	}
	kill(-child->pid, SIGKILL);
	while (!child->exited) {
		int status;
		pid_t got = waitpid(child->pid, &status, 0);
		if (got == child->pid) {
			child->exited = true;
			child->wait_status = status;
		} else if (got < 0 && errno != EINTR) {
			child->exited = true;
		}
	}
}

int ep_child_exit_code(const struct ep_child *child)
{
	if (WIFEXITED(child->wait_status))
		return WEXITSTATUS(child->wait_status);
	if (WIFSIGNALED(child->wait_status))
		return 128 + WTERMSIG(child->wait_status);
	return 1;
}
