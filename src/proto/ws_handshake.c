/* ws_handshake.c -- the WebSocket opening handshake (RFC 6455 §4): the
 * checks a server makes on the client's GET (§4.2.1), the accept value it
 * answers with (§4.2.2), and the checks a client makes on that answer
 * (§4.1, "the client MUST validate the server's response").
 *
 * The handshake is ordinary HTTP/1.1, so this file works on heads already
 * parsed by http.c.  The key is 16 random bytes in base64; the server
 * proves it read them by returning base64(SHA-1(key + GUID)), where the
 * GUID is a constant no other protocol uses.  That stops a plain HTTP
 * server, or a cache, from accidentally "accepting" a WebSocket.
 *
 * Left out: subprotocol and extension negotiation (the offer is reported,
 * pushlab accepts none), and the Origin policy (the caller decides).
 */
#include "ws.h"

#include <string.h>

#include "base64.h"
#include "sha1.h"

void ws_accept_for_key(const char *key, size_t key_len, char accept[29])
{
    uint8_t digest[20];
    struct sha1_ctx c;
    sha1_init(&c);
    sha1_update(&c, key, key_len);
    sha1_update(&c, WS_GUID, strlen(WS_GUID));
    sha1_final(&c, digest);
    base64_encode(digest, sizeof digest, accept, 29);
}

/* True when header `name` is present and its comma list holds `token`
 * ("Connection: keep-alive, Upgrade" holds "upgrade"). */
static bool has_token(const struct http_header *headers, size_t n, const char *name,
                      const char *token)
{
    const struct slice *v = http_header_find(headers, n, name);
    return v && http_list_has_token(*v, token);
}

/* The value of header `name`, or an empty slice when it is absent. */
static struct slice header_or_empty(const struct http_header *headers, size_t n, const char *name)
{
    const struct slice *v = http_header_find(headers, n, name);
    return v ? *v : (struct slice){NULL, 0};
}

/* The value of a header RFC 6455 §11.3 allows only once in its message
 * (Sec-WebSocket-Key and -Version in a request, -Accept in an answer):
 * NULL when absent, and *repeated set when it appears more than once --
 * two keys leave it open which one the accept value must prove. */
static const struct slice *only_header(const struct http_header *headers, size_t n,
                                       const char *name, bool *repeated)
{
    *repeated = http_header_count(headers, n, name) > 1;
    return http_header_find(headers, n, name);
}

int ws_check_client_handshake(const struct http_request *req, struct ws_handshake *hs,
                              struct proto_err *err)
{
    bool repeated;
    const struct http_header *hd = req->headers;
    size_t n = req->num_headers;
    if (!slice_eq(req->method, "GET"))
        return (int)proto_fail(err, 400, "WebSocket handshake must be a GET");
    if (req->minor_version < 1)
        return (int)proto_fail(err, 400, "WebSocket handshake needs HTTP/1.1");
    if (!has_token(hd, n, "Upgrade", "websocket"))
        return (int)proto_fail(err, 400, "no \"Upgrade: websocket\"");
    if (!has_token(hd, n, "Connection", "upgrade"))
        return (int)proto_fail(err, 400, "no \"Connection: upgrade\"");

    /* §4.4: a version we do not speak gets 426 and the versions we do. */
    const struct slice *version = only_header(hd, n, "Sec-WebSocket-Version", &repeated);
    if (!version)
        return (int)proto_fail(err, 400, "no Sec-WebSocket-Version");
    if (repeated)
        return (int)proto_fail(err, 400, "Sec-WebSocket-Version more than once");
    if (!slice_eq(*version, "13"))
        return (int)proto_fail(err, 426, "unsupported Sec-WebSocket-Version");

    /* §4.2.1 item 5: the key must decode to exactly 16 bytes, which in
     * padded base64 is always 24 characters ending in "==". */
    const struct slice *key = only_header(hd, n, "Sec-WebSocket-Key", &repeated);
    if (!key)
        return (int)proto_fail(err, 400, "no Sec-WebSocket-Key");
    if (repeated)
        return (int)proto_fail(err, 400, "Sec-WebSocket-Key more than once");
    uint8_t raw[16];
    if (key->len != BASE64_LEN(sizeof raw) ||
        base64_decode(key->ptr, key->len, raw, sizeof raw) != (long)sizeof raw)
        return (int)proto_fail(err, 400, "Sec-WebSocket-Key is not base64 of 16 bytes");

    hs->key = *key;
    hs->protocols = header_or_empty(hd, n, "Sec-WebSocket-Protocol");
    hs->origin = header_or_empty(hd, n, "Origin");
    return 0;
}

int ws_check_server_handshake(const struct http_response *res, const char *key,
                              size_t key_len, struct proto_err *err)
{
    const struct http_header *hd = res->headers;
    size_t n = res->num_headers;
    if (res->status != 101)
        return (int)proto_fail(err, 0, "server did not answer 101 Switching Protocols");
    if (!has_token(hd, n, "Upgrade", "websocket"))
        return (int)proto_fail(err, 0, "no \"Upgrade: websocket\" in the answer");
    if (!has_token(hd, n, "Connection", "upgrade"))
        return (int)proto_fail(err, 0, "no \"Connection: upgrade\" in the answer");
    bool repeated;
    const struct slice *accept = only_header(hd, n, "Sec-WebSocket-Accept", &repeated);
    if (repeated)
        return (int)proto_fail(err, 0, "Sec-WebSocket-Accept more than once in the answer");
    char want[29];
    ws_accept_for_key(key, key_len, want);
    if (!accept || !slice_eq(*accept, want))
        return (int)proto_fail(err, 0, "wrong Sec-WebSocket-Accept");
    return 0;
}
