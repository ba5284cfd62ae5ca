/* json.h -- the little of JSON (RFC 8259) the library codecs need to find
 * their way: where a string literal ends.  Values are shown as sent, never
 * decoded here. */
#ifndef PROTO_JSON_H
#define PROTO_JSON_H

#include "proto.h"

/* The length of the JSON string literal at p[0..n) (both quotes included),
 * or PROTO_PARTIAL when it does not end within n, PROTO_ERROR when p does
 * not start one or it holds an unescaped control byte (RFC 8259 §7). */
long json_string_len(const char *p, size_t n);

#endif
