/* The report document analyzers write and reporters read (report.h of the
 * public interface): the host side that builds it and hands it out. */
#ifndef EP_CORE_REPORT_DOCUMENT_H
#define EP_CORE_REPORT_DOCUMENT_H

#include <stdarg.h>

#include <e2e-profile/report.h>

struct ep_report;

/* Creates an empty document of kind "analysis" or "comparison". Strings are
 * copied. Returns 0 or -ENOMEM. */
int ep_report_new(const char *kind, const char *title, const char *run_a, const char *run_b,
                  struct ep_report **out);
void ep_report_free(struct ep_report *report);

/* The plugin section name ("analyzer.heap") recorded as the origin of the
 * sections started from now on. */
void ep_report_set_origin(struct ep_report *report, const char *origin);

/* The builder functions behind the host API's report_* members; they
 * return 0, -EINVAL when misused (a row without a table) or -ENOMEM. */
int ep_report_section(struct ep_report *report, const char *id, const char *title);
int ep_report_metric(struct ep_report *report, const char *id, const char *label,
                     struct ep_value value, const char *unit);
int ep_report_table(struct ep_report *report, const char *id, const char *title,
                    size_t column_count, const struct ep_report_column *columns);
int ep_report_row(struct ep_report *report, const struct ep_value *cells);
int ep_report_series(struct ep_report *report, const char *id, const char *title, const char *chart,
                     const char *x_label, const char *x_unit, const char *y_label,
                     const char *y_unit);
int ep_report_point(struct ep_report *report, double x, double y);
int ep_report_vnote(struct ep_report *report, const char *format, va_list args)
        __attribute__((format(printf, 2, 0)));
int ep_report_note(struct ep_report *report, const char *format, ...)
        __attribute__((format(printf, 2, 3)));
int ep_report_recommendation(struct ep_report *report, const char *rule, const char *advice,
                             const char *evidence);
int ep_report_comparison(struct ep_report *report, const char *id, const char *label,
                         struct ep_value a, struct ep_value b, const char *unit);

/* Replaces the values of the comparison id (the first with that id) by a
 * and b, and attaches a copy of statistics (may be NULL). Returns 0 or
 * -ENOENT when no comparison has that id, -ENOMEM. */
int ep_report_update_comparison(struct ep_report *report, const char *id, struct ep_value a,
                                struct ep_value b, const struct ep_report_statistics *statistics);

struct ep_tree;
/* Adds tree (copied; core/tree.h) as an EP_REPORT_TREE item of the
 * current section. Returns 0, -EINVAL (no section, an empty tree) or
 * -ENOMEM. */
int ep_report_tree(struct ep_report *report, const char *id, const char *title,
                   struct ep_tree *tree);

/* The document as built so far; borrowed until the next builder call. */
const struct ep_report_document *ep_report_document(struct ep_report *report);

/* Finds a metric by id in any section, or NULL. */
const struct ep_report_metric *ep_report_find_metric(const struct ep_report_document *document,
                                                     const char *id);

/* Value constructors. */
struct ep_value ep_value_int(int64_t value);
struct ep_value ep_value_double(double value);
struct ep_value ep_value_text(const char *text);
struct ep_value ep_value_none(void);

#endif
