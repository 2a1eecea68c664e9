/* Implements the host functions of plugin.h.  Settings come from the
 * instance's own section ([KIND.NAME]); undeclared keys are refused so a
 * plugin cannot read what `help config` does not document. */
#include "host_api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "fsutil.h"
#include "pprof/aggregate.h"
#include "pprof/decode.h"
#include "report_document.h"
#include "summary.h"
#include "tree.h"

static void host_log(struct ep_instance *instance, enum ep_log_level level, const char *format, ...)
        EP_PRINTF(3, 4);
static void host_log(struct ep_instance *instance, enum ep_log_level level, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	ep_log_vwrite(instance->context->log, level, instance->plugin->section, format, args);
	va_end(args);
}

/* The effective text of a declared key: the user's value, else the default. */
static int host_config_text(struct ep_instance *instance, const char *key, enum ep_config_type type,
                            const char **text)
{
	const struct ep_config_key *declared =
	        ep_config_find_key(instance->plugin->descriptor->config_keys, key);
	if (declared == NULL) {
		host_log(instance, EP_LOG_ERROR, "reads config key '%s' it did not declare", key);
		return -ENOENT;
	}
	if (declared->type != type) {
		host_log(instance, EP_LOG_ERROR, "reads %s key '%s' as a %s",
		         ep_config_type_name(declared->type), key, ep_config_type_name(type));
		return -EINVAL;
	}
	const char *value =
	        instance->context->config
	                ? ep_config_get(instance->context->config, instance->plugin->section, key)
	                : NULL;
	*text = value ? value : declared->default_value;
	return 0;
}

static int host_config_get_string(struct ep_instance *instance, const char *key, const char **value)
{
	return host_config_text(instance, key, EP_CONFIG_STRING, value);
}

static int host_config_get_int(struct ep_instance *instance, const char *key, int64_t *value)
{
	const char *text;
	int rc = host_config_text(instance, key, EP_CONFIG_INT, &text);
	if (rc < 0)
		return rc;
	return text ? ep_config_parse_int(text, value) : -ENODATA;
}

static int host_config_get_bool(struct ep_instance *instance, const char *key, bool *value)
{
	const char *text;
	int rc = host_config_text(instance, key, EP_CONFIG_BOOL, &text);
	if (rc < 0)
		return rc;
	return text ? ep_config_parse_bool(text, value) : -ENODATA;
}

static int host_config_get_double(struct ep_instance *instance, const char *key, double *value)
{
	const char *text;
	int rc = host_config_text(instance, key, EP_CONFIG_DOUBLE, &text);
	if (rc < 0)
		return rc;
	return text ? ep_config_parse_double(text, value) : -ENODATA;
}

static void *host_alloc(size_t size)
{
	return malloc(size);
}

static void host_free(void *pointer)
{
	free(pointer);
}

static char *host_strdup(const char *string)
{
	return string ? strdup(string) : NULL;
}

struct profile_cache_entry {
	char *path;
	struct ep_profile *profile;
	size_t bytes;
};

struct ep_profile_cache {
	uint64_t budget, used;
	struct profile_cache_entry *entries;
	size_t count;
};

int ep_profile_cache_new(uint64_t budget_bytes, struct ep_profile_cache **out)
{
	struct ep_profile_cache *cache = calloc(1, sizeof(*cache));
	if (cache == NULL)
		return -ENOMEM;
	cache->budget = budget_bytes;
	*out = cache;
	return 0;
}

void ep_profile_cache_free(struct ep_profile_cache *cache)
{
	if (cache == NULL)
		return;
	for (size_t i = 0; i < cache->count; i++) {
		free(cache->entries[i].path);
		ep_profile_free(cache->entries[i].profile);
	}
	free(cache->entries);
	free(cache);
}

static struct profile_cache_entry *host_cache_find(struct ep_profile_cache *cache, const char *path,
                                                   const struct ep_profile *profile)
{
	for (size_t i = 0; cache != NULL && i < cache->count; i++)
		if ((path && strcmp(cache->entries[i].path, path) == 0) ||
		    (profile && cache->entries[i].profile == profile))
			return &cache->entries[i];
	return NULL;
}

/* Keeps a freshly decoded profile when it fits the budget; returns whether
 * the cache owns it now. */
static bool host_cache_keep(struct ep_profile_cache *cache, const char *path,
                            struct ep_profile *profile)
{
	if (cache == NULL)
		return false;
	size_t bytes = ep_profile_memory_bytes(profile);
	if (cache->used + bytes > cache->budget)
		return false;
	struct profile_cache_entry *grown =
	        realloc(cache->entries, (cache->count + 1) * sizeof(*grown));
	if (grown == NULL)
		return false;
	cache->entries = grown;
	char *copy = strdup(path);
	if (copy == NULL)
		return false;
	cache->entries[cache->count++] = (struct profile_cache_entry){ copy, profile, bytes };
	cache->used += bytes;
	return true;
}

static int host_profile_load(struct ep_instance *instance, const char *path,
                             const struct ep_profile **profile)
{
	struct ep_profile_cache *cache = instance->context->profile_cache;
	const struct profile_cache_entry *cached = host_cache_find(cache, path, NULL);
	if (cached != NULL) {
		*profile = cached->profile;
		return 0;
	}
	struct ep_profile_load_options options = {
		.max_decompressed_bytes = instance->context->max_profile_bytes,
	};
	struct ep_profile *loaded = NULL;
	char err[512];
	int rc = ep_profile_load_file(path, &options, &loaded, err, sizeof(err));
	if (rc < 0) {
		host_log(instance, EP_LOG_ERROR, "%s", err);
		return rc;
	}
	host_cache_keep(cache, path, loaded);
	*profile = loaded;
	return 0;
}

static void host_profile_release(struct ep_instance *instance, const struct ep_profile *profile)
{
	/* A cached profile stays until the cache goes; plugins cannot tell. */
	if (profile == NULL || host_cache_find(instance->context->profile_cache, NULL, profile))
		return;
	/* The host handed it out const so plugins cannot change it; it
	 * still owns it and may free it. */
	ep_profile_free((struct ep_profile *)(uintptr_t)profile);
}

static int host_profile_load_buffer(struct ep_instance *instance, const void *data, size_t size,
                                    const char *name, const struct ep_profile **profile,
                                    char *reason, size_t reason_size)
{
	struct ep_profile_load_options options = {
		.max_decompressed_bytes = instance->context->max_profile_bytes,
	};
	struct ep_profile *loaded = NULL;
	int rc = ep_profile_load_buffer(data, size, name, &options, &loaded, reason, reason_size);
	if (rc == 0)
		*profile = loaded;
	return rc;
}

int ep_host_file_open_atomic(struct ep_instance *instance, const char *path,
                             struct ep_atomic_file **file, FILE **stream)
{
	(void)instance;
	struct ep_atomic_file *opened = malloc(sizeof(*opened));
	if (opened == NULL)
		return -ENOMEM;
	int rc = ep_atomic_file_open(opened, path);
	if (rc < 0) {
		free(opened);
		return rc;
	}
	*file = opened;
	*stream = opened->stream;
	return 0;
}

int ep_host_file_commit(struct ep_instance *instance, struct ep_atomic_file *file)
{
	(void)instance;
	int rc = ep_atomic_file_commit(file);
	free(file);
	return rc;
}

void ep_host_file_abort(struct ep_instance *instance, struct ep_atomic_file *file)
{
	(void)instance;
	if (file == NULL)
		return;
	ep_atomic_file_abort(file);
	free(file);
}

static void host_record_event(struct ep_instance *instance, const char *type, const char *format,
                              ...) EP_PRINTF(3, 4);
static void host_record_event(struct ep_instance *instance, const char *type, const char *format,
                              ...)
{
	char message[1024];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	const struct ep_host_context *context = instance->context;
	if (context->event_sink != NULL)
		context->event_sink(context->event_context, instance->plugin->section, type,
		                    message);
	else
		host_log(instance, EP_LOG_WARN, "%s: %s", type, message);
}

static bool host_stop_requested(struct ep_instance *instance)
{
	const struct ep_host_context *context = instance->context;
	int threshold = context->stop_threshold > 0 ? context->stop_threshold : 1;
	return context->stop_flag != NULL && *context->stop_flag >= threshold;
}

struct host_section_list {
	const char **names;
	size_t count;
};

static int host_collect_section(void *context, const char *section)
{
	struct host_section_list *list = context;
	const char **grown = realloc(list->names, (list->count + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	list->names = grown;
	list->names[list->count++] = section;
	return 0;
}

static int host_config_sections(struct ep_instance *instance, const char *prefix,
                                const char *const **names, size_t *count)
{
	struct host_section_list list = { NULL, 0 };
	if (instance->context->config != NULL) {
		int rc = ep_config_foreach_section(instance->context->config, prefix,
		                                   host_collect_section, &list);
		if (rc < 0) {
			free(list.names);
			return rc;
		}
	}
	free(instance->section_names);
	instance->section_names = list.names;
	*names = list.names;
	*count = list.count;
	return 0;
}

static const char *host_config_get_in(struct ep_instance *instance, const char *section,
                                      const char *key)
{
	if (instance->context->config == NULL)
		return NULL;
	return ep_config_get(instance->context->config, section, key);
}

/* An ep_top with the node table it was made from, freed together. */
struct host_top {
	struct ep_top top;
	struct ep_node_table table;
	struct ep_top_row *rows;
};

int ep_top_new(const struct ep_profile *profile, const struct ep_profile *base,
               const char *sample_index, bool by_cum, const struct ep_top **out, char *err,
               size_t errlen)
{
	struct host_top *top = calloc(1, sizeof(*top));
	if (top == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int index = ep_node_table_sample_index(profile, base, sample_index, err, errlen);
	int rc = index;
	if (index < 0)
		goto error;
	rc = ep_node_table_build(&top->table, profile, index, base, err, errlen);
	if (rc < 0)
		goto error;
	ep_node_table_sort(&top->table, by_cum ? EP_NODE_ORDER_CUM : EP_NODE_ORDER_FLAT);
	top->rows = calloc(top->table.count ? top->table.count : 1, sizeof(*top->rows));
	if (top->rows == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	for (size_t i = 0; i < top->table.count; i++)
		top->rows[i] =
		        (struct ep_top_row){ top->table.nodes[i].name, top->table.nodes[i].flat,
			                     top->table.nodes[i].cum };
	top->top.row_count = top->table.count;
	top->top.rows = top->rows;
	top->top.total = top->table.total;
	top->top.sample_type = top->table.sample_type;
	*out = &top->top;
	return 0;

error:
	ep_node_table_free(&top->table);
	free(top->rows);
	free(top);
	return rc;
}

void ep_top_free(const struct ep_top *top)
{
	if (top == NULL)
		return;
	/* The public table is the first member of its private box. */
	struct host_top *box = (struct host_top *)(uintptr_t)top;
	ep_node_table_free(&box->table);
	free(box->rows);
	free(box);
}

static int host_profile_top(struct ep_instance *instance, const struct ep_profile *profile,
                            const struct ep_profile *base, const char *sample_index, bool by_cum,
                            const struct ep_top **out)
{
	char err[512];
	int rc = ep_top_new(profile, base, sample_index, by_cum, out, err, sizeof(err));
	if (rc < 0)
		host_log(instance, EP_LOG_ERROR, "%s", err);
	return rc;
}

void ep_host_top_release(struct ep_instance *instance, const struct ep_top *top)
{
	(void)instance;
	ep_top_free(top);
}

char *ep_host_format_value(char *buffer, size_t size, int64_t value, const char *unit,
                           const char *to_unit)
{
	return ep_format_value(buffer, size, value, unit, to_unit ? to_unit : "auto");
}

static int host_tree_new(struct ep_instance *instance, struct ep_tree **tree)
{
	(void)instance;
	return ep_tree_new(tree);
}

static int host_tree_add(struct ep_instance *instance, struct ep_tree *tree,
                         const struct ep_profile *profile, const char *sample_index, bool base)
{
	char err[512];
	int rc = ep_tree_add(tree, profile, sample_index, base, err, sizeof(err));
	if (rc < 0)
		host_log(instance, EP_LOG_ERROR, "%s", err);
	return rc;
}

static void host_tree_free(struct ep_instance *instance, struct ep_tree *tree)
{
	(void)instance;
	ep_tree_free(tree);
}

static const struct ep_host_api host_api_table = {
	.version = EP_HOST_API_VERSION,
	.size = sizeof(struct ep_host_api),
	.log = host_log,
	.config_get_string = host_config_get_string,
	.config_get_int = host_config_get_int,
	.config_get_bool = host_config_get_bool,
	.config_get_double = host_config_get_double,
	.alloc = host_alloc,
	.free = host_free,
	.strdup = host_strdup,
	.profile_load = host_profile_load,
	.profile_release = host_profile_release,
	.profile_load_buffer = host_profile_load_buffer,
	.file_open_atomic = ep_host_file_open_atomic,
	.file_commit = ep_host_file_commit,
	.file_abort = ep_host_file_abort,
	.record_event = host_record_event,
	.stop_requested = host_stop_requested,
	.config_sections = host_config_sections,
	.config_get_in = host_config_get_in,
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
	.profile_top = host_profile_top,
	.top_release = ep_host_top_release,
	.format_value = ep_host_format_value,
	.tree_new = host_tree_new,
	.tree_add = host_tree_add,
	.report_tree = ep_report_tree,
	.tree_free = host_tree_free,
	.summary_write = ep_summary_write,
};

const struct ep_host_api *ep_host_api_get(void)
{
	return &host_api_table;
}

int ep_instance_create(const struct ep_plugin *plugin, const struct ep_host_context *context,
                       struct ep_instance **out)
{
	struct ep_instance *instance = calloc(1, sizeof(*instance));
	if (instance == NULL)
		return -ENOMEM;
	instance->plugin = plugin;
	instance->context = context;
	if (plugin->descriptor->init != NULL) {
		int rc = plugin->descriptor->init(instance, &host_api_table, &instance->state);
		if (rc < 0) {
			/* init may have asked for its sections before failing. */
			free(instance->section_names);
			free(instance);
			return rc;
		}
	}
	*out = instance;
	return 0;
}

void ep_instance_destroy(struct ep_instance *instance)
{
	if (instance == NULL)
		return;
	if (instance->plugin->descriptor->fini != NULL)
		instance->plugin->descriptor->fini(instance->state);
	free(instance->section_names);
	free(instance);
}
