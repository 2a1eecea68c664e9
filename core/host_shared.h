/* Host functions that need nothing of the instance, declared apart from
 * host_api.h (which defines struct ep_instance) so that the tests' mock
 * host, with an ep_instance of its own, uses the very same code. */
#ifndef EP_HOST_SHARED_H
#define EP_HOST_SHARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <e2e-profile/plugin.h>

int ep_host_file_open_atomic(struct ep_instance *instance, const char *path,
                             struct ep_atomic_file **file, FILE **stream);
int ep_host_file_commit(struct ep_instance *instance, struct ep_atomic_file *file);
void ep_host_file_abort(struct ep_instance *instance, struct ep_atomic_file *file);
/* profile_top without the logging: err gets the reason. */
int ep_top_new(const struct ep_profile *profile, const struct ep_profile *base,
               const char *sample_index, bool by_cum, const struct ep_top **out, char *err,
               size_t errlen);
void ep_top_free(const struct ep_top *top);
/* The host API's top_release and format_value. */
void ep_host_top_release(struct ep_instance *instance, const struct ep_top *top);
char *ep_host_format_value(char *buffer, size_t size, int64_t value, const char *unit,
                           const char *to_unit);

#endif
