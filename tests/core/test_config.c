/* The configuration story: defaults, then the file, then the environment,
 * then flags; and every way a user can get it wrong names where. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "settings.h"

static char config_test_path[256];

static void write_ini(const char *text)
{
	snprintf(config_test_path, sizeof(config_test_path), "/tmp/ep-test-config-%d.ini",
	         (int)getpid());
	FILE *f = fopen(config_test_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *fake_env_interval;
static const char *fake_env_namespace;

static const char *fake_getenv(const char *name)
{
	if (strcmp(name, "E2E_PROFILE_INTERVAL") == 0)
		return fake_env_interval;
	if (strcmp(name, "E2E_PROFILE_NAMESPACE") == 0)
		return fake_env_namespace;
	return NULL;
}

static struct ep_config *new_config(void)
{
	struct ep_config *config = NULL;
	assert_int_equal(ep_config_new(ep_settings_schema, &config), 0);
	return config;
}

static void test_precedence_default_file_env_flag(void **unused)
{
	(void)unused;
	char err[512];
	struct ep_config *config = new_config();
	int64_t interval = 0;

	assert_int_equal(ep_config_get_int(config, "run", "interval", &interval), 0);
	assert_int_equal(interval, 15);
	assert_int_equal(ep_config_source_of(config, "run", "interval"), EP_CONFIG_SOURCE_DEFAULT);

	write_ini("[run]\ninterval = 20\ncpu_duration = 7\n");
	assert_int_equal(ep_config_load_file(config, config_test_path, err, sizeof(err)), 0);
	assert_int_equal(ep_config_get_int(config, "run", "interval", &interval), 0);
	assert_int_equal(interval, 20);

	fake_env_interval = "30";
	assert_int_equal(ep_config_apply_env(config, fake_getenv, err, sizeof(err)), 0);
	assert_int_equal(ep_config_get_int(config, "run", "interval", &interval), 0);
	assert_int_equal(interval, 30);

	assert_int_equal(ep_config_set(config, "run", "interval", "40", EP_CONFIG_SOURCE_FLAG,
	                               "--interval", err, sizeof(err)),
	                 0);
	assert_int_equal(ep_config_get_int(config, "run", "interval", &interval), 0);
	assert_int_equal(interval, 40);
	assert_int_equal(ep_config_source_of(config, "run", "interval"), EP_CONFIG_SOURCE_FLAG);

	/* Lower layers stay visible: plugin_path uses every one of them. */
	assert_string_equal(ep_config_get_from(config, "run", "interval", EP_CONFIG_SOURCE_FILE),
	                    "20");
	/* A key only the file set keeps the file's value. */
	int64_t cpu = 0;
	assert_int_equal(ep_config_get_int(config, "run", "cpu_duration", &cpu), 0);
	assert_int_equal(cpu, 7);
	fake_env_interval = NULL;
	ep_config_free(config);
	unlink(config_test_path);
}

/* Loads text and expects it to fail with a message containing want. */
static void expect_file_error(const char *text, const char *want)
{
	char err[512] = "";
	struct ep_config *config = new_config();
	write_ini(text);
	assert_int_not_equal(ep_config_load_file(config, config_test_path, err, sizeof(err)), 0);
	if (strstr(err, want) == NULL || strstr(err, config_test_path) == NULL)
		fail_msg("error '%s' lacks '%s' or the file name", err, want);
	ep_config_free(config);
	unlink(config_test_path);
}

static void test_unknown_section(void **unused)
{
	(void)unused;
	expect_file_error("[run]\ninterval = 5\n\n[runn]\n", ":4: unknown section [runn]");
}

static void test_unknown_key(void **unused)
{
	(void)unused;
	expect_file_error("[run]\nintervall = 5\n", ":2: [run] unknown key 'intervall'");
}

static void test_malformed_int(void **unused)
{
	(void)unused;
	expect_file_error("[run]\n\ninterval = 5s\n",
	                  ":3: [run] interval: '5s' is not a valid integer");
}

static void test_malformed_bool(void **unused)
{
	(void)unused;
	expect_file_error("[run]\ngc = maybe\n", ":2: [run] gc: 'maybe' is not a valid boolean");
}

static void test_duplicate_key(void **unused)
{
	(void)unused;
	expect_file_error("[run]\ninterval = 5\ninterval = 6\n",
	                  ":3: [run] duplicate key 'interval' (first set at line 2)");
}

static void test_key_outside_section(void **unused)
{
	(void)unused;
	expect_file_error("interval = 5\n", ":1: key 'interval' is outside any section");
}

static void test_syntax_error(void **unused)
{
	(void)unused;
	expect_file_error("[run]\nthis line has no equals sign\n", ":2: syntax error");
}

static void test_unreadable_file(void **unused)
{
	(void)unused;
	char err[512];
	struct ep_config *config = new_config();
	assert_int_equal(ep_config_load_file(config, "/nonexistent/e2e.ini", err, sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/e2e.ini: cannot read the configuration"));
	ep_config_free(config);
}

static void test_env_malformed(void **unused)
{
	(void)unused;
	char err[512];
	struct ep_config *config = new_config();
	fake_env_interval = "often";
	assert_int_equal(ep_config_apply_env(config, fake_getenv, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
	                    "E2E_PROFILE_INTERVAL: [run] interval: 'often' is not a valid integer");
	fake_env_interval = NULL;
	ep_config_free(config);
}

static void test_flag_malformed(void **unused)
{
	(void)unused;
	char err[512];
	struct ep_config *config = new_config();
	assert_int_equal(ep_config_set(config, "core", "max_profile_mib", "lots",
	                               EP_CONFIG_SOURCE_FLAG, "--max", err, sizeof(err)),
	                 -EINVAL);
	assert_string_equal(err, "--max: [core] max_profile_mib: 'lots' is not a valid integer");
	ep_config_free(config);
}

static const struct ep_config_key plugin_keys[] = {
	{ "namespace", EP_CONFIG_STRING, "olmv1-system", "ns" },
	{ "port", EP_CONFIG_INT, "6060", "port" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_config_key *resolve_kubectl_only(void *context, const char *section)
{
	(void)context;
	return strcmp(section, "collector.kubectl") == 0 ? plugin_keys : NULL;
}

static void expect_plugin_error(const char *text, const char *want)
{
	char err[512] = "";
	struct ep_config *config = new_config();
	write_ini(text);
	assert_int_equal(ep_config_load_file(config, config_test_path, err, sizeof(err)), 0);
	assert_int_not_equal(
	        ep_config_check_plugins(config, resolve_kubectl_only, NULL, err, sizeof(err)), 0);
	if (strstr(err, want) == NULL || strstr(err, config_test_path) == NULL)
		fail_msg("error '%s' lacks '%s' or the file name", err, want);
	ep_config_free(config);
	unlink(config_test_path);
}

static void test_plugin_section_unknown_plugin(void **unused)
{
	(void)unused;
	expect_plugin_error("[collector.kubectl]\nport = 1\n[analyzer.nope]\n",
	                    ":3: unknown section [analyzer.nope]: no such plugin is loaded");
}

static void test_plugin_section_unknown_key(void **unused)
{
	(void)unused;
	expect_plugin_error("[collector.kubectl]\nprot = 1\n",
	                    ":2: [collector.kubectl] unknown key 'prot'");
}

static void test_plugin_section_malformed_value(void **unused)
{
	(void)unused;
	expect_plugin_error("[collector.kubectl]\nport = http\n",
	                    ":2: [collector.kubectl] port: 'http' is not a valid integer");
}

static void test_plugin_section_valid_and_env(void **unused)
{
	(void)unused;
	char err[512];
	struct ep_config *config = new_config();
	write_ini("[collector.kubectl]\nnamespace = from-file\n");
	assert_int_equal(ep_config_load_file(config, config_test_path, err, sizeof(err)), 0);
	fake_env_namespace = "from-env";
	assert_int_equal(ep_config_apply_env(config, fake_getenv, err, sizeof(err)), 0);
	assert_int_equal(
	        ep_config_check_plugins(config, resolve_kubectl_only, NULL, err, sizeof(err)), 0);
	assert_string_equal(ep_config_get(config, "collector.kubectl", "namespace"), "from-env");
	fake_env_namespace = NULL;
	ep_config_free(config);
	unlink(config_test_path);
}

static const struct ep_config_key *resolve_nothing(void *context, const char *section)
{
	(void)context;
	(void)section;
	return NULL;
}

static void test_env_for_missing_plugin_is_ignored(void **unused)
{
	(void)unused;
	char err[512];
	struct ep_config *config = new_config();
	fake_env_namespace = "ns";
	assert_int_equal(ep_config_apply_env(config, fake_getenv, err, sizeof(err)), 0);
	assert_int_equal(ep_config_check_plugins(config, resolve_nothing, NULL, err, sizeof(err)),
	                 0);
	fake_env_namespace = NULL;
	ep_config_free(config);
}

static void test_category_patterns_accumulate(void **unused)
{
	(void)unused;
	char err[512];
	struct ep_config *config = new_config();
	write_ini("[category.openapi]\ndisplay_name = OpenAPI\npattern = openapi\npattern = "
	          "^k8s\\.io/kube-openapi/\n");
	assert_int_equal(ep_config_load_file(config, config_test_path, err, sizeof(err)), 0);
	assert_string_equal(ep_config_get(config, "category.openapi", "pattern"),
	                    "openapi\n^k8s\\.io/kube-openapi/");
	ep_config_free(config);
	unlink(config_test_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence_default_file_env_flag),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_malformed_int),
		cmocka_unit_test(test_malformed_bool),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_key_outside_section),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_env_malformed),
		cmocka_unit_test(test_flag_malformed),
		cmocka_unit_test(test_plugin_section_unknown_plugin),
		cmocka_unit_test(test_plugin_section_unknown_key),
		cmocka_unit_test(test_plugin_section_malformed_value),
		cmocka_unit_test(test_plugin_section_valid_and_env),
		cmocka_unit_test(test_env_for_missing_plugin_is_ignored),
		cmocka_unit_test(test_category_patterns_accumulate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
