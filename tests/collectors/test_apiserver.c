/* The apiserver collector against the fake kubectl (tests/fake-kubectl, first
 * on PATH) and real e2e-targets playing the pods: discovery from the
 * deployment's selector, snapshots through `kubectl get --raw` on the pod
 * proxy with no port-forward, the server's refusals in its own words,
 * replaced pods, replicas, and no child process left behind.
 * usage: test_apiserver [TEST_NAME]   (meson runs one test per process) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector_test.h"
#include <e2e-profile/mock-host.h>

#define APISERVER_TEST_SELECTOR \
	"{\"app\":\"operator-controller\",\"control-plane\":\"controller-manager\"}"
#define APISERVER_TEST_LABELS     "app=operator-controller,control-plane=controller-manager"
#define APISERVER_TEST_NAMESPACE  "olmv1-system"
#define APISERVER_TEST_DEPLOYMENT "operator-controller-controller-manager"
#define APISERVER_TEST_PROXY      "get --raw /api/v1/namespaces/" APISERVER_TEST_NAMESPACE "/pods/"

struct apiserver_test {
	char *root;
	char state_dir[2048];  /* FAKE_KUBECTL_STATE */
	char output_dir[2048]; /* snapshots */
	struct collector_test_target targets[2];
	size_t target_count;
	struct ep_mock_host mock;
	const struct ep_collector_ops *ops;
	bool started;
};

/* Rewrites the fake's pods file; lines are "NAME PHASE TARGET_INDEX". */
static void apiserver_test_pods(struct apiserver_test *test, const char *const *lines, size_t count)
{
	char text[4096] = "# written by test_apiserver\n";
	for (size_t i = 0; i < count; i++) {
		char name[128], phase[32];
		int target;
		assert_int_equal(sscanf(lines[i], "%127s %31s %d", name, phase, &target), 3);
		size_t length = strlen(text);
		snprintf(text + length, sizeof(text) - length, "%s %s %d %s\n", name, phase,
		         test->targets[target].port, APISERVER_TEST_LABELS);
	}
	collector_test_write_file(test->state_dir, "pods", text);
}

static int apiserver_test_setup(void **state)
{
	struct apiserver_test *test = calloc(1, sizeof(*test));
	assert_non_null(test);
	test->root = collector_test_make_temp_dir();
	snprintf(test->state_dir, sizeof(test->state_dir), "%s/state", test->root);
	snprintf(test->output_dir, sizeof(test->output_dir), "%s/out", test->root);
	assert_int_equal(mkdir(test->state_dir, 0700), 0);
	assert_int_equal(mkdir(test->output_dir, 0700), 0);

	const char *fake = getenv("EP_TEST_FAKE_KUBECTL_DIR");
	if (fake == NULL)
		fail_msg("EP_TEST_FAKE_KUBECTL_DIR is not set (run through meson test)");
	const char *path = getenv("PATH");
	char new_path[8192];
	snprintf(new_path, sizeof(new_path), "%s:%s", fake, path ? path : "/usr/bin:/bin");
	setenv("PATH", new_path, 1);
	setenv("FAKE_KUBECTL_STATE", test->state_dir, 1);

	collector_test_target_start(&test->targets[0], NULL);
	test->target_count = 1;
	collector_test_write_file(test->state_dir, "namespace", APISERVER_TEST_NAMESPACE "\n");
	collector_test_write_file(test->state_dir,
	                          "deployment-" APISERVER_TEST_DEPLOYMENT ".selector",
	                          APISERVER_TEST_SELECTOR "\n");
	const char *pods[] = { "ctrl-a Running 0", "ctrl-pending Pending 0" };
	apiserver_test_pods(test, pods, 2);

	const struct ep_plugin_descriptor *descriptor =
	        collector_test_load_plugin("EP_TEST_APISERVER_PLUGIN");
	ep_mock_host_init(&test->mock, descriptor);
	assert_int_equal(ep_mock_host_start(&test->mock), 0);
	test->ops = descriptor->collector;
	*state = test;
	return 0;
}

/* No kubectl is left running: every get --raw was reaped. */
static void apiserver_test_assert_no_children(struct apiserver_test *test)
{
	pid_t targets[2];
	for (size_t i = 0; i < test->target_count; i++)
		targets[i] = test->targets[i].pid;
	assert_int_equal(collector_test_other_children(targets, test->target_count), 0);
}

static int apiserver_test_teardown(void **state)
{
	struct apiserver_test *test = *state;
	if (test->started)
		test->ops->stop(test->mock.state);
	ep_mock_host_stop(&test->mock);
	for (size_t i = 0; i < test->target_count; i++)
		collector_test_target_stop(&test->targets[i]);
	collector_test_remove_tree(test->root);
	free(test->root);
	int leaked = (int)test->mock.live_profiles;
	free(test);
	return leaked == 0 ? 0 : -1;
}

static int apiserver_test_start(struct apiserver_test *test)
{
	int rc = test->ops->start(test->mock.state);
	test->started = rc == 0;
	return rc;
}

static void apiserver_test_stop(struct apiserver_test *test)
{
	if (test->started)
		test->ops->stop(test->mock.state);
	test->started = false;
	apiserver_test_assert_no_children(test);
}

/* Calls sources() and checks the names it returns, in order. */
static void apiserver_test_sources(struct apiserver_test *test, const char *const *expected,
                                   size_t expected_count)
{
	const char *const *names = NULL;
	size_t count = 0;
	char reason[512] = "";
	int rc = test->ops->sources(test->mock.state, &names, &count, reason, sizeof(reason));
	if (rc != 0)
		fail_msg("sources() = %d: %s", rc, reason);
	assert_int_equal(count, expected_count);
	for (size_t i = 0; i < count; i++)
		assert_string_equal(names[i], expected[i]);
}

static int apiserver_test_snapshot(struct apiserver_test *test, const char *pod, const char *kind,
                                   const char *file, char *reason, size_t reason_size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", test->output_dir, file);
	struct ep_snapshot_request request = {
		.struct_size = sizeof(request),
		.source = pod,
		.kind = kind,
		.path = path,
		.cpu_seconds = 1,
	};
	reason[0] = '\0';
	return test->ops->snapshot(test->mock.state, &request, reason, reason_size);
}

/* A snapshot that must work and decode with the kind's last sample type. */
static void apiserver_test_snapshot_ok(struct apiserver_test *test, const char *pod,
                                       const char *kind, const char *file, const char *sample_type)
{
	char reason[512], path[4096];
	if (apiserver_test_snapshot(test, pod, kind, file, reason, sizeof(reason)) != 0)
		fail_msg("%s snapshot of %s failed: %s", kind, pod, reason);
	snprintf(path, sizeof(path), "%s/%s", test->output_dir, file);
	const struct ep_profile *profile = NULL;
	assert_int_equal(test->mock.api.profile_load(&test->mock.instance, path, &profile), 0);
	assert_string_equal(profile->sample_types[profile->sample_type_count - 1].type,
	                    sample_type);
	test->mock.api.profile_release(&test->mock.instance, profile);
}

/* A snapshot that must fail with rc and a reason holding text, leaving
 * no file. */
static void apiserver_test_snapshot_fails(struct apiserver_test *test, const char *pod, int rc,
                                          const char *text)
{
	char reason[512];
	int got =
	        apiserver_test_snapshot(test, pod, "heap", "failed.pprof", reason, sizeof(reason));
	print_message("reason: %s\n", reason);
	assert_int_equal(got, rc);
	if (strstr(reason, text) == NULL)
		fail_msg("reason '%s' does not hold '%s'", reason, text);
	assert_false(collector_test_file_exists(test->output_dir, "failed.pprof"));
}

/* Removes a state file of the fake: what it injected is over. */
static void apiserver_test_remove_state(const struct apiserver_test *test, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", test->state_dir, name);
	assert_int_equal(unlink(path), 0);
}

static bool apiserver_test_called(const struct apiserver_test *test, const char *text)
{
	return strstr(collector_test_read_file(test->state_dir, "calls.log"), text) != NULL;
}

/* ---- discovery and snapshots ------------------------------------------------ */

static void test_fetches_through_the_pod_proxy_without_port_forward(void **state)
{
	struct apiserver_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	assert_int_equal(apiserver_test_start(test), 0);
	assert_true(apiserver_test_called(test, "get deployment " APISERVER_TEST_DEPLOYMENT
	                                        " -n " APISERVER_TEST_NAMESPACE
	                                        " -o jsonpath={.spec.selector.matchLabels}"));
	assert_true(apiserver_test_called(test, "-l " APISERVER_TEST_LABELS));
	assert_true(ep_mock_host_logged(&test->mock, "ctrl-pending is Pending"));
	apiserver_test_sources(test, expected, 1);
	apiserver_test_snapshot_ok(test, "ctrl-a", "heap", "heap0.pprof", "inuse_space");
	assert_true(apiserver_test_called(test, APISERVER_TEST_PROXY
	                                  "ctrl-a:6060/proxy/debug/pprof/heap\n"));
	assert_false(apiserver_test_called(test, "port-forward"));
	assert_false(apiserver_test_called(test, "ctrl-pending"));
	assert_int_equal(test->mock.event_count, 0);
	apiserver_test_stop(test);
}

static void test_every_kind_has_its_path_and_query(void **state)
{
	struct apiserver_test *test = *state;
	char path[4096], reason[512];
	assert_int_equal(apiserver_test_start(test), 0);
	apiserver_test_snapshot_ok(test, "ctrl-a", "cpu", "cpu0.pprof", "cpu");
	apiserver_test_snapshot_ok(test, "ctrl-a", "goroutine", "goroutine0.pprof", "goroutine");
	apiserver_test_snapshot_ok(test, "ctrl-a", "allocs", "allocs0.pprof", "inuse_space");
	snprintf(path, sizeof(path), "%s/heap-gc.pprof", test->output_dir);
	struct ep_snapshot_request request = {
		.struct_size = sizeof(request),
		.source = "ctrl-a",
		.kind = "heap",
		.path = path,
		.gc = true,
	};
	assert_int_equal(test->ops->snapshot(test->mock.state, &request, reason, sizeof(reason)),
	                 0);
	assert_true(apiserver_test_called(test, APISERVER_TEST_PROXY
	                                  "ctrl-a:6060/proxy/debug/pprof/profile?seconds=1\n"));
	assert_true(apiserver_test_called(test, APISERVER_TEST_PROXY
	                                  "ctrl-a:6060/proxy/debug/pprof/goroutine\n"));
	assert_true(apiserver_test_called(test, APISERVER_TEST_PROXY
	                                  "ctrl-a:6060/proxy/debug/pprof/allocs\n"));
	assert_true(apiserver_test_called(test, APISERVER_TEST_PROXY
	                                  "ctrl-a:6060/proxy/debug/pprof/heap?gc=1\n"));
	assert_int_equal(apiserver_test_snapshot(test, "ctrl-a", "threads", "t.pprof", reason,
	                                         sizeof(reason)),
	                 -EINVAL);
	apiserver_test_stop(test);
}

static void test_every_running_replica_is_a_source(void **state)
{
	struct apiserver_test *test = *state;
	collector_test_target_start(&test->targets[1], NULL);
	test->target_count = 2;
	const char *pods[] = { "ctrl-b Running 1", "ctrl-pending Pending 0", "ctrl-a Running 0" };
	apiserver_test_pods(test, pods, 3);
	const char *expected[] = { "ctrl-a", "ctrl-b" };
	assert_int_equal(apiserver_test_start(test), 0);
	apiserver_test_sources(test, expected, 2);
	apiserver_test_snapshot_ok(test, "ctrl-a", "heap", "heap-a.pprof", "inuse_space");
	apiserver_test_snapshot_ok(test, "ctrl-b", "heap", "heap-b.pprof", "inuse_space");
	assert_true(apiserver_test_called(test, APISERVER_TEST_PROXY "ctrl-a:6060/proxy/"));
	assert_true(apiserver_test_called(test, APISERVER_TEST_PROXY "ctrl-b:6060/proxy/"));
	assert_false(apiserver_test_called(test, "port-forward"));
	apiserver_test_stop(test);
}

static void test_a_replaced_pod_is_gone_and_its_successor_new(void **state)
{
	struct apiserver_test *test = *state;
	const char *before[] = { "ctrl-a" }, *after[] = { "ctrl-c" };
	assert_int_equal(apiserver_test_start(test), 0);
	apiserver_test_sources(test, before, 1);
	apiserver_test_snapshot_ok(test, "ctrl-a", "heap", "heap0.pprof", "inuse_space");
	const char *pods[] = { "ctrl-c Running 0" };
	apiserver_test_pods(test, pods, 1);
	apiserver_test_sources(test, after, 1);
	assert_true(ep_mock_host_event(&test->mock, "pod-gone: pod ctrl-a"));
	assert_true(ep_mock_host_event(&test->mock, "pod-new: pod ctrl-c is Running"));
	apiserver_test_snapshot_ok(test, "ctrl-c", "heap", "heap1.pprof", "inuse_space");
	apiserver_test_snapshot_fails(test, "ctrl-a", -ENOENT, "unknown pod 'ctrl-a'");
	apiserver_test_stop(test);
}

static void test_pods_that_start_later_are_found(void **state)
{
	struct apiserver_test *test = *state;
	const char *pending[] = { "ctrl-a Pending 0" }, *running[] = { "ctrl-a Running 0" };
	const char *expected[] = { "ctrl-a" };
	apiserver_test_pods(test, pending, 1);
	assert_int_equal(apiserver_test_start(test), 0);
	assert_true(ep_mock_host_logged(&test->mock, "no Running pod"));
	const char *const *names;
	size_t count;
	char reason[512];
	assert_int_equal(
	        test->ops->sources(test->mock.state, &names, &count, reason, sizeof(reason)),
	        -ENOENT);
	assert_string_equal(reason, "no Running pod in namespace " APISERVER_TEST_NAMESPACE
	                            " matches " APISERVER_TEST_LABELS);
	apiserver_test_pods(test, running, 1);
	apiserver_test_sources(test, expected, 1);
	assert_true(ep_mock_host_event(&test->mock, "pod-new: pod ctrl-a"));
	apiserver_test_snapshot_ok(test, "ctrl-a", "heap", "heap0.pprof", "inuse_space");
	apiserver_test_stop(test);
}

/* ---- what the server says ----------------------------------------------------- */

static void test_a_pod_the_server_does_not_know_fails_in_its_words(void **state)
{
	struct apiserver_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	assert_int_equal(apiserver_test_start(test), 0);
	apiserver_test_sources(test, expected, 1);
	/* Deleted between the listing and the snapshot. */
	collector_test_write_file(test->state_dir, "raw-fail-ctrl-a", "NotFound\n");
	apiserver_test_snapshot_fails(
	        test, "ctrl-a", -EIO,
	        "kubectl get --raw /api/v1/namespaces/" APISERVER_TEST_NAMESPACE
	        "/pods/ctrl-a:6060/proxy/debug/pprof/heap exited with status "
	        "1: Error from server (NotFound): pods \"ctrl-a\" not found");
	apiserver_test_stop(test);
}

static void test_service_unavailable_then_recovery(void **state)
{
	struct apiserver_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	assert_int_equal(apiserver_test_start(test), 0);
	collector_test_write_file(test->state_dir, "raw-fail", "ServiceUnavailable\n");
	apiserver_test_sources(test, expected, 1);
	apiserver_test_snapshot_fails(test, "ctrl-a", -EIO,
	                              ": Error from server (ServiceUnavailable): the server is "
	                              "currently unable to handle the request");
	apiserver_test_remove_state(test, "raw-fail");
	apiserver_test_sources(test, expected, 1);
	apiserver_test_snapshot_ok(test, "ctrl-a", "heap", "heap1.pprof", "inuse_space");
	apiserver_test_stop(test);
}

static void test_rbac_forbidden_is_quoted(void **state)
{
	struct apiserver_test *test = *state;
	assert_int_equal(apiserver_test_start(test), 0);
	collector_test_write_file(test->state_dir, "raw-fail", "Forbidden\n");
	apiserver_test_snapshot_fails(
	        test, "ctrl-a", -EIO,
	        "Error from server (Forbidden): pods \"ctrl-a\" is forbidden: "
	        "User \"system:serviceaccount:e2e:e2e-profile\" cannot get "
	        "resource \"pods/proxy\"");
	apiserver_test_stop(test);
}

static void test_a_pod_answer_that_is_no_profile_is_refused(void **state)
{
	struct apiserver_test *test = *state;
	assert_int_equal(apiserver_test_start(test), 0);
	collector_test_target_fault(&test->targets[0], "html");
	apiserver_test_snapshot_fails(test, "ctrl-a", -EBADMSG, "not a profile");
	collector_test_target_fault(&test->targets[0], "truncated");
	apiserver_test_snapshot_fails(test, "ctrl-a", -EBADMSG, "not a profile");
	collector_test_target_fault(&test->targets[0], "404");
	apiserver_test_snapshot_fails(
	        test, "ctrl-a", -EIO,
	        "Error from server (NotFound): the server could not find the requested resource");
	collector_test_target_fault(&test->targets[0], "none");
	apiserver_test_snapshot_ok(test, "ctrl-a", "heap", "heap0.pprof", "inuse_space");
	apiserver_test_stop(test);
}

static void test_a_crashed_pod_is_unreachable_in_the_servers_words(void **state)
{
	struct apiserver_test *test = *state;
	assert_int_equal(apiserver_test_start(test), 0);
	collector_test_target_crash(&test->targets[0]);
	assert_true(collector_test_wait_exited(test->targets[0].pid));
	apiserver_test_snapshot_fails(test, "ctrl-a", -EIO,
	                              "Error from server (ServiceUnavailable): error trying to "
	                              "reach service: dial tcp 127.0.0.1:");
	apiserver_test_stop(test);
}

static void test_a_failed_listing_is_an_event_and_keeps_the_pods(void **state)
{
	struct apiserver_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	assert_int_equal(apiserver_test_start(test), 0);
	collector_test_write_file(test->state_dir, "get-fail", "");
	apiserver_test_sources(test, expected, 1);
	assert_true(ep_mock_host_event(&test->mock,
	                               "api-error: cannot list pods, keeping the known ones: "
	                               "kubectl get pods -n " APISERVER_TEST_NAMESPACE " -l "));
	assert_true(ep_mock_host_event(&test->mock, "The connection to the server 127.0.0.1:6443 "
	                                            "was refused"));
	/* The snapshot says it too, in its own call. */
	apiserver_test_snapshot_fails(test, "ctrl-a", -EIO, "The connection to the server");
	apiserver_test_remove_state(test, "get-fail");
	apiserver_test_sources(test, expected, 1);
	apiserver_test_snapshot_ok(test, "ctrl-a", "heap", "heap0.pprof", "inuse_space");
	apiserver_test_stop(test);
}

static void test_a_slow_pod_times_out_and_kubectl_is_reaped(void **state)
{
	struct apiserver_test *test = *state;
	ep_mock_host_set(&test->mock, "timeout", "1");
	assert_int_equal(apiserver_test_start(test), 0);
	collector_test_target_fault(&test->targets[0], "slow");
	double started = collector_test_now();
	apiserver_test_snapshot_fails(test, "ctrl-a", -ETIMEDOUT, "timed out after 1 s");
	assert_true(collector_test_now() - started < 5);
	apiserver_test_assert_no_children(test);
	apiserver_test_stop(test);
}

static struct ep_mock_host *apiserver_test_alarm_mock;

/* Plays the user's Ctrl-C while a snapshot waits for kubectl. */
static void apiserver_test_on_alarm(int signal_number)
{
	(void)signal_number;
	apiserver_test_alarm_mock->stop = true;
}

static void test_stop_request_ends_a_slow_snapshot(void **state)
{
	struct apiserver_test *test = *state;
	assert_int_equal(apiserver_test_start(test), 0);
	collector_test_target_fault(&test->targets[0], "slow");
	apiserver_test_alarm_mock = &test->mock;
	struct sigaction action = { .sa_handler = apiserver_test_on_alarm };
	sigemptyset(&action.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &action, NULL), 0);
	alarm(1);
	double started = collector_test_now();
	apiserver_test_snapshot_fails(test, "ctrl-a", -ECANCELED, "stopped: the run is ending");
	assert_true(collector_test_now() - started < 4);
	apiserver_test_assert_no_children(test);
}

/* ---- configuration ---------------------------------------------------------- */

static void test_context_kubeconfig_scheme_and_port_are_used(void **state)
{
	struct apiserver_test *test = *state;
	ep_mock_host_set(&test->mock, "context", "kind-e2e");
	ep_mock_host_set(&test->mock, "kubeconfig", "/tmp/kubeconfig-e2e");
	ep_mock_host_set(&test->mock, "port", "8443");
	ep_mock_host_set(&test->mock, "scheme", "https");
	assert_int_equal(apiserver_test_start(test), 0);
	/* The targets speak plain HTTP: the server's TLS error is quoted. */
	apiserver_test_snapshot_fails(test, "ctrl-a", -EIO,
	                              "tls: first record does not look like a TLS handshake");
	const char *calls = collector_test_read_file(test->state_dir, "calls.log");
	size_t lines = 0;
	for (const char *line = calls; *line != '\0'; lines++) {
		assert_true(strncmp(line, "--context kind-e2e --kubeconfig /tmp/kubeconfig-e2e ",
		                    52) == 0);
		line += strcspn(line, "\n");
		line += *line == '\n';
	}
	assert_int_equal(lines, 3); /* deployment, pods, get --raw */
	assert_true(apiserver_test_called(test, APISERVER_TEST_PROXY "https:ctrl-a:8443/proxy/"));
	apiserver_test_stop(test);
}

static void test_selector_setting_skips_the_deployment(void **state)
{
	struct apiserver_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	ep_mock_host_set(&test->mock, "selector", "app=operator-controller");
	ep_mock_host_set(&test->mock, "deployment", "does-not-exist");
	assert_int_equal(apiserver_test_start(test), 0);
	assert_false(apiserver_test_called(test, "get deployment"));
	apiserver_test_sources(test, expected, 1);
	apiserver_test_stop(test);
}

static void test_missing_deployment_fails_start(void **state)
{
	struct apiserver_test *test = *state;
	ep_mock_host_set(&test->mock, "deployment", "nope");
	assert_true(apiserver_test_start(test) < 0);
	assert_true(ep_mock_host_logged(&test->mock,
	                                "Error from server (NotFound): deployments.apps \"nope\" "
	                                "not found"));
	apiserver_test_assert_no_children(test);
}

static void test_an_unreachable_api_server_fails_start_saying_why(void **state)
{
	struct apiserver_test *test = *state;
	ep_mock_host_set(&test->mock, "selector", "app=operator-controller");
	collector_test_write_file(test->state_dir, "get-fail", "");
	assert_int_equal(apiserver_test_start(test), -EIO);
	assert_true(ep_mock_host_logged(&test->mock, "cannot list the pods to profile: kubectl get "
	                                             "pods -n " APISERVER_TEST_NAMESPACE));
	assert_true(ep_mock_host_logged(&test->mock, "The connection to the server 127.0.0.1:6443 "
	                                             "was refused"));
	apiserver_test_assert_no_children(test);
}

static void test_bad_settings_fail_start(void **state)
{
	struct apiserver_test *test = *state;
	ep_mock_host_set(&test->mock, "scheme", "ftp");
	assert_int_equal(apiserver_test_start(test), -EINVAL);
	assert_true(ep_mock_host_logged(&test->mock,
	                                "[collector.apiserver] scheme must be http or https"));

	ep_mock_host_stop(&test->mock);
	ep_mock_host_init(&test->mock, test->mock.descriptor);
	assert_int_equal(ep_mock_host_start(&test->mock), 0);
	ep_mock_host_set(&test->mock, "namespace", "-n");
	assert_int_equal(apiserver_test_start(test), -EINVAL);
	assert_true(ep_mock_host_logged(&test->mock, "[collector.apiserver] namespace '-n' must "
	                                             "not start with '-'"));

	ep_mock_host_stop(&test->mock);
	ep_mock_host_init(&test->mock, test->mock.descriptor);
	assert_int_equal(ep_mock_host_start(&test->mock), 0);
	ep_mock_host_set(&test->mock, "kubectl", "e2e-profile-no-such-kubectl");
	assert_int_equal(apiserver_test_start(test), -ENOENT);
	assert_true(ep_mock_host_logged(&test->mock, "not found on PATH (install kubectl or set "
	                                             "kubectl in [collector.apiserver])"));
	apiserver_test_assert_no_children(test);
}

#define APISERVER_TEST(name) \
	cmocka_unit_test_setup_teardown(name, apiserver_test_setup, apiserver_test_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		APISERVER_TEST(test_fetches_through_the_pod_proxy_without_port_forward),
		APISERVER_TEST(test_every_kind_has_its_path_and_query),
		APISERVER_TEST(test_every_running_replica_is_a_source),
		APISERVER_TEST(test_a_replaced_pod_is_gone_and_its_successor_new),
		APISERVER_TEST(test_pods_that_start_later_are_found),
		APISERVER_TEST(test_a_pod_the_server_does_not_know_fails_in_its_words),
		APISERVER_TEST(test_service_unavailable_then_recovery),
		APISERVER_TEST(test_rbac_forbidden_is_quoted),
		APISERVER_TEST(test_a_pod_answer_that_is_no_profile_is_refused),
		APISERVER_TEST(test_a_crashed_pod_is_unreachable_in_the_servers_words),
		APISERVER_TEST(test_a_failed_listing_is_an_event_and_keeps_the_pods),
		APISERVER_TEST(test_a_slow_pod_times_out_and_kubectl_is_reaped),
		APISERVER_TEST(test_stop_request_ends_a_slow_snapshot),
		APISERVER_TEST(test_context_kubeconfig_scheme_and_port_are_used),
		APISERVER_TEST(test_selector_setting_skips_the_deployment),
		APISERVER_TEST(test_missing_deployment_fails_start),
		APISERVER_TEST(test_an_unreachable_api_server_fails_start_saying_why),
		APISERVER_TEST(test_bad_settings_fail_start),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
