/* The helpers the analyzers share (see analyzer_common.h): snapshot scan,
 * peak choice, pprof's -top row selection, and small value helpers. */
#include "analyzer_common.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pattern.h"

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

const char *analyzer_run_relative(const struct ep_run_info *run, const char *path)
{
	size_t n = strlen(run->directory);
	while (n > 1 && run->directory[n - 1] == '/')
		n--;
	if (strncmp(path, run->directory, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

char *analyzer_shell_quote(char *out, size_t len, const char *text)
{
	size_t w = 0;
	if (len < 3) {
		if (len > 0)
			out[0] = '\0';
		return out;
	}
	out[w++] = '\'';
	for (const char *c = text; *c != '\0'; c++) {
		const char *piece = *c == '\'' ? "'\\''" : NULL;
		size_t need = piece != NULL ? 4 : 1;
		if (w + need + 2 > len)
			break;
		if (piece != NULL) {
			memcpy(out + w, piece, 4);
			w += 4;
		} else {
			out[w++] = *c;
		}
	}
	out[w++] = '\'';
	out[w] = '\0';
	return out;
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

bool analyzer_in_window(const struct ep_run_info *run, const struct ep_snapshot_info *snapshot)
{
	if (run->test_started_unix_ns <= 0 || run->test_ended_unix_ns < run->test_started_unix_ns)
		return true;
	return snapshot->time_unix_ns >= run->test_started_unix_ns &&
	       snapshot->time_unix_ns <= run->test_ended_unix_ns + EP_TEST_WINDOW_GRACE_NS;
}

/* The window's snapshots are contiguous (time order); the peak is chosen
 * among them so a snapshot from before the test never wins a tie. */
static void analyzer_heap_scan_window(const struct ep_run_info *run,
                                      struct analyzer_heap_scan *scan)
{
	size_t first = scan->count, end = 0;
	for (size_t i = 0; i < scan->count; i++)
		if (analyzer_in_window(run, scan->snapshots[i].snapshot)) {
			if (first == scan->count)
				first = i;
			end = i + 1;
		}
	scan->window_known = run->test_started_unix_ns > 0 && first < end;
	if (!scan->window_known) {
		first = 0;
		end = scan->count;
	}
	scan->window_first = first;
	scan->window_end = end;
	scan->peak = first;
	scan->peak_ties = 0;
	for (size_t i = first; i < end; i++) {
		if (scan->snapshots[i].inuse_bytes > scan->snapshots[scan->peak].inuse_bytes) {
			scan->peak = i;
			scan->peak_ties = 1;
		} else if (scan->snapshots[i].inuse_bytes ==
		           scan->snapshots[scan->peak].inuse_bytes) {
			scan->peak_ties++;
		}
	}
}

int analyzer_heap_scan(const struct ep_host_api *host, struct ep_instance *instance,
                       const struct ep_run_info *run, struct analyzer_heap_scan *scan)
{
	return analyzer_heap_scan_each(host, instance, run, scan, NULL, NULL);
}

int analyzer_heap_scan_each(const struct ep_host_api *host, struct ep_instance *instance,
                            const struct ep_run_info *run, struct analyzer_heap_scan *scan,
                            analyzer_heap_visit_fn visit, void *context)
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
		int inuse_index = analyzer_sample_type_index(profile, ANALYZER_INUSE_SPACE);
		for (size_t k = 0; inuse_index >= 0 && k < profile->sample_count; k++)
			if (profile->samples[k].values[inuse_index] < 0)
				totals.negative_inuse = true;
		if (totals.inuse_bytes < 0) {
			host->profile_release(instance, profile);
			host->log(instance, EP_LOG_WARN,
			          "skipping %s: it has no inuse_space values, so it is not a Go "
			          "heap profile",
			          analyzer_basename(snapshot->path));
			scan->skipped++;
			continue;
		}
		rc = visit != NULL ? visit(context, scan->count, profile) : 0;
		/* Only the totals stay: memory must not grow with the number of
		 * snapshots, and the peak is loaded again when it is needed. */
		host->profile_release(instance, profile);
		if (rc < 0)
			return rc;
		scan->snapshots[scan->count++] = totals;
	}
	if (scan->count == 0) {
		host->log(instance, EP_LOG_ERROR,
		          "run %s has no usable heap snapshot: none of its %zu could be read (see "
		          "above)",
		          run->name, heap_count);
		return -ENODATA;
	}
	analyzer_heap_scan_window(run, scan);
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

int64_t analyzer_top_cum(const struct ep_top *top, const char *name)
{
	for (size_t i = 0; i < top->row_count; i++)
		if (strcmp(top->rows[i].name, name) == 0)
			return top->rows[i].cum;
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

#define ANALYZER_CATEGORY_SECTION_PREFIX "category."

struct analyzer_category_builtin {
	const char *name;
	const char *display_name;
	const char *patterns; /* one regex per line, as a repeated INI key gives them */
};

/* Used when the configuration defines no category: what the investigation
 * behind this tool found in Kubernetes operators (docs/architecture.md). */
static const struct analyzer_category_builtin analyzer_category_builtins[] = {
	{ "openapi", "OpenAPI", "openapi\nOpenAPI\nk8s\\.io/kube-openapi\ndiscovery" },
	{ "json", "JSON decoding",
	  "encoding/json\nsigs\\.k8s\\.io/json\njson-iterator\nk8s\\.io/apimachinery/pkg/util/"
	  "json" },
	{ "dynamic", "Dynamic client", "k8s\\.io/client-go/dynamic\nunstructured" },
	{ "informers", "Informers/cache",
	  "k8s\\.io/client-go/tools/cache\ninformer\nInformer\ncontroller-runtime/pkg/cache" },
	{ "reflection", "Reflection", "^reflect\\.\nreflect\\." },
};

static void analyzer_category_free_one(const struct ep_host_api *host,
                                       struct analyzer_category *category)
{
	for (size_t i = 0; i < category->pattern_count; i++)
		ep_pattern_free(category->patterns[i]);
	host->free(category->patterns);
	host->free(category->display_name);
	host->free(category->name);
	memset(category, 0, sizeof(*category));
}

/* Names end up in metric ids and in --fail-on expressions such as
 * 'category.openapi>+5%', so they keep to characters those can carry. */
static bool analyzer_category_name_valid(const char *name)
{
	size_t length = strlen(name);
	if (length == 0 || length > ANALYZER_CATEGORY_NAME_MAX)
		return false;
	for (const char *c = name; *c != '\0'; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		          (*c >= '0' && *c <= '9') || *c == '_' || *c == '-';
		if (!ok)
			return false;
	}
	return true;
}

/* Compiles each non-empty line of patterns into category. Returns 0, or
 * -EINVAL after logging which section and pattern failed, or -ENOMEM. */
static int analyzer_category_compile(const struct ep_host_api *host, struct ep_instance *instance,
                                     struct analyzer_category *category, const char *patterns)
{
	char *copy = host->strdup(patterns);
	if (copy == NULL)
		return -ENOMEM;
	size_t lines = 1;
	for (const char *c = copy; *c != '\0'; c++)
		lines += *c == '\n';
	int rc = 0;
	category->patterns = host->alloc(lines * sizeof(*category->patterns));
	if (category->patterns == NULL) {
		rc = -ENOMEM;
		goto cleanup;
	}
	for (char *line = copy; line != NULL;) {
		char *next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (*line != '\0') {
			char what[ANALYZER_CATEGORY_NAME_MAX + 32], message[512];
			snprintf(what, sizeof(what), "[category.%s] pattern", category->name);
			rc = ep_pattern_compile(line, strlen(line), what,
			                        &category->patterns[category->pattern_count],
			                        message, sizeof(message));
			if (rc < 0) {
				if (rc == -EINVAL)
					host->log(instance, EP_LOG_ERROR, "%s", message);
				goto cleanup;
			}
			category->pattern_count++;
		}
		line = next;
	}
	if (category->pattern_count == 0) {
		host->log(instance, EP_LOG_ERROR,
		          "[category.%s]: no pattern; add pattern = REGEX (one key per regex)",
		          category->name);
		rc = -EINVAL;
	}

cleanup:
	host->free(copy);
	return rc;
}

/* Fills the next category of categories. */
static int analyzer_category_add(const struct ep_host_api *host, struct ep_instance *instance,
                                 struct analyzer_categories *categories, const char *name,
                                 const char *display_name, const char *patterns)
{
	struct analyzer_category *category = &categories->items[categories->count];
	memset(category, 0, sizeof(*category)); /* host->alloc does not zero */
	if (!analyzer_category_name_valid(name)) {
		host->log(instance, EP_LOG_ERROR,
		          "[category.%s]: a category name is 1 to %d letters, digits, '_' or '-'",
		          name, ANALYZER_CATEGORY_NAME_MAX);
		return -EINVAL;
	}
	if (strcmp(name, "uncategorized") == 0) {
		host->log(instance, EP_LOG_ERROR,
		          "[category.uncategorized]: the name is reserved for the samples no "
		          "category matches; choose another");
		return -EINVAL;
	}
	if (patterns == NULL) {
		host->log(instance, EP_LOG_ERROR,
		          "[category.%s]: no pattern; add pattern = REGEX (one key per regex)",
		          name);
		return -EINVAL;
	}
	category->name = host->strdup(name);
	category->display_name = host->strdup(display_name != NULL ? display_name : name);
	int rc = category->name != NULL && category->display_name != NULL ? 0 : -ENOMEM;
	if (rc == 0)
		rc = analyzer_category_compile(host, instance, category, patterns);
	if (rc < 0) {
		analyzer_category_free_one(host, category);
		return rc;
	}
	categories->count++;
	return 0;
}

int analyzer_categories_load(const struct ep_host_api *host, struct ep_instance *instance,
                             bool builtin_allowed, struct analyzer_categories *categories)
{
	const char *const *sections = NULL;
	size_t section_count = 0;
	memset(categories, 0, sizeof(*categories));
	int rc = host->config_sections(instance, ANALYZER_CATEGORY_SECTION_PREFIX, &sections,
	                               &section_count);
	if (rc < 0)
		return rc;
	categories->builtin = section_count == 0 && builtin_allowed;
	size_t builtin_count =
	        sizeof(analyzer_category_builtins) / sizeof(analyzer_category_builtins[0]);
	size_t wanted = categories->builtin ? builtin_count : section_count;
	categories->items = host->alloc((wanted > 0 ? wanted : 1) * sizeof(*categories->items));
	if (categories->items == NULL)
		return -ENOMEM;
	for (size_t i = 0; !categories->builtin && i < section_count; i++) {
		const char *name = sections[i] + strlen(ANALYZER_CATEGORY_SECTION_PREFIX);
		rc = analyzer_category_add(
		        host, instance, categories, name,
		        host->config_get_in(instance, sections[i], "display_name"),
		        host->config_get_in(instance, sections[i], "pattern"));
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; categories->builtin && i < wanted; i++) {
		const struct analyzer_category_builtin *builtin = &analyzer_category_builtins[i];
		rc = analyzer_category_add(host, instance, categories, builtin->name,
		                           builtin->display_name, builtin->patterns);
		if (rc < 0)
			return rc;
	}
	return 0;
}

const char *analyzer_category_pattern(const struct analyzer_category *category, size_t i)
{
	return ep_pattern_source(category->patterns[i]);
}

void analyzer_categories_free(const struct ep_host_api *host,
                              struct analyzer_categories *categories)
{
	for (size_t i = 0; i < categories->count; i++)
		analyzer_category_free_one(host, &categories->items[i]);
	host->free(categories->items);
	memset(categories, 0, sizeof(*categories));
}

static bool analyzer_category_matches_text(const struct analyzer_category *category,
                                           const char *text)
{
	for (size_t i = 0; i < category->pattern_count; i++)
		if (ep_pattern_match(category->patterns[i], text, strlen(text)))
			return true;
	return false;
}

/* pprof's Location.matchesName: any line's function name or file name, or
 * the mapping's file. */
static bool analyzer_category_matches_location(const struct analyzer_category *category,
                                               const struct ep_profile_location *location)
{
	for (size_t i = 0; i < location->line_count; i++) {
		const struct ep_profile_function *function = location->lines[i].function;
		if (analyzer_category_matches_text(category, function->name) ||
		    analyzer_category_matches_text(category, function->filename))
			return true;
	}
	return location->mapping != NULL &&
	       analyzer_category_matches_text(category, location->mapping->filename);
}

enum analyzer_category_memo {
	ANALYZER_CATEGORY_UNKNOWN = 0,
	ANALYZER_CATEGORY_NO = 1,
	ANALYZER_CATEGORY_YES = 2
};

int analyzer_category_matcher_init(const struct ep_host_api *host,
                                   struct analyzer_category_matcher *matcher,
                                   const struct analyzer_categories *categories,
                                   const struct ep_profile *profile)
{
	memset(matcher, 0, sizeof(*matcher));
	matcher->categories = categories;
	matcher->profile = profile;
	size_t count = categories->count > 0 ? categories->count : 1;
	size_t locations = profile->location_count > 0 ? profile->location_count : 1;
	if (locations > SIZE_MAX / count)
		return -EOVERFLOW;
	matcher->memo = host->alloc(locations * count);
	if (matcher->memo == NULL)
		return -ENOMEM;
	memset(matcher->memo, ANALYZER_CATEGORY_UNKNOWN, locations * count);
	return 0;
}

void analyzer_category_matcher_free(const struct ep_host_api *host,
                                    struct analyzer_category_matcher *matcher)
{
	host->free(matcher->memo);
	memset(matcher, 0, sizeof(*matcher));
}

/* Whether category index c matches location, memoized per location. */
static bool analyzer_category_matches(struct analyzer_category_matcher *matcher, size_t c,
                                      const struct ep_profile_location *location)
{
	const struct ep_profile *profile = matcher->profile;
	const struct analyzer_category *category = &matcher->categories->items[c];
	uintptr_t base = (uintptr_t)profile->locations;
	uintptr_t at = (uintptr_t)location;
	size_t index = (at - base) / sizeof(*location);
	if (at < base || index >= profile->location_count)
		return analyzer_category_matches_location(category, location);
	uint8_t *slot = &matcher->memo[index * matcher->categories->count + c];
	if (*slot == ANALYZER_CATEGORY_UNKNOWN)
		*slot = analyzer_category_matches_location(category, location)
		                ? ANALYZER_CATEGORY_YES
		                : ANALYZER_CATEGORY_NO;
	return *slot == ANALYZER_CATEGORY_YES;
}

bool analyzer_category_matches_sample(struct analyzer_category_matcher *matcher, size_t category,
                                      const struct ep_profile_sample *sample)
{
	for (size_t l = 0; l < sample->location_count; l++)
		if (analyzer_category_matches(matcher, category, sample->locations[l]))
			return true;
	return false;
}
