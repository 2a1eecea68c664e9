/* The test kit's mock host (include/e2e-profile/mock-host.h): its
 * functions mirror core/host_api.c's contract (declared keys only, typed
 * reads, defaults) without the rest of the core, while profiles, top tables,
 * files and reports use the core's own code, so a plugin's test sees the
 * figures the CLI prints. */
#include <e2e-profile/mock-host.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "host_shared.h"
#include "pprof/decode.h"
#include "report_document.h"
#include "summary.h"
#include "tree.h"

static void mock_log(struct ep_instance *instance, enum ep_log_level level, const char *format, ...)
        EP_PRINTF(3, 4);
static void mock_log(struct ep_instance *instance, enum ep_log_level level, const char *format, ...)
{
	struct ep_mock_host *mock = instance->mock;
	if (mock->log_count == EP_MOCK_HOST_MAX_LOG)
		return;
	va_list args;
	va_start(args, format);
	vsnprintf(mock->log[mock->log_count], sizeof(mock->log[0]), format, args);
	va_end(args);
	mock->log_level[mock->log_count++] = level;
}

static int mock_text(struct ep_instance *instance, const char *key, enum ep_config_type type,
                     const char **text)
{
	struct ep_mock_host *mock = instance->mock;
	const struct ep_config_key *declared =
	        ep_config_find_key(mock->descriptor->config_keys, key);
	if (declared == NULL)
		return -ENOENT;
	if (declared->type != type)
		return -EINVAL;
	*text = declared->default_value;
	for (size_t i = 0; i < mock->setting_count; i++)
		if (strcmp(mock->settings[i][0], key) == 0)
			*text = mock->settings[i][1];
	return 0;
}

static int mock_get_string(struct ep_instance *instance, const char *key, const char **value)
{
	return mock_text(instance, key, EP_CONFIG_STRING, value);
}

static int mock_get_int(struct ep_instance *instance, const char *key, int64_t *value)
{
	const char *text;
	int rc = mock_text(instance, key, EP_CONFIG_INT, &text);
	return rc < 0 ? rc : text ? ep_config_parse_int(text, value) : -ENODATA;
}

static int mock_get_bool(struct ep_instance *instance, const char *key, bool *value)
{
	const char *text;
	int rc = mock_text(instance, key, EP_CONFIG_BOOL, &text);
	return rc < 0 ? rc : text ? ep_config_parse_bool(text, value) : -ENODATA;
}

static int mock_get_double(struct ep_instance *instance, const char *key, double *value)
{
	const char *text;
	int rc = mock_text(instance, key, EP_CONFIG_DOUBLE, &text);
	return rc < 0 ? rc : text ? ep_config_parse_double(text, value) : -ENODATA;
}

static void *mock_alloc(size_t size)
{
	return malloc(size);
}

static void mock_free(void *pointer)
{
	free(pointer);
}

static char *mock_strdup(const char *string)
{
	return string ? strdup(string) : NULL;
}

static int mock_profile_load(struct ep_instance *instance, const char *path,
                             const struct ep_profile **profile)
{
	struct ep_profile *loaded;
	char err[512];
	int rc = ep_profile_load_file(path, NULL, &loaded, err, sizeof(err));
	if (rc < 0) {
		mock_log(instance, EP_LOG_ERROR, "%s", err);
		return rc;
	}
	instance->mock->live_profiles++;
	*profile = loaded;
	return 0;
}

static void mock_profile_release(struct ep_instance *instance, const struct ep_profile *profile)
{
	if (profile == NULL)
		return;
	instance->mock->live_profiles--;
	ep_profile_free((struct ep_profile *)(uintptr_t)profile);
}

static int mock_profile_load_buffer(struct ep_instance *instance, const void *data, size_t size,
                                    const char *name, const struct ep_profile **profile,
                                    char *reason, size_t reason_size)
{
	struct ep_profile *loaded;
	int rc = ep_profile_load_buffer(data, size, name, NULL, &loaded, reason, reason_size);
	if (rc < 0)
		return rc;
	instance->mock->live_profiles++;
	*profile = loaded;
	return 0;
}

static void mock_record_event(struct ep_instance *instance, const char *type, const char *format,
                              ...) EP_PRINTF(3, 4);
static void mock_record_event(struct ep_instance *instance, const char *type, const char *format,
                              ...)
{
	struct ep_mock_host *mock = instance->mock;
	if (mock->event_count == EP_MOCK_HOST_MAX_LOG)
		return;
	char message[400];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	snprintf(mock->events[mock->event_count++], sizeof(mock->events[0]), "%s: %s", type,
	         message);
}

static bool mock_stop_requested(struct ep_instance *instance)
{
	return instance->mock->stop;
}

static int mock_config_sections(struct ep_instance *instance, const char *prefix,
                                const char *const **names, size_t *count)
{
	struct ep_mock_host *mock = instance->mock;
	size_t found = 0;
	for (size_t i = 0; i < mock->section_setting_count; i++) {
		const char *section = mock->sections[i][0];
		if (strncmp(section, prefix, strlen(prefix)) != 0)
			continue;
		bool seen = false;
		for (size_t j = 0; j < found; j++)
			seen = seen || strcmp(mock->section_names[j], section) == 0;
		if (!seen)
			mock->section_names[found++] = section;
	}
	*names = mock->section_names;
	*count = found;
	return 0;
}

static const char *mock_config_get_in(struct ep_instance *instance, const char *section,
                                      const char *key)
{
	struct ep_mock_host *mock = instance->mock;
	for (size_t i = 0; i < mock->section_setting_count; i++)
		if (strcmp(mock->sections[i][0], section) == 0 &&
		    strcmp(mock->sections[i][1], key) == 0)
			return mock->sections[i][2];
	return NULL;
}

static int mock_profile_top(struct ep_instance *instance, const struct ep_profile *profile,
                            const struct ep_profile *base, const char *sample_index, bool by_cum,
                            const struct ep_top **out)
{
	char err[512];
	int rc = ep_top_new(profile, base, sample_index, by_cum, out, err, sizeof(err));
	if (rc < 0)
		mock_log(instance, EP_LOG_ERROR, "%s", err);
	return rc;
}

/* Stack trees are the core's, as reports are. */
static int mock_tree_new(struct ep_instance *instance, struct ep_tree **tree)
{
	(void)instance;
	return ep_tree_new(tree);
}

static int mock_tree_add(struct ep_instance *instance, struct ep_tree *tree,
                         const struct ep_profile *profile, const char *sample_index, bool base)
{
	char err[512];
	int rc = ep_tree_add(tree, profile, sample_index, base, err, sizeof(err));
	if (rc < 0)
		mock_log(instance, EP_LOG_ERROR, "%s", err);
	return rc;
}

static void mock_tree_free(struct ep_instance *instance, struct ep_tree *tree)
{
	(void)instance;
	ep_tree_free(tree);
}

void ep_mock_host_set_in(struct ep_mock_host *mock, const char *section, const char *key,
                         const char *value)
{
	if (mock->section_setting_count < EP_MOCK_HOST_MAX_SETTINGS) {
		mock->sections[mock->section_setting_count][0] = section;
		mock->sections[mock->section_setting_count][1] = key;
		mock->sections[mock->section_setting_count][2] = value;
		mock->section_setting_count++;
	}
}

void ep_mock_host_init(struct ep_mock_host *mock, const struct ep_plugin_descriptor *descriptor)
{
	memset(mock, 0, sizeof(*mock));
	mock->api = (struct ep_host_api){
		.version = EP_HOST_API_VERSION,
		.size = sizeof(struct ep_host_api),
		.log = mock_log,
		.config_get_string = mock_get_string,
		.config_get_int = mock_get_int,
		.config_get_bool = mock_get_bool,
		.config_get_double = mock_get_double,
		.alloc = mock_alloc,
		.free = mock_free,
		.strdup = mock_strdup,
		.profile_load = mock_profile_load,
		.profile_release = mock_profile_release,
		.profile_load_buffer = mock_profile_load_buffer,
		.file_open_atomic = ep_host_file_open_atomic,
		.file_commit = ep_host_file_commit,
		.file_abort = ep_host_file_abort,
		.record_event = mock_record_event,
		.stop_requested = mock_stop_requested,
		.config_sections = mock_config_sections,
		.config_get_in = mock_config_get_in,
		/* Reports are the real core builder: a test creates one with
		 * ep_report_new() and reads it back with ep_report_document(). */
		.report_section = ep_report_section,
		.report_metric = ep_report_metric,
		.report_table = ep_report_table,
		.report_row = ep_report_row,
		.report_series = ep_report_series,
		.report_point = ep_report_point,
		.report_note = ep_report_note,
		.report_recommendation = ep_report_recommendation,
		.report_comparison = ep_report_comparison,
		.report_document = ep_report_document,
		.profile_top = mock_profile_top,
		.top_release = ep_host_top_release,
		.format_value = ep_host_format_value,
		.tree_new = mock_tree_new,
		.tree_add = mock_tree_add,
		.report_tree = ep_report_tree,
		.tree_free = mock_tree_free,
		.summary_write = ep_summary_write,
	};
	mock->instance.mock = mock;
	mock->descriptor = descriptor;
}

void ep_mock_host_set(struct ep_mock_host *mock, const char *key, const char *value)
{
	if (mock->setting_count < EP_MOCK_HOST_MAX_SETTINGS) {
		mock->settings[mock->setting_count][0] = key;
		mock->settings[mock->setting_count][1] = value;
		mock->setting_count++;
	}
}

int ep_mock_host_start(struct ep_mock_host *mock)
{
	if (mock->descriptor->init == NULL)
		return 0;
	return mock->descriptor->init(&mock->instance, &mock->api, &mock->state);
}

void ep_mock_host_stop(struct ep_mock_host *mock)
{
	if (mock->descriptor->fini != NULL)
		mock->descriptor->fini(mock->state);
}

bool ep_mock_host_logged(const struct ep_mock_host *mock, const char *text)
{
	for (size_t i = 0; i < mock->log_count; i++)
		if (strstr(mock->log[i], text) != NULL)
			return true;
	return false;
}

bool ep_mock_host_event(const struct ep_mock_host *mock, const char *text)
{
	for (size_t i = 0; i < mock->event_count; i++)
		if (strstr(mock->events[i], text) != NULL)
			return true;
	return false;
}

struct ep_report *ep_mock_host_report_new(const char *kind, const char *run_a, const char *run_b)
{
	struct ep_report *report;
	return ep_report_new(kind, "test", run_a, run_b, &report) < 0 ? NULL : report;
}

void ep_mock_host_report_free(struct ep_report *report)
{
	if (report != NULL)
		ep_report_free(report);
}

const struct ep_report_document *ep_mock_host_report_document(struct ep_report *report)
{
	return ep_report_document(report);
}

const struct ep_report_section *ep_mock_host_find_section(const struct ep_report_document *document,
                                                          const char *id)
{
	for (size_t s = 0; s < document->section_count; s++)
		if (strcmp(document->sections[s]->id, id) == 0)
			return document->sections[s];
	return NULL;
}

static const char *mock_item_id(const struct ep_report_item *item)
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
	return NULL;
}

const struct ep_report_item *ep_mock_host_find_item(const struct ep_report_document *document,
                                                    enum ep_report_item_kind kind, const char *id)
{
	for (size_t s = 0; s < document->section_count; s++) {
		const struct ep_report_section *section = document->sections[s];
		for (size_t i = 0; i < section->item_count; i++) {
			const struct ep_report_item *item = &section->items[i];
			const char *item_id = item->kind == kind ? mock_item_id(item) : NULL;
			if (item_id != NULL && strcmp(item_id, id) == 0)
				return item;
		}
	}
	return NULL;
}

const struct ep_value *ep_mock_host_table_cell(const struct ep_report_table *table, size_t row,
                                               const char *column)
{
	if (row >= table->row_count)
		return NULL;
	for (size_t c = 0; c < table->column_count; c++)
		if (strcmp(table->columns[c].id, column) == 0)
			return &table->cells[row * table->column_count + c];
	return NULL;
}

bool ep_mock_host_find_note(const struct ep_report_document *document, const char *text)
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

const struct ep_plugin_descriptor *ep_mock_host_load_plugin(const char *env_name,
                                                            enum ep_plugin_kind kind)
{
	const char *path = getenv(env_name);
	if (path == NULL) {
		fprintf(stderr, "%s is not set (run through meson test)\n", env_name);
		return NULL;
	}
	void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (module == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return NULL;
	}
	ep_plugin_entry_fn entry;
	void *symbol = dlsym(module, EP_PLUGIN_ENTRY_SYMBOL);
	/* POSIX's way to turn dlsym's void * into a function pointer. */
	memcpy(&entry, &symbol, sizeof(entry));
	if (symbol == NULL) {
		fprintf(stderr, "%s has no %s\n", path, EP_PLUGIN_ENTRY_SYMBOL);
		return NULL;
	}
	const struct ep_plugin_descriptor *descriptor = entry();
	bool ops = (kind == EP_PLUGIN_KIND_COLLECTOR && descriptor->collector != NULL) ||
	           (kind == EP_PLUGIN_KIND_ANALYZER && descriptor->analyzer != NULL &&
	            descriptor->analyzer->analyze != NULL) ||
	           (kind == EP_PLUGIN_KIND_REPORTER && descriptor->reporter != NULL);
	if (descriptor->abi_major != EP_PLUGIN_ABI_MAJOR || descriptor->kind != kind || !ops) {
		fprintf(stderr, "%s: not a plugin of kind %d for ABI %d\n", path, (int)kind,
		        EP_PLUGIN_ABI_MAJOR);
		return NULL;
	}
	return descriptor;
}

void ep_mock_host_remove_tree(const char *path)
{
	DIR *directory = opendir(path);
	if (directory != NULL) {
		struct dirent *entry;
		while ((entry = readdir(directory)) != NULL) {
			if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
				continue;
			char child[4096];
			struct stat info;
			snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
			if (lstat(child, &info) == 0 && S_ISDIR(info.st_mode))
				ep_mock_host_remove_tree(child);
			else
				unlink(child);
		}
		closedir(directory);
	}
	rmdir(path);
}
