/* The helpers the analyzers share (see analyzer_common.h): snapshot scan,
 * peak choice, pprof's -top row selection, and small value helpers. */
#include "analyzer_common.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int64_t analyzer_abs(int64_t value)
{
	if (value == INT64_MIN)
		return INT64_MAX;
	return value < 0 ? -value : value;
}

int64_t analyzer_add(int64_t a, int64_t b)
{
	int64_t sum;
	/* A hostile profile can carry values near the int64 limits; a clamped
	 * total is wrong but bounded, an overflow is undefined. */
	if (__builtin_add_overflow(a, b, &sum))
		return a > 0 ? INT64_MAX : INT64_MIN;
	return sum;
}

int64_t analyzer_subtract(int64_t a, int64_t b)
{
	int64_t difference;
	if (__builtin_sub_overflow(a, b, &difference))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return difference;
}

double analyzer_percent(int64_t value, int64_t total)
{
	if (total == 0)
		return 0.0;
	double percent = (double)value / (double)total * 100.0;
	return percent < 0 ? -percent : percent;
}

const char *analyzer_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

int64_t analyzer_round(double value)
{
	/* Converting a double outside the int64 range is undefined. */
	if (value >= 9223372036854775807.0)
		return INT64_MAX;
	if (value <= -9223372036854775808.0)
		return INT64_MIN;
	if (isnan(value))
		return 0;
	return (int64_t)(value + (value < 0 ? -0.5 : 0.5));
}

char *analyzer_format_rate(const struct ep_host_api *host, char *buffer, size_t size,
                           double bytes_per_second)
{
	char bytes[64];
	host->format_value(bytes, sizeof(bytes), analyzer_round(bytes_per_second), EP_UNIT_BYTES,
	                   "auto");
	snprintf(buffer, size, "%s/s", bytes);
	return buffer;
}

struct ep_value analyzer_int(int64_t value)
{
	return (struct ep_value){ .type = EP_VALUE_INT, .integer = value };
}

struct ep_value analyzer_double(double value)
{
	return (struct ep_value){ .type = EP_VALUE_DOUBLE, .real = value };
}

struct ep_value analyzer_text(const char *text)
{
	return (struct ep_value){ .type = EP_VALUE_TEXT, .text = text };
}

struct ep_value analyzer_none(void)
{
	return (struct ep_value){ .type = EP_VALUE_NONE };
}

int analyzer_sample_type_index(const struct ep_profile *profile, const char *type)
{
	for (size_t i = 0; i < profile->sample_type_count; i++)
		if (strcmp(profile->sample_types[i].type, type) == 0)
			return (int)i;
	return -1;
}

/* The sum of |value| of one sample type, pprof's total; -1 when the
 * profile has no such type. */
static int64_t analyzer_total(const struct ep_profile *profile, const char *type)
{
	int index = analyzer_sample_type_index(profile, type);
	if (index < 0)
		return -1;
	int64_t total = 0;
	for (size_t i = 0; i < profile->sample_count; i++)
		total = analyzer_add(total, analyzer_abs(profile->samples[i].values[index]));
	return total;
}

int analyzer_heap_load(const struct ep_host_api *host, struct ep_instance *instance,
                       const struct analyzer_heap_totals *totals, const struct ep_profile **profile)
{
	return host->profile_load(instance, totals->snapshot->path, profile);
}

int analyzer_heap_scan(const struct ep_host_api *host, struct ep_instance *instance,
                       const struct ep_run_info *run, struct analyzer_heap_scan *scan)
{
	memset(scan, 0, sizeof(*scan));
	size_t heap_count = 0;
	for (size_t i = 0; i < run->snapshot_count; i++)
		if (strcmp(run->snapshots[i].kind, "heap") == 0)
			heap_count++;
	if (heap_count == 0) {
		host->log(instance, EP_LOG_ERROR,
		          "run %s has no heap snapshot: take some with --profiles heap", run->name);
		return -ENODATA;
	}
	scan->snapshots = host->alloc(heap_count * sizeof(*scan->snapshots));
	if (scan->snapshots == NULL)
		return -ENOMEM;

	for (size_t i = 0; i < run->snapshot_count; i++) {
		const struct ep_snapshot_info *snapshot = &run->snapshots[i];
		if (strcmp(snapshot->kind, "heap") != 0)
			continue;
		const struct ep_profile *profile = NULL;
		int rc = host->profile_load(instance, snapshot->path, &profile);
		if (rc < 0) {
			/* One unreadable snapshot should not cost the whole run its
			 * analysis; the host has logged why it failed. */
			host->log(instance, EP_LOG_WARN, "skipping %s: %s",
			          analyzer_basename(snapshot->path), strerror(-rc));
			scan->skipped++;
			continue;
		}
		struct analyzer_heap_totals totals = {
			.snapshot = snapshot,
			.inuse_bytes = analyzer_total(profile, ANALYZER_INUSE_SPACE),
			.inuse_objects = analyzer_total(profile, ANALYZER_INUSE_OBJECTS),
			.alloc_bytes = analyzer_total(profile, ANALYZER_ALLOC_SPACE),
		};
		/* Only the totals stay: memory must not grow with the number of
		 * snapshots, and the peak is loaded again when it is needed. */
		host->profile_release(instance, profile);
		if (totals.inuse_bytes < 0) {
			host->log(instance, EP_LOG_WARN,
			          "skipping %s: it has no inuse_space values, so it is not a Go "
			          "heap profile",
			          analyzer_basename(snapshot->path));
			scan->skipped++;
			continue;
		}
		if (scan->count > 0 && totals.inuse_bytes > scan->snapshots[scan->peak].inuse_bytes)
			scan->peak = scan->count;
		scan->snapshots[scan->count++] = totals;
	}
	if (scan->count == 0) {
		host->log(instance, EP_LOG_ERROR,
		          "run %s has no usable heap snapshot: none of its %zu could be read (see "
		          "above)",
		          run->name, heap_count);
		return -ENODATA;
	}
	return 0;
}

void analyzer_heap_scan_free(const struct ep_host_api *host, struct analyzer_heap_scan *scan)
{
	host->free(scan->snapshots);
	memset(scan, 0, sizeof(*scan));
}

int64_t analyzer_top_cutoff(const struct ep_top *top)
{
	int64_t flat_sum = 0;
	for (size_t i = 0; i < top->row_count; i++)
		flat_sum = analyzer_add(flat_sum, top->rows[i].flat);
	double cutoff = (double)flat_sum * 0.005;
	/* Go's int64() truncates; a value out of its range leaves pprof with
	 * a negative cut-off that keeps every node, which 0 does too. */
	if (!(cutoff > -9223372036854775808.0 && cutoff < 9223372036854775808.0))
		return 0;
	return analyzer_abs((int64_t)cutoff);
}

bool analyzer_top_shows(const struct ep_top_row *row, int64_t cutoff)
{
	return analyzer_abs(row->cum) >= cutoff;
}

int64_t analyzer_top_flat(const struct ep_top *top, const char *name)
{
	/* Linear: called for a few dozen table rows, never per sample. */
	for (size_t i = 0; i < top->row_count; i++)
		if (strcmp(top->rows[i].name, name) == 0)
			return top->rows[i].flat;
	return 0;
}

int analyzer_config_row_count(const struct ep_host_api *host, struct ep_instance *instance,
                              const char *key, size_t *count)
{
	int64_t value;
	int rc = host->config_get_int(instance, key, &value);
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, "cannot read setting %s: %s", key, strerror(-rc));
		return -EINVAL;
	}
	if (value < 1 || value > 1000000) {
		host->log(instance, EP_LOG_ERROR,
		          "setting %s = %lld: expected a row count between 1 and 1000000", key,
		          (long long)value);
		return -EINVAL;
	}
	*count = (size_t)value;
	return 0;
}
