/* Shared helpers of the analyzer tests; see analyzer_test.h. */
#include "analyzer_test.h"

#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

const struct ep_plugin_descriptor *analyzer_test_load(const char *env_name)
{
	const struct ep_plugin_descriptor *descriptor =
	        ep_mock_host_load_plugin(env_name, EP_PLUGIN_KIND_ANALYZER);
	assert_non_null(descriptor);
	return descriptor;
}

static struct analyzer_test_host *analyzer_test_host_of(struct ep_instance *instance)
{
	/* mock is the first member, so its address is the wrapper's. */
	return (struct analyzer_test_host *)(void *)instance->mock;
}

static int analyzer_test_profile_load(struct ep_instance *instance, const char *path,
                                      const struct ep_profile **profile)
{
	struct analyzer_test_host *host = analyzer_test_host_of(instance);
	int rc = host->real_profile_load(instance, path, profile);
	if (rc == 0) {
		host->loads++;
		if (host->mock.live_profiles > host->max_live_profiles)
			host->max_live_profiles = host->mock.live_profiles;
	}
	return rc;
}

void analyzer_test_host_init(struct analyzer_test_host *host,
                             const struct ep_plugin_descriptor *descriptor)
{
	memset(host, 0, sizeof(*host));
	ep_mock_host_init(&host->mock, descriptor);
	host->real_profile_load = host->mock.api.profile_load;
	host->mock.api.profile_load = analyzer_test_profile_load;
}

void analyzer_test_run_init(struct analyzer_test_run *run, const char *name, size_t count,
                            const char *const *files, const char *const *kinds,
                            const double *offsets, double duration_seconds)
{
	memset(run, 0, sizeof(*run));
	assert_true(count <= ANALYZER_TEST_MAX_SNAPSHOTS);
	const char *data = getenv("EP_TEST_DATA_DIR");
	if (data == NULL)
		fail_msg("EP_TEST_DATA_DIR is not set (run through meson test)");
	const char *tmp = getenv("TMPDIR");
	snprintf(run->directory, sizeof(run->directory), "%s/ep-analyzer-test.XXXXXX",
	         tmp != NULL ? tmp : "/tmp");
	assert_non_null(mkdtemp(run->directory));

	unsigned per_kind[8] = { 0 };
	const char *kind_names[8] = { 0 };
	for (size_t i = 0; i < count; i++) {
		const char *kind = kinds != NULL ? kinds[i] : "heap";
		size_t k = 0;
		while (kind_names[k] != NULL && strcmp(kind_names[k], kind) != 0)
			k++;
		kind_names[k] = kind;
		unsigned index = per_kind[k]++;
		snprintf(run->paths[i], sizeof(run->paths[i]), "%s/%s%u.pprof", run->directory,
		         kind, index);
		char target[512];
		snprintf(target, sizeof(target), "%s/%s", data,
		         files[i] != NULL ? files[i] : "does-not-exist.pb.gz");
		assert_int_equal(symlink(target, run->paths[i]), 0);
		run->snapshots[i] = (struct ep_snapshot_info){
			.index = index,
			.kind = kind,
			.path = run->paths[i],
			.time_unix_ns = 1700000000000000000LL + (int64_t)(offsets[i] * 1e9),
			.offset_seconds = offsets[i],
			.source = "test",
		};
	}
	run->info = (struct ep_run_info){
		.name = name,
		.directory = run->directory,
		.snapshot_count = count,
		.snapshots = run->snapshots,
		.status = "completed",
		.started_unix_ns = 1700000000000000000LL,
		.ended_unix_ns = 1700000000000000000LL + (int64_t)(duration_seconds * 1e9),
		.command_exit_status = 0,
		.interval_seconds = 15,
	};
}

void analyzer_test_run_free(struct analyzer_test_run *run)
{
	for (size_t i = 0; i < run->info.snapshot_count; i++)
		unlink(run->paths[i]);
	rmdir(run->directory);
}

const struct ep_report_section *analyzer_test_section(const struct ep_report_document *document,
                                                      const char *id)
{
	for (size_t s = 0; s < document->section_count; s++)
		if (strcmp(document->sections[s]->id, id) == 0)
			return document->sections[s];
	fail_msg("no section %s", id);
	return NULL;
}

static const char *analyzer_test_item_id(const struct ep_report_item *item)
{
	switch (item->kind) {
	case EP_REPORT_METRIC:
		return item->u.metric->id;
	case EP_REPORT_TABLE:
		return item->u.table->id;
	case EP_REPORT_SERIES:
		return item->u.series->id;
	case EP_REPORT_COMPARISON:
		return item->u.comparison->id;
	case EP_REPORT_TREE:
		return item->u.tree->id;
	case EP_REPORT_NOTE:
	case EP_REPORT_RECOMMENDATION:
		break;
	}
	return "";
}

/* The first item of kind with id in any section; fails the test when
 * there is none. */
static const struct ep_report_item *analyzer_test_item(const struct ep_report_document *document,
                                                       enum ep_report_item_kind kind,
                                                       const char *id)
{
	for (size_t s = 0; s < document->section_count; s++) {
		const struct ep_report_section *section = document->sections[s];
		for (size_t i = 0; i < section->item_count; i++) {
			const struct ep_report_item *item = &section->items[i];
			if (item->kind != kind)
				continue;
			const char *item_id = analyzer_test_item_id(item);
			if (strcmp(item_id, id) == 0)
				return item;
		}
	}
	fail_msg("no item %s", id);
	return NULL;
}

const struct ep_report_metric *analyzer_test_metric(const struct ep_report_document *document,
                                                    const char *id)
{
	return analyzer_test_item(document, EP_REPORT_METRIC, id)->u.metric;
}

const struct ep_report_table *analyzer_test_table(const struct ep_report_document *document,
                                                  const char *id)
{
	return analyzer_test_item(document, EP_REPORT_TABLE, id)->u.table;
}

const struct ep_report_series *analyzer_test_series(const struct ep_report_document *document,
                                                    const char *id)
{
	return analyzer_test_item(document, EP_REPORT_SERIES, id)->u.series;
}

const struct ep_report_comparison *
analyzer_test_comparison(const struct ep_report_document *document, const char *id)
{
	return analyzer_test_item(document, EP_REPORT_COMPARISON, id)->u.comparison;
}

const struct ep_value *analyzer_test_cell(const struct ep_report_table *table, size_t row,
                                          const char *column)
{
	if (row >= table->row_count)
		fail_msg("%s has %zu rows, no row %zu", table->id, table->row_count, row);
	for (size_t c = 0; c < table->column_count; c++)
		if (strcmp(table->columns[c].id, column) == 0)
			return &table->cells[row * table->column_count + c];
	fail_msg("%s has no column %s", table->id, column);
	return NULL;
}

bool analyzer_test_note(const struct ep_report_document *document, const char *text)
{
	for (size_t s = 0; s < document->section_count; s++) {
		const struct ep_report_section *section = document->sections[s];
		for (size_t i = 0; i < section->item_count; i++)
			if (section->items[i].kind == EP_REPORT_NOTE &&
			    strstr(section->items[i].u.note, text) != NULL)
				return true;
	}
	return false;
}

long long analyzer_test_int(const struct ep_report_table *table, size_t row, const char *column)
{
	const struct ep_value *value = analyzer_test_cell(table, row, column);
	assert_int_equal(value->type, EP_VALUE_INT);
	return (long long)value->integer;
}

double analyzer_test_double(const struct ep_report_table *table, size_t row, const char *column)
{
	const struct ep_value *value = analyzer_test_cell(table, row, column);
	assert_int_equal(value->type, EP_VALUE_DOUBLE);
	return value->real;
}

const char *analyzer_test_text(const struct ep_report_table *table, size_t row, const char *column)
{
	const struct ep_value *value = analyzer_test_cell(table, row, column);
	assert_int_equal(value->type, EP_VALUE_TEXT);
	return value->text;
}

void analyzer_test_assert_near(double actual, double expected, double tolerance, const char *what,
                               const char *file, int line)
{
	double difference = actual - expected;
	if (difference < 0)
		difference = -difference;
	if (!(difference <= tolerance))
		fail_msg("%s:%d: %s is %.10g, expected %.10g (within %g)", file, line, what, actual,
		         expected, tolerance);
}
