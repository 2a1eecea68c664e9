/* Atomic file writes and directory creation; see fsutil.h for why. */
#include "fsutil.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ep_atomic_file_open(struct ep_atomic_file *file, const char *path)
{
	memset(file, 0, sizeof(*file));
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = path + dir_len;
	size_t temp_size = strlen(path) + 16;
	int rc;
	file->path = strdup(path);
	file->temp_path = malloc(temp_size);
	if (file->path == NULL || file->temp_path == NULL) {
		rc = -ENOMEM;
		goto error;
	}
	snprintf(file->temp_path, temp_size, "%.*s.%s.XXXXXX", (int)dir_len, path, base);
	int fd = mkstemp(file->temp_path);
	if (fd < 0) {
		rc = -errno;
		goto error;
	}
	/* mkstemp creates 0600; a report should be as readable as any file
	 * the user creates. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || (file->stream = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		close(fd);
		unlink(file->temp_path);
		goto error;
	}
	return 0;

error:
	free(file->path);
	free(file->temp_path);
	memset(file, 0, sizeof(*file));
	return rc;
}

int ep_atomic_file_commit(struct ep_atomic_file *file)
{
	int rc = 0;
	if (fflush(file->stream) != 0 || ferror(file->stream))
		rc = -(errno ? errno : EIO);
	else if (fsync(fileno(file->stream)) < 0)
		rc = -errno;
	if (fclose(file->stream) != 0 && rc == 0)
		rc = -errno;
	file->stream = NULL;
	if (rc == 0 && rename(file->temp_path, file->path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(file->temp_path);
	free(file->path);
	free(file->temp_path);
	memset(file, 0, sizeof(*file));
	return rc;
}

void ep_atomic_file_abort(struct ep_atomic_file *file)
{
	if (file->stream != NULL) {
		fclose(file->stream);
		unlink(file->temp_path);
	}
	free(file->path);
	free(file->temp_path);
	memset(file, 0, sizeof(*file));
}

int ep_write_file_atomic(const char *path, const void *data, size_t len)
{
	struct ep_atomic_file file;
	int rc = ep_atomic_file_open(&file, path);
	if (rc < 0)
		return rc;
	if (len > 0 && fwrite(data, 1, len, file.stream) != len) {
		rc = -(errno ? errno : EIO);
		ep_atomic_file_abort(&file);
		return rc;
	}
	return ep_atomic_file_commit(&file);
}

int ep_mkdir_parents(const char *path)
{
	char *copy = strdup(path);
	if (copy == NULL)
		return -ENOMEM;
	int rc = 0;
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, 0777) < 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	struct stat st;
	if (rc == 0 && (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)))
		rc = -ENOTDIR;
	free(copy);
	return rc;
}

static int fs_check_owner_and_mode(const struct stat *st, const char *what, char *err,
                                   size_t errlen)
{
	if (st->st_uid != 0 && st->st_uid != getuid()) {
		snprintf(err, errlen, "%s is owned by uid %u, neither root nor you", what,
		         (unsigned)st->st_uid);
		return -EPERM;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "%s is writable by group or others (mode %04o)", what,
		         (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int ep_fs_check_trusted(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "cannot stat: %s", strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file%s",
		         S_ISLNK(st.st_mode) ? " (a symlink)" : "");
		return -EPERM;
	}
	int rc = fs_check_owner_and_mode(&st, "the file", err, errlen);
	if (rc < 0)
		return rc;
	/* dirname may modify its argument; the directory as reached, with
	 * symlinks resolved, is the one whose writers could swap the file. */
	char copy[PATH_MAX], directory[PATH_MAX];
	snprintf(copy, sizeof(copy), "%s", path);
	if (realpath(dirname(copy), directory) == NULL || stat(directory, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot stat its directory: %s", strerror(errno));
		return rc;
	}
	char what[PATH_MAX + 16];
	snprintf(what, sizeof(what), "its directory %s", directory);
	return fs_check_owner_and_mode(&st, what, err, errlen);
}

const char *ep_path_basename(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	const char *slash = NULL;
	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			slash = path + i;
	return slash ? slash + 1 : path;
}
