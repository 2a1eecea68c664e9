/* Layered configuration store and its checks.  Values are kept per source so
 * that precedence is a lookup, not an overwrite, and so that errors can
 * always name the file and line, variable or flag a value came from. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct config_entry {
	char *section;
	char *key;
	char *value;
	enum ep_config_source source;
	char *origin; /* file path, variable or flag name */
	int line;     /* file line, 0 otherwise */
	bool checked; /* validated against a key list */
};

struct config_section_seen {
	char *name;
	char *origin;
	int line;
};

struct ep_config {
	const struct ep_config_section_schema *schema;
	struct config_entry *entries;
	size_t entry_count, entry_capacity;
	struct config_section_seen *sections; /* sections named in files, in order */
	size_t section_count, section_capacity;
};

/* Environment variables keep the names users of the original scripts know. */
static const struct {
	const char *variable;
	const char *section;
	const char *key;
} config_environment[] = {
	{ "E2E_PROFILE_NAMESPACE", "collector.kubectl", "namespace" },
	{ "E2E_PROFILE_NAMESPACE", "collector.apiserver", "namespace" },
	{ "E2E_PROFILE_INTERVAL", "run", "interval" },
	{ "E2E_PROFILE_CPU_DURATION", "run", "cpu_duration" },
	{ "E2E_PROFILE_DIR", "core", "output_dir" },
	{ "E2E_PROFILE_TEST_TARGET", "run", "target" },
	{ "E2E_PROFILE_PLUGIN_PATH", "core", "plugin_path" },
	/* One set of CI labels (branch, commit) for both Prometheus reporters. */
	{ "E2E_PROFILE_LABELS", "reporter.prometheus", "labels" },
	{ "E2E_PROFILE_LABELS", "reporter.openmetrics", "labels" },
};

static const char *const config_plugin_prefixes[] = { "collector.", "analyzer.", "reporter." };

static void config_error(char *err, size_t errlen, const char *format, ...) EP_PRINTF(3, 4);
static void config_error(char *err, size_t errlen, const char *format, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list args;
	va_start(args, format);
	vsnprintf(err, errlen, format, args);
	va_end(args);
}

int ep_config_parse_int(const char *text, int64_t *value)
{
	if (text == NULL || *text == '\0')
		return -EINVAL;
	char *end = NULL;
	errno = 0;
	long long parsed = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0')
		return -EINVAL;
	*value = parsed;
	return 0;
}

int ep_config_parse_bool(const char *text, bool *value)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	if (text == NULL)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*value = true;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*value = false;
			return 0;
		}
	}
	return -EINVAL;
}

int ep_config_parse_double(const char *text, double *value)
{
	if (text == NULL || *text == '\0')
		return -EINVAL;
	char *end = NULL;
	errno = 0;
	double parsed = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !isfinite(parsed))
		return -EINVAL;
	*value = parsed;
	return 0;
}

const char *ep_config_type_name(enum ep_config_type type)
{
	switch (type) {
	case EP_CONFIG_STRING:
		return "string";
	case EP_CONFIG_INT:
		return "integer";
	case EP_CONFIG_BOOL:
		return "boolean";
	case EP_CONFIG_DOUBLE:
		return "number";
	}
	return "unknown";
}

const struct ep_config_key *ep_config_find_key(const struct ep_config_key *keys, const char *name)
{
	for (const struct ep_config_key *key = keys; key != NULL && key->name != NULL; key++)
		if (strcmp(key->name, name) == 0)
			return key;
	return NULL;
}

static int config_check_value(const struct ep_config_key *key, const char *value)
{
	int64_t as_int;
	bool as_bool;
	double as_double;
	switch (key->type) {
	case EP_CONFIG_STRING:
		return 0;
	case EP_CONFIG_INT:
		return ep_config_parse_int(value, &as_int);
	case EP_CONFIG_BOOL:
		return ep_config_parse_bool(value, &as_bool);
	case EP_CONFIG_DOUBLE:
		return ep_config_parse_double(value, &as_double);
	}
	return -EINVAL;
}

static bool config_is_plugin_section(const char *section)
{
	for (size_t i = 0; i < sizeof(config_plugin_prefixes) / sizeof(config_plugin_prefixes[0]);
	     i++) {
		size_t len = strlen(config_plugin_prefixes[i]);
		if (strncmp(section, config_plugin_prefixes[i], len) == 0 && section[len] != '\0')
			return true;
	}
	return false;
}

static const struct ep_config_section_schema *config_core_section(const struct ep_config *config,
                                                                  const char *section)
{
	for (const struct ep_config_section_schema *s = config->schema; s->name != NULL; s++) {
		if (!s->is_prefix && strcmp(s->name, section) == 0)
			return s;
		size_t len = strlen(s->name);
		if (s->is_prefix && strncmp(section, s->name, len) == 0 && section[len] == '.' &&
		    section[len + 1] != '\0')
			return s;
	}
	return NULL;
}

/* "FILE:LINE: ", "VARIABLE: " or "--flag: " for error messages. */
static void config_origin_text(char *buf, size_t len, const char *origin, int line)
{
	if (line > 0)
		snprintf(buf, len, "%s:%d: ", origin, line);
	else
		snprintf(buf, len, "%s: ", origin);
}

static int config_check_entry(const struct config_entry *entry, const struct ep_config_key *keys,
                              const struct ep_config_section_schema *schema, char *err,
                              size_t errlen)
{
	char where[512];
	config_origin_text(where, sizeof(where), entry->origin, entry->line);
	const struct ep_config_key *key = ep_config_find_key(keys, entry->key);
	if (key == NULL) {
		config_error(err, errlen, "%s[%s] unknown key '%s'", where, entry->section,
		             entry->key);
		return -EINVAL;
	}
	if (config_check_value(key, entry->value) != 0) {
		config_error(err, errlen, "%s[%s] %s: '%s' is not a valid %s", where,
		             entry->section, entry->key, entry->value,
		             ep_config_type_name(key->type));
		return -EINVAL;
	}
	if (schema != NULL && schema->check_value != NULL) {
		char what[512], why[1024];
		snprintf(what, sizeof(what), "[%s] %s", entry->section, entry->key);
		if (schema->check_value(what, entry->key, entry->value, why, sizeof(why)) < 0) {
			config_error(err, errlen, "%s%s", where, why);
			return -EINVAL;
		}
	}
	return 0;
}

static struct config_entry *config_find_entry(const struct ep_config *config, const char *section,
                                              const char *key, enum ep_config_source source)
{
	for (size_t i = 0; i < config->entry_count; i++) {
		struct config_entry *e = &config->entries[i];
		if (e->source == source && strcmp(e->section, section) == 0 &&
		    strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

static void config_entry_clear(struct config_entry *entry)
{
	free(entry->section);
	free(entry->key);
	free(entry->value);
	free(entry->origin);
}

static int config_store(struct ep_config *config, const char *section, const char *key,
                        const char *value, enum ep_config_source source, const char *origin,
                        int line, bool append, char *err, size_t errlen)
{
	struct config_entry *existing = config_find_entry(config, section, key, source);
	if (existing != NULL && source == EP_CONFIG_SOURCE_FILE && !append) {
		char where[512];
		config_origin_text(where, sizeof(where), origin, line);
		config_error(err, errlen, "%s[%s] duplicate key '%s' (first set at line %d)", where,
		             section, key, existing->line);
		return -EINVAL;
	}
	if (existing != NULL) {
		char *joined = NULL;
		if (append) {
			size_t size = strlen(existing->value) + strlen(value) + 2;
			joined = malloc(size);
			if (joined != NULL)
				snprintf(joined, size, "%s\n%s", existing->value, value);
		} else {
			joined = strdup(value);
		}
		if (joined == NULL)
			return -ENOMEM;
		free(existing->value);
		existing->value = joined;
		return 0;
	}
	if (config->entry_count == config->entry_capacity) {
		size_t capacity = config->entry_capacity ? config->entry_capacity * 2 : 32;
		struct config_entry *grown =
		        realloc(config->entries, capacity * sizeof(*config->entries));
		if (grown == NULL)
			return -ENOMEM;
		config->entries = grown;
		config->entry_capacity = capacity;
	}
	struct config_entry entry = {
		.section = strdup(section),
		.key = strdup(key),
		.value = strdup(value),
		.source = source,
		.origin = strdup(origin),
		.line = line,
	};
	if (!entry.section || !entry.key || !entry.value || !entry.origin) {
		config_entry_clear(&entry);
		return -ENOMEM;
	}
	config->entries[config->entry_count++] = entry;
	return 0;
}

void ep_config_unset(struct ep_config *config, const char *section, const char *key,
                     enum ep_config_source source)
{
	struct config_entry *entry = config_find_entry(config, section, key, source);
	if (entry == NULL)
		return;
	config_entry_clear(entry);
	size_t index = (size_t)(entry - config->entries);
	memmove(entry, entry + 1, (config->entry_count - index - 1) * sizeof(*entry));
	config->entry_count--;
}

int ep_config_new(const struct ep_config_section_schema *core_schema, struct ep_config **out)
{
	struct ep_config *config = calloc(1, sizeof(*config));
	if (config == NULL)
		return -ENOMEM;
	config->schema = core_schema;
	*out = config;
	return 0;
}

void ep_config_free(struct ep_config *config)
{
	if (config == NULL)
		return;
	for (size_t i = 0; i < config->entry_count; i++)
		config_entry_clear(&config->entries[i]);
	free(config->entries);
	for (size_t i = 0; i < config->section_count; i++) {
		free(config->sections[i].name);
		free(config->sections[i].origin);
	}
	free(config->sections);
	free(config);
}

/* State of one ini_parse_stream call. inih does not report line numbers to
 * the handler, so the reader counts lines and checks section headers itself
 * (which also catches unknown sections that hold no keys). */
struct config_parse {
	struct ep_config *config;
	FILE *file;
	const char *path;
	int line;
	int status;
	char *err;
	size_t errlen;
};

static int config_note_section(struct config_parse *parse, const char *name)
{
	struct ep_config *config = parse->config;
	if (config_core_section(config, name) == NULL && !config_is_plugin_section(name)) {
		config_error(parse->err, parse->errlen, "%s:%d: unknown section [%s]", parse->path,
		             parse->line, name);
		return -EINVAL;
	}
	if (config->section_count == config->section_capacity) {
		size_t capacity = config->section_capacity ? config->section_capacity * 2 : 16;
		struct config_section_seen *grown =
		        realloc(config->sections, capacity * sizeof(*config->sections));
		if (grown == NULL)
			return -ENOMEM;
		config->sections = grown;
		config->section_capacity = capacity;
	}
	struct config_section_seen seen = { strdup(name), strdup(parse->path), parse->line };
	if (seen.name == NULL || seen.origin == NULL) {
		free(seen.name);
		free(seen.origin);
		return -ENOMEM;
	}
	config->sections[config->section_count++] = seen;
	return 0;
}

static char *config_read_line(char *buffer, int size, void *stream)
{
	struct config_parse *parse = stream;
	if (parse->status != 0)
		return NULL;
	char *line = fgets(buffer, size, parse->file);
	if (line == NULL)
		return NULL;
	parse->line++;
	const char *start = line + strspn(line, " \t");
	if (*start == '[') {
		const char *close = strchr(start, ']');
		if (close != NULL) {
			char name[256];
			size_t len = (size_t)(close - start - 1);
			if (len >= sizeof(name))
				len = sizeof(name) - 1;
			memcpy(name, start + 1, len);
			name[len] = '\0';
			int rc = config_note_section(parse, name);
			if (rc < 0) {
				parse->status = rc;
				return NULL;
			}
		}
	}
	return line;
}

static int config_handle_pair(void *user, const char *section, const char *key, const char *value)
{
	struct config_parse *parse = user;
	struct ep_config *config = parse->config;
	if (*section == '\0') {
		config_error(parse->err, parse->errlen, "%s:%d: key '%s' is outside any section",
		             parse->path, parse->line, key);
		parse->status = -EINVAL;
		return 0;
	}
	const struct ep_config_section_schema *schema = config_core_section(config, section);
	int rc = config_store(config, section, key, value, EP_CONFIG_SOURCE_FILE, parse->path,
	                      parse->line, schema != NULL && schema->repeatable_keys, parse->err,
	                      parse->errlen);
	if (rc == 0 && schema != NULL) {
		struct config_entry *entry =
		        config_find_entry(config, section, key, EP_CONFIG_SOURCE_FILE);
		rc = config_check_entry(entry, schema->keys, schema, parse->err, parse->errlen);
		entry->checked = rc == 0;
	}
	if (rc < 0) {
		if (rc == -ENOMEM)
			config_error(parse->err, parse->errlen, "%s: out of memory", parse->path);
		parse->status = rc;
		return 0;
	}
	return 1;
}

int ep_config_load_file(struct ep_config *config, const char *path, char *err, size_t errlen)
{
	FILE *file = fopen(path, "r");
	if (file == NULL) {
		int rc = -errno;
		config_error(err, errlen, "%s: cannot read the configuration: %s", path,
		             strerror(errno));
		return rc;
	}
	struct config_parse parse = {
		.config = config, .file = file, .path = path, .err = err, .errlen = errlen
	};
	int line = ini_parse_stream(config_read_line, &parse, config_handle_pair, &parse);
	int read_failed = ferror(file);
	fclose(file);
	if (parse.status != 0)
		return parse.status;
	if (read_failed) {
		config_error(err, errlen, "%s: read error", path);
		return -EIO;
	}
	if (line != 0) {
		config_error(err, errlen, "%s:%d: syntax error (expected [section] or key = value)",
		             path, line);
		return -EINVAL;
	}
	return 0;
}

int ep_config_set(struct ep_config *config, const char *section, const char *key, const char *value,
                  enum ep_config_source source, const char *origin, char *err, size_t errlen)
{
	const struct ep_config_section_schema *schema = config_core_section(config, section);
	if (schema == NULL && !config_is_plugin_section(section)) {
		config_error(err, errlen, "%s: unknown section [%s]", origin, section);
		return -EINVAL;
	}
	int rc = config_store(config, section, key, value, source, origin, 0, false, err, errlen);
	if (rc < 0)
		return rc;
	struct config_entry *entry = config_find_entry(config, section, key, source);
	if (schema != NULL) {
		rc = config_check_entry(entry, schema->keys, schema, err, errlen);
		entry->checked = rc == 0;
	}
	return rc;
}

int ep_config_apply_env(struct ep_config *config, const char *(*getenv_fn)(const char *name),
                        char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(config_environment) / sizeof(config_environment[0]); i++) {
		const char *value = getenv_fn(config_environment[i].variable);
		if (value == NULL || *value == '\0')
			continue;
		int rc = ep_config_set(config, config_environment[i].section,
		                       config_environment[i].key, value, EP_CONFIG_SOURCE_ENV,
		                       config_environment[i].variable, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static bool config_is_environment_origin(const char *origin)
{
	for (size_t i = 0; i < sizeof(config_environment) / sizeof(config_environment[0]); i++)
		if (strcmp(origin, config_environment[i].variable) == 0)
			return true;
	return false;
}

int ep_config_check_plugins(struct ep_config *config, ep_config_plugin_resolver resolve,
                            void *context, char *err, size_t errlen)
{
	for (size_t i = 0; i < config->section_count; i++) {
		const char *name = config->sections[i].name;
		if (config_is_plugin_section(name) && resolve(context, name) == NULL) {
			config_error(err, errlen,
			             "%s:%d: unknown section [%s]: no such plugin is loaded",
			             config->sections[i].origin, config->sections[i].line, name);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < config->entry_count; i++) {
		struct config_entry *entry = &config->entries[i];
		if (entry->checked)
			continue;
		const struct ep_config_key *keys = resolve(context, entry->section);
		if (keys == NULL) {
			/* Variables are ambient: one aimed at a plugin that is not
			 * installed is ignored, unlike a section a user wrote. */
			if (config_is_environment_origin(entry->origin))
				continue;
			config_error(err, errlen,
			             "%s: unknown section [%s]: no such plugin is loaded",
			             entry->origin, entry->section);
			return -EINVAL;
		}
		int rc = config_check_entry(entry, keys, NULL, err, errlen);
		if (rc < 0)
			return rc;
		entry->checked = true;
	}
	return 0;
}

static const struct config_entry *config_effective(const struct ep_config *config,
                                                   const char *section, const char *key)
{
	for (int source = EP_CONFIG_SOURCE_FLAG; source > EP_CONFIG_SOURCE_DEFAULT; source--) {
		const struct config_entry *entry =
		        config_find_entry(config, section, key, (enum ep_config_source)source);
		if (entry != NULL)
			return entry;
	}
	return NULL;
}

const char *ep_config_get(const struct ep_config *config, const char *section, const char *key)
{
	const struct config_entry *entry = config_effective(config, section, key);
	if (entry != NULL)
		return entry->value;
	const struct ep_config_section_schema *schema = config_core_section(config, section);
	const struct ep_config_key *declared =
	        schema ? ep_config_find_key(schema->keys, key) : NULL;
	return declared ? declared->default_value : NULL;
}

const char *ep_config_get_from(const struct ep_config *config, const char *section, const char *key,
                               enum ep_config_source source)
{
	const struct config_entry *entry = config_find_entry(config, section, key, source);
	return entry ? entry->value : NULL;
}

enum ep_config_source ep_config_source_of(const struct ep_config *config, const char *section,
                                          const char *key)
{
	const struct config_entry *entry = config_effective(config, section, key);
	return entry ? entry->source : EP_CONFIG_SOURCE_DEFAULT;
}

int ep_config_get_int(const struct ep_config *config, const char *section, const char *key,
                      int64_t *value)
{
	const char *text = ep_config_get(config, section, key);
	return text ? ep_config_parse_int(text, value) : -ENODATA;
}

int ep_config_get_bool(const struct ep_config *config, const char *section, const char *key,
                       bool *value)
{
	const char *text = ep_config_get(config, section, key);
	return text ? ep_config_parse_bool(text, value) : -ENODATA;
}

int ep_config_get_double(const struct ep_config *config, const char *section, const char *key,
                         double *value)
{
	const char *text = ep_config_get(config, section, key);
	return text ? ep_config_parse_double(text, value) : -ENODATA;
}

int ep_config_foreach_section(const struct ep_config *config, const char *prefix,
                              int (*fn)(void *context, const char *section), void *context)
{
	size_t len = strlen(prefix);
	for (size_t i = 0; i < config->section_count; i++) {
		if (strncmp(config->sections[i].name, prefix, len) != 0)
			continue;
		int rc = fn(context, config->sections[i].name);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int ep_config_check_limits(const struct ep_config *config, const struct ep_config_limit *limits,
                           char *err, size_t errlen)
{
	for (const struct ep_config_limit *limit = limits; limit->section != NULL; limit++) {
		const struct config_entry *entry =
		        config_effective(config, limit->section, limit->key);
		const struct ep_config_section_schema *schema =
		        config_core_section(config, limit->section);
		const struct ep_config_key *key =
		        schema ? ep_config_find_key(schema->keys, limit->key) : NULL;
		const char *value = entry ? entry->value : key ? key->default_value : NULL;
		if (key == NULL || value == NULL)
			continue;
		char where[512] = "";
		if (entry != NULL)
			config_origin_text(where, sizeof(where), entry->origin, entry->line);
		if (key->type == EP_CONFIG_STRING) {
			int64_t length = (int64_t)strlen(value);
			if (length >= limit->min && length <= limit->max)
				continue;
			if (length == 0)
				config_error(err, errlen, "%s[%s] %s: must not be empty", where,
				             limit->section, limit->key);
			else
				config_error(err, errlen,
				             "%s[%s] %s: must be at most %" PRId64 " bytes long",
				             where, limit->section, limit->key, limit->max);
			return -EINVAL;
		}
		int64_t number;
		if (key->type != EP_CONFIG_INT || ep_config_parse_int(value, &number) < 0)
			continue;
		if (number >= limit->min && number <= limit->max)
			continue;
		config_error(err, errlen,
		             "%s[%s] %s: %" PRId64 " is out of range (%" PRId64 " to %" PRId64 ")",
		             where, limit->section, limit->key, number, limit->min, limit->max);
		return -EINVAL;
	}
	return 0;
}
