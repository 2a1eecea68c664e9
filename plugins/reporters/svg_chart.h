/* svg_chart: draws the series of one chart as a line chart in plain SVG 1.1
 * (no script, no external resources), for the markdown reporter's
 * BASE-CHART.svg files. Linked into markdown.so only. */
#ifndef EP_REPORTERS_SVG_CHART_H
#define EP_REPORTERS_SVG_CHART_H

#include <stddef.h>
#include <stdio.h>

#include <e2e-profile/report.h>

#include "reporter_common.h"

/* Writes a complete SVG document to stream: title on top, a legend with
 * each series' title, axes with a few ticks labelled in the series' units
 * (the first series' x and y units and labels name the axes), and one
 * line per series. Points that are not finite are left out. Text is
 * escaped for XML; bytes that are not UTF-8 become U+FFFD.
 * series[0 .. count-1] are borrowed for the call; count may be 0 (an empty
 * chart). Returns 0 or a negative errno (stdio errors show in ferror). */
int svg_chart_write(FILE *stream, const struct reporter_host *host, const char *title,
                    const struct ep_report_series *const *series, size_t count);

#endif /* EP_REPORTERS_SVG_CHART_H */
