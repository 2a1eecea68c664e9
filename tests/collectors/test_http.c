/* The http collector against a real e2e-target: every profile kind lands as
 * a decodable file; every fault of the server fails the snapshot with a
 * reason that quotes it and leaves no file behind.
 * usage: test_http [TEST_NAME]   (meson runs one test per process) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../cmocka_filter.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector_test.h"
#include <e2e-profile/mock-host.h>

#define TOKEN "s3cr3t-Token-4711"

struct http_test {
	struct collector_test_target target;
	char *directory; /* snapshots go here */
	char url[64];
	struct ep_mock_host mock;
	const struct ep_collector_ops *ops;
	bool started;
};

static int http_test_setup(void **state)
{
	struct http_test *test = calloc(1, sizeof(*test));
	assert_non_null(test);
	collector_test_target_start(&test->target, NULL);
	test->directory = collector_test_make_temp_dir();
	snprintf(test->url, sizeof(test->url), "http://127.0.0.1:%d", test->target.port);
	const struct ep_plugin_descriptor *descriptor =
	        collector_test_load_plugin("EP_TEST_HTTP_PLUGIN");
	ep_mock_host_init(&test->mock, descriptor);
	assert_int_equal(ep_mock_host_start(&test->mock), 0);
	test->ops = descriptor->collector;
	ep_mock_host_set(&test->mock, "url", test->url);
	*state = test;
	return 0;
}

static int http_test_teardown(void **state)
{
	struct http_test *test = *state;
	if (test->started)
		test->ops->stop(test->mock.state);
	ep_mock_host_stop(&test->mock);
	collector_test_target_stop(&test->target);
	collector_test_remove_tree(test->directory);
	free(test->directory);
	/* Every decoded profile went back to the host. */
	int leaked = (int)test->mock.live_profiles;
	free(test);
	return leaked == 0 ? 0 : -1;
}

static int http_test_start(struct http_test *test)
{
	int rc = test->ops->start(test->mock.state);
	test->started = rc == 0;
	return rc;
}

/* Takes one snapshot of kind into directory/file; returns the result. */
static int http_test_snapshot(struct http_test *test, const char *kind, const char *file,
                              char *reason, size_t reason_size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", test->directory, file);
	const char *const *names = NULL;
	size_t count = 0;
	assert_int_equal(test->ops->sources(test->mock.state, &names, &count, reason, reason_size),
	                 0);
	assert_int_equal(count, 1);
	struct ep_snapshot_request request = {
		.struct_size = sizeof(request),
		.source = names[0],
		.kind = kind,
		.path = path,
		.gc = strcmp(kind, "heap") == 0,
		.cpu_seconds = 1,
	};
	reason[0] = '\0';
	return test->ops->snapshot(test->mock.state, &request, reason, reason_size);
}

/* Loads directory/file through the host and checks its last sample type. */
static void http_test_assert_profile(struct http_test *test, const char *file,
                                     const char *first_type, const char *last_type)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", test->directory, file);
	const struct ep_profile *profile = NULL;
	assert_int_equal(test->mock.api.profile_load(&test->mock.instance, path, &profile), 0);
	assert_true(profile->sample_type_count >= 1);
	assert_string_equal(profile->sample_types[0].type, first_type);
	assert_string_equal(profile->sample_types[profile->sample_type_count - 1].type, last_type);
	test->mock.api.profile_release(&test->mock.instance, profile);
}

static void http_test_assert_no_token_anywhere(const struct http_test *test)
{
	assert_false(ep_mock_host_logged(&test->mock, TOKEN));
	assert_false(ep_mock_host_event(&test->mock, TOKEN));
}

/* ---- snapshots that work ---------------------------------------------------- */

static void test_sources_names_host_and_port(void **state)
{
	struct http_test *test = *state;
	const char *const *names = NULL;
	size_t count = 0;
	char reason[256] = "", expected[64];
	assert_int_equal(http_test_start(test), 0);
	assert_int_equal(
	        test->ops->sources(test->mock.state, &names, &count, reason, sizeof(reason)), 0);
	assert_int_equal(count, 1);
	snprintf(expected, sizeof(expected), "127.0.0.1:%d", test->target.port);
	assert_string_equal(names[0], expected);
}

static void test_heap_snapshot_decodes(void **state)
{
	struct http_test *test = *state;
	char reason[512];
	assert_int_equal(http_test_start(test), 0);
	assert_int_equal(http_test_snapshot(test, "heap", "heap0.pprof", reason, sizeof(reason)),
	                 0);
	http_test_assert_profile(test, "heap0.pprof", "alloc_objects", "inuse_space");
	/* Only the profile: no temporary file is left beside it. */
	assert_int_equal(collector_test_count_entries(test->directory), 1);
}

static void test_goroutine_and_allocs_snapshots_decode(void **state)
{
	struct http_test *test = *state;
	char reason[512];
	assert_int_equal(http_test_start(test), 0);
	assert_int_equal(
	        http_test_snapshot(test, "goroutine", "goroutine0.pprof", reason, sizeof(reason)),
	        0);
	http_test_assert_profile(test, "goroutine0.pprof", "goroutine", "goroutine");
	assert_int_equal(
	        http_test_snapshot(test, "allocs", "allocs0.pprof", reason, sizeof(reason)), 0);
	http_test_assert_profile(test, "allocs0.pprof", "alloc_objects", "inuse_space");
}

static void test_cpu_snapshot_decodes(void **state)
{
	struct http_test *test = *state;
	char reason[512];
	assert_int_equal(http_test_start(test), 0);
	double started = collector_test_now();
	assert_int_equal(http_test_snapshot(test, "cpu", "cpu0.pprof", reason, sizeof(reason)), 0);
	/* cpu_seconds = 1 reached the server as ?seconds=1. */
	assert_true(collector_test_now() - started < 10);
	http_test_assert_profile(test, "cpu0.pprof", "samples", "cpu");
}

static void test_url_may_name_the_pprof_index(void **state)
{
	struct http_test *test = *state;
	char reason[512], url[96];
	snprintf(url, sizeof(url), "%s/debug/pprof/", test->url);
	ep_mock_host_set(&test->mock, "url", url);
	assert_int_equal(http_test_start(test), 0);
	assert_int_equal(http_test_snapshot(test, "heap", "heap0.pprof", reason, sizeof(reason)),
	                 0);
}

/* ---- server faults ---------------------------------------------------------- */

/* Switches the target to fault mode and expects a heap snapshot to fail
 * with expected_rc and exactly expected_reason, leaving no file. */
static void http_test_fault(struct http_test *test, const char *mode, int expected_rc,
                            const char *expected_reason)
{
	char reason[512];
	assert_int_equal(http_test_start(test), 0);
	collector_test_target_fault(&test->target, mode);
	int rc = http_test_snapshot(test, "heap", "heap0.pprof", reason, sizeof(reason));
	assert_int_equal(rc, expected_rc);
	assert_string_equal(reason, expected_reason);
	assert_int_equal(collector_test_count_entries(test->directory), 0);
}

static void test_fault_404(void **state)
{
	http_test_fault(*state, "404", -EPROTO, "HTTP 404: 404 page not found");
}

static void test_fault_500(void **state)
{
	http_test_fault(*state, "500", -EPROTO,
	                "HTTP 500: 500 internal server error (injected by e2e-target fault mode "
	                "500)");
}

static void test_fault_html(void **state)
{
	http_test_fault(*state, "html", -EBADMSG, "not a profile: looks like an HTML page");
}

static void test_fault_truncated(void **state)
{
	http_test_fault(*state, "truncated", -EBADMSG, "not a profile: truncated gzip stream");
}

static void test_fault_slow_times_out(void **state)
{
	struct http_test *test = *state;
	ep_mock_host_set(&test->mock, "timeout", "1");
	double started = collector_test_now();
	http_test_fault(test, "slow", -ETIMEDOUT, "timed out after 1 s");
	assert_true(collector_test_now() - started < 5);
}

static void test_stop_request_ends_a_slow_snapshot(void **state)
{
	struct http_test *test = *state;
	char reason[512];
	assert_int_equal(http_test_start(test), 0);
	collector_test_target_fault(&test->target, "slow");
	test->mock.stop = true;
	double started = collector_test_now();
	assert_int_equal(http_test_snapshot(test, "heap", "heap0.pprof", reason, sizeof(reason)),
	                 -ECANCELED);
	assert_true(collector_test_now() - started < 5);
	assert_string_equal(reason, "stopped: the run is ending");
	assert_int_equal(collector_test_count_entries(test->directory), 0);
}

static void test_connection_refused(void **state)
{
	struct http_test *test = *state;
	char reason[512], url[64], expected[128];
	int fd;
	int port = collector_test_refusing_port(&fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	ep_mock_host_set(&test->mock, "url", url);
	assert_int_equal(http_test_start(test), 0);
	double started = collector_test_now();
	assert_int_equal(http_test_snapshot(test, "heap", "heap0.pprof", reason, sizeof(reason)),
	                 -ECONNREFUSED);
	assert_true(collector_test_now() - started < 5);
	snprintf(expected, sizeof(expected), "connection refused (%s)", url);
	assert_string_equal(reason, expected);
	assert_int_equal(collector_test_count_entries(test->directory), 0);
	close(fd);
}

static void test_https_to_a_plain_http_port_fails_clearly(void **state)
{
	struct http_test *test = *state;
	char reason[512], url[64];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", test->target.port);
	ep_mock_host_set(&test->mock, "url", url);
	assert_int_equal(http_test_start(test), 0);
	assert_true(http_test_snapshot(test, "heap", "heap0.pprof", reason, sizeof(reason)) < 0);
	assert_true(strncmp(reason, "TLS", 3) == 0);
	assert_int_equal(collector_test_count_entries(test->directory), 0);
}

static void test_unknown_kind_fails(void **state)
{
	struct http_test *test = *state;
	char reason[512];
	assert_int_equal(http_test_start(test), 0);
	assert_int_equal(
	        http_test_snapshot(test, "threadcreate", "x.pprof", reason, sizeof(reason)),
	        -EINVAL);
	assert_non_null(strstr(reason, "unknown profile kind 'threadcreate'"));
}

/* ---- configuration ---------------------------------------------------------- */

static void test_bad_urls_fail_start(void **state)
{
	struct http_test *test = *state;
	const char *bad[] = { NULL,
		              "",
		              "ftp://127.0.0.1:21",
		              "127.0.0.1:6060",
		              "http://",
		              "http://127.0.0.1:6060/?debug=1",
		              "http://user:hunter2@127.0.0.1:1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ep_mock_host_stop(&test->mock);
		ep_mock_host_init(&test->mock, test->mock.descriptor);
		assert_int_equal(ep_mock_host_start(&test->mock), 0);
		if (bad[i] != NULL)
			ep_mock_host_set(&test->mock, "url", bad[i]);
		assert_int_equal(test->ops->start(test->mock.state), -EINVAL);
		assert_true(ep_mock_host_logged(&test->mock, "[collector.http] url"));
		assert_false(ep_mock_host_logged(&test->mock, "hunter2"));
		test->ops->stop(test->mock.state);
	}
}

static void test_bad_timeouts_and_files_fail_start(void **state)
{
	struct http_test *test = *state;
	ep_mock_host_set(&test->mock, "timeout", "0");
	assert_int_equal(http_test_start(test), -EINVAL);
	assert_true(ep_mock_host_logged(&test->mock, "[collector.http] timeout"));

	ep_mock_host_stop(&test->mock);
	ep_mock_host_init(&test->mock, test->mock.descriptor);
	assert_int_equal(ep_mock_host_start(&test->mock), 0);
	ep_mock_host_set(&test->mock, "url", test->url);
	ep_mock_host_set(&test->mock, "ca_file", "/nonexistent/ca.pem");
	assert_int_equal(http_test_start(test), -ENOENT);
	assert_true(ep_mock_host_logged(&test->mock, "ca_file: cannot read '/nonexistent/ca.pem'"));
}

/* A one-shot HTTP server in a child process: answers 200 "token-ok" when
 * the request carries the expected Authorization header, else 401. */
static pid_t http_test_token_server(int *port)
{
	struct sockaddr_in address = { .sin_family = AF_INET };
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t length = sizeof(address);
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(listener >= 0);
	assert_int_equal(bind(listener, (struct sockaddr *)&address, sizeof(address)), 0);
	assert_int_equal(listen(listener, 1), 0);
	assert_int_equal(getsockname(listener, (struct sockaddr *)&address, &length), 0);
	*port = ntohs(address.sin_port);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0) {
		close(listener);
		return pid;
	}
	alarm(20); /* never outlive a broken test */
	int connection = accept(listener, NULL, NULL);
	char request[8192];
	size_t size = 0;
	while (connection >= 0 && size < sizeof(request) - 1) {
		ssize_t n = read(connection, request + size, sizeof(request) - 1 - size);
		if (n <= 0)
			break;
		size += (size_t)n;
		request[size] = '\0';
		if (strstr(request, "\r\n\r\n") != NULL)
			break;
	}
	request[size] = '\0';
	const char *answer =
	        strstr(request, "\r\nAuthorization: Bearer " TOKEN "\r\n") != NULL
	                ? "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\n"
	                  "token-ok"
	                : "HTTP/1.1 401 Unauthorized\r\nContent-Length: 13\r\nConnection: "
	                  "close\r\n\r\ntoken-missing";
	if (connection >= 0 && write(connection, answer, strlen(answer)) < 0)
		_exit(1);
	_exit(0);
}

static void test_bearer_token_is_sent_and_never_logged(void **state)
{
	struct http_test *test = *state;
	char reason[512], url[64];
	int port, status;
	collector_test_write_file(test->directory, "token", "\n" TOKEN "\n");
	char token_path[4096];
	snprintf(token_path, sizeof(token_path), "%s/token", test->directory);
	pid_t server = http_test_token_server(&port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	ep_mock_host_set(&test->mock, "url", url);
	ep_mock_host_set(&test->mock, "bearer_token_file", token_path);
	assert_int_equal(http_test_start(test), 0);
	/* The fake server's "token-ok" is no profile, which proves the header
	 * arrived; the reason quotes the server, not the token. */
	assert_int_equal(http_test_snapshot(test, "heap", "heap0.pprof", reason, sizeof(reason)),
	                 -EBADMSG);
	assert_string_equal(reason, "not a profile: looks like text: 'token-ok'");
	assert_int_equal(waitpid(server, &status, 0), server);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_null(strstr(reason, TOKEN));
	http_test_assert_no_token_anywhere(test);
	/* It warns that the token travels in clear text to a plain URL. */
	assert_true(ep_mock_host_logged(&test->mock, "unencrypted"));
}

static void test_bad_token_files_fail_start_without_showing_the_token(void **state)
{
	struct http_test *test = *state;
	char token_path[4096];
	snprintf(token_path, sizeof(token_path), "%s/token", test->directory);
	collector_test_write_file(test->directory, "token", TOKEN "\n" TOKEN "\n");
	ep_mock_host_set(&test->mock, "bearer_token_file", token_path);
	assert_int_equal(http_test_start(test), -EINVAL);
	assert_true(ep_mock_host_logged(&test->mock, "more than one line"));
	http_test_assert_no_token_anywhere(test);

	ep_mock_host_stop(&test->mock);
	ep_mock_host_init(&test->mock, test->mock.descriptor);
	assert_int_equal(ep_mock_host_start(&test->mock), 0);
	ep_mock_host_set(&test->mock, "url", test->url);
	ep_mock_host_set(&test->mock, "bearer_token_file", "/nonexistent/token");
	assert_int_equal(http_test_start(test), -ENOENT);
	assert_true(ep_mock_host_logged(&test->mock, "bearer_token_file"));
}

#define HTTP_TEST(name) cmocka_unit_test_setup_teardown(name, http_test_setup, http_test_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		HTTP_TEST(test_sources_names_host_and_port),
		HTTP_TEST(test_heap_snapshot_decodes),
		HTTP_TEST(test_goroutine_and_allocs_snapshots_decode),
		HTTP_TEST(test_cpu_snapshot_decodes),
		HTTP_TEST(test_url_may_name_the_pprof_index),
		HTTP_TEST(test_fault_404),
		HTTP_TEST(test_fault_500),
		HTTP_TEST(test_fault_html),
		HTTP_TEST(test_fault_truncated),
		HTTP_TEST(test_fault_slow_times_out),
		HTTP_TEST(test_stop_request_ends_a_slow_snapshot),
		HTTP_TEST(test_connection_refused),
		HTTP_TEST(test_https_to_a_plain_http_port_fails_clearly),
		HTTP_TEST(test_unknown_kind_fails),
		HTTP_TEST(test_bad_urls_fail_start),
		HTTP_TEST(test_bad_timeouts_and_files_fail_start),
		HTTP_TEST(test_bearer_token_is_sent_and_never_logged),
		HTTP_TEST(test_bad_token_files_fail_start_without_showing_the_token),
	};
	if (!collector_test_target_available())
		return 77;
	return EP_TEST_RUN_FILTERED(tests, argc, argv);
}
