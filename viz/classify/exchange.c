/* exchange.c -- naming the push technique of one HTTP request/response
 * exchange from its behaviour on the wire, never from port numbers and
 * never from pushlab's own event JSON, so pushviz works on anyone's
 * traffic (a socket.io chat, a SockJS fallback, a dashboard's EventSource).
 *
 * It is decided when the response head arrives, from the two heads, the
 * timing and the body bytes that came with the head -- with the server's
 * write that carried it, which a head in a segment without PSH waits for
 * (viz/dissect/http.c, response_step).  The signs, strongest first:
 *   101 Switching Protocols to websocket (RFC 6455 §4.2.2)    -> ws
 *   Content-Type text/event-stream (WHATWG HTML §9.2)          -> sse
 *   Content-Type multipart/x-mixed-replace                     -> multipart
 *   the request carries a body: the client sends, no news      -> http
 *   an answer that has no body by definition (to HEAD, 204, 304:
 *   RFC 9112 §6.3) brings no news, however long it was held or
 *   soon it was asked again, and is no answer a poller re-asks
 *   after                                                      -> http
 *   a body of unknown end (chunked, RFC 9112 §7.1, or delimited
 *   by the close, §6.3) that did not end with its head, is not a
 *   stored representation (no ETag, Last-Modified or Content-Encoding,
 *   RFC 9110 §8.4, §8.8) and is not written in bulk pieces:
 *     text/html (script blocks into a hidden frame)            -> iframe
 *     anything else read progressively (NDJSON, SockJS frames) -> xhr
 *   a JavaScript answer to a request naming a callback         -> jsonp
 *   the first byte held >= VIZ_LONGPOLL_HOLD_MS and >= CLASSIFY_HOLD_RTTS
 *   round trips after the request (the server waited for news) -> longpoll
 *   the same resource asked for again (any connection):
 *     within CLASSIFY_REASK_MS of its previous answer (a long
 *     poller re-asks at once; this one found news waiting)     -> longpoll
 *     later (a short poller waits for its interval)            -> poll,
 *     unless the answer is HTML, JavaScript or CSS: a page or
 *     its code loaded again (by a frame, a reload) is no poll  -> http
 *   answered at once, but this resource was held before        -> longpoll
 *   otherwise                                                  -> http
 *
 * Limits, on purpose: the first request of a poller looks like any GET
 * (nothing repeats yet) and is "http"; a long poll answered at once before
 * (its client did not re-ask yet) is "poll" or "http"; a short poller
 * with no interval between requests looks like a long poller; a chunked
 * resource whose end did not come with its head, written in chunks smaller
 * than CLASSIFY_BULK_CHUNK and without validators or a content coding,
 * is taken for a stream (the decision is made at the head, before the
 * body's pace is known, so that the response item can carry it); a long
 * poll whose hold ends in a 204 (a timeout without news) is "http", and a
 * GET answered 204 or 304 still counts as asking for its resource again,
 * as a conditional poller's requests do (a HEAD does not).
 */
#include "classify/classify.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pushlab.h"

static const char *const NAMES[TECH_COUNT] = {
    [TECH_WS] = "ws",         [TECH_FLASH] = "flash",         [TECH_SSE] = "sse",
    [TECH_MULTIPART] = "multipart", [TECH_IFRAME] = "iframe", [TECH_XHR] = "xhr",
    [TECH_JSONP] = "jsonp",   [TECH_LONGPOLL] = "longpoll",   [TECH_POLL] = "poll",
    [TECH_HTTP] = "http",     [TECH_UNKNOWN] = "unknown",
};

const char *technique_name(enum technique t)
{
    return t >= 0 && t < TECH_COUNT ? NAMES[t] : "unknown";
}

bool classify_held(const struct exchange_facts *f)
{
    if (f->bodiless || f->response_ms < VIZ_LONGPOLL_HOLD_MS)
        return false;
    return f->rtt_ms <= 0 || f->response_ms >= CLASSIFY_HOLD_RTTS * f->rtt_ms;
}

/* ---- the reason, written without printf ----
 * A reason is written for every response, and printf's formatting of a
 * double cost more than all the rest of the classification; so the text
 * is put together here, numbers as printf's %.0f and %.1f write them.
 * Like snprintf it is cut to fit and always terminated. */
struct reason {
    char *p;    /* where the next byte goes */
    char *last; /* the byte kept for the NUL; NULL when there is no room at all */
};

static struct reason reason_start(char *why, size_t n)
{
    if (!n)
        return (struct reason){NULL, NULL};
    why[0] = '\0';
    return (struct reason){why, why + n - 1};
}

/* Append s, cut to the room left.  Measured and copied whole (strnlen,
 * memcpy) rather than byte by byte: a reason is written for every
 * answered request, a few hundred thousand times in a large replay. */
static void put(struct reason *r, const char *s)
{
    if (!r->last)
        return;
    size_t n = strnlen(s, (size_t)(r->last - r->p));
    memcpy(r->p, s, n);
    r->p += n;
    *r->p = '\0';
}

static void put_uint(struct reason *r, unsigned long long v)
{
    char digits[24], *d = digits + sizeof digits;
    *--d = '\0';
    do
        *--d = (char)('0' + v % 10);
    while (v /= 10);
    put(r, d);
}

/* x with 0 or 1 decimals, exactly as printf writes it: the double's exact
 * value rounded to the nearest, ties to even.  y = |x| * 10^decimals is
 * rounded, but fma gives the rounding error e exactly (|x| * 10 = y + e,
 * |e| at most half a unit in y's last place).  The fraction of y is a
 * multiple of that unit, so unless it is exactly one half, the exact
 * value is on the same side of the half as y; when it is one half, e
 * decides, and a true tie (e = 0) goes to the even neighbour. */
static void put_ms(struct reason *r, double x, int decimals)
{
    double scale = decimals ? 10 : 1, ax = fabs(x);
    if (!(ax < 1e15)) { /* never from a capture (and NaN): printf can have it */
        char text[400];
        snprintf(text, sizeof text, decimals ? "%.1f" : "%.0f", x);
        put(r, text);
        return;
    }
    double y = ax * scale, e = fma(ax, scale, -y), whole = floor(y), frac = y - whole;
    unsigned long long v = (unsigned long long)whole;
    if (frac > 0.5 || (frac == 0.5 && (e > 0 || (e == 0 && (v & 1)))))
        v++;
    if (signbit(x))
        put(r, "-");
    put_uint(r, decimals ? v / 10 : v);
    if (decimals) {
        char tenth[3] = {'.', (char)('0' + v % 10), '\0'};
        put(r, tenth);
    }
}

/* "held 702 ms" and, when the RTT is known, " = 9000 RTTs". */
static void say_held(struct reason *r, const char *what, const struct exchange_facts *f)
{
    put(r, what);
    put(r, " ");
    put_ms(r, f->response_ms, 0);
    if (f->rtt_ms > 0) {
        put(r, " ms = ");
        put_ms(r, f->response_ms / f->rtt_ms, 0);
        put(r, " RTTs before the first byte");
    } else {
        put(r, " ms before the first byte");
    }
}

enum technique classify_exchange(const struct exchange_facts *f, char *why, size_t n)
{
    struct reason r = reason_start(why, n);
    if (f->upgrade) {
        put(&r, "101 Switching Protocols to websocket");
        return TECH_WS;
    }
    if (f->event_stream) {
        put(&r, "a text/event-stream answer");
        return TECH_SSE;
    }
    if (f->multipart) {
        put(&r, "a multipart/x-mixed-replace answer: a part per message");
        return TECH_MULTIPART;
    }
    if (f->sent_bytes > 0) {
        put(&r, "the request sends ");
        put_uint(&r, (unsigned long long)f->sent_bytes);
        put(&r, f->sent_bytes == 1 ? " byte of the client's data" : " bytes of the client's data");
        return TECH_HTTP;
    }
    if (f->bodiless) {
        put(&r, "an answer without a body (to HEAD, or 204, 304): no news in it");
        return TECH_HTTP;
    }
    if (f->streamed) {
        put(&r, f->html ? "a text/html body of unknown end, still open after its head"
                        : "a progressively read body of unknown end, still open after its head");
        return f->html ? TECH_IFRAME : TECH_XHR;
    }
    if (f->javascript && f->callback) {
        put(&r, "a JavaScript answer to a request that names a callback");
        return TECH_JSONP;
    }
    if (classify_held(f)) {
        say_held(&r, "held", f);
        return TECH_LONGPOLL;
    }
    if (f->repeats >= 2 && f->reask_ms >= 0) {
        if (f->reask_ms < CLASSIFY_REASK_MS) {
            put(&r, "asked again ");
            put_ms(&r, f->reask_ms, 1);
            put(&r, " ms after the previous answer, answered in ");
            put_ms(&r, f->response_ms, 1);
            put(&r, " ms: a long poll that found news waiting");
            return TECH_LONGPOLL;
        }
        if (f->page_part) {
            put(&r, "a document or script asked for again (request ");
            put_uint(&r, f->repeats);
            put(&r, "): a reload, not a poll");
            return TECH_HTTP;
        }
        put(&r, "request ");
        put_uint(&r, f->repeats);
        put(&r, " for this resource, ");
        put_ms(&r, f->reask_ms, 0);
        put(&r, " ms after the previous answer, answered in ");
        put_ms(&r, f->response_ms, 1);
        put(&r, " ms");
        return TECH_POLL;
    }
    if (f->held_before) {
        put(&r, "answered at once, but ");
        put_uint(&r, f->held_before);
        put(&r, " earlier answers to this resource were held");
        return TECH_LONGPOLL;
    }
    if (f->repeats >= 2 && !f->page_part) {
        put(&r, "request ");
        put_uint(&r, f->repeats);
        put(&r, " for this resource, answered in ");
        put_ms(&r, f->response_ms, 1);
        put(&r, " ms");
        return TECH_POLL;
    }
    put(&r, "a resource asked for once, answered at once");
    return TECH_HTTP;
}
