/* tls.h -- what a capture can still read of a TLS connection: the record
 * layer (RFC 8446 §5.1, RFC 5246 §6.2) and the two hello messages, which
 * travel in the clear (RFC 8446 §4.1.2-4.1.3).
 *
 * An https:// or wss:// push is encrypted, so pushviz cannot show its
 * messages.  What stays visible to anyone on the path is still worth a
 * lesson: each record's type and length (so message sizes and timing), the
 * server name the client asks for (SNI, RFC 6066 §3), the application
 * protocols it offers and the one the server picks (ALPN, RFC 7301: "h2"
 * or "http/1.1"), and the TLS version agreed.  This codec reads exactly
 * that and nothing more; it decrypts nothing.
 */
#ifndef PROTO_TLS_H
#define PROTO_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/* Record content types (RFC 8446 §5.1; heartbeat: RFC 6520). */
enum tls_content {
    TLS_CHANGE_CIPHER_SPEC = 20,
    TLS_ALERT = 21,
    TLS_HANDSHAKE = 22,
    TLS_APPLICATION_DATA = 23,
    TLS_HEARTBEAT = 24
};

/* Handshake message types read here (RFC 8446 §4). */
enum { TLS_CLIENT_HELLO = 1, TLS_SERVER_HELLO = 2 };

#define TLS_RECORD_HEADER 5
/* The longest record payload a peer may send: 2^14 bytes of plaintext and
 * up to 2048 of expansion (RFC 5246 §6.2.3; TLS 1.3 allows 2^14 + 256). */
#define TLS_RECORD_MAX (16384 + 2048)

struct tls_record {
    uint8_t type;     /* enum tls_content */
    uint16_t version; /* the record's legacy version field: 0x0301 (TLS 1.0) .. 0x0304 */
    uint16_t length;  /* payload bytes after the header */
};

/* Read the record header at buf.  TLS_RECORD_HEADER with *rec set;
 * PROTO_PARTIAL when the bytes so far could start a header; PROTO_ERROR
 * when they cannot (an unknown content type, a version that is not
 * 3.x, a length past TLS_RECORD_MAX): not TLS, or not at a record start. */
long tls_read_record_header(const uint8_t *buf, size_t len, struct tls_record *rec,
                            struct proto_err *err);

/* The names a capture shows: "handshake", "application_data", ... */
const char *tls_content_name(uint8_t type);
/* "client_hello", "server_hello", "certificate", ... or "unknown". */
const char *tls_handshake_name(uint8_t type);
/* "TLS 1.2" and so on, or NULL for a value no version has. */
const char *tls_version_name(uint16_t version);

/* What a ClientHello or ServerHello says in the clear. */
struct tls_hello {
    uint8_t type;             /* TLS_CLIENT_HELLO or TLS_SERVER_HELLO */
    uint16_t legacy_version;  /* the version field of the hello itself */
    uint16_t version;         /* ServerHello: the version agreed (supported_versions, RFC 8446
                               * §4.2.1, else legacy_version); ClientHello: the highest offered */
    struct slice server_name; /* ClientHello: SNI host_name (empty: none) */
    struct slice alpn;        /* the ALPN extension's ProtocolNameList, its wire bytes (each name
                               * a length byte and the name); empty: none.  tls_alpn_text lists it */
};

/* Parse one handshake message (its 4-byte header and body) at msg, which
 * must be a ClientHello or ServerHello.  The message's length when whole
 * and well formed; PROTO_PARTIAL when len holds only part of it;
 * PROTO_ERROR when it is malformed (an extension running past its
 * vector, two extensions of one type...). */
long tls_parse_hello(const uint8_t *msg, size_t len, struct tls_hello *hello, struct proto_err *err);

/* The names of an ALPN ProtocolNameList as "h2,http/1.1": writes at most
 * cap bytes (cut at a name's end, never in the middle), returns the
 * length written.  Bytes outside printable ASCII are written as '?'. */
size_t tls_alpn_text(struct slice list, char *out, size_t cap);

#endif
