/* Reading pprof files into the read-only model of <e2e-profile/profile.h>:
 * gzip or raw protobuf in, validated like Go's profile package, every id
 * resolved to a pointer.  All of it lives in arenas freed at once.
 */
#ifndef EP_PPROF_DECODE_H
#define EP_PPROF_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e2e-profile/profile.h"

/* The decompressed size a profile may reach when the caller sets no limit:
 * real profiles are megabytes; a gzip bomb is refused past this. */
#define EP_PROFILE_DEFAULT_MAX_BYTES ((uint64_t)1 << 30)

struct ep_profile_load_options {
	uint64_t max_decompressed_bytes; /* 0 = EP_PROFILE_DEFAULT_MAX_BYTES */
};

/* Reads and decodes the profile at path (gzip-compressed or raw protobuf).
 *
 * opts may be NULL for the defaults.  On success *out owns the profile
 * (free it with ep_profile_free()) and 0 is returned.  On failure *out is
 * NULL, err receives one line without a trailing newline that starts with
 * path, e.g. "heap3.pprof: not a pprof profile: looks like an HTML page",
 * and the return value is a negative errno:
 *   -EINVAL  not a profile, corrupt or truncated data, an invalid profile
 *   -EFBIG   the data decompresses past the limit
 *   -ENOMEM  out of memory
 *   -errno   of a failed open() or read()
 */
int ep_profile_load_file(const char *path, const struct ep_profile_load_options *opts,
                         struct ep_profile **out, char *err, size_t errlen);

/* Like ep_profile_load_file() for bytes already in memory; display_name
 * starts the error line.  data is borrowed for the call only.
 *
 * Both are safe to call from several threads at once.  For a large profile
 * (about 1 MiB of protobuf or 20000 samples and more) they use one helper
 * thread for the duration of the call. */
int ep_profile_load_buffer(const void *data, size_t len, const char *display_name,
                           const struct ep_profile_load_options *opts, struct ep_profile **out,
                           char *err, size_t errlen);

/* Frees a profile from ep_profile_load_*() and everything it points to.
 * NULL is allowed. */
void ep_profile_free(struct ep_profile *profile);

/* The memory a decoded profile holds, in bytes (its arenas). */
size_t ep_profile_memory_bytes(const struct ep_profile *profile);

/* Resolves a sample index as pprof's -sample_index does:
 *   spec NULL or ""  the default_sample_type when the file names one that
 *                    exists, otherwise the last type;
 *   a number         a 0-based index, which must be in range;
 *   a name           a sample type name ("inuse_x" also finds "x").
 * Returns the index (>= 0), or a negative errno with one line in err:
 * -EINVAL for an unknown name or an index out of range, or when the
 * profile has no sample types. */
int ep_profile_sample_index(const struct ep_profile *p, const char *spec, char *err, size_t errlen);

/* What the decoder keeps beyond the public model because merging profiles
 * the way pprof does needs it.  p must come from ep_profile_load_*(). */

/* The file's default_sample_type name, "" when it names none (even when
 * the name matches no sample type, unlike default_sample_type_index). */
const char *ep_profile_default_sample_type_name(const struct ep_profile *p);

/* The is_folded flag of location (a member of p->locations). */
bool ep_profile_location_is_folded(const struct ep_profile *p,
                                   const struct ep_profile_location *location);

/* The length of a string of a decoded profile (any string its model points
 * to: names, files, labels, ...), which may hold NUL bytes: the public model
 * reads as C strings cut at the first NUL, the core reads whole names.
 * Only for strings of a profile from ep_profile_load_*(). */
size_t ep_profile_string_length(const char *s);

/* Finds the sample type named exactly name; returns its index, or -1. */
int ep_profile_sample_type_find(const struct ep_profile *p, const char *name);

#endif /* EP_PPROF_DECODE_H */
