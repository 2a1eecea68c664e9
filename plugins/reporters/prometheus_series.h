/* prometheus_series: a report document as Prometheus time series, shared
 * by the prometheus reporter (remote write) and the openmetrics reporter
 * (a file for promtool), so both send exactly the same series. Built once
 * as the static prometheus_series_lib (hidden visibility). The metric
 * names and labels are documented in docs/prometheus.md. */
#ifndef EP_REPORTERS_PROMETHEUS_SERIES_H
#define EP_REPORTERS_PROMETHEUS_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include <e2e-profile/plugin.h>

/* The key both reporters declare for extra labels, and its help. */
#define PROM_LABELS_KEY                                                      \
	{                                                                    \
		"labels", EP_CONFIG_STRING, NULL,                            \
		        "extra labels on every series, NAME=VALUE,... e.g. " \
		        "branch=main,commit=abc123 (env "                    \
		        "E2E_PROFILE_LABELS)"                                \
	}

/* A metric family: every series of one name. */
struct prom_family {
	const char *name; /* e2e_profile_... */
	const char *unit; /* OpenMetrics unit, a suffix of name, or "" */
	const char *help;
};

struct prom_label {
	char *name;
	char *value;
};

struct prom_sample {
	int64_t timestamp_ms; /* Unix time */
	double value;
};

/* One series: a family and its labels (sorted by name, without __name__),
 * with samples in time order. */
struct prom_series {
	const struct prom_family *family;
	size_t family_order; /* where the family goes in the output */
	struct prom_label *labels;
	size_t label_count;
	struct prom_sample *samples;
	size_t sample_count, sample_capacity;
};

/* Every series of a document, grouped by family: the documented ones
 * first, then those derived from other per-snapshot tables (OpenMetrics
 * wants a family's series together). */
struct prom_set {
	struct prom_series *series;
	size_t count, capacity;
	size_t sample_count;           /* over all series */
	struct prom_family **families; /* the derived families, owned */
	size_t family_count;
};

/* More extra labels than this are refused, so every series' labels fit
 * a fixed array. */
#define PROM_EXTRA_LABELS_MAX 16

/* Extra labels parsed from "NAME=VALUE,NAME=VALUE". */
struct prom_label_list {
	struct prom_label *labels;
	size_t count;
};

/* Parses text (NULL or "" gives no labels) into list. A name must match
 * [a-zA-Z_][a-zA-Z0-9_]*, not start with "__", not be one the reporters
 * set themselves (run, baseline, pod, instance, category, gate) nor repeat;
 * a value must not be empty; at most PROM_EXTRA_LABELS_MAX of them. Returns 0, or -EINVAL with a
 * one-line reason in err, or -ENOMEM. Free with prom_label_list_free. */
int prom_label_list_parse(const char *text, struct prom_label_list *list, char *err, size_t errlen);
void prom_label_list_free(struct prom_label_list *list);

/* Builds the series of document: the per-snapshot figures at the times
 * of the run.snapshot_times table (and every numeric column of any other
 * table with a "snapshot" column, as e2e_profile_SECTION_COLUMN_UNIT),
 * the run's figures at its end, and a comparison's gate verdicts at now_ms. extra is borrowed.
 * Returns 0, -ENODATA with a reason in err when the document has no times (a document from an older
 * core), or -ENOMEM. Free with prom_set_free. */
int prom_set_build(const struct ep_report_document *document, const struct prom_label_list *extra,
                   int64_t now_ms, struct prom_set *set, char *err, size_t errlen);
void prom_set_free(struct prom_set *set);

#endif /* EP_REPORTERS_PROMETHEUS_SERIES_H */
