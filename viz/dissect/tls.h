/* tls.h -- the TLS record dissector (tls.c), stepped by the dispatcher. */
#ifndef VIZ_DISSECT_TLS_H
#define VIZ_DISSECT_TLS_H

#include "dissect/core.h"

/* Does this direction's buffer start TLS?  1: yes (a hello, an alert
 * answering one, or -- joined mid-connection -- records one after
 * another); 0: no; PROTO_PARTIAL: more bytes are needed to tell.
 * other_tls: the other direction speaks TLS. */
int tls_starts(const struct half *h, bool other_tls);

/* One step of MODE_TLS: true when it made progress. */
bool tls_step(const struct dissect_env *env, struct half *h);

#endif
