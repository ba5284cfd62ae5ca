/* tls.c -- the TLS record header and the hello messages (tls.h).
 *
 * Every length in a hello is a vector length (RFC 8446 §3.4: a 1-, 2- or
 * 3-byte count before the bytes), so the parser is one idea repeated: a
 * cursor over a span that refuses to step past the span's end.  Nested
 * vectors (the extensions inside the hello, the names inside an
 * extension) get a cursor of their own over exactly their bytes, so a
 * length that lies can never reach into the next field.
 */
#include "proto/tls.h"

#include <stdbool.h>
#include <string.h>

/* ---- the record layer ---- */

long tls_read_record_header(const uint8_t *buf, size_t len, struct tls_record *rec,
                            struct proto_err *err)
{
    if (len >= 1 && (buf[0] < TLS_CHANGE_CIPHER_SPEC || buf[0] > TLS_HEARTBEAT))
        return proto_fail(err, 0, "not a TLS record: unknown content type");
    /* Every TLS version keeps 3 as the major number (SSL 3.0 was 3.0,
     * TLS 1.0 is 3.1 ... TLS 1.3 writes 3.3 or 3.1 here, RFC 8446 §5.1). */
    if (len >= 2 && buf[1] != 3)
        return proto_fail(err, 0, "not a TLS record: version is not 3.x");
    if (len >= 3 && buf[2] > 4)
        return proto_fail(err, 0, "not a TLS record: unknown minor version");
    if (len < TLS_RECORD_HEADER)
        return PROTO_PARTIAL;
    uint16_t length = (uint16_t)(buf[3] << 8 | buf[4]);
    if (length > TLS_RECORD_MAX)
        return proto_fail(err, 0, "TLS record longer than 2^14 + 2048 bytes");
    rec->type = buf[0];
    rec->version = (uint16_t)(buf[1] << 8 | buf[2]);
    rec->length = length;
    return TLS_RECORD_HEADER;
}

const char *tls_content_name(uint8_t type)
{
    switch (type) {
    case TLS_CHANGE_CIPHER_SPEC: return "change_cipher_spec";
    case TLS_ALERT: return "alert";
    case TLS_HANDSHAKE: return "handshake";
    case TLS_APPLICATION_DATA: return "application_data";
    case TLS_HEARTBEAT: return "heartbeat";
    default: return "unknown";
    }
}

const char *tls_handshake_name(uint8_t type)
{
    switch (type) {
    case 0: return "hello_request";
    case TLS_CLIENT_HELLO: return "client_hello";
    case TLS_SERVER_HELLO: return "server_hello";
    case 4: return "new_session_ticket";
    case 5: return "end_of_early_data";
    case 8: return "encrypted_extensions";
    case 11: return "certificate";
    case 12: return "server_key_exchange";
    case 13: return "certificate_request";
    case 14: return "server_hello_done";
    case 15: return "certificate_verify";
    case 16: return "client_key_exchange";
    case 20: return "finished";
    case 24: return "key_update";
    default: return "unknown";
    }
}

const char *tls_version_name(uint16_t version)
{
    switch (version) {
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: return NULL;
    }
}

/* ---- the hellos ---- */

/* A span of bytes being read front to back. */
struct span {
    const uint8_t *p;
    size_t left;
    bool bad; /* a read went past the end: everything after is refused */
};

static uint32_t take_uint(struct span *s, size_t bytes)
{
    if (s->bad || s->left < bytes) {
        s->bad = true;
        return 0;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < bytes; i++)
        v = v << 8 | s->p[i];
    s->p += bytes;
    s->left -= bytes;
    return v;
}

/* A vector whose length takes len_bytes: a span over its contents. */
static struct span take_vector(struct span *s, size_t len_bytes)
{
    size_t n = take_uint(s, len_bytes);
    struct span v = {s->p, n, s->bad || s->left < n};
    if (v.bad) {
        s->bad = true;
        v.left = 0;
    } else {
        s->p += n;
        s->left -= n;
    }
    return v;
}

static void skip(struct span *s, size_t n)
{
    if (s->bad || s->left < n) {
        s->bad = true;
        return;
    }
    s->p += n;
    s->left -= n;
}

/* server_name (RFC 6066 §3): a list of (type, name); type 0 is host_name. */
static bool read_server_name(struct span ext, struct slice *name)
{
    struct span list = take_vector(&ext, 2);
    while (!list.bad && list.left) {
        uint8_t type = (uint8_t)take_uint(&list, 1);
        struct span n = take_vector(&list, 2);
        if (!list.bad && type == 0 && !name->len) {
            name->ptr = (const char *)n.p;
            name->len = n.left;
        }
    }
    return !ext.bad && !list.bad && ext.left == 0;
}

/* ALPN (RFC 7301 §3.1): a list of non-empty names, each after its length byte. */
static bool read_alpn(struct span ext, struct slice *alpn)
{
    struct span list = take_vector(&ext, 2);
    if (ext.bad || ext.left || !list.left)
        return false;
    alpn->ptr = (const char *)list.p;
    alpn->len = list.left;
    while (list.left) {
        struct span n = take_vector(&list, 1);
        if (list.bad || !n.left)
            return false;
    }
    return true;
}

/* supported_versions (RFC 8446 §4.2.1): the client lists what it offers,
 * the server names the one it chose. */
static bool read_versions(struct span ext, uint8_t type, uint16_t *version)
{
    if (type == TLS_SERVER_HELLO) {
        *version = (uint16_t)take_uint(&ext, 2);
        return !ext.bad && ext.left == 0;
    }
    struct span list = take_vector(&ext, 1);
    if (ext.bad || ext.left || list.left % 2)
        return false;
    uint16_t best = 0;
    while (list.left) {
        uint16_t v = (uint16_t)take_uint(&list, 2);
        /* GREASE values (RFC 8701: 0x?A?A) are offered to keep servers
         * honest and mean nothing; real versions are 3.x. */
        if (v >> 8 == 3 && v > best)
            best = v;
    }
    if (best)
        *version = best;
    return true;
}

long tls_parse_hello(const uint8_t *msg, size_t len, struct tls_hello *hello, struct proto_err *err)
{
    if (len < 4)
        return PROTO_PARTIAL;
    uint8_t type = msg[0];
    if (type != TLS_CLIENT_HELLO && type != TLS_SERVER_HELLO)
        return proto_fail(err, 0, "not a ClientHello or ServerHello");
    size_t body_len = (size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3];
    if (len - 4 < body_len)
        return PROTO_PARTIAL;
    memset(hello, 0, sizeof *hello);
    hello->type = type;
    struct span s = {msg + 4, body_len, false};
    hello->legacy_version = (uint16_t)take_uint(&s, 2);
    hello->version = hello->legacy_version;
    skip(&s, 32);    /* random */
    take_vector(&s, 1); /* legacy_session_id */
    if (type == TLS_CLIENT_HELLO) {
        take_vector(&s, 2); /* cipher_suites */
        take_vector(&s, 1); /* legacy_compression_methods */
    } else {
        skip(&s, 2 + 1); /* cipher_suite, legacy_compression_method */
    }
    if (s.bad)
        return proto_fail(err, 0, "TLS hello shorter than its fixed fields");
    if (s.left == 0)
        return (long)(4 + body_len); /* TLS 1.2 and older may send no extensions */
    struct span exts = take_vector(&s, 2);
    if (s.bad || s.left)
        return proto_fail(err, 0, "TLS hello extensions do not fill the message");
    bool seen_sni = false, seen_alpn = false, seen_versions = false;
    while (exts.left) {
        uint16_t ext_type = (uint16_t)take_uint(&exts, 2);
        struct span ext = take_vector(&exts, 2);
        if (exts.bad)
            return proto_fail(err, 0, "TLS extension runs past the hello");
        bool ok = true, *seen = NULL;
        switch (ext_type) {
        case 0:
            seen = &seen_sni;
            ok = type == TLS_SERVER_HELLO ? ext.left == 0 : read_server_name(ext, &hello->server_name);
            break;
        case 16:
            seen = &seen_alpn;
            ok = read_alpn(ext, &hello->alpn);
            break;
        case 43:
            seen = &seen_versions;
            ok = read_versions(ext, type, &hello->version);
            break;
        default:
            break;
        }
        if (!ok)
            return proto_fail(err, 0, "malformed TLS extension (server_name, ALPN or supported_versions)");
        if (seen && *seen)
            return proto_fail(err, 0, "a TLS extension sent twice in one hello");
        if (seen)
            *seen = true;
    }
    return (long)(4 + body_len);
}

size_t tls_alpn_text(struct slice list, char *out, size_t cap)
{
    struct span s = {(const uint8_t *)list.ptr, list.len, false};
    size_t n = 0;
    while (s.left) {
        struct span name = take_vector(&s, 1);
        if (s.bad)
            break;
        size_t need = name.left + (n ? 1 : 0);
        if (n + need > cap)
            break;
        if (n)
            out[n++] = ',';
        for (size_t i = 0; i < name.left; i++)
            out[n++] = name.p[i] >= 0x20 && name.p[i] < 0x7f ? (char)name.p[i] : '?';
    }
    return n;
}
