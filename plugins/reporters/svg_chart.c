/* svg_chart: line charts as SVG 1.1 for the markdown reporter (see
 * svg_chart.h). Layout is fixed (720x400 plus legend rows) so charts of two
 * runs line up when shown side by side. */
#include "svg_chart.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define SVG_WIDTH        720.0
#define SVG_PLOT_HEIGHT  280.0
#define SVG_LEFT         90.0 /* room for y tick labels such as "1023.50MB" */
#define SVG_RIGHT        24.0
#define SVG_TITLE_HEIGHT 34.0
#define SVG_LEGEND_ROW   20.0
#define SVG_BOTTOM       56.0 /* x tick labels and the x axis label */
#define SVG_TICKS        5    /* the axis is cut into about this many steps */
#define SVG_MAX_MARKERS  60   /* more points than this get no dots */

/* Okabe-Ito colours: told apart by colour-blind readers too. */
static const char *const svg_colours[] = {
	"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
};
#define SVG_COLOUR_COUNT (sizeof(svg_colours) / sizeof(svg_colours[0]))

/* Writes text as XML character data or attribute value: markup characters
 * as entities, line breaks as spaces, and what XML 1.0 cannot hold at all
 * (other control characters, bytes that are not UTF-8) as U+FFFD. */
static void svg_escape(FILE *stream, const char *text)
{
	reporter_xml_escape(stream, text);
}

/* A number for an attribute (coordinates), one decimal is plenty. */
static const char *svg_number(char *buffer, size_t size, double value)
{
	return reporter_format_fixed(buffer, size, value, 1);
}

/* One axis: the data range widened to whole steps. */
struct svg_axis {
	double min, max, step;
	int ticks; /* steps from min to max */
	const char *unit;
	const char *label;
};

/* Units whose natural steps are powers of 1024 (1MB, 2MB, ...) rather than
 * of ten (1000000 bytes would label as "976.56kB"). */
static bool svg_unit_is_binary(const char *unit)
{
	return unit != NULL &&
	       (strcmp(unit, EP_UNIT_BYTES) == 0 || strcmp(unit, EP_UNIT_BYTES_PER_SECOND) == 0);
}

/* Widens [low, high] to a multiple of a "nice" step (1, 2, 2.5 or 5 times a
 * power of ten, times a power of 1024 for byte units), about SVG_TICKS
 * steps in all. */
static void svg_axis_fit(struct svg_axis *axis, double low, double high)
{
	if (!isfinite(high - low)) {
		/* Only absurd data gets here; the chart stays well-formed. */
		low = -1.0;
		high = 1.0;
	} else if (!(high > low)) {
		double pad = low == 0 ? 1.0 : fabs(low) * 0.1;
		high += pad;
		if (low != 0)
			low -= pad;
		if (!(high > low)) { /* the pad of a denormal underflows */
			low -= 1.0;
			high = low + 2.0;
		}
	}
	double raw = (high - low) / SVG_TICKS;
	double base = 1.0;
	if (svg_unit_is_binary(axis->unit) && raw >= 1024.0)
		base = pow(1024.0, floor(log(raw) / log(1024.0)));
	double scaled = raw / base;
	double decade = pow(10.0, floor(log10(scaled)));
	double fraction = scaled / decade;
	/* Counts (goroutines, objects) take whole steps: no 2.5 or 0.5. */
	bool whole = strcmp(reporter_text(axis->unit), EP_UNIT_COUNT) == 0;
	double nice = fraction <= 1.0             ? 1.0
	              : fraction <= 2.0           ? 2.0
	              : fraction <= 2.5 && !whole ? 2.5
	              : fraction <= 5.0           ? 5.0
	                                          : 10.0;
	axis->step = nice * decade * base;
	if (whole && axis->step < 1.0)
		axis->step = 1.0;
	/* 1000kB is no round number of bytes; 1MB is. */
	if (svg_unit_is_binary(axis->unit) && nice * decade >= 1000.0)
		axis->step = 1024.0 * base;
	/* A value a hair past a step (10.0004 s with steps of 2 s) does not
	 * earn a whole step more of empty axis. */
	axis->min = floor(low / axis->step + 0.01) * axis->step;
	axis->max = ceil(high / axis->step - 0.01) * axis->step;
	double steps = (axis->max - axis->min) / axis->step;
	axis->ticks = steps >= 0.5 && steps <= 4 * SVG_TICKS ? (int)lround(steps) : 0;
	if (axis->ticks == 0) {
		/* A range too narrow for doubles to step through: just the ends. */
		axis->min = low;
		axis->max = high;
		axis->step = high - low;
		axis->ticks = 1;
	}
}

/* Where value lands along an axis drawn from start over length pixels
 * (length negative for the y axis, which grows upwards). */
static double svg_position(const struct svg_axis *axis, double value, double start, double length)
{
	double position = start + (value - axis->min) / (axis->max - axis->min) * length;
	/* Absurd data must not print "inf" into a coordinate. */
	return isfinite(position) ? fmax(-1e6, fmin(1e6, position)) : start;
}

/* The value of tick i. */
static double svg_tick(const struct svg_axis *axis, int i)
{
	double value = axis->min + axis->step * i;
	/* Remove the float dust of min + i*step so 0 does not print as
	 * "-1.1e-16". */
	return fabs(value) < axis->step * 1e-9 ? 0.0 : value;
}

/* A tick label: the value formatted in the axis unit by the host's
 * formatter, as the tables of the report are. */
static void svg_tick_label(const struct reporter_host *host, const struct svg_axis *axis,
                           double value, char *buffer, size_t size)
{
	struct ep_value number = { .type = EP_VALUE_DOUBLE, .real = value };
	reporter_format_value(host, buffer, size, number, axis->unit, "auto");
}

/* The legend: one swatch and title per series, wrapped into rows. Returns
 * the row count. With stream NULL it only counts. */
static int svg_legend(FILE *stream, const struct ep_report_series *const *series, size_t count,
                      double top)
{
	char a[32], b[32];
	double x = SVG_LEFT, width = SVG_WIDTH - SVG_LEFT - SVG_RIGHT;
	int row = 0;
	for (size_t i = 0; i < count; i++) {
		/* About 7 px per character of 12 px sans-serif text; a guess is
		 * enough to keep entries from overlapping. */
		double entry = 28.0 + 7.0 * (double)strlen(reporter_text(series[i]->title));
		if (x > SVG_LEFT && x + entry > SVG_LEFT + width) {
			row++;
			x = SVG_LEFT;
		}
		double y = top + SVG_LEGEND_ROW * row;
		if (stream != NULL) {
			fprintf(stream,
			        "<rect x=\"%s\" y=\"%s\" width=\"16\" height=\"4\" fill=\"%s\"/>\n",
			        svg_number(a, sizeof(a), x), svg_number(b, sizeof(b), y - 6),
			        svg_colours[i % SVG_COLOUR_COUNT]);
			fprintf(stream, "<text x=\"%s\" y=\"%s\">",
			        svg_number(a, sizeof(a), x + 22), svg_number(b, sizeof(b), y));
			svg_escape(stream, series[i]->title);
			fputs("</text>\n", stream);
		}
		x += entry + 16.0;
	}
	return count > 0 ? row + 1 : 0;
}

/* The data ranges of all series, finite points only. Returns the count of
 * points that can be drawn. */
static size_t svg_data_range(const struct ep_report_series *const *series, size_t count,
                             double *x_low, double *x_high, double *y_low, double *y_high)
{
	size_t drawable = 0;
	*x_low = *y_low = INFINITY;
	*x_high = *y_high = -INFINITY;
	for (size_t s = 0; s < count; s++) {
		for (size_t i = 0; i < series[s]->point_count; i++) {
			struct ep_report_point point = series[s]->points[i];
			if (!isfinite(point.x) || !isfinite(point.y))
				continue;
			*x_low = fmin(*x_low, point.x);
			*x_high = fmax(*x_high, point.x);
			*y_low = fmin(*y_low, point.y);
			*y_high = fmax(*y_high, point.y);
			drawable++;
		}
	}
	if (drawable == 0) {
		*x_low = *y_low = 0;
		*x_high = *y_high = 1;
	}
	return drawable;
}

/* Where the plot area lies in the picture. */
struct svg_plot {
	double left, top, width, height;
};

static void svg_grid(FILE *stream, const struct reporter_host *host, const struct svg_plot *plot,
                     const struct svg_axis *x_axis, const struct svg_axis *y_axis)
{
	char a[32], b[32], c[32], d[32], label[REPORTER_NUMBER_MAX];
	double bottom = plot->top + plot->height;

	fputs("<g stroke=\"#dddddd\" stroke-width=\"1\">\n", stream);
	for (int i = 0; i <= y_axis->ticks; i++) {
		double y = svg_position(y_axis, svg_tick(y_axis, i), bottom, -plot->height);
		fprintf(stream, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>\n",
		        svg_number(a, sizeof(a), plot->left), svg_number(b, sizeof(b), y),
		        svg_number(c, sizeof(c), plot->left + plot->width),
		        svg_number(d, sizeof(d), y));
	}
	fputs("</g>\n<g text-anchor=\"end\" fill=\"#333333\">\n", stream);
	for (int i = 0; i <= y_axis->ticks; i++) {
		double value = svg_tick(y_axis, i);
		double y = svg_position(y_axis, value, bottom, -plot->height);
		svg_tick_label(host, y_axis, value, label, sizeof(label));
		fprintf(stream, "<text x=\"%s\" y=\"%s\">",
		        svg_number(a, sizeof(a), plot->left - 6), svg_number(b, sizeof(b), y + 4));
		svg_escape(stream, label);
		fputs("</text>\n", stream);
	}
	fputs("</g>\n<g text-anchor=\"middle\" fill=\"#333333\">\n", stream);
	for (int i = 0; i <= x_axis->ticks; i++) {
		double value = svg_tick(x_axis, i);
		double x = svg_position(x_axis, value, plot->left, plot->width);
		svg_tick_label(host, x_axis, value, label, sizeof(label));
		fprintf(stream, "<text x=\"%s\" y=\"%s\">", svg_number(a, sizeof(a), x),
		        svg_number(b, sizeof(b), bottom + 18));
		svg_escape(stream, label);
		fputs("</text>\n", stream);
	}
	fputs("</g>\n", stream);

	fprintf(stream,
	        "<path d=\"M %s %s V %s H %s\" fill=\"none\" stroke=\"#333333\" "
	        "stroke-width=\"1\"/>\n",
	        svg_number(a, sizeof(a), plot->left), svg_number(b, sizeof(b), plot->top),
	        svg_number(c, sizeof(c), bottom),
	        svg_number(d, sizeof(d), plot->left + plot->width));
	fprintf(stream, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\">",
	        svg_number(a, sizeof(a), plot->left + plot->width / 2),
	        svg_number(b, sizeof(b), bottom + 44));
	svg_escape(stream, x_axis->label);
	fputs("</text>\n", stream);
	svg_number(a, sizeof(a), plot->top + plot->height / 2);
	fprintf(stream,
	        "<text x=\"16\" y=\"%s\" text-anchor=\"middle\" transform=\"rotate(-90 16 %s)\">",
	        a, a);
	svg_escape(stream, y_axis->label);
	fputs("</text>\n", stream);
}

static void svg_line(FILE *stream, const struct svg_plot *plot, const struct svg_axis *x_axis,
                     const struct svg_axis *y_axis, const struct ep_report_series *series,
                     const char *colour)
{
	char a[32], b[32];
	double bottom = plot->top + plot->height;

	fputs("<g>\n<title>", stream);
	svg_escape(stream, series->title);
	fprintf(stream,
	        "</title>\n<path class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
	        "stroke-linejoin=\"round\" d=\"",
	        colour);
	/* A point that is not finite leaves a gap: the line does not pretend
	 * to know the value there. */
	const char *command = "M";
	bool drew = false;
	for (size_t i = 0; i < series->point_count; i++) {
		struct ep_report_point point = series->points[i];
		if (!isfinite(point.x) || !isfinite(point.y)) {
			command = "M";
			continue;
		}
		fprintf(stream, "%s%s %s,%s", drew ? " " : "", command,
		        svg_number(a, sizeof(a),
		                   svg_position(x_axis, point.x, plot->left, plot->width)),
		        svg_number(b, sizeof(b),
		                   svg_position(y_axis, point.y, bottom, -plot->height)));
		command = "L";
		drew = true;
	}
	/* An empty path data is an error in SVG 1.1; a series without points
	 * gets a move that draws nothing. */
	if (!drew)
		fprintf(stream, "M %s,%s", svg_number(a, sizeof(a), plot->left),
		        svg_number(b, sizeof(b), bottom));
	fputs("\"/>\n", stream);
	for (size_t i = 0; series->point_count <= SVG_MAX_MARKERS && i < series->point_count; i++) {
		struct ep_report_point point = series->points[i];
		if (!isfinite(point.x) || !isfinite(point.y))
			continue;
		fprintf(stream, "<circle cx=\"%s\" cy=\"%s\" r=\"2.5\" fill=\"%s\"/>\n",
		        svg_number(a, sizeof(a),
		                   svg_position(x_axis, point.x, plot->left, plot->width)),
		        svg_number(b, sizeof(b),
		                   svg_position(y_axis, point.y, bottom, -plot->height)),
		        colour);
	}
	fputs("</g>\n", stream);
}

int svg_chart_write(FILE *stream, const struct reporter_host *host, const char *title,
                    const struct ep_report_series *const *series, size_t count)
{
	char a[32], b[32], c[32], d[32];
	struct svg_axis x_axis = { 0 }, y_axis = { 0 };
	double x_low, x_high, y_low, y_high;

	if (count > 0) {
		x_axis.unit = series[0]->x_unit;
		x_axis.label = series[0]->x_label;
		y_axis.unit = series[0]->y_unit;
		y_axis.label = series[0]->y_label;
	}
	size_t drawable = svg_data_range(series, count, &x_low, &x_high, &y_low, &y_high);
	/* Memory and counts read wrong on an axis without zero: a 2% change
	 * would fill the chart. */
	svg_axis_fit(&x_axis, x_low, x_high);
	svg_axis_fit(&y_axis, fmin(y_low, 0.0), fmax(y_high, 0.0));

	int legend_rows = svg_legend(NULL, series, count, 0);
	struct svg_plot plot = {
		.left = SVG_LEFT,
		.top = SVG_TITLE_HEIGHT + SVG_LEGEND_ROW * legend_rows + 10.0,
		.width = SVG_WIDTH - SVG_LEFT - SVG_RIGHT,
		.height = SVG_PLOT_HEIGHT,
	};
	double height = plot.top + plot.height + SVG_BOTTOM;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", stream);
	fprintf(stream,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%s\" "
	        "height=\"%s\" viewBox=\"0 0 %s %s\" font-family=\"sans-serif\" "
	        "font-size=\"12\">\n",
	        svg_number(a, sizeof(a), SVG_WIDTH), svg_number(b, sizeof(b), height),
	        svg_number(c, sizeof(c), SVG_WIDTH), svg_number(d, sizeof(d), height));
	fputs("<title>", stream);
	svg_escape(stream, title);
	fputs("</title>\n", stream);
	fprintf(stream, "<rect x=\"0\" y=\"0\" width=\"%s\" height=\"%s\" fill=\"#ffffff\"/>\n",
	        svg_number(a, sizeof(a), SVG_WIDTH), svg_number(b, sizeof(b), height));
	fprintf(stream, "<text x=\"%s\" y=\"22\" font-size=\"15\" font-weight=\"bold\">",
	        svg_number(a, sizeof(a), plot.left));
	svg_escape(stream, title);
	fputs("</text>\n", stream);
	svg_legend(stream, series, count, SVG_TITLE_HEIGHT + 12.0);
	svg_grid(stream, host, &plot, &x_axis, &y_axis);
	if (drawable == 0)
		fprintf(stream, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\">no data</text>\n",
		        svg_number(a, sizeof(a), plot.left + plot.width / 2),
		        svg_number(b, sizeof(b), plot.top + plot.height / 2));
	for (size_t s = 0; s < count; s++)
		svg_line(stream, &plot, &x_axis, &y_axis, series[s],
		         svg_colours[s % SVG_COLOUR_COUNT]);
	fputs("</svg>\n", stream);
	return 0;
}
