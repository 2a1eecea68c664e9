/* e2e-profile: the decoded, read-only model of one pprof profile.
 *
 * The core decodes every profile once and hands this model to analyzers and
 * reporters.  Strings are resolved, ids are replaced by pointers into dense
 * arrays, and every location carries its inline-expanded lines, so a plugin
 * never touches protobuf or the string table.  Everything a profile points
 * to lives as long as the profile and is freed by ep_profile_free().
 */
#ifndef EP_PROFILE_H
#define EP_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A (type, unit) pair such as ("inuse_space", "bytes"). Never NULL strings. */
struct ep_profile_value_type {
	const char *type; /**< e.g. "inuse_space", "cpu", "goroutine" */
	const char *unit; /**< e.g. "bytes", "nanoseconds", "count" */
};

/** A binary or shared object mapped into the profiled process. */
struct ep_profile_mapping {
	uint64_t id;           /**< the id in the file, unique and non-zero */
	uint64_t memory_start; /**< start of the mapped address range */
	uint64_t memory_limit; /**< end of the mapped address range */
	uint64_t file_offset;  /**< offset in the file of memory_start */
	const char *filename;  /**< path of the object, "" when unknown */
	const char *build_id;  /**< build id, "" when unknown */
};

/** A function as named by the profile. */
struct ep_profile_function {
	uint64_t id;             /**< the id in the file, unique and non-zero */
	const char *name;        /**< display name, e.g. "encoding/json.Unmarshal" */
	const char *system_name; /**< mangled name, "" when none */
	const char *filename;    /**< source file, "" when unknown */
	int64_t start_line;      /**< first line of the function, 0 when unknown */
};

/** One source line of a location. A location holding inlined calls has
 * several; they keep the file's order, so lines[0] is the innermost
 * (inlined) function and the last line is its outermost caller. */
struct ep_profile_line {
	const struct ep_profile_function *function; /**< never NULL */
	int64_t line;                               /**< line number, 0 when unknown */
};

/** A program counter with the lines it resolves to. */
struct ep_profile_location {
	uint64_t id;                              /**< the id in the file, unique and non-zero */
	const struct ep_profile_mapping *mapping; /**< NULL when absent or unknown */
	uint64_t address;                         /**< instruction address, 0 when unknown */
	size_t line_count;                        /**< 0 for an unsymbolized location */
	const struct ep_profile_line *lines;      /**< line_count entries, innermost first */
};

/** A label attached to a sample: either a string or a number. */
struct ep_profile_label {
	const char *key;      /**< e.g. "bytes" */
	const char *str;      /**< string value, or NULL for a numeric label */
	int64_t num;          /**< numeric value, 0 for a string label */
	const char *num_unit; /**< unit of num, "" when unspecified */
};

/** One stack with its values. */
struct ep_profile_sample {
	size_t location_count; /**< stack depth; 0 for an empty stack */
	/** The stack, leaf first: locations[0] is where the value was recorded,
	 * the last entry is the root. */
	const struct ep_profile_location *const *locations;
	const int64_t *values; /**< ep_profile.sample_type_count entries */
	size_t label_count;
	const struct ep_profile_label *labels;
};

/** A decoded profile. All arrays are dense; all strings are NUL-terminated
 * and non-NULL unless a field says otherwise.  A profile's strings are
 * byte strings and may themselves hold a NUL byte: read as C strings they
 * end there (the core's own tables and `top` use the whole name). */
struct ep_profile {
	size_t sample_type_count;
	const struct ep_profile_value_type *sample_types;
	/** Index into sample_types of default_sample_type, or -1 when the file
	 * names none (pprof then shows the last type). */
	int default_sample_type_index;

	size_t sample_count;
	const struct ep_profile_sample *samples;
	size_t mapping_count;
	const struct ep_profile_mapping *mappings; /**< file order; [0] is the main binary */
	size_t location_count;
	const struct ep_profile_location *locations;
	size_t function_count;
	const struct ep_profile_function *functions;

	int64_t time_nanos;                       /**< collection time, Unix ns; 0 when unknown */
	int64_t duration_nanos;                   /**< profile duration; 0 when unknown */
	struct ep_profile_value_type period_type; /**< ("", "") when absent */
	int64_t period;
	size_t comment_count;
	const char *const *comments;
	const char *drop_frames; /**< regex, "" when absent */
	const char *keep_frames; /**< regex, "" when absent */
	const char *doc_url;     /**< "" when absent */
};

#ifdef __cplusplus
}
#endif

#endif /* EP_PROFILE_H */
