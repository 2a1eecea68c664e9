/* Plugin discovery and the ABI checks of docs/architecture.md: the descriptor's version
 * and size are read before anything else, so a plugin built against another
 * header is refused instead of being misread. */
#include "plugin_loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_symbols.h"
#include "fsutil.h"

static void loader_error(char *err, size_t errlen, const char *format, ...) EP_PRINTF(3, 4);
static void loader_error(char *err, size_t errlen, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(err, errlen, format, args);
	va_end(args);
}

const char *ep_plugin_kind_name(enum ep_plugin_kind kind)
{
	switch (kind) {
	case EP_PLUGIN_KIND_COLLECTOR:
		return "collector";
	case EP_PLUGIN_KIND_ANALYZER:
		return "analyzer";
	case EP_PLUGIN_KIND_REPORTER:
		return "reporter";
	}
	return NULL;
}

size_t ep_plugin_descriptor_min_size(unsigned abi_minor)
{
	/* ABI 1.0 ends with the reporter ops pointer; a later minor that
	 * appends members adds a case returning its larger end. */
	(void)abi_minor;
	return offsetof(struct ep_plugin_descriptor, reporter) + sizeof(void *);
}

static bool loader_valid_name(const char *name)
{
	if (name == NULL || *name == '\0' || strlen(name) > 48)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '-'))
			return false;
	return true;
}

static bool loader_nonempty(const char *text)
{
	return text != NULL && *text != '\0';
}

/* Checks the kind's ops table: present, versioned, and its required
 * function set. Tables of other kinds must be unset so the kind is unambiguous. */
static int loader_check_ops(const struct ep_plugin_descriptor *d, char *err, size_t errlen)
{
	const char *kind = ep_plugin_kind_name(d->kind);
	if (kind == NULL) {
		loader_error(err, errlen, "unknown plugin kind %d", (int)d->kind);
		return -EINVAL;
	}
	int set = (d->collector != NULL) + (d->analyzer != NULL) + (d->reporter != NULL);
	bool ok = false;
	switch (d->kind) {
	case EP_PLUGIN_KIND_COLLECTOR:
		ok = d->collector && d->collector->version >= 1 && d->collector->start &&
		     d->collector->sources && d->collector->snapshot && d->collector->stop;
		break;
	case EP_PLUGIN_KIND_ANALYZER:
		ok = d->analyzer && d->analyzer->version >= 1 && d->analyzer->analyze;
		break;
	case EP_PLUGIN_KIND_REPORTER:
		ok = d->reporter && d->reporter->version >= 1 && d->reporter->render;
		break;
	}
	if (!ok || set != 1) {
		loader_error(err, errlen,
		             "missing required field: the %s ops table (alone, versioned, "
		             "with its required function)",
		             kind);
		return -EINVAL;
	}
	return 0;
}

static int loader_check_config_keys(const struct ep_config_key *keys, char *err, size_t errlen)
{
	for (const struct ep_config_key *key = keys; key != NULL && key->name != NULL; key++) {
		if (!loader_valid_name(key->name) || key->type < EP_CONFIG_STRING ||
		    key->type > EP_CONFIG_DOUBLE || !loader_nonempty(key->help)) {
			loader_error(err, errlen,
			             "config key '%s' needs a lowercase name, a known type and "
			             "help text",
			             key->name);
			return -EINVAL;
		}
	}
	return 0;
}

static int loader_check_descriptor(const struct ep_plugin_descriptor *d, char *err, size_t errlen)
{
	if (d->abi_major != EP_PLUGIN_ABI_MAJOR) {
		loader_error(err, errlen, "built for plugin ABI %u.%u; this host speaks %d.%d",
		             d->abi_major, d->abi_minor, EP_PLUGIN_ABI_MAJOR, EP_PLUGIN_ABI_MINOR);
		return -EPROTO;
	}
	if (d->abi_minor > EP_PLUGIN_ABI_MINOR) {
		loader_error(err, errlen,
		             "built for plugin ABI %u.%u, newer than this host's %d.%d; "
		             "upgrade e2e-profile",
		             d->abi_major, d->abi_minor, EP_PLUGIN_ABI_MAJOR, EP_PLUGIN_ABI_MINOR);
		return -EPROTO;
	}
	size_t min_size = ep_plugin_descriptor_min_size(d->abi_minor);
	if (d->struct_size < min_size) {
		loader_error(err, errlen, "descriptor is %u bytes; ABI %u.%u needs at least %zu",
		             d->struct_size, d->abi_major, d->abi_minor, min_size);
		return -EPROTO;
	}
	if (!loader_valid_name(d->name)) {
		loader_error(
		        err, errlen,
		        "missing required field: name (lowercase letters, digits, '-' and '_')");
		return -EINVAL;
	}
	if (!loader_nonempty(d->version)) {
		loader_error(err, errlen, "missing required field: version");
		return -EINVAL;
	}
	if (!loader_nonempty(d->description)) {
		loader_error(err, errlen, "missing required field: description");
		return -EINVAL;
	}
	int rc = loader_check_ops(d, err, errlen);
	if (rc < 0)
		return rc;
	return loader_check_config_keys(d->config_keys, err, errlen);
}

/* Everything that can be learned without running the file: who may have
 * written it, and whether it exports the entry point. dlopen runs
 * constructors, so this comes first (docs/e2e-profile.1, SECURITY). */
static int loader_check_before_dlopen(const char *path, char *err, size_t errlen)
{
	int rc = ep_fs_check_trusted(path, err, errlen);
	if (rc < 0)
		return rc;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		loader_error(err, errlen, "cannot open: %s", strerror(errno));
		return rc;
	}
	char why[256] = "";
	rc = ep_elf_file_has_dynamic_symbol(fd, EP_PLUGIN_ENTRY_SYMBOL, why, sizeof(why));
	close(fd);
	if (rc < 0) {
		loader_error(err, errlen, "not a loadable shared object: %s", why);
		return -ENOEXEC;
	}
	if (rc == 0) {
		loader_error(err, errlen, "not an e2e-profile plugin: no %s symbol",
		             EP_PLUGIN_ENTRY_SYMBOL);
		return -ENOEXEC;
	}
	return 0;
}

int ep_plugin_registry_load_file(struct ep_plugin_registry *registry, const char *path, char *err,
                                 size_t errlen)
{
	int rc;
	/* The same file reached through two directories of the search path
	 * is one plugin, not a duplicate of itself. */
	char real[PATH_MAX];
	if (realpath(path, real) != NULL) {
		for (size_t i = 0; i < registry->count; i++) {
			char loaded[PATH_MAX];
			if (realpath(registry->plugins[i].path, loaded) != NULL &&
			    strcmp(loaded, real) == 0)
				return -EALREADY;
		}
	}
	rc = loader_check_before_dlopen(path, err, errlen);
	if (rc < 0)
		return rc;
	/* RTLD_LOCAL keeps each plugin's symbols to itself, so two plugins
	 * with a helper of the same name cannot collide. */
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		const char *why = dlerror();
		loader_error(err, errlen, "not a loadable shared object: %s",
		             why ? why : "unknown");
		return -ENOEXEC;
	}
	ep_plugin_entry_fn entry;
	void *symbol = dlsym(handle, EP_PLUGIN_ENTRY_SYMBOL);
	/* ISO C has no function/object pointer conversion; POSIX guarantees it
	 * for dlsym, and memcpy says so without a warning. */
	memcpy(&entry, &symbol, sizeof(entry));
	if (symbol == NULL) {
		loader_error(err, errlen, "not an e2e-profile plugin: no %s symbol",
		             EP_PLUGIN_ENTRY_SYMBOL);
		rc = -ENOEXEC;
		goto error;
	}
	const struct ep_plugin_descriptor *descriptor = entry();
	if (descriptor == NULL) {
		loader_error(err, errlen, "%s returned no descriptor", EP_PLUGIN_ENTRY_SYMBOL);
		rc = -EINVAL;
		goto error;
	}
	rc = loader_check_descriptor(descriptor, err, errlen);
	if (rc < 0)
		goto error;
	const struct ep_plugin *taken =
	        ep_plugin_registry_find(registry, descriptor->kind, descriptor->name);
	if (taken != NULL) {
		loader_error(err, errlen, "%s name '%s' is already taken by %s",
		             ep_plugin_kind_name(descriptor->kind), descriptor->name, taken->path);
		rc = -EEXIST;
		goto error;
	}
	if (registry->count == registry->capacity) {
		size_t capacity = registry->capacity ? registry->capacity * 2 : 16;
		struct ep_plugin *grown =
		        realloc(registry->plugins, capacity * sizeof(*registry->plugins));
		if (grown == NULL) {
			loader_error(err, errlen, "out of memory");
			rc = -ENOMEM;
			goto error;
		}
		registry->plugins = grown;
		registry->capacity = capacity;
	}
	struct ep_plugin *plugin = &registry->plugins[registry->count];
	memset(plugin, 0, sizeof(*plugin));
	plugin->path = strdup(path);
	if (plugin->path == NULL) {
		loader_error(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto error;
	}
	plugin->descriptor = descriptor;
	plugin->handle = handle;
	snprintf(plugin->section, sizeof(plugin->section), "%s.%s",
	         ep_plugin_kind_name(descriptor->kind), descriptor->name);
	registry->count++;
	return 0;

error:
	dlclose(handle);
	return rc;
}

static int loader_compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool loader_is_shared_object(const char *name)
{
	size_t len = strlen(name);
	return len > 3 && strcmp(name + len - 3, ".so") == 0;
}

void ep_plugin_registry_load_directory(struct ep_plugin_registry *registry, const char *directory,
                                       const struct ep_log *log)
{
	DIR *dir = opendir(directory);
	if (dir == NULL) {
		ep_log_debug(log, "plugin directory %s: %s", directory, strerror(errno));
		return;
	}
	char **names = NULL;
	size_t count = 0, capacity = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (!loader_is_shared_object(entry->d_name))
			continue;
		if (count == capacity) {
			capacity = capacity ? capacity * 2 : 16;
			char **grown = realloc(names, capacity * sizeof(*names));
			if (grown == NULL)
				break;
			names = grown;
		}
		names[count] = strdup(entry->d_name);
		if (names[count] != NULL)
			count++;
	}
	closedir(dir);
	/* Name order makes "first one wins" on a duplicate reproducible. */
	if (count > 1)
		qsort(names, count, sizeof(*names), loader_compare_names);
	for (size_t i = 0; i < count; i++) {
		char path[4096], err[512];
		snprintf(path, sizeof(path), "%s/%s", directory, names[i]);
		int rc = ep_plugin_registry_load_file(registry, path, err, sizeof(err));
		if (rc == -EALREADY) {
			ep_log_debug(log, "plugin %s already loaded", path);
		} else if (rc < 0) {
			registry->refused++;
			ep_log_warn(log, "plugin %s refused: %s", path, err);
		} else {
			ep_log_debug(log, "plugin %s loaded", path);
		}
		free(names[i]);
	}
	free(names);
}

void ep_plugin_registry_load_path_list(struct ep_plugin_registry *registry, const char *list,
                                       const struct ep_log *log)
{
	if (list == NULL)
		return;
	char *copy = strdup(list);
	if (copy == NULL)
		return;
	char *cursor = copy;
	char *directory;
	while ((directory = strsep(&cursor, ":")) != NULL)
		if (*directory != '\0')
			ep_plugin_registry_load_directory(registry, directory, log);
	free(copy);
}

const struct ep_plugin *ep_plugin_registry_find(const struct ep_plugin_registry *registry,
                                                enum ep_plugin_kind kind, const char *name)
{
	for (size_t i = 0; i < registry->count; i++) {
		const struct ep_plugin *plugin = &registry->plugins[i];
		if (plugin->descriptor->kind == kind && strcmp(plugin->descriptor->name, name) == 0)
			return plugin;
	}
	return NULL;
}

const struct ep_plugin *ep_plugin_registry_find_section(const struct ep_plugin_registry *registry,
                                                        const char *section)
{
	for (size_t i = 0; i < registry->count; i++)
		if (strcmp(registry->plugins[i].section, section) == 0)
			return &registry->plugins[i];
	return NULL;
}

void ep_plugin_registry_clear(struct ep_plugin_registry *registry)
{
	for (size_t i = 0; i < registry->count; i++) {
		free(registry->plugins[i].path);
		dlclose(registry->plugins[i].handle);
	}
	free(registry->plugins);
	memset(registry, 0, sizeof(*registry));
}

const struct ep_config_key *ep_plugin_registry_config_keys(void *context, const char *section)
{
	static const struct ep_config_key no_keys[] = { { NULL, 0, NULL, NULL } };
	const struct ep_plugin *plugin = ep_plugin_registry_find_section(context, section);
	if (plugin == NULL)
		return NULL;
	return plugin->descriptor->config_keys ? plugin->descriptor->config_keys : no_keys;
}

int ep_plugin_registry_check_list(const struct ep_plugin_registry *registry,
                                  enum ep_plugin_kind kind, const char *list, const char *origin,
                                  char *err, size_t errlen)
{
	const char *cursor = list ? list : "";
	while (*cursor != '\0') {
		cursor += strspn(cursor, " ,");
		size_t len = strcspn(cursor, " ,");
		if (len == 0)
			break;
		char name[sizeof(((struct ep_plugin *)0)->section)];
		snprintf(name, sizeof(name), "%.*s", (int)len, cursor);
		cursor += len;
		if (ep_plugin_registry_find(registry, kind, name) != NULL)
			continue;
		int used = snprintf(err, errlen,
		                    "%s: no %s plugin named '%s' is installed (installed:", origin,
		                    ep_plugin_kind_name(kind), name);
		const char *separator = " ";
		for (size_t i = 0; i < registry->count && used > 0 && (size_t)used < errlen; i++) {
			const struct ep_plugin_descriptor *d = registry->plugins[i].descriptor;
			if (d->kind != kind)
				continue;
			used += snprintf(err + used, errlen - (size_t)used, "%s%s", separator,
			                 d->name);
			separator = ", ";
		}
		if (used > 0 && (size_t)used < errlen)
			snprintf(err + used, errlen - (size_t)used, "%s)",
			         *separator == ' ' ? " none" : "");
		return -EINVAL;
	}
	return 0;
}
