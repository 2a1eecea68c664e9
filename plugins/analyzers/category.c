/* category: in-use memory by category (OpenAPI, JSON decoding, ...) at the
 * peak, its share of the total, and its growth since the first snapshot.
 *
 * A category is a list of POSIX extended regexes.  A sample belongs to it
 * when any frame of its stack matches, exactly as `go tool pprof
 * -focus=REGEX` keeps samples: a frame (location) matches when one of its
 * lines' function name or source file name matches, or its mapping's file
 * does.  So a category counts what its code holds directly and what it
 * holds through callees (GUIDE §5), and one sample can count in several
 * categories; "uncategorized" is what matches none.  The peak is the
 * snapshot with the most in-use bytes, as the heap analyzer chooses it.
 *
 * Categories come from [category.NAME] sections of the configuration:
 *     [category.openapi]
 *     display_name = OpenAPI
 *     pattern = k8s\.io/kube-openapi
 *     pattern = discovery          (repeat the key for more patterns)
 * and, when there are none, from the built-in set below (openapi, json,
 * dynamic, informers, reflection).  A bad regex fails init naming its
 * section.
 *
 * Build: part of the tree (plugins/analyzers/meson.build), or alone:
 *     cc -shared -fPIC -fvisibility=hidden $(pkg-config --cflags e2e-profile-plugin) \
 *        category.c analyzer_common.c -o category.so
 * Use: list it in [run] analyzers; [analyzer.category] builtin_categories
 * = false turns the built-in set off.  Report ids: docs/report-ids.md.
 */
#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <e2e-profile/plugin.h>

#include "analyzer_common.h"

#define CATEGORY_SECTION_PREFIX "category."
/* Longest category name: it becomes part of metric ids and --fail-on rules. */
#define CATEGORY_NAME_MAX 64

struct category {
	char *name;         /* e.g. "openapi"; host->strdup */
	char *display_name; /* e.g. "OpenAPI"; host->strdup */
	regex_t *patterns;  /* pattern_count compiled regexes; host->alloc */
	size_t pattern_count;
};

struct category_analyzer {
	const struct ep_host_api *host;
	struct ep_instance *instance;
	struct category *categories; /* host->alloc */
	size_t count;
	bool builtin; /* the built-in set is in use (no [category.NAME] configured) */
};

/* In-use bytes by category in one snapshot. */
struct category_totals {
	int64_t *inuse;        /* per category: signed sum of matching samples' inuse_space */
	int64_t uncategorized; /* samples no category matched */
	int64_t total;         /* pprof's total: sum of |inuse_space| of every sample */
};

struct category_builtin {
	const char *name;
	const char *display_name;
	const char *patterns; /* one regex per line, as a repeated INI key gives them */
};

/* Used when the configuration defines no category: what the investigation
 * behind this tool found in Kubernetes operators (GUIDE §1). */
static const struct category_builtin category_builtins[] = {
	{ "openapi", "OpenAPI", "openapi\nOpenAPI\nk8s\\.io/kube-openapi\ndiscovery" },
	{ "json", "JSON decoding",
	  "encoding/json\nsigs\\.k8s\\.io/json\njson-iterator\nk8s\\.io/apimachinery/pkg/util/"
	  "json" },
	{ "dynamic", "Dynamic client", "k8s\\.io/client-go/dynamic\nunstructured" },
	{ "informers", "Informers/cache",
	  "k8s\\.io/client-go/tools/cache\ninformer\nInformer\ncontroller-runtime/pkg/cache" },
	{ "reflection", "Reflection", "^reflect\\.\nreflect\\." },
};

static void category_free_one(const struct ep_host_api *host, struct category *category)
{
	for (size_t i = 0; i < category->pattern_count; i++)
		regfree(&category->patterns[i]);
	host->free(category->patterns);
	host->free(category->display_name);
	host->free(category->name);
	memset(category, 0, sizeof(*category));
}

/* Names end up in metric ids and in --fail-on expressions such as
 * 'category.openapi>+5%', so they keep to characters those can carry. */
static bool category_name_valid(const char *name)
{
	size_t length = strlen(name);
	if (length == 0 || length > CATEGORY_NAME_MAX)
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
static int category_compile(struct category_analyzer *self, struct category *category,
                            const char *patterns)
{
	const struct ep_host_api *host = self->host;
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
			regex_t *regex = &category->patterns[category->pattern_count];
			int error = regcomp(regex, line, REG_EXTENDED | REG_NOSUB);
			if (error != 0) {
				char message[256];
				regerror(error, regex, message, sizeof(message));
				host->log(self->instance, EP_LOG_ERROR,
				          "[category.%s]: pattern \"%s\" is not a valid POSIX "
				          "extended regex: %s",
				          category->name, line, message);
				rc = -EINVAL;
				goto cleanup;
			}
			category->pattern_count++;
		}
		line = next;
	}
	if (category->pattern_count == 0) {
		host->log(self->instance, EP_LOG_ERROR,
		          "[category.%s]: no pattern; add pattern = REGEX (one key per regex)",
		          category->name);
		rc = -EINVAL;
	}

cleanup:
	host->free(copy);
	return rc;
}

/* Fills the next category of self. */
static int category_add(struct category_analyzer *self, const char *name, const char *display_name,
                        const char *patterns)
{
	const struct ep_host_api *host = self->host;
	struct category *category = &self->categories[self->count];
	memset(category, 0, sizeof(*category)); /* host->alloc does not zero */
	if (!category_name_valid(name)) {
		host->log(self->instance, EP_LOG_ERROR,
		          "[category.%s]: a category name is 1 to %d letters, digits, '_' or '-'",
		          name, CATEGORY_NAME_MAX);
		return -EINVAL;
	}
	if (strcmp(name, "uncategorized") == 0) {
		host->log(self->instance, EP_LOG_ERROR,
		          "[category.uncategorized]: the name is reserved for the samples no "
		          "category matches; choose another");
		return -EINVAL;
	}
	if (patterns == NULL) {
		host->log(self->instance, EP_LOG_ERROR,
		          "[category.%s]: no pattern; add pattern = REGEX (one key per regex)",
		          name);
		return -EINVAL;
	}
	category->name = host->strdup(name);
	category->display_name = host->strdup(display_name != NULL ? display_name : name);
	int rc = category->name != NULL && category->display_name != NULL ? 0 : -ENOMEM;
	if (rc == 0)
		rc = category_compile(self, category, patterns);
	if (rc < 0) {
		category_free_one(host, category);
		return rc;
	}
	self->count++;
	return 0;
}

static void category_fini(void *state)
{
	struct category_analyzer *self = state;
	if (self == NULL)
		return;
	for (size_t i = 0; i < self->count; i++)
		category_free_one(self->host, &self->categories[i]);
	self->host->free(self->categories);
	self->host->free(self);
}

static int category_init(struct ep_instance *instance, const struct ep_host_api *host, void **state)
{
	const char *const *sections = NULL;
	size_t section_count = 0;
	struct category_analyzer *self = host->alloc(sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	memset(self, 0, sizeof(*self));
	self->host = host;
	self->instance = instance;

	bool builtin_allowed;
	int rc = host->config_get_bool(instance, "builtin_categories", &builtin_allowed);
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, "cannot read setting builtin_categories: %s",
		          strerror(-rc));
		goto error;
	}
	rc = host->config_sections(instance, CATEGORY_SECTION_PREFIX, &sections, &section_count);
	if (rc < 0)
		goto error;
	self->builtin = section_count == 0 && builtin_allowed;
	size_t wanted = self->builtin ? sizeof(category_builtins) / sizeof(category_builtins[0])
	                              : section_count;
	self->categories = host->alloc((wanted > 0 ? wanted : 1) * sizeof(*self->categories));
	if (self->categories == NULL) {
		rc = -ENOMEM;
		goto error;
	}
	for (size_t i = 0; !self->builtin && i < section_count; i++) {
		const char *name = sections[i] + strlen(CATEGORY_SECTION_PREFIX);
		rc = category_add(self, name,
		                  host->config_get_in(instance, sections[i], "display_name"),
		                  host->config_get_in(instance, sections[i], "pattern"));
		if (rc < 0)
			goto error;
	}
	for (size_t i = 0; self->builtin && i < wanted; i++) {
		rc = category_add(self, category_builtins[i].name,
		                  category_builtins[i].display_name, category_builtins[i].patterns);
		if (rc < 0)
			goto error;
	}
	*state = self;
	return 0;

error:
	category_fini(self);
	return rc;
}

static bool category_matches_text(const struct category *category, const char *text)
{
	for (size_t i = 0; i < category->pattern_count; i++)
		if (regexec(&category->patterns[i], text, 0, NULL, 0) == 0)
			return true;
	return false;
}

/* pprof's Location.matchesName: any line's function name or file name, or
 * the mapping's file. */
static bool category_matches_location(const struct category *category,
                                      const struct ep_profile_location *location)
{
	for (size_t i = 0; i < location->line_count; i++) {
		const struct ep_profile_function *function = location->lines[i].function;
		if (category_matches_text(category, function->name) ||
		    category_matches_text(category, function->filename))
			return true;
	}
	return location->mapping != NULL &&
	       category_matches_text(category, location->mapping->filename);
}

enum category_memo { CATEGORY_UNKNOWN = 0, CATEGORY_NO = 1, CATEGORY_YES = 2 };

/* Whether category index c matches location, memoized per location: the
 * same frames recur on thousands of stacks, and a regex run is the cost. */
static bool category_matches(const struct category_analyzer *self, size_t c,
                             const struct ep_profile *profile,
                             const struct ep_profile_location *location, uint8_t *memo)
{
	uintptr_t base = (uintptr_t)profile->locations;
	uintptr_t at = (uintptr_t)location;
	size_t index = (at - base) / sizeof(*location);
	if (at < base || index >= profile->location_count)
		return category_matches_location(&self->categories[c], location);
	uint8_t *slot = &memo[index * self->count + c];
	if (*slot == CATEGORY_UNKNOWN)
		*slot = category_matches_location(&self->categories[c], location) ? CATEGORY_YES
		                                                                  : CATEGORY_NO;
	return *slot == CATEGORY_YES;
}

/* Sums inuse_space of profile by category into totals (whose inuse array
 * has self->count entries). Returns 0 or -ENOMEM. */
static int category_measure(struct category_analyzer *self, const struct ep_profile *profile,
                            struct category_totals *totals)
{
	const struct ep_host_api *host = self->host;
	int index = analyzer_sample_type_index(profile, ANALYZER_INUSE_SPACE);
	size_t categories = self->count > 0 ? self->count : 1;
	size_t locations = profile->location_count > 0 ? profile->location_count : 1;
	if (index < 0 || locations > SIZE_MAX / categories)
		return -EINVAL; /* the scan only keeps profiles with inuse_space */
	uint8_t *memo = host->alloc(locations * categories);
	bool *hit = host->alloc(categories * sizeof(*hit));
	int rc = memo != NULL && hit != NULL ? 0 : -ENOMEM;
	if (rc < 0)
		goto cleanup;
	memset(memo, CATEGORY_UNKNOWN, locations * categories);
	memset(totals->inuse, 0, self->count * sizeof(*totals->inuse));
	totals->uncategorized = 0;
	totals->total = 0;

	for (size_t s = 0; s < profile->sample_count; s++) {
		const struct ep_profile_sample *sample = &profile->samples[s];
		int64_t value = sample->values[index];
		totals->total = analyzer_add(totals->total, analyzer_abs(value));
		if (value == 0)
			continue;
		bool any = false;
		for (size_t c = 0; c < self->count; c++) {
			hit[c] = false;
			for (size_t l = 0; !hit[c] && l < sample->location_count; l++)
				hit[c] = category_matches(self, c, profile, sample->locations[l],
				                          memo);
			if (hit[c])
				totals->inuse[c] = analyzer_add(totals->inuse[c], value);
			any = any || hit[c];
		}
		if (!any)
			totals->uncategorized = analyzer_add(totals->uncategorized, value);
	}

cleanup:
	host->free(hit);
	host->free(memo);
	return rc;
}

static int category_totals_new(struct category_analyzer *self, struct category_totals *totals)
{
	memset(totals, 0, sizeof(*totals));
	totals->inuse =
	        self->host->alloc((self->count > 0 ? self->count : 1) * sizeof(*totals->inuse));
	return totals->inuse != NULL ? 0 : -ENOMEM;
}

static void category_totals_free(struct category_analyzer *self, struct category_totals *totals)
{
	self->host->free(totals->inuse);
	memset(totals, 0, sizeof(*totals));
}

/* Loads one snapshot, measures it and releases it at once. */
static int category_measure_snapshot(struct category_analyzer *self,
                                     const struct analyzer_heap_totals *snapshot,
                                     struct category_totals *totals)
{
	const struct ep_profile *profile = NULL;
	int rc = analyzer_heap_load(self->host, self->instance, snapshot, &profile);
	if (rc < 0)
		return rc;
	rc = category_measure(self, profile, totals);
	self->host->profile_release(self->instance, profile);
	return rc;
}

static const struct ep_report_column category_columns[] = {
	{ "category", "category", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "name", "id", EP_VALUE_TEXT, EP_UNIT_NONE },
	{ "inuse_bytes", "in use at peak", EP_VALUE_INT, EP_UNIT_BYTES },
	{ "share_percent", "share of peak", EP_VALUE_DOUBLE, EP_UNIT_PERCENT },
	{ "growth_bytes", "growth since first", EP_VALUE_INT, EP_UNIT_BYTES },
};

/* The metrics category.NAME.inuse_bytes, .share_percent and .growth_bytes
 * of one category (or of the uncategorized rest). */
static int category_report_metrics(struct category_analyzer *self, struct ep_report *report,
                                   const char *name, const char *display_name, int64_t at_peak,
                                   int64_t at_first, int64_t total)
{
	const struct ep_host_api *host = self->host;
	char id[CATEGORY_NAME_MAX + 64], label[256];
	snprintf(id, sizeof(id), "category.%s.inuse_bytes", name);
	snprintf(label, sizeof(label), "%s: in use at the peak", display_name);
	int rc = host->report_metric(report, id, label, analyzer_int(at_peak), EP_UNIT_BYTES);
	if (rc < 0)
		return rc;
	snprintf(id, sizeof(id), "category.%s.share_percent", name);
	snprintf(label, sizeof(label), "%s: share of the peak", display_name);
	rc = host->report_metric(report, id, label,
	                         analyzer_double(analyzer_percent(at_peak, total)),
	                         EP_UNIT_PERCENT);
	if (rc < 0)
		return rc;
	snprintf(id, sizeof(id), "category.%s.growth_bytes", name);
	snprintf(label, sizeof(label), "%s: growth from the first snapshot to the peak",
	         display_name);
	return host->report_metric(report, id, label,
	                           analyzer_int(analyzer_subtract(at_peak, at_first)),
	                           EP_UNIT_BYTES);
}

static int category_report(struct category_analyzer *self, struct ep_report *report,
                           const struct analyzer_heap_scan *scan,
                           const struct category_totals *peak, const struct category_totals *first)
{
	const struct ep_host_api *host = self->host;
	int rc = host->report_section(report, "category", "Memory by category");
	if (rc < 0)
		return rc;
	rc = host->report_table(
	        report, "category.categories", "In-use memory by category at the peak",
	        sizeof(category_columns) / sizeof(category_columns[0]), category_columns);
	for (size_t c = 0; rc >= 0 && c <= self->count; c++) {
		bool rest = c == self->count;
		int64_t at_peak = rest ? peak->uncategorized : peak->inuse[c];
		int64_t at_first = rest ? first->uncategorized : first->inuse[c];
		const struct ep_value cells[] = {
			analyzer_text(rest ? "Uncategorized" : self->categories[c].display_name),
			analyzer_text(rest ? "uncategorized" : self->categories[c].name),
			analyzer_int(at_peak),
			analyzer_double(analyzer_percent(at_peak, peak->total)),
			analyzer_int(analyzer_subtract(at_peak, at_first)),
		};
		rc = host->report_row(report, cells);
	}
	for (size_t c = 0; rc >= 0 && c < self->count; c++)
		rc = category_report_metrics(self, report, self->categories[c].name,
		                             self->categories[c].display_name, peak->inuse[c],
		                             first->inuse[c], peak->total);
	if (rc >= 0)
		rc = category_report_metrics(self, report, "uncategorized", "Uncategorized",
		                             peak->uncategorized, first->uncategorized,
		                             peak->total);
	if (rc < 0)
		return rc;

	char total[64];
	host->format_value(total, sizeof(total), peak->total, EP_UNIT_BYTES, "auto");
	const char *peak_file = analyzer_basename(scan->snapshots[scan->peak].snapshot->path);
	const char *first_file = analyzer_basename(scan->snapshots[0].snapshot->path);
	rc = host->report_note(
	        report,
	        "Measured at the peak snapshot %s (%s in use); growth is from the first snapshot "
	        "%s to the peak. A sample counts in a category when any function, source file "
	        "or binary on its stack matches one of the category's patterns (as `go tool "
	        "pprof -focus` selects samples), so a sample can count in several categories "
	        "and the shares may add up to more than 100%%. Uncategorized is what no "
	        "category matched.",
	        peak_file, total, first_file);
	if (rc < 0 || !self->builtin)
		return rc;
	return host->report_note(report, "No [category.NAME] section is configured, so the "
	                                 "built-in categories are used.");
}

static int category_analyze(void *state, const struct ep_run_info *run, struct ep_report *report)
{
	struct category_analyzer *self = state;
	struct analyzer_heap_scan scan = { 0 };
	struct category_totals peak = { 0 }, first = { 0 };

	int rc = analyzer_heap_scan(self->host, self->instance, run, &scan);
	if (rc < 0)
		goto cleanup;
	rc = category_totals_new(self, &peak);
	if (rc < 0)
		goto cleanup;
	rc = category_totals_new(self, &first);
	if (rc < 0)
		goto cleanup;
	/* One profile in memory at a time: the first, then the peak. */
	rc = category_measure_snapshot(self, &scan.snapshots[0], &first);
	if (rc < 0)
		goto cleanup;
	if (scan.peak == 0) {
		memcpy(peak.inuse, first.inuse, self->count * sizeof(*peak.inuse));
		peak.uncategorized = first.uncategorized;
		peak.total = first.total;
	} else {
		rc = category_measure_snapshot(self, &scan.snapshots[scan.peak], &peak);
		if (rc < 0)
			goto cleanup;
	}
	rc = category_report(self, report, &scan, &peak, &first);

cleanup:
	category_totals_free(self, &first);
	category_totals_free(self, &peak);
	analyzer_heap_scan_free(self->host, &scan);
	return rc;
}

/* The category totals at run's peak snapshot. */
static int category_measure_peak(struct category_analyzer *self, const struct ep_run_info *run,
                                 struct category_totals *totals)
{
	struct analyzer_heap_scan scan = { 0 };
	int rc = analyzer_heap_scan(self->host, self->instance, run, &scan);
	if (rc >= 0)
		rc = category_measure_snapshot(self, &scan.snapshots[scan.peak], totals);
	analyzer_heap_scan_free(self->host, &scan);
	return rc;
}

static int category_compare(void *state, const struct ep_run_info *a, const struct ep_run_info *b,
                            struct ep_report *report)
{
	struct category_analyzer *self = state;
	const struct ep_host_api *host = self->host;
	struct category_totals a_peak = { 0 }, b_peak = { 0 };
	int rc = category_totals_new(self, &a_peak);
	if (rc < 0)
		goto cleanup;
	rc = category_totals_new(self, &b_peak);
	if (rc < 0)
		goto cleanup;
	rc = category_measure_peak(self, a, &a_peak);
	if (rc < 0)
		goto cleanup;
	rc = category_measure_peak(self, b, &b_peak);
	if (rc < 0)
		goto cleanup;
	rc = host->report_section(report, "category", "Memory by category");
	for (size_t c = 0; rc >= 0 && c <= self->count; c++) {
		bool rest = c == self->count;
		char id[CATEGORY_NAME_MAX + 16], label[256];
		snprintf(id, sizeof(id), "category.%s",
		         rest ? "uncategorized" : self->categories[c].name);
		snprintf(label, sizeof(label), "%s: in use at the peak",
		         rest ? "Uncategorized" : self->categories[c].display_name);
		rc = host->report_comparison(
		        report, id, label,
		        analyzer_int(rest ? a_peak.uncategorized : a_peak.inuse[c]),
		        analyzer_int(rest ? b_peak.uncategorized : b_peak.inuse[c]), EP_UNIT_BYTES);
	}

cleanup:
	category_totals_free(self, &b_peak);
	category_totals_free(self, &a_peak);
	return rc < 0 ? rc : 0;
}

static const struct ep_analyzer_ops category_ops = {
	.version = EP_ANALYZER_OPS_VERSION,
	.analyze = category_analyze,
	.compare = category_compare,
};

static const struct ep_config_key category_keys[] = {
	{ "builtin_categories", EP_CONFIG_BOOL, "true",
	  "with no [category.NAME] section, use the built-in categories (openapi, json, dynamic, "
	  "informers, reflection); false reports only the uncategorized total" },
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor category_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_ANALYZER,
	.name = "category",
	.version = "1.0.0",
	.description = "in-use memory at the peak by category of code ([category.NAME] regexes)",
	.config_keys = category_keys,
	.init = category_init,
	.fini = category_fini,
	.analyzer = &category_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &category_descriptor;
}
