/* The --fail-on grammar and verdicts (docs/gates.md). A limit is read in
 * the unit it is written in and converted to the figure's unit only when
 * the two measure the same thing, so "cpu.total>+10s" means ten seconds. */
#include "gate.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

/* Figures are int64 (bytes, nanoseconds): a limit beyond them can never
 * be reached and is a typo. */
#define GATE_LIMIT_MAX 9.2e18

static const struct {
	const char *suffix;
	enum ep_gate_limit kind;
	double factor;
} gate_units[] = {
	{ "%", EP_GATE_LIMIT_PERCENT, 1 },
	{ "pp", EP_GATE_LIMIT_POINTS, 1 },
	{ "B", EP_GATE_LIMIT_BYTES, 1 },
	{ "kB", EP_GATE_LIMIT_BYTES, 1024.0 },
	{ "KB", EP_GATE_LIMIT_BYTES, 1024.0 },
	{ "KiB", EP_GATE_LIMIT_BYTES, 1024.0 },
	{ "MB", EP_GATE_LIMIT_BYTES, 1048576.0 },
	{ "MiB", EP_GATE_LIMIT_BYTES, 1048576.0 },
	{ "GB", EP_GATE_LIMIT_BYTES, 1073741824.0 },
	{ "GiB", EP_GATE_LIMIT_BYTES, 1073741824.0 },
	{ "ns", EP_GATE_LIMIT_TIME, 1 },
	{ "us", EP_GATE_LIMIT_TIME, 1e3 },
	{ "ms", EP_GATE_LIMIT_TIME, 1e6 },
	{ "s", EP_GATE_LIMIT_TIME, 1e9 },
	{ "m", EP_GATE_LIMIT_TIME, 60e9 },
	{ "h", EP_GATE_LIMIT_TIME, 3600e9 },
	{ "", EP_GATE_LIMIT_PLAIN, 1 },
};

const char *ep_gate_state_name(enum ep_gate_state state)
{
	return state == EP_GATE_FAILED ? "FAILED" : state == EP_GATE_SKIPPED ? "skipped" : "passed";
}

static char *gate_trim(char *text)
{
	while (isspace((unsigned char)*text))
		text++;
	size_t len = strlen(text);
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		text[--len] = '\0';
	return text;
}

/* A decimal number only: strtod would also take "nan", "inf" and hex. */
static size_t gate_number_length(const char *text)
{
	size_t i = 0, digits = 0;
	if (text[i] == '+' || text[i] == '-')
		i++;
	while (isdigit((unsigned char)text[i]))
		i++, digits++;
	if (text[i] == '.') {
		i++;
		while (isdigit((unsigned char)text[i]))
			i++, digits++;
	}
	if (digits == 0)
		return 0;
	if (text[i] == 'e' || text[i] == 'E') {
		size_t j = i + 1;
		if (text[j] == '+' || text[j] == '-')
			j++;
		if (isdigit((unsigned char)text[j])) {
			while (isdigit((unsigned char)text[j]))
				j++;
			i = j;
		}
	}
	return i;
}

static int gate_parse_limit(const char *text, struct ep_gate_rule *rule, char *err, size_t errlen)
{
	size_t length = gate_number_length(text);
	if (length == 0) {
		snprintf(err, errlen,
		         "--fail-on '%s': the limit '%s' is not a number (write e.g. +10%%, 5MB, "
		         "10s, 3)",
		         rule->text, text);
		return -EINVAL;
	}
	char number[64];
	if (length >= sizeof(number)) {
		snprintf(err, errlen, "--fail-on '%s': the limit is out of range", rule->text);
		return -EINVAL;
	}
	memcpy(number, text, length);
	number[length] = '\0';
	errno = 0;
	double value = strtod(number, NULL);
	if (errno == ERANGE || !isfinite(value)) {
		snprintf(err, errlen, "--fail-on '%s': the limit %s is out of range", rule->text,
		         number);
		return -EINVAL;
	}
	const char *unit = text + length;
	unit += strspn(unit, " ");
	for (size_t i = 0; i < sizeof(gate_units) / sizeof(gate_units[0]); i++) {
		if (strcmp(unit, gate_units[i].suffix) != 0)
			continue;
		value *= gate_units[i].factor;
		if (!isfinite(value) || fabs(value) > GATE_LIMIT_MAX) {
			snprintf(err, errlen, "--fail-on '%s': the limit %s is out of range",
			         rule->text, text);
			return -EINVAL;
		}
		rule->limit = value;
		rule->limit_kind = gate_units[i].kind;
		return 0;
	}
	snprintf(err, errlen,
	         "--fail-on '%s': unknown unit '%s' (use %%, pp, B, kB, KB, KiB, MB, MiB, GB, GiB, "
	         "ns, us, ms, s, m, h, or none for a count)",
	         rule->text, unit);
	return -EINVAL;
}

static int gate_parse_one(char *item, struct ep_gate_rule *rule, char *err, size_t errlen)
{
	memset(rule, 0, sizeof(*rule));
	snprintf(rule->text, sizeof(rule->text), "%s", item);
	size_t id_len = strcspn(item, "<>");
	if (item[id_len] == '\0') {
		snprintf(err, errlen,
		         "--fail-on '%s': not ID>LIMIT, ID>=LIMIT, ID<LIMIT or ID<=LIMIT", item);
		return -EINVAL;
	}
	char op = item[id_len];
	item[id_len] = '\0';
	char *id = gate_trim(item);
	char *limit = item + id_len + 1;
	bool or_equal = *limit == '=';
	if (or_equal)
		limit++;
	limit = gate_trim(limit);
	size_t len = strlen(id);
	if (len > 0 && id[len - 1] == '?') {
		rule->optional = true;
		id[--len] = '\0';
		while (len > 0 && isspace((unsigned char)id[len - 1]))
			id[--len] = '\0';
	}
	bool valid = len > 0 && len < sizeof(rule->id);
	for (size_t i = 0; valid && i < len; i++)
		valid = isalnum((unsigned char)id[i]) || strchr("._-", id[i]) != NULL;
	if (!valid) {
		snprintf(err, errlen,
		         "--fail-on '%s': '%s' is not a figure id (letters, digits, '.', '_', '-'; "
		         "a trailing '?' makes it optional)",
		         rule->text, id);
		return -EINVAL;
	}
	memcpy(rule->id, id, len + 1);
	rule->op = op == '>' ? (or_equal ? EP_GATE_AT_LEAST : EP_GATE_ABOVE)
	                     : (or_equal ? EP_GATE_AT_MOST : EP_GATE_BELOW);
	return gate_parse_limit(limit, rule, err, errlen);
}

int ep_gate_parse(const char *text, struct ep_gate_rule **rules, size_t *count, char *err,
                  size_t errlen)
{
	*rules = NULL;
	*count = 0;
	char *copy = strdup(text);
	if (copy == NULL)
		return -ENOMEM;
	int rc = 0;
	char *cursor = copy, *item;
	while ((item = strsep(&cursor, ",")) != NULL) {
		item = gate_trim(item);
		if (*item == '\0')
			continue;
		struct ep_gate_rule rule;
		rc = gate_parse_one(item, &rule, err, errlen);
		if (rc < 0)
			break;
		struct ep_gate_rule *grown = realloc(*rules, (*count + 1) * sizeof(*grown));
		if (grown == NULL) {
			rc = -ENOMEM;
			break;
		}
		*rules = grown;
		(*rules)[(*count)++] = rule;
	}
	if (rc == 0 && *count == 0) {
		snprintf(err, errlen, "--fail-on '%s': no rule (e.g. 'peak>+10%%')", text);
		rc = -EINVAL;
	}
	free(copy);
	if (rc < 0) {
		free(*rules);
		*rules = NULL;
		*count = 0;
	}
	return rc;
}

static double gate_number(const struct ep_value *value)
{
	return value->type == EP_VALUE_INT ? (double)value->integer : value->real;
}

static bool gate_crosses(enum ep_gate_op op, double measured, double limit)
{
	switch (op) {
	case EP_GATE_ABOVE:
		return measured > limit;
	case EP_GATE_AT_LEAST:
		return measured >= limit;
	case EP_GATE_BELOW:
		return measured < limit;
	case EP_GATE_AT_MOST:
		return measured <= limit;
	}
	return false;
}

/* Converts the rule's limit into the figure's terms; -EINVAL when the two
 * measure different things. */
static int gate_limit_for_unit(const struct ep_gate_rule *rule, const char *unit, double *limit,
                               enum ep_gate_limit *kind, char *err, size_t errlen)
{
	bool bytes =
	        strcmp(unit, EP_UNIT_BYTES) == 0 || strcmp(unit, EP_UNIT_BYTES_PER_SECOND) == 0;
	bool nanoseconds = strcmp(unit, EP_UNIT_NANOSECONDS) == 0;
	bool seconds = strcmp(unit, EP_UNIT_SECONDS) == 0;
	bool percent = strcmp(unit, EP_UNIT_PERCENT) == 0;
	*limit = rule->limit;
	*kind = rule->limit_kind;
	const char *needs = NULL;
	switch (rule->limit_kind) {
	case EP_GATE_LIMIT_PERCENT:
		return 0;
	case EP_GATE_LIMIT_POINTS:
		if (!percent)
			needs = "pp fits only a figure in percent";
		break;
	case EP_GATE_LIMIT_BYTES:
		if (!bytes)
			needs = "a byte limit fits only a figure in bytes (or bytes/second)";
		break;
	case EP_GATE_LIMIT_TIME:
		if (seconds)
			*limit = rule->limit / 1e9;
		else if (!nanoseconds)
			needs = "a time limit fits only a figure in nanoseconds or seconds";
		break;
	case EP_GATE_LIMIT_PLAIN:
		if (percent)
			*kind = EP_GATE_LIMIT_POINTS;
		else if (bytes || nanoseconds || seconds)
			needs = "write the limit with its unit (5MB, 10s) or as a percentage";
		break;
	}
	if (needs != NULL) {
		snprintf(err, errlen, "--fail-on '%s': %s is in %s; %s", rule->text, rule->id,
		         *unit ? unit : "plain numbers", needs);
		return -EINVAL;
	}
	return 0;
}

static void gate_format(char *buf, size_t len, double value, const char *unit)
{
	if ((strcmp(unit, EP_UNIT_BYTES) == 0 || strcmp(unit, EP_UNIT_NANOSECONDS) == 0) &&
	    fabs(value) < GATE_LIMIT_MAX)
		ep_format_value(buf, len, (int64_t)llround(value), unit, "auto");
	else if (strcmp(unit, EP_UNIT_PERCENT) == 0)
		snprintf(buf, len, "%.4g%%", value);
	else
		snprintf(buf, len, "%.6g%s%s", value, *unit ? " " : "", unit);
}

int ep_gate_evaluate(const struct ep_gate_rule *rule, const struct ep_report_comparison *comparison,
                     const char *run_a, const char *run_b, struct ep_gate_verdict *verdict,
                     char *err, size_t errlen)
{
	memset(verdict, 0, sizeof(*verdict));
	verdict->change_percent = NAN;
	if (comparison == NULL && rule->optional) {
		verdict->state = EP_GATE_SKIPPED;
		snprintf(verdict->summary, sizeof(verdict->summary),
		         "skipped: neither run has %s (optional rule)", rule->id);
		return 0;
	}
	if (comparison == NULL) {
		snprintf(err, errlen, "--fail-on '%s': the comparison has no figure '%s'",
		         rule->text, rule->id);
		return -EINVAL;
	}
	const struct ep_value *values[2] = { &comparison->a, &comparison->b };
	const char *names[2] = { run_a, run_b };
	for (int i = 0; i < 2; i++) {
		if (values[i]->type == EP_VALUE_TEXT) {
			snprintf(err, errlen, "--fail-on '%s': %s is text, not a number to gate on",
			         rule->text, rule->id);
			return -EINVAL;
		}
		if (values[i]->type == EP_VALUE_NONE ||
		    (values[i]->type == EP_VALUE_DOUBLE && !isfinite(values[i]->real))) {
			if (rule->optional) {
				verdict->state = EP_GATE_SKIPPED;
				snprintf(verdict->summary, sizeof(verdict->summary),
				         "skipped: run %s has no %s (optional rule)", names[i],
				         rule->id);
				return 0;
			}
			snprintf(err, errlen,
			         "--fail-on '%s': run %s has no %s; add '?' after the id (%s?) to "
			         "skip the rule when a run lacks it",
			         rule->text, names[i], rule->id, rule->id);
			return -EINVAL;
		}
	}
	enum ep_gate_limit kind;
	int rc = gate_limit_for_unit(rule, comparison->unit, &verdict->limit, &kind, err, errlen);
	if (rc < 0)
		return rc;
	verdict->a = gate_number(&comparison->a);
	verdict->b = gate_number(&comparison->b);
	verdict->change = verdict->b - verdict->a;
	if (verdict->a != 0)
		verdict->change_percent = verdict->change / fabs(verdict->a) * 100;
	if (kind == EP_GATE_LIMIT_PERCENT)
		verdict->measured = verdict->a != 0        ? verdict->change_percent
		                    : verdict->change == 0 ? 0
		                                           : copysign(INFINITY, verdict->change);
	else
		verdict->measured = verdict->change;
	verdict->beyond = gate_crosses(rule->op, verdict->measured, verdict->limit);
	const struct ep_report_statistics *stats = comparison->statistics;
	verdict->statistics = stats;
	verdict->tested = stats != NULL && stats->significant >= 0;
	verdict->state = verdict->beyond && (!verdict->tested || stats->significant == 1)
	                         ? EP_GATE_FAILED
	                         : EP_GATE_PASSED;

	char a[EP_FORMAT_MAX], b[EP_FORMAT_MAX], change[EP_FORMAT_MAX], relative[32], noise[160];
	gate_format(a, sizeof(a), verdict->a, comparison->unit);
	gate_format(b, sizeof(b), verdict->b, comparison->unit);
	gate_format(change, sizeof(change), verdict->change, comparison->unit);
	if (isnan(verdict->change_percent))
		snprintf(relative, sizeof(relative), "n/a");
	else
		snprintf(relative, sizeof(relative), "%+.1f%%", verdict->change_percent);
	if (!verdict->tested)
		snprintf(noise, sizeof(noise), "single runs: not tested against noise");
	else
		snprintf(noise, sizeof(noise), "%s: p=%.3g %s %g (n=%u+%u)%s",
		         stats->significant ? "significant" : "not significant", stats->p_value,
		         stats->significant ? "<" : ">=", stats->alpha, stats->n_a, stats->n_b,
		         !stats->significant && !(stats->min_p_value < stats->alpha)
		                 ? ", too few repetitions to ever be significant"
		                 : "");
	const char *position = !verdict->beyond                   ? "within the limit"
	                       : verdict->state == EP_GATE_FAILED ? "beyond the limit"
	                                                          : "beyond the limit but";
	snprintf(verdict->summary, sizeof(verdict->summary), "%s: %s %s -> %s (%s%s, %s), %s; %s",
	         ep_gate_state_name(verdict->state), rule->id, a, b, verdict->change > 0 ? "+" : "",
	         change, relative, position, noise);
	return 0;
}
