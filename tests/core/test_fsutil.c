/* Atomic writes as a concurrent reader sees them: the old file whole until
 * the commit, then the new one whole; an abort leaves the old file and no
 * temporary file. A write straight into the final name fails these. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"

static void read_all(const char *path, char *buffer, size_t size)
{
	FILE *file = fopen(path, "rb");
	assert_non_null(file);
	size_t length = fread(buffer, 1, size - 1, file);
	buffer[length] = '\0';
	fclose(file);
}

static size_t count_entries(const char *directory)
{
	DIR *dir = opendir(directory);
	assert_non_null(dir);
	size_t count = 0;
	for (struct dirent *entry; (entry = readdir(dir)) != NULL;)
		count += strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
	closedir(dir);
	return count;
}

static void test_a_reader_never_sees_a_partial_file(void **unused)
{
	(void)unused;
	char directory[] = "/tmp/test-fsutil-XXXXXX", path[64], seen[256];
	assert_non_null(mkdtemp(directory));
	snprintf(path, sizeof(path), "%s/report.md", directory);
	assert_int_equal(ep_write_file_atomic(path, "old report\n", 11), 0);

	struct ep_atomic_file file;
	assert_int_equal(ep_atomic_file_open(&file, path), 0);
	fputs("new rep", file.stream);
	fflush(file.stream); /* on disk now, but not under the final name */
	read_all(path, seen, sizeof(seen));
	assert_string_equal(seen, "old report\n");
	fputs("ort\n", file.stream);
	assert_int_equal(ep_atomic_file_commit(&file), 0);
	read_all(path, seen, sizeof(seen));
	assert_string_equal(seen, "new report\n");
	assert_int_equal(count_entries(directory), 1);

	assert_int_equal(ep_atomic_file_open(&file, path), 0);
	fputs("half", file.stream);
	fflush(file.stream);
	ep_atomic_file_abort(&file);
	read_all(path, seen, sizeof(seen));
	assert_string_equal(seen, "new report\n");
	assert_int_equal(count_entries(directory), 1);

	unlink(path);
	rmdir(directory);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_reader_never_sees_a_partial_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
