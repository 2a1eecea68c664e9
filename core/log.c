/* Log lines for humans and for scripts that grep them: one line per event,
 * always prefixed with the program name so it stands out in CI output. */
#include "log.h"

#include "redact.h"

#include <string.h>
#include <time.h>

void ep_log_vwrite(const struct ep_log *log, enum ep_log_level level, const char *prefix,
                   const char *format, va_list args)
{
	if (log == NULL)
		return;
	bool to_stream = log->stream != NULL && level <= log->threshold;
	if (!to_stream && log->file == NULL)
		return;
	static const char *const tags[] = {
		[EP_LOG_ERROR] = "error: ",
		[EP_LOG_WARN] = "warning: ",
		[EP_LOG_INFO] = "",
		[EP_LOG_DEBUG] = "debug: ",
	};
	/* Build the line first so concurrent writers cannot interleave it. */
	char line[4096];
	int used = snprintf(line, sizeof(line), "e2e-profile: %s%s%s", prefix ? prefix : "",
	                    prefix ? ": " : "", tags[level]);
	if (used < 0)
		return;
	if ((size_t)used < sizeof(line)) {
		/* Plugins quote servers and kubectl here: no credential
		 * passes, whoever formatted the line. */
		char message[sizeof(line)];
		vsnprintf(message, sizeof(message), format, args);
		ep_redact_secrets(message, line + used, sizeof(line) - (size_t)used);
	}
	if (log->file != NULL) {
		char stamp[32];
		struct timespec now;
		struct tm utc;
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &utc);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
		/* Skip the "e2e-profile: " program prefix: the file is ours. */
		fprintf(log->file, "%s.%03ldZ %s\n", stamp, now.tv_nsec / 1000000,
		        line + strlen("e2e-profile: "));
		fflush(log->file);
	}
	if (to_stream) {
		if (log->status_line_active)
			fputs("\r\033[K", log->stream);
		fprintf(log->stream, "%s\n", line);
		fflush(log->stream);
	}
}

void ep_log_write(const struct ep_log *log, enum ep_log_level level, const char *prefix,
                  const char *format, ...)
{
	va_list args;
	va_start(args, format);
	ep_log_vwrite(log, level, prefix, format, args);
	va_end(args);
}
