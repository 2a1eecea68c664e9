/* libFuzzer target for the INI reader with the core's schema and limits,
 * and for the --fail-on grammar: the bytes up to the first NUL are an INI
 * file, the rest a --fail-on expression.
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true; run:
 * build-fuzz/tests/core/fuzz_config CORPUS (seeds: e2e-profile.ini.example).
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analysis.h"
#include "cli.h"
#include "config.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

uint64_t ep_cli_max_profile_bytes(const struct ep_cli *cli)
{
	(void)cli;
	return 64 << 20;
}

static int fuzz_read_section(void *context, const char *section)
{
	const struct ep_config *config = context;
	volatile const char *value = ep_config_get(config, section, "pattern");
	(void)value;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t ini_size = nul ? (size_t)(nul - data) : size;
	char err[1024], path[64];
	/* ep_config_load_file reads a path: an anonymous file stands in. */
	int fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, ini_size) == (ssize_t)ini_size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		struct ep_config *config = NULL;
		if (ep_config_new(ep_settings_schema, &config) == 0) {
			if (ep_config_load_file(config, path, err, sizeof(err)) == 0) {
				ep_config_check_limits(config, ep_settings_limits, err,
				                       sizeof(err));
				int64_t number;
				ep_config_get_int(config, "run", "interval", &number);
				ep_config_foreach_section(config, "category.", fuzz_read_section,
				                          config);
			}
			ep_config_free(config);
		}
	}
	close(fd);
	if (nul != NULL) {
		size_t length = size - ini_size - 1;
		char *text = malloc(length + 1);
		if (text == NULL)
			return 0;
		memcpy(text, nul + 1, length);
		text[length] = '\0';
		ep_analysis_check_fail_on(text, err, sizeof(err));
		free(text);
	}
	return 0;
}
