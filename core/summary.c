/* The summary of a report document that fits at the top of a pull request:
 * a verdict, each gate passed or FAILED, and the key figures, in at most
 * about twelve lines of Markdown (docs/summary.md). The markdown reporter
 * opens BASE.md with it (host API summary_write); analyze, compare and run
 * print it on stdout and append it to $GITHUB_STEP_SUMMARY. */
#include "summary.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"

/* The figures a summary shows, in order, when the document has them. */
static const char *const summary_analysis_ids[] = {
	"heap.peak_inuse_bytes", "growth.trend",         "cpu.total_nanoseconds",
	"goroutine.peak",        "run.duration_seconds", "run.exit_status",
};
static const char *const summary_comparison_ids[] = {
	"peak", "rss", "cpu.total", "goroutines.peak", "duration",
};
#define SUMMARY_COUNT(array) (sizeof(array) / sizeof((array)[0]))
#define SUMMARY_CATEGORIES   2 /* categories with the largest change or size */

static double summary_number(const struct ep_value *value)
{
	switch (value->type) {
	case EP_VALUE_INT:
		return (double)value->integer;
	case EP_VALUE_DOUBLE:
		return value->real;
	default:
		return NAN;
	}
}

static void summary_format(char *buffer, size_t size, const struct ep_value *value,
                           const char *unit)
{
	const char *u = unit != NULL ? unit : "";
	if (value->type == EP_VALUE_TEXT) {
		snprintf(buffer, size, "%s", value->text ? value->text : "");
	} else if (value->type == EP_VALUE_NONE) {
		snprintf(buffer, size, "n/a");
	} else if (strcmp(u, EP_UNIT_SECONDS) == 0) {
		snprintf(buffer, size, "%.1fs", summary_number(value));
	} else if (strcmp(u, EP_UNIT_PERCENT) == 0) {
		snprintf(buffer, size, "%.2f%%", summary_number(value));
	} else if (value->type == EP_VALUE_INT) {
		ep_format_value(buffer, size, value->integer, u, "auto");
	} else {
		snprintf(buffer, size, "%.4g", value->real);
	}
}

/* Writes text for a Markdown table cell or sentence: | and backticks and
 * the other markup characters escaped, line breaks as spaces. */
static void summary_text(FILE *out, const char *text)
{
	for (const char *p = text ? text : ""; *p; p++) {
		if (strchr("\\`*_[]<>|~#", *p) != NULL)
			fputc('\\', out);
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
	}
}

static const struct ep_report_item *summary_find(const struct ep_report_document *document,
                                                 enum ep_report_item_kind kind, const char *id)
{
	for (size_t s = 0; s < document->section_count; s++) {
		const struct ep_report_section *section = document->sections[s];
		for (size_t i = 0; i < section->item_count; i++) {
			const struct ep_report_item *item = &section->items[i];
			if (item->kind != kind)
				continue;
			const char *item_id = kind == EP_REPORT_METRIC ? item->u.metric->id
			                      : kind == EP_REPORT_COMPARISON
			                              ? item->u.comparison->id
			                      : kind == EP_REPORT_TABLE ? item->u.table->id
			                                                : NULL;
			if (item_id != NULL && strcmp(item_id, id) == 0)
				return item;
		}
	}
	return NULL;
}

static bool summary_is_category(const char *id, const char *prefix, const char *suffix)
{
	size_t p = strlen(prefix), s = strlen(suffix), n = strlen(id);
	return n > p + s && strncmp(id, prefix, p) == 0 && strcmp(id + n - s, suffix) == 0 &&
	       strstr(id, "uncategorized") == NULL;
}

/* The change of a comparison: "-73.44MB (-70.3%)". */
static void summary_change(char *buffer, size_t size, const struct ep_report_comparison *c)
{
	double a = summary_number(&c->a), b = summary_number(&c->b);
	if (!isfinite(a) || !isfinite(b)) {
		snprintf(buffer, size, "n/a");
		return;
	}
	char absolute[64];
	struct ep_value delta;
	if (c->a.type == EP_VALUE_INT && c->b.type == EP_VALUE_INT)
		delta = (struct ep_value){ .type = EP_VALUE_INT,
			                   .integer = (int64_t)((uint64_t)c->b.integer -
			                                        (uint64_t)c->a.integer) };
	else
		delta = (struct ep_value){ .type = EP_VALUE_DOUBLE, .real = b - a };
	summary_format(absolute, sizeof(absolute), &delta, c->unit);
	const char *sign = b - a > 0 ? "+" : "";
	if (strcmp(c->unit ? c->unit : "", EP_UNIT_PERCENT) == 0)
		snprintf(buffer, size, "%s%.2f pp", sign, b - a);
	else if (a != 0)
		snprintf(buffer, size, "%s%s (%+.1f%%)", sign, absolute, (b - a) / fabs(a) * 100.0);
	else
		snprintf(buffer, size, "%s%s", sign, absolute);
}

static void summary_comparison_row(FILE *out, const struct ep_report_comparison *c)
{
	char a[64], b[64], change[128];
	summary_format(a, sizeof(a), &c->a, c->unit);
	summary_format(b, sizeof(b), &c->b, c->unit);
	summary_change(change, sizeof(change), c);
	fputs("| ", out);
	summary_text(out, c->label ? c->label : c->id);
	fprintf(out, " | %s | %s | %s |\n", a, b, change);
}

/* The cell of table at row in the column named id, or NULL. */
static const struct ep_value *summary_cell(const struct ep_report_table *table, size_t row,
                                           const char *id)
{
	for (size_t c = 0; c < table->column_count; c++)
		if (strcmp(table->columns[c].id, id) == 0)
			return &table->cells[row * table->column_count + c];
	return NULL;
}

static const char *summary_cell_text(const struct ep_report_table *table, size_t row,
                                     const char *id)
{
	const struct ep_value *cell = summary_cell(table, row, id);
	return cell != NULL && cell->type == EP_VALUE_TEXT && cell->text != NULL ? cell->text : "";
}

/* Gates: the core's gates.rules table (docs/gates.md): each rule, its
 * verdict (passed, FAILED or skipped) and the sentence with its numbers. */
static size_t summary_gates(FILE *out, const struct ep_report_document *document, size_t *failed)
{
	const struct ep_report_item *item = summary_find(document, EP_REPORT_TABLE, "gates.rules");
	*failed = 0;
	if (item == NULL)
		return 0;
	const struct ep_report_table *table = item->u.table;
	for (size_t r = 0; r < table->row_count; r++) {
		const char *verdict = summary_cell_text(table, r, "verdict");
		bool broke = strcmp(verdict, "FAILED") == 0;
		*failed += broke;
		if (out == NULL)
			continue;
		/* The gate's sentence starts with its verdict; the bullet says it. */
		const char *sentence = summary_cell_text(table, r, "summary");
		size_t verdict_length = strlen(verdict);
		if (verdict_length > 0 && strncmp(sentence, verdict, verdict_length) == 0 &&
		    strncmp(sentence + verdict_length, ": ", 2) == 0)
			sentence += verdict_length + 2;
		fprintf(out, "- %s `%s`: %s\n",
		        broke                             ? "❌ **FAILED**"
		        : strcmp(verdict, "skipped") == 0 ? "⏭️ skipped"
		                                          : "✅ passed",
		        summary_cell_text(table, r, "rule"), sentence);
	}
	return table->row_count;
}

static void summary_write_comparison(FILE *out, const struct ep_report_document *document)
{
	size_t failed;
	size_t gates = summary_gates(NULL, document, &failed);
	const struct ep_report_item *peak = summary_find(document, EP_REPORT_COMPARISON, "peak");
	fputs("**Verdict: ", out);
	if (gates > 0 && failed > 0) {
		fprintf(out, "regression** — %zu of %zu gate(s) FAILED", failed, gates);
	} else {
		double a = peak ? summary_number(&peak->u.comparison->a) : NAN;
		double b = peak ? summary_number(&peak->u.comparison->b) : NAN;
		double change =
		        isfinite(a) && isfinite(b) && a != 0 ? (b - a) / fabs(a) * 100 : NAN;
		if (!isfinite(change))
			fputs("no peak to compare**", out);
		else
			fprintf(out, "%s** — peak in-use memory %+.1f%%",
			        change <= -1  ? "less memory"
			        : change >= 1 ? "more memory"
			                      : "about the same",
			        change);
		if (gates > 0)
			fprintf(out, "; all %zu gate(s) passed", gates);
	}
	fputs("\n\n", out);
	if (gates > 0) {
		summary_gates(out, document, &failed);
		fputc('\n', out);
	}
	fputs("| Metric | ", out);
	summary_text(out, document->run_a ? document->run_a : "A");
	fputs(" | ", out);
	summary_text(out, document->run_b ? document->run_b : "B");
	fputs(" | Change |\n|---|---:|---:|---:|\n", out);
	size_t rows = 0;
	for (size_t i = 0; i < SUMMARY_COUNT(summary_comparison_ids); i++) {
		const struct ep_report_item *item =
		        summary_find(document, EP_REPORT_COMPARISON, summary_comparison_ids[i]);
		if (item == NULL || (item->u.comparison->a.type == EP_VALUE_NONE &&
		                     item->u.comparison->b.type == EP_VALUE_NONE))
			continue;
		if (strcmp(summary_comparison_ids[i], "duration") == 0) {
			/* the categories with the largest change come before the duration */
			const struct ep_report_comparison *best[SUMMARY_CATEGORIES] = { 0 };
			double size[SUMMARY_CATEGORIES] = { 0 };
			for (size_t s = 0; s < document->section_count; s++) {
				const struct ep_report_section *section = document->sections[s];
				for (size_t k = 0; k < section->item_count; k++) {
					const struct ep_report_item *c = &section->items[k];
					if (c->kind != EP_REPORT_COMPARISON ||
					    !summary_is_category(c->u.comparison->id, "category.",
					                         ""))
						continue;
					double d = fabs(summary_number(&c->u.comparison->b) -
					                summary_number(&c->u.comparison->a));
					for (size_t j = 0;
					     isfinite(d) && d > 0 && j < SUMMARY_CATEGORIES; j++) {
						if (d > size[j]) {
							for (size_t m = SUMMARY_CATEGORIES - 1;
							     m > j; m--) {
								size[m] = size[m - 1];
								best[m] = best[m - 1];
							}
							size[j] = d;
							best[j] = c->u.comparison;
							break;
						}
					}
				}
			}
			for (size_t j = 0; j < SUMMARY_CATEGORIES && best[j] != NULL; j++, rows++)
				summary_comparison_row(out, best[j]);
		}
		summary_comparison_row(out, item->u.comparison);
		rows++;
	}
	if (rows == 0)
		fputs("| (no figure in both runs) | | | |\n", out);
}

static void summary_write_analysis(FILE *out, const struct ep_report_document *document)
{
	const struct ep_report_item *status =
	        summary_find(document, EP_REPORT_METRIC, "run.status");
	const struct ep_report_item *peak =
	        summary_find(document, EP_REPORT_METRIC, "heap.peak_inuse_bytes");
	const struct ep_report_item *when =
	        summary_find(document, EP_REPORT_METRIC, "heap.peak_offset_seconds");
	fputs("**Run ", out);
	summary_text(out, document->run_a ? document->run_a : "?");
	fputs("**", out);
	if (status != NULL && status->u.metric->value.type == EP_VALUE_TEXT) {
		fputs(" (", out);
		summary_text(out, status->u.metric->value.text);
		fputc(')', out);
	}
	if (peak != NULL) {
		char text[64];
		summary_format(text, sizeof(text), &peak->u.metric->value, peak->u.metric->unit);
		fprintf(out, ": peak in-use memory %s", text);
		if (when != NULL)
			fprintf(out, " at %.0f s", summary_number(&when->u.metric->value));
	}
	fputs("\n", out);
	/* The rows go to a buffer first: no table at all when there is none. */
	char *rows_text = NULL;
	size_t rows_length = 0;
	FILE *rows = open_memstream(&rows_text, &rows_length);
	if (rows == NULL)
		return;
	FILE *page = out;
	out = rows;
	for (size_t i = 0; i < SUMMARY_COUNT(summary_analysis_ids); i++) {
		const struct ep_report_item *item =
		        summary_find(document, EP_REPORT_METRIC, summary_analysis_ids[i]);
		if (item == NULL || item->u.metric->value.type == EP_VALUE_NONE)
			continue;
		if (strcmp(summary_analysis_ids[i], "run.duration_seconds") == 0) {
			/* the two largest categories first */
			const struct ep_report_metric *best[SUMMARY_CATEGORIES] = { 0 };
			for (size_t s = 0; s < document->section_count; s++) {
				const struct ep_report_section *section = document->sections[s];
				for (size_t k = 0; k < section->item_count; k++) {
					const struct ep_report_item *m = &section->items[k];
					if (m->kind != EP_REPORT_METRIC ||
					    !summary_is_category(m->u.metric->id, "category.",
					                         ".inuse_bytes"))
						continue;
					double v = summary_number(&m->u.metric->value);
					for (size_t j = 0;
					     isfinite(v) && v > 0 && j < SUMMARY_CATEGORIES; j++) {
						if (best[j] == NULL ||
						    v > summary_number(&best[j]->value)) {
							for (size_t n = SUMMARY_CATEGORIES - 1;
							     n > j; n--)
								best[n] = best[n - 1];
							best[j] = m->u.metric;
							break;
						}
					}
				}
			}
			for (size_t j = 0; j < SUMMARY_CATEGORIES && best[j] != NULL; j++) {
				char text[64];
				summary_format(text, sizeof(text), &best[j]->value, best[j]->unit);
				fputs("| ", out);
				summary_text(out, best[j]->label ? best[j]->label : best[j]->id);
				fprintf(out, " | %s |\n", text);
			}
		}
		char text[128];
		summary_format(text, sizeof(text), &item->u.metric->value, item->u.metric->unit);
		fputs("| ", out);
		summary_text(out,
		             item->u.metric->label ? item->u.metric->label : item->u.metric->id);
		fputs(" | ", out);
		summary_text(out, text);
		fputs(" |\n", out);
	}
	fclose(rows);
	if (rows_length > 0)
		fprintf(page, "\n| Figure | Value |\n|---|---:|\n%s", rows_text);
	free(rows_text);
}

int ep_summary_write(FILE *out, const struct ep_report_document *document)
{
	if (out == NULL || document == NULL)
		return -EINVAL;
	if (document->kind != NULL && strcmp(document->kind, "comparison") == 0)
		summary_write_comparison(out, document);
	else
		summary_write_analysis(out, document);
	return ferror(out) ? -EIO : 0;
}

int ep_summary_append(const char *path, const struct ep_report_document *document, char *err,
                      size_t errlen)
{
	/* The runner's file: appended to, never followed through a symlink. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot append the summary to %s: %s", path, strerror(errno));
		return -errno;
	}
	FILE *out = fdopen(fd, "a");
	if (out == NULL) {
		int rc = -errno;
		close(fd);
		snprintf(err, errlen, "cannot append the summary to %s: %s", path, strerror(-rc));
		return rc;
	}
	fputs("### e2e-profile: ", out);
	summary_text(out, document->title ? document->title : "report");
	fputs("\n\n", out);
	int rc = ep_summary_write(out, document);
	fputc('\n', out);
	if (fclose(out) != 0 && rc == 0)
		rc = -EIO;
	if (rc < 0)
		snprintf(err, errlen, "cannot append the summary to %s: %s", path, strerror(-rc));
	return rc;
}
