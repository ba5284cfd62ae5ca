/* check_dissect.c -- pushviz's application-layer dissection of each push
 * technique: the reassembled bytes of both directions of one connection go
 * through the dissector (dissect.h) and the items it emits are checked --
 * their kind, their fields, and their stream offsets, which the UI uses to
 * draw boundaries on the bytes.
 *
 * Every exchange is fed whole, a few bytes at a time and one byte at a
 * time (a loop test over FEED_STEPS): TCP may cut a stream anywhere, and
 * the items must not depend on where.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "dissect/dissect.h"
#include "proto/event.h"
#include "proto/flash.h"
#include "proto/sockjs.h"
#include "proto/ws.h"

/* Bytes per dissect_data call: 0 = each message whole. */
static const size_t FEED_STEPS[] = {0, 1, 5};
#define N_FEED_STEPS (sizeof FEED_STEPS / sizeof FEED_STEPS[0])

#define EVENT_TS_MS 1700000000000LL  /* the server's `ts` in every test event */
#define WIRE_CAP (64 * 1024)         /* bytes one direction may send in a test */
#define MAX_ITEMS 256                /* items one test may collect */
#define SERVER "127.0.0.1:8001"

/* What one direction sends: built up message by message, fed as it grows. */
struct wire {
    char bytes[WIRE_CAP];
    size_t len;  /* bytes written */
    size_t sent; /* bytes handed to the dissector */
};

/* One connection under test, and every item its dissection emitted. */
struct run {
    struct dissect *d;
    struct classifier *classifier;
    struct emitter emitter;
    struct item *items[MAX_ITEMS]; /* copies (owned) */
    size_t n;
    struct wire wire[2];           /* by enum item_dir */
    int64_t now_ns;                /* capture time of the next bytes */
    size_t step;                   /* bytes per dissect_data call, 0 = whole */
    bool joined_late;              /* no SYN captured (dissect_env) */
};

static void collect(void *ctx, const struct item *it)
{
    struct run *r = ctx;
    ck_assert_uint_lt(r->n, MAX_ITEMS);
    r->items[r->n] = item_dup(it, 0);
    ck_assert_ptr_nonnull(r->items[r->n]);
    r->n++;
}

static struct run *run_new(size_t step)
{
    struct run *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    r->d = malloc(sizeof *r->d);
    r->classifier = calloc(1, sizeof *r->classifier);
    ck_assert_ptr_nonnull(r->d);
    ck_assert_ptr_nonnull(r->classifier);
    dissect_init(r->d, NULL);
    r->emitter = (struct emitter){.sink = collect, .ctx = r};
    r->now_ns = (EVENT_TS_MS + 5) * 1000000LL; /* events arrive 5 ms after their ts */
    r->step = step;
    return r;
}

static void run_free(struct run *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i]);
    dissect_release(r->d);
    free(r->d);
    free(r->classifier);
    free(r);
}

static struct dissect_env env_of(struct run *r)
{
    return (struct dissect_env){&r->emitter, r->classifier, 1, SERVER, -1, r->now_ns,
                                false, 0, false, r->joined_late}; /* no ACK numbers */
}

/* ---- building what each side sends ---- */

/* Append bytes; returns their stream offset. */
static size_t put(struct run *r, enum item_dir dir, const void *p, size_t n)
{
    struct wire *w = &r->wire[dir];
    ck_assert_uint_le(w->len + n, WIRE_CAP);
    memcpy(w->bytes + w->len, p, n);
    w->len += n;
    return w->len - n;
}

static size_t putf(struct run *r, enum item_dir dir, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ck_assert(n >= 0 && (size_t)n < sizeof text);
    return put(r, dir, text, (size_t)n);
}

/* A pushlab event as servers write it, NUL-terminated, into out; returns
 * its length. */
static size_t make_event(char *out, size_t cap, uint64_t seq, const char *text)
{
    size_t n = event_write(out, cap, seq, EVENT_TS_MS, EVENT_TICK, text, strlen(text));
    ck_assert_uint_lt(n, cap);
    out[n] = '\0';
    return n;
}

/* Append a chunk of a chunked body; returns the offset of its size line. */
static size_t put_chunk(struct run *r, const char *data, size_t n)
{
    size_t at = putf(r, DIR_S2C, "%zx\r\n", n);
    put(r, DIR_S2C, data, n);
    put(r, DIR_S2C, "\r\n", 2);
    return at;
}

/* Hand the dissector what dir has written since the last send, in pieces
 * of r->step bytes; one_write: it is one write of its sender's, cut by
 * the MSS, PSH on its last piece only (dissect_env's write_continues on
 * the others). */
static void send_pieces(struct run *r, enum item_dir dir, bool one_write)
{
    struct wire *w = &r->wire[dir];
    struct dissect_env env = env_of(r);
    while (w->sent < w->len) {
        size_t n = w->len - w->sent;
        if (r->step && n > r->step)
            n = r->step;
        env.write_continues = one_write && w->sent + n < w->len;
        dissect_data(r->d, &env, dir, (const uint8_t *)w->bytes + w->sent, n, w->sent);
        w->sent += n;
    }
}

static void send_new(struct run *r, enum item_dir dir)
{
    send_pieces(r, dir, false);
}

static void send_one_write(struct run *r, enum item_dir dir)
{
    send_pieces(r, dir, true);
}

static void close_both(struct run *r)
{
    struct dissect_env env = env_of(r);
    dissect_end(r->d, &env, DIR_C2S, END_FIN);
    dissect_end(r->d, &env, DIR_S2C, END_FIN);
}

/* ---- reading the items ---- */

static size_t count(const struct run *r, enum item_type type)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->items[i]->type == type;
    return n;
}

/* Stream bytes the error items cover: what pushviz said it could not read. */
static uint64_t error_bytes(const struct run *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i]->type == ITEM_ERROR)
            n += r->items[i]->length;
    return n;
}

/* The k-th (0-based) item of a type. */
static const struct item *nth(const struct run *r, enum item_type type, size_t k)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i]->type == type && k-- == 0)
            return r->items[i];
    ck_abort_msg("no %s item #%zu (%zu items)", item_type_name(type), k, r->n);
    return NULL;
}

static void assert_range(const struct item *it, enum item_dir dir, uint64_t off, uint64_t len)
{
    ck_assert_int_eq(it->dir, dir);
    ck_assert(it->has_range);
    ck_assert_uint_eq(it->offset, off);
    ck_assert_uint_eq(it->length, len);
}

static void assert_text(const struct item *it, const char *name, const char *want)
{
    const struct item_field *f = item_field(it, name);
    ck_assert_msg(f && f->kind == FIELD_TEXT, "no text field %s", name);
    size_t len;
    const char *s = item_text(it, f, &len);
    ck_assert_msg(len == strlen(want) && memcmp(s, want, len) == 0, "%s is \"%.*s\", want \"%s\"",
                  name, (int)len, s, want);
}

static void assert_bool(const struct item *it, const char *name, bool want)
{
    const struct item_field *f = item_field(it, name);
    ck_assert_msg(f && f->kind == FIELD_BOOL, "no bool field %s", name);
    ck_assert_int_eq(f->v.b, want);
}

static void assert_null(const struct item *it, const char *name)
{
    const struct item_field *f = item_field(it, name);
    ck_assert_msg(f && f->kind == FIELD_NULL, "%s is not null", name);
}

static double ms_field(const struct item *it, const char *name)
{
    const struct item_field *f = item_field(it, name);
    ck_assert_msg(f && f->kind == FIELD_MS, "no ms field %s", name);
    return f->v.ms;
}

/* The k-th event item: seq, text, where, and its delivery latency (the
 * capture time of the bytes that completed it minus the server's ts). */
static void assert_event(const struct run *r, size_t k, uint64_t seq, const char *text,
                         uint64_t off, uint64_t len, double latency_ms)
{
    const struct item *it = nth(r, ITEM_EVENT, k);
    assert_range(it, DIR_S2C, off, len);
    ck_assert_int_eq(item_int(it, "seq", -1), (int64_t)seq);
    ck_assert_int_eq(item_int(it, "ts", -1), EVENT_TS_MS);
    assert_text(it, "kind", "tick");
    assert_text(it, "text", text);
    ck_assert_double_eq_tol(ms_field(it, "latency_ms"), latency_ms, 1e-3);
}

/* ---- HTTP: short polling, JSONP, long polling ---- */

static size_t put_get(struct run *r, const char *target)
{
    return putf(r, DIR_C2S, "GET %s HTTP/1.1\r\nHost: " SERVER "\r\n\r\n", target);
}

/* A response with a Content-Length body; *head_len gets the head's length. */
static size_t put_response(struct run *r, const char *type, const char *body, size_t body_len,
                           size_t *head_len)
{
    size_t at = putf(r, DIR_S2C,
                     "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n", type,
                     body_len);
    *head_len = r->wire[DIR_S2C].len - at;
    put(r, DIR_S2C, body, body_len);
    return at;
}

/* A direction's state is made with its first byte: while a request waits
 * for its answer the server's side costs nothing, and ending a direction
 * that said nothing makes none (flows.c: 200,000 open connections). */
START_TEST(a_silent_direction_has_no_state)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    put_get(r, "/poll?since=0");
    send_new(r, DIR_C2S);
    ck_assert_ptr_null(r->d->half[DIR_S2C]);
    close_both(r);
    ck_assert_ptr_null(r->d->half[DIR_S2C]);
    ck_assert_uint_eq(count(r, ITEM_HTTP_REQUEST), 1);
    ck_assert_uint_eq(count(r, ITEM_ERROR), 0);
    run_free(r);
}
END_TEST

/* Where a direction's records come from, counted: a resting direction
 * gives its record back, and its next message takes one again. */
struct counting_store {
    unsigned taken, given;
};

static void *count_take(void *ctx)
{
    ((struct counting_store *)ctx)->taken++;
    return aligned_alloc(_Alignof(struct half), sizeof(struct half));
}

static void count_give(void *ctx, void *half)
{
    ((struct counting_store *)ctx)->given++;
    free(half);
}

/* Between a poller's requests and answers neither side holds anything
 * (dissect.c, rest_if_idle): each record goes back, the next message
 * finds its direction in HTTP (not detecting it again: a bad head is an
 * HTTP error), requests count on (exchange 2) and answers are timed from
 * them.  A direction keeps its record while it holds something: a head
 * cut in two, a resync, a library session, an Upgrade waiting for its
 * answer.  (Fed in pieces, the resync also shows that a request line is
 * found when its start and its "HTTP/1.1" come in different segments.) */
START_TEST(a_resting_direction_gives_its_record_back)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    struct counting_store counts = {0, 0};
    const struct half_store store = {count_take, count_give, &counts};
    r->d->store = &store;

    putf(r, DIR_C2S, "GET /poll?since=0 HTTP/1.1\r\nHo");
    send_new(r, DIR_C2S);
    ck_assert_ptr_nonnull(r->d->half[DIR_C2S]); /* half a head, held */
    putf(r, DIR_C2S, "st: " SERVER "\r\n\r\n");
    send_new(r, DIR_C2S);
    ck_assert_ptr_null(r->d->half[DIR_C2S]);
    ck_assert(r->d->resting[DIR_C2S]);
    ck_assert_uint_eq(counts.taken, 1);
    ck_assert_uint_eq(counts.given, 1);

    r->now_ns += 3000000;
    size_t head;
    put_response(r, "application/json", "[]", 2, &head);
    send_new(r, DIR_S2C);
    ck_assert_ptr_null(r->d->half[DIR_S2C]); /* its body over: nothing kept for the next */
    ck_assert_ptr_null(r->d->half[DIR_C2S]); /* an answer does not make the client's again */
    ck_assert_uint_eq(counts.taken, 2);
    ck_assert_uint_eq(counts.given, 2);
    ck_assert_double_eq_tol(ms_field(nth(r, ITEM_HTTP_RESPONSE, 0), "response_ms"), 3.0, 1e-6);
    assert_text(nth(r, ITEM_BODY, 0), "text", "[]");

    r->now_ns += 1000000;
    put_get(r, "/poll?since=0");
    send_new(r, DIR_C2S);
    ck_assert_int_eq(item_int(nth(r, ITEM_HTTP_REQUEST, 1), "exchange", -1), 2);
    r->now_ns += 5000000;
    put_response(r, "application/json", "[1]", 3, &head);
    send_new(r, DIR_S2C);
    ck_assert_int_eq(item_int(nth(r, ITEM_HTTP_RESPONSE, 1), "exchange", -1), 2);
    ck_assert_double_eq_tol(ms_field(nth(r, ITEM_HTTP_RESPONSE, 1), "response_ms"), 5.0, 1e-6);
    assert_text(nth(r, ITEM_BODY, 1), "text", "[1]");
    ck_assert_ptr_null(r->d->half[DIR_C2S]);
    ck_assert_ptr_null(r->d->half[DIR_S2C]);
    ck_assert_uint_eq(counts.taken, 4);
    ck_assert_uint_eq(counts.given, 4);

    putf(r, DIR_C2S, "NOT A REQUEST\r\n\r\n");
    send_new(r, DIR_C2S);
    ck_assert_uint_ge(count(r, ITEM_ERROR), 1);
    ck_assert_ptr_nonnull(r->d->half[DIR_C2S]); /* looking for the next head */
    putf(r, DIR_C2S, "GET /socket.io/?EIO=4&transport=polling&sid=s1d HTTP/1.1\r\nHost: " SERVER
                     "\r\n\r\n");
    send_new(r, DIR_C2S);
    ck_assert_uint_eq(count(r, ITEM_HTTP_REQUEST), 3);
    ck_assert_ptr_nonnull(r->d->half[DIR_C2S]); /* it names a session */
    const char *library;
    ck_assert_str_eq(dissect_session(r->d, &library), "s1d");

    putf(r, DIR_C2S, "GET /ws HTTP/1.1\r\nHost: " SERVER "\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n");
    send_new(r, DIR_C2S);
    ck_assert_ptr_nonnull(r->d->half[DIR_C2S]); /* waiting for the answer to its Upgrade */
    ck_assert_uint_eq(count(r, ITEM_HTTP_REQUEST), 4);
    close_both(r);
    /* The bad head's bytes, no more, no fewer, are said: by its error
     * alone when it came whole; cut into pieces, the error covers what was
     * in before the parser refused it, and the rest is passed over on the
     * way to the next head, and said so. */
    ck_assert_uint_eq(error_bytes(r), strlen("NOT A REQUEST\r\n\r\n"));
    ck_assert_uint_le(count(r, ITEM_ERROR), 2);
    run_free(r);
    ck_assert_uint_eq(counts.given, counts.taken);
}
END_TEST

START_TEST(poll_exchanges_on_one_connection)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    char e1[256], e2[256], body[600];
    size_t l1 = make_event(e1, sizeof e1, 1, "one"), l2 = make_event(e2, sizeof e2, 2, "two");
    int blen = snprintf(body, sizeof body, "[%.*s,%.*s]", (int)l1, e1, (int)l2, e2);

    size_t req1 = put_get(r, "/poll?since=0");
    send_new(r, DIR_C2S);
    r->now_ns += 2000000; /* answered 2 ms later */
    size_t head1;
    size_t res1 = put_response(r, "application/json", body, (size_t)blen, &head1);
    send_new(r, DIR_S2C);
    size_t req2 = put_get(r, "/poll?since=2");
    send_new(r, DIR_C2S);
    size_t head2;
    size_t res2 = put_response(r, "application/json", "[]", 2, &head2);
    send_new(r, DIR_S2C);
    close_both(r);

    ck_assert_uint_eq(count(r, ITEM_HTTP_REQUEST), 2);
    ck_assert_uint_eq(count(r, ITEM_HTTP_RESPONSE), 2);
    ck_assert_uint_eq(count(r, ITEM_EVENT), 2);
    ck_assert_uint_eq(count(r, ITEM_ERROR), 0);

    const struct item *q = nth(r, ITEM_HTTP_REQUEST, 0);
    assert_range(q, DIR_C2S, req1, req2 - req1);
    assert_text(q, "method", "GET");
    assert_text(q, "target", "/poll?since=0");
    assert_text(q, "version", "HTTP/1.1");
    ck_assert_int_eq(item_int(q, "head_bytes", -1), (int64_t)(req2 - req1));
    const struct item_field *hs = item_field(q, "headers");
    const char *name, *value;
    size_t name_len, value_len;
    ck_assert(item_pair(q, hs, 0, &name, &name_len, &value, &value_len));
    ck_assert(name_len == 4 && memcmp(name, "Host", 4) == 0);
    ck_assert(value_len == strlen(SERVER) && memcmp(value, SERVER, value_len) == 0);
    ck_assert(!item_pair(q, hs, 1, &name, &name_len, &value, &value_len));
    assert_text(nth(r, ITEM_HTTP_REQUEST, 1), "target", "/poll?since=2");
    assert_range(nth(r, ITEM_HTTP_REQUEST, 1), DIR_C2S, req2, r->wire[DIR_C2S].len - req2);

    const struct item *a = nth(r, ITEM_HTTP_RESPONSE, 0);
    assert_range(a, DIR_S2C, res1, head1);
    ck_assert_int_eq(item_int(a, "status", -1), 200);
    assert_text(a, "reason", "OK");
    ck_assert_double_eq_tol(ms_field(a, "response_ms"), 2.0, 1e-6);
    assert_range(nth(r, ITEM_HTTP_RESPONSE, 1), DIR_S2C, res2, head2);
    ck_assert_double_eq_tol(ms_field(nth(r, ITEM_HTTP_RESPONSE, 1), "response_ms"), 0.0, 1e-6);

    assert_event(r, 0, 1, "one", res1 + head1 + 1, l1, 7.0);
    assert_event(r, 1, 2, "two", res1 + head1 + 1 + l1 + 1, l2, 7.0);

    /* Each answer is one `body` item, its text as sent, after its events. */
    ck_assert_uint_eq(count(r, ITEM_BODY), 2);
    const struct item *b1 = nth(r, ITEM_BODY, 0), *b2 = nth(r, ITEM_BODY, 1);
    assert_range(b1, DIR_S2C, res1 + head1, (uint64_t)blen);
    ck_assert_int_eq(item_int(b1, "size", -1), blen);
    assert_text(b1, "text", body);
    ck_assert_int_eq(item_int(b1, "exchange", -1), 1);
    ck_assert(item_field(b1, "lost") == NULL);
    assert_range(b2, DIR_S2C, res2 + head2, 2);
    assert_text(b2, "text", "[]");
    ck_assert_int_eq(item_int(b2, "exchange", -1), 2);

    const struct flow_traits *t = dissect_traits(r->d);
    ck_assert_uint_eq(t->requests, 2);
    ck_assert_int_eq(item_int(nth(r, ITEM_HTTP_REQUEST, 1), "exchange", -1), 2);
    ck_assert_int_eq(item_int(nth(r, ITEM_HTTP_RESPONSE, 1), "exchange", -1), 2);
    /* the first is a resource asked for once; the second repeats it (the
     * query is not part of the path) */
    assert_text(nth(r, ITEM_HTTP_RESPONSE, 0), "technique", "http");
    ck_assert_uint_eq(t->exchanges[TECH_HTTP] + t->exchanges[TECH_POLL] +
                      t->exchanges[TECH_LONGPOLL], 2);
    ck_assert_uint_eq(t->exchanges[TECH_HTTP], 1);
    run_free(r);
}
END_TEST

START_TEST(jsonp_callback_around_the_events)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    char ev[256], body[300];
    size_t len = make_event(ev, sizeof ev, 7, "<b>&");
    int blen = snprintf(body, sizeof body, "cb([%.*s]);", (int)len, ev);
    put_get(r, "/jsonp?callback=cb&since=6");
    send_new(r, DIR_C2S);
    size_t head;
    size_t res = put_response(r, "application/javascript", body, (size_t)blen, &head);
    send_new(r, DIR_S2C);
    close_both(r);

    ck_assert_uint_eq(count(r, ITEM_EVENT), 1);
    assert_event(r, 0, 7, "<b>&", res + head + 4, len, 5.0); /* past "cb([" */
    ck_assert_uint_eq(count(r, ITEM_ERROR), 0);
    const struct flow_traits *t = dissect_traits(r->d);
    assert_text(nth(r, ITEM_HTTP_RESPONSE, 0), "technique", "jsonp");
    ck_assert(t->path_javascript);
    ck_assert_uint_eq(t->requests, 1);
    run_free(r);
}
END_TEST

START_TEST(longpoll_held_responses_are_counted)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    char ev[256];
    size_t len = make_event(ev, sizeof ev, 3, "late");
    put_get(r, "/longpoll?since=2");
    send_new(r, DIR_C2S);
    r->now_ns += (VIZ_LONGPOLL_HOLD_MS + 150) * 1000000LL; /* held past the threshold */
    size_t head;
    size_t res = put_response(r, "application/json", ev, len, &head);
    send_new(r, DIR_S2C);
    put_get(r, "/longpoll?since=3");
    send_new(r, DIR_C2S);
    r->now_ns += (VIZ_LONGPOLL_HOLD_MS - 50) * 1000000LL; /* answered just before it */
    size_t head2;
    put_response(r, "application/json", "[]", 2, &head2);
    send_new(r, DIR_S2C);

    ck_assert_double_eq_tol(ms_field(nth(r, ITEM_HTTP_RESPONSE, 0), "response_ms"),
                            VIZ_LONGPOLL_HOLD_MS + 150, 1e-6);
    ck_assert_double_eq_tol(ms_field(nth(r, ITEM_HTTP_RESPONSE, 1), "response_ms"),
                            VIZ_LONGPOLL_HOLD_MS - 50, 1e-6);
    ck_assert_uint_eq(count(r, ITEM_EVENT), 1);
    assert_event(r, 0, 3, "late", res + head, len, 5.0 + VIZ_LONGPOLL_HOLD_MS + 150);
    const struct flow_traits *t = dissect_traits(r->d);
    /* the first was held; the second was answered at once, but asked for
     * at once after the first answer: a long poller's */
    assert_text(nth(r, ITEM_HTTP_RESPONSE, 0), "technique", "longpoll");
    assert_text(nth(r, ITEM_HTTP_RESPONSE, 1), "technique", "longpoll");
    ck_assert_uint_eq(t->exchanges[TECH_LONGPOLL], 2);
    run_free(r);
}
END_TEST

/* ---- streamed bodies: iframe <script> chunks, NDJSON ---- */

/* A GET for target, sent, and the head of its streamed answer: chunked
 * when chunked, else until the connection closes. */
static void start_stream(struct run *r, const char *target, const char *content_type, bool chunked)
{
    put_get(r, target);
    send_new(r, DIR_C2S);
    putf(r, DIR_S2C, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n%s\r\n", content_type,
         chunked ? "Transfer-Encoding: chunked\r\n" : "");
}

START_TEST(iframe_script_chunks)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    start_stream(r, "/iframe", "text/html; charset=utf-8", true);
    const char pre[] = "<html><body>\n";
    size_t c0 = put_chunk(r, pre, sizeof pre - 1);
    send_new(r, DIR_S2C); /* the head and the prelude first, the scripts later: a stream */
    char ev[256], script[400];
    size_t len = make_event(ev, sizeof ev, 1, "</script>");
    int slen = snprintf(script, sizeof script, "<script>parent.push(%.*s);</script>\n", (int)len, ev);
    size_t c1 = put_chunk(r, script, (size_t)slen);
    size_t c2 = put(r, DIR_S2C, HTTP_LAST_CHUNK, strlen(HTTP_LAST_CHUNK));
    send_new(r, DIR_S2C);
    close_both(r);

    ck_assert_uint_eq(count(r, ITEM_CHUNK), 3);
    /* a chunk item spans its size line, its data and the CRLF after it */
    const struct item *k = nth(r, ITEM_CHUNK, 0);
    assert_range(k, DIR_S2C, c0, 3 + (sizeof pre - 1) + 2);
    ck_assert_int_eq(item_int(k, "size", -1), (int64_t)(sizeof pre - 1));
    k = nth(r, ITEM_CHUNK, 1);
    assert_range(k, DIR_S2C, c1, c2 - c1);
    ck_assert_int_eq(item_int(k, "size", -1), slen);
    k = nth(r, ITEM_CHUNK, 2);
    assert_range(k, DIR_S2C, c2, strlen(HTTP_LAST_CHUNK));
    ck_assert_int_eq(item_int(k, "size", -1), 0);

    /* "</script>" in the text is escaped, so it cannot end the script */
    ck_assert_ptr_null(memmem(ev, len, "</", 2));
    size_t size_line = (size_t)snprintf(NULL, 0, "%x\r\n", slen);
    assert_event(r, 0, 1, "</script>", c1 + size_line + strlen("<script>parent.push("), len, 5.0);
    ck_assert_uint_eq(count(r, ITEM_ERROR), 0);

    const struct flow_traits *t = dissect_traits(r->d);
    ck_assert_uint_eq(t->exchanges[TECH_IFRAME], 1);
    assert_text(nth(r, ITEM_HTTP_RESPONSE, 0), "technique", "iframe");
    run_free(r);
}
END_TEST

/* A page sent chunked in one write: on a real link the MSS cuts the
 * write, and the head's segment has the first bytes of its chunks only.
 * The head waits for the write's last piece, where its body ends: an
 * ordinary resource, not a stream.  And each chunk's text is its first
 * bytes, however the pieces cut it. */
START_TEST(a_page_sent_in_one_write_is_no_stream_however_cut)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    start_stream(r, "/index.html", "text/html; charset=utf-8", true);
    const char page[] = "<html><body>a page, not a stream</body></html>\n";
    put_chunk(r, page, sizeof page - 1);
    put_chunk(r, page, sizeof page - 1);
    put(r, DIR_S2C, HTTP_LAST_CHUNK, strlen(HTTP_LAST_CHUNK));
    send_one_write(r, DIR_S2C);
    close_both(r);
    assert_text(nth(r, ITEM_HTTP_RESPONSE, 0), "technique", "http");
    ck_assert_uint_eq(dissect_traits(r->d)->exchanges[TECH_IFRAME], 0);
    ck_assert_uint_eq(count(r, ITEM_CHUNK), 3);
    for (int k = 0; k < 2; k++)
        assert_text(nth(r, ITEM_CHUNK, k), "text", page);
    ck_assert_uint_eq(count(r, ITEM_ERROR), 0);
    run_free(r);
}
END_TEST

START_TEST(ndjson_event_split_across_chunks)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    start_stream(r, "/xhr", "application/x-ndjson", true);
    char e1[256], e2[256], e3[256];
    size_t l1 = make_event(e1, sizeof e1, 1, "a"), l2 = make_event(e2, sizeof e2, 2, "b"),
           l3 = make_event(e3, sizeof e3, 3, "c");
    /* chunk 1: event 1 and the first half of event 2; chunk 2: the rest of
     * event 2 and all of event 3 */
    char data[800];
    size_t half = l2 / 2;
    int n1 = snprintf(data, sizeof data, "%.*s\n%.*s", (int)l1, e1, (int)half, e2);
    size_t c1 = put_chunk(r, data, (size_t)n1);
    int n2 = snprintf(data, sizeof data, "%.*s\n%.*s\n", (int)(l2 - half), e2 + half, (int)l3, e3);
    size_t c2 = put_chunk(r, data, (size_t)n2);
    send_new(r, DIR_S2C);
    close_both(r);

    size_t line1 = (size_t)snprintf(NULL, 0, "%x\r\n", n1);
    size_t line2 = (size_t)snprintf(NULL, 0, "%x\r\n", n2);
    ck_assert_uint_eq(count(r, ITEM_EVENT), 3);
    assert_event(r, 0, 1, "a", c1 + line1, l1, 5.0);
    /* event 2 runs on the wire over the chunk framing between its halves */
    size_t e2_at = c1 + line1 + l1 + 1;
    assert_event(r, 1, 2, "b", e2_at, c2 + line2 + (l2 - half) - e2_at, 5.0);
    assert_event(r, 2, 3, "c", c2 + line2 + (l2 - half) + 1, l3, 5.0);
    const struct flow_traits *t = dissect_traits(r->d);
    ck_assert_uint_eq(t->exchanges[TECH_XHR], 1);
    run_free(r);
}
END_TEST

/* ---- multipart/x-mixed-replace ---- */

START_TEST(multipart_parts)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    start_stream(r, "/multipart", "multipart/x-mixed-replace; boundary=pushlab", false);
    char e1[256], e2[256];
    size_t l1 = make_event(e1, sizeof e1, 1, "x"), l2 = make_event(e2, sizeof e2, 2, "y");
    const char part_head[] = "--pushlab\r\nContent-Type: application/json\r\n\r\n";
    size_t p1 = put(r, DIR_S2C, part_head, sizeof part_head - 1);
    put(r, DIR_S2C, e1, l1);
    size_t p2 = put(r, DIR_S2C, "\r\n", 2);
    put(r, DIR_S2C, part_head, sizeof part_head - 1);
    put(r, DIR_S2C, e2, l2);
    size_t end = put(r, DIR_S2C, "\r\n--pushlab--\r\n", 15);
    send_new(r, DIR_S2C);
    close_both(r);

    ck_assert_uint_eq(count(r, ITEM_PART), 2);
    const struct item *it = nth(r, ITEM_PART, 0);
    assert_range(it, DIR_S2C, p1, p2 - p1);
    assert_text(it, "boundary", "pushlab");
    ck_assert_int_eq(item_int(it, "size", -1), (int64_t)l1);
    const struct item_field *hs = item_field(it, "headers");
    const char *name, *value;
    size_t name_len, value_len;
    ck_assert(item_pair(it, hs, 0, &name, &name_len, &value, &value_len));
    ck_assert(name_len == 12 && memcmp(name, "Content-Type", 12) == 0);
    ck_assert(value_len == 16 && memcmp(value, "application/json", 16) == 0);
    /* the second part starts at the CRLF that ends the first */
    it = nth(r, ITEM_PART, 1);
    assert_range(it, DIR_S2C, p2, end - p2);
    ck_assert_int_eq(item_int(it, "size", -1), (int64_t)l2);

    ck_assert_uint_eq(count(r, ITEM_EVENT), 2);
    assert_event(r, 0, 1, "x", p1 + sizeof part_head - 1, l1, 5.0);
    assert_event(r, 1, 2, "y", p2 + 2 + sizeof part_head - 1, l2, 5.0);
    ck_assert_uint_eq(count(r, ITEM_ERROR), 0);
    ck_assert_uint_eq(dissect_traits(r->d)->exchanges[TECH_MULTIPART], 1);
    run_free(r);
}
END_TEST

/* ---- Server-Sent Events ---- */

START_TEST(sse_events_in_chunks)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    start_stream(r, "/sse", "text/event-stream", true);
    char ev[256], block[400];
    size_t len = make_event(ev, sizeof ev, 4, "s");
    const char first[] = ": heartbeat\n\nretry: 3000\nid: 4\nevent: tick\ndata: ";
    int n = snprintf(block, sizeof block, "%s%.*s\n\n", first, (int)len, ev);
    size_t c1 = put_chunk(r, block, (size_t)n);
    const char second[] = "data: line1\ndata: line2\n\n";
    size_t c2 = put_chunk(r, second, sizeof second - 1);
    put(r, DIR_S2C, HTTP_LAST_CHUNK, strlen(HTTP_LAST_CHUNK));
    send_new(r, DIR_S2C);
    close_both(r);

    size_t line1 = (size_t)snprintf(NULL, 0, "%x\r\n", n);
    size_t line2 = (size_t)snprintf(NULL, 0, "%zx\r\n", sizeof second - 1);
    ck_assert_uint_eq(count(r, ITEM_SSE_EVENT), 2);
    /* an SSE event spans its block, from its first field to the blank line
     * (the comment before is a block of its own that fires nothing) */
    size_t block1 = c1 + line1 + strlen(": heartbeat\n\n");
    const struct item *it = nth(r, ITEM_SSE_EVENT, 0);
    assert_range(it, DIR_S2C, block1, (size_t)n - strlen(": heartbeat\n\n"));
    assert_text(it, "id", "4");
    assert_text(it, "event", "tick");
    assert_text(it, "data", ev);
    ck_assert_int_eq(item_int(it, "retry", -1), 3000);
    it = nth(r, ITEM_SSE_EVENT, 1);
    assert_range(it, DIR_S2C, c2 + line2, sizeof second - 1);
    assert_null(it, "id");
    assert_text(it, "event", "message");
    assert_text(it, "data", "line1\nline2");
    assert_null(it, "retry");

    ck_assert_uint_eq(count(r, ITEM_EVENT), 1);
    assert_event(r, 0, 4, "s", c1 + line1 + strlen(first), len, 5.0);
    ck_assert_uint_eq(count(r, ITEM_ERROR), 0);
    ck_assert_uint_eq(dissect_traits(r->d)->exchanges[TECH_SSE], 1);
    run_free(r);
}
END_TEST

/* A line longer than the parser's buffer breaks its block: the error is
 * reported at the byte that passed the limit, the rest of that line is
 * skipped, and the events after it come out once each, at their offsets. */
START_TEST(sse_recovers_after_an_overlong_line)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    start_stream(r, "/sse", "text/event-stream", false);
    size_t ok1 = putf(r, DIR_S2C, "id: 1\ndata: before\n\n");
    size_t bad = putf(r, DIR_S2C, "event: big\n");
    size_t line = putf(r, DIR_S2C, "data: ");
    static char filler[VIZ_BODY_KEEP + 100];
    memset(filler, 'x', sizeof filler);
    put(r, DIR_S2C, filler, sizeof filler);
    putf(r, DIR_S2C, "\ndata: rest of the bad block\n\n");
    size_t ok2 = putf(r, DIR_S2C, "data: after\n\n");
    send_new(r, DIR_S2C);

    /* the parser's line limit is its data buffer: byte VIZ_BODY_KEEP of
     * the line is the first one too many */
    ck_assert_uint_eq(count(r, ITEM_ERROR), 1);
    const struct item *err = nth(r, ITEM_ERROR, 0);
    ck_assert_int_eq(err->dir, DIR_S2C);
    ck_assert_uint_eq(err->offset, line + VIZ_BODY_KEEP);
    assert_text(err, "what", "SSE line longer than the data buffer");

    ck_assert_uint_eq(count(r, ITEM_SSE_EVENT), 3);
    const struct item *it = nth(r, ITEM_SSE_EVENT, 0);
    assert_range(it, DIR_S2C, ok1, bad - ok1);
    assert_text(it, "data", "before");
    /* after the bad line, its block's last line still forms an event */
    it = nth(r, ITEM_SSE_EVENT, 1);
    assert_text(it, "data", "rest of the bad block");
    assert_text(it, "event", "message");
    assert_range(it, DIR_S2C, line + 6 + sizeof filler + 1, ok2 - (line + 6 + sizeof filler + 1));
    assert_null(it, "id");
    it = nth(r, ITEM_SSE_EVENT, 2);
    assert_range(it, DIR_S2C, ok2, r->wire[DIR_S2C].len - ok2);
    assert_text(it, "data", "after");
    run_free(r);
}
END_TEST

/* ---- WebSocket ---- */

static const uint8_t CLIENT_MASK[4] = {0x01, 0x02, 0x03, 0x04};

/* Append a frame (masked when dir is C2S); returns its offset. */
static size_t put_frame(struct run *r, enum item_dir dir, bool fin, unsigned opcode,
                        const void *payload, size_t n)
{
    uint8_t head[WS_MAX_HEADER], body[256];
    ck_assert_uint_le(n, sizeof body);
    const uint8_t *mask = dir == DIR_C2S ? CLIENT_MASK : NULL;
    size_t hl = ws_build_frame_header(head, fin, opcode, n, mask);
    memcpy(body, payload, n);
    if (mask)
        ws_mask(body, n, mask, 0);
    size_t at = put(r, dir, head, hl);
    put(r, dir, body, n);
    return at;
}

static void assert_frame(const struct item *it, enum item_dir dir, uint64_t off, bool fin,
                         unsigned opcode, const char *opcode_name, size_t len)
{
    size_t header_len = 2 + (dir == DIR_C2S ? 4 : 0) + (len > 125 ? 2 : 0);
    assert_range(it, dir, off, header_len + len);
    assert_bool(it, "fin", fin);
    ck_assert_int_eq(item_int(it, "opcode", -1), opcode);
    assert_text(it, "opcode_name", opcode_name);
    assert_bool(it, "masked", dir == DIR_C2S);
    if (dir == DIR_C2S)
        assert_text(it, "mask_key", "01020304");
    else
        assert_null(it, "mask_key");
    ck_assert_int_eq(item_int(it, "len", -1), (int64_t)len);
    ck_assert_int_eq(item_int(it, "header_len", -1), (int64_t)header_len);
}

START_TEST(websocket_frames_both_ways)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    putf(r, DIR_C2S, "GET /ws HTTP/1.1\r\nHost: " SERVER "\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n");
    /* the client's first frame follows its request at once, before the 101 */
    size_t hello = put_frame(r, DIR_C2S, true, WS_OP_TEXT, "hello", 5);
    send_new(r, DIR_C2S);
    /* the 101 turns the waiting client bytes into frames */
    putf(r, DIR_S2C, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    send_new(r, DIR_S2C);
    char e1[256], e2[256];
    size_t l1 = make_event(e1, sizeof e1, 1, "ws"), l2 = make_event(e2, sizeof e2, 2, "frag");
    size_t f1 = put_frame(r, DIR_S2C, true, WS_OP_TEXT, e1, l1);
    /* event 2 in a message of two fragments */
    size_t half = l2 / 2;
    size_t f2 = put_frame(r, DIR_S2C, false, WS_OP_TEXT, e2, half);
    size_t f3 = put_frame(r, DIR_S2C, true, WS_OP_CONTINUATION, e2 + half, l2 - half);
    size_t ping = put_frame(r, DIR_S2C, true, WS_OP_PING, "p", 1);
    send_new(r, DIR_S2C);
    r->now_ns += 3000000; /* the pong comes 3 ms later */
    size_t pong = put_frame(r, DIR_C2S, true, WS_OP_PONG, "p", 1);
    uint8_t close[WS_MAX_CONTROL];
    size_t cl = ws_close_build(close, WS_CLOSE_NORMAL, "bye", 3);
    size_t c2s_close = put_frame(r, DIR_C2S, true, WS_OP_CLOSE, close, cl);
    send_new(r, DIR_C2S);
    cl = ws_close_build(close, WS_CLOSE_NORMAL, "", 0);
    size_t s2c_close = put_frame(r, DIR_S2C, true, WS_OP_CLOSE, close, cl);
    send_new(r, DIR_S2C);
    close_both(r);

    ck_assert_uint_eq(count(r, ITEM_ERROR), 0);
    ck_assert_uint_eq(count(r, ITEM_HTTP_REQUEST), 1);
    ck_assert_int_eq(item_int(nth(r, ITEM_HTTP_RESPONSE, 0), "status", -1), 101);
    ck_assert_uint_eq(count(r, ITEM_WS_FRAME), 8);

    /* frames in the order they were dissected */
    const struct item *it = nth(r, ITEM_WS_FRAME, 0);
    assert_frame(it, DIR_C2S, hello, true, WS_OP_TEXT, "text", 5);
    assert_text(it, "payload", "hello"); /* unmasked for display */
    it = nth(r, ITEM_WS_FRAME, 1);
    assert_frame(it, DIR_S2C, f1, true, WS_OP_TEXT, "text", l1);
    assert_text(it, "payload", e1);
    it = nth(r, ITEM_WS_FRAME, 2);
    assert_frame(it, DIR_S2C, f2, false, WS_OP_TEXT, "text", half);
    it = nth(r, ITEM_WS_FRAME, 3);
    assert_frame(it, DIR_S2C, f3, true, WS_OP_CONTINUATION, "continuation", l2 - half);
    assert_text(it, "payload", e2 + half); /* a continuation of text is text */
    it = nth(r, ITEM_WS_FRAME, 4);
    assert_frame(it, DIR_S2C, ping, true, WS_OP_PING, "ping", 1);
    assert_text(it, "payload", "70"); /* control payloads are shown in hex */
    it = nth(r, ITEM_WS_FRAME, 5);
    assert_frame(it, DIR_C2S, pong, true, WS_OP_PONG, "pong", 1);
    ck_assert_double_eq_tol(ms_field(it, "pong_ms"), 3.0, 1e-6);
    it = nth(r, ITEM_WS_FRAME, 6);
    assert_frame(it, DIR_C2S, c2s_close, true, WS_OP_CLOSE, "close", 5);
    ck_assert_int_eq(item_int(it, "close_code", -1), WS_CLOSE_NORMAL);
    assert_text(it, "close_reason", "bye");
    it = nth(r, ITEM_WS_FRAME, 7);
    assert_frame(it, DIR_S2C, s2c_close, true, WS_OP_CLOSE, "close", 2);
    ck_assert_int_eq(item_int(it, "close_code", -1), WS_CLOSE_NORMAL);

    ck_assert_uint_eq(count(r, ITEM_EVENT), 2);
    assert_event(r, 0, 1, "ws", f1 + 2, l1, 5.0);
    /* the event's two halves lie on both sides of the second frame's header */
    assert_event(r, 1, 2, "frag", f2 + 2, f3 + 2 + (l2 - half) - (f2 + 2), 5.0);
    ck_assert_uint_eq(dissect_traits(r->d)->exchanges[TECH_WS], 1);
    run_free(r);
}
END_TEST

/* ---- Flash XMLSocket ---- */

/* A capture that starts with the server's 101: the answer makes the
 * client's direction, whose bytes are then read as WebSocket frames. */
START_TEST(upgrade_answered_before_any_client_byte)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    putf(r, DIR_S2C, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    send_new(r, DIR_S2C);
    ck_assert_ptr_nonnull(r->d->half[DIR_C2S]);
    size_t hello = put_frame(r, DIR_C2S, true, WS_OP_TEXT, "hello", 5);
    send_new(r, DIR_C2S);
    close_both(r);
    ck_assert_uint_eq(count(r, ITEM_ERROR), 0);
    ck_assert_uint_eq(count(r, ITEM_WS_FRAME), 1);
    const struct item *it = nth(r, ITEM_WS_FRAME, 0);
    assert_frame(it, DIR_C2S, hello, true, WS_OP_TEXT, "text", 5);
    assert_text(it, "payload", "hello");
    run_free(r);
}
END_TEST

START_TEST(flash_policy_and_messages)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    size_t req = put(r, DIR_C2S, FLASH_POLICY_REQUEST, FLASH_POLICY_REQUEST_LEN);
    send_new(r, DIR_C2S);
    char policy[512];
    size_t plen = flash_build_policy(policy, sizeof policy, 8005);
    ck_assert_uint_le(plen, sizeof policy);
    size_t pol = put(r, DIR_S2C, policy, plen);
    char ev[256];
    size_t len = make_event(ev, sizeof ev, 9, "flash");
    size_t msg = put(r, DIR_S2C, ev, len);
    put(r, DIR_S2C, "", 1);
    send_new(r, DIR_S2C);
    size_t chat = put(r, DIR_C2S, "hi", 3); /* with its NUL */
    send_new(r, DIR_C2S);
    close_both(r);

    ck_assert_uint_eq(count(r, ITEM_FLASH), 4);
    const struct item *it = nth(r, ITEM_FLASH, 0);
    assert_range(it, DIR_C2S, req, FLASH_POLICY_REQUEST_LEN);
    assert_text(it, "kind", "policy_request");
    assert_text(it, "text", FLASH_POLICY_REQUEST);
    it = nth(r, ITEM_FLASH, 1);
    assert_range(it, DIR_S2C, pol, plen);
    assert_text(it, "kind", "policy");
    size_t tlen;
    const char *text = item_text(it, item_field(it, "text"), &tlen);
    ck_assert_uint_eq(tlen, plen - 1); /* the NUL is framing */
    ck_assert_ptr_nonnull(memmem(text, tlen, "<cross-domain-policy>", 21));
    it = nth(r, ITEM_FLASH, 2);
    assert_range(it, DIR_S2C, msg, len + 1);
    assert_text(it, "kind", "message");
    assert_text(it, "text", ev);
    it = nth(r, ITEM_FLASH, 3);
    assert_range(it, DIR_C2S, chat, 3);
    assert_text(it, "text", "hi");

    ck_assert_uint_eq(count(r, ITEM_EVENT), 1);
    assert_event(r, 0, 9, "flash", msg, len, 5.0);
    ck_assert_uint_eq(count(r, ITEM_HTTP_REQUEST), 0);
    ck_assert_uint_eq(count(r, ITEM_ERROR), 0);
    ck_assert(dissect_traits(r->d)->flash);
    run_free(r);
}
END_TEST

/* A Flash client's first message is any text: "lab reference token: red"
 * begins as a request line would ("lab" a method, then a target).  Cut
 * anywhere before its NUL, it must still be a Flash message, not an HTTP
 * request whose version is wrong. */
START_TEST(a_flash_message_that_begins_like_a_request_line)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    const char text[] = "lab reference token: red";
    size_t at = put(r, DIR_C2S, text, sizeof text); /* with its NUL */
    send_new(r, DIR_C2S);
    close_both(r);
    ck_assert_uint_eq(count(r, ITEM_FLASH), 1);
    assert_range(nth(r, ITEM_FLASH, 0), DIR_C2S, at, sizeof text);
    assert_text(nth(r, ITEM_FLASH, 0), "text", text);
    ck_assert_uint_eq(count(r, ITEM_HTTP_REQUEST) + count(r, ITEM_ERROR), 0);
    run_free(r);
}
END_TEST

/* ---- push libraries' frames (library.c) ---- */

/* The text field of the k-th message item. */
static void assert_message(const struct run *r, size_t k, const char *library, const char *frame,
                           const char *text)
{
    const struct item *m = nth(r, ITEM_MESSAGE, k);
    ck_assert_ptr_nonnull(m);
    assert_text(m, "library", library);
    assert_text(m, "frame", frame);
    assert_text(m, "text", text);
}

/* A socket.io poll answered with two packets, the second cut by 0x1e;
 * then a POST of one packet up. */
START_TEST(socketio_polling_payloads)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    put_get(r, "/socket.io/?EIO=4&transport=polling&sid=abc");
    send_new(r, DIR_C2S);
    const char body[] = "42[\"tick\",\"tick 1\"]\x1e" "2";
    size_t head;
    size_t res = put_response(r, "text/plain; charset=UTF-8", body, sizeof body - 1, &head);
    send_new(r, DIR_S2C);
    putf(r, DIR_C2S, "POST /socket.io/?EIO=4&transport=polling&sid=abc HTTP/1.1\r\nHost: " SERVER
                     "\r\nContent-Length: 17\r\n\r\n4212[\"chat\",\"hi\"]");
    send_new(r, DIR_C2S);
    close_both(r);

    const struct item *req = nth(r, ITEM_HTTP_REQUEST, 0);
    assert_text(req, "library", "socket.io");
    assert_text(req, "session", "abc");
    ck_assert_uint_eq(count(r, ITEM_MESSAGE), 3);
    assert_message(r, 0, "socket.io", "EVENT", "[\"tick\",\"tick 1\"]");
    assert_text(nth(r, ITEM_MESSAGE, 0), "event", "tick");
    assert_range(nth(r, ITEM_MESSAGE, 0), DIR_S2C, res + head, 19);
    assert_message(r, 1, "engine.io", "ping", "");
    assert_range(nth(r, ITEM_MESSAGE, 1), DIR_S2C, res + head + 20, 1);
    assert_message(r, 2, "socket.io", "EVENT", "[\"chat\",\"hi\"]");
    ck_assert_int_eq(item_int(nth(r, ITEM_MESSAGE, 2), "ack_id", -1), 12);
    ck_assert_uint_eq(count(r, ITEM_ERROR), 0);
    /* The payloads whole, each way, as `body` items. */
    ck_assert_uint_eq(count(r, ITEM_BODY), 2);
    assert_text(nth(r, ITEM_BODY, 0), "text", body);
    assert_range(nth(r, ITEM_BODY, 0), DIR_S2C, res + head, sizeof body - 1);
    assert_text(nth(r, ITEM_BODY, 1), "text", "4212[\"chat\",\"hi\"]");
    ck_assert_int_eq(nth(r, ITEM_BODY, 1)->dir, DIR_C2S);
    ck_assert_int_eq(item_int(nth(r, ITEM_BODY, 1), "exchange", -1), 2);
    const char *library;
    ck_assert_str_eq(dissect_session(r->d, &library), "abc");
    ck_assert_str_eq(library, "socket.io");
    run_free(r);
}
END_TEST

/* The Engine.IO handshake asks without a sid; the open packet names it,
 * and the connection serves that session. */
START_TEST(engineio_open_names_the_session)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    put_get(r, "/engine.io/?EIO=4&transport=polling&t=x1");
    send_new(r, DIR_C2S);
    const char *library;
    ck_assert_ptr_null(dissect_session(r->d, &library));
    const char open[] = "0{\"sid\":\"Zq3-AAAB\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000}";
    size_t head;
    put_response(r, "text/plain; charset=UTF-8", open, sizeof open - 1, &head);
    send_new(r, DIR_S2C);
    put_get(r, "/engine.io/?EIO=4&transport=polling&t=x2&sid=Zq3-AAAB");
    send_new(r, DIR_C2S);
    close_both(r);
    assert_message(r, 0, "engine.io", "open", open + 1);
    ck_assert_str_eq(dissect_session(r->d, &library), "Zq3-AAAB");
    ck_assert_str_eq(library, "engine.io");
    run_free(r);
}
END_TEST

/* Text messages of a WebSocket whose handshake was not seen, one segment
 * each way per call. */
static void put_texts(struct run *r, enum item_dir dir, const char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_frame(r, dir, true, WS_OP_TEXT, texts[i], strlen(texts[i]));
    send_new(r, dir);
}

/* A capture begun after a WebSocket's handshake: no request target names
 * a library, so its messages may -- but only one its library alone
 * sends.  A counter's "2" and "3", a client's "42" and a client's
 * a["x"] name nothing; the server's ping answered by the client's pong
 * names Engine.IO, and a Socket.IO event then names Socket.IO. */
START_TEST(a_websocket_joined_late_is_named_by_its_messages)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    static const char *const counter[] = {"1", "2", "3", "4"}, *const plain[] = {"42", "a[\"x\"]"};
    put_texts(r, DIR_S2C, counter, 4);
    put_texts(r, DIR_C2S, plain, 2);
    ck_assert_uint_eq(count(r, ITEM_WS_FRAME), 6);
    ck_assert_uint_eq(count(r, ITEM_MESSAGE), 0);
    static const char *const ping[] = {"2"}, *const pong[] = {"3"}, *const tick[] = {"42[\"tick\",1]"};
    put_texts(r, DIR_S2C, ping, 1);
    put_texts(r, DIR_C2S, pong, 1);
    put_texts(r, DIR_S2C, tick, 1);
    close_both(r);
    ck_assert_uint_eq(count(r, ITEM_MESSAGE), 2);
    assert_message(r, 0, "engine.io", "pong", "");
    ck_assert_int_eq(nth(r, ITEM_MESSAGE, 0)->dir, DIR_C2S);
    assert_message(r, 1, "socket.io", "EVENT", "[\"tick\",1]");
    const char *library;
    ck_assert_ptr_null(dissect_session(r->d, &library));
    ck_assert_str_eq(library, "socket.io");
    ck_assert(dissect_traits(r->d)->ws_joined_late);
    run_free(r);
}
END_TEST

/* A capture begun inside a poll's answer: its last 60-odd bytes, one
 * event, wait for more to say what they are (a Flash message would end
 * in a NUL), until the next request a second later shows HTTP.  The event
 * is shown when its bytes came, with their latency, and only once. */
START_TEST(an_event_in_bytes_that_wait_is_shown_when_they_came)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    char ev[256];
    size_t len = make_event(ev, sizeof ev, 3, "t");
    ck_assert_uint_lt(len + 2, 64); /* fewer bytes than detection waits for */
    put(r, DIR_S2C, "[", 1);
    put(r, DIR_S2C, ev, len);
    put(r, DIR_S2C, "]", 1);
    r->now_ns = ((int64_t)EVENT_TS_MS + 5) * 1000000;
    send_new(r, DIR_S2C);
    ck_assert_uint_eq(count(r, ITEM_EVENT), 1);
    r->now_ns += 1000000000; /* the next poll, a second later */
    putf(r, DIR_C2S, "GET /poll?since=3 HTTP/1.1\r\nHost: x\r\n\r\n");
    send_new(r, DIR_C2S);
    putf(r, DIR_S2C, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]");
    send_new(r, DIR_S2C);
    close_both(r);
    ck_assert_uint_eq(count(r, ITEM_EVENT), 1);
    assert_event(r, 0, 3, "t", 1, len, 5.0);
    ck_assert_uint_eq(count(r, ITEM_HTTP_RESPONSE), 1);
    run_free(r);
}
END_TEST

/* A capture begun inside an event stream whose client says nothing: it is
 * read as one from the next block (the rest of the one it joined inside
 * is passed over), named sse, with a `joined` item that says why. */
START_TEST(an_event_stream_joined_inside_its_body_is_read_from_the_next_block)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    r->joined_late = true;
    char ev[256];
    size_t len = make_event(ev, sizeof ev, 4, "u");
    putf(r, DIR_S2C, "ck 3\"}\n\n"); /* 8 bytes */
    size_t block = putf(r, DIR_S2C, "id: 4\ndata: ");
    put(r, DIR_S2C, ev, len);
    putf(r, DIR_S2C, "\n\n: heartbeat\n\n");
    send_new(r, DIR_S2C);
    close_both(r);
    const struct item *joined = nth(r, ITEM_JOINED, 0);
    assert_text(joined, "technique", "sse");
    ck_assert_uint_eq(count(r, ITEM_SSE_EVENT), 1);
    ck_assert_uint_eq(count(r, ITEM_SSE_COMMENT), 1);
    assert_text(nth(r, ITEM_ERROR, 0), "what", "8 bytes passed over to the next blank line");
    ck_assert_uint_eq(count(r, ITEM_EVENT), 1);
    assert_event(r, 0, 4, "u", block + 12, len, ms_field(nth(r, ITEM_EVENT, 0), "latency_ms"));
    ck_assert_uint_eq(dissect_traits(r->d)->exchanges[TECH_SSE], 1);
    ck_assert_uint_eq(dissect_traits(r->d)->headless, HEADLESS_BY_CONTENT);
    run_free(r);

    /* With its start captured, a connection's first bytes begin no body. */
    r = run_new(FEED_STEPS[_i]);
    putf(r, DIR_S2C, "id: 4\ndata: x\n\n");
    send_new(r, DIR_S2C);
    close_both(r);
    ck_assert_uint_eq(count(r, ITEM_JOINED) + count(r, ITEM_SSE_EVENT), 0);
    ck_assert_uint_eq(dissect_traits(r->d)->headless, HEADLESS_NONE);
    run_free(r);
}
END_TEST

/* A server's first segment after the capture began holds one short
 * frame (an Engine.IO ping, 3 bytes): it is read at once, not kept until
 * 9 bytes could show whether they begin HTTP/2's SETTINGS -- so the
 * client's pong that answers it comes after it, and names the library. */
START_TEST(a_lone_short_frame_joined_late_is_read_at_once)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    static const char *const ping[] = {"2"}, *const pong[] = {"3"};
    put_texts(r, DIR_S2C, ping, 1);
    ck_assert_uint_eq(count(r, ITEM_WS_FRAME), 1);
    put_texts(r, DIR_C2S, pong, 1);
    close_both(r);
    ck_assert_uint_eq(count(r, ITEM_MESSAGE), 1);
    assert_message(r, 0, "engine.io", "pong", "");
    run_free(r);
}
END_TEST

/* A SockJS server's array of strings names SockJS at once. */
START_TEST(a_sockjs_websocket_joined_late_is_named_by_its_array)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    static const char *const heartbeat[] = {"h", "a[\"tick 1\",\"tick 2\"]"}, *const sent[] = {"[\"hi\"]"};
    put_texts(r, DIR_S2C, heartbeat, 2);
    put_texts(r, DIR_C2S, sent, 1);
    close_both(r);
    ck_assert_uint_eq(count(r, ITEM_MESSAGE), 3);
    assert_message(r, 0, "sockjs", "array", "\"tick 1\"");
    assert_message(r, 1, "sockjs", "array", "\"tick 2\"");
    assert_message(r, 2, "sockjs", "send", "\"hi\"");
    const char *library;
    ck_assert_ptr_null(dissect_session(r->d, &library));
    ck_assert_str_eq(library, "sockjs");
    run_free(r);
}
END_TEST

/* A Content-Length body with a hole: its `body` item still comes, with the
 * bytes before the hole as its text and the lost count; and a body framed
 * as multipart or SSE is not a `body` (its parts or events are). */
START_TEST(body_with_a_gap_says_what_was_lost)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    put_get(r, "/poll");
    send_new(r, DIR_C2S);
    size_t head;
    size_t res = put_response(r, "application/json", "[\"before\",\"lost!\",\"after\"]", 27, &head);
    r->wire[DIR_S2C].len = res + head + 10; /* up to "[\"before\",": then 8 bytes lost */
    send_new(r, DIR_S2C);
    struct dissect_env env = env_of(r);
    dissect_gap(r->d, &env, DIR_S2C, 8, res + head + 10, "bytes not captured");
    r->wire[DIR_S2C].len = r->wire[DIR_S2C].sent = res + head + 18;
    put(r, DIR_S2C, "\"after\"]", 9);
    send_new(r, DIR_S2C);
    close_both(r);
    ck_assert_uint_eq(count(r, ITEM_BODY), 1);
    const struct item *b = nth(r, ITEM_BODY, 0);
    assert_range(b, DIR_S2C, res + head, 27);
    assert_text(b, "text", "[\"before\",");
    ck_assert_int_eq(item_int(b, "lost", -1), 8);
    run_free(r);

    r = run_new(FEED_STEPS[_i]);
    put_get(r, "/parts");
    send_new(r, DIR_C2S);
    const char parts[] = "--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b--\r\n";
    put_response(r, "multipart/x-mixed-replace; boundary=b", parts, sizeof parts - 1, &head);
    send_new(r, DIR_S2C);
    close_both(r);
    ck_assert_uint_eq(count(r, ITEM_PART), 1);
    ck_assert_uint_eq(count(r, ITEM_BODY), 0);
    run_free(r);
}
END_TEST

/* SockJS xhr_streaming: the prelude, then a frame per line, a line split
 * across chunks. */
START_TEST(sockjs_frames_over_chunks)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    start_stream(r, "/chat/000/sess1/xhr_streaming", "application/javascript", true);
    char prelude[SOCKJS_PRELUDE_LEN + 1];
    memset(prelude, 'h', SOCKJS_PRELUDE_LEN);
    prelude[SOCKJS_PRELUDE_LEN] = '\n';
    put_chunk(r, prelude, sizeof prelude);
    put_chunk(r, "o\na[\"one\",\"t", 12);
    put_chunk(r, "wo\"]\nh\n", 7);
    send_new(r, DIR_S2C);
    close_both(r);

    assert_text(nth(r, ITEM_HTTP_REQUEST, 0), "session", "sess1");
    ck_assert_uint_eq(count(r, ITEM_MESSAGE), 5);
    assert_message(r, 0, "sockjs", "prelude", "");
    assert_message(r, 1, "sockjs", "open", "");
    assert_message(r, 2, "sockjs", "array", "\"one\"");
    assert_message(r, 3, "sockjs", "array", "\"two\"");
    assert_message(r, 4, "sockjs", "heartbeat", "");
    assert_bool(nth(r, ITEM_MESSAGE, 0), "heartbeat", true); /* keep-alives, not data */
    assert_bool(nth(r, ITEM_MESSAGE, 4), "heartbeat", true);
    ck_assert_ptr_null(item_field(nth(r, ITEM_MESSAGE, 2), "heartbeat"));
    run_free(r);
}
END_TEST

/* A library message longer than pushviz keeps is reported once and
 * skipped to its end; the next one is read as usual. */
START_TEST(library_message_too_long_is_skipped)
{
    struct run *r = run_new(FEED_STEPS[_i]);
    put_get(r, "/engine.io/?EIO=4&transport=polling&sid=x");
    send_new(r, DIR_C2S);
    static char body[VIZ_BODY_KEEP + 64];
    memset(body, 'a', sizeof body);
    body[0] = '4';
    memcpy(body + sizeof body - 8, "\x1e" "4after", 7);
    size_t head;
    put_response(r, "text/plain", body, sizeof body - 1, &head);
    send_new(r, DIR_S2C);
    close_both(r);
    ck_assert_uint_eq(count(r, ITEM_ERROR), 1);
    ck_assert_uint_eq(count(r, ITEM_MESSAGE), 1);
    assert_message(r, 0, "engine.io", "message", "after");
    run_free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dissect");
    TCase *tc = tcase_create("dissect");
    tcase_add_loop_test(tc, poll_exchanges_on_one_connection, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, a_page_sent_in_one_write_is_no_stream_however_cut, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, a_flash_message_that_begins_like_a_request_line, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, a_silent_direction_has_no_state, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, a_resting_direction_gives_its_record_back, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, upgrade_answered_before_any_client_byte, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, socketio_polling_payloads, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, engineio_open_names_the_session, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, a_websocket_joined_late_is_named_by_its_messages, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, a_sockjs_websocket_joined_late_is_named_by_its_array, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, a_lone_short_frame_joined_late_is_read_at_once, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, an_event_in_bytes_that_wait_is_shown_when_they_came, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, an_event_stream_joined_inside_its_body_is_read_from_the_next_block, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, body_with_a_gap_says_what_was_lost, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, sockjs_frames_over_chunks, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, library_message_too_long_is_skipped, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, jsonp_callback_around_the_events, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, longpoll_held_responses_are_counted, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, iframe_script_chunks, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, ndjson_event_split_across_chunks, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, multipart_parts, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, sse_events_in_chunks, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, sse_recovers_after_an_overlong_line, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, websocket_frames_both_ways, 0, N_FEED_STEPS);
    tcase_add_loop_test(tc, flash_policy_and_messages, 0, N_FEED_STEPS);
    suite_add_tcase(s, tc);
    return check_run(s);
}
