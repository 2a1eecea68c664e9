/* A stand-in for the e2e-profile host, so one plugin can be unit-tested
 * alone (as collectd does): settings come from the test, log lines are
 * captured, and profiles are decoded by the real core decoder. */
#ifndef EP_MOCK_HOST_H
#define EP_MOCK_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include <e2e-profile/plugin.h>

#define EP_MOCK_HOST_MAX_SETTINGS 32
#define EP_MOCK_HOST_MAX_LOG      64

struct ep_instance {
	struct ep_mock_host *mock;
};

struct ep_mock_host {
	struct ep_host_api api;
	struct ep_instance instance;
	const struct ep_plugin_descriptor *descriptor;
	const char *settings[EP_MOCK_HOST_MAX_SETTINGS][2]; /* borrowed key, value */
	size_t setting_count;
	char log[EP_MOCK_HOST_MAX_LOG][512];
	enum ep_log_level log_level[EP_MOCK_HOST_MAX_LOG];
	size_t log_count;
	size_t live_profiles;                   /* loaded minus released, to catch leaks */
	char events[EP_MOCK_HOST_MAX_LOG][512]; /* "TYPE: MESSAGE" from record_event */
	size_t event_count;
	bool stop; /* what stop_requested answers */
	/* Core sections such as [category.NAME]: section, key, value (borrowed). */
	const char *sections[EP_MOCK_HOST_MAX_SETTINGS][3];
	size_t section_setting_count;
	const char *section_names[EP_MOCK_HOST_MAX_SETTINGS];
	void *state; /* the plugin's, after ep_mock_host_start */
};

/* Prepares a mock host for the plugin whose descriptor is given. */
void ep_mock_host_init(struct ep_mock_host *mock, const struct ep_plugin_descriptor *descriptor);
/* Sets a key of the plugin's section; key and value are borrowed. */
void ep_mock_host_set(struct ep_mock_host *mock, const char *key, const char *value);
/* Sets a key of a core section, e.g. ("category.openapi", "pattern",
 * "openapi"); all borrowed. A key set twice joins its values with a newline
 * as the real host does, so pass the joined text instead. */
void ep_mock_host_set_in(struct ep_mock_host *mock, const char *section, const char *key,
                         const char *value);
/* Runs the plugin's init(); returns its result. */
int ep_mock_host_start(struct ep_mock_host *mock);
/* Runs the plugin's fini(). */
void ep_mock_host_stop(struct ep_mock_host *mock);
/* True when a recorded event ("TYPE: MESSAGE") contains text. */
bool ep_mock_host_event(const struct ep_mock_host *mock, const char *text);
/* True when a captured log line contains text. */
bool ep_mock_host_logged(const struct ep_mock_host *mock, const char *text);

/* Test support shared by the plugin test suites. */

/* Loads the plugin whose path is in the environment variable env_name (set
 * by meson) and checks it is of kind with the matching ops table. The
 * module stays loaded, so sanitizer reports keep their stack traces.
 * Returns NULL after printing why on stderr. */
const struct ep_plugin_descriptor *ep_mock_host_load_plugin(const char *env_name,
                                                            enum ep_plugin_kind kind);

/* Removes a directory tree a test made (rm -r). */
void ep_mock_host_remove_tree(const char *path);

#endif
