/* h2_streams.c -- HTTP/2's streams paired into exchanges (RFC 9113 §8.1).
 *
 * In HTTP/2 every request opens a stream of its own, and its answer comes
 * on that stream, in any order with the other streams' frames: an event
 * stream, a held answer and a cancelled request can share one connection.
 * So a waiting request is found by its stream, not by its place in line
 * as in HTTP/1.1; from there an exchange is classified exactly as an
 * HTTP/1.1 one (pairing.c): the same heads say the same things, they
 * only came HPACK-coded (h2_headers.c).
 *
 * Server push is the one answer that comes unasked: the server's
 * PUSH_PROMISE carries the request it will answer and the stream it will
 * answer on (RFC 9113 §8.4), so the promise is paired with that answer as
 * a request is.
 *
 * Whether an answer's body "streams" (did not end with its head) is read
 * from the frames that came with the answer's HEADERS frame, as HTTP/1.1
 * reads the chunks that came with the head: a DATA frame of the stream
 * there that ends it says the answer was whole.
 */
#include "dissect/h2_streams.h"

#include "dissect/pairing.h"

/* A request's HEADERS: remember it by its stream. */
static void request(struct dissect *d, const struct dissect_env *env, const struct h2_frame_header *fh,
                    const struct h2_head *head, struct item *it)
{
    struct slice path, query;
    http_split_target(head->path, &path, &query);
    /* Its body, if any, follows in DATA frames (h2_streams_frame). */
    struct pending_request *p = exchange_request(d, env, head->method, path, query, 0);
    p->stream = fh->stream;
    item_add_int(it, "exchange", p->exchange);
}

/* A PUSH_PROMISE's block: the server will answer this request unasked,
 * on the promised stream, where the answer pairs with it. */
static void promise(struct dissect *d, const struct dissect_env *env, const struct h2_head *head,
                    struct item *it)
{
    struct slice path, query;
    http_split_target(head->path, &path, &query);
    struct pending_request *p = exchange_promised(d, env, path, head->promised_stream);
    item_add_int(it, "exchange", p->exchange);
}

/* Does the answer's body stay open past the frames that came with its
 * HEADERS (the n bytes at p)?  Yes unless a DATA frame of the stream there
 * ends it, or the first one is a bulk piece of a resource (as a chunked
 * body's first chunk, CLASSIFY_BULK_CHUNK).  No DATA yet: open, as a
 * chunked body with no chunk yet. */
static bool body_open(const uint8_t *p, size_t n, uint32_t stream)
{
    struct h2_frame_header fh;
    while (h2_read_frame_header(p, n, &fh) != PROTO_PARTIAL) {
        if (fh.type == H2_DATA && fh.stream == stream)
            return !(fh.flags & H2_FLAG_END_STREAM) && fh.length < CLASSIFY_BULK_CHUNK;
        size_t whole = H2_FRAME_HEADER + (size_t)fh.length;
        if (whole > n)
            break; /* what follows has not come yet */
        p += whole;
        n -= whole;
    }
    return true;
}

/* An answer's final HEADERS: pair it with its stream's request, classify. */
static void answer(struct dissect *d, const struct dissect_env *env, const struct half *h,
                   const struct h2_frame_header *fh, const struct h2_head *head, struct item *it)
{
    struct pending_request *req = pending_on_stream(d, fh->stream);
    double response_ms = req ? (double)(env->now_ns - req->sent_ns) / 1e6 : -1;
    if (req) {
        item_add_int(it, "exchange", req->exchange);
        item_add_ms(it, "response_ms", response_ms);
    } else {
        item_add_null(it, "exchange");
        item_add_null(it, "response_ms");
    }
    size_t whole = H2_FRAME_HEADER + (size_t)fh->length;
    bool open = !head->ends_stream && !head->content_length &&
                body_open((const uint8_t *)h->buf.data + whole, h->buf.len - whole, fh->stream);
    const struct slice *ct = head->content_type.ptr ? &head->content_type : NULL;
    struct exchange_facts f = {0};
    exchange_content(ct, head->validators, open, &f);
    char why[160];
    enum technique tech = exchange_answered(d, env, req, head->status, response_ms, &f, why, sizeof why);
    item_add_str(it, "technique", technique_name(tech));
    item_add_str(it, "why", why);
    if (req)
        pending_remove(d, req); /* answered */
}

void h2_streams_frame(struct dissect *d, const struct dissect_env *env, const struct half *h,
                       const struct h2_frame_header *fh, const struct h2_head *head, uint64_t data_len,
                       struct item *it)
{
    switch (fh->type) {
    case H2_HEADERS:
    case H2_PUSH_PROMISE:
    case H2_CONTINUATION: /* a block that ends here began on a HEADERS or PUSH_PROMISE frame */
        if (!head->decoded)
            break;
        if (h->dir == DIR_C2S && head->method.len) /* (a trailer block has no :method) */
            request(d, env, fh, head, it);
        else if (h->dir == DIR_S2C && head->promised_stream)
            promise(d, env, head, it);
        else if (h->dir == DIR_S2C && head->status >= 200) /* 1xx: interim, the final answer follows */
            answer(d, env, h, fh, head, it);
        break;
    case H2_DATA:
        if (h->dir == DIR_C2S) {
            struct pending_request *req = pending_on_stream(d, fh->stream);
            if (req)
                req->sent_bytes += data_len;
        }
        break;
    case H2_RST_STREAM: {
        struct pending_request *req = pending_on_stream(d, fh->stream);
        if (req)
            pending_remove(d, req); /* cancelled or refused: no answer comes */
        break;
    }
    default:
        break;
    }
}
