/* exchange.c -- naming the push technique of one HTTP request/response
 * exchange from its behaviour on the wire, never from port numbers and
 * never from pushlab's own event JSON, so pushviz works on anyone's
 * traffic (a socket.io chat, a SockJS fallback, a dashboard's EventSource).
 *
 * It is decided when the response head arrives, from the two heads, the
 * timing and the body bytes that came with the head.  The signs, strongest
 * first:
 *   101 Switching Protocols to websocket (RFC 6455 §4.2.2)    -> ws
 *   Content-Type text/event-stream (WHATWG HTML §9.2)          -> sse
 *   Content-Type multipart/x-mixed-replace                     -> multipart
 *   the request carries a body: the client sends, no news      -> http
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
 * body's pace is known, so that the response item can carry it).
 */
#include "classify/classify.h"

#include <stdio.h>

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
    if (f->response_ms < VIZ_LONGPOLL_HOLD_MS)
        return false;
    return f->rtt_ms <= 0 || f->response_ms >= CLASSIFY_HOLD_RTTS * f->rtt_ms;
}

/* "held 702 ms" and, when the RTT is known, " = 9000 RTTs". */
static void say_held(char *why, size_t n, const char *what, const struct exchange_facts *f)
{
    if (f->rtt_ms > 0)
        snprintf(why, n, "%s %.0f ms = %.0f RTTs before the first byte", what, f->response_ms,
                 f->response_ms / f->rtt_ms);
    else
        snprintf(why, n, "%s %.0f ms before the first byte", what, f->response_ms);
}

enum technique classify_exchange(const struct exchange_facts *f, char *why, size_t n)
{
    if (f->upgrade) {
        snprintf(why, n, "101 Switching Protocols to websocket");
        return TECH_WS;
    }
    if (f->event_stream) {
        snprintf(why, n, "a text/event-stream answer");
        return TECH_SSE;
    }
    if (f->multipart) {
        snprintf(why, n, "a multipart/x-mixed-replace answer: a part per message");
        return TECH_MULTIPART;
    }
    if (f->sent_bytes > 0) {
        snprintf(why, n, "the request sends %llu byte%s of the client's data",
                 (unsigned long long)f->sent_bytes, f->sent_bytes == 1 ? "" : "s");
        return TECH_HTTP;
    }
    if (f->streamed) {
        snprintf(why, n, "a %s body of unknown end, still open after its head",
                 f->html ? "text/html" : "progressively read");
        return f->html ? TECH_IFRAME : TECH_XHR;
    }
    if (f->javascript && f->callback) {
        snprintf(why, n, "a JavaScript answer to a request that names a callback");
        return TECH_JSONP;
    }
    if (classify_held(f)) {
        say_held(why, n, "held", f);
        return TECH_LONGPOLL;
    }
    if (f->repeats >= 2 && f->reask_ms >= 0) {
        if (f->reask_ms < CLASSIFY_REASK_MS) {
            snprintf(why, n, "asked again %.1f ms after the previous answer, answered in %.1f ms: "
                     "a long poll that found news waiting", f->reask_ms, f->response_ms);
            return TECH_LONGPOLL;
        }
        if (f->page_part) {
            snprintf(why, n, "a document or script asked for again (request %u): a reload, "
                     "not a poll", f->repeats);
            return TECH_HTTP;
        }
        snprintf(why, n, "request %u for this resource, %.0f ms after the previous answer, "
                 "answered in %.1f ms", f->repeats, f->reask_ms, f->response_ms);
        return TECH_POLL;
    }
    if (f->held_before) {
        snprintf(why, n, "answered at once, but %u earlier answers to this resource were held",
                 f->held_before);
        return TECH_LONGPOLL;
    }
    if (f->repeats >= 2 && !f->page_part) {
        snprintf(why, n, "request %u for this resource, answered in %.1f ms", f->repeats,
                 f->response_ms);
        return TECH_POLL;
    }
    snprintf(why, n, "a resource asked for once, answered at once");
    return TECH_HTTP;
}
