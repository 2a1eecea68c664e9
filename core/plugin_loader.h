/* Finds plugin shared objects, checks their descriptors and keeps the ones
 * that fit this host.  A refused file costs one log line; the rest load. */
#ifndef EP_PLUGIN_LOADER_H
#define EP_PLUGIN_LOADER_H

#include <stddef.h>

#include <e2e-profile/plugin.h>

#include "log.h"

struct ep_plugin {
	const struct ep_plugin_descriptor *descriptor; /* points into the loaded object */
	char *path;                                    /* owned */
	void *handle;                                  /* from dlopen */
	char section[96]; /* "analyzer.heap": config section and log prefix */
};

struct ep_plugin_registry {
	struct ep_plugin *plugins; /* owned, load order */
	size_t count;
	size_t capacity;
	size_t refused; /* files refused so far */
};

/* The descriptor size each ABI minor needs at least: members appended in a
 * minor make its minimum grow. Exposed for the ABI tests. */
size_t ep_plugin_descriptor_min_size(unsigned abi_minor);

/* Loads one file. Before dlopen runs any of its code, the file must pass
 * ep_fs_check_trusted (else -EPERM) and its ELF dynamic symbol table must
 * define ep_plugin_entry (else -ENOEXEC). Returns 0, -EALREADY when that
 * very file (by real path) is loaded already, or a negative errno with err
 * set to the reason (without the file name). */
int ep_plugin_registry_load_file(struct ep_plugin_registry *registry, const char *path, char *err,
                                 size_t errlen);

/* Loads every "*.so" in each directory, in name order; a missing directory
 * is skipped. Each refusal is logged as a warning naming the file. */
void ep_plugin_registry_load_directory(struct ep_plugin_registry *registry, const char *directory,
                                       const struct ep_log *log);

/* Splits a ':'-separated list and loads each directory in turn. */
void ep_plugin_registry_load_path_list(struct ep_plugin_registry *registry, const char *list,
                                       const struct ep_log *log);

/* NULL when no plugin of that kind and name is loaded. */
const struct ep_plugin *ep_plugin_registry_find(const struct ep_plugin_registry *registry,
                                                enum ep_plugin_kind kind, const char *name);
/* Finds by config section name, e.g. "reporter.json". */
const struct ep_plugin *ep_plugin_registry_find_section(const struct ep_plugin_registry *registry,
                                                        const char *section);

const char *ep_plugin_kind_name(enum ep_plugin_kind kind);

/* The configuration keys of the plugin owning a section such as
 * "collector.http", or NULL when none is loaded; context is the registry.
 * Shaped as an ep_config_plugin_resolver. */
const struct ep_config_key *ep_plugin_registry_config_keys(void *context, const char *section);

/* Unloads every plugin. */
void ep_plugin_registry_clear(struct ep_plugin_registry *registry);

/* Checks a comma-separated list of plugin names of kind (e.g. the value of
 * [run] reporters) before anything runs: every name must be loaded.
 * Returns 0, or -EINVAL with err naming origin (a flag or "[run] key"),
 * the unknown name and the installed ones. */
int ep_plugin_registry_check_list(const struct ep_plugin_registry *registry,
                                  enum ep_plugin_kind kind, const char *list, const char *origin,
                                  char *err, size_t errlen);

#endif
