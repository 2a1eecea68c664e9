/* markdown: renders any report document as GitHub-flavoured Markdown, the
 * report people read: BASE.md (RUN/analysis.md, comparisons/A-vs-B.md) and
 * one SVG line chart per chart of a section beside it (BASE-CHART.svg,
 * linked as an image). Built into plugins/reporters/markdown.so; the host
 * calls it at the end of `analyze`, `run` and `compare`. Settings in
 * [reporter.markdown]: charts = true|false. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "reporter_common.h"
#include "svg_chart.h"

struct markdown_reporter {
	struct reporter_host host;
	bool charts; /* draw series as SVG charts; otherwise as tables */
};

/* One chart of a section: the series sharing a chart id, and its file. */
struct markdown_chart {
	const struct ep_report_section *section;
	const char *chart_id;
	const char *title; /* the first series' y label, else the chart id */
	const struct ep_report_series **series;
	size_t series_count;
	const char *path;      /* owned by the render's names */
	const char *file_name; /* last component of path, for the link */
};

/* One render call. */
struct markdown_render {
	const struct markdown_reporter *self;
	const struct ep_report_document *document;
	struct markdown_chart *charts;
	size_t chart_count;
	/* Some comparison carries repetitions' statistics: comparison tables
	 * get a p column and ~ for changes that are not significant. */
	bool statistical;
	const char *base_path;     /* where the files of the document go */
	size_t hidden_comparisons; /* of the section being written: 0 in both runs */
};

/* Where escaped text goes; each place has its own hazards. */
enum markdown_context {
	MARKDOWN_TEXT,    /* paragraph or list item: line breaks become spaces */
	MARKDOWN_HEADING, /* also '#', which would close the heading */
	MARKDOWN_CELL,    /* table cell: line breaks become <br> */
	MARKDOWN_NOTE,    /* an analyzer's sentence: like TEXT, but `code` stays code */
};

static bool markdown_is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

/* Writes text so that it shows literally: Markdown's markup characters get
 * a backslash (all ASCII punctuation may, in CommonMark), but '_' inside a
 * word stays bare because it cannot start emphasis there and names like
 * peak_inuse_bytes stay readable in the raw file. Bytes that are not UTF-8
 * become U+FFFD. */
static void markdown_escape(FILE *stream, const char *text, enum markdown_context context)
{
	const unsigned char *p = (const unsigned char *)reporter_text(text);
	size_t length = strlen((const char *)p);
	for (size_t i = 0; i < length; i++) {
		unsigned char c = p[i];
		unsigned char previous = i > 0 ? p[i - 1] : 0;
		unsigned char next = p[i + 1];
		if (c >= 0x80) {
			uint32_t code_point;
			int used = reporter_utf8_decode(p + i, length - i, &code_point);
			if (used < 0)
				fputs(REPORTER_REPLACEMENT_CHARACTER, stream);
			else
				fwrite(p + i, 1, (size_t)used, stream);
			i += used < 0 ? 0 : (size_t)used - 1;
		} else if (c == '`' && context == MARKDOWN_NOTE &&
		           strchr((const char *)p + i + 1, '`') != NULL) {
			/* Analyzers write commands as code spans (a `go tool pprof
			 * ...` hint): the span stays code, shown literally, with
			 * a line break inside it as a space. */
			const char *end = strchr((const char *)p + i + 1, '`');
			for (const char *q = (const char *)p + i; q <= end; q++)
				fputc(*q == '\n' || *q == '\r' ? ' ' : *q, stream);
			i = (size_t)(end - (const char *)p);
		} else if (c == '\r' || c == '\n') {
			if (c == '\r' && next == '\n')
				i++;
			fputs(context == MARKDOWN_CELL ? "<br>" : " ", stream);
		} else if (strchr("\\`*[]<>|~", c) != NULL ||
		           (c == '#' && context == MARKDOWN_HEADING)) {
			fputc('\\', stream);
			fputc(c, stream);
		} else if (c == '_') {
			if (!(markdown_is_alnum(previous) && markdown_is_alnum(next)))
				fputc('\\', stream);
			fputc(c, stream);
		} else if (c == '&' && (markdown_is_alnum(next) || next == '#')) {
			/* "&amp;" would turn into "&" otherwise. */
			fputs("\\&", stream);
		} else {
			fputc(c, stream);
		}
	}
}

/* text as a code span; text holds no backtick (file names). */
static void markdown_code(FILE *stream, const char *text)
{
	fputc('`', stream);
	for (const char *p = reporter_text(text); *p; p++)
		fputc(*p == '`' || *p == '\n' ? ' ' : *p, stream);
	fputc('`', stream);
}

/* A paragraph: leading blanks dropped (four would make a code block) and a
 * first character that would start a heading, list or quote escaped. */
static void markdown_paragraph(FILE *stream, const char *text)
{
	const char *p = reporter_text(text);
	p += strspn(p, " \t\r\n");
	size_t digits = strspn(p, "0123456789");
	if (p[0] != '\0' && strchr("#-+=", p[0]) != NULL) {
		fputc('\\', stream);
	} else if (digits > 0 && (p[digits] == '.' || p[digits] == ')')) {
		/* "1. x" would become an ordered list. */
		fwrite(p, 1, digits, stream);
		fputc('\\', stream);
		p += digits;
	}
	markdown_escape(stream, p, MARKDOWN_NOTE);
	fputs("\n\n", stream);
}

/* A link target as a URI reference: file names are slugs, but BASE holds
 * run names, which may hold spaces or parentheses. */
static void markdown_link_target(FILE *stream, const char *file_name)
{
	for (const unsigned char *p = (const unsigned char *)file_name; *p != '\0'; p++) {
		if (markdown_is_alnum(*p) && *p < 0x80)
			fputc(*p, stream);
		else if (strchr("-._~", *p) != NULL)
			fputc(*p, stream);
		else
			fprintf(stream, "%%%02X", *p);
	}
}

static const char *markdown_or(const char *text, const char *fallback)
{
	return text != NULL && text[0] != '\0' ? text : fallback;
}

/* --- charts --- */

static struct markdown_chart *markdown_find_chart(const struct markdown_render *render,
                                                  const struct ep_report_section *section,
                                                  const char *chart_id)
{
	for (size_t i = 0; i < render->chart_count; i++)
		if (render->charts[i].section == section &&
		    strcmp(render->charts[i].chart_id, chart_id) == 0)
			return &render->charts[i];
	return NULL;
}

/* Groups the series of each section by chart id, in order of first
 * appearance, and names each chart's file. */
static int markdown_plan_charts(struct markdown_render *render, struct reporter_names *names,
                                const char *base_path)
{
	const struct ep_report_document *document = render->document;
	for (size_t s = 0; s < document->section_count; s++) {
		const struct ep_report_section *section = document->sections[s];
		for (size_t i = 0; i < section->item_count; i++) {
			if (section->items[i].kind != EP_REPORT_SERIES)
				continue;
			const struct ep_report_series *series = section->items[i].u.series;
			const char *chart_id =
			        markdown_or(series->chart, markdown_or(series->id, "chart"));
			struct markdown_chart *chart =
			        markdown_find_chart(render, section, chart_id);
			if (chart == NULL) {
				struct markdown_chart *grown = realloc(
				        render->charts, (render->chart_count + 1) * sizeof(*grown));
				if (grown == NULL)
					return -ENOMEM;
				render->charts = grown;
				chart = &render->charts[render->chart_count++];
				*chart = (struct markdown_chart){
					.section = section,
					.chart_id = chart_id,
					.title = markdown_or(series->y_label, chart_id),
				};
				int rc =
				        reporter_names_add(names, base_path, section->id, chart_id,
				                           ".svg", &chart->path, &chart->file_name);
				if (rc < 0)
					return rc;
			}
			const struct ep_report_series **grown =
			        realloc(chart->series, (chart->series_count + 1) * sizeof(*grown));
			if (grown == NULL)
				return -ENOMEM;
			chart->series = grown;
			chart->series[chart->series_count++] = series;
		}
	}
	return 0;
}

struct markdown_chart_job {
	const struct markdown_reporter *self;
	const struct markdown_chart *chart;
	const char *document_title; /* the run, or "A vs B" */
};

static int markdown_write_chart(FILE *stream, void *context)
{
	const struct markdown_chart_job *job = context;
	/* The run's name in the title: a chart file is often looked at alone. */
	char title[512];
	snprintf(title, sizeof(title), "%s: %s", markdown_or(job->document_title, "report"),
	         job->chart->title);
	return svg_chart_write(stream, &job->self->host, title,
	                       (const struct ep_report_series *const *)job->chart->series,
	                       job->chart->series_count);
}

/* --- the document --- */

static void markdown_metric(const struct markdown_render *render,
                            const struct ep_report_metric *metric, FILE *stream)
{
	char value[REPORTER_NUMBER_MAX];
	fputs("| ", stream);
	markdown_escape(stream, markdown_or(metric->label, metric->id), MARKDOWN_CELL);
	fputs(" | ", stream);
	if (metric->value.type == EP_VALUE_NONE)
		fputs("n/a", stream);
	else if (metric->value.type == EP_VALUE_TEXT)
		markdown_escape(stream, metric->value.text, MARKDOWN_CELL);
	else
		markdown_escape(stream,
		                reporter_format_value(&render->self->host, value, sizeof(value),
		                                      metric->value, metric->unit, "auto"),
		                MARKDOWN_CELL);
	fputs(" |\n", stream);
}

static void markdown_change(const struct markdown_render *render,
                            const struct ep_report_comparison *comparison, char *buffer,
                            size_t size)
{
	reporter_format_change(&render->self->host, comparison, buffer, size);
}

static void markdown_comparison_header(const struct markdown_render *render, FILE *stream)
{
	fputs("| Metric | ", stream);
	markdown_escape(stream, markdown_or(render->document->run_a, "A"), MARKDOWN_CELL);
	fputs(" | ", stream);
	markdown_escape(stream, markdown_or(render->document->run_b, "B"), MARKDOWN_CELL);
	if (render->statistical)
		fputs(" | Change | p (n) |\n|---|---:|---:|---:|---:|\n", stream);
	else
		fputs(" | Change |\n|---|---:|---:|---:|\n", stream);
}

/* "43.84MB [41.20MB, 45.10MB]": a median with its 95% interval when the
 * repetitions allow one. */
static void markdown_interval(const struct markdown_render *render,
                              const struct ep_report_comparison *comparison, int side, char *buffer,
                              size_t size)
{
	const struct ep_report_statistics *stats = comparison->statistics;
	if (stats == NULL)
		return;
	double low = side == 0 ? stats->a_low : stats->b_low;
	double high = side == 0 ? stats->a_high : stats->b_high;
	if (!isfinite(low) || !isfinite(high))
		return;
	char lo[REPORTER_NUMBER_MAX], hi[REPORTER_NUMBER_MAX];
	struct ep_value lv = { .type = EP_VALUE_DOUBLE, .real = low };
	struct ep_value hv = { .type = EP_VALUE_DOUBLE, .real = high };
	if (strcmp(reporter_text(comparison->unit), EP_UNIT_BYTES) == 0 ||
	    strcmp(reporter_text(comparison->unit), EP_UNIT_NANOSECONDS) == 0) {
		lv = (struct ep_value){ .type = EP_VALUE_INT, .integer = (int64_t)llround(low) };
		hv = (struct ep_value){ .type = EP_VALUE_INT, .integer = (int64_t)llround(high) };
	}
	reporter_format_value(&render->self->host, lo, sizeof(lo), lv, comparison->unit, "auto");
	reporter_format_value(&render->self->host, hi, sizeof(hi), hv, comparison->unit, "auto");
	size_t used = strlen(buffer);
	if (used + 2 * REPORTER_NUMBER_MAX + 6 <= size)
		snprintf(buffer + used, size - used, " [%s, %s]", lo, hi);
}

/* "p=0.029 n=4+4", as benchstat prints it. */
static void markdown_p_value(const struct ep_report_comparison *comparison, char *buffer,
                             size_t size)
{
	const struct ep_report_statistics *stats = comparison->statistics;
	if (stats == NULL)
		snprintf(buffer, size, "n/a");
	else if (isfinite(stats->p_value))
		snprintf(buffer, size, "p=%.3g n=%u+%u", stats->p_value, stats->n_a, stats->n_b);
	else
		snprintf(buffer, size, "n=%u+%u", stats->n_a, stats->n_b);
}

static void markdown_comparison(const struct markdown_render *render,
                                const struct ep_report_comparison *comparison, FILE *stream)
{
	char value[REPORTER_NUMBER_MAX * 4];
	const struct ep_value *values[2] = { &comparison->a, &comparison->b };
	fputs("| ", stream);
	markdown_escape(stream, markdown_or(comparison->label, comparison->id), MARKDOWN_CELL);
	for (int i = 0; i < 2; i++) {
		fputs(" | ", stream);
		if (values[i]->type == EP_VALUE_TEXT) {
			/* Text of any length, not through a number's buffer. */
			markdown_escape(stream, values[i]->text, MARKDOWN_CELL);
			continue;
		}
		if (values[i]->type == EP_VALUE_NONE) {
			snprintf(value, sizeof(value), "n/a");
		} else {
			reporter_format_value(&render->self->host, value, sizeof(value), *values[i],
			                      comparison->unit, "auto");
			markdown_interval(render, comparison, i, value, sizeof(value));
		}
		markdown_escape(stream, value, MARKDOWN_CELL);
	}
	fputs(" | ", stream);
	/* benchstat's ~: a change the test cannot tell from noise. */
	if (comparison->statistics != NULL && comparison->statistics->significant == 0)
		fputs("~ ", stream);
	markdown_change(render, comparison, value, sizeof(value));
	markdown_escape(stream, value, MARKDOWN_CELL);
	if (render->statistical) {
		fputs(" | ", stream);
		markdown_p_value(comparison, value, sizeof(value));
		markdown_escape(stream, value, MARKDOWN_CELL);
	}
	fputs(" |\n", stream);
}

/* True when a table of section already shows metric: its id is
 * SECTION.KEY.COLUMN, and a table of the section has a key column ("id"
 * or "name") with a row KEY and a column COLUMN (category.openapi.inuse_bytes
 * is the inuse_bytes cell of row openapi of category.categories). The metric
 * stays in the document (for rules, scripts, JSON); the page shows each
 * figure once. */
static bool markdown_metric_in_table(const struct ep_report_section *section,
                                     const struct ep_report_metric *metric)
{
	const char *id = reporter_text(metric->id), *section_id = reporter_text(section->id);
	size_t prefix = strlen(section_id);
	if (prefix == 0 || strncmp(id, section_id, prefix) != 0 || id[prefix] != '.')
		return false;
	const char *key = id + prefix + 1, *dot = strrchr(key, '.');
	if (dot == NULL || dot == key)
		return false;
	size_t key_length = (size_t)(dot - key);
	for (size_t i = 0; i < section->item_count; i++) {
		if (section->items[i].kind != EP_REPORT_TABLE)
			continue;
		const struct ep_report_table *table = section->items[i].u.table;
		size_t id_column = SIZE_MAX, value_column = SIZE_MAX;
		for (size_t c = 0; c < table->column_count; c++) {
			const char *column = reporter_text(table->columns[c].id);
			if (strcmp(column, "id") == 0 || strcmp(column, "name") == 0)
				id_column = c;
			else if (strcmp(column, dot + 1) == 0)
				value_column = c;
		}
		if (id_column == SIZE_MAX || value_column == SIZE_MAX)
			continue;
		for (size_t r = 0; r < table->row_count; r++) {
			const struct ep_value *cell =
			        &table->cells[r * table->column_count + id_column];
			if (cell->type == EP_VALUE_TEXT && cell->text != NULL &&
			    strlen(cell->text) == key_length &&
			    strncmp(cell->text, key, key_length) == 0)
				return true;
		}
	}
	return false;
}

/* A figure that is 0 in both runs says nothing; it is counted instead. */
static bool markdown_comparison_is_zero(const struct ep_report_comparison *comparison)
{
	double a, b;
	return reporter_value_number(comparison->a, &a) &&
	       reporter_value_number(comparison->b, &b) && a == 0 && b == 0;
}

/* A row whose numbers are all 0 (a function that holds nothing in either
 * run) says nothing either; tables count them instead. */
static bool markdown_row_is_zero(const struct ep_report_table *table, size_t row)
{
	bool numbers = false;
	for (size_t c = 0; c < table->column_count; c++) {
		double value;
		const struct ep_value *cell = &table->cells[row * table->column_count + c];
		if (cell->type == EP_VALUE_TEXT)
			continue;
		if (reporter_value_number(*cell, &value)) {
			if (value != 0)
				return false;
			numbers = true;
		}
	}
	return numbers;
}

static void markdown_recommendation(const struct ep_report_recommendation *recommendation,
                                    FILE *stream)
{
	fputs("- **", stream);
	markdown_escape(stream, recommendation->advice, MARKDOWN_TEXT);
	fputs("**", stream);
	if (recommendation->evidence != NULL && recommendation->evidence[0] != '\0') {
		fputs(" \xE2\x80\x94 ", stream); /* an em dash */
		markdown_escape(stream, recommendation->evidence, MARKDOWN_TEXT);
	}
	if (recommendation->rule != NULL && recommendation->rule[0] != '\0') {
		fputs(" (", stream);
		markdown_escape(stream, recommendation->rule, MARKDOWN_TEXT);
		fputc(')', stream);
	}
	fputc('\n', stream);
}

static bool markdown_column_is_number(const struct ep_report_column *column)
{
	return column->type == EP_VALUE_INT || column->type == EP_VALUE_DOUBLE;
}

/* One display unit per unit of a table, as `go tool pprof -top` shows
 * flat and cum in one unit: every column with the same unit (e.g. flat and
 * cum, both bytes) shares it. to_units[c] receives column c's. */
static int markdown_table_units(const struct markdown_render *render,
                                const struct ep_report_table *table, char (*to_units)[16])
{
	size_t columns = table->column_count, rows = table->row_count;
	struct ep_value *values = malloc((rows * columns + 1) * sizeof(*values));
	if (values == NULL)
		return -ENOMEM;
	for (size_t c = 0; c < columns; c++) {
		if (to_units[c][0] != '\0')
			continue;
		const char *unit = reporter_text(table->columns[c].unit);
		size_t count = 0;
		for (size_t other = c; other < columns; other++) {
			if (strcmp(reporter_text(table->columns[other].unit), unit) != 0)
				continue;
			for (size_t r = 0; r < rows; r++)
				values[count++] = table->cells[r * columns + other];
		}
		reporter_choose_unit(&render->self->host, unit, values, count, 1, to_units[c],
		                     sizeof(to_units[c]));
		for (size_t other = c + 1; other < columns; other++)
			if (strcmp(reporter_text(table->columns[other].unit), unit) == 0)
				memcpy(to_units[other], to_units[c], sizeof(to_units[c]));
	}
	free(values);
	return 0;
}

static int markdown_table(const struct markdown_render *render, const struct ep_report_table *table,
                          FILE *stream)
{
	char value[REPORTER_NUMBER_MAX];
	size_t columns = table->column_count;
	char(*to_units)[16] = calloc(columns + 1, sizeof(*to_units));
	if (to_units == NULL)
		return -ENOMEM;
	int rc = markdown_table_units(render, table, to_units);
	if (rc < 0)
		goto cleanup;

	fputs("### ", stream);
	markdown_escape(stream, markdown_or(table->title, table->id), MARKDOWN_HEADING);
	fputs("\n\n", stream);
	if (columns == 0) /* no Markdown table can have no column */
		goto cleanup;
	fputc('|', stream);
	for (size_t c = 0; c < columns; c++) {
		fputc(' ', stream);
		markdown_escape(stream, markdown_or(table->columns[c].label, table->columns[c].id),
		                MARKDOWN_CELL);
		fputs(" |", stream);
	}
	fputs("\n|", stream);
	for (size_t c = 0; c < columns; c++)
		fputs(markdown_column_is_number(&table->columns[c]) ? "---:|" : "---|", stream);
	fputc('\n', stream);
	size_t hidden = 0;
	for (size_t r = 0; r < table->row_count; r++) {
		if (markdown_row_is_zero(table, r)) {
			hidden++;
			continue;
		}
		fputc('|', stream);
		for (size_t c = 0; c < columns; c++) {
			const struct ep_value *cell = &table->cells[r * columns + c];
			fputc(' ', stream);
			if (cell->type == EP_VALUE_TEXT)
				markdown_escape(stream, cell->text, MARKDOWN_CELL);
			else
				markdown_escape(stream,
				                reporter_format_value(
				                        &render->self->host, value, sizeof(value),
				                        *cell, table->columns[c].unit, to_units[c]),
				                MARKDOWN_CELL);
			fputs(" |", stream);
		}
		fputc('\n', stream);
	}
	fputc('\n', stream);
	if (hidden > 0)
		fprintf(stream, "%zu row(s) whose figures are all 0 are not shown.\n\n", hidden);
cleanup:
	free(to_units);
	return rc;
}

/* A series when charts are off: its points as a two-column table. */
static void markdown_series_table(const struct markdown_render *render,
                                  const struct ep_report_series *series, FILE *stream)
{
	char value[REPORTER_NUMBER_MAX];
	fputs("### ", stream);
	markdown_escape(stream, markdown_or(series->title, series->id), MARKDOWN_HEADING);
	fputs("\n\n| ", stream);
	markdown_escape(stream, markdown_or(series->x_label, "x"), MARKDOWN_CELL);
	fputs(" | ", stream);
	markdown_escape(stream, markdown_or(series->y_label, "y"), MARKDOWN_CELL);
	fputs(" |\n|---:|---:|\n", stream);
	for (size_t i = 0; i < series->point_count; i++) {
		struct ep_value x = { .type = EP_VALUE_DOUBLE, .real = series->points[i].x };
		struct ep_value y = { .type = EP_VALUE_DOUBLE, .real = series->points[i].y };
		fputs("| ", stream);
		markdown_escape(stream,
		                reporter_format_value(&render->self->host, value, sizeof(value), x,
		                                      series->x_unit, "auto"),
		                MARKDOWN_CELL);
		fputs(" | ", stream);
		markdown_escape(stream,
		                reporter_format_value(&render->self->host, value, sizeof(value), y,
		                                      series->y_unit, "auto"),
		                MARKDOWN_CELL);
		fputs(" |\n", stream);
	}
	fputc('\n', stream);
}

static void markdown_series(const struct markdown_render *render,
                            const struct ep_report_section *section,
                            const struct ep_report_series *series, FILE *stream)
{
	if (!render->self->charts) {
		markdown_series_table(render, series, stream);
		return;
	}
	const char *chart_id = markdown_or(series->chart, markdown_or(series->id, "chart"));
	const struct markdown_chart *chart = markdown_find_chart(render, section, chart_id);
	/* The chart shows where its first series was added; the others are
	 * drawn on it. */
	if (chart == NULL || chart->series[0] != series)
		return;
	fputs("![", stream);
	markdown_escape(stream, chart->title, MARKDOWN_TEXT);
	fputs("](", stream);
	markdown_link_target(stream, chart->file_name);
	fputs(")\n\n", stream);
}

/* A stack tree: where its flame graph and folded stacks are. The files
 * are the flamegraph reporter's, named as it names them; a link would not
 * render in a pull request comment, so the names are code. */
static void markdown_tree(const struct markdown_render *render,
                          const struct ep_report_section *section,
                          const struct ep_report_tree *tree, FILE *stream)
{
	struct reporter_names names = { 0 };
	const char *path, *svg = NULL, *folded = NULL;
	char total[REPORTER_NUMBER_MAX];
	struct ep_value value = { .type = EP_VALUE_INT, .integer = tree->total };
	if (reporter_names_add(&names, render->base_path, section->id, tree->id, ".svg", &path,
	                       &svg) < 0 ||
	    reporter_names_add(&names, render->base_path, section->id, tree->id, ".folded", &path,
	                       &folded) < 0) {
		reporter_names_free(&names);
		return;
	}
	fputs("- ", stream);
	markdown_escape(stream, markdown_or(tree->title, tree->id), MARKDOWN_TEXT);
	fputs(": ", stream);
	markdown_code(stream, svg);
	fputs(tree->has_base ? " (differential), " : ", ", stream);
	markdown_code(stream, folded);
	fprintf(stream, " (total %s, %zu frames)\n\n",
	        reporter_format_value(&render->self->host, total, sizeof(total), value, tree->unit,
	                              "auto"),
	        tree->frame_count);
	reporter_names_free(&names);
}

/* Items of one kind in a row form one block: consecutive metrics one
 * table, comparisons one table, recommendations one list. */
static bool markdown_kind_groups(enum ep_report_item_kind kind)
{
	return kind == EP_REPORT_METRIC || kind == EP_REPORT_COMPARISON ||
	       kind == EP_REPORT_RECOMMENDATION;
}

static int markdown_section(struct markdown_render *render, const struct ep_report_section *section,
                            FILE *stream)
{
	enum ep_report_item_kind open = 0; /* the group being written, 0 for none */
	int rc = 0;

	/* Collapsed: the summary above is what a pull request shows first. */
	fputs("<details><summary>", stream);
	reporter_xml_escape(stream, markdown_or(section->title, section->id));
	fputs("</summary>\n\n", stream);
	if (section->item_count == 0)
		fputs("Nothing to report.\n\n", stream);
	for (size_t i = 0; i < section->item_count && rc == 0; i++) {
		const struct ep_report_item *item = &section->items[i];
		if (open != 0 && item->kind != open) {
			fputc('\n', stream);
			open = 0;
		}
		switch (item->kind) {
		case EP_REPORT_METRIC:
			if (markdown_metric_in_table(section, item->u.metric))
				continue;
			if (open == 0)
				fputs("| Metric | Value |\n|---|---:|\n", stream);
			markdown_metric(render, item->u.metric, stream);
			break;
		case EP_REPORT_COMPARISON:
			if (markdown_comparison_is_zero(item->u.comparison)) {
				render->hidden_comparisons++;
				continue;
			}
			if (open == 0)
				markdown_comparison_header(render, stream);
			markdown_comparison(render, item->u.comparison, stream);
			break;
		case EP_REPORT_RECOMMENDATION:
			markdown_recommendation(item->u.recommendation, stream);
			break;
		case EP_REPORT_TABLE:
			rc = markdown_table(render, item->u.table, stream);
			break;
		case EP_REPORT_SERIES:
			markdown_series(render, section, item->u.series, stream);
			break;
		case EP_REPORT_NOTE:
			markdown_paragraph(stream, item->u.note);
			break;
		case EP_REPORT_TREE:
			markdown_tree(render, section, item->u.tree, stream);
			break;
		}
		if (markdown_kind_groups(item->kind))
			open = item->kind;
	}
	if (open != 0)
		fputc('\n', stream);
	if (render->hidden_comparisons > 0)
		fprintf(stream, "%zu figure(s) that are 0 in both runs are not shown.\n\n",
		        render->hidden_comparisons);
	render->hidden_comparisons = 0;
	fputs("</details>\n\n", stream);
	return rc;
}

static int markdown_write(FILE *stream, void *context)
{
	struct markdown_render *render = context;
	const struct ep_report_document *document = render->document;
	const char *kind = reporter_text(document->kind);
	int rc = 0;

	fputs("# ", stream);
	if (document->title != NULL && document->title[0] != '\0') {
		markdown_escape(stream, document->title, MARKDOWN_HEADING);
	} else if (strcmp(kind, "comparison") == 0) {
		markdown_escape(stream, markdown_or(document->run_a, "A"), MARKDOWN_HEADING);
		fputs(" vs ", stream);
		markdown_escape(stream, markdown_or(document->run_b, "B"), MARKDOWN_HEADING);
	} else {
		markdown_escape(stream, markdown_or(document->run_a, "Report"), MARKDOWN_HEADING);
	}
	fputs("\n\n", stream);
	const struct ep_host_api *host = render->self->host.host;
	if (host->version >= 2 && host->size >= sizeof(*host) && host->summary_write != NULL) {
		rc = host->summary_write(stream, document);
		fputc('\n', stream);
	}
	if (strcmp(kind, "comparison") == 0) {
		fputs("Comparison of run **", stream);
		markdown_escape(stream, markdown_or(document->run_a, "A"), MARKDOWN_TEXT);
		fputs("** (before) with run **", stream);
		markdown_escape(stream, markdown_or(document->run_b, "B"), MARKDOWN_TEXT);
		fputs("** (after).\n\n", stream);
	} else if (strcmp(kind, "analysis") == 0 && document->run_a != NULL) {
		fputs("Analysis of run **", stream);
		markdown_escape(stream, document->run_a, MARKDOWN_TEXT);
		fputs("**.\n\n", stream);
	}
	for (size_t s = 0; s < document->section_count && rc == 0; s++) {
		const struct ep_report_section *section = document->sections[s];
		/* The core's gates are in the summary above; not twice. */
		if (strcmp(reporter_text(section->id), "gates") == 0 &&
		    strcmp(reporter_text(section->origin), "core") == 0 && host->version >= 2)
			continue;
		rc = markdown_section(render, section, stream);
	}
	return rc;
}

static int markdown_render(void *state, const struct ep_report_document *document,
                           const char *base_path)
{
	struct markdown_reporter *self = state;
	struct markdown_render render = { .self = self,
		                          .document = document,
		                          .base_path = base_path };
	for (size_t s = 0; document != NULL && s < document->section_count; s++)
		for (size_t i = 0; i < document->sections[s]->item_count; i++)
			if (document->sections[s]->items[i].kind == EP_REPORT_COMPARISON &&
			    document->sections[s]->items[i].u.comparison->statistics != NULL)
				render.statistical = true;
	struct reporter_names names = { 0 };
	char *path = NULL;
	int rc;

	if (document == NULL || base_path == NULL || base_path[0] == '\0') {
		self->host.host->log(self->host.instance, EP_LOG_ERROR,
		                     "nothing to render: no document or no output path");
		return -EINVAL;
	}
	path = reporter_path(base_path, ".md");
	rc = path != NULL ? 0 : -ENOMEM;
	if (rc == 0 && self->charts)
		rc = markdown_plan_charts(&render, &names, base_path);
	/* Charts first: the page never links to a chart that is not there. */
	for (size_t i = 0; rc == 0 && i < render.chart_count; i++) {
		struct markdown_chart_job job = { self, &render.charts[i], document->title };
		rc = reporter_write_file(&self->host, render.charts[i].path, markdown_write_chart,
		                         &job);
	}
	if (rc == 0)
		rc = reporter_write_file(&self->host, path, markdown_write, &render);
	if (rc == -ENOMEM)
		self->host.host->log(self->host.instance, EP_LOG_ERROR,
		                     "out of memory rendering %s.md", base_path);
	for (size_t i = 0; i < render.chart_count; i++)
		free(render.charts[i].series);
	free(render.charts);
	reporter_names_free(&names);
	free(path);
	return rc;
}

static int markdown_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	struct markdown_reporter *self = calloc(1, sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	self->host = (struct reporter_host){ host, instance };
	int rc = host->config_get_bool(instance, "charts", &self->charts);
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, "cannot read setting charts: %s", strerror(-rc));
		free(self);
		return rc;
	}
	*state = self;
	return 0;
}

static void markdown_fini(void *state)
{
	free(state);
}

static const struct ep_reporter_ops markdown_ops = {
	.version = EP_REPORTER_OPS_VERSION,
	.render = markdown_render,
};

static const struct ep_config_key markdown_config_keys[] = {
	{ "charts", EP_CONFIG_BOOL, "true",
	  "draw series as SVG line charts beside the page (BASE-CHART.svg); false lists their "
	  "points in tables" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor markdown_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_REPORTER,
	.name = "markdown",
	.version = "1.0.0",
	.description = "writes BASE.md, the report for people, with SVG charts beside it",
	.config_keys = markdown_config_keys,
	.init = markdown_init,
	.fini = markdown_fini,
	.reporter = &markdown_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &markdown_descriptor;
}
