/* Layered configuration: built-in defaults, then the INI file, then the
 * environment, then command-line flags (docs/cli.md).  Every value is checked
 * against a declared key list, so a typo is an error naming its origin. */
#ifndef EP_CONFIG_H
#define EP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <e2e-profile/plugin.h>

/* Where a value came from, lowest precedence first. */
enum ep_config_source {
	EP_CONFIG_SOURCE_DEFAULT = 0,
	EP_CONFIG_SOURCE_FILE = 1,
	EP_CONFIG_SOURCE_ENV = 2,
	EP_CONFIG_SOURCE_FLAG = 3,
};

/* The keys of one section, or of every section starting with name + "."
 * when is_prefix is set (e.g. [category.openapi]). */
struct ep_config_section_schema {
	const char *name;
	bool is_prefix;
	bool repeatable_keys;             /* a key given twice appends a line instead of failing */
	const struct ep_config_key *keys; /* ends with a {NULL} entry */
	const char *help;
	/* Checks a value beyond its type, e.g. that a pattern compiles; NULL:
	 * none.  what is "[SECTION] KEY".  Returns 0, or -EINVAL with one line
	 * in err that starts with what. */
	int (*check_value)(const char *what, const char *key, const char *value, char *err,
	                   size_t errlen);
};

/* Finds the key list of a plugin section such as "analyzer.heap"; returns
 * NULL when no loaded plugin owns it. */
typedef const struct ep_config_key *(*ep_config_plugin_resolver)(void *context,
                                                                 const char *section);

struct ep_config;

/* Creates an empty configuration over the core schema (borrowed, must
 * outlive the config; ends with a {NULL} entry). Returns 0 or -ENOMEM. */
int ep_config_new(const struct ep_config_section_schema *core_schema, struct ep_config **out);
void ep_config_free(struct ep_config *config);

/* Reads an INI file. Core sections are checked now; plugin sections
 * ([collector.X], [analyzer.X], [reporter.X]) when ep_config_check_plugins
 * runs. Returns 0, -ENOENT/-EACCES when unreadable, -EINVAL on a bad line,
 * section, key or value; err gets "FILE:LINE: ..." */
int ep_config_load_file(struct ep_config *config, const char *path, char *err, size_t errlen);

/* Applies E2E_PROFILE_* variables read through getenv_fn (getenv in the
 * CLI; tests pass their own). Returns 0 or -EINVAL with err naming the variable. */
int ep_config_apply_env(struct ep_config *config, const char *(*getenv_fn)(const char *name),
                        char *err, size_t errlen);

/* Sets a value from a flag or a caller; origin names it in errors (e.g.
 * "--interval"). Core keys are checked at once. */
int ep_config_set(struct ep_config *config, const char *section, const char *key, const char *value,
                  enum ep_config_source source, const char *origin, char *err, size_t errlen);

/* Removes the value one source set, if any (batch runs set and clear
 * their settings at the flag layer). */
void ep_config_unset(struct ep_config *config, const char *section, const char *key,
                     enum ep_config_source source);

/* Checks every plugin section and value against the plugins' key lists. */
int ep_config_check_plugins(struct ep_config *config, ep_config_plugin_resolver resolve,
                            void *context, char *err, size_t errlen);

/* The effective value: the highest-precedence one set, else the key's
 * default (NULL when none). Borrowed until the config is freed. */
const char *ep_config_get(const struct ep_config *config, const char *section, const char *key);
/* The value set by exactly one source, or NULL. */
const char *ep_config_get_from(const struct ep_config *config, const char *section, const char *key,
                               enum ep_config_source source);
/* Where the effective value came from. */
enum ep_config_source ep_config_source_of(const struct ep_config *config, const char *section,
                                          const char *key);

/* Typed reads of the effective value; 0, -ENODATA when unset with no
 * default, -EINVAL when malformed (cannot happen for checked keys). */
int ep_config_get_int(const struct ep_config *config, const char *section, const char *key,
                      int64_t *value);
int ep_config_get_bool(const struct ep_config *config, const char *section, const char *key,
                       bool *value);
int ep_config_get_double(const struct ep_config *config, const char *section, const char *key,
                         double *value);

/* Calls fn for each section named in the configuration whose name starts
 * with prefix (e.g. "category."), in file order. */
int ep_config_foreach_section(const struct ep_config *config, const char *prefix,
                              int (*fn)(void *context, const char *section), void *context);

/* A bound on a core key: integers must lie in [min, max]; strings must be
 * min to max bytes long. */
struct ep_config_limit {
	const char *section;
	const char *key;
	int64_t min, max;
};

/* Checks the effective value of each key in limits ({NULL}-terminated)
 * whose type is integer or string. Returns 0, or -EINVAL with err naming
 * where the value came from (file and line, variable or flag), the key and
 * the allowed range. */
int ep_config_check_limits(const struct ep_config *config, const struct ep_config_limit *limits,
                           char *err, size_t errlen);

/* Value parsers shared by the checks and the typed getters. */
int ep_config_parse_int(const char *text, int64_t *value);
int ep_config_parse_bool(const char *text, bool *value);
int ep_config_parse_double(const char *text, double *value);
const char *ep_config_type_name(enum ep_config_type type);

/* Finds a key in a {NULL}-terminated list, or NULL. */
const struct ep_config_key *ep_config_find_key(const struct ep_config_key *keys, const char *name);

#endif
