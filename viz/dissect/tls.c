/* tls.c -- a TLS connection as an observer on the path sees it: one `tls`
 * item per record, with its type and length, and for the two hellos what
 * they say in the clear -- the server name (SNI), the application
 * protocols offered and chosen (ALPN), the version agreed.  The records'
 * contents are encrypted and stay unread (src/proto/tls.h has the RFCs).
 *
 * This is what https:// and wss:// push looks like on the wire: no HTTP
 * head, no frame boundaries, only records whose sizes and timing still
 * tell when the server pushed something and roughly how much.
 *
 * A record's header is read as soon as it arrives and its payload passed
 * over as it comes (core.h, "length-prefixed records"), so a 16 KiB
 * record is not held.  Only a handshake record sent before ChangeCipherSpec
 * is waited for whole, to read the hello in it.  After a gap inside a
 * record's known length the framing survives; after any other gap the next
 * record header is looked for, as WebSocket does (ws.c).
 */
#include "dissect/tls.h"

#include <stdio.h>
#include <string.h>

#include "proto/tls.h"

/* The whole length of the record a plausible header at p announces. */
static long record_len(const uint8_t *p, size_t n)
{
    struct tls_record rec;
    long r = tls_read_record_header(p, n, &rec, NULL);
    if (r == PROTO_PARTIAL)
        return PROTO_PARTIAL;
    return r < 0 || rec.length == 0 ? 0 : TLS_RECORD_HEADER + (long)rec.length;
}

int tls_starts(const struct half *h, bool other_tls)
{
    const uint8_t *p = (const uint8_t *)h->buf.data;
    size_t n = h->buf.len;
    struct tls_record rec;
    long r = tls_read_record_header(p, n, &rec, NULL);
    if (r == PROTO_ERROR)
        return 0;
    if (r == PROTO_PARTIAL || n < TLS_RECORD_HEADER + 1)
        return PROTO_PARTIAL;
    /* A connection seen from its start opens with a ClientHello, answered
     * by a ServerHello (or an alert refusing it). */
    uint8_t first = p[TLS_RECORD_HEADER];
    if (rec.type == TLS_HANDSHAKE && first == (h->dir == DIR_C2S ? TLS_CLIENT_HELLO : TLS_SERVER_HELLO))
        return 1;
    if (rec.type == TLS_ALERT && (h->dir == DIR_S2C || other_tls))
        return 1;
    /* Joined later (a capture started mid-connection): records one after
     * another, checked two deep -- three bytes of header alone could be
     * the start of anything. */
    int run = record_run_plausible(record_len, p, n, 1);
    if (run == PROTO_PARTIAL && n >= VIZ_RESYNC_CHECK_MAX)
        return 0;
    return run;
}

/* The handshake messages that start in this record's payload (p, len):
 * their names into `names`, and the hello, when one lies whole in it,
 * into the item.  A message that runs on into the next record leaves its
 * remaining bytes in h->tls_handshake_left. */
static void read_handshake(struct half *h, struct item *it, const uint8_t *p, size_t len)
{
    char names[160];
    size_t n = 0;
    size_t at = h->tls_handshake_left < len ? h->tls_handshake_left : len;
    h->tls_handshake_left -= (uint32_t)at;
    if (at)
        n += (size_t)snprintf(names, sizeof names, "continuation");
    while (at + 4 <= len) {
        uint8_t type = p[at];
        size_t body = (size_t)p[at + 1] << 16 | (size_t)p[at + 2] << 8 | p[at + 3];
        const char *name = tls_handshake_name(type);
        if (n + strlen(name) + 2 < sizeof names)
            n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", n ? "," : "", name);
        if (type == TLS_CLIENT_HELLO || type == TLS_SERVER_HELLO) {
            struct tls_hello hello;
            struct proto_err err = {0};
            long r = tls_parse_hello(p + at, len - at, &hello, &err);
            if (r > 0 && type == TLS_CLIENT_HELLO) {
                if (hello.server_name.len)
                    item_add_text(it, "sni", hello.server_name.ptr, hello.server_name.len);
                const char *v = tls_version_name(hello.version);
                if (v)
                    item_add_str(it, "max_version", v);
            } else if (r > 0) {
                const char *v = tls_version_name(hello.version);
                if (v)
                    item_add_str(it, "tls_version", v);
            } else if (r == PROTO_ERROR) {
                item_add_str(it, "hello_error", err.why);
            }
            if (r > 0 && hello.alpn.len) {
                char alpn[128];
                item_add_text(it, "alpn", alpn, tls_alpn_text(hello.alpn, alpn, sizeof alpn));
            }
        }
        if (body > len - at - 4) { /* it continues in the next record */
            h->tls_handshake_left = (uint32_t)(body - (len - at - 4));
            break;
        }
        at += 4 + body;
    }
    item_add_text(it, "handshake", names, n);
}

bool tls_step(const struct dissect_env *env, struct half *h)
{
    if (h->rec_lost) {
        bool progress = record_resync_step(env, h, record_len);
        if (!h->rec_lost)
            h->tls_handshake_left = 0; /* a message that ran on was cut by the gap */
        return progress;
    }
    if (h->rec_skip) /* the rest of a record whose item is out */
        return record_skip_step(h);
    const uint8_t *p = (const uint8_t *)h->buf.data;
    struct tls_record rec;
    struct proto_err err = {0};
    long r = tls_read_record_header(p, h->buf.len, &rec, &err);
    if (r == PROTO_PARTIAL)
        return false;
    if (r < 0) {
        half_error(env, h, err.why, h->buf.offset, h->buf.len);
        record_lost(h, h->buf.offset);
        bytebuf_consume(&h->buf, 1);
        return true;
    }
    size_t whole = TLS_RECORD_HEADER + (size_t)rec.length;
    bool clear_handshake = rec.type == TLS_HANDSHAKE && !h->tls_encrypted;
    if (clear_handshake && h->buf.len < whole)
        return false; /* its hello is read whole (at most TLS_RECORD_MAX bytes wait) */

    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_TLS, h->buf.offset, whole);
    item_add_str(it, "record", tls_content_name(rec.type));
    const char *version = tls_version_name(rec.version);
    if (version)
        item_add_str(it, "version", version);
    item_add_int(it, "len", rec.length);
    if (clear_handshake)
        read_handshake(h, it, p + TLS_RECORD_HEADER, rec.length);
    else if (rec.type == TLS_HANDSHAKE)
        item_add_str(it, "handshake", "encrypted");
    else if (rec.type == TLS_ALERT && !h->tls_encrypted && rec.length == 2 && h->buf.len >= whole)
        item_add_int(it, "alert", p[TLS_RECORD_HEADER + 1]); /* its description (RFC 8446 §6) */
    emit_item(env->emitter, it);

    if (rec.type == TLS_CHANGE_CIPHER_SPEC)
        h->tls_encrypted = true; /* what this side sends from now on is sealed */
    size_t n = h->buf.len < whole ? h->buf.len : whole;
    bytebuf_consume(&h->buf, n);
    h->rec_skip = (uint32_t)(whole - n);
    return true;
}
