/* Builds the report document. Strings live in an arena freed with the
 * document; arrays that grow (items, rows, points) are reallocated, and the
 * public pointers into them are refreshed by ep_report_document(). */
#include "report_document.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof/arena.h"
#include "tree.h"

struct report_table {
	struct ep_report_table public;
	struct ep_value *cells;
	size_t cell_capacity;
};

struct report_series {
	struct ep_report_series public;
	struct ep_report_point *points;
	size_t point_capacity;
};

struct report_section {
	struct ep_report_section public;
	struct ep_report_item *items;
	size_t item_capacity;
};

struct ep_report {
	struct ep_arena arena;
	struct ep_report_document document;
	struct report_section **sections;
	size_t section_capacity;
	const char *origin;
	struct report_table *table;   /* the one rows go to */
	struct report_series *series; /* the one points go to */
	/* Every table and series, to free their growing arrays. */
	struct report_table **tables;
	size_t table_count;
	struct report_series **all_series;
	size_t series_count;
};

static const char *report_strdup(struct ep_report *report, const char *text)
{
	if (text == NULL)
		return NULL;
	return ep_arena_strndup(&report->arena, text, strlen(text));
}

static int report_grow(void **array, size_t *capacity, size_t needed, size_t element)
{
	if (needed <= *capacity)
		return 0;
	size_t grown = *capacity ? *capacity * 2 : 8;
	while (grown < needed)
		grown *= 2;
	void *bigger = realloc(*array, grown * element);
	if (bigger == NULL)
		return -ENOMEM;
	*array = bigger;
	*capacity = grown;
	return 0;
}

struct ep_value ep_value_int(int64_t value)
{
	return (struct ep_value){ .type = EP_VALUE_INT, .integer = value };
}

struct ep_value ep_value_double(double value)
{
	return (struct ep_value){ .type = EP_VALUE_DOUBLE, .real = value };
}

struct ep_value ep_value_text(const char *text)
{
	return (struct ep_value){ .type = EP_VALUE_TEXT, .text = text };
}

struct ep_value ep_value_none(void)
{
	return (struct ep_value){ .type = EP_VALUE_NONE };
}

/* A value whose text now lives in the document. */
static struct ep_value report_keep_value(struct ep_report *report, struct ep_value value)
{
	if (value.type == EP_VALUE_TEXT)
		value.text = report_strdup(report, value.text ? value.text : "");
	return value;
}

int ep_report_new(const char *kind, const char *title, const char *run_a, const char *run_b,
                  struct ep_report **out)
{
	struct ep_report *report = calloc(1, sizeof(*report));
	if (report == NULL)
		return -ENOMEM;
	ep_arena_init(&report->arena);
	report->document.kind = report_strdup(report, kind);
	report->document.title = report_strdup(report, title);
	report->document.run_a = report_strdup(report, run_a);
	report->document.run_b = report_strdup(report, run_b);
	report->origin = "";
	if (report->document.kind == NULL || report->document.title == NULL) {
		ep_report_free(report);
		return -ENOMEM;
	}
	*out = report;
	return 0;
}

void ep_report_free(struct ep_report *report)
{
	if (report == NULL)
		return;
	for (size_t i = 0; i < report->document.section_count; i++)
		free(report->sections[i]->items);
	free(report->sections);
	for (size_t i = 0; i < report->table_count; i++)
		free(report->tables[i]->cells);
	free(report->tables);
	for (size_t i = 0; i < report->series_count; i++)
		free(report->all_series[i]->points);
	free(report->all_series);
	ep_arena_release(&report->arena);
	free(report);
}

void ep_report_set_origin(struct ep_report *report, const char *origin)
{
	const char *kept = report_strdup(report, origin ? origin : "");
	report->origin = kept ? kept : "";
}

static struct report_section *report_current(struct ep_report *report)
{
	size_t count = report->document.section_count;
	return count ? report->sections[count - 1] : NULL;
}

int ep_report_section(struct ep_report *report, const char *id, const char *title)
{
	size_t count = report->document.section_count;
	if (report_grow((void **)&report->sections, &report->section_capacity, count + 1,
	                sizeof(*report->sections)) < 0)
		return -ENOMEM;
	struct report_section *section = ep_arena_calloc(&report->arena, 1, sizeof(*section));
	if (section == NULL)
		return -ENOMEM;
	section->public.id = report_strdup(report, id);
	section->public.title = report_strdup(report, title);
	section->public.origin = report->origin;
	if (section->public.id == NULL || section->public.title == NULL)
		return -ENOMEM;
	report->sections[count] = section;
	report->document.section_count = count + 1;
	report->table = NULL;
	report->series = NULL;
	return 0;
}

static struct ep_report_item *report_add_item(struct ep_report *report,
                                              enum ep_report_item_kind kind)
{
	struct report_section *section = report_current(report);
	if (section == NULL)
		return NULL;
	size_t count = section->public.item_count;
	if (report_grow((void **)&section->items, &section->item_capacity, count + 1,
	                sizeof(*section->items)) < 0)
		return NULL;
	struct ep_report_item *item = &section->items[count];
	memset(item, 0, sizeof(*item));
	item->kind = kind;
	section->public.item_count = count + 1;
	section->public.items = section->items;
	return item;
}

int ep_report_metric(struct ep_report *report, const char *id, const char *label,
                     struct ep_value value, const char *unit)
{
	struct ep_report_metric *metric = ep_arena_calloc(&report->arena, 1, sizeof(*metric));
	if (metric == NULL)
		return -ENOMEM;
	metric->id = report_strdup(report, id);
	metric->label = report_strdup(report, label);
	metric->value = report_keep_value(report, value);
	metric->unit = report_strdup(report, unit ? unit : "");
	struct ep_report_item *item = report_add_item(report, EP_REPORT_METRIC);
	if (item == NULL)
		return report_current(report) ? -ENOMEM : -EINVAL;
	item->u.metric = metric;
	return 0;
}

int ep_report_table(struct ep_report *report, const char *id, const char *title,
                    size_t column_count, const struct ep_report_column *columns)
{
	if (column_count == 0 || report_current(report) == NULL)
		return -EINVAL;
	struct report_table **grown =
	        realloc(report->tables, (report->table_count + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	report->tables = grown;
	struct report_table *table = ep_arena_calloc(&report->arena, 1, sizeof(*table));
	struct ep_report_column *copied =
	        ep_arena_calloc(&report->arena, column_count, sizeof(*copied));
	if (table == NULL || copied == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < column_count; i++) {
		copied[i].id = report_strdup(report, columns[i].id);
		copied[i].label = report_strdup(report, columns[i].label);
		copied[i].type = columns[i].type;
		copied[i].unit = report_strdup(report, columns[i].unit ? columns[i].unit : "");
	}
	table->public.id = report_strdup(report, id);
	table->public.title = report_strdup(report, title);
	table->public.column_count = column_count;
	table->public.columns = copied;
	report->tables[report->table_count++] = table;
	struct ep_report_item *item = report_add_item(report, EP_REPORT_TABLE);
	if (item == NULL)
		return -ENOMEM;
	item->u.table = &table->public;
	report->table = table;
	return 0;
}

int ep_report_row(struct ep_report *report, const struct ep_value *cells)
{
	struct report_table *table = report->table;
	if (table == NULL)
		return -EINVAL;
	size_t columns = table->public.column_count;
	size_t used = table->public.row_count * columns;
	if (report_grow((void **)&table->cells, &table->cell_capacity, used + columns,
	                sizeof(*table->cells)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < columns; i++)
		table->cells[used + i] = report_keep_value(report, cells[i]);
	table->public.row_count++;
	table->public.cells = table->cells;
	return 0;
}

int ep_report_series(struct ep_report *report, const char *id, const char *title, const char *chart,
                     const char *x_label, const char *x_unit, const char *y_label,
                     const char *y_unit)
{
	if (report_current(report) == NULL)
		return -EINVAL;
	struct report_series **grown =
	        realloc(report->all_series, (report->series_count + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	report->all_series = grown;
	struct report_series *series = ep_arena_calloc(&report->arena, 1, sizeof(*series));
	if (series == NULL)
		return -ENOMEM;
	series->public.id = report_strdup(report, id);
	series->public.title = report_strdup(report, title);
	series->public.chart = report_strdup(report, chart ? chart : id);
	series->public.x_label = report_strdup(report, x_label);
	series->public.x_unit = report_strdup(report, x_unit ? x_unit : "");
	series->public.y_label = report_strdup(report, y_label);
	series->public.y_unit = report_strdup(report, y_unit ? y_unit : "");
	report->all_series[report->series_count++] = series;
	struct ep_report_item *item = report_add_item(report, EP_REPORT_SERIES);
	if (item == NULL)
		return -ENOMEM;
	item->u.series = &series->public;
	report->series = series;
	return 0;
}

int ep_report_point(struct ep_report *report, double x, double y)
{
	struct report_series *series = report->series;
	if (series == NULL)
		return -EINVAL;
	size_t count = series->public.point_count;
	if (report_grow((void **)&series->points, &series->point_capacity, count + 1,
	                sizeof(*series->points)) < 0)
		return -ENOMEM;
	series->points[count] = (struct ep_report_point){ x, y };
	series->public.point_count = count + 1;
	series->public.points = series->points;
	return 0;
}

int ep_report_vnote(struct ep_report *report, const char *format, va_list args)
{
	char text[2048];
	vsnprintf(text, sizeof(text), format, args);
	const char *kept = report_strdup(report, text);
	struct ep_report_item *item = kept ? report_add_item(report, EP_REPORT_NOTE) : NULL;
	if (item == NULL)
		return report_current(report) ? -ENOMEM : -EINVAL;
	item->u.note = kept;
	return 0;
}

int ep_report_note(struct ep_report *report, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	int rc = ep_report_vnote(report, format, args);
	va_end(args);
	return rc;
}

int ep_report_recommendation(struct ep_report *report, const char *rule, const char *advice,
                             const char *evidence)
{
	struct ep_report_recommendation *recommendation =
	        ep_arena_calloc(&report->arena, 1, sizeof(*recommendation));
	if (recommendation == NULL)
		return -ENOMEM;
	recommendation->rule = report_strdup(report, rule);
	recommendation->advice = report_strdup(report, advice);
	recommendation->evidence = report_strdup(report, evidence ? evidence : "");
	struct ep_report_item *item = report_add_item(report, EP_REPORT_RECOMMENDATION);
	if (item == NULL)
		return report_current(report) ? -ENOMEM : -EINVAL;
	item->u.recommendation = recommendation;
	return 0;
}

int ep_report_comparison(struct ep_report *report, const char *id, const char *label,
                         struct ep_value a, struct ep_value b, const char *unit)
{
	struct ep_report_comparison *comparison =
	        ep_arena_calloc(&report->arena, 1, sizeof(*comparison));
	if (comparison == NULL)
		return -ENOMEM;
	comparison->id = report_strdup(report, id);
	comparison->label = report_strdup(report, label);
	comparison->a = report_keep_value(report, a);
	comparison->b = report_keep_value(report, b);
	comparison->unit = report_strdup(report, unit ? unit : "");
	struct ep_report_item *item = report_add_item(report, EP_REPORT_COMPARISON);
	if (item == NULL)
		return report_current(report) ? -ENOMEM : -EINVAL;
	item->u.comparison = comparison;
	return 0;
}

int ep_report_update_comparison(struct ep_report *report, const char *id, struct ep_value a,
                                struct ep_value b, const struct ep_report_statistics *statistics)
{
	for (size_t s = 0; s < report->document.section_count; s++) {
		const struct report_section *section = report->sections[s];
		for (size_t i = 0; i < section->public.item_count; i++) {
			const struct ep_report_item *item = &section->items[i];
			if (item->kind != EP_REPORT_COMPARISON ||
			    strcmp(item->u.comparison->id, id) != 0)
				continue;
			/* The document owns its items; readers see them const. */
			struct ep_report_comparison *comparison =
			        (struct ep_report_comparison *)item->u.comparison;
			comparison->a = report_keep_value(report, a);
			comparison->b = report_keep_value(report, b);
			if (statistics != NULL) {
				struct ep_report_statistics *kept =
				        ep_arena_calloc(&report->arena, 1, sizeof(*kept));
				if (kept == NULL)
					return -ENOMEM;
				*kept = *statistics;
				comparison->statistics = kept;
			}
			return 0;
		}
	}
	return -ENOENT;
}

int ep_report_tree(struct ep_report *report, const char *id, const char *title,
                   struct ep_tree *tree)
{
	if (report_current(report) == NULL || tree == NULL)
		return -EINVAL;
	/* Names once into the document, frames straight into it: a large
	 * profile's tree has millions of frames. */
	const char *const *names;
	size_t name_count;
	ep_tree_names(tree, &names, &name_count);
	const char **kept_names =
	        ep_arena_alloc(&report->arena, (name_count + 1) * sizeof(*kept_names));
	struct ep_report_tree *kept = ep_arena_calloc(&report->arena, 1, sizeof(*kept));
	size_t limit = ep_tree_frame_limit(tree);
	struct ep_report_frame *frames = ep_arena_alloc(&report->arena, limit * sizeof(*frames));
	if (kept_names == NULL || kept == NULL || frames == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < name_count; i++)
		if ((kept_names[i] = report_strdup(report, names[i])) == NULL)
			return -ENOMEM;
	struct ep_report_tree header;
	size_t count;
	int rc = ep_tree_frames(tree, kept_names, frames, &count, &header);
	if (rc < 0)
		return rc;
	*kept = header;
	kept->id = report_strdup(report, id);
	kept->title = report_strdup(report, title ? title : "");
	kept->sample_type = report_strdup(report, header.sample_type);
	kept->unit = report_strdup(report, header.unit);
	if (kept->id == NULL || kept->title == NULL || kept->sample_type == NULL ||
	    kept->unit == NULL)
		return -ENOMEM;
	kept->frames = frames;
	struct ep_report_item *item = report_add_item(report, EP_REPORT_TREE);
	if (item == NULL)
		return -ENOMEM;
	item->u.tree = kept;
	return 0;
}

const struct ep_report_document *ep_report_document(struct ep_report *report)
{
	/* The public array of sections is the private one viewed through the
	 * public member each private section starts with. */
	report->document.sections = (const struct ep_report_section *const *)report->sections;
	return &report->document;
}

const struct ep_report_metric *ep_report_find_metric(const struct ep_report_document *document,
                                                     const char *id)
{
	for (size_t s = 0; s < document->section_count; s++) {
		const struct ep_report_section *section = document->sections[s];
		for (size_t i = 0; i < section->item_count; i++) {
			const struct ep_report_item *item = &section->items[i];
			if (item->kind == EP_REPORT_METRIC && strcmp(item->u.metric->id, id) == 0)
				return item->u.metric;
		}
	}
	return NULL;
}
