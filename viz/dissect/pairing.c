/* pairing.c -- a request and its answer, paired and told to the
 * classifier (see pairing.h for who pairs how).
 *
 * Why one file for both versions of HTTP: what makes an exchange a poll,
 * a long poll or an event stream is the same whether its heads came as
 * text (HTTP/1.x) or in HPACK-coded frames (HTTP/2): the request's path
 * and query, the time to the answer, and the answer's Content-Type.  Only
 * how the answer is found differs, so each dissector finds it its way and
 * hands the rest to this file.
 */
#include "dissect/pairing.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pending_request *pending_oldest(struct dissect *d)
{
    return d->pending_count ? &d->pending[d->pending_first] : NULL;
}

void pending_pop(struct dissect *d)
{
    d->pending_first = (d->pending_first + 1) % d->pending_cap;
    d->pending_count--;
}

struct pending_request *pending_push(struct dissect *d)
{
    if (d->pending_count == d->pending_cap) {
        unsigned cap = d->pending_cap * 2;
        struct pending_request *v = cap <= VIZ_PENDING_REQUESTS ? malloc(cap * sizeof *v) : NULL;
        if (v) { /* unwrapped into the new ring */
            for (unsigned i = 0; i < d->pending_count; i++)
                v[i] = d->pending[(d->pending_first + i) % d->pending_cap];
            if (d->pending != d->first_pending)
                free(d->pending);
            d->pending = v;
            d->pending_cap = cap;
            d->pending_first = 0;
        } else { /* at the bound, or out of memory: the oldest goes */
            pending_pop(d);
        }
    }
    return &d->pending[(d->pending_first + d->pending_count++) % d->pending_cap];
}

void pending_answers_maybe_lost(struct dissect *d)
{
    for (unsigned i = 0; i < d->pending_count; i++)
        d->pending[(d->pending_first + i) % d->pending_cap].answer_maybe_lost = true;
}

struct pending_request *pending_answered_by(struct dissect *d, const struct dissect_env *env)
{
    struct pending_request *p;
    while ((p = pending_oldest(d))) {
        /* (sequence arithmetic: the offsets are kept mod 2^32) */
        if (!(p->answer_maybe_lost && p->end_known && env->peer_acked_known &&
              (int32_t)(env->peer_acked - p->end) > 0))
            return p;
        pending_pop(d);
    }
    return NULL;
}

struct pending_request *pending_on_stream(struct dissect *d, uint32_t stream)
{
    for (unsigned i = 0; i < d->pending_count; i++) {
        struct pending_request *p = &d->pending[(d->pending_first + i) % d->pending_cap];
        if (p->stream == stream)
            return p;
    }
    return NULL;
}

void pending_remove(struct dissect *d, struct pending_request *p)
{
    unsigned at = (unsigned)(p - d->pending); /* its place in the array */
    unsigned i = (at + d->pending_cap - d->pending_first) % d->pending_cap; /* and in line */
    for (; i + 1 < d->pending_count; i++)       /* the later ones move up one */
        d->pending[(d->pending_first + i) % d->pending_cap] =
            d->pending[(d->pending_first + i + 1) % d->pending_cap];
    d->pending_count--;
}

/* True when the query names a JavaScript callback, as JSONP requests do
 * (callback=, cb=, jsonp=, and SockJS's c=). */
static bool names_callback(struct slice query)
{
    static const char *const names[] = {"callback", "cb", "jsonp", "c"};
    char value[2];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (http_query_get(query, names[i], value, sizeof value) != HTTP_QUERY_ABSENT)
            return true;
    return false;
}

/* A fresh slot for the next exchange, asked for now, for this path. */
static struct pending_request *new_exchange(struct dissect *d, const struct dissect_env *env,
                                            struct slice path)
{
    struct pending_request *p = pending_push(d);
    *p = (struct pending_request){0};
    p->exchange = ++d->exchanges;
    p->sent_ns = env->now_ns;
    p->path_key = classify_path_key(env->server, path.ptr, path.len);
    return p;
}

struct pending_request *exchange_promised(struct dissect *d, const struct dissect_env *env,
                                          struct slice path, uint32_t stream)
{
    struct pending_request *p = new_exchange(d, env, path);
    p->stream = stream;
    return p;
}

struct pending_request *exchange_request(struct dissect *d, const struct dissect_env *env,
                                         struct slice method, struct slice path, struct slice query,
                                         uint64_t sent_bytes)
{
    struct pending_request *p = new_exchange(d, env, path);
    p->head = slice_eq(method, "HEAD");
    p->callback = names_callback(query);
    p->sent_bytes = sent_bytes;
    d->traits.requests++;
    if (!p->head) /* a HEAD asks for the headers alone (RFC 9110 §9.3.2): no poll for news */
        classify_note_request(env->classifier, p->path_key);
    if (slice_eq(method, "GET") && sent_bytes == 0)
        d->traits.path_key = p->path_key; /* what a poller asks for */
    return p;
}

enum content_kind content_of(const struct slice *ct, struct slice *boundary)
{
    if (!ct)
        return CONTENT_PLAIN;
    if (ct->len >= 17 && strncasecmp(ct->ptr, "text/event-stream", 17) == 0)
        return CONTENT_SSE;
    if (ct->len >= 10 && strncasecmp(ct->ptr, "multipart/", 10) == 0 &&
        http_multipart_boundary(*ct, boundary) && boundary->len <= BOUNDARY_MAX)
        return CONTENT_MULTIPART;
    return CONTENT_PLAIN;
}

/* True when the Content-Type value (ct, or NULL) contains word (case-insensitive). */
static bool type_has(const struct slice *ct, const char *word)
{
    size_t n = strlen(word);
    /* word is lower case: compare its first letter inline, and call
     * strncasecmp only where that letter is found. */
    for (size_t i = 0; ct && i + n <= ct->len; i++)
        if ((ct->ptr[i] | 0x20) == word[0] && strncasecmp(ct->ptr + i, word, n) == 0)
            return true;
    return false;
}

void exchange_content(const struct slice *ct, bool validators, bool body_open, struct exchange_facts *f)
{
    struct slice boundary;
    f->event_stream = content_of(ct, &boundary) == CONTENT_SSE;
    f->multipart = type_has(ct, "multipart/x-mixed-replace");
    f->html = type_has(ct, "text/html");
    f->javascript = type_has(ct, "javascript");
    f->page_part = f->html || f->javascript || type_has(ct, "text/css");
    /* A stored representation (validators) is a resource sent in pieces,
     * not a stream of messages (RFC 9110 §8.8).  A content coding alone
     * says nothing: compression middleware codes streams too, flushing
     * after each message (RFC 9110 §8.4). */
    f->streamed = body_open && !validators;
}

enum technique exchange_answered(struct dissect *d, const struct dissect_env *env,
                                 const struct pending_request *req, int status, double response_ms,
                                 struct exchange_facts *f, char *why, size_t why_len)
{
    f->callback = req && req->callback;
    /* No body by definition (RFC 9112 §6.3, RFC 9113 §8.1.1), so no news in it. */
    f->bodiless = (req && req->head) || status == 204 || status == 304;
    f->sent_bytes = req ? req->sent_bytes : 0;
    f->response_ms = response_ms;
    f->rtt_ms = env->rtt_ms;
    f->repeats = req ? classify_requests(env->classifier, req->path_key) : 0;
    f->held_before = req ? classify_holds(env->classifier, req->path_key) : 0;
    /* The answer before this request: this connection's own when its last
     * exchange asked for the same resource (a keep-alive poller; another
     * client may poll the same path meanwhile), else the latest any
     * connection got (a poller that opens a connection per request, or
     * alternates between two). */
    int64_t answered = !req ? 0
                       : d->answered_key == req->path_key ? d->answered_ns
                                                          : classify_answered_ns(env->classifier, req->path_key);
    f->reask_ms = answered && answered <= req->sent_ns ? (double)(req->sent_ns - answered) / 1e6 : -1;

    enum technique tech = classify_exchange(f, why, why_len);
    d->traits.exchanges[tech]++;
    if (req && classify_held(f))
        classify_note_held(env->classifier, req->path_key);
    /* An answer to a request for news: not to a send, and one that could
     * carry news (a poller re-asks after those). */
    bool news_answer = req && req->sent_bytes == 0 && !f->bodiless;
    if (news_answer) {
        classify_note_answer(env->classifier, req->path_key, env->now_ns);
        d->answered_ns = env->now_ns;
    }
    d->answered_key = news_answer ? req->path_key : 0;
    if (req && req->path_key == d->traits.path_key)
        d->traits.path_javascript = f->javascript;
    if (req && f->bodiless && req->path_key == d->traits.path_key)
        d->traits.path_key = 0; /* its GET got no news: the flow is no poller's for it */
    return tech;
}
