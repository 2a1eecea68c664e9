/* prometheus_series: turns a report document into Prometheus series (see
 * prometheus_series.h). The mapping is data: a table of per-snapshot
 * figures (a table id and column), a table of run figures (a metric id),
 * and the category tables; docs/prometheus.md lists the result. */
#include "prometheus_series.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum prom_family_index {
	PROM_HEAP_INUSE_BYTES,
	PROM_HEAP_INUSE_OBJECTS,
	PROM_CATEGORY_INUSE_BYTES,
	PROM_GOROUTINES,
	PROM_PEAK_INUSE_BYTES,
	PROM_PEAK_INUSE_OBJECTS,
	PROM_CATEGORY_PEAK_INUSE_BYTES,
	PROM_RUN_DURATION_SECONDS,
	PROM_RUN_SNAPSHOTS,
	PROM_RUN_FAILED_SNAPSHOTS,
	PROM_TEST_EXIT_STATUS,
	PROM_GATE_BROKEN,
	PROM_FAMILY_COUNT,
};

/* Every series is a gauge: a figure of one snapshot or one run, never a
 * counter, so no name ends in _total. */
static const struct prom_family prom_families[PROM_FAMILY_COUNT] = {
	[PROM_HEAP_INUSE_BYTES] = { "e2e_profile_heap_inuse_bytes", "bytes",
	                            "Sampled in-use heap bytes of a heap snapshot (pprof "
	                            "inuse_space)" },
	[PROM_HEAP_INUSE_OBJECTS] = { "e2e_profile_heap_inuse_objects", "",
	                              "Sampled in-use heap objects of a heap snapshot (pprof "
	                              "inuse_objects)" },
	[PROM_CATEGORY_INUSE_BYTES] = { "e2e_profile_category_inuse_bytes", "bytes",
	                                "In-use heap bytes of a category's code in a heap "
	                                "snapshot (a sample counts in every category it matches)" },
	[PROM_GOROUTINES] = { "e2e_profile_goroutines", "", "Goroutines in a goroutine snapshot" },
	[PROM_PEAK_INUSE_BYTES] = { "e2e_profile_peak_inuse_bytes", "bytes",
	                            "Highest sampled in-use heap bytes of the run, at its end" },
	[PROM_PEAK_INUSE_OBJECTS] = { "e2e_profile_peak_inuse_objects", "",
	                              "In-use heap objects in the peak snapshot, at the run's "
	                              "end" },
	[PROM_CATEGORY_PEAK_INUSE_BYTES] = { "e2e_profile_category_peak_inuse_bytes", "bytes",
	                                     "In-use heap bytes of a category in the peak "
	                                     "snapshot, at the run's end" },
	[PROM_RUN_DURATION_SECONDS] = { "e2e_profile_run_duration_seconds", "seconds",
	                                "Length of the run, at its end" },
	[PROM_RUN_SNAPSHOTS] = { "e2e_profile_run_snapshots", "",
	                         "Snapshots the run took, at its end" },
	[PROM_RUN_FAILED_SNAPSHOTS] = { "e2e_profile_run_failed_snapshots", "",
	                                "Snapshot attempts that failed, at the run's end" },
	[PROM_TEST_EXIT_STATUS] = { "e2e_profile_test_exit_status", "",
	                            "Exit status of the test command, at the run's end" },
	[PROM_GATE_BROKEN] = { "e2e_profile_gate_broken", "",
	                       "1 when a compare --fail-on rule was broken, 0 when it held" },
};

/* Figures with one value per snapshot: a column of a table that has a
 * "snapshot" column naming the file. */
static const struct {
	const char *table, *column;
	enum prom_family_index family;
} prom_snapshot_figures[] = {
	{ "growth.timeline", "inuse_bytes", PROM_HEAP_INUSE_BYTES },
	{ "growth.timeline", "inuse_objects", PROM_HEAP_INUSE_OBJECTS },
	{ "goroutine.timeline", "goroutines", PROM_GOROUTINES },
};

/* Figures of the whole run, sampled at its end. */
static const struct {
	const char *metric;
	enum prom_family_index family;
} prom_run_figures[] = {
	{ "heap.peak_inuse_bytes", PROM_PEAK_INUSE_BYTES },
	{ "heap.peak_inuse_objects", PROM_PEAK_INUSE_OBJECTS },
	{ "run.duration_seconds", PROM_RUN_DURATION_SECONDS },
	{ "run.snapshots", PROM_RUN_SNAPSHOTS },
	{ "run.failed", PROM_RUN_FAILED_SNAPSHOTS },
	{ "run.exit_status", PROM_TEST_EXIT_STATUS },
};

/* At most this many labels of the tool's own on a series (run, category,
 * pod or instance; run, baseline, gate). */
#define PROM_OWN_LABELS_MAX 4

/* Labels the reporters set; an extra label may not take their names. */
static const char *const prom_reserved_labels[] = { "run",      "baseline", "pod",
	                                            "instance", "category", "gate" };

static void prom_error(char *err, size_t errlen, const char *format, ...) EP_PRINTF(3, 4);
static void prom_error(char *err, size_t errlen, const char *format, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list args;
	va_start(args, format);
	vsnprintf(err, errlen, format, args);
	va_end(args);
}

/* ---- extra labels ---------------------------------------------------------- */

static bool prom_label_name_valid(const char *name, size_t length)
{
	if (length == 0)
		return false;
	for (size_t i = 0; i < length; i++) {
		char c = name[i];
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
		if (!letter && !(i > 0 && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

void prom_label_list_free(struct prom_label_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->labels[i].name);
		free(list->labels[i].value);
	}
	free(list->labels);
	list->labels = NULL;
	list->count = 0;
}

int prom_label_list_parse(const char *text, struct prom_label_list *list, char *err, size_t errlen)
{
	memset(list, 0, sizeof(*list));
	if (text == NULL)
		return 0;
	const char *cursor = text;
	while (*cursor != '\0') {
		size_t length = strcspn(cursor, ",");
		const char *item = cursor;
		cursor += length;
		if (*cursor == ',')
			cursor++;
		while (length > 0 && (*item == ' ' || *item == '\t')) {
			item++;
			length--;
		}
		while (length > 0 && (item[length - 1] == ' ' || item[length - 1] == '\t'))
			length--;
		if (length == 0)
			continue;
		const char *equals = memchr(item, '=', length);
		size_t name_length = equals != NULL ? (size_t)(equals - item) : length;
		while (name_length > 0 && item[name_length - 1] == ' ')
			name_length--;
		if (equals == NULL || !prom_label_name_valid(item, name_length)) {
			prom_error(err, errlen,
			           "labels: '%.*s' is not NAME=VALUE with NAME of letters, digits "
			           "and '_'",
			           (int)length, item);
			goto invalid;
		}
		const char *value = equals + 1;
		size_t value_length = length - (size_t)(value - item);
		while (value_length > 0 && *value == ' ') {
			value++;
			value_length--;
		}
		if (value_length == 0) {
			prom_error(err, errlen, "labels: '%.*s' has an empty value", (int)length,
			           item);
			goto invalid;
		}
		if (name_length >= 2 && item[0] == '_' && item[1] == '_') {
			prom_error(err, errlen,
			           "labels: '%.*s': names starting with __ are Prometheus's own",
			           (int)name_length, item);
			goto invalid;
		}
		for (size_t r = 0;
		     r < sizeof(prom_reserved_labels) / sizeof(prom_reserved_labels[0]); r++)
			if (strlen(prom_reserved_labels[r]) == name_length &&
			    memcmp(prom_reserved_labels[r], item, name_length) == 0) {
				prom_error(
				        err, errlen,
				        "labels: '%s' is set by e2e-profile itself; choose another "
				        "name",
				        prom_reserved_labels[r]);
				goto invalid;
			}
		if (list->count == PROM_EXTRA_LABELS_MAX) {
			prom_error(err, errlen, "labels: at most %d extra labels",
			           PROM_EXTRA_LABELS_MAX);
			goto invalid;
		}
		for (size_t i = 0; i < list->count; i++)
			if (strlen(list->labels[i].name) == name_length &&
			    memcmp(list->labels[i].name, item, name_length) == 0) {
				prom_error(err, errlen, "labels: '%.*s' is given twice",
				           (int)name_length, item);
				goto invalid;
			}
		struct prom_label *grown =
		        realloc(list->labels, (list->count + 1) * sizeof(*list->labels));
		if (grown == NULL)
			goto no_memory;
		list->labels = grown;
		list->labels[list->count].name = strndup(item, name_length);
		list->labels[list->count].value = strndup(value, value_length);
		list->count++;
		if (list->labels[list->count - 1].name == NULL ||
		    list->labels[list->count - 1].value == NULL)
			goto no_memory;
	}
	return 0;
invalid:
	prom_label_list_free(list);
	return -EINVAL;
no_memory:
	prom_error(err, errlen, "out of memory");
	prom_label_list_free(list);
	return -ENOMEM;
}

/* ---- the document ---------------------------------------------------------- */

static const struct ep_report_table *prom_find_table(const struct ep_report_document *document,
                                                     const char *id)
{
	for (size_t s = 0; s < document->section_count; s++)
		for (size_t i = 0; i < document->sections[s]->item_count; i++) {
			const struct ep_report_item *item = &document->sections[s]->items[i];
			if (item->kind == EP_REPORT_TABLE && item->u.table->id != NULL &&
			    strcmp(item->u.table->id, id) == 0)
				return item->u.table;
		}
	return NULL;
}

static const struct ep_report_metric *prom_find_metric(const struct ep_report_document *document,
                                                       const char *id)
{
	for (size_t s = 0; s < document->section_count; s++)
		for (size_t i = 0; i < document->sections[s]->item_count; i++) {
			const struct ep_report_item *item = &document->sections[s]->items[i];
			if (item->kind == EP_REPORT_METRIC && item->u.metric->id != NULL &&
			    strcmp(item->u.metric->id, id) == 0)
				return item->u.metric;
		}
	return NULL;
}

static int prom_column(const struct ep_report_table *table, const char *id)
{
	for (size_t c = 0; c < table->column_count; c++)
		if (table->columns[c].id != NULL && strcmp(table->columns[c].id, id) == 0)
			return (int)c;
	return -1;
}

static const struct ep_value *prom_cell(const struct ep_report_table *table, size_t row, int column)
{
	return &table->cells[row * table->column_count + (size_t)column];
}

static bool prom_number(const struct ep_value *value, double *number)
{
	if (value->type == EP_VALUE_INT)
		*number = (double)value->integer;
	else if (value->type == EP_VALUE_DOUBLE)
		*number = value->real;
	else
		return false;
	return true;
}

static const char *prom_text(const struct ep_value *value)
{
	return value->type == EP_VALUE_TEXT && value->text != NULL ? value->text : "";
}

/* run.snapshot_times, read once: a snapshot's file name to its time and
 * source. Several sources may have files of the same name (POD/heap0.pprof
 * for each pod); the k-th row of a timeline naming a file is the k-th
 * snapshot of that name, as both are in time order. */
struct prom_times {
	const struct ep_report_table *table;
	int snapshot, source, time;
	bool *used; /* per row, for the table being read */
};

static int prom_times_find(struct prom_times *times, const char *file, int64_t *time_ms,
                           const char **source)
{
	for (size_t r = 0; r < times->table->row_count; r++) {
		if (times->used[r] ||
		    strcmp(prom_text(prom_cell(times->table, r, times->snapshot)), file) != 0)
			continue;
		const struct ep_value *time = prom_cell(times->table, r, times->time);
		if (time->type != EP_VALUE_INT || time->integer <= 0)
			return -ENOENT;
		times->used[r] = true;
		*time_ms = time->integer / 1000000;
		*source = prom_text(prom_cell(times->table, r, times->source));
		return 0;
	}
	return -ENOENT;
}

/* ---- building ---------------------------------------------------------------- */

struct prom_builder {
	struct prom_set *set;
	const struct prom_label_list *extra;
	/* "K" when the report is repetition K of a repeated run (metric
	 * run.repetition), else "": every series of it carries the label. */
	char repetition[24];
};

static int prom_label_compare(const void *a, const void *b)
{
	return strcmp(((const struct prom_label *)a)->name, ((const struct prom_label *)b)->name);
}

static bool prom_labels_equal(const struct prom_series *series, const struct prom_label *labels,
                              size_t count)
{
	if (series->label_count != count)
		return false;
	for (size_t i = 0; i < count; i++)
		if (strcmp(series->labels[i].name, labels[i].name) != 0 ||
		    strcmp(series->labels[i].value, labels[i].value) != 0)
			return false;
	return true;
}

/* Adds one sample to the series of family with the given labels (name,
 * value pairs, NULL-terminated; NULL or "" values are left out) plus the
 * extra labels. */
static int prom_add(struct prom_builder *builder, const struct prom_family *family,
                    size_t family_order, const char *const *pairs, int64_t timestamp_ms,
                    double value)
{
	/* The tool's own labels and the extra ones. */
	struct prom_label labels[PROM_OWN_LABELS_MAX + 1 + PROM_EXTRA_LABELS_MAX];
	size_t count = 0;
	for (size_t i = 0; pairs[i] != NULL && count < PROM_OWN_LABELS_MAX; i += 2)
		if (pairs[i + 1] != NULL && pairs[i + 1][0] != '\0')
			labels[count++] =
			        (struct prom_label){ (char *)pairs[i], (char *)pairs[i + 1] };
	if (builder->repetition[0] != '\0')
		labels[count++] = (struct prom_label){ "repetition", builder->repetition };
	for (size_t i = 0; i < builder->extra->count; i++)
		labels[count++] = builder->extra->labels[i];
	qsort(labels, count, sizeof(labels[0]), prom_label_compare);

	struct prom_set *set = builder->set;
	struct prom_series *series = NULL;
	for (size_t s = set->count; s > 0 && series == NULL; s--)
		if (set->series[s - 1].family == family &&
		    prom_labels_equal(&set->series[s - 1], labels, count))
			series = &set->series[s - 1];
	if (series == NULL) {
		if (set->count == set->capacity) {
			size_t capacity = set->capacity ? set->capacity * 2 : 32;
			struct prom_series *grown = realloc(set->series, capacity * sizeof(*grown));
			if (grown == NULL)
				return -ENOMEM;
			set->series = grown;
			set->capacity = capacity;
		}
		series = &set->series[set->count];
		memset(series, 0, sizeof(*series));
		series->family = family;
		series->family_order = family_order;
		series->labels = calloc(count ? count : 1, sizeof(*series->labels));
		if (series->labels == NULL)
			return -ENOMEM;
		set->count++;
		for (size_t i = 0; i < count; i++) {
			series->labels[i].name = strdup(labels[i].name);
			series->labels[i].value = strdup(labels[i].value);
			series->label_count++;
			if (series->labels[i].name == NULL || series->labels[i].value == NULL)
				return -ENOMEM;
		}
	}
	if (series->sample_count == series->sample_capacity) {
		size_t capacity = series->sample_capacity ? series->sample_capacity * 2 : 16;
		struct prom_sample *grown = realloc(series->samples, capacity * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		series->samples = grown;
		series->sample_capacity = capacity;
	}
	series->samples[series->sample_count++] = (struct prom_sample){ timestamp_ms, value };
	set->sample_count++;
	return 0;
}

/* The label a snapshot's source goes into: kubectl names pods, the http
 * collector names host:port, which Prometheus calls an instance. */
static const char *prom_source_label(const char *source)
{
	return strchr(source, ':') != NULL ? "instance" : "pod";
}

/* One figure of a per-snapshot table: which column, into which family,
 * times what (nanoseconds become seconds). */
struct prom_column_figure {
	int column;
	const struct prom_family *family;
	size_t family_order;
	double scale;
};

static int prom_add_snapshot_table(struct prom_builder *builder, struct prom_times *times,
                                   const struct ep_report_table *table,
                                   const struct prom_column_figure *figure, const char *run,
                                   const char *category)
{
	int column = figure->column;
	int snapshot = prom_column(table, "snapshot");
	if (snapshot < 0 || column < 0)
		return 0;
	memset(times->used, 0,
	       (times->table->row_count ? times->table->row_count : 1) * sizeof(*times->used));
	for (size_t r = 0; r < table->row_count; r++) {
		int64_t time_ms;
		const char *source;
		double value;
		if (prom_times_find(times, prom_text(prom_cell(table, r, snapshot)), &time_ms,
		                    &source) < 0 ||
		    !prom_number(prom_cell(table, r, column), &value))
			continue;
		const char *pairs[] = {
			"run", run, "category", category, prom_source_label(source), source, NULL,
		};
		int rc = prom_add(builder, figure->family, figure->family_order, pairs, time_ms,
		                  value * figure->scale);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The family of a static index. */
static struct prom_column_figure prom_static_figure(int column, enum prom_family_index index)
{
	return (struct prom_column_figure){ column, &prom_families[index], (size_t)index, 1.0 };
}

static bool prom_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Appends text to name, every byte outside [a-zA-Z0-9_] made '_'. */
static void prom_name_append(char *name, size_t size, const char *text)
{
	size_t length = strlen(name);
	for (const char *c = text; *c != '\0' && length + 1 < size; c++)
		name[length++] = prom_is_name_char(*c) ? *c : '_';
	name[length] = '\0';
}

static bool prom_ends_with(const char *text, const char *suffix)
{
	size_t length = strlen(text), suffix_length = strlen(suffix);
	return length >= suffix_length && strcmp(text + length - suffix_length, suffix) == 0;
}

/* The family of a per-snapshot column no table above names, e.g. a
 * runtime analyzer's "heap_inuse_bytes" of section "runtime":
 * e2e_profile_SECTION_COLUMN with the unit as a suffix in Prometheus's
 * base units (nanoseconds become seconds). Found or made in set. */
static int prom_derived_figure(struct prom_set *set, const char *section,
                               const struct ep_report_column *column, int index,
                               struct prom_column_figure *figure)
{
	static const struct {
		const char *unit, *suffix, *openmetrics_unit;
		double scale;
	} units[] = {
		{ EP_UNIT_BYTES, "_bytes", "bytes", 1 },
		{ EP_UNIT_SECONDS, "_seconds", "seconds", 1 },
		{ EP_UNIT_NANOSECONDS, "_seconds", "seconds", 1e-9 },
		{ EP_UNIT_BYTES_PER_SECOND, "_bytes_per_second", "", 1 },
		{ EP_UNIT_PERCENT, "_percent", "", 1 },
		{ EP_UNIT_COUNT, "", "", 1 },
		{ EP_UNIT_NONE, "", "", 1 },
	};
	const char *unit = column->unit != NULL ? column->unit : "";
	const char *suffix = NULL, *openmetrics_unit = "";
	double scale = 1;
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++)
		if (strcmp(unit, units[u].unit) == 0) {
			suffix = units[u].suffix;
			openmetrics_unit = units[u].openmetrics_unit;
			scale = units[u].scale;
		}
	char name[256] = "e2e_profile_", unit_suffix[96] = "";
	prom_name_append(name, sizeof(name), section);
	prom_name_append(name, sizeof(name), "_");
	const char *id = column->id;
	if (strcmp(unit, EP_UNIT_NANOSECONDS) == 0 && prom_ends_with(id, "_nanoseconds")) {
		/* heap_pause_nanoseconds -> heap_pause_seconds */
		char trimmed[192];
		snprintf(trimmed, sizeof(trimmed), "%.*s", (int)(strlen(id) - 12), id);
		prom_name_append(name, sizeof(name), trimmed);
	} else {
		prom_name_append(name, sizeof(name), id);
	}
	if (suffix == NULL) { /* a unit of a third party's: its name as the suffix */
		prom_name_append(unit_suffix, sizeof(unit_suffix), "_");
		prom_name_append(unit_suffix, sizeof(unit_suffix), unit);
		suffix = unit_suffix;
	}
	if (!prom_ends_with(name, suffix))
		prom_name_append(name, sizeof(name), suffix);
	figure->column = index;
	figure->scale = scale;
	for (size_t f = 0; f < PROM_FAMILY_COUNT; f++)
		if (strcmp(prom_families[f].name, name) == 0) {
			*figure = prom_static_figure(index, (enum prom_family_index)f);
			return 0;
		}
	for (size_t f = 0; f < set->family_count; f++)
		if (strcmp(set->families[f]->name, name) == 0) {
			figure->family = set->families[f];
			figure->family_order = PROM_FAMILY_COUNT + f;
			return 0;
		}
	struct prom_family **grown =
	        realloc(set->families, (set->family_count + 1) * sizeof(*set->families));
	if (grown == NULL)
		return -ENOMEM;
	set->families = grown;
	struct prom_family *family = calloc(1, sizeof(*family));
	char help[512];
	snprintf(help, sizeof(help), "%s, per snapshot (report section %s, column %s)",
	         column->label != NULL && column->label[0] != '\0' ? column->label : id, section,
	         id);
	char *owned_name = strdup(name), *owned_help = strdup(help);
	if (family == NULL || owned_name == NULL || owned_help == NULL) {
		free(family);
		free(owned_name);
		free(owned_help);
		return -ENOMEM;
	}
	/* OpenMetrics wants the unit to end the name. */
	family->unit = prom_ends_with(name, openmetrics_unit) ? openmetrics_unit : "";
	family->name = owned_name;
	family->help = owned_help;
	set->families[set->family_count] = family;
	figure->family = family;
	figure->family_order = PROM_FAMILY_COUNT + set->family_count++;
	return 0;
}

/* Whether prom_snapshot_figures (or the category timeline) covers a
 * column, or it is no figure at all. */
static bool prom_column_is_known(const char *table, const char *column)
{
	if (strcmp(column, "snapshot") == 0 || strcmp(column, "offset_seconds") == 0 ||
	    strcmp(column, "time_unix_ns") == 0)
		return true;
	for (size_t f = 0; f < sizeof(prom_snapshot_figures) / sizeof(prom_snapshot_figures[0]);
	     f++)
		if (strcmp(prom_snapshot_figures[f].table, table) == 0 &&
		    strcmp(prom_snapshot_figures[f].column, column) == 0)
			return true;
	return false;
}

static int prom_add_snapshots(struct prom_builder *builder, struct prom_times *times,
                              const struct ep_report_document *document, const char *run)
{
	int rc = 0;
	for (size_t f = 0;
	     rc >= 0 && f < sizeof(prom_snapshot_figures) / sizeof(prom_snapshot_figures[0]); f++) {
		const struct ep_report_table *table =
		        prom_find_table(document, prom_snapshot_figures[f].table);
		if (table == NULL)
			continue;
		struct prom_column_figure figure =
		        prom_static_figure(prom_column(table, prom_snapshot_figures[f].column),
		                           prom_snapshot_figures[f].family);
		rc = prom_add_snapshot_table(builder, times, table, &figure, run, NULL);
	}
	/* category.timeline: every column after offset and snapshot is one. */
	const struct ep_report_table *categories = prom_find_table(document, "category.timeline");
	for (size_t c = 0; rc >= 0 && categories != NULL && c < categories->column_count; c++) {
		const char *id = categories->columns[c].id;
		if (id == NULL || strcmp(id, "snapshot") == 0 || strcmp(id, "offset_seconds") == 0)
			continue;
		struct prom_column_figure figure =
		        prom_static_figure((int)c, PROM_CATEGORY_INUSE_BYTES);
		rc = prom_add_snapshot_table(builder, times, categories, &figure, run, id);
	}
	/* Every other table with a snapshot column is a timeline too (a
	 * runtime analyzer's, a third party's): each numeric column of it
	 * becomes a family of its own, so it reaches Prometheus with no
	 * change here. */
	for (size_t s = 0; rc >= 0 && s < document->section_count; s++) {
		const struct ep_report_section *section = document->sections[s];
		for (size_t i = 0; rc >= 0 && i < section->item_count; i++) {
			const struct ep_report_item *item = &section->items[i];
			if (item->kind != EP_REPORT_TABLE)
				continue;
			const struct ep_report_table *table = item->u.table;
			const char *table_id = table->id != NULL ? table->id : "";
			if (prom_column(table, "snapshot") < 0 || table == categories ||
			    strcmp(table_id, "run.snapshot_times") == 0)
				continue;
			for (size_t c = 0; rc >= 0 && c < table->column_count; c++) {
				const struct ep_report_column *column = &table->columns[c];
				if (column->id == NULL ||
				    (column->type != EP_VALUE_INT &&
				     column->type != EP_VALUE_DOUBLE) ||
				    prom_column_is_known(table_id, column->id))
					continue;
				struct prom_column_figure figure;
				rc = prom_derived_figure(builder->set,
				                         section->id != NULL ? section->id : "",
				                         column, (int)c, &figure);
				if (rc >= 0)
					rc = prom_add_snapshot_table(builder, times, table, &figure,
					                             run, NULL);
			}
		}
	}
	return rc;
}

static int prom_add_run(struct prom_builder *builder, const struct ep_report_document *document,
                        const char *run, int64_t end_ms)
{
	const char *pairs[] = { "run", run, NULL };
	for (size_t f = 0; f < sizeof(prom_run_figures) / sizeof(prom_run_figures[0]); f++) {
		const struct ep_report_metric *metric =
		        prom_find_metric(document, prom_run_figures[f].metric);
		double value;
		if (metric == NULL || !prom_number(&metric->value, &value))
			continue;
		int rc = prom_add(builder, &prom_families[prom_run_figures[f].family],
		                  (size_t)prom_run_figures[f].family, pairs, end_ms, value);
		if (rc < 0)
			return rc;
	}
	const struct ep_report_table *table = prom_find_table(document, "category.categories");
	int name = table != NULL ? prom_column(table, "name") : -1;
	int bytes = table != NULL ? prom_column(table, "inuse_bytes") : -1;
	for (size_t r = 0; name >= 0 && bytes >= 0 && r < table->row_count; r++) {
		double value;
		if (!prom_number(prom_cell(table, r, bytes), &value))
			continue;
		const char *category_pairs[] = { "run", run, "category",
			                         prom_text(prom_cell(table, r, name)), NULL };
		int rc = prom_add(builder, &prom_families[PROM_CATEGORY_PEAK_INUSE_BYTES],
		                  PROM_CATEGORY_PEAK_INUSE_BYTES, category_pairs, end_ms, value);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* gates.rules of a comparison (docs/gates.md): a rule and whether it
 * failed. */
static int prom_add_gates(struct prom_builder *builder, const struct ep_report_document *document,
                          int64_t now_ms)
{
	const struct ep_report_table *table = prom_find_table(document, "gates.rules");
	int rule = table != NULL ? prom_column(table, "rule") : -1;
	int verdict = table != NULL ? prom_column(table, "verdict") : -1;
	for (size_t r = 0; rule >= 0 && verdict >= 0 && r < table->row_count; r++) {
		const char *text = prom_text(prom_cell(table, r, verdict));
		bool broken = strcmp(text, "FAILED") == 0;
		if (!broken && strcmp(text, "passed") != 0)
			continue; /* skipped: a run lacked an optional figure */
		const char *pairs[] = { "run",      document->run_b,
			                "baseline", document->run_a,
			                "gate",     prom_text(prom_cell(table, r, rule)),
			                NULL };
		int rc = prom_add(builder, &prom_families[PROM_GATE_BROKEN], PROM_GATE_BROKEN,
		                  pairs, now_ms, broken ? 1 : 0);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Sorts by family (the table's order), then by first appearance; qsort is
 * not stable, so the series' positions ride along. */
struct prom_sort_item {
	struct prom_series series;
	size_t order;
};

static int prom_sort_compare(const void *a, const void *b)
{
	const struct prom_sort_item *x = a, *y = b;
	size_t fx = x->series.family_order, fy = y->series.family_order;
	if (fx != fy)
		return fx < fy ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int prom_sort(struct prom_set *set)
{
	struct prom_sort_item *items = calloc(set->count ? set->count : 1, sizeof(*items));
	if (items == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < set->count; i++)
		items[i] = (struct prom_sort_item){ set->series[i], i };
	qsort(items, set->count, sizeof(*items), prom_sort_compare);
	for (size_t i = 0; i < set->count; i++)
		set->series[i] = items[i].series;
	free(items);
	return 0;
}

void prom_set_free(struct prom_set *set)
{
	for (size_t s = 0; s < set->count; s++) {
		for (size_t l = 0; l < set->series[s].label_count; l++) {
			free(set->series[s].labels[l].name);
			free(set->series[s].labels[l].value);
		}
		free(set->series[s].labels);
		free(set->series[s].samples);
	}
	free(set->series);
	for (size_t f = 0; f < set->family_count; f++) {
		free((char *)set->families[f]->name);
		free((char *)set->families[f]->help);
		free(set->families[f]);
	}
	free(set->families);
	memset(set, 0, sizeof(*set));
}

int prom_set_build(const struct ep_report_document *document, const struct prom_label_list *extra,
                   int64_t now_ms, struct prom_set *set, char *err, size_t errlen)
{
	memset(set, 0, sizeof(*set));
	struct prom_builder builder = { set, extra, "" };
	const struct ep_report_metric *repetition = prom_find_metric(document, "run.repetition");
	if (repetition != NULL && repetition->value.type == EP_VALUE_INT &&
	    repetition->value.integer > 0) {
		for (size_t i = 0; i < extra->count; i++)
			if (strcmp(extra->labels[i].name, "repetition") == 0) {
				prom_error(
				        err, errlen,
				        "labels: 'repetition' is set by e2e-profile itself for the "
				        "repetitions of run --repeat; drop it from the labels");
				return -EINVAL;
			}
		snprintf(builder.repetition, sizeof(builder.repetition), "%" PRId64,
		         repetition->value.integer);
	}
	int rc = 0;
	bool comparison = document->kind != NULL && strcmp(document->kind, "comparison") == 0;
	if (comparison) {
		rc = prom_add_gates(&builder, document, now_ms);
	} else {
		struct prom_times times = { prom_find_table(document, "run.snapshot_times"), -1, -1,
			                    -1, NULL };
		if (times.table != NULL) {
			times.snapshot = prom_column(times.table, "snapshot");
			times.source = prom_column(times.table, "source");
			times.time = prom_column(times.table, "time_unix_ns");
		}
		/* The summary of a repeated run holds medians, not snapshots: each
		 * repetition's own report has pushed its series already. */
		if (times.table == NULL && prom_find_metric(document, "run.repetitions") != NULL)
			return 0;
		if (times.table == NULL || times.snapshot < 0 || times.source < 0 ||
		    times.time < 0) {
			prom_error(err, errlen,
			           "the report has no snapshot times (table run.snapshot_times); "
			           "analyze the run again with this version");
			return -ENODATA;
		}
		times.used = calloc(times.table->row_count ? times.table->row_count : 1,
		                    sizeof(*times.used));
		if (times.used == NULL)
			goto no_memory;
		const char *run = document->run_a != NULL ? document->run_a : "";
		rc = prom_add_snapshots(&builder, &times, document, run);
		/* At the run's end: its recorded end, else its last snapshot. */
		int64_t end_ms = 0;
		const struct ep_report_metric *ended =
		        prom_find_metric(document, "run.ended_unix_ns");
		if (ended != NULL && ended->value.type == EP_VALUE_INT && ended->value.integer > 0)
			end_ms = ended->value.integer / 1000000;
		for (size_t r = 0; end_ms == 0 && r < times.table->row_count; r++) {
			const struct ep_value *time = prom_cell(times.table, r, times.time);
			if (time->type == EP_VALUE_INT && time->integer / 1000000 > end_ms)
				end_ms = time->integer / 1000000;
		}
		if (end_ms == 0)
			end_ms = now_ms;
		if (rc >= 0)
			rc = prom_add_run(&builder, document, run, end_ms);
		free(times.used);
	}
	if (rc >= 0)
		rc = prom_sort(set);
	if (rc >= 0)
		return 0;
no_memory:
	prom_error(err, errlen, "out of memory");
	prom_set_free(set);
	return -ENOMEM;
}
