/* Files that appear whole or not at all: everything the tool writes goes
 * to a temporary file in the same directory, then rename()s over the name,
 * so a crash or a full disk never leaves a half-written report or profile. */
#ifndef EP_FSUTIL_H
#define EP_FSUTIL_H

#include <stddef.h>
#include <stdio.h>

struct ep_atomic_file {
	FILE *stream;    /* write here */
	char *path;      /* final name, owned */
	char *temp_path; /* ".NAME.XXXXXX" beside it, owned */
};

/* Opens a temporary file beside path. Returns 0 or a negative errno. */
int ep_atomic_file_open(struct ep_atomic_file *file, const char *path);
/* Flushes, fsyncs and renames the temporary file to its final name.
 * Returns 0 or a negative errno (the temporary file is removed then). */
int ep_atomic_file_commit(struct ep_atomic_file *file);
/* Discards the temporary file. Safe after a failed commit. */
void ep_atomic_file_abort(struct ep_atomic_file *file);

/* Writes len bytes to path atomically. */
int ep_write_file_atomic(const char *path, const void *data, size_t len);

/* Creates directory path and its missing parents, mode 0777 & ~umask.
 * Returns 0 (also when it exists as a directory) or a negative errno. */
int ep_mkdir_parents(const char *path);

/* The trust test for files whose content becomes code or code paths
 * (plugins, an implicitly found INI): path must be a regular file (not a
 * symlink), owned by root or the invoking user and not writable by group or
 * others, and so must the directory holding it. Returns 0, or -EPERM (or
 * the errno of a failed lstat) with err saying what is wrong, without the
 * file name. */
int ep_fs_check_trusted(const char *path, char *err, size_t errlen);

/* The last component of path, ignoring trailing slashes when finding it
 * ("runs/x/heap3.pprof" -> "heap3.pprof", "runs/x/" -> "x/"). */
const char *ep_path_basename(const char *path);

#endif
