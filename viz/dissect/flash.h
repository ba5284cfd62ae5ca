/* flash.h -- the Flash XMLSocket dissector (flash.c), stepped by the
 * dispatcher.
 */
#ifndef VIZ_DISSECT_FLASH_H
#define VIZ_DISSECT_FLASH_H

#include "dissect/core.h"

/* One step of MODE_FLASH: true when it made progress. */
bool flash_step(struct dissect *d, const struct dissect_env *env, struct half *h);

#endif
