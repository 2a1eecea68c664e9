/* The core's own configuration keys ([core], [run], [category.NAME]); the
 * plugins declare theirs in their descriptors. */
#ifndef EP_SETTINGS_H
#define EP_SETTINGS_H

#include "config.h"

/* {NULL}-terminated list of the core's sections. */
extern const struct ep_config_section_schema ep_settings_schema[];

/* The bounds of the core's integer and string keys, checked before any
 * command does work ({NULL}-terminated). */
extern const struct ep_config_limit ep_settings_limits[];

#endif
