/* What the analyzer tests share: the plugin under test loaded from the
 * build tree with dlopen, a mock host that also counts how many profiles
 * were ever alive at once, a run directory made of the committed real
 * profiles (tests/pprof/data), and lookups into the report document. */
#ifndef EP_ANALYZER_TEST_H
#define EP_ANALYZER_TEST_H

#include <stdbool.h>
#include <stddef.h>

#include <e2e-profile/plugin.h>

#include "report_document.h"
#include <e2e-profile/mock-host.h>

#define ANALYZER_TEST_MAX_SNAPSHOTS 64

/* A mock host that watches profile_load and profile_release. */
struct analyzer_test_host {
	struct ep_mock_host mock; /* first: the wrappers find the rest from it */
	int (*real_profile_load)(struct ep_instance *instance, const char *path,
	                         const struct ep_profile **profile);
	size_t max_live_profiles; /* most profiles loaded and not yet released */
	size_t loads;             /* successful profile_load calls */
};

/* Loads the plugin whose path is in environment variable env_name (set by
 * meson) and returns its descriptor; checks it is an analyzer. */
const struct ep_plugin_descriptor *analyzer_test_load(const char *env_name);

/* ep_mock_host_init plus the profile counting. */
void analyzer_test_host_init(struct analyzer_test_host *host,
                             const struct ep_plugin_descriptor *descriptor);

/* A run directory under $TMPDIR: snapshot i is KINDi.pprof, a symlink to
 * tests/pprof/data/FILE (or to a missing file when FILE is NULL), taken
 * offsets[i] seconds into a run that lasted duration_seconds. */
struct analyzer_test_run {
	char directory[256];
	char paths[ANALYZER_TEST_MAX_SNAPSHOTS][320];
	struct ep_snapshot_info snapshots[ANALYZER_TEST_MAX_SNAPSHOTS];
	struct ep_run_info info;
};

/* kinds may be NULL (every snapshot is "heap"). */
void analyzer_test_run_init(struct analyzer_test_run *run, const char *name, size_t count,
                            const char *const *files, const char *const *kinds,
                            const double *offsets, double duration_seconds);
/* Removes the directory and its symlinks. */
void analyzer_test_run_free(struct analyzer_test_run *run);

/* Lookups into a document; they fail the test when the item is missing. */
const struct ep_report_section *analyzer_test_section(const struct ep_report_document *document,
                                                      const char *id);
const struct ep_report_metric *analyzer_test_metric(const struct ep_report_document *document,
                                                    const char *id);
const struct ep_report_table *analyzer_test_table(const struct ep_report_document *document,
                                                  const char *id);
const struct ep_report_series *analyzer_test_series(const struct ep_report_document *document,
                                                    const char *id);
const struct ep_report_comparison *
analyzer_test_comparison(const struct ep_report_document *document, const char *id);
/* The cell of table at row in the column whose id is column. */
const struct ep_value *analyzer_test_cell(const struct ep_report_table *table, size_t row,
                                          const char *column);
/* True when a note of the document contains text. */
bool analyzer_test_note(const struct ep_report_document *document, const char *text);

/* Fails unless |actual - expected| <= tolerance (cmocka 1.1.5's
 * assert_float_equal works in float). */
#define analyzer_test_near(actual, expected, tolerance) \
	analyzer_test_assert_near((actual), (expected), (tolerance), #actual, __FILE__, __LINE__)
void analyzer_test_assert_near(double actual, double expected, double tolerance, const char *what,
                               const char *file, int line);

/* Shorthands: the cell's integer, real or text, failing on another type. */
long long analyzer_test_int(const struct ep_report_table *table, size_t row, const char *column);
double analyzer_test_double(const struct ep_report_table *table, size_t row, const char *column);
const char *analyzer_test_text(const struct ep_report_table *table, size_t row, const char *column);

#endif
