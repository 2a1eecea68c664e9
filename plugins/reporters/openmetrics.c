/* openmetrics: writes the series the prometheus reporter pushes as an
 * OpenMetrics text file, BASE.openmetrics.txt, for backfilling runs into
 * Prometheus without a push:
 *     promtool tsdb create-blocks-from openmetrics analysis.openmetrics.txt DATA/
 * then move the blocks into Prometheus's storage directory. Every sample
 * carries its timestamp; the series and labels are prometheus_series.c's
 * (docs/prometheus.md).
 *
 * Build: part of the tree (plugins/reporters/meson.build).
 * Use: add it to [run] reporters (or --reporters); [reporter.openmetrics]
 * labels = branch=main (or E2E_PROFILE_LABELS) adds labels.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <e2e-profile/plugin.h>

#include "prometheus_series.h"
#include "reporter_common.h"

struct openmetrics_reporter {
	struct reporter_host host;
	struct prom_label_list labels;
};

/* A label value (quote true) or help text with \, " (label values only)
 * and line feeds escaped as the format asks. */
static void openmetrics_write_escaped(FILE *stream, const char *text, bool quote)
{
	for (const char *c = text; *c != '\0'; c++) {
		if (*c == '\\')
			fputs("\\\\", stream);
		else if (*c == '"' && quote)
			fputs("\\\"", stream);
		else if (*c == '\n')
			fputs("\\n", stream);
		else
			fputc(*c, stream);
	}
}

static void openmetrics_write_value(FILE *stream, double value)
{
	char number[REPORTER_NUMBER_MAX];
	if (isnan(value))
		fputs("NaN", stream);
	else if (isinf(value))
		fputs(value > 0 ? "+Inf" : "-Inf", stream);
	else
		fputs(reporter_format_double(number, sizeof(number), value), stream);
}

static int openmetrics_write(FILE *stream, void *context)
{
	const struct prom_set *set = context;
	const struct prom_family *family = NULL;
	for (size_t s = 0; s < set->count; s++) {
		const struct prom_series *series = &set->series[s];
		if (series->family != family) {
			family = series->family;
			fprintf(stream, "# TYPE %s gauge\n", family->name);
			if (family->unit[0] != '\0')
				fprintf(stream, "# UNIT %s %s\n", family->name, family->unit);
			fprintf(stream, "# HELP %s ", family->name);
			openmetrics_write_escaped(stream, family->help, false);
			fputc('\n', stream);
		}
		for (size_t i = 0; i < series->sample_count; i++) {
			fputs(family->name, stream);
			if (series->label_count > 0) {
				fputc('{', stream);
				for (size_t l = 0; l < series->label_count; l++) {
					fprintf(stream, "%s%s=\"", l > 0 ? "," : "",
					        series->labels[l].name);
					openmetrics_write_escaped(stream, series->labels[l].value,
					                          true);
					fputc('"', stream);
				}
				fputc('}', stream);
			}
			fputc(' ', stream);
			openmetrics_write_value(stream, series->samples[i].value);
			/* Seconds with the milliseconds the samples have. */
			int64_t ms = series->samples[i].timestamp_ms;
			fprintf(stream, " %" PRId64 ".%03" PRId64 "\n", ms / 1000, ms % 1000);
		}
	}
	fputs("# EOF\n", stream);
	return 0;
}

static int64_t openmetrics_now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int openmetrics_render(void *state, const struct ep_report_document *document,
                              const char *base_path)
{
	struct openmetrics_reporter *self = state;
	const struct ep_host_api *host = self->host.host;
	if (document == NULL || base_path == NULL || base_path[0] == '\0') {
		host->log(self->host.instance, EP_LOG_ERROR,
		          "nothing to render: no document or no output path");
		return -EINVAL;
	}
	struct prom_set set;
	char reason[512] = "";
	int rc = prom_set_build(document, &self->labels, openmetrics_now_ms(), &set, reason,
	                        sizeof(reason));
	if (rc < 0) {
		host->log(self->host.instance, EP_LOG_ERROR, "%s.openmetrics.txt not written: %s",
		          base_path, reason);
		return rc;
	}
	char *path = reporter_path(base_path, ".openmetrics.txt");
	if (path == NULL) {
		prom_set_free(&set);
		return -ENOMEM;
	}
	rc = reporter_write_file(&self->host, path, openmetrics_write, &set);
	free(path);
	prom_set_free(&set);
	return rc;
}

static void openmetrics_fini(void *state)
{
	struct openmetrics_reporter *self = state;
	if (self == NULL)
		return;
	prom_label_list_free(&self->labels);
	free(self);
}

static int openmetrics_init(struct ep_instance *instance, const struct ep_host_api *host,
                            void **state)
{
	struct openmetrics_reporter *self = calloc(1, sizeof(*self));
	if (self == NULL)
		return -ENOMEM;
	self->host = (struct reporter_host){ host, instance };
	const char *labels = NULL;
	char err[512];
	host->config_get_string(instance, "labels", &labels);
	int rc = prom_label_list_parse(labels, &self->labels, err, sizeof(err));
	if (rc < 0) {
		host->log(instance, EP_LOG_ERROR, "[reporter.openmetrics] %s", err);
		openmetrics_fini(self);
		return rc;
	}
	*state = self;
	return 0;
}

static const struct ep_reporter_ops openmetrics_ops = {
	.version = EP_REPORTER_OPS_VERSION,
	.render = openmetrics_render,
};

static const struct ep_config_key openmetrics_config_keys[] = {
	PROM_LABELS_KEY,
	{ NULL, 0, NULL, NULL },
};

static const struct ep_plugin_descriptor openmetrics_descriptor = {
	EP_PLUGIN_DESCRIPTOR_HEADER,
	.kind = EP_PLUGIN_KIND_REPORTER,
	.name = "openmetrics",
	.version = "1.0.0",
	.description = "writes BASE.openmetrics.txt, the prometheus reporter's series for "
	               "promtool backfill",
	.config_keys = openmetrics_config_keys,
	.init = openmetrics_init,
	.fini = openmetrics_fini,
	.reporter = &openmetrics_ops,
};

EP_PLUGIN_EXPORT const struct ep_plugin_descriptor *ep_plugin_entry(void)
{
	return &openmetrics_descriptor;
}
