/* The kubectl collector against the fake kubectl (tests/fake-kubectl, first
 * on PATH) and real e2e-targets playing the pods: discovery from the
 * deployment's selector, snapshots through port-forwards, dying forwards,
 * replaced pods, replicas, and no child process left after stop().
 * usage: test_kubectl [TEST_NAME]   (meson runs one test per process) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../cmocka_filter.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector_test.h"
#include <e2e-profile/mock-host.h>

#define KUBECTL_TEST_MAX_PIDS 32
#define KUBECTL_TEST_SELECTOR \
	"{\"app\":\"operator-controller\",\"control-plane\":\"controller-manager\"}"
#define KUBECTL_TEST_LABELS     "app=operator-controller,control-plane=controller-manager"
#define KUBECTL_TEST_NAMESPACE  "olmv1-system"
#define KUBECTL_TEST_DEPLOYMENT "operator-controller-controller-manager"

struct kubectl_test {
	char *root;
	char state_dir[2048];  /* FAKE_KUBECTL_STATE */
	char output_dir[2048]; /* snapshots */
	struct collector_test_target targets[2];
	size_t target_count;
	struct ep_mock_host mock;
	const struct ep_collector_ops *ops;
	bool started;
	pid_t forward_pids[KUBECTL_TEST_MAX_PIDS]; /* every forward seen, for the final check */
	size_t forward_pid_count;
};

/* Rewrites the fake's pods file; lines are "NAME PHASE TARGET_INDEX". */
static void kubectl_test_pods(struct kubectl_test *test, const char *const *lines, size_t count)
{
	char text[4096] = "# written by test_kubectl\n";
	for (size_t i = 0; i < count; i++) {
		char name[128], phase[32];
		int target;
		assert_int_equal(sscanf(lines[i], "%127s %31s %d", name, phase, &target), 3);
		size_t length = strlen(text);
		snprintf(text + length, sizeof(text) - length, "%s %s %d %s\n", name, phase,
		         test->targets[target].port, KUBECTL_TEST_LABELS);
	}
	collector_test_write_file(test->state_dir, "pods", text);
}

static int kubectl_test_setup(void **state)
{
	struct kubectl_test *test = calloc(1, sizeof(*test));
	assert_non_null(test);
	test->root = collector_test_make_temp_dir();
	snprintf(test->state_dir, sizeof(test->state_dir), "%s/state", test->root);
	snprintf(test->output_dir, sizeof(test->output_dir), "%s/out", test->root);
	assert_int_equal(mkdir(test->state_dir, 0700), 0);
	assert_int_equal(mkdir(test->output_dir, 0700), 0);

	/* The fake kubectl first on PATH, reading this test's state. */
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
	collector_test_write_file(test->state_dir, "namespace", KUBECTL_TEST_NAMESPACE "\n");
	collector_test_write_file(test->state_dir,
	                          "deployment-" KUBECTL_TEST_DEPLOYMENT ".selector",
	                          KUBECTL_TEST_SELECTOR "\n");
	const char *pods[] = { "ctrl-a Running 0", "ctrl-pending Pending 0" };
	kubectl_test_pods(test, pods, 2);

	const struct ep_plugin_descriptor *descriptor =
	        collector_test_load_plugin("EP_TEST_KUBECTL_PLUGIN");
	ep_mock_host_init(&test->mock, descriptor);
	assert_int_equal(ep_mock_host_start(&test->mock), 0);
	test->ops = descriptor->collector;
	*state = test;
	return 0;
}

/* Remembers the pid of pod's current forward (from forward-POD.pid). */
static pid_t kubectl_test_forward_pid(struct kubectl_test *test, const char *pod)
{
	char name[256];
	snprintf(name, sizeof(name), "forward-%s.pid", pod);
	pid_t pid = (pid_t)atol(collector_test_read_file(test->state_dir, name));
	assert_true(pid > 0);
	bool known = false;
	for (size_t i = 0; i < test->forward_pid_count; i++)
		known = known || test->forward_pids[i] == pid;
	if (!known && test->forward_pid_count < KUBECTL_TEST_MAX_PIDS)
		test->forward_pids[test->forward_pid_count++] = pid;
	return pid;
}

/* After stop(): every forward ever seen is gone and reaped, and no other
 * child is left but the targets. */
static void kubectl_test_assert_no_children(struct kubectl_test *test)
{
	for (size_t i = 0; i < test->forward_pid_count; i++)
		if (!collector_test_child_gone(test->forward_pids[i]))
			fail_msg("forward pid %ld is still there", (long)test->forward_pids[i]);
	pid_t targets[2];
	for (size_t i = 0; i < test->target_count; i++)
		targets[i] = test->targets[i].pid;
	assert_int_equal(collector_test_other_children(targets, test->target_count), 0);
}

static void kubectl_test_stop(struct kubectl_test *test)
{
	if (test->started)
		test->ops->stop(test->mock.state);
	test->started = false;
	kubectl_test_assert_no_children(test);
}

static int kubectl_test_teardown(void **state)
{
	struct kubectl_test *test = *state;
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

static int kubectl_test_start(struct kubectl_test *test)
{
	int rc = test->ops->start(test->mock.state);
	test->started = rc == 0;
	return rc;
}

/* Calls sources() and checks the names it returns, in order. */
static void kubectl_test_sources(struct kubectl_test *test, const char *const *expected,
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

static int kubectl_test_snapshot(struct kubectl_test *test, const char *pod, const char *kind,
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

/* A snapshot that must work and decode. */
static void kubectl_test_snapshot_ok(struct kubectl_test *test, const char *pod, const char *file)
{
	char reason[512], path[4096];
	if (kubectl_test_snapshot(test, pod, "heap", file, reason, sizeof(reason)) != 0)
		fail_msg("snapshot of %s failed: %s", pod, reason);
	snprintf(path, sizeof(path), "%s/%s", test->output_dir, file);
	const struct ep_profile *profile = NULL;
	assert_int_equal(test->mock.api.profile_load(&test->mock.instance, path, &profile), 0);
	assert_string_equal(profile->sample_types[profile->sample_type_count - 1].type,
	                    "inuse_space");
	test->mock.api.profile_release(&test->mock.instance, profile);
}

static bool kubectl_test_called(const struct kubectl_test *test, const char *text)
{
	return strstr(collector_test_read_file(test->state_dir, "calls.log"), text) != NULL;
}

/* ---- discovery and snapshots ------------------------------------------------ */

static void test_discovers_pods_from_the_deployment_selector(void **state)
{
	struct kubectl_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	assert_int_equal(kubectl_test_start(test), 0);
	assert_true(kubectl_test_called(test, "get deployment " KUBECTL_TEST_DEPLOYMENT
	                                      " -n " KUBECTL_TEST_NAMESPACE
	                                      " -o jsonpath={.spec.selector.matchLabels}"));
	assert_true(kubectl_test_called(test, "-l " KUBECTL_TEST_LABELS));
	assert_true(kubectl_test_called(test, "port-forward -n " KUBECTL_TEST_NAMESPACE
	                                      " pod/ctrl-a :6060"));
	/* The Pending pod is neither forwarded nor a source. */
	assert_false(kubectl_test_called(test, "pod/ctrl-pending"));
	assert_true(ep_mock_host_logged(&test->mock, "ctrl-pending is Pending"));
	kubectl_test_forward_pid(test, "ctrl-a");
	kubectl_test_sources(test, expected, 1);
	kubectl_test_snapshot_ok(test, "ctrl-a", "heap0.pprof");
	assert_int_equal(test->mock.event_count, 0);
	kubectl_test_stop(test);
}

static void test_every_running_replica_is_a_source(void **state)
{
	struct kubectl_test *test = *state;
	collector_test_target_start(&test->targets[1], NULL);
	test->target_count = 2;
	/* Listed out of order: sources come back sorted. */
	const char *pods[] = { "ctrl-b Running 1", "ctrl-pending Pending 0", "ctrl-a Running 0" };
	kubectl_test_pods(test, pods, 3);
	/* Like real kubectl, a line per connection that must be drained. */
	collector_test_write_file(test->state_dir, "forward-handling-lines", "");
	const char *expected[] = { "ctrl-a", "ctrl-b" };
	assert_int_equal(kubectl_test_start(test), 0);
	pid_t a = kubectl_test_forward_pid(test, "ctrl-a");
	pid_t b = kubectl_test_forward_pid(test, "ctrl-b");
	assert_true(a != b);
	kubectl_test_sources(test, expected, 2);
	kubectl_test_snapshot_ok(test, "ctrl-a", "heap-a.pprof");
	kubectl_test_snapshot_ok(test, "ctrl-b", "heap-b.pprof");
	kubectl_test_stop(test);
}

static void test_a_forward_that_failed_at_start_is_retried(void **state)
{
	struct kubectl_test *test = *state;
	const char *pods[] = { "ctrl-a Running 0", "ctrl-b Running 0" };
	const char *expected[] = { "ctrl-a", "ctrl-b" };
	kubectl_test_pods(test, pods, 2);
	/* The first port-forward (ctrl-a's: pods are handled in name order)
	 * fails; the run starts with ctrl-b alone. */
	collector_test_write_file(test->state_dir, "forward-fail-times", "1\n");
	assert_int_equal(kubectl_test_start(test), 0);
	assert_true(ep_mock_host_logged(&test->mock, "pod/ctrl-a :6060 exited with status 1"));
	kubectl_test_forward_pid(test, "ctrl-b");
	kubectl_test_sources(test, expected, 2);
	assert_true(ep_mock_host_event(&test->mock, "reconnect: port-forward to pod ctrl-a"));
	kubectl_test_forward_pid(test, "ctrl-a");
	kubectl_test_snapshot_ok(test, "ctrl-a", "heap-a.pprof");
	kubectl_test_snapshot_ok(test, "ctrl-b", "heap-b.pprof");
	kubectl_test_stop(test);
}

static void test_a_killed_forward_is_reconnected_by_sources(void **state)
{
	struct kubectl_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	assert_int_equal(kubectl_test_start(test), 0);
	pid_t first = kubectl_test_forward_pid(test, "ctrl-a");
	assert_int_equal(kill(first, SIGKILL), 0);
	assert_true(collector_test_wait_exited(first));
	kubectl_test_sources(test, expected, 1);
	assert_true(ep_mock_host_event(&test->mock, "forward-died: port-forward to pod ctrl-a"));
	assert_true(ep_mock_host_event(&test->mock, "killed by signal 9"));
	assert_true(ep_mock_host_event(&test->mock, "reconnect: port-forward to pod ctrl-a"));
	pid_t second = kubectl_test_forward_pid(test, "ctrl-a");
	assert_true(second != first);
	kubectl_test_snapshot_ok(test, "ctrl-a", "heap0.pprof");
	kubectl_test_stop(test);
}

static void test_a_forward_dying_before_a_snapshot_is_restarted(void **state)
{
	struct kubectl_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	assert_int_equal(kubectl_test_start(test), 0);
	kubectl_test_sources(test, expected, 1);
	pid_t first = kubectl_test_forward_pid(test, "ctrl-a");
	assert_int_equal(kill(first, SIGTERM), 0);
	assert_true(collector_test_wait_exited(first));
	kubectl_test_snapshot_ok(test, "ctrl-a", "heap0.pprof");
	assert_true(ep_mock_host_event(&test->mock, "forward-died"));
	assert_true(ep_mock_host_event(&test->mock, "reconnect"));
	assert_true(kubectl_test_forward_pid(test, "ctrl-a") != first);
	kubectl_test_stop(test);
}

static void test_a_renamed_pod_is_gone_and_its_successor_new(void **state)
{
	struct kubectl_test *test = *state;
	const char *before[] = { "ctrl-a" }, *after[] = { "ctrl-c" };
	assert_int_equal(kubectl_test_start(test), 0);
	kubectl_test_forward_pid(test, "ctrl-a");
	kubectl_test_sources(test, before, 1);
	kubectl_test_snapshot_ok(test, "ctrl-a", "heap0.pprof");

	const char *pods[] = { "ctrl-c Running 0" };
	kubectl_test_pods(test, pods, 1);
	kubectl_test_sources(test, after, 1);
	assert_true(ep_mock_host_event(&test->mock, "pod-gone: pod ctrl-a"));
	assert_true(ep_mock_host_event(&test->mock, "pod-new: pod ctrl-c is Running"));
	kubectl_test_forward_pid(test, "ctrl-c");
	kubectl_test_snapshot_ok(test, "ctrl-c", "heap1.pprof");
	char reason[512];
	assert_int_equal(kubectl_test_snapshot(test, "ctrl-a", "heap", "heap2.pprof", reason,
	                                       sizeof(reason)),
	                 -ENOENT);
	kubectl_test_stop(test);
}

static void test_a_crashed_pod_fails_the_snapshot_after_one_reconnect(void **state)
{
	struct kubectl_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	assert_int_equal(kubectl_test_start(test), 0);
	kubectl_test_forward_pid(test, "ctrl-a");
	kubectl_test_sources(test, expected, 1);
	collector_test_target_crash(&test->targets[0]);
	char reason[512];
	double started = collector_test_now();
	int rc = kubectl_test_snapshot(test, "ctrl-a", "heap", "heap0.pprof", reason,
	                               sizeof(reason));
	print_message("reason: %s\n", reason);
	assert_int_equal(rc, -ECONNRESET);
	assert_true(collector_test_now() - started < 10);
	/* The forward accepts, finds nothing behind it and closes: a FIN or
	 * an RST, depending on timing. */
	assert_true(strstr(reason, "connection closed without an answer") != NULL ||
	            strstr(reason, "connection broken") != NULL);
	assert_non_null(strstr(reason, "(and after restarting the port-forward)"));
	assert_true(ep_mock_host_event(&test->mock, "reconnect"));
	assert_int_equal(collector_test_count_entries(test->output_dir), 0);
	kubectl_test_forward_pid(test, "ctrl-a");
	kubectl_test_stop(test);
}

static void test_pods_that_start_later_are_found(void **state)
{
	struct kubectl_test *test = *state;
	const char *pending[] = { "ctrl-a Pending 0" }, *running[] = { "ctrl-a Running 0" };
	const char *expected[] = { "ctrl-a" };
	kubectl_test_pods(test, pending, 1);
	assert_int_equal(kubectl_test_start(test), 0);
	assert_true(ep_mock_host_logged(&test->mock, "no Running pod"));
	const char *const *names;
	size_t count;
	char reason[512];
	assert_int_equal(
	        test->ops->sources(test->mock.state, &names, &count, reason, sizeof(reason)),
	        -ENOENT);
	assert_string_equal(reason, "no Running pod in namespace " KUBECTL_TEST_NAMESPACE
	                            " matches " KUBECTL_TEST_LABELS);
	kubectl_test_pods(test, running, 1);
	kubectl_test_sources(test, expected, 1);
	assert_true(ep_mock_host_event(&test->mock, "pod-new: pod ctrl-a"));
	kubectl_test_forward_pid(test, "ctrl-a");
	kubectl_test_snapshot_ok(test, "ctrl-a", "heap0.pprof");
	kubectl_test_stop(test);
}

/* ---- configuration ---------------------------------------------------------- */

static void test_selector_setting_skips_the_deployment(void **state)
{
	struct kubectl_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	ep_mock_host_set(&test->mock, "selector", "app=operator-controller");
	ep_mock_host_set(&test->mock, "deployment", "does-not-exist");
	assert_int_equal(kubectl_test_start(test), 0);
	assert_false(kubectl_test_called(test, "get deployment"));
	assert_true(kubectl_test_called(test, "-l app=operator-controller -o"));
	kubectl_test_forward_pid(test, "ctrl-a");
	kubectl_test_sources(test, expected, 1);
	kubectl_test_stop(test);
}

/* Restarts the collector on a fresh mock host, as a new run would. */
static void kubectl_test_restart_host(struct kubectl_test *test)
{
	if (test->started)
		test->ops->stop(test->mock.state);
	test->started = false;
	ep_mock_host_stop(&test->mock);
	ep_mock_host_init(&test->mock, test->mock.descriptor);
	assert_int_equal(ep_mock_host_start(&test->mock), 0);
}

static void test_selector_json_is_parsed_robustly(void **state)
{
	struct kubectl_test *test = *state;
	/* What kubectl prints for matchLabels: JSON in any spacing, with
	 * escapes, and old kubectl's Go map syntax. */
	const char *variants[] = {
		(" { \"app\" : \"operator\\u002dcontroller\" ,\n"
		 "\"control-plane\":\"controller-manager\" }\n"),
		"{\"app\":\"operator-controller\",\"control\\/plane\":\"x\"}",
		"map[app:operator-controller control-plane:controller-manager]",
	};
	const char *selectors[] = {
		"-l " KUBECTL_TEST_LABELS " -o",
		"-l app=operator-controller,control/plane=x -o",
		"-l " KUBECTL_TEST_LABELS " -o",
	};
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		kubectl_test_restart_host(test);
		collector_test_write_file(test->state_dir, "calls.log", "");
		collector_test_write_file(test->state_dir,
		                          "deployment-" KUBECTL_TEST_DEPLOYMENT ".selector",
		                          variants[i]);
		/* Pods need not match for the selector to be checked. */
		kubectl_test_start(test);
		if (!kubectl_test_called(test, selectors[i]))
			fail_msg("variant %zu: no '%s' in calls.log:\n%s", i, selectors[i],
			         collector_test_read_file(test->state_dir, "calls.log"));
		if (test->started)
			kubectl_test_forward_pid(test, "ctrl-a");
	}
	kubectl_test_stop(test);
}

static void test_bad_selector_json_fails_start(void **state)
{
	struct kubectl_test *test = *state;
	const char *variants[] = { "{\"app\": 1}",   "{\"app\":\"a b\"}",
		                   "{\"app\":\"x\"", "{\"app\":\"x\"} trailing",
		                   "[\"app\"]",      "{\"app\":\"\\u00e9\"}" };
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		kubectl_test_restart_host(test);
		collector_test_write_file(test->state_dir,
		                          "deployment-" KUBECTL_TEST_DEPLOYMENT ".selector",
		                          variants[i]);
		assert_int_equal(kubectl_test_start(test), -EINVAL);
		assert_true(
		        ep_mock_host_logged(&test->mock, "cannot read the selector of deployment"));
		assert_true(
		        ep_mock_host_logged(&test->mock, "set selector in [collector.kubectl]"));
	}
	/* A selector made of matchExpressions only prints no labels. */
	kubectl_test_restart_host(test);
	collector_test_write_file(test->state_dir,
	                          "deployment-" KUBECTL_TEST_DEPLOYMENT ".selector", "{}");
	assert_int_equal(kubectl_test_start(test), -ENOENT);
	assert_true(ep_mock_host_logged(&test->mock, "has no spec.selector.matchLabels"));
	assert_false(kubectl_test_called(test, "get pods"));
	kubectl_test_assert_no_children(test);
}

static void test_missing_deployment_fails_start(void **state)
{
	struct kubectl_test *test = *state;
	ep_mock_host_set(&test->mock, "deployment", "nope");
	assert_true(kubectl_test_start(test) < 0);
	assert_true(ep_mock_host_logged(&test->mock,
	                                "Error from server (NotFound): deployments.apps \"nope\" "
	                                "not found"));
	kubectl_test_assert_no_children(test);
}

static void test_bad_kubectl_path_fails_start(void **state)
{
	struct kubectl_test *test = *state;
	ep_mock_host_set(&test->mock, "kubectl", "/nonexistent/kubectl");
	assert_int_equal(kubectl_test_start(test), -ENOENT);
	assert_true(ep_mock_host_logged(&test->mock, "cannot run '/nonexistent/kubectl'"));

	ep_mock_host_stop(&test->mock);
	ep_mock_host_init(&test->mock, test->mock.descriptor);
	assert_int_equal(ep_mock_host_start(&test->mock), 0);
	ep_mock_host_set(&test->mock, "kubectl", "e2e-profile-no-such-kubectl");
	assert_int_equal(kubectl_test_start(test), -ENOENT);
	assert_true(ep_mock_host_logged(&test->mock, "not found on PATH"));
	kubectl_test_assert_no_children(test);
}

static void test_context_and_kubeconfig_are_passed_through(void **state)
{
	struct kubectl_test *test = *state;
	ep_mock_host_set(&test->mock, "context", "kind-e2e");
	ep_mock_host_set(&test->mock, "kubeconfig", "/tmp/kubeconfig-e2e");
	assert_int_equal(kubectl_test_start(test), 0);
	const char *calls = collector_test_read_file(test->state_dir, "calls.log");
	size_t lines = 0;
	for (const char *line = calls; *line != '\0'; lines++) {
		assert_true(strncmp(line, "--context kind-e2e --kubeconfig /tmp/kubeconfig-e2e ",
		                    52) == 0);
		line += strcspn(line, "\n");
		line += *line == '\n';
	}
	assert_int_equal(lines, 3); /* deployment, pods, port-forward */
	kubectl_test_forward_pid(test, "ctrl-a");
	kubectl_test_stop(test);
}

static void test_failing_forward_fails_start_quoting_kubectl(void **state)
{
	struct kubectl_test *test = *state;
	collector_test_write_file(test->state_dir, "forward-fail", "");
	assert_true(kubectl_test_start(test) < 0);
	assert_true(ep_mock_host_logged(&test->mock,
	                                "kubectl port-forward -n " KUBECTL_TEST_NAMESPACE
	                                " pod/ctrl-a :6060 exited with status 1: "
	                                "error: error upgrading connection"));
	/* The error line alone says why. */
	assert_true(ep_mock_host_logged(&test->mock, "no port-forward to any of the 1 Running pods "
	                                             "could be started: kubectl port-forward -n "
	                                             "olmv1-system pod/ctrl-a :6060 exited with "
	                                             "status 1: error: error upgrading"));
	kubectl_test_assert_no_children(test);
}

static void test_slow_forward_times_out(void **state)
{
	struct kubectl_test *test = *state;
	collector_test_write_file(test->state_dir, "forward-delay", "5\n");
	ep_mock_host_set(&test->mock, "forward_timeout", "1");
	double started = collector_test_now();
	assert_int_equal(kubectl_test_start(test), -ETIMEDOUT);
	assert_true(collector_test_now() - started < 4);
	assert_true(ep_mock_host_logged(&test->mock,
	                                "printed no 'Forwarding from 127.0.0.1:PORT -> 6060' line "
	                                "within 1 s"));
	kubectl_test_assert_no_children(test);
}

static struct ep_mock_host *kubectl_test_alarm_mock;

/* Plays the user's Ctrl-C while start() waits for a forward: the host's
 * stop flag is also set from a signal handler. */
static void kubectl_test_on_alarm(int signal_number)
{
	(void)signal_number;
	kubectl_test_alarm_mock->stop = true;
}

static void test_stop_request_ends_the_wait_for_a_forward(void **state)
{
	struct kubectl_test *test = *state;
	collector_test_write_file(test->state_dir, "forward-delay", "10\n");
	kubectl_test_alarm_mock = &test->mock;
	struct sigaction action = { .sa_handler = kubectl_test_on_alarm };
	sigemptyset(&action.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &action, NULL), 0);
	alarm(1);
	double started = collector_test_now();
	assert_int_equal(kubectl_test_start(test), -ECANCELED);
	assert_true(collector_test_now() - started < 4);
	assert_true(test->mock.stop);
	assert_true(ep_mock_host_logged(&test->mock, "stopped: the run is ending"));
	kubectl_test_assert_no_children(test);
}

/* ---- what the cluster says is recorded ------------------------------------ */

static void test_a_failed_listing_is_an_event(void **state)
{
	struct kubectl_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	assert_int_equal(kubectl_test_start(test), 0);
	kubectl_test_forward_pid(test, "ctrl-a");
	collector_test_write_file(test->state_dir, "get-fail", "");
	kubectl_test_sources(test, expected, 1);
	assert_true(ep_mock_host_event(&test->mock,
	                               "api-error: cannot list pods, keeping the known ones: "
	                               "kubectl get pods -n " KUBECTL_TEST_NAMESPACE " -l "));
	assert_true(ep_mock_host_event(&test->mock, "The connection to the server 127.0.0.1:6443 "
	                                            "was refused"));
	kubectl_test_snapshot_ok(test, "ctrl-a", "heap0.pprof");
	kubectl_test_stop(test);
}

static void test_a_failed_reconnect_is_an_event(void **state)
{
	struct kubectl_test *test = *state;
	const char *expected[] = { "ctrl-a" };
	assert_int_equal(kubectl_test_start(test), 0);
	pid_t first = kubectl_test_forward_pid(test, "ctrl-a");
	collector_test_write_file(test->state_dir, "forward-fail", "");
	assert_int_equal(kill(first, SIGKILL), 0);
	assert_true(collector_test_wait_exited(first));
	kubectl_test_sources(test, expected, 1);
	assert_true(ep_mock_host_event(&test->mock, "forward-died: port-forward to pod ctrl-a"));
	assert_true(ep_mock_host_event(&test->mock,
	                               "reconnect-failed: cannot reconnect to pod ctrl-a: kubectl "
	                               "port-forward -n " KUBECTL_TEST_NAMESPACE
	                               " pod/ctrl-a :6060 exited with status 1: error: error "
	                               "upgrading connection"));
	kubectl_test_stop(test);
}

#define KUBECTL_TEST(name) \
	cmocka_unit_test_setup_teardown(name, kubectl_test_setup, kubectl_test_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		KUBECTL_TEST(test_discovers_pods_from_the_deployment_selector),
		KUBECTL_TEST(test_every_running_replica_is_a_source),
		KUBECTL_TEST(test_a_forward_that_failed_at_start_is_retried),
		KUBECTL_TEST(test_a_killed_forward_is_reconnected_by_sources),
		KUBECTL_TEST(test_a_forward_dying_before_a_snapshot_is_restarted),
		KUBECTL_TEST(test_a_renamed_pod_is_gone_and_its_successor_new),
		KUBECTL_TEST(test_a_crashed_pod_fails_the_snapshot_after_one_reconnect),
		KUBECTL_TEST(test_pods_that_start_later_are_found),
		KUBECTL_TEST(test_selector_setting_skips_the_deployment),
		KUBECTL_TEST(test_selector_json_is_parsed_robustly),
		KUBECTL_TEST(test_bad_selector_json_fails_start),
		KUBECTL_TEST(test_missing_deployment_fails_start),
		KUBECTL_TEST(test_bad_kubectl_path_fails_start),
		KUBECTL_TEST(test_context_and_kubeconfig_are_passed_through),
		KUBECTL_TEST(test_failing_forward_fails_start_quoting_kubectl),
		KUBECTL_TEST(test_slow_forward_times_out),
		KUBECTL_TEST(test_stop_request_ends_the_wait_for_a_forward),
		KUBECTL_TEST(test_a_failed_listing_is_an_event),
		KUBECTL_TEST(test_a_failed_reconnect_is_an_event),
	};
	if (!collector_test_target_available())
		return 77;
	return EP_TEST_RUN_FILTERED(tests, argc, argv);
}
