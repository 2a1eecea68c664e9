/* The host side of struct ep_host_api: plugin instances, their settings,
 * their log prefix and the functions a plugin may call. */
#ifndef EP_HOST_API_H
#define EP_HOST_API_H

#include <signal.h>

#include <e2e-profile/plugin.h>

#include "config.h"
#include "host_shared.h"
#include "log.h"
#include "plugin_loader.h"

/* Decoded profiles kept for the length of one analysis, so that analyzers
 * reading the same snapshots decode each only once. Profiles are kept while
 * they fit the budget and are never evicted: analyzers scan snapshots in
 * order, which would make an LRU miss every time. Memory is bounded by the
 * budget plus the profiles in use. */
struct ep_profile_cache;
int ep_profile_cache_new(uint64_t budget_bytes, struct ep_profile_cache **out);
void ep_profile_cache_free(struct ep_profile_cache *cache);

/* Everything an instance borrows from the host; all must outlive it. */
struct ep_host_context {
	const struct ep_config *config;
	const struct ep_log *log;
	uint64_t max_profile_bytes;             /* decompression cap for profile_load */
	struct ep_profile_cache *profile_cache; /* may be NULL */
	/* Receives record_event calls during a run; NULL outside one. */
	void (*event_sink)(void *event_context, const char *origin, const char *type,
	                   const char *message);
	void *event_context;
	/* Counts the user's requests to stop (signals); may be NULL.
	 * stop_requested answers true once it reaches stop_threshold (1 when
	 * left 0): the final snapshot after a first Ctrl-C raises it to 2. */
	const volatile sig_atomic_t *stop_flag;
	int stop_threshold;
};

struct ep_instance {
	const struct ep_plugin *plugin;        /* borrowed */
	const struct ep_host_context *context; /* borrowed */
	void *state;                           /* from the plugin's init */
	const char **section_names;            /* from config_sections; owned */
};

/* The table handed to every plugin's init(). */
const struct ep_host_api *ep_host_api_get(void);

/* Creates an instance and runs the plugin's init(). Returns 0 or the
 * negative errno from init (the plugin has logged why). Free with
 * ep_instance_destroy, which runs fini(). */
int ep_instance_create(const struct ep_plugin *plugin, const struct ep_host_context *context,
                       struct ep_instance **out);
void ep_instance_destroy(struct ep_instance *instance);

#endif
