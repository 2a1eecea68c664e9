/* Log lines to stderr for the CLI, the loader and plugins.
 * One struct ep_log lives in main() and is passed down; no globals. */
#ifndef EP_LOG_H
#define EP_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <e2e-profile/plugin.h>

struct ep_log {
	enum ep_log_level threshold; /* lines above it are dropped */
	FILE *stream;                /* borrowed; stderr in the CLI */
	/* During a run, collection.log: every line at any level, with a UTC
	 * timestamp, whatever the threshold. Borrowed; NULL otherwise. */
	FILE *file;
	/* Set while a progress line occupies the terminal, so a log line
	 * first clears it. */
	bool status_line_active;
};

/* Writes "e2e-profile: [PREFIX: ][error: |warning: ]MESSAGE\n". prefix may be NULL. */
void ep_log_write(const struct ep_log *log, enum ep_log_level level, const char *prefix,
                  const char *format, ...) EP_PRINTF(4, 5);
void ep_log_vwrite(const struct ep_log *log, enum ep_log_level level, const char *prefix,
                   const char *format, va_list args) EP_PRINTF(4, 0);

#define ep_log_error(log, ...) ep_log_write((log), EP_LOG_ERROR, NULL, __VA_ARGS__)
#define ep_log_warn(log, ...)  ep_log_write((log), EP_LOG_WARN, NULL, __VA_ARGS__)
#define ep_log_info(log, ...)  ep_log_write((log), EP_LOG_INFO, NULL, __VA_ARGS__)
#define ep_log_debug(log, ...) ep_log_write((log), EP_LOG_DEBUG, NULL, __VA_ARGS__)

#endif
