/* ws_deflate.c -- permessage-deflate (RFC 7692): reading the negotiated
 * parameters (§7.1) and inflating messages (§7.2.2) with zlib.
 *
 * Negotiation: the client offers, the server's Sec-WebSocket-Extensions
 * says what was agreed.  An observer reads the server's answer, the one
 * both ends then follow; a server (pushlab-ws --deflate) reads the offer
 * with the same parser and writes its answer.
 *
 * Inflating: each sender has one raw DEFLATE stream (zlib's negative
 * window bits: no zlib header).  A message's payload has lost its trailing
 * 00 00 ff ff (§7.2.1), which is given back once the message's last byte
 * is in.  Between messages the window is kept (context takeover) or
 * dropped (no_context_takeover).  A sender may also end a message with a
 * final block (BFINAL, RFC 1951 §3.2.3; RFC 7692 §7.2.3.4 shows one): the
 * DEFLATE stream is then over and the next message starts a new one,
 * which under context takeover may still refer back into the old window,
 * so the window is carried over by hand.  The inflater always uses the largest window (15 bits): a
 * stream written with a smaller one reads the same.
 *
 * Compressing is ws_deflater.c.  Left out: writing offers (client side).
 */
#include "ws_deflate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "http.h"

/* ---- negotiation (§7.1) ---- */

#define WINDOW_BITS_DEFAULT 15
#define WINDOW_BITS_MIN 8

/* One ";name[=value]" parameter: name and value trimmed, quotes removed. */
static void split_param(struct slice param, struct slice *name, struct slice *value)
{
    const char *p = param.ptr, *end = param.ptr + param.len;
    while (p < end && http_value_ws((unsigned char)*p))
        p++;
    const char *eq = memchr(p, '=', (size_t)(end - p));
    const char *name_end = eq ? eq : end;
    while (name_end > p && http_value_ws((unsigned char)name_end[-1]))
        name_end--;
    *name = (struct slice){p, (size_t)(name_end - p)};
    *value = (struct slice){NULL, 0};
    if (!eq)
        return;
    const char *v = eq + 1, *v_end = end;
    while (v < v_end && http_value_ws((unsigned char)*v))
        v++;
    while (v_end > v && http_value_ws((unsigned char)v_end[-1]))
        v_end--;
    if (v_end - v >= 2 && *v == '"' && v_end[-1] == '"') { /* quoted-string form (RFC 6455 §9.1) */
        v++;
        v_end--;
    }
    *value = (struct slice){v, (size_t)(v_end - v)};
}

/* "8".."15" -> bits, else 0. */
static unsigned window_bits(struct slice v)
{
    if (v.len == 0 || v.len > 2)
        return 0;
    unsigned n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return 0;
        n = n * 10 + (unsigned)(v.ptr[i] - '0');
    }
    if (v.ptr[0] == '0' || n < WINDOW_BITS_MIN || n > WINDOW_BITS_DEFAULT)
        return 0;
    return n;
}

/* The parameters of one "permessage-deflate; ..." element; *server_bits_named
 * says whether it named server_max_window_bits. */
static int parse_params(struct slice element, struct ws_deflate_params *p, bool *server_bits_named,
                        struct proto_err *err)
{
    *p = (struct ws_deflate_params){false, false, WINDOW_BITS_DEFAULT, WINDOW_BITS_DEFAULT};
    bool seen[4] = {false, false, false, false};
    const char *s = memchr(element.ptr, ';', element.len);
    const char *end = element.ptr + element.len;
    while (s && s < end) {
        const char *next = memchr(s + 1, ';', (size_t)(end - s - 1));
        struct slice name, value;
        split_param((struct slice){s + 1, (size_t)((next ? next : end) - s - 1)}, &name, &value);
        int which;
        if (slice_eq_ci(name, "server_no_context_takeover"))
            which = 0;
        else if (slice_eq_ci(name, "client_no_context_takeover"))
            which = 1;
        else if (slice_eq_ci(name, "server_max_window_bits"))
            which = 2;
        else if (slice_eq_ci(name, "client_max_window_bits"))
            which = 3;
        else
            return (int)proto_fail(err, 1002, "permessage-deflate: unknown parameter");
        if (seen[which])
            return (int)proto_fail(err, 1002, "permessage-deflate: parameter given twice");
        seen[which] = true;
        if (which < 2 && value.ptr)
            return (int)proto_fail(err, 1002, "permessage-deflate: no_context_takeover takes no value");
        if (which == 0)
            p->server_no_context_takeover = true;
        else if (which == 1)
            p->client_no_context_takeover = true;
        else {
            /* client_max_window_bits without a value is only an offer's
             * "I can take a smaller one"; 15 stands. */
            unsigned bits = value.ptr ? window_bits(value) : WINDOW_BITS_DEFAULT;
            if (!bits || (which == 2 && !value.ptr))
                return (int)proto_fail(err, 1002, "permessage-deflate: bad max_window_bits");
            if (which == 2)
                p->server_max_window_bits = bits;
            else
                p->client_max_window_bits = bits;
        }
        s = next;
    }
    *server_bits_named = seen[2];
    return 1;
}

/* The next permessage-deflate element of a Sec-WebSocket-Extensions value
 * (a comma list, RFC 6455 §9.1), from *pos on. */
static bool next_deflate(struct slice value, size_t *pos, struct slice *element)
{
    while (http_list_next(value, pos, element))
        if (slice_eq_ci(http_list_element_name(*element), "permessage-deflate"))
            return true;
    return false;
}

int ws_deflate_parse(struct slice value, struct ws_deflate_params *p, struct proto_err *err)
{
    size_t pos = 0;
    struct slice element;
    bool server_bits_named;
    return next_deflate(value, &pos, &element) ? parse_params(element, p, &server_bits_named, err) : 0;
}

int ws_deflate_answer(struct slice offer, struct ws_deflate_params *p, char *out, size_t cap)
{
    size_t pos = 0;
    struct slice element;
    bool server_bits_named = false;
    bool acceptable = false;
    /* Each permessage-deflate element is a separate offer, the client's
     * favourite first, and the server takes the first it can honour
     * (§5, RFC 6455 §9.1): a client may offer a small window and, in
     * case that is refused, the default.  An offer's parameters read as
     * an answer's do; what they mean for the server: server_* bind its
     * compressor, client_* the client's.  A bad offer, or a window zlib
     * cannot write, is declined (§5.1) and the next one read. */
    while (!acceptable && next_deflate(offer, &pos, &element)) {
        struct proto_err err = {0};
        acceptable = parse_params(element, p, &server_bits_named, &err) == 1 && p->server_max_window_bits >= 9;
    }
    if (!acceptable)
        return 0;
    /* The server echoes what binds either side (§7.1.1, §7.1.2); a
     * server_max_window_bits it was offered is echoed even at 15, since
     * that is how a server says it accepts the parameter (§7.1.2.1) and a
     * client may refuse an answer without it.  A client_max_window_bits
     * hint may go unanswered: the inflater takes any window. */
    int n = snprintf(out, cap, "permessage-deflate%s%s",
                     p->server_no_context_takeover ? "; server_no_context_takeover" : "",
                     p->client_no_context_takeover ? "; client_no_context_takeover" : "");
    if (n >= 0 && (size_t)n < cap && server_bits_named)
        n += snprintf(out + n, cap - (size_t)n, "; server_max_window_bits=%u", p->server_max_window_bits);
    p->client_max_window_bits = WINDOW_BITS_DEFAULT;
    return n >= 0 && (size_t)n < cap;
}

/* ---- inflating (§7.2.2) ---- */

static const uint8_t tail[4] = {0x00, 0x00, 0xff, 0xff}; /* the end of a sync flush */

struct ws_inflater {
    z_stream zs;              /* zlib's inflate state */
    bool no_context_takeover; /* drop the window after each message */
    unsigned tail_fed;        /* bytes of `tail` given for the current message */
    bool stream_ended;        /* a final block ended the DEFLATE stream inside this message */
};

struct ws_inflater *ws_inflater_new(bool no_context_takeover)
{
    struct ws_inflater *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    if (inflateInit2(&z->zs, -15) != Z_OK) {
        free(z);
        return NULL;
    }
    z->no_context_takeover = no_context_takeover;
    return z;
}

void ws_inflater_free(struct ws_inflater *z)
{
    if (!z)
        return;
    inflateEnd(&z->zs);
    free(z);
}

void ws_inflater_reset(struct ws_inflater *z)
{
    inflateReset(&z->zs);
    z->tail_fed = 0;
    z->stream_ended = false;
}

/* The message is complete: get ready for the next one. */
static void message_end(struct ws_inflater *z)
{
    if (z->no_context_takeover) {
        inflateReset(&z->zs);
    } else if (z->stream_ended) {
        /* A new stream that may still refer back into the old window. */
        uint8_t window[1u << 15];
        uInt n = sizeof window;
        inflateGetDictionary(&z->zs, window, &n);
        inflateReset(&z->zs);
        inflateSetDictionary(&z->zs, window, n);
    }
    z->tail_fed = 0;
    z->stream_ended = false;
}

/* One inflate() call over in[0..len); how much was read goes to *used.
 * 0, or PROTO_ERROR for data that is not DEFLATE. */
static int step(struct ws_inflater *z, const uint8_t *in, size_t len, size_t *used,
                struct proto_err *err)
{
    *used = 0;
    if (z->stream_ended) { /* bytes after a final block are not part of the stream */
        *used = len;
        return 0;
    }
    z->zs.next_in = (Bytef *)(uintptr_t)in; /* zlib does not write through it */
    z->zs.avail_in = (uInt)len;
    int r = inflate(&z->zs, Z_SYNC_FLUSH);
    *used = len - z->zs.avail_in;
    if (r == Z_STREAM_END)
        z->stream_ended = true;
    else if (r != Z_OK && r != Z_BUF_ERROR) /* BUF_ERROR: no progress possible, not a fault */
        return (int)proto_fail(err, 1007, "permessage-deflate: compressed data is not valid DEFLATE");
    return 0;
}

long ws_inflate(struct ws_inflater *z, const uint8_t *in, size_t len, size_t *used, bool last,
                uint8_t *out, size_t cap, bool *done, struct proto_err *err)
{
    *done = false;
    *used = 0;
    /* zlib counts in uInt: take at most what it can say. */
    if (len > UINT32_MAX / 2)
        len = UINT32_MAX / 2;
    if (cap > UINT32_MAX / 2)
        cap = UINT32_MAX / 2;
    z->zs.next_out = out;
    z->zs.avail_out = (uInt)cap;
    if (step(z, in, len, used, err) < 0)
        return PROTO_ERROR;
    if (last && *used == len && z->zs.avail_out > 0 && z->tail_fed < sizeof tail) {
        size_t t;
        if (step(z, tail + z->tail_fed, sizeof tail - z->tail_fed, &t, err) < 0)
            return PROTO_ERROR;
        z->tail_fed += (unsigned)t;
        if (z->stream_ended)
            z->tail_fed = sizeof tail;
    }
    long written = (long)(cap - z->zs.avail_out);
    if (last && *used == len && z->tail_fed == sizeof tail && z->zs.avail_out > 0) {
        message_end(z);
        *done = true;
    }
    return written;
}
