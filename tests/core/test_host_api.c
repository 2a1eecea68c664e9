/* A real plugin talks to the real host table: its settings come from its
 * own section with defaults, undeclared or mistyped reads are refused, and
 * its log lines carry its instance name. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_api.h"
#include "settings.h"

struct host_fixture {
	struct ep_plugin_registry registry;
	struct ep_config *config;
	struct ep_log log;
	struct ep_host_context context;
	char log_buffer[4096];
	FILE *log_stream;
};

static int host_setup(void **state)
{
	struct host_fixture *f = calloc(1, sizeof(*f));
	char path[1024], err[512];
	snprintf(path, sizeof(path), "%s/good.so", getenv("EP_TEST_PLUGIN_DIR"));
	assert_int_equal(ep_plugin_registry_load_file(&f->registry, path, err, sizeof(err)), 0);
	assert_int_equal(ep_config_new(ep_settings_schema, &f->config), 0);
	f->log_stream = fmemopen(f->log_buffer, sizeof(f->log_buffer), "w");
	f->log = (struct ep_log){ .threshold = EP_LOG_DEBUG, .stream = f->log_stream };
	f->context = (struct ep_host_context){ .config = f->config, .log = &f->log };
	*state = f;
	return 0;
}

static int host_teardown(void **state)
{
	struct host_fixture *f = *state;
	fclose(f->log_stream);
	ep_config_free(f->config);
	ep_plugin_registry_clear(&f->registry);
	free(f);
	return 0;
}

static void test_init_reads_own_section(void **state)
{
	struct host_fixture *f = *state;
	char err[256];
	assert_int_equal(ep_config_set(f->config, "analyzer.good", "threshold", "9",
	                               EP_CONFIG_SOURCE_FLAG, "test", err, sizeof(err)),
	                 0);
	struct ep_instance *instance = NULL;
	assert_int_equal(ep_instance_create(&f->registry.plugins[0], &f->context, &instance), 0);
	ep_instance_destroy(instance);
	fflush(f->log_stream);
	assert_non_null(strstr(f->log_buffer,
	                       "e2e-profile: analyzer.good: init threshold=9 label=(none)\n"));
	assert_non_null(strstr(f->log_buffer, "e2e-profile: analyzer.good: fini\n"));
}

static void test_defaults_apply(void **state)
{
	struct host_fixture *f = *state;
	struct ep_instance *instance = NULL;
	assert_int_equal(ep_instance_create(&f->registry.plugins[0], &f->context, &instance), 0);
	const struct ep_host_api *host = ep_host_api_get();
	bool enabled = false;
	assert_int_equal(host->config_get_bool(instance, "enabled", &enabled), 0);
	assert_true(enabled);
	const char *label = "unchanged";
	assert_int_equal(host->config_get_string(instance, "label", &label), 0);
	assert_null(label);
	int64_t n;
	assert_int_equal(host->config_get_int(instance, "label", &n), -EINVAL);
	assert_int_equal(host->config_get_int(instance, "undeclared", &n), -ENOENT);
	ep_instance_destroy(instance);
	fflush(f->log_stream);
	assert_non_null(
	        strstr(f->log_buffer,
	               "analyzer.good: error: reads config key 'undeclared' it did not declare"));
}

static void test_table_header(void **unused)
{
	(void)unused;
	const struct ep_host_api *host = ep_host_api_get();
	assert_int_equal(host->version, EP_HOST_API_VERSION);
	assert_int_equal(host->size, sizeof(struct ep_host_api));
	char *copy = host->strdup("text");
	assert_string_equal(copy, "text");
	host->free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_reads_own_section, host_setup,
		                                host_teardown),
		cmocka_unit_test_setup_teardown(test_defaults_apply, host_setup, host_teardown),
		cmocka_unit_test(test_table_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
