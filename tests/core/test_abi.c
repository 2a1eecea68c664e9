/* ABI 1.0 layout, frozen: a member moved, resized or inserted before the end
 * breaks every plugin already built, so these numbers may only change with
 * EP_PLUGIN_ABI_MAJOR. Appending members changes only the sizes, together
 * with EP_PLUGIN_ABI_MINOR / EP_HOST_API_VERSION. (LP64 figures.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plugin_loader.h"

static void test_descriptor_layout(void **unused)
{
	(void)unused;
	assert_int_equal(offsetof(struct ep_plugin_descriptor, abi_major), 0);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, abi_minor), 2);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, struct_size), 4);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, kind), 8);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, name), 16);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, version), 24);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, description), 32);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, config_keys), 40);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, init), 48);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, fini), 56);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, collector), 64);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, analyzer), 72);
	assert_int_equal(offsetof(struct ep_plugin_descriptor, reporter), 80);
	assert_int_equal(sizeof(struct ep_plugin_descriptor), 88);
	assert_int_equal(ep_plugin_descriptor_min_size(0), 88);
	assert_int_equal(sizeof(enum ep_plugin_kind), 4);
}

static void test_host_api_layout(void **unused)
{
	(void)unused;
	assert_int_equal(EP_HOST_API_VERSION, 2);
	assert_int_equal(offsetof(struct ep_host_api, version), 0);
	assert_int_equal(offsetof(struct ep_host_api, size), 4);
	assert_int_equal(offsetof(struct ep_host_api, log), 8);
	assert_int_equal(offsetof(struct ep_host_api, config_get_string), 16);
	assert_int_equal(offsetof(struct ep_host_api, config_get_int), 24);
	assert_int_equal(offsetof(struct ep_host_api, config_get_bool), 32);
	assert_int_equal(offsetof(struct ep_host_api, config_get_double), 40);
	assert_int_equal(offsetof(struct ep_host_api, alloc), 48);
	assert_int_equal(offsetof(struct ep_host_api, free), 56);
	assert_int_equal(offsetof(struct ep_host_api, strdup), 64);
	assert_int_equal(offsetof(struct ep_host_api, profile_load), 72);
	assert_int_equal(offsetof(struct ep_host_api, profile_release), 80);
	assert_int_equal(offsetof(struct ep_host_api, profile_load_buffer), 88);
	assert_int_equal(offsetof(struct ep_host_api, file_open_atomic), 96);
	assert_int_equal(offsetof(struct ep_host_api, file_commit), 104);
	assert_int_equal(offsetof(struct ep_host_api, file_abort), 112);
	assert_int_equal(offsetof(struct ep_host_api, record_event), 120);
	assert_int_equal(offsetof(struct ep_host_api, stop_requested), 128);
	assert_int_equal(offsetof(struct ep_host_api, config_sections), 136);
	assert_int_equal(offsetof(struct ep_host_api, config_get_in), 144);
	assert_int_equal(offsetof(struct ep_host_api, report_section), 152);
	assert_int_equal(offsetof(struct ep_host_api, report_metric), 160);
	assert_int_equal(offsetof(struct ep_host_api, report_table), 168);
	assert_int_equal(offsetof(struct ep_host_api, report_row), 176);
	assert_int_equal(offsetof(struct ep_host_api, report_series), 184);
	assert_int_equal(offsetof(struct ep_host_api, report_point), 192);
	assert_int_equal(offsetof(struct ep_host_api, report_note), 200);
	assert_int_equal(offsetof(struct ep_host_api, report_recommendation), 208);
	assert_int_equal(offsetof(struct ep_host_api, report_comparison), 216);
	assert_int_equal(offsetof(struct ep_host_api, report_document), 224);
	assert_int_equal(offsetof(struct ep_host_api, profile_top), 232);
	assert_int_equal(offsetof(struct ep_host_api, top_release), 240);
	assert_int_equal(offsetof(struct ep_host_api, format_value), 248);
	/* version 2 (ABI 1.1): stack trees */
	assert_int_equal(offsetof(struct ep_host_api, tree_new), 256);
	assert_int_equal(offsetof(struct ep_host_api, tree_add), 264);
	assert_int_equal(offsetof(struct ep_host_api, report_tree), 272);
	assert_int_equal(offsetof(struct ep_host_api, tree_free), 280);
	assert_int_equal(offsetof(struct ep_host_api, summary_write), 288);
	assert_int_equal(sizeof(struct ep_host_api), 296);
}

static void test_ops_tables_start_with_version(void **unused)
{
	(void)unused;
	assert_int_equal(offsetof(struct ep_collector_ops, version), 0);
	assert_int_equal(offsetof(struct ep_analyzer_ops, version), 0);
	assert_int_equal(offsetof(struct ep_reporter_ops, version), 0);
	assert_int_equal(offsetof(struct ep_collector_ops, start), 8);
	assert_int_equal(offsetof(struct ep_collector_ops, sources), 16);
	assert_int_equal(offsetof(struct ep_collector_ops, snapshot), 24);
	assert_int_equal(offsetof(struct ep_collector_ops, stop), 32);
	assert_int_equal(offsetof(struct ep_snapshot_request, source), 8);
	assert_int_equal(offsetof(struct ep_snapshot_request, cpu_seconds), 36);
	assert_int_equal(offsetof(struct ep_analyzer_ops, analyze), 8);
	assert_int_equal(offsetof(struct ep_analyzer_ops, compare), 16);
	assert_int_equal(offsetof(struct ep_run_info, test_started_unix_ns), 80);
	assert_int_equal(sizeof(struct ep_run_info), 96);
	assert_int_equal(sizeof(struct ep_snapshot_info), 48);
	assert_int_equal(offsetof(struct ep_reporter_ops, render), 8);
	assert_int_equal(sizeof(struct ep_report_frame), 32);
	assert_int_equal(offsetof(struct ep_report_tree, frames), 80);
	assert_int_equal(offsetof(struct ep_config_key, name), 0);
	assert_int_equal(offsetof(struct ep_config_key, type), 8);
	assert_int_equal(offsetof(struct ep_config_key, default_value), 16);
	assert_int_equal(offsetof(struct ep_config_key, help), 24);
	assert_int_equal(sizeof(struct ep_config_key), 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor_layout),
		cmocka_unit_test(test_host_api_layout),
		cmocka_unit_test(test_ops_tables_start_with_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
