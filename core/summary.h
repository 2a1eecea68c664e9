/* The pull-request-sized summary of a report document (core/summary.c,
 * docs/summary.md). */
#ifndef EP_CORE_SUMMARY_H
#define EP_CORE_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include <e2e-profile/report.h>

/* Writes the summary (Markdown, at most about twelve lines) of document
 * to out. Returns 0, or -EINVAL / -EIO. */
int ep_summary_write(FILE *out, const struct ep_report_document *document);

/* Appends a heading and the summary to the file at path (for
 * $GITHUB_STEP_SUMMARY), created when missing, never through a symlink.
 * Returns 0 or a negative errno with one line in err. */
int ep_summary_append(const char *path, const struct ep_report_document *document, char *err,
                      size_t errlen);

#endif
