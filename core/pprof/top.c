/* pprof's -top report over a node table: trimming (node fraction, node
 * count), the one display unit, the header lines and the rows, following
 * internal/report of the pprof vendored in Go 1.19.
 */
#include "pprof/top.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "pprof/aggregate.h"
#include "pprof/decode.h"

/* pprof's defaults for the text reports. */
#define TOP_NODE_FRACTION 0.005
#define TOP_EDGE_FRACTION 0.001

static int64_t top_abs(int64_t v)
{
	return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
}

static int64_t top_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* Go's int64(float64): truncation, and INT64_MIN for what does not fit
 * (amd64's answer). */
static int64_t top_float_to_int(double d)
{
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)d;
}

/* abs64(int64(float64(v) * fraction)) */
static int64_t top_cutoff(int64_t v, double fraction)
{
	return top_abs(top_float_to_int((double)v * fraction));
}

/* Go's filepath.Base of path (n bytes). */
static void top_basename(const char *path, size_t n, const char **start, int *len)
{
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t b = n;
	while (b > 0 && path[b - 1] != '/')
		b--;
	if (n == 1 && path[0] == '/')
		b = 0;
	*start = path + b;
	*len = (int)(n - b);
}

static void top_write_line(FILE *out, const char *label, const char *text, size_t len)
{
	fputs(label, out);
	fwrite(text, 1, len, out);
	fputc('\n', out);
}

/* time.Unix(0, ns).Format("Jan 2, 2006 at 3:04pm (MST)") in local time. */
static void top_write_time(FILE *out, int64_t nanos)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t seconds = nanos / 1000000000;
	if (nanos % 1000000000 < 0)
		seconds--;
	time_t t = (time_t)seconds;
	struct tm tm;
	tzset();
	if (localtime_r(&t, &tm) == NULL)
		return;
	char zone[64];
	if (strftime(zone, sizeof(zone), "%Z", &tm) == 0)
		zone[0] = '\0';
	int hour = tm.tm_hour % 12;
	fprintf(out, "Time: %s %d, %04d at %d:%02d%s (%s)\n", months[tm.tm_mon % 12], tm.tm_mday,
	        tm.tm_year + 1900, hour == 0 ? 12 : hour, tm.tm_min, tm.tm_hour < 12 ? "am" : "pm",
	        zone);
}

struct top_report {
	FILE *out;
	const struct ep_node_table *table;
	const char *unit;        /* the sample unit */
	const char *output_unit; /* the display unit chosen for the table */
};

static const char *top_value(const struct top_report *r, char *buf, int64_t v)
{
	return ep_format_value(buf, EP_FORMAT_MAX, v, r->unit, r->output_unit);
}

/* File, Build ID, comments, Type, Time, Duration: pprof's ProfileLabels. */
static void top_write_profile_labels(const struct top_report *r)
{
	const struct ep_node_table *t = r->table;
	FILE *out = r->out;
	char a[EP_FORMAT_MAX], b[EP_FORMAT_MAX], c[EP_FORMAT_MAX];
	/* Profile strings are bytes and may hold NULs; pprof prints them all. */
	if (t->main_file_length > 0) {
		const char *base;
		int len;
		top_basename(t->main_file, t->main_file_length, &base, &len);
		top_write_line(out, "File: ", base, (size_t)len);
	}
	if (t->main_build_id_length > 0)
		top_write_line(out, "Build ID: ", t->main_build_id, t->main_build_id_length);
	for (size_t i = 0; i < t->comment_count; i++)
		if (t->comments[i][0] != '#')
			top_write_line(out, "", t->comments[i],
			               ep_profile_string_length(t->comments[i]));
	size_t type_length = ep_profile_string_length(t->sample_type.type);
	if (type_length > 0)
		top_write_line(out, "Type: ", t->sample_type.type, type_length);
	if (t->time_nanos != 0)
		top_write_time(out, t->time_nanos);
	if (t->duration_nanos != 0) {
		const char *total_unit;
		double total_nanos = ep_format_scale(t->total, r->unit, "nanoseconds", &total_unit);
		/* The share of the duration only makes sense for time values. */
		int ratio = strcmp(total_unit, "ns") == 0 && total_nanos != 0;
		if (ratio)
			ep_format_percentage(c, sizeof(c), top_float_to_int(total_nanos),
			                     t->duration_nanos);
		fprintf(out, "Duration: %s, Total samples = %s %s%s%s\n",
		        ep_format_value(a, sizeof(a), t->duration_nanos, "nanoseconds", "auto"),
		        top_value(r, b, t->total), ratio ? "(" : "", ratio ? c : "",
		        ratio ? ")" : "");
	}
}

static const char *top_trim(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

int ep_top_write(FILE *out, const struct ep_profile *p, const struct ep_top_options *o, char *err,
                 size_t errlen)
{
	struct ep_node_table table;
	struct ep_node **kept = NULL;
	int64_t *magnitudes = NULL;
	int ret;
	memset(&table, 0, sizeof(table));

	int index = ep_node_table_sample_index(p, o->base, o->sample_index, err, errlen);
	if (index < 0) {
		ret = index;
		goto error;
	}
	ret = ep_node_table_build_view(&table, p, index, o->base, o->view, err, errlen);
	if (ret < 0)
		goto error;
	enum ep_node_order order = o->cum ? EP_NODE_ORDER_CUM : EP_NODE_ORDER_FLAT;

	/* Drop nodes below the node fraction of the flat sum, as pprof's
	 * trimmed graph does; pprof then rebuilds the graph from the kept
	 * nodes only, which is what the edges below see. */
	kept = malloc((table.count ? table.count : 1) * sizeof(*kept));
	magnitudes = malloc((table.count ? table.count : 1) * sizeof(*magnitudes));
	if (kept == NULL || magnitudes == NULL) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	double node_fraction = o->has_node_fraction ? o->node_fraction : TOP_NODE_FRACTION;
	int64_t node_cutoff = top_cutoff(table.flat_sum, node_fraction);
	int64_t edge_cutoff = top_cutoff(table.flat_sum, TOP_EDGE_FRACTION);
	size_t kept_count = 0;
	for (size_t i = 0; i < table.count; i++)
		if (node_cutoff <= 0 || top_abs(table.nodes[i].cum) >= node_cutoff)
			kept[kept_count++] = &table.nodes[i];
	size_t dropped = table.count - kept_count;
	int rebuilt = dropped > 0;
	ep_node_sort_pointers(kept, kept_count, order);
	size_t original_count = kept_count;
	if (o->nodecount > 0 && (size_t)o->nodecount < kept_count) {
		kept_count = (size_t)o->nodecount;
		rebuilt = 1;
	}
	ret = ep_node_table_mark_inline(&table, rebuilt ? kept : NULL, kept_count, edge_cutoff);
	if (ret < 0) {
		snprintf(err, errlen, "out of memory");
		goto error;
	}

	const char *unit = o->unit != NULL ? o->unit : "minimum";
	struct top_report r = { out, &table, table.sample_type.unit, unit };
	int64_t flat_sum = 0;
	for (size_t i = 0; i < kept_count; i++) {
		int64_t v = kept[i]->flat != 0 ? kept[i]->flat : kept[i]->cum;
		magnitudes[i] = v;
		flat_sum = top_add(flat_sum, kept[i]->flat);
	}
	/* With no rows pprof never picks a unit: values then scale one by one;
	 * a -unit other than "minimum" is used as given. */
	if (kept_count > 0 && strcmp(unit, "minimum") == 0)
		r.output_unit =
		        ep_format_choose_unit_for(r.unit, magnitudes, kept_count, table.total);

	char a[EP_FORMAT_MAX], b[EP_FORMAT_MAX], c[EP_FORMAT_MAX], d[EP_FORMAT_MAX],
	        e[EP_FORMAT_MAX];
	top_write_profile_labels(&r);
	if (o->active_filter_count > 0) {
		fputs("Active filters:\n", out);
		/* pprof cuts a filter at 80 bytes, even inside a UTF-8 sequence. */
		for (size_t i = 0; i < o->active_filter_count; i++) {
			const char *f = o->active_filters[i];
			if (strlen(f) > 80)
				fprintf(out, "   %.80s\xe2\x80\xa6\n", f);
			else
				fprintf(out, "   %s\n", f);
		}
	}
	fprintf(out, "Showing nodes accounting for %s, %s of %s total\n",
	        top_value(&r, a, flat_sum),
	        top_trim(ep_format_percentage(b, sizeof(b), flat_sum, table.total)),
	        top_value(&r, c, table.total));
	if (table.total != 0) {
		if (dropped > 0)
			fprintf(out, "Dropped %zu node%s (cum <= %s)\n", dropped,
			        dropped > 1 ? "s" : "",
			        top_value(&r, a, top_cutoff(table.total, node_fraction)));
		if (kept_count > 0 && kept_count < original_count)
			fprintf(out, "Showing top %zu nodes out of %zu\n", kept_count,
			        original_count);
	}
	fprintf(out, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum");
	int64_t running = 0;
	for (size_t i = 0; i < kept_count; i++) {
		const struct ep_node *n = kept[i];
		running = top_add(running, n->flat);
		const char *inline_label = n->inlining == EP_NODE_INLINED ? " (inline)"
		                           : n->inlining == EP_NODE_PARTIALLY_INLINED
		                                   ? " (partial-inline)"
		                                   : "";
		/* The name is bytes, printed as they are (NULs too, like pprof). */
		fprintf(out, "%10s %s %s %10s %s  ", top_value(&r, a, n->flat),
		        ep_format_percentage(b, sizeof(b), n->flat, table.total),
		        ep_format_percentage(c, sizeof(c), running, table.total),
		        top_value(&r, d, n->cum),
		        ep_format_percentage(e, sizeof(e), n->cum, table.total));
		fwrite(n->name, 1, n->name_length, out);
		fprintf(out, "%s\n", inline_label);
	}
	if (fflush(out) != 0 || ferror(out)) {
		ret = -EIO;
		snprintf(err, errlen, "cannot write the table: %s", strerror(errno));
		goto error;
	}
	ret = 0;
error:
	free(kept);
	free(magnitudes);
	ep_node_table_free(&table);
	return ret;
}
