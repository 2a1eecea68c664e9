/* csv: renders any report document as CSV (RFC 4180) for spreadsheets and
 * scripts: BASE.csv lists every metric and comparison in long form (and
 * names the files below), and each table and series gets its own file,
 * BASE-ID.csv (RUN/analysis-heap-top.csv). Numbers are raw: integers exact,
 * doubles shortest round-trip, no unit formatting. Built into
 * plugins/reporters/csv.so; settings in [reporter.csv]:
 * line_ending = crlf|lf. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "reporter_common.h"

struct csv_reporter {
	struct reporter_host host;
	const char *line_end; /* "\r\n" (RFC 4180) or "\n" */
};

/* One file of a render. */
struct csv_job {
	const struct csv_reporter *self;
	const struct ep_report_document *document;
	const struct ep_report_table *table;   /* a table's file */
	const struct ep_report_series *series; /* a series' file */
	const char *const *file_names;         /* BASE.csv: the side files, in item order */
};

/* Where a field stands in its row. */
enum csv_position {
	CSV_LATER, /* after another field: a comma first */
	CSV_FIRST, /* first of several */
	CSV_ALONE, /* the only one */
};

static enum csv_position csv_position(size_t column, size_t column_count)
{
	return column > 0 ? CSV_LATER : column_count == 1 ? CSV_ALONE : CSV_FIRST;
}

/* Writes one field, quoted when it holds a comma, quote, CR or LF (quotes
 * doubled inside), as RFC 4180 says; bytes that are not UTF-8 become
 * U+FFFD so readers that decode UTF-8 do not fail on the whole file. */
static void csv_field(FILE *stream, const char *text, enum csv_position first)
{
	const unsigned char *p = (const unsigned char *)reporter_text(text);
	size_t length = strlen((const char *)p);
	bool quote = strpbrk((const char *)p, ",\"\r\n") != NULL;
	/* first == CSV_ALONE: the row's only field; empty, it would make an
	 * empty line, which readers take for no row at all. */
	if (first == CSV_ALONE && length == 0)
		quote = true;
	if (first == CSV_LATER)
		fputc(',', stream);
	if (quote)
		fputc('"', stream);
	while (length > 0) {
		uint32_t code_point;
		int used = reporter_utf8_decode(p, length, &code_point);
		if (used < 0) {
			fputs(REPORTER_REPLACEMENT_CHARACTER, stream);
			used = 1;
		} else {
			if (code_point == '"')
				fputc('"', stream);
			fwrite(p, 1, (size_t)used, stream);
		}
		p += used;
		length -= (size_t)used;
	}
	if (quote)
		fputc('"', stream);
}

/* A value raw; empty for none and for a double that is not finite (CSV
 * has no spelling for them that every reader takes). */
static void csv_value(FILE *stream, struct ep_value value, enum csv_position first)
{
	char number[REPORTER_NUMBER_MAX] = "";
	switch (value.type) {
	case EP_VALUE_TEXT:
		csv_field(stream, value.text, first);
		return;
	case EP_VALUE_INT:
		snprintf(number, sizeof(number), "%" PRId64, value.integer);
		break;
	case EP_VALUE_DOUBLE:
		if (isfinite(value.real))
			reporter_format_double(number, sizeof(number), value.real);
		break;
	case EP_VALUE_NONE:
		break;
	}
	csv_field(stream, number, first);
}

static void csv_double(FILE *stream, double value, enum csv_position first)
{
	csv_value(stream, (struct ep_value){ .type = EP_VALUE_DOUBLE, .real = value }, first);
}

static int csv_write_table(FILE *stream, void *context)
{
	const struct csv_job *job = context;
	const struct ep_report_table *table = job->table;
	for (size_t c = 0; c < table->column_count; c++)
		csv_field(stream, table->columns[c].id, csv_position(c, table->column_count));
	fputs(job->self->line_end, stream);
	for (size_t r = 0; r < table->row_count; r++) {
		for (size_t c = 0; c < table->column_count; c++)
			csv_value(stream, table->cells[r * table->column_count + c],
			          csv_position(c, table->column_count));
		fputs(job->self->line_end, stream);
	}
	return 0;
}

static int csv_write_series(FILE *stream, void *context)
{
	const struct csv_job *job = context;
	/* The axes' names and units, "seconds since start (seconds)", so the
	 * file says what its columns are; "x"/"y" only for an unnamed axis. */
	const char *labels[2] = { job->series->x_label, job->series->y_label };
	const char *units[2] = { job->series->x_unit, job->series->y_unit };
	for (int axis = 0; axis < 2; axis++) {
		char header[512];
		const char *label = labels[axis] != NULL && labels[axis][0] != '\0'
		                            ? labels[axis]
		                            : (axis == 0 ? "x" : "y");
		if (units[axis] != NULL && units[axis][0] != '\0')
			snprintf(header, sizeof(header), "%s (%s)", label, units[axis]);
		else
			snprintf(header, sizeof(header), "%s", label);
		csv_field(stream, header, axis == 0 ? CSV_FIRST : CSV_LATER);
	}
	fputs(job->self->line_end, stream);
	for (size_t i = 0; i < job->series->point_count; i++) {
		csv_double(stream, job->series->points[i].x, CSV_FIRST);
		csv_double(stream, job->series->points[i].y, CSV_LATER);
		fputs(job->self->line_end, stream);
	}
	return 0;
}

/* The columns of BASE.csv; a row leaves empty what its kind lacks. */
static const char *const csv_columns[] = {
	"kind",  "section",       "id",  "label", "value",   "a",          "b", "unit",
	"delta", "delta_percent", "n_a", "n_b",   "p_value", "significant"
};

/* The change and its test, as in the JSON schema: delta, delta_percent,
 * n_a, n_b, p_value (empty when not computed), significant (true, false
 * or empty). Empty cells for rows that are not comparisons. */
static void csv_comparison_statistics(FILE *stream, const struct ep_report_comparison *comparison)
{
	const struct ep_value none = { .type = EP_VALUE_NONE };
	if (comparison == NULL) {
		for (int i = 0; i < 6; i++)
			csv_value(stream, none, CSV_LATER);
		return;
	}
	double a, b;
	int64_t difference;
	bool numbers = reporter_value_number(comparison->a, &a) &&
	               reporter_value_number(comparison->b, &b) && isfinite(a) && isfinite(b);
	if (comparison->a.type == EP_VALUE_INT && comparison->b.type == EP_VALUE_INT &&
	    !__builtin_sub_overflow(comparison->b.integer, comparison->a.integer, &difference))
		csv_value(stream, (struct ep_value){ .type = EP_VALUE_INT, .integer = difference },
		          CSV_LATER);
	else
		csv_value(stream,
		          numbers ? (struct ep_value){ .type = EP_VALUE_DOUBLE, .real = b - a }
		                  : none,
		          CSV_LATER);
	csv_value(stream,
	          numbers && a != 0 ? (struct ep_value){ .type = EP_VALUE_DOUBLE,
	                                                 .real = (b - a) / fabs(a) * 100 }
	                            : none,
	          CSV_LATER);
	const struct ep_report_statistics *stats = comparison->statistics;
	int64_t na = stats ? (int64_t)stats->n_a : reporter_value_present(comparison->a);
	int64_t nb = stats ? (int64_t)stats->n_b : reporter_value_present(comparison->b);
	csv_value(stream, (struct ep_value){ .type = EP_VALUE_INT, .integer = na }, CSV_LATER);
	csv_value(stream, (struct ep_value){ .type = EP_VALUE_INT, .integer = nb }, CSV_LATER);
	csv_value(stream,
	          stats && isfinite(stats->p_value)
	                  ? (struct ep_value){ .type = EP_VALUE_DOUBLE, .real = stats->p_value }
	                  : none,
	          CSV_LATER);
	csv_field(stream,
	          stats && stats->significant >= 0 ? (stats->significant ? "true" : "false") : "",
	          CSV_LATER);
}

/* One row of BASE.csv. */
static void csv_row(FILE *stream, const char *line_end, const char *kind, const char *section,
                    const char *id, const char *label, const struct ep_value *value,
                    const struct ep_value *a, const struct ep_value *b, const char *unit,
                    const struct ep_report_comparison *comparison)
{
	const struct ep_value none = { .type = EP_VALUE_NONE };
	csv_field(stream, kind, CSV_FIRST);
	csv_field(stream, section, CSV_LATER);
	csv_field(stream, id, CSV_LATER);
	csv_field(stream, label, CSV_LATER);
	csv_value(stream, value != NULL ? *value : none, CSV_LATER);
	csv_value(stream, a != NULL ? *a : none, CSV_LATER);
	csv_value(stream, b != NULL ? *b : none, CSV_LATER);
	csv_field(stream, unit, CSV_LATER);
	csv_comparison_statistics(stream, a != NULL && b != NULL ? comparison : NULL);
	fputs(line_end, stream);
}

static int csv_write_index(FILE *stream, void *context)
{
	const struct csv_job *job = context;
	const char *line_end = job->self->line_end;
	const struct ep_report_document *document = job->document;
	size_t side_file = 0;

	for (size_t c = 0; c < sizeof(csv_columns) / sizeof(csv_columns[0]); c++)
		csv_field(stream, csv_columns[c], c == 0 ? CSV_FIRST : CSV_LATER);
	fputs(line_end, stream);
	for (size_t s = 0; s < document->section_count; s++) {
		const struct ep_report_section *section = document->sections[s];
		for (size_t i = 0; i < section->item_count; i++) {
			const struct ep_report_item *item = &section->items[i];
			if (item->kind == EP_REPORT_METRIC) {
				const struct ep_report_metric *metric = item->u.metric;
				csv_row(stream, line_end, "metric", section->id, metric->id,
				        metric->label, &metric->value, NULL, NULL, metric->unit,
				        NULL);
			} else if (item->kind == EP_REPORT_COMPARISON) {
				const struct ep_report_comparison *comparison = item->u.comparison;
				csv_row(stream, line_end, "comparison", section->id, comparison->id,
				        comparison->label, NULL, &comparison->a, &comparison->b,
				        comparison->unit, comparison);
			} else if (item->kind == EP_REPORT_TABLE ||
			           item->kind == EP_REPORT_SERIES) {
				/* Scripts find a table's file here by id instead of
				 * guessing how the id was made into a file name. */
				bool table = item->kind == EP_REPORT_TABLE;
				struct ep_value file = { .type = EP_VALUE_TEXT,
					                 .text = job->file_names[side_file++] };
				csv_row(stream, line_end, table ? "table" : "series", section->id,
				        table ? item->u.table->id : item->u.series->id,
				        table ? item->u.table->title : item->u.series->title, &file,
				        NULL, NULL, "", NULL);
			}
		}
	}
	return 0;
}

static int csv_render(void *state, const struct ep_report_document *document, const char *base_path)
{
	struct csv_reporter *self = state;
	struct reporter_names names = { 0 };
	const char **file_names = NULL;
	size_t file_count = 0;
	char *path = NULL;
	int rc = 0;

	if (document == NULL || base_path == NULL || base_path[0] == '\0') {
		self->host.host->log(self->host.instance, EP_LOG_ERROR,
		                     "nothing to render: no document or no output path");
		return -EINVAL;
	}
	/* Tables and series first, then BASE.csv, which names them: the index
	 * never names a file that is not there. */
	for (size_t s = 0; rc == 0 && s < document->section_count; s++) {
		const struct ep_report_section *section = document->sections[s];
		for (size_t i = 0; rc == 0 && i < section->item_count; i++) {
			const struct ep_report_item *item = &section->items[i];
			struct csv_job job = { .self = self, .document = document };
			const char *side_path, *file_name, *id;
			reporter_write_fn write;
			if (item->kind == EP_REPORT_TABLE) {
				job.table = item->u.table;
				id = item->u.table->id;
				write = csv_write_table;
			} else if (item->kind == EP_REPORT_SERIES) {
				job.series = item->u.series;
				id = item->u.series->id;
				write = csv_write_series;
			} else {
				continue;
			}
			const char **grown = realloc(file_names, (file_count + 1) * sizeof(*grown));
			if (grown == NULL) {
				rc = -ENOMEM;
				break;
			}
			file_names = grown;
			rc = reporter_names_add(&names, base_path, section->id, id, ".csv",
			                        &side_path, &file_name);
			if (rc < 0)
				break;
			file_names[file_count++] = file_name;
			rc = reporter_write_file(&self->host, side_path, write, &job);
		}
	}
	if (rc == 0) {
		path = reporter_path(base_path, ".csv");
		rc = path != NULL ? 0 : -ENOMEM;
	}
	if (rc == 0) {
		struct csv_job job = { .self = self,
			               .document = document,
			               .file_names = file_names };
		rc = reporter_write_file(&self->host, path, csv_write_index, &job);
	}
	if (rc == -ENOMEM)
		self->host.host->log(self->host.instance, EP_LOG_ERROR,
		                     "out of memory rendering %s.csv", base_path);
	free(path);
	free(file_names);
	reporter_names_free(&names);
	return rc;
}

static int csv_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	const char *line_ending = NULL;
	int rc = host->config_get_string(instance, "line_ending", &line_ending);
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, "cannot read setting line_ending: %s",
		          strerror(-rc));
		return rc;
	}
	const char *line_end;
	if (line_ending == NULL || strcmp(line_ending, "crlf") == 0) {
		line_end = "\r\n";
	} else if (strcmp(line_ending, "lf") == 0) {
		line_end = "\n";
	} else {
		host->log(instance, EP_LOG_ERROR, "line_ending must be crlf or lf, not '%s'",
		          line_ending);
		return -EINVAL;
	}
	struct csv_reporter *self = calloc(1, sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	self->host = (struct reporter_host){ host, instance };
	self->line_end = line_end;
	*state = self;
	return 0;
}

static void csv_fini(void *state)
{
	free(state);
}

static const struct ep_reporter_ops csv_ops = {
	.version = EP_REPORTER_OPS_VERSION,
	.render = csv_render,
};

static const struct ep_config_key csv_config_keys[] = {
	{ "line_ending", EP_CONFIG_STRING, "crlf",
	  "line ends of the CSV files: crlf (RFC 4180) or lf" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor csv_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_REPORTER,
	.name = "csv",
	.version = "1.0.0",
	.description = "writes BASE.csv (metrics, comparisons) and a CSV per table and series",
	.config_keys = csv_config_keys,
	.init = csv_init,
	.fini = csv_fini,
	.reporter = &csv_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &csv_descriptor;
}
