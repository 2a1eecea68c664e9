/* html: BASE.html, the whole report document as one self-contained page
 * (inline CSS, SVG and script; no external asset, so it opens from a CI
 * artifact or a mail attachment): the summary first (a comparison's
 * figures, or an analysis' metrics), then every section with its metrics,
 * sortable tables, charts (the markdown reporter's line charts, inline),
 * flame graphs (flame_svg, with a search box of the page) and notes.
 *
 * Use: in [run] reporters (on by default); settings in [reporter.html]:
 *     min_share, normalize   as [reporter.flamegraph]'s, for the inline graphs
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "flame_svg.h"
#include "reporter_common.h"
#include "svg_chart.h"

struct html_reporter {
	struct reporter_host host;
	double min_share;
	bool normalize;
};

struct html_render {
	const struct html_reporter *self;
	const struct ep_report_document *document;
	size_t flame_count; /* for unique element ids */
};

static void html_text(FILE *stream, const char *text)
{
	reporter_xml_escape(stream, text);
}

static const char *html_or(const char *text, const char *fallback)
{
	return text != NULL && text[0] != '\0' ? text : fallback;
}

static const char html_style[] =
        "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1240px;padding:12px 20px;"
        "color:#222}\n"
        "h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:4px;"
        "margin-top:2em}h3{font-size:1em}\n"
        "table{border-collapse:collapse;margin:8px 0 16px}th,td{padding:3px 8px;border:1px "
        "solid #ddd;text-align:left}\n"
        "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
        "table.ep-sortable th{cursor:pointer;background:#f4f4f4}\n"
        "table.ep-sortable th[data-order=asc]::after{content:' \\25B2'}\n"
        "table.ep-sortable th[data-order=desc]::after{content:' \\25BC'}\n"
        ".ep-grew{color:#b00}.ep-shrank{color:#06b}\n"
        ".ep-flame-box{overflow-x:auto;margin:8px 0 20px}\n"
        ".ep-flame-box input{width:320px;padding:3px;margin:4px 0}\n"
        "code{background:#f4f4f4;padding:0 3px}\n"
        ".ep-advice{background:#fff8e0;padding:6px 10px;border-left:3px solid #e0b000}\n";

/* Sorting: a click on a header sorts by that column, numbers by the raw
 * value in data-v, text by its content; a second click reverses. */
static const char html_script[] =
        "(function(){\n"
        "[].forEach.call(document.querySelectorAll('table.ep-sortable'),function(t){\n"
        " [].forEach.call(t.tHead.rows[0].cells,function(th,i){th.addEventListener('click',"
        "function(){\n"
        "  var asc=th.getAttribute('data-order')!=='asc',body=t.tBodies[0];\n"
        "  [].forEach.call(t.tHead.rows[0].cells,function(h){h.removeAttribute('data-order');});\n"
        "  th.setAttribute('data-order',asc?'asc':'desc');\n"
        "  var rows=[].slice.call(body.rows);\n"
        "  rows.sort(function(a,b){var x=a.cells[i],y=b.cells[i],u=x.getAttribute('data-v'),"
        "v=y.getAttribute('data-v'),r;\n"
        "   if(u!==null&&v!==null)r=(+u)-(+v);else r=x.textContent.localeCompare(y.textContent);\n"
        "   return asc?r:-r;});\n"
        "  rows.forEach(function(r){body.appendChild(r);});});});});\n"
        "[].forEach.call(document.querySelectorAll('input.ep-flame-search'),function(box){\n"
        " box.addEventListener('input',function(){var g=document.getElementById("
        "box.getAttribute('data-for'));\n"
        "  if(g&&g.epSearch)g.epSearch(box.value);});});\n"
        "})();\n";

static void html_number_cell(FILE *stream, const struct html_render *render, struct ep_value value,
                             const char *unit, const char *to_unit)
{
	char text[REPORTER_NUMBER_MAX], raw[REPORTER_NUMBER_MAX];
	double number;
	if (value.type == EP_VALUE_TEXT) {
		fputs("<td>", stream);
		html_text(stream, value.text);
		fputs("</td>", stream);
		return;
	}
	if (!reporter_value_number(value, &number) || !isfinite(number)) {
		fputs("<td class=\"n\"></td>", stream);
		return;
	}
	fprintf(stream, "<td class=\"n\" data-v=\"%s\">",
	        reporter_format_double(raw, sizeof(raw), number));
	html_text(stream, reporter_format_value(&render->self->host, text, sizeof(text), value,
	                                        unit, to_unit));
	fputs("</td>", stream);
}

/* A note as a paragraph; its `code spans` (commands to run) as <code>. */
static void html_note(FILE *stream, const char *note)
{
	const char *p = reporter_text(note);
	fputs("<p>", stream);
	for (;;) {
		const char *open = strchr(p, '`');
		const char *close = open != NULL ? strchr(open + 1, '`') : NULL;
		if (close == NULL) {
			html_text(stream, p);
			break;
		}
		char *piece = strndup(p, (size_t)(open - p));
		char *code = strndup(open + 1, (size_t)(close - open - 1));
		if (piece == NULL || code == NULL) {
			free(piece);
			free(code);
			break;
		}
		html_text(stream, piece);
		fputs("<code>", stream);
		html_text(stream, code);
		fputs("</code>", stream);
		free(piece);
		free(code);
		p = close + 1;
	}
	fputs("</p>\n", stream);
}

static void html_metrics(FILE *stream, const struct html_render *render,
                         const struct ep_report_section *section)
{
	bool open = false;
	for (size_t i = 0; i < section->item_count; i++) {
		const struct ep_report_item *item = &section->items[i];
		if (item->kind != EP_REPORT_METRIC)
			continue;
		if (!open)
			fputs("<table class=\"ep-metrics\"><tbody>\n", stream);
		open = true;
		const struct ep_report_metric *metric = item->u.metric;
		fputs("<tr><th>", stream);
		html_text(stream, html_or(metric->label, metric->id));
		fputs("</th>", stream);
		html_number_cell(stream, render, metric->value, metric->unit, "auto");
		fputs("</tr>\n", stream);
	}
	if (open)
		fputs("</tbody></table>\n", stream);
}

/* The comparisons of every section: the summary of a comparison. */
static void html_comparisons(FILE *stream, const struct html_render *render)
{
	const struct ep_report_document *document = render->document;
	bool open = false;
	for (size_t s = 0; s < document->section_count; s++) {
		const struct ep_report_section *section = document->sections[s];
		for (size_t i = 0; i < section->item_count; i++) {
			const struct ep_report_item *item = &section->items[i];
			if (item->kind != EP_REPORT_COMPARISON)
				continue;
			const struct ep_report_comparison *c = item->u.comparison;
			if (!open) {
				fputs("<table class=\"ep-sortable "
				      "ep-comparison\"><thead><tr><th>Metric</th>"
				      "<th class=\"n\">",
				      stream);
				html_text(stream, html_or(document->run_a, "A"));
				fputs("</th><th class=\"n\">", stream);
				html_text(stream, html_or(document->run_b, "B"));
				fputs("</th><th class=\"n\">Change</th></tr></thead><tbody>\n",
				      stream);
			}
			open = true;
			char change[REPORTER_NUMBER_MAX * 2];
			double a, b;
			const char *direction = "";
			if (reporter_value_number(c->a, &a) && reporter_value_number(c->b, &b))
				direction = b > a ? " ep-grew" : b < a ? " ep-shrank" : "";
			reporter_format_change(&render->self->host, c, change, sizeof(change));
			fputs("<tr><td>", stream);
			html_text(stream, html_or(c->label, c->id));
			fputs("</td>", stream);
			html_number_cell(stream, render, c->a, c->unit, "auto");
			html_number_cell(stream, render, c->b, c->unit, "auto");
			fprintf(stream, "<td class=\"n%s\">", direction);
			html_text(stream, change);
			fputs("</td></tr>\n", stream);
		}
	}
	if (open)
		fputs("</tbody></table>\n", stream);
}

static bool html_column_is_number(const struct ep_report_column *column)
{
	return column->type == EP_VALUE_INT || column->type == EP_VALUE_DOUBLE;
}

static int html_table(FILE *stream, const struct html_render *render,
                      const struct ep_report_table *table)
{
	size_t columns = table->column_count;
	char(*to_units)[32] = calloc(columns ? columns : 1, sizeof(*to_units));
	if (to_units == NULL)
		return -ENOMEM;
	for (size_t c = 0; c < columns; c++)
		reporter_choose_unit(&render->self->host, table->columns[c].unit, table->cells + c,
		                     table->row_count, columns, to_units[c], sizeof(to_units[c]));
	fputs("<h3>", stream);
	html_text(stream, html_or(table->title, table->id));
	fputs("</h3>\n<table class=\"ep-sortable\" data-id=\"", stream);
	html_text(stream, table->id);
	fputs("\"><thead><tr>", stream);
	for (size_t c = 0; c < columns; c++) {
		fputs(html_column_is_number(&table->columns[c]) ? "<th class=\"n\">" : "<th>",
		      stream);
		html_text(stream, html_or(table->columns[c].label, table->columns[c].id));
		fputs("</th>", stream);
	}
	fputs("</tr></thead><tbody>\n", stream);
	for (size_t r = 0; r < table->row_count; r++) {
		fputs("<tr>", stream);
		for (size_t c = 0; c < columns; c++)
			html_number_cell(stream, render, table->cells[r * columns + c],
			                 table->columns[c].unit, to_units[c]);
		fputs("</tr>\n", stream);
	}
	fputs("</tbody></table>\n", stream);
	free(to_units);
	return 0;
}

/* Writes an SVG document inline: without its XML declaration, which has
 * no place inside HTML. */
static int html_inline_chart(FILE *stream, const struct html_render *render, const char *title,
                             const struct ep_report_series *const *series, size_t count)
{
	char *svg = NULL;
	size_t length = 0;
	FILE *memory = open_memstream(&svg, &length);
	if (memory == NULL)
		return -ENOMEM;
	int rc = svg_chart_write(memory, &render->self->host, title, series, count);
	if (fclose(memory) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0) {
		const char *body = svg;
		if (strncmp(body, "<?xml", 5) == 0 && strchr(body, '\n') != NULL)
			body = strchr(body, '\n') + 1;
		fputs("<div class=\"ep-chart\">", stream);
		fputs(body, stream);
		fputs("</div>\n", stream);
	}
	free(svg);
	return rc;
}

/* A chart where the first series of its chart id appears in the section,
 * with every series of that id. */
static int html_series(FILE *stream, const struct html_render *render,
                       const struct ep_report_section *section, size_t index)
{
	const struct ep_report_series *first = section->items[index].u.series;
	const char *chart = html_or(first->chart, html_or(first->id, "chart"));
	const struct ep_report_series **series = calloc(section->item_count, sizeof(*series));
	size_t count = 0;
	if (series == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < section->item_count; i++) {
		if (section->items[i].kind != EP_REPORT_SERIES)
			continue;
		const struct ep_report_series *s = section->items[i].u.series;
		if (strcmp(html_or(s->chart, html_or(s->id, "chart")), chart) != 0)
			continue;
		if (count == 0 && i != index) /* drawn where its first series is */
			break;
		series[count++] = s;
	}
	int rc = 0;
	if (count > 0) {
		char title[512];
		snprintf(title, sizeof(title), "%s: %s", html_or(render->document->title, "report"),
		         html_or(first->y_label, chart));
		rc = html_inline_chart(stream, render, title, series, count);
	}
	free(series);
	return rc;
}

static int html_tree(FILE *stream, struct html_render *render, const struct ep_report_tree *tree)
{
	char id[64];
	snprintf(id, sizeof(id), "ep-flame-%zu", ++render->flame_count);
	struct flame_svg_options options = {
		.min_share = render->self->min_share,
		.normalize = render->self->normalize,
		.inline_html = true,
		.a_name = render->document->run_a,
		.b_name = render->document->run_b,
		.element_id = id,
	};
	fputs("<h3>", stream);
	html_text(stream, html_or(tree->title, tree->id));
	fprintf(stream,
	        "</h3>\n<div class=\"ep-flame-box\"><input class=\"ep-flame-search\" "
	        "type=\"search\" placeholder=\"search frames (regular expression)\" "
	        "data-for=\"%s\"><br>\n",
	        id);
	int rc = flame_svg_write(stream, &render->self->host, tree, &options);
	fputs("</div>\n", stream);
	return rc;
}

static int html_section(FILE *stream, struct html_render *render,
                        const struct ep_report_section *section)
{
	int rc = 0;
	fputs("<section id=\"", stream);
	html_text(stream, section->id);
	fputs("\"><h2>", stream);
	html_text(stream, html_or(section->title, section->id));
	fputs("</h2>\n", stream);
	html_metrics(stream, render, section);
	/* A comparison's figures are all in the summary; not twice. */
	for (size_t i = 0; i < section->item_count && rc == 0; i++) {
		const struct ep_report_item *item = &section->items[i];
		switch (item->kind) {
		case EP_REPORT_TABLE:
			rc = html_table(stream, render, item->u.table);
			break;
		case EP_REPORT_SERIES:
			rc = html_series(stream, render, section, i);
			break;
		case EP_REPORT_TREE:
			rc = html_tree(stream, render, item->u.tree);
			break;
		case EP_REPORT_NOTE:
			html_note(stream, item->u.note);
			break;
		case EP_REPORT_RECOMMENDATION:
			fputs("<p class=\"ep-advice\"><b>", stream);
			html_text(stream, item->u.recommendation->advice);
			fputs("</b> &#8212; ", stream);
			html_text(stream, item->u.recommendation->evidence);
			fputs(" (", stream);
			html_text(stream, item->u.recommendation->rule);
			fputs(")</p>\n", stream);
			break;
		case EP_REPORT_METRIC:
		case EP_REPORT_COMPARISON: /* drawn above as one table each */
			break;
		}
	}
	fputs("</section>\n", stream);
	return rc;
}

static int html_write(FILE *stream, void *context)
{
	struct html_render *render = context;
	const struct ep_report_document *document = render->document;
	bool comparison = strcmp(reporter_text(document->kind), "comparison") == 0;
	const char *title = html_or(document->title, html_or(document->run_a, "Report"));
	int rc = 0;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      stream);
	html_text(stream, title);
	fputs(" - e2e-profile</title>\n<style>\n", stream);
	fputs(html_style, stream);
	fputs("</style></head>\n<body>\n<h1>", stream);
	html_text(stream, title);
	fputs("</h1>\n<p>", stream);
	if (comparison) {
		fputs("Comparison of run <b>", stream);
		html_text(stream, html_or(document->run_a, "A"));
		fputs("</b> (before) with run <b>", stream);
		html_text(stream, html_or(document->run_b, "B"));
		fputs("</b> (after).</p>\n<h2>Summary</h2>\n", stream);
		html_comparisons(stream, render);
	} else {
		fputs("Analysis of run <b>", stream);
		html_text(stream, html_or(document->run_a, "?"));
		fputs("</b>.</p>\n", stream);
	}
	for (size_t s = 0; s < document->section_count && rc == 0; s++)
		rc = html_section(stream, render, document->sections[s]);
	fputs("<script>\n", stream);
	fputs(html_script, stream);
	fputs("</script>\n</body></html>\n", stream);
	return rc;
}

static int html_render(void *state, const struct ep_report_document *document,
                       const char *base_path)
{
	struct html_reporter *self = state;
	struct html_render render = { .self = self, .document = document };
	char *path = reporter_path(base_path, ".html");
	if (path == NULL)
		return -ENOMEM;
	int rc = reporter_write_file(&self->host, path, html_write, &render);
	free(path);
	return rc;
}

static int html_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	struct html_reporter *self = calloc(1, sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	self->host = (struct reporter_host){ host, instance };
	int rc = host->config_get_double(instance, "min_share", &self->min_share);
	if (rc == 0 && !(self->min_share >= 0 && self->min_share < 1)) {
		host->log(instance, EP_LOG_ERROR,
		          "min_share must be at least 0 and below 1 (a share of the root), not %g",
		          self->min_share);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = host->config_get_bool(instance, "normalize", &self->normalize);
	if (rc < 0) {
		free(self);
		return rc;
	}
	*state = self;
	return 0;
}

static void html_fini(void *state)
{
	free(state);
}

static const struct ep_reporter_ops html_ops = {
	.version = EP_REPORTER_OPS_VERSION,
	.render = html_render,
};

static const struct ep_config_key html_keys[] = {
	{ "min_share", EP_CONFIG_DOUBLE, "0.0005",
	  "inline flame graphs: frames narrower than this share merge into \"other\"" },
	{ "normalize", EP_CONFIG_BOOL, "false",
	  "inline differential flame graphs: scale A to B's total first" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor html_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_REPORTER,
	.name = "html",
	.version = "1.0.0",
	.description = "writes BASE.html, one self-contained page: summary, charts, flame graphs, "
	               "sortable tables",
	.config_keys = html_keys,
	.init = html_init,
	.fini = html_fini,
	.reporter = &html_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &html_descriptor;
}
