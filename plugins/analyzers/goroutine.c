/* goroutine: how many goroutines a run had over time, and which stacks
 * leak them.
 *
 * Over the run's snapshots of kind "goroutine" (Go's /debug/pprof/goroutine:
 * one sample type goroutine/count, each sample a stack with the number of
 * goroutines on it) the analysis reports the total per snapshot, its
 * first, last and peak, and the stacks whose goroutine count grows steadily.
 *
 * A stack's identity is the list of its frames' function names, leaf to
 * root (inlined frames included), as `go tool pprof -traces` groups them.
 * A stack present in the last snapshot leaks when, over at least 3 usable
 * snapshots taken while the test ran (the test window; all of them when
 * it is unknown), its count (0 where absent)
 *   - grew from the window's first snapshot to its last by at least
 *     leak_min_growth goroutines and by at least leak_min_growth_percent
 *     of where it started (any gain from 0 counts),
 *   - fell in at most leak_max_fall_percent of the steps between
 *     consecutive snapshots (mostly monotone),
 *   - has a positive least-squares slope over time, and
 *   - is at its highest in the last snapshot.
 * So a small leak that rises at every snapshot (0 -> 8) is flagged, while a
 * pool that is drained and refilled, or a flat pool that churns (same
 * stack, goroutines replaced), is not.
 *
 * Snapshots are read one at a time: the last usable one first, to learn
 * which stacks to follow, then every one in order, so memory grows with
 * the last snapshot's distinct stacks times the snapshot count, not with
 * the profiles.
 *
 * Build: part of the tree (plugins/analyzers/meson.build), or alone:
 *     cc -shared -fPIC -fvisibility=hidden -I../../core \
 *        $(pkg-config --cflags e2e-profile-plugin libpcre2-8) \
 *        goroutine.c analyzer_common.c ../../core/pattern.c \
 *        $(pkg-config --libs libpcre2-8) -o goroutine.so
 * Use: list it in [run] analyzers and take goroutine snapshots (--profiles
 * goroutine); settings go in [analyzer.goroutine]:
 *     leak_min_growth = 3             goroutines a stack must gain
 *     leak_min_growth_percent = 50    ... and this share of where it started
 *     leak_max_fall_percent = 25      steps in which its count may fall
 * Report ids: docs/report-ids.md.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "analyzer_common.h"

#define GOROUTINE_SAMPLE_TYPE "goroutine"
/* Fewer snapshots cannot tell a steady rise from one jump. */
#define GOROUTINE_LEAK_MIN_SNAPSHOTS 3

struct goroutine_analyzer {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	int64_t leak_min_growth;        /* goroutines a stack must gain from first to last */
	double leak_min_growth_percent; /* ... relative to its first count */
	double leak_max_fall_percent;   /* steps in which the count may fall */
};

/* One usable goroutine snapshot. */
struct goroutine_point {
	const struct ep_snapshot_info *snapshot; /* borrowed from the run */
	int64_t goroutines;                      /* sum of the goroutine counts */
};

/* A stack of the last snapshot, followed across the run. */
struct goroutine_stack {
	char *key;              /* frame names leaf to root, each ending in '\n'; host->alloc */
	const char *started_by; /* outermost user frame; points into key_names */
	const char *waiting_in; /* innermost user frame; points into key_names */
	char *key_names;        /* a copy of key split into NUL-terminated names */
	int64_t *counts;        /* per usable snapshot, 0 where absent */
	bool leaking;
};

/* What one run measures to: the timeline and the followed stacks. */
struct goroutine_measure {
	struct goroutine_point *points; /* count usable snapshots, time order */
	size_t count;
	size_t capacity; /* the run's goroutine snapshots */
	size_t skipped;  /* goroutine snapshots that did not load */
	struct goroutine_stack *stacks;
	size_t stack_count;
	size_t *slots; /* open addressing over stacks: index + 1, 0 is empty */
	size_t slot_count;
	size_t peak; /* index into points of the highest total, the earliest on a tie */
	/* The first point of the test window; leaks are judged from it on. */
	size_t window_first;
	size_t leaking_stacks;
	int64_t leaked; /* sum of last - first over the leaking stacks */
};

static int goroutine_init(struct ep_instance *instance, const struct ep_host_api *host,
                          void **state)
{
	struct goroutine_analyzer *self = host->alloc(sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	memset(self, 0, sizeof(*self));
	self->host = host;
	self->instance = instance;
	int rc = host->config_get_int(instance, "leak_min_growth", &self->leak_min_growth);
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, "cannot read setting leak_min_growth: %s",
		          strerror(-rc));
		host->free(self);
		return -EINVAL;
	}
	if (self->leak_min_growth < 1) {
		host->log(instance, EP_LOG_ERROR,
		          "setting leak_min_growth = %lld: expected at least 1 goroutine",
		          (long long)self->leak_min_growth);
		host->free(self);
		return -EINVAL;
	}
	if (host->config_get_double(instance, "leak_min_growth_percent",
	                            &self->leak_min_growth_percent) < 0 ||
	    !(self->leak_min_growth_percent >= 0)) {
		host->log(instance, EP_LOG_ERROR,
		          "setting leak_min_growth_percent: expected a percentage of 0 or more");
		host->free(self);
		return -EINVAL;
	}
	if (host->config_get_double(instance, "leak_max_fall_percent",
	                            &self->leak_max_fall_percent) < 0 ||
	    !(self->leak_max_fall_percent >= 0 && self->leak_max_fall_percent <= 100)) {
		host->log(instance, EP_LOG_ERROR,
		          "setting leak_max_fall_percent: expected a percentage from 0 to 100");
		host->free(self);
		return -EINVAL;
	}
	*state = self;
	return 0;
}

static void goroutine_fini(void *state)
{
	struct goroutine_analyzer *self = state;
	if (self != NULL)
		self->host->free(self);
}

static void goroutine_measure_free(const struct ep_host_api *host, struct goroutine_measure *m)
{
	for (size_t i = 0; i < m->stack_count; i++) {
		host->free(m->stacks[i].key);
		host->free(m->stacks[i].key_names);
		host->free(m->stacks[i].counts);
	}
	host->free(m->stacks);
	host->free(m->slots);
	host->free(m->points);
	memset(m, 0, sizeof(*m));
}

/* A growing text buffer for stack keys, reused across samples. */
struct goroutine_buffer {
	char *text;
	size_t length;
	size_t capacity;
};

static int goroutine_buffer_append(const struct ep_host_api *host, struct goroutine_buffer *buffer,
                                   const char *text)
{
	size_t length = strlen(text);
	if (buffer->length + length + 2 > buffer->capacity) {
		size_t capacity = buffer->capacity > 0 ? buffer->capacity : 256;
		while (buffer->length + length + 2 > capacity)
			capacity *= 2;
		char *grown = host->alloc(capacity);
		if (grown == NULL)
			return -ENOMEM;
		if (buffer->length > 0)
			memcpy(grown, buffer->text, buffer->length);
		host->free(buffer->text);
		buffer->text = grown;
		buffer->capacity = capacity;
	}
	memcpy(buffer->text + buffer->length, text, length);
	buffer->length += length;
	buffer->text[buffer->length++] = '\n';
	buffer->text[buffer->length] = '\0';
	return 0;
}

/* The identity of sample's stack: its frames' function names, leaf to
 * root, one per line.  A location without lines is named as pprof names
 * it: [basename of the mapping's file], or <unknown>. */
static int goroutine_stack_key(const struct ep_host_api *host,
                               const struct ep_profile_sample *sample,
                               struct goroutine_buffer *buffer)
{
	int rc = 0;
	if (buffer->text == NULL)
		rc = goroutine_buffer_append(host, buffer, ""); /* text exists, even when empty */
	if (rc < 0)
		return rc;
	buffer->length = 0;
	buffer->text[0] = '\0';
	for (size_t l = 0; rc == 0 && l < sample->location_count; l++) {
		const struct ep_profile_location *location = sample->locations[l];
		for (size_t i = 0; rc == 0 && i < location->line_count; i++) {
			const char *name = location->lines[i].function->name;
			rc = goroutine_buffer_append(host, buffer,
			                             name[0] != '\0' ? name : "<unknown>");
		}
		if (rc == 0 && location->line_count == 0) {
			char name[300];
			if (location->mapping != NULL && location->mapping->filename[0] != '\0')
				snprintf(name, sizeof(name), "[%s]",
				         analyzer_basename(location->mapping->filename));
			else
				snprintf(name, sizeof(name), "<unknown>");
			rc = goroutine_buffer_append(host, buffer, name);
		}
	}
	return rc;
}

static uint64_t goroutine_hash(const char *text)
{
	uint64_t hash = 14695981039346656037ULL; /* FNV-1a */
	for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++)
		hash = (hash ^ *c) * 1099511628211ULL;
	return hash;
}

/* The index of the stack whose key is key, or -1. */
static long goroutine_find(const struct goroutine_measure *m, const char *key)
{
	if (m->slot_count == 0)
		return -1;
	size_t mask = m->slot_count - 1;
	for (size_t slot = goroutine_hash(key) & mask;; slot = (slot + 1) & mask) {
		size_t entry = m->slots[slot];
		if (entry == 0)
			return -1;
		if (strcmp(m->stacks[entry - 1].key, key) == 0)
			return (long)(entry - 1);
	}
}

static void goroutine_slot_insert(struct goroutine_measure *m, size_t index)
{
	size_t mask = m->slot_count - 1;
	size_t slot = goroutine_hash(m->stacks[index].key) & mask;
	while (m->slots[slot] != 0)
		slot = (slot + 1) & mask;
	m->slots[slot] = index + 1;
}

static bool goroutine_is_runtime(const char *name)
{
	return strncmp(name, "runtime.", strlen("runtime.")) == 0;
}

/* Names the stack for people.  Go's goroutine profile holds the stack of
 * the goroutine only (its "created by" line is in the debug=2 text, not
 * in the protobuf), so the function that started the goroutines is the
 * outermost frame that is not the runtime's: the function given to `go`.
 * Stacks that are the runtime's alone keep their outermost frame but
 * runtime.goexit and runtime.main.  Where they wait is the innermost
 * frame that is not the runtime's (runtime.gopark and its callers are
 * where every blocked goroutine sits). */
static int goroutine_stack_names(const struct ep_host_api *host, struct goroutine_stack *stack)
{
	stack->key_names = host->strdup(stack->key);
	if (stack->key_names == NULL)
		return -ENOMEM;
	const char *names[1024];
	size_t count = 0;
	for (char *line = stack->key_names; *line != '\0' && count < 1024;) {
		char *end = strchr(line, '\n');
		*end = '\0';
		names[count++] = line;
		line = end + 1;
	}
	stack->started_by = stack->waiting_in = count > 0 ? names[0] : "<empty stack>";
	for (size_t i = 0; i < count; i++)
		if (!goroutine_is_runtime(names[i])) {
			stack->waiting_in = names[i];
			break;
		}
	bool found = false;
	for (size_t i = count; !found && i-- > 0;)
		if (!goroutine_is_runtime(names[i])) {
			stack->started_by = names[i];
			found = true;
		}
	for (size_t i = count; !found && i-- > 0;)
		if (strcmp(names[i], "runtime.goexit") != 0 &&
		    strcmp(names[i], "runtime.main") != 0) {
			stack->started_by = names[i];
			found = true;
		}
	return 0;
}

/* Adds the stack named by key (not yet in m) to m. */
static int goroutine_stack_add(const struct ep_host_api *host, struct goroutine_measure *m,
                               const char *key)
{
	size_t capacity = m->slot_count / 2;
	if (m->stack_count + 1 > capacity) {
		size_t slot_count = m->slot_count > 0 ? m->slot_count * 2 : 64;
		struct goroutine_stack *stacks = host->alloc(slot_count / 2 * sizeof(*stacks));
		size_t *slots = host->alloc(slot_count * sizeof(*slots));
		if (stacks == NULL || slots == NULL) {
			host->free(stacks);
			host->free(slots);
			return -ENOMEM;
		}
		if (m->stack_count > 0)
			memcpy(stacks, m->stacks, m->stack_count * sizeof(*stacks));
		memset(slots, 0, slot_count * sizeof(*slots));
		host->free(m->stacks);
		host->free(m->slots);
		m->stacks = stacks;
		m->slots = slots;
		m->slot_count = slot_count;
		for (size_t i = 0; i < m->stack_count; i++)
			goroutine_slot_insert(m, i);
	}
	struct goroutine_stack *stack = &m->stacks[m->stack_count];
	memset(stack, 0, sizeof(*stack));
	stack->key = host->strdup(key);
	stack->counts = host->alloc(m->capacity * sizeof(*stack->counts));
	int rc = stack->key != NULL && stack->counts != NULL ? 0 : -ENOMEM;
	if (rc == 0)
		rc = goroutine_stack_names(host, stack);
	if (rc < 0) {
		host->free(stack->key);
		host->free(stack->key_names);
		host->free(stack->counts);
		return rc;
	}
	memset(stack->counts, 0, m->capacity * sizeof(*stack->counts));
	goroutine_slot_insert(m, m->stack_count++);
	return 0;
}

/* The sample type to read: goroutine, or pprof's default. */
static int goroutine_value_index(const struct ep_profile *profile)
{
	int index = analyzer_sample_type_index(profile, GOROUTINE_SAMPLE_TYPE);
	if (index >= 0)
		return index;
	if (profile->default_sample_type_index >= 0)
		return profile->default_sample_type_index;
	return (int)profile->sample_type_count - 1;
}

/* Walks one profile: with point NULL, adds its stacks to m (the last
 * snapshot); otherwise sums its goroutines into point and the counts of
 * the followed stacks into column index. */
static int goroutine_walk(const struct ep_host_api *host, struct goroutine_measure *m,
                          const struct ep_profile *profile, struct goroutine_point *point,
                          size_t index, struct goroutine_buffer *buffer)
{
	int value_index = goroutine_value_index(profile);
	if (value_index < 0)
		return 0; /* no sample type: no goroutines */
	for (size_t s = 0; s < profile->sample_count; s++) {
		const struct ep_profile_sample *sample = &profile->samples[s];
		int64_t value = sample->values[value_index];
		if (point != NULL)
			point->goroutines = analyzer_add(point->goroutines, value);
		if (value == 0)
			continue;
		int rc = goroutine_stack_key(host, sample, buffer);
		if (rc < 0)
			return rc;
		long found = goroutine_find(m, buffer->text);
		if (point == NULL && found < 0) {
			rc = goroutine_stack_add(host, m, buffer->text);
			if (rc < 0)
				return rc;
		} else if (point != NULL && found >= 0) {
			int64_t *count = &m->stacks[found].counts[index];
			*count = analyzer_add(*count, value);
		}
	}
	return 0;
}

/* Least-squares slope of counts over the points' offsets (per second);
 * over the snapshot index when every offset is the same. */
/* The least-squares slope of counts over time from point begin on (over
 * the point numbers when every snapshot has the same offset). */
static double goroutine_slope(const struct goroutine_measure *m, const int64_t *counts,
                              size_t begin)
{
	double n = (double)(m->count - begin), sum_x = 0, sum_y = 0;
	bool same_time = true;
	for (size_t i = begin; i < m->count; i++) {
		sum_x += m->points[i].snapshot->offset_seconds;
		sum_y += (double)counts[i];
		same_time = same_time && m->points[i].snapshot->offset_seconds ==
		                                 m->points[begin].snapshot->offset_seconds;
	}
	double mean_x = same_time ? (double)begin + (n - 1) / 2 : sum_x / n, mean_y = sum_y / n;
	double sxy = 0, sxx = 0;
	for (size_t i = begin; i < m->count; i++) {
		double x = same_time ? (double)i : m->points[i].snapshot->offset_seconds;
		sxy += (x - mean_x) * ((double)counts[i] - mean_y);
		sxx += (x - mean_x) * (x - mean_x);
	}
	return sxx > 0 ? sxy / sxx : 0;
}

/* The leak rule of the file comment, over the window's points
 * [m->window_first, m->count). */
static bool goroutine_leaks(const struct goroutine_analyzer *self,
                            const struct goroutine_measure *m, const int64_t *counts)
{
	size_t begin = m->window_first, n = m->count - begin;
	if (n < GOROUTINE_LEAK_MIN_SNAPSHOTS)
		return false;
	int64_t first = counts[begin], last = counts[m->count - 1];
	int64_t gain = analyzer_subtract(last, first);
	if (gain < self->leak_min_growth)
		return false;
	if (first > 0 && (double)gain < self->leak_min_growth_percent / 100.0 * (double)first)
		return false;
	size_t falls = 0;
	for (size_t i = begin; i < m->count; i++) {
		if (counts[i] > last)
			return false;
		if (i > begin && counts[i] < counts[i - 1])
			falls++;
	}
	if ((double)falls > self->leak_max_fall_percent / 100.0 * (double)(n - 1))
		return false;
	return goroutine_slope(m, counts, begin) > 0;
}

static int64_t goroutine_growth(const struct goroutine_measure *m,
                                const struct goroutine_stack *stack);

/* Reads run's snapshots of kind ("goroutine" or "goroutineleak") into m.  Returns 0 (m->count is 0
 * when the run has no usable goroutine snapshot) or -ENOMEM. */
static int goroutine_measure_run(struct goroutine_analyzer *self, const struct ep_run_info *run,
                                 const char *kind, struct goroutine_measure *m)
{
	const struct ep_host_api *host = self->host;
	struct goroutine_buffer buffer = { 0 };
	const struct ep_profile *profile = NULL;
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < run->snapshot_count; i++)
		m->capacity += strcmp(run->snapshots[i].kind, kind) == 0;
	if (m->capacity == 0)
		return 0;
	m->points = host->alloc(m->capacity * sizeof(*m->points));
	if (m->points == NULL)
		return -ENOMEM;

	/* The last usable snapshot names the stacks to follow; the ones after
	 * it failed to load and are not tried again. */
	int rc = 0;
	size_t last = run->snapshot_count;
	for (size_t i = run->snapshot_count; last == run->snapshot_count && i-- > 0;) {
		const struct ep_snapshot_info *snapshot = &run->snapshots[i];
		if (strcmp(snapshot->kind, kind) != 0)
			continue;
		rc = host->profile_load(self->instance, snapshot->path, &profile);
		if (rc < 0) {
			host->log(self->instance, EP_LOG_WARN, "skipping %s: %s",
			          analyzer_basename(snapshot->path), strerror(-rc));
			m->skipped++;
			continue;
		}
		last = i;
		rc = goroutine_walk(host, m, profile, NULL, 0, &buffer);
		host->profile_release(self->instance, profile);
		if (rc < 0)
			goto cleanup;
	}
	rc = 0;
	for (size_t i = 0; last < run->snapshot_count && i <= last; i++) {
		const struct ep_snapshot_info *snapshot = &run->snapshots[i];
		if (strcmp(snapshot->kind, kind) != 0)
			continue;
		rc = host->profile_load(self->instance, snapshot->path, &profile);
		if (rc < 0) {
			host->log(self->instance, EP_LOG_WARN, "skipping %s: %s",
			          analyzer_basename(snapshot->path), strerror(-rc));
			m->skipped++;
			rc = 0;
			continue;
		}
		struct goroutine_point *point = &m->points[m->count];
		*point = (struct goroutine_point){ .snapshot = snapshot };
		rc = goroutine_walk(host, m, profile, point, m->count, &buffer);
		host->profile_release(self->instance, profile);
		if (rc < 0)
			goto cleanup;
		if (point->goroutines > m->points[m->peak].goroutines)
			m->peak = m->count;
		m->count++;
	}

	while (m->window_first + 1 < m->count &&
	       !analyzer_in_window(run, m->points[m->window_first].snapshot))
		m->window_first++;
	for (size_t i = 0; i < m->stack_count; i++) {
		struct goroutine_stack *stack = &m->stacks[i];
		stack->leaking = goroutine_leaks(self, m, stack->counts);
		if (stack->leaking) {
			m->leaking_stacks++;
			m->leaked = analyzer_add(m->leaked, goroutine_growth(m, stack));
		}
	}

cleanup:
	host->free(buffer.text);
	return rc;
}

/* The gain over the test window. */
static int64_t goroutine_growth(const struct goroutine_measure *m,
                                const struct goroutine_stack *stack)
{
	return analyzer_subtract(stack->counts[m->count - 1], stack->counts[m->window_first]);
}

/* Orders leaking stacks by growth, largest first, then by key. */
static void goroutine_sort_leaks(const struct goroutine_measure *m, size_t *order, size_t count)
{
	for (size_t i = 1; i < count; i++) {
		size_t moving = order[i], j = i;
		for (; j > 0; j--) {
			const struct goroutine_stack *a = &m->stacks[order[j - 1]];
			const struct goroutine_stack *b = &m->stacks[moving];
			int64_t growth_a = goroutine_growth(m, a),
			        growth_b = goroutine_growth(m, b);
			if (growth_a > growth_b ||
			    (growth_a == growth_b && strcmp(a->key, b->key) <= 0))
				break;
			order[j] = order[j - 1];
		}
		order[j] = moving;
	}
}

static const struct ep_report_column goroutine_timeline_columns[] = {
	{ "offset_seconds", "time", EP_VALUE_DOUBLE, EP_UNIT_SECONDS },
	{ "snapshot", "snapshot", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "goroutines", "goroutines", EP_VALUE_INT, EP_UNIT_COUNT },
};

static const struct ep_report_column goroutine_leak_columns[] = {
	{ "started_by", "started by", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "waiting_in", "waiting in", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "first", "first", EP_VALUE_INT, EP_UNIT_COUNT },
	{ "last", "last", EP_VALUE_INT, EP_UNIT_COUNT },
	{ "growth", "growth", EP_VALUE_INT, EP_UNIT_COUNT },
};

static int goroutine_report_timeline(struct goroutine_analyzer *self, struct ep_report *report,
                                     const struct ep_run_info *run,
                                     const struct goroutine_measure *m)
{
	const struct ep_host_api *host = self->host;
	int rc = host->report_table(report, "goroutine.timeline", "Goroutines per snapshot",
	                            sizeof(goroutine_timeline_columns) /
	                                    sizeof(goroutine_timeline_columns[0]),
	                            goroutine_timeline_columns);
	for (size_t i = 0; rc >= 0 && i < m->count; i++) {
		const struct ep_value cells[] = {
			analyzer_double(m->points[i].snapshot->offset_seconds),
			analyzer_text(analyzer_basename(m->points[i].snapshot->path)),
			analyzer_int(m->points[i].goroutines),
		};
		rc = host->report_row(report, cells);
	}
	if (rc >= 0)
		rc = host->report_series(report, "goroutine.count", run->name, "goroutines",
		                         "seconds since start", EP_UNIT_SECONDS, "goroutines",
		                         EP_UNIT_COUNT);
	for (size_t i = 0; rc >= 0 && i < m->count; i++)
		rc = host->report_point(report, m->points[i].snapshot->offset_seconds,
		                        (double)m->points[i].goroutines);
	if (rc >= 0)
		rc = host->report_metric(report, "goroutine.first",
		                         "Goroutines at the first snapshot",
		                         analyzer_int(m->points[0].goroutines), EP_UNIT_COUNT);
	if (rc >= 0)
		rc = host->report_metric(
		        report, "goroutine.last", "Goroutines at the last snapshot",
		        analyzer_int(m->points[m->count - 1].goroutines), EP_UNIT_COUNT);
	if (rc >= 0)
		rc = host->report_metric(report, "goroutine.peak", "Most goroutines at once",
		                         analyzer_int(m->points[m->peak].goroutines),
		                         EP_UNIT_COUNT);
	return rc;
}

static int goroutine_report_leaks(struct goroutine_analyzer *self, struct ep_report *report,
                                  const struct goroutine_measure *m)
{
	const struct ep_host_api *host = self->host;
	size_t *order =
	        host->alloc((m->leaking_stacks > 0 ? m->leaking_stacks : 1) * sizeof(*order));
	if (order == NULL)
		return -ENOMEM;
	size_t count = 0;
	for (size_t i = 0; i < m->stack_count; i++)
		if (m->stacks[i].leaking)
			order[count++] = i;
	goroutine_sort_leaks(m, order, count);

	int rc = host->report_metric(report, "goroutine.leaking_stacks",
	                             "Stacks whose goroutines grow steadily",
	                             analyzer_int((int64_t)m->leaking_stacks), EP_UNIT_COUNT);
	if (rc >= 0)
		rc = host->report_metric(report, "goroutine.leaked",
		                         "Goroutines added by the leaking stacks",
		                         analyzer_int(m->leaked), EP_UNIT_COUNT);
	if (rc >= 0)
		rc = host->report_table(report, "goroutine.leaks", "Stacks leaking goroutines",
		                        sizeof(goroutine_leak_columns) /
		                                sizeof(goroutine_leak_columns[0]),
		                        goroutine_leak_columns);
	for (size_t i = 0; rc >= 0 && i < count; i++) {
		const struct goroutine_stack *stack = &m->stacks[order[i]];
		const struct ep_value cells[] = {
			analyzer_text(stack->started_by),
			analyzer_text(stack->waiting_in),
			analyzer_int(stack->counts[m->window_first]),
			analyzer_int(stack->counts[m->count - 1]),
			analyzer_int(goroutine_growth(m, stack)),
		};
		rc = host->report_row(report, cells);
	}
	if (rc < 0)
		goto cleanup;

	const char *first = analyzer_basename(m->points[m->window_first].snapshot->path);
	const char *last = analyzer_basename(m->points[m->count - 1].snapshot->path);
	if (m->count - m->window_first < GOROUTINE_LEAK_MIN_SNAPSHOTS) {
		rc = host->report_note(
		        report,
		        "Leaks are not looked for: that needs at least %d goroutine "
		        "snapshots taken while the test ran, to tell a steady rise from a "
		        "single jump, and this run has %zu.",
		        GOROUTINE_LEAK_MIN_SNAPSHOTS, m->count - m->window_first);
	} else if (count == 0) {
		rc = host->report_note(report,
		                       "No goroutine leak: no stack of %s gained %lld or more "
		                       "goroutines (and %g%% of where it started) since %s while "
		                       "rising with falls in at most %g%% of the steps.",
		                       last, (long long)self->leak_min_growth,
		                       self->leak_min_growth_percent, first,
		                       self->leak_max_fall_percent);
	} else {
		const struct goroutine_stack *top = &m->stacks[order[0]];
		rc = host->report_note(
		        report,
		        "%zu stack(s) leak goroutines: %lld more goroutines sit on them in %s than "
		        "in %s. The largest: goroutines started in %s, waiting in %s, went from "
		        "%lld to %lld. A stack counts as leaking when, over the snapshots taken "
		        "while the test ran, it gained at least %lld goroutines and %g%% of where "
		        "it started, fell in at most %g%% of the steps, rose overall (a positive "
		        "least-squares slope over time) and has its most goroutines in the last "
		        "snapshot; \"started by\" is the outermost function of the stack that is "
		        "not the Go runtime's, the function handed to `go`.",
		        count, (long long)m->leaked, last, first, top->started_by, top->waiting_in,
		        (long long)top->counts[m->window_first],
		        (long long)top->counts[m->count - 1], (long long)self->leak_min_growth,
		        self->leak_min_growth_percent, self->leak_max_fall_percent);
	}
	if (rc >= 0 && m->skipped > 0)
		rc = host->report_note(report,
		                       "%zu goroutine snapshot(s) could not be read and were left "
		                       "out; the log says why.",
		                       m->skipped);

cleanup:
	host->free(order);
	return rc;
}

static const struct ep_report_column goroutine_leak_profile_columns[] = {
	{ "started_by", "started by", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "waiting_in", "waiting in", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "goroutines", "goroutines", EP_VALUE_INT, EP_UNIT_COUNT },
};

/* What the server's own leak detector (Go 1.26's goroutineleak profile)
 * lists in the run's last such snapshot, most goroutines first. */
static int goroutine_report_leak_profile(struct goroutine_analyzer *self, struct ep_report *report,
                                         const struct goroutine_measure *m)
{
	const struct ep_host_api *host = self->host;
	size_t last = m->count - 1;
	int rc = host->report_metric(report, "goroutine.leak_profile_goroutines",
	                             "Goroutines the goroutineleak profile lists",
	                             analyzer_int(m->points[last].goroutines), EP_UNIT_COUNT);
	if (rc >= 0)
		rc = host->report_table(report, "goroutine.leak_profile",
		                        "Leaked goroutines, by the server's goroutineleak profile",
		                        sizeof(goroutine_leak_profile_columns) /
		                                sizeof(goroutine_leak_profile_columns[0]),
		                        goroutine_leak_profile_columns);
	size_t *order = host->alloc((m->stack_count ? m->stack_count : 1) * sizeof(*order));
	if (order == NULL)
		return -ENOMEM;
	size_t count = 0;
	for (size_t i = 0; i < m->stack_count; i++)
		if (m->stacks[i].counts[last] > 0)
			order[count++] = i;
	/* Most goroutines first; insertion sort, the lists are short. */
	for (size_t i = 1; i < count; i++)
		for (size_t j = i; j > 0 && m->stacks[order[j]].counts[last] >
		                                    m->stacks[order[j - 1]].counts[last];
		     j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t i = 0; rc >= 0 && i < count; i++) {
		const struct goroutine_stack *stack = &m->stacks[order[i]];
		const struct ep_value cells[] = {
			analyzer_text(stack->started_by),
			analyzer_text(stack->waiting_in),
			analyzer_int(stack->counts[last]),
		};
		rc = host->report_row(report, cells);
	}
	host->free(order);
	if (rc >= 0)
		rc = host->report_note(
		        report,
		        "The server's goroutineleak profile (%s) lists %lld goroutine(s) "
		        "on %zu stack(s) that it found blocked forever.",
		        analyzer_basename(m->points[last].snapshot->path),
		        (long long)m->points[last].goroutines, count);
	return rc;
}

static int goroutine_analyze(void *state, const struct ep_run_info *run, struct ep_report *report)
{
	struct goroutine_analyzer *self = state;
	struct goroutine_measure m, leak_profile;
	memset(&leak_profile, 0, sizeof(leak_profile));
	int rc = goroutine_measure_run(self, run, "goroutine", &m);
	if (rc >= 0)
		rc = goroutine_measure_run(self, run, "goroutineleak", &leak_profile);
	if (rc < 0)
		goto cleanup;
	if (m.count == 0 && leak_profile.count == 0) {
		/* Goroutine snapshots are optional: a run without them is not an
		 * error, there is just nothing to say. */
		self->host->log(self->instance, EP_LOG_DEBUG,
		                "run %s has no usable goroutine snapshot; nothing to report",
		                run->name);
		goto cleanup;
	}
	rc = self->host->report_section(report, "goroutine", "Goroutines");
	if (rc >= 0 && m.count > 0)
		rc = goroutine_report_timeline(self, report, run, &m);
	if (rc >= 0 && m.count > 0)
		rc = goroutine_report_leaks(self, report, &m);
	if (rc >= 0 && leak_profile.count > 0)
		rc = goroutine_report_leak_profile(self, report, &leak_profile);

cleanup:
	goroutine_measure_free(self->host, &m);
	goroutine_measure_free(self->host, &leak_profile);
	return rc < 0 ? rc : 0;
}

static struct ep_value goroutine_compare_value(const struct goroutine_measure *m, int64_t value)
{
	return m->count > 0 ? analyzer_int(value) : analyzer_none();
}

static int goroutine_compare(void *state, const struct ep_run_info *a, const struct ep_run_info *b,
                             struct ep_report *report)
{
	struct goroutine_analyzer *self = state;
	const struct ep_host_api *host = self->host;
	struct goroutine_measure ma = { 0 }, mb = { 0 };
	int rc = goroutine_measure_run(self, a, "goroutine", &ma);
	if (rc >= 0)
		rc = goroutine_measure_run(self, b, "goroutine", &mb);
	if (rc < 0)
		goto cleanup;
	if (ma.count == 0 && mb.count == 0) {
		host->log(self->instance, EP_LOG_DEBUG,
		          "neither %s nor %s has goroutine snapshots; nothing to compare", a->name,
		          b->name);
		goto cleanup;
	}
	rc = host->report_section(report, "goroutine", "Goroutines");
	if (rc >= 0)
		rc = host->report_comparison(
		        report, "goroutines.peak", "Most goroutines at once",
		        goroutine_compare_value(&ma,
		                                ma.count > 0 ? ma.points[ma.peak].goroutines : 0),
		        goroutine_compare_value(&mb,
		                                mb.count > 0 ? mb.points[mb.peak].goroutines : 0),
		        EP_UNIT_COUNT);
	if (rc >= 0)
		rc = host->report_comparison(
		        report, "goroutines.last", "Goroutines at the last snapshot",
		        goroutine_compare_value(
		                &ma, ma.count > 0 ? ma.points[ma.count - 1].goroutines : 0),
		        goroutine_compare_value(
		                &mb, mb.count > 0 ? mb.points[mb.count - 1].goroutines : 0),
		        EP_UNIT_COUNT);
	if (rc >= 0)
		rc = host->report_comparison(
		        report, "goroutines.leaking_stacks",
		        "Stacks whose goroutines grow steadily",
		        goroutine_compare_value(&ma, (int64_t)ma.leaking_stacks),
		        goroutine_compare_value(&mb, (int64_t)mb.leaking_stacks), EP_UNIT_COUNT);
	/* Both runs' counts over time on one chart, as growth overlays memory. */
	for (int side = 0; rc >= 0 && side < 2; side++) {
		const struct goroutine_measure *m = side == 0 ? &ma : &mb;
		const struct ep_run_info *run = side == 0 ? a : b;
		if (m->count == 0)
			continue;
		rc = host->report_series(report,
		                         side == 0 ? "goroutine.count.a" : "goroutine.count.b",
		                         run->name, "goroutines", "seconds since start",
		                         EP_UNIT_SECONDS, "goroutines", EP_UNIT_COUNT);
		for (size_t i = 0; rc >= 0 && i < m->count; i++)
			rc = host->report_point(report, m->points[i].snapshot->offset_seconds,
			                        (double)m->points[i].goroutines);
	}

cleanup:
	goroutine_measure_free(host, &mb);
	goroutine_measure_free(host, &ma);
	return rc < 0 ? rc : 0;
}

static const struct ep_analyzer_ops goroutine_ops = {
	.version = EP_ANALYZER_OPS_VERSION,
	.analyze = goroutine_analyze,
	.compare = goroutine_compare,
};

static const struct ep_config_key goroutine_keys[] = {
	{ "leak_min_growth", EP_CONFIG_INT, "3",
	  "goroutines a stack must gain over the test window to count as a leak (it must also "
	  "rise steadily)" },
	{ "leak_min_growth_percent", EP_CONFIG_DOUBLE, "50",
	  "... and this percentage of its count at the window's start (any gain from 0 counts)" },
	{ "leak_max_fall_percent", EP_CONFIG_DOUBLE, "25",
	  "percentage of the steps between snapshots in which a leaking stack's count may fall" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor goroutine_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_ANALYZER,
	.name = "goroutine",
	.version = "1.0.0",
	.description = "goroutine count over a run and the stacks that leak goroutines",
	.config_keys = goroutine_keys,
	.init = goroutine_init,
	.fini = goroutine_fini,
	.analyzer = &goroutine_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &goroutine_descriptor;
}
