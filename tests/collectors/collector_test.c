/* Helpers of the collector tests; see collector_test.h. */
#include "collector_test.h"

#include <e2e-profile/mock-host.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

double collector_test_now(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void collector_test_target_start(struct collector_test_target *target,
                                 const char *const *extra_args)
{
	const char *binary = getenv("EP_TEST_TARGET");
	if (binary == NULL)
		fail_msg("EP_TEST_TARGET is not set (run through meson test)");
	const char *argv[32] = { binary, "-listen", "127.0.0.1:0",
		                 /* a crashed test leaves nothing running for long */
		                 "-exit-after", "120s" };
	size_t argc = 5;
	for (size_t i = 0; extra_args != NULL && extra_args[i] != NULL && argc < 31; i++)
		argv[argc++] = extra_args[i];
	argv[argc] = NULL;

	int out[2];
	assert_int_equal(pipe(out), 0);
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, out[1], 1);
	posix_spawn_file_actions_addclose(&actions, out[1]);
	int error = posix_spawn(&target->pid, binary, &actions, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(out[1]);
	if (error != 0)
		fail_msg("cannot start %s: %s", binary, strerror(error));
	target->stdout_fd = out[0];

	/* "listening on 127.0.0.1:PORT\n" comes first, before serving. */
	char line[256];
	size_t length = 0;
	double deadline = collector_test_now() + 15;
	while (length < sizeof(line) - 1 && memchr(line, '\n', length) == NULL) {
		struct pollfd poll_fd = { .fd = target->stdout_fd, .events = POLLIN };
		if (collector_test_now() > deadline)
			fail_msg("e2e-target printed no 'listening on' line within 15 s");
		if (poll(&poll_fd, 1, 100) <= 0)
			continue;
		ssize_t n = read(target->stdout_fd, line + length, sizeof(line) - 1 - length);
		if (n <= 0)
			fail_msg("e2e-target exited before it listened");
		length += (size_t)n;
	}
	line[length] = '\0';
	const char *colon = strrchr(line, ':');
	if (strncmp(line, "listening on ", 13) != 0 || colon == NULL)
		fail_msg("unexpected first line of e2e-target: %s", line);
	target->port = atoi(colon + 1);
	assert_true(target->port > 0);
}

void collector_test_target_stop(struct collector_test_target *target)
{
	if (target->pid <= 0)
		return;
	int status;
	kill(target->pid, SIGTERM);
	double deadline = collector_test_now() + 5;
	while (waitpid(target->pid, &status, WNOHANG) == 0) {
		if (collector_test_now() > deadline) {
			kill(target->pid, SIGKILL);
			waitpid(target->pid, &status, 0);
			break;
		}
		struct timespec pause = { 0, 10 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
	close(target->stdout_fd);
	target->pid = 0;
}

static size_t collector_test_discard(char *data, size_t size, size_t count, void *user)
{
	(void)data;
	(void)user;
	return size * count;
}

static void collector_test_post(const struct collector_test_target *target, const char *path,
                                bool want_200)
{
	char url[256];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", target->port, path);
	CURL *curl = curl_easy_init();
	assert_non_null(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collector_test_discard);
	CURLcode code = curl_easy_perform(curl);
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (want_200 && (code != CURLE_OK || status != 200))
		fail_msg("POST %s: %s, HTTP %ld", url, curl_easy_strerror(code), status);
}

void collector_test_target_fault(const struct collector_test_target *target, const char *mode)
{
	char path[128];
	snprintf(path, sizeof(path), "/admin/fault?mode=%s", mode);
	collector_test_post(target, path, true);
}

void collector_test_target_crash(const struct collector_test_target *target)
{
	collector_test_post(target, "/admin/exit", false);
	assert_true(collector_test_wait_exited(target->pid));
}

const struct ep_plugin_descriptor *collector_test_load_plugin(const char *env_name)
{
	const struct ep_plugin_descriptor *descriptor =
	        ep_mock_host_load_plugin(env_name, EP_PLUGIN_KIND_COLLECTOR);
	assert_non_null(descriptor);
	return descriptor;
}

char *collector_test_make_temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char template[4096];
	snprintf(template, sizeof(template), "%s/ep-collector-test.XXXXXX",
	         base != NULL && base[0] != '\0' ? base : "/tmp");
	char *made = mkdtemp(template);
	if (made == NULL)
		fail_msg("mkdtemp %s: %s", template, strerror(errno));
	char *copy = strdup(made);
	assert_non_null(copy);
	return copy;
}

void collector_test_remove_tree(const char *path)
{
	ep_mock_host_remove_tree(path);
}

void collector_test_write_file(const char *directory, const char *name, const char *text)
{
	char path[4096], temp[4096];
	snprintf(path, sizeof(path), "%s/%s", directory, name);
	snprintf(temp, sizeof(temp), "%s/.%s.new", directory, name);
	FILE *file = fopen(temp, "w");
	assert_non_null(file);
	assert_int_equal(fputs(text, file) >= 0, 1);
	assert_int_equal(fclose(file), 0);
	assert_int_equal(rename(temp, path), 0);
}

const char *collector_test_read_file(const char *directory, const char *name)
{
	static char content[256 * 1024];
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", directory, name);
	content[0] = '\0';
	FILE *file = fopen(path, "r");
	if (file == NULL)
		return content;
	size_t n = fread(content, 1, sizeof(content) - 1, file);
	content[n] = '\0';
	fclose(file);
	return content;
}

size_t collector_test_count_entries(const char *directory)
{
	size_t count = 0;
	DIR *opened = opendir(directory);
	assert_non_null(opened);
	struct dirent *entry;
	while ((entry = readdir(opened)) != NULL)
		if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
			count++;
	closedir(opened);
	return count;
}

bool collector_test_file_exists(const char *directory, const char *name)
{
	char path[4096];
	struct stat info;
	snprintf(path, sizeof(path), "%s/%s", directory, name);
	return stat(path, &info) == 0;
}

int collector_test_refusing_port(int *fd)
{
	struct sockaddr_in address = { .sin_family = AF_INET };
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t length = sizeof(address);
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&address, sizeof(address)), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&address, &length), 0);
	return ntohs(address.sin_port);
}

bool collector_test_child_gone(pid_t pid)
{
	int status;
	errno = 0;
	/* ECHILD: already reaped; ESRCH: no such process, zombie or not. */
	return waitpid(pid, &status, WNOHANG) < 0 && errno == ECHILD && kill(pid, 0) < 0 &&
	       errno == ESRCH;
}

bool collector_test_wait_exited(pid_t pid)
{
	double deadline = collector_test_now() + 10;
	while (collector_test_now() < deadline) {
		siginfo_t info;
		memset(&info, 0, sizeof(info));
		/* WNOWAIT: leave the zombie for the code under test to reap. */
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0)
			return errno == ECHILD;
		if (info.si_pid == pid)
			return true;
		struct timespec pause = { 0, 10 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
	return false;
}

size_t collector_test_other_children(const pid_t *except, size_t except_count)
{
	size_t count = 0;
	DIR *proc = opendir("/proc");
	if (proc == NULL)
		return 0;
	struct dirent *entry;
	while ((entry = readdir(proc)) != NULL) {
		char path[300], stat_line[1024];
		if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", entry->d_name);
		FILE *file = fopen(path, "r");
		if (file == NULL)
			continue;
		size_t n = fread(stat_line, 1, sizeof(stat_line) - 1, file);
		fclose(file);
		stat_line[n] = '\0';
		/* "PID (COMM) STATE PPID ...": COMM may hold spaces. */
		const char *after = strrchr(stat_line, ')');
		char state;
		long parent;
		if (after == NULL || sscanf(after + 1, " %c %ld", &state, &parent) != 2)
			continue;
		if (parent != (long)getpid())
			continue;
		pid_t pid = (pid_t)atol(entry->d_name);
		bool excepted = false;
		for (size_t i = 0; i < except_count; i++)
			excepted = excepted || except[i] == pid;
		if (!excepted) {
			print_message("stray child %ld: %s\n", (long)pid, stat_line);
			count++;
		}
	}
	closedir(proc);
	return count;
}

bool collector_test_target_available(void)
{
	const char *binary = getenv("EP_TEST_TARGET");
	if (binary != NULL && binary[0] != '\0' && access(binary, X_OK) == 0)
		return true;
	printf("skip: needs tests/target built, which needs Go (golang-go; "
	       "scripts/install-deps.sh)\n");
	return false;
}
