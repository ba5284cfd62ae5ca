/* proto.h -- what every pushlab codec shares: the return contract, errors
 * and borrowed byte slices.
 *
 * Every parser in src/proto follows one contract (after picohttpparser):
 *   >= 0          bytes consumed (or success),
 *   PROTO_ERROR   (-1) the input is invalid; `err` says why,
 *   PROTO_PARTIAL (-2) the input so far is a valid prefix: call again with more.
 * Codecs do no I/O, keep no hidden state, never read past the length they
 * were given, and never print.  They are shared by the servers, the client
 * and pushviz, so one parser is all the project has per protocol.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { PROTO_ERROR = -1, PROTO_PARTIAL = -2 };

/* Why a parser said PROTO_ERROR.  `code` is the protocol's own answer to
 * the fault: an HTTP status (400, 413, 414, 431, 426...) or a WebSocket close
 * code (1002, 1007, 1009), or 0 when the protocol has none. */
struct proto_err {
    const char *why; /* static string, never freed */
    int code;        /* HTTP status or WebSocket close code, 0 if none */
};

/* Set both fields of *err (err may be NULL) and return PROTO_ERROR. */
static inline long proto_fail(struct proto_err *err, int code, const char *why)
{
    if (err) {
        err->why = why;
        err->code = code;
    }
    return PROTO_ERROR;
}

/* A borrowed view of bytes in someone else's buffer: valid as long as that
 * buffer is, never NUL-terminated. */
struct slice {
    const char *ptr; /* first byte (NULL when len is 0 and nothing was seen) */
    size_t len;      /* number of bytes */
};

/* True when the slice equals the C string s, ASCII case-insensitively. */
bool slice_eq_ci(struct slice a, const char *s);
/* True when the slice equals the C string s exactly. */
bool slice_eq(struct slice a, const char *s);

#endif
