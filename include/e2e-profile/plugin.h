/* e2e-profile plugin interface: everything a collector, analyzer or reporter
 * needs, and nothing else.
 *
 * A plugin is a shared object that exports one function, ep_plugin_entry(),
 * returning a pointer to a constant descriptor.  The host checks the
 * descriptor's ABI version and size before it reads anything else, then calls
 * init() with a table of host functions (logging, configuration, memory,
 * profiles).  Plugins link against nothing of the host; that table is their
 * only way in.
 *
 * Versioning, as in GStreamer and PipeWire/SPA:
 *  - the host loads a plugin only when abi_major equals EP_PLUGIN_ABI_MAJOR
 *    and abi_minor is not newer than the host's;
 *  - every table starts with its version (or size), and tables only grow at
 *    their end, each new member marked with the minor version that added it;
 *  - a plugin reads a host member only when host->version says it is there.
 *
 * Build a plugin with:
 *     cc -shared -fPIC -fvisibility=hidden $(pkg-config --cflags e2e-profile-plugin) \
 *        my.c -o my.so
 * and install it into $(pkg-config --variable=pluginsdir e2e-profile-plugin).
 */
#ifndef EP_PLUGIN_H
#define EP_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"
#include "report.h"

#ifdef __cplusplus
extern "C" {
#endif

/** ABI major version: a plugin built with another major is refused. */
#define EP_PLUGIN_ABI_MAJOR 1
/** ABI minor version: grows when members are appended to a table. */
#define EP_PLUGIN_ABI_MINOR 1

/** The one symbol every plugin exports. */
#define EP_PLUGIN_ENTRY_SYMBOL "ep_plugin_entry"

/** Marks the entry point as the only exported symbol of a plugin built with
 * -fvisibility=hidden. */
#define EP_PLUGIN_EXPORT __attribute__((visibility("default")))

#if defined(__GNUC__) || defined(__clang__)
/** Lets the compiler check printf-style format strings. */
#define EP_PRINTF(fmt_index, args_index) __attribute__((format(printf, fmt_index, args_index)))
#else
#define EP_PRINTF(fmt_index, args_index)
#endif

/** What a plugin does; selects which ops pointer of the descriptor is used. */
enum ep_plugin_kind {
	EP_PLUGIN_KIND_COLLECTOR = 1, /**< takes snapshots from a target */
	EP_PLUGIN_KIND_ANALYZER = 2,  /**< reads a run, writes report sections */
	EP_PLUGIN_KIND_REPORTER = 3,  /**< renders a report document to files */
};

/** The type of a configuration value; the host validates values against it
 * before the plugin sees them. */
enum ep_config_type {
	EP_CONFIG_STRING = 1, /**< any text */
	EP_CONFIG_INT = 2,    /**< a decimal 64-bit integer */
	EP_CONFIG_BOOL = 3,   /**< true/false, yes/no, on/off, 1/0 */
	EP_CONFIG_DOUBLE = 4, /**< a decimal floating-point number */
};

/** One configuration key of a plugin's INI section, e.g. [analyzer.heap].
 * Plugins declare them in an array ending with an entry whose name is NULL;
 * the host rejects keys not in the list and generates `help config` from it. */
struct ep_config_key {
	const char *name;          /**< key name: lowercase letters, digits, '_' */
	enum ep_config_type type;  /**< how the value is parsed and checked */
	const char *default_value; /**< the value when unset; NULL means none */
	const char *help;          /**< one line for `e2e-profile help config` */
};

/** Severity of a log line. */
enum ep_log_level {
	EP_LOG_ERROR = 0, /**< the operation failed */
	EP_LOG_WARN = 1,  /**< something a user should look at */
	EP_LOG_INFO = 2,  /**< progress; hidden by --quiet */
	EP_LOG_DEBUG = 3, /**< details; shown with --verbose */
};

/** A file being written atomically, owned by the host. */
struct ep_atomic_file;

/** A report document being written, owned by the host; analyzers add to
 * it with the report_* host functions, reporters get the finished
 * struct ep_report_document (report.h). */
struct ep_report;

/** A loaded plugin instance, owned by the host. Plugins pass it back to host
 * functions so the host can prefix logs and find the instance's settings. */
struct ep_instance;

/** One row of a top table: a function with its flat and cumulative value,
 * as `go tool pprof -top` computes them (names without pprof's
 * " (inline)" suffix). */
struct ep_top_row {
	const char *name;
	int64_t flat; /**< value of the samples whose leaf is this function */
	int64_t cum;  /**< value of the samples with this function on the stack */
};

/** Per-function totals of a profile, from profile_top. Owned by the host. */
struct ep_top {
	size_t row_count;
	const struct ep_top_row *rows;            /**< every function, in the order asked for */
	int64_t total;                            /**< pprof's 100%: the sum of |value| */
	struct ep_profile_value_type sample_type; /**< what the values are */
};

/** A stack tree being built from profiles, owned by the host (version 2). */
struct ep_tree;

/** Version of struct ep_host_api that this header describes. */
#define EP_HOST_API_VERSION 2

/** Functions the host offers a plugin. Borrowed: valid from init() until
 * fini() returns. Members are only ever appended. */
struct ep_host_api {
	/** EP_HOST_API_VERSION of the host that filled the table. */
	uint32_t version;
	/** sizeof(struct ep_host_api) in the host. */
	uint32_t size;

	/* --- since version 1 (ABI 1.0) --- */

	/** Writes one log line, prefixed by the host with the instance name.
	 * No trailing newline is needed. */
	void (*log)(struct ep_instance *instance, enum ep_log_level level, const char *format, ...)
	        EP_PRINTF(3, 4);

	/** Reads a declared EP_CONFIG_STRING key of the instance's section.
	 * Sets *value to the effective value (a borrowed string valid until
	 * fini(), or NULL when unset with no default). Returns 0, or -ENOENT
	 * when the plugin did not declare the key, -EINVAL on a type mismatch. */
	int (*config_get_string)(struct ep_instance *instance, const char *key, const char **value);
	/** Like config_get_string for an EP_CONFIG_INT key. Returns -ENODATA
	 * when the key is unset and has no default. */
	int (*config_get_int)(struct ep_instance *instance, const char *key, int64_t *value);
	/** Like config_get_string for an EP_CONFIG_BOOL key. */
	int (*config_get_bool)(struct ep_instance *instance, const char *key, bool *value);
	/** Like config_get_string for an EP_CONFIG_DOUBLE key. */
	int (*config_get_double)(struct ep_instance *instance, const char *key, double *value);

	/** Allocates memory that may cross the boundary (freed by the host or
	 * by free below). Returns NULL when out of memory. */
	void *(*alloc)(size_t size);
	/** Frees memory from alloc or strdup. NULL is accepted. */
	void (*free)(void *pointer);
	/** Duplicates a string into memory from alloc. NULL when out of memory. */
	char *(*strdup)(const char *string);

	/** Decodes the pprof file at path (gzip or raw protobuf). On success
	 * sets *profile to a read-only model owned by the host, released with
	 * profile_release. Returns 0 or a negative errno; the host has logged
	 * the reason, naming the file. */
	int (*profile_load)(struct ep_instance *instance, const char *path,
	                    const struct ep_profile **profile);
	/** Releases a profile from profile_load. NULL is accepted. */
	void (*profile_release)(struct ep_instance *instance, const struct ep_profile *profile);
	/** Decodes size bytes of data (gzip or raw protobuf) like
	 * profile_load; name starts the error line. data is borrowed for the
	 * call. Returns 0 or a negative errno with the reason in reason. */
	int (*profile_load_buffer)(struct ep_instance *instance, const void *data, size_t size,
	                           const char *name, const struct ep_profile **profile,
	                           char *reason, size_t reason_size);

	/** Opens a temporary file beside path for writing; *stream is where
	 * to write. Finish with file_commit (renames it to path) or
	 * file_abort. Returns 0 or a negative errno. */
	int (*file_open_atomic)(struct ep_instance *instance, const char *path,
	                        struct ep_atomic_file **file, FILE **stream);
	/** Flushes, syncs and renames the file into place; frees it. Returns 0
	 * or a negative errno (then nothing appears at path). */
	int (*file_commit)(struct ep_instance *instance, struct ep_atomic_file *file);
	/** Discards the temporary file; frees it. */
	void (*file_abort)(struct ep_instance *instance, struct ep_atomic_file *file);

	/** Records a collection event (type such as "reconnect" or
	 * "pod-replaced", and a one-line message) in collection.log and
	 * run.json. Outside a run it is only logged. */
	void (*record_event)(struct ep_instance *instance, const char *type, const char *format,
	                     ...) EP_PRINTF(3, 4);
	/** True once the user asked to stop (a signal): long waits should end
	 * early and return. */
	bool (*stop_requested)(struct ep_instance *instance);

	/** Names of the configuration sections starting with prefix, e.g.
	 * "category." gives {"category.openapi", ...} in file order. *names is
	 * owned by the host, valid until fini(). Returns 0 or -ENOMEM. */
	int (*config_sections)(struct ep_instance *instance, const char *prefix,
	                       const char *const **names, size_t *count);
	/** The effective value of a key of a core section such as
	 * "category.openapi" (repeated keys joined by newlines), or NULL. */
	const char *(*config_get_in)(struct ep_instance *instance, const char *section,
	                             const char *key);

	/** Starts a section of the report; later items go into it. id is
	 * stable (e.g. "heap"), title is for people. Returns 0 or -errno. */
	int (*report_section)(struct ep_report *report, const char *id, const char *title);
	/** Adds a metric to the current section. value is copied. */
	int (*report_metric)(struct ep_report *report, const char *id, const char *label,
	                     struct ep_value value, const char *unit);
	/** Starts a table in the current section; rows follow with
	 * report_row. columns are copied. */
	int (*report_table)(struct ep_report *report, const char *id, const char *title,
	                    size_t column_count, const struct ep_report_column *columns);
	/** Adds a row of column_count values to the current table; copied. */
	int (*report_row)(struct ep_report *report, const struct ep_value *cells);
	/** Starts a series in the current section; points follow with
	 * report_point. Series of a section with the same chart overlay. */
	int (*report_series)(struct ep_report *report, const char *id, const char *title,
	                     const char *chart, const char *x_label, const char *x_unit,
	                     const char *y_label, const char *y_unit);
	/** Adds a point to the current series. */
	int (*report_point)(struct ep_report *report, double x, double y);
	/** Adds a sentence to the current section. */
	int (*report_note)(struct ep_report *report, const char *format, ...) EP_PRINTF(2, 3);
	/** Adds a recommendation: the rule that fired, the advice, and the
	 * numbers that fired it. */
	int (*report_recommendation)(struct ep_report *report, const char *rule, const char *advice,
	                             const char *evidence);
	/** Adds a figure of two runs (compare only); id is what --fail-on
	 * names, e.g. "peak" or "category.openapi". */
	int (*report_comparison)(struct ep_report *report, const char *id, const char *label,
	                         struct ep_value a, struct ep_value b, const char *unit);
	/** Reads the document built so far (e.g. a later analyzer reading an
	 * earlier one's metrics). Borrowed until the next report_* call. */
	const struct ep_report_document *(*report_document)(struct ep_report *report);

	/** Computes per-function totals of profile like `go tool pprof -top`:
	 * sample_index names the sample type (NULL: the default; a name or a
	 * 0-based number), base (may be NULL) is subtracted first (-base),
	 * by_cum orders by |cum| instead of |flat|. Release with top_release.
	 * Returns 0 or a negative errno with the reason logged. */
	int (*profile_top)(struct ep_instance *instance, const struct ep_profile *profile,
	                   const struct ep_profile *base, const char *sample_index, bool by_cum,
	                   const struct ep_top **top);
	/** Frees a table from profile_top. NULL is accepted. */
	void (*top_release)(struct ep_instance *instance, const struct ep_top *top);

	/** Formats value (in unit) for people the way the tool prints it
	 * everywhere, e.g. 51993429 bytes -> "49.59MB" (to_unit "auto"
	 * chooses). Returns buffer. */
	char *(*format_value)(char *buffer, size_t size, int64_t value, const char *unit,
	                      const char *to_unit);

	/* --- since version 2 (ABI 1.1) --- */

	/** Starts an empty stack tree (a flame graph's data, report.h's
	 * struct ep_report_tree). Free it with tree_free. Returns 0 or
	 * -ENOMEM. */
	int (*tree_new)(struct ep_instance *instance, struct ep_tree **tree);
	/** Adds every sample of profile to tree: its stack merged root-first
	 * at function granularity, with the value of sample_index (NULL: the
	 * default type; a name or 0-based number), nodes named and pruned
	 * exactly as profile_top names them. With base true the values go to
	 * the A side of a comparison (ep_report_frame.base). Profiles of one
	 * side must share sample type and unit. profile is borrowed for the
	 * call and may be released right after. Returns 0, -EINVAL (bad
	 * sample index or mismatched type; logged) or -ENOMEM. */
	int (*tree_add)(struct ep_instance *instance, struct ep_tree *tree,
	                const struct ep_profile *profile, const char *sample_index, bool base);
	/** Adds tree to the current section as an EP_REPORT_TREE item; the
	 * tree is copied (and takes no more profiles after), and may be freed
	 * right after. Returns 0, -EINVAL (no section, or an empty tree) or
	 * -ENOMEM. */
	int (*report_tree)(struct ep_report *report, const char *id, const char *title,
	                   struct ep_tree *tree);
	/** Frees a tree from tree_new. NULL is accepted. */
	void (*tree_free)(struct ep_instance *instance, struct ep_tree *tree);
	/** Writes the summary of document that fits at the top of a pull
	 * request (Markdown, at most about twelve lines: the verdict, each
	 * gate passed or FAILED, the key figures; docs/summary.md) to
	 * stream, as the CLI prints it. Returns 0, -EINVAL or -EIO. */
	int (*summary_write)(FILE *stream, const struct ep_report_document *document);
};

/** One snapshot of a run, as recorded in its run.json. */
struct ep_snapshot_info {
	uint32_t index;        /**< the N of kindN.pprof */
	const char *kind;      /**< "heap", "cpu", "goroutine" or "allocs" */
	const char *path;      /**< path of the profile file */
	int64_t time_unix_ns;  /**< when the snapshot was taken */
	double offset_seconds; /**< since the run started */
	const char *source;    /**< pod or host:port it came from */
};

/** A run directory as analyzers see it. Borrowed for the call. */
struct ep_run_info {
	const char *name;      /**< run name, e.g. "baseline" */
	const char *directory; /**< path of the run directory */
	size_t snapshot_count; /**< successful snapshots, in time order */
	const struct ep_snapshot_info *snapshots;
	const char *status;       /**< run.json status: completed, interrupted, ... */
	int64_t started_unix_ns;  /**< start of the run */
	int64_t ended_unix_ns;    /**< end of the run, 0 when unknown */
	int command_exit_status;  /**< the test command's, -1 when none or unknown */
	size_t failed_count;      /**< snapshot attempts that failed */
	int64_t interval_seconds; /**< the schedule's interval */
	/** Since ABI 1.1: when the test command started and ended (unix ns),
	 * 0 when unknown (collect, an older run.json). The test window holds
	 * the snapshots taken from the start to the end plus
	 * EP_TEST_WINDOW_GRACE_NS (the final snapshot, taken as the test ends). */
	int64_t test_started_unix_ns;
	int64_t test_ended_unix_ns;
};

/** How long after the test's end a snapshot still belongs to its window:
 * the final round starts when the command exits and may take a moment. */
#define EP_TEST_WINDOW_GRACE_NS 5000000000LL

/** What the host asks a collector for: one profile from one source. */
struct ep_snapshot_request {
	uint32_t struct_size; /**< sizeof(struct ep_snapshot_request) in the host */
	const char *source;   /**< one of the names sources() returned, e.g. a pod */
	/** "heap", "cpu", "goroutine", "allocs", or since ABI 1.1
	 * "goroutineleak" (Go 1.26's /debug/pprof/goroutineleak) */
	const char *kind;
	const char *path;     /**< where the profile goes; write it atomically */
	bool gc;              /**< heap: ask the server to GC first (?gc=1) */
	uint32_t cpu_seconds; /**< cpu: how long to profile */
	/** Since ABI 1.1 (check struct_size): heap: also fetch what the Go
	 * runtime says of its memory (the "# runtime.MemStats" block of
	 * /debug/pprof/heap?debug=1) and write it beside path as
	 * path + EP_MEMSTATS_SUFFIX: lines "key value" (heap_inuse,
	 * heap_sys, heap_released, heap_alloc, sys, stack_inuse, stack_sys,
	 * next_gc, num_gc, gc_cpu_fraction, max_rss; byte figures in bytes),
	 * or one line "error REASON" when that fetch failed. The profile's
	 * own success never depends on it. */
	bool memstats;
};

/** Suffix of the side file a collector writes for request->memstats. */
#define EP_MEMSTATS_SUFFIX ".memstats"

/** Version of struct ep_collector_ops described here. */
#define EP_COLLECTOR_OPS_VERSION 1
/** What a collector does. The host calls start() once, then for each round
 * sources() and snapshot() for each source and kind, and stop() once on
 * every exit path. All four are required.
 *
 * Threads: while a CPU profile is taken (kind "cpu", lasting cpu_seconds),
 * snapshot() runs for it on a second thread, at the same time as the other
 * kinds' snapshot() calls on the main thread. The host calls neither
 * sources() nor stop() while that CPU snapshot runs, so the sources stay
 * stable; a collector only guards what snapshot() itself changes (such as
 * restarting a connection). */
struct ep_collector_ops {
	uint32_t version; /**< EP_COLLECTOR_OPS_VERSION the plugin was built with */
	/** Gets ready: checks settings, discovers targets, opens connections.
	 * Returns 0, or a negative errno after logging why the run cannot
	 * start (a bad URL, a missing kubectl, no deployment). */
	int (*start)(void *state);
	/** Names the sources to snapshot in this round, rediscovering and
	 * reconnecting first when a connection died or a target was replaced
	 * (and recording that with record_event). Sets *names to *count names
	 * owned by the collector, valid until the next call. Returns 0, or a
	 * negative errno with a one-line reason when nothing is reachable;
	 * the host records the round as failed and goes on. */
	int (*sources)(void *state, const char *const **names, size_t *count, char *reason,
	               size_t reason_size);
	/** Takes one profile and writes it atomically to request->path, only
	 * when it decodes as a profile. Returns 0, or a negative errno with a
	 * one-line reason quoting the server where it answered (e.g.
	 * "HTTP 404: Unknown profile"); the host records it and goes on. */
	int (*snapshot)(void *state, const struct ep_snapshot_request *request, char *reason,
	                size_t reason_size);
	/** Ends connections and reaps every child process. */
	void (*stop)(void *state);
};

/** Version of struct ep_analyzer_ops described here. */
#define EP_ANALYZER_OPS_VERSION 1
/** What an analyzer does. */
struct ep_analyzer_ops {
	uint32_t version; /**< EP_ANALYZER_OPS_VERSION the plugin was built with */
	/** Reads the run's snapshots and adds sections to report. Returns 0 or
	 * a negative errno after logging the reason. Required. */
	int (*analyze)(void *state, const struct ep_run_info *run, struct ep_report *report);
	/** Compares run a (before) with run b (after) and adds sections to
	 * report, using report_comparison for figures that --fail-on may
	 * gate on. Optional (NULL: the analyzer has nothing to compare). */
	int (*compare)(void *state, const struct ep_run_info *a, const struct ep_run_info *b,
	               struct ep_report *report);
};

/** Version of struct ep_reporter_ops described here. */
#define EP_REPORTER_OPS_VERSION 1
/** What a reporter does. */
struct ep_reporter_ops {
	uint32_t version; /**< EP_REPORTER_OPS_VERSION the plugin was built with */
	/** Renders document into files named base_path plus the reporter's
	 * own extension (e.g. "/runs/x/analysis" -> "/runs/x/analysis.md"),
	 * each written atomically; a reporter may add files beside it (e.g.
	 * "analysis-top.csv", "analysis-inuse.svg"). Returns 0 or a negative
	 * errno after logging. Required. */
	int (*render)(void *state, const struct ep_report_document *document,
	              const char *base_path);
};

/** The constant description a plugin returns from ep_plugin_entry(). The
 * host reads abi_major, abi_minor and struct_size first and refuses the
 * plugin unless they fit. */
struct ep_plugin_descriptor {
	uint16_t abi_major;   /**< EP_PLUGIN_ABI_MAJOR the plugin was built with */
	uint16_t abi_minor;   /**< EP_PLUGIN_ABI_MINOR the plugin was built with */
	uint32_t struct_size; /**< sizeof(struct ep_plugin_descriptor) at build time */

	enum ep_plugin_kind kind; /**< selects the ops pointer below */
	const char *name;         /**< unique name, e.g. "heap"; required */
	const char *version;      /**< the plugin's own version, e.g. "1.2.0"; required */
	const char *description;  /**< one line for `e2e-profile plugins`; required */
	/** Configuration keys, ending with a {NULL} entry; NULL for none. */
	const struct ep_config_key *config_keys;

	/** Creates the plugin's state. host is borrowed until fini(). Sets
	 * *state (may stay NULL). Returns 0 or a negative errno after logging.
	 * Optional. */
	int (*init)(struct ep_instance *instance, const struct ep_host_api *host, void **state);
	/** Frees what init() created. Optional. */
	void (*fini)(void *state);

	/** Set for EP_PLUGIN_KIND_COLLECTOR, NULL otherwise. */
	const struct ep_collector_ops *collector;
	/** Set for EP_PLUGIN_KIND_ANALYZER, NULL otherwise. */
	const struct ep_analyzer_ops *analyzer;
	/** Set for EP_PLUGIN_KIND_REPORTER, NULL otherwise. */
	const struct ep_reporter_ops *reporter;
};

/** Fills the version fields of a descriptor initializer. */
#define EP_PLUGIN_DESCRIPTOR_HEADER                                         \
	.abi_major = EP_PLUGIN_ABI_MAJOR, .abi_minor = EP_PLUGIN_ABI_MINOR, \
	.struct_size = sizeof(struct ep_plugin_descriptor)

/** The entry point's type. */
typedef const struct ep_plugin_descriptor *(*ep_plugin_entry_fn)(void);

/** Declares the entry point; define it in exactly one file of the plugin:
 *     EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
 *     { return &my_descriptor; }
 */
EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* EP_PLUGIN_H */
