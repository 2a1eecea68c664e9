/* `compare --fail-on`: the gate grammar (docs/gates.md) and each rule's
 * verdict over a comparison's figures. Parsing needs nothing but the text,
 * so a malformed rule stops before any run is read. */
#ifndef EP_GATE_H
#define EP_GATE_H

#include <stdbool.h>
#include <stddef.h>

#include <e2e-profile/report.h>

enum ep_gate_op { EP_GATE_ABOVE, EP_GATE_AT_LEAST, EP_GATE_BELOW, EP_GATE_AT_MOST };

/* What the limit's unit says it measures. */
enum ep_gate_limit {
	EP_GATE_LIMIT_PERCENT, /* "+10%": change relative to A */
	EP_GATE_LIMIT_POINTS,  /* "2pp" or a plain number on a percent figure */
	EP_GATE_LIMIT_BYTES,   /* B kB KB KiB MB MiB GB GiB, powers of 1024 */
	EP_GATE_LIMIT_TIME,    /* ns us ms s m h, kept in nanoseconds */
	EP_GATE_LIMIT_PLAIN,   /* a count, or the figure's own unit when it has none */
};

struct ep_gate_rule {
	char text[192]; /* the rule as written, without surrounding spaces */
	char id[128];   /* the comparison id, without the optional '?' */
	bool optional;  /* "id?": a figure a run lacks skips the rule */
	enum ep_gate_op op;
	enum ep_gate_limit limit_kind;
	double limit; /* percent, percentage points, bytes, nanoseconds or plain */
};

/* Parses "peak>+10%,cpu.total>+10s". Sets *rules (free() it) and *count.
 * Returns 0, or -EINVAL with a one-line reason in err naming the rule (not
 * ID OP LIMIT, an unknown unit, NaN, an infinity, a limit out of range),
 * or -ENOMEM. */
int ep_gate_parse(const char *text, struct ep_gate_rule **rules, size_t *count, char *err,
                  size_t errlen);

enum ep_gate_state { EP_GATE_PASSED, EP_GATE_FAILED, EP_GATE_SKIPPED };

struct ep_gate_verdict {
	enum ep_gate_state state;
	bool beyond;           /* the change crossed the limit */
	bool tested;           /* repeated runs: significance decided the verdict */
	double a, b;           /* the figure (medians for repeated runs) */
	double change;         /* b - a in the figure's unit */
	double change_percent; /* (b - a) / |a| * 100; NAN when a is 0 */
	double measured;       /* the change in the limit's terms */
	double limit;          /* the limit in the same terms as measured */
	const struct ep_report_statistics *statistics; /* borrowed; NULL for single runs */
	char summary[768]; /* one line for people, e.g. "passed: 16.2MB -> ..." */
};

/* Judges rule against comparison (NULL when the comparison has no such
 * figure); run_a and run_b name the runs in messages. Repeated runs (comparison->statistics set)
 * fail only when the change is beyond the limit and significant; single runs fail when it is
 * beyond. Returns 0, or -EINVAL with the reason in err: no such figure or
 * a figure a run lacks (unless the rule is optional: then SKIPPED), a text
 * figure, or a limit whose unit does not fit the figure's unit. */
int ep_gate_evaluate(const struct ep_gate_rule *rule, const struct ep_report_comparison *comparison,
                     const char *run_a, const char *run_b, struct ep_gate_verdict *verdict,
                     char *err, size_t errlen);

/* "passed", "FAILED" or "skipped". */
const char *ep_gate_state_name(enum ep_gate_state state);

#endif
