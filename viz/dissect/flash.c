/* flash.c -- the Flash XMLSocket exchange: the policy request
 * "<policy-file-request/>\0", the <cross-domain-policy> answer, and
 * NUL-terminated messages both ways (flash.h has the history).  There is
 * no HTTP here at all, which is the point the Flash lab makes.
 */
#include "dissect/flash.h"

#include <string.h>

#include "proto/flash.h"

static void flash_item(const struct dissect_env *env, struct half *h, const char *kind,
                       const char *text, size_t len, uint64_t wire_len)
{
    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_FLASH, h->buf.offset, wire_len);
    item_add_str(it, "kind", kind);
    item_add_text(it, "text", text, len);
    emit_item(env->emitter, it);
}

bool flash_step(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    d->traits.flash = true;
    if (h->skip_to_nul) {
        const char *nul = memchr(h->buf.data, '\0', h->buf.len);
        bytebuf_consume(&h->buf, nul ? (size_t)(nul - h->buf.data) + 1 : h->buf.len);
        h->skip_to_nul = nul == NULL;
        if (nul) /* the broken message ended: what was passed over, its NUL too */
            half_search_done(env, h, SEARCH_FOUND);
        return nul != NULL;
    }
    if (h->dir == DIR_C2S) {
        long r = flash_parse_policy_request(h->buf.data, h->buf.len);
        if (r == PROTO_PARTIAL)
            return false;
        if (r > 0) {
            flash_item(env, h, "policy_request", FLASH_POLICY_REQUEST, FLASH_POLICY_REQUEST_LEN - 1,
                       (uint64_t)r);
            bytebuf_consume(&h->buf, (size_t)r);
            return true;
        }
    }
    struct slice msg;
    struct proto_err err = {0};
    long r = flash_next_message(h->buf.data, h->buf.len, FLASH_MAX_MESSAGE, &msg, &err);
    if (r == PROTO_PARTIAL)
        return false;
    if (r < 0) {
        half_error(env, h, err.why, h->buf.offset, h->buf.len);
        bytebuf_consume(&h->buf, h->buf.len);
        h->skip_to_nul = true;
        h->lost_from = h->buf.offset; /* (the error holds the bytes so far) */
        return true;
    }
    flash_item(env, h, flash_is_policy(msg) ? "policy" : "message", msg.ptr, msg.len, (uint64_t)r);
    eventscan_reset(&h->scan);
    eventscan_feed(&h->scan, msg.ptr, msg.len, h->buf.offset, env->emitter, env->flow, h->dir,
                   env->now_ns);
    eventscan_reset(&h->scan);
    bytebuf_consume(&h->buf, (size_t)r);
    return true;
}
