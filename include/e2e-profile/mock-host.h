/* e2e-profile test kit: a stand-in host, so one plugin can be unit-tested
 * alone, without the CLI (as collectd's mock host does).
 *
 * Settings come from the test, log lines and events are captured, profiles
 * are decoded by the real core decoder, and reports are built by the real
 * report builder, so the figures a test sees are the ones the CLI would
 * print.  Installed with the plugin headers; link it with
 *     pkg-config --cflags --libs e2e-profile-mock-host
 * (a static library holding the mock and the parts of the core it uses).
 * examples/stack-depth/test_stack_depth.c is a complete test built out of
 * tree against the installed kit.
 *
 * Ownership: every const char * handed to the mock is borrowed and must
 * outlive the mock's use of it; everything the mock returns is owned by the
 * mock (or by the report it came from) unless a function says otherwise. */
#ifndef EP_MOCK_HOST_H
#define EP_MOCK_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include <e2e-profile/plugin.h>
#include <e2e-profile/report.h>

#ifdef __cplusplus
extern "C" {
#endif

/** How many settings, section keys and sections a mock holds. */
#define EP_MOCK_HOST_MAX_SETTINGS 32
/** How many log lines and events a mock captures; later ones are dropped. */
#define EP_MOCK_HOST_MAX_LOG 64

/** The instance handle a plugin receives; it leads back to its mock. */
struct ep_instance {
	struct ep_mock_host *mock;
};

/** A mock host. Tests read the public fields directly; the layout belongs
 * to the kit's version, so rebuild tests against the kit they link. */
struct ep_mock_host {
	struct ep_host_api api;                        /**< what the plugin's init() receives */
	struct ep_instance instance;                   /**< the plugin's instance handle */
	const struct ep_plugin_descriptor *descriptor; /**< the plugin under test */
	const char *settings[EP_MOCK_HOST_MAX_SETTINGS][2]; /**< key, value (borrowed) */
	size_t setting_count;                               /**< entries of settings in use */
	char log[EP_MOCK_HOST_MAX_LOG][512];                /**< captured log lines, in order */
	enum ep_log_level log_level[EP_MOCK_HOST_MAX_LOG];  /**< level of each line */
	size_t log_count;                                   /**< entries of log in use */
	size_t live_profiles; /**< profiles loaded minus released, to catch leaks */
	char events[EP_MOCK_HOST_MAX_LOG][512]; /**< "TYPE: MESSAGE" from record_event */
	size_t event_count;                     /**< entries of events in use */
	bool stop;                              /**< what stop_requested() answers */
	/** Core sections such as [category.NAME]: section, key, value (borrowed). */
	const char *sections[EP_MOCK_HOST_MAX_SETTINGS][3];
	size_t section_setting_count;                         /**< entries of sections in use */
	const char *section_names[EP_MOCK_HOST_MAX_SETTINGS]; /**< scratch of config_sections */
	void *state; /**< the plugin's state, after ep_mock_host_start() */
};

/** Prepares mock for the plugin whose descriptor is given (borrowed): an
 * API table of the current host version, no settings, nothing captured. */
void ep_mock_host_init(struct ep_mock_host *mock, const struct ep_plugin_descriptor *descriptor);

/** Sets key of the plugin's own section; key and value are borrowed.
 * Keys the plugin did not declare stay invisible to it, as in the real
 * host. */
void ep_mock_host_set(struct ep_mock_host *mock, const char *key, const char *value);

/** Sets a key of a core section, e.g. ("category.openapi", "pattern",
 * "openapi"); all borrowed. A key given twice in an INI file reaches a
 * plugin as its values joined by newlines, so pass the joined text. */
void ep_mock_host_set_in(struct ep_mock_host *mock, const char *section, const char *key,
                         const char *value);

/** Runs the plugin's init(). Returns its result: 0 or a negative errno. */
int ep_mock_host_start(struct ep_mock_host *mock);

/** Runs the plugin's fini(). */
void ep_mock_host_stop(struct ep_mock_host *mock);

/** True when a recorded event ("TYPE: MESSAGE") contains text. */
bool ep_mock_host_event(const struct ep_mock_host *mock, const char *text);

/** True when a captured log line contains text. */
bool ep_mock_host_logged(const struct ep_mock_host *mock, const char *text);

/** Creates an empty report document for an analyzer to write into: kind
 * "analysis" (run_b NULL) or "comparison". Strings are copied. Returns NULL
 * when out of memory. Free it with ep_mock_host_report_free(). */
struct ep_report *ep_mock_host_report_new(const char *kind, const char *run_a, const char *run_b);

/** Frees a report made by ep_mock_host_report_new(); NULL is ignored. */
void ep_mock_host_report_free(struct ep_report *report);

/** The document as written so far, as a reporter would receive it;
 * borrowed until the next write to report. */
const struct ep_report_document *ep_mock_host_report_document(struct ep_report *report);

/** The section with id, or NULL. */
const struct ep_report_section *ep_mock_host_find_section(const struct ep_report_document *document,
                                                          const char *id);

/** The first item of kind with id in any section, or NULL. Notes and
 * recommendations have no id; find them with ep_mock_host_find_note(). */
const struct ep_report_item *ep_mock_host_find_item(const struct ep_report_document *document,
                                                    enum ep_report_item_kind kind, const char *id);

/** The cell of table at row in the column whose id is column, or NULL when
 * there is no such row or column. */
const struct ep_value *ep_mock_host_table_cell(const struct ep_report_table *table, size_t row,
                                               const char *column);

/** True when a note of the document contains text. */
bool ep_mock_host_find_note(const struct ep_report_document *document, const char *text);

/** Loads the plugin whose path is in the environment variable env_name and
 * checks that it is of kind with the matching ops table. The module stays
 * loaded, so sanitizer reports keep their stack traces. Returns NULL after
 * printing why on stderr. */
const struct ep_plugin_descriptor *ep_mock_host_load_plugin(const char *env_name,
                                                            enum ep_plugin_kind kind);

/** Removes a directory tree a test made (rm -r, never following a
 * symlink). */
void ep_mock_host_remove_tree(const char *path);

#ifdef __cplusplus
}
#endif

#endif
