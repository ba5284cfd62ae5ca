/* roles.c -- client or server, told from the bytes a side sent.
 *
 * A flow's client is the side that sent the SYN.  When the capture began
 * after the handshake, flows.c guesses: the side that is not a server it
 * saw listening, else the side with the higher port (clients take theirs
 * from the ephemeral range, servers listen below it), which is wrong for
 * a server on a high port: a test server on a random port, a dev server
 * on 50000.  Every protocol pushviz reads opens its exchanges with bytes
 * only one side sends, so the first payload of such a flow settles the
 * question.  Only what cannot come from the other side counts: a request
 * line whole up to its version, a status line, the HTTP/2 client preface
 * or the server's SETTINGS, a TLS ClientHello or ServerHello, Flash's
 * policy request, and WebSocket frames (a client masks every frame and a
 * server none, RFC 6455 §5.1), checked two deep as the late-join test
 * checks them, and the inside of a streamed answer (headless.c: a capture
 * begun after a page opened its stream).  Anything else (another body,
 * TLS application data, HTTP/2 frames) says nothing, and the guess stands.
 */
#include "dissect/roles.h"

#include <string.h>

#include "dissect/h2.h"
#include "dissect/headless.h"
#include "dissect/ws.h"
#include "proto/flash.h"
#include "proto/h2_frame.h"
#include "proto/http.h"
#include "proto/tls.h"

/* "GET /path HTTP/1.1" up to its line end, a method of HTTP's: the
 * request's first line whole, though its header lines may still be on
 * the way. */
static bool request_line(const char *p, size_t n)
{
    struct http_request req;
    struct proto_err err;
    return http_starts_with_method(p, n) == 1 && http_read_request_line(p, n, &observer_limits, &req, &err) > 0;
}

/* "HTTP/1.x NNN": a status line's start. */
static bool status_line(const char *p, size_t n)
{
    return n >= 12 && memcmp(p, "HTTP/1.", 7) == 0 && (p[7] == '0' || p[7] == '1') && p[8] == ' ' &&
           p[9] >= '1' && p[9] <= '9' && p[10] >= '0' && p[10] <= '9' && p[11] >= '0' && p[11] <= '9';
}

/* A TLS record carrying a hello: whose is in its first handshake byte. */
static enum role_evidence tls_hello(const uint8_t *p, size_t n)
{
    struct tls_record rec;
    if (tls_read_record_header(p, n, &rec, NULL) <= 0 || rec.type != TLS_HANDSHAKE || n <= TLS_RECORD_HEADER)
        return ROLE_NO_EVIDENCE;
    switch (p[TLS_RECORD_HEADER]) {
    case TLS_CLIENT_HELLO:
        return ROLE_CLIENT_HELLO;
    case TLS_SERVER_HELLO:
        return ROLE_SERVER_HELLO;
    default:
        return ROLE_NO_EVIDENCE;
    }
}

enum role_evidence role_evidence(const uint8_t *p, size_t n)
{
    const char *text = (const char *)p;
    if (h2_read_preface(p, n) > 0)
        return ROLE_H2_PREFACE;
    if (request_line(text, n))
        return ROLE_REQUEST_LINE;
    if (status_line(text, n))
        return ROLE_STATUS_LINE;
    enum role_evidence hello = tls_hello(p, n);
    if (hello != ROLE_NO_EVIDENCE)
        return hello;
    /* A client's preface starts with PRI, so SETTINGS first is the
     * server's (mid-connection a client may send SETTINGS again, rarely:
     * the dissector takes them as the server's preface the same way). */
    if (h2_server_preface(p, n) == 1)
        return ROLE_H2_SETTINGS;
    if (flash_parse_policy_request(text, n) > 0)
        return ROLE_POLICY_REQUEST;
    /* A capture begun inside a streamed answer: its server's bytes.  (A
     * client too may send chunks, an upload of unknown length, but far
     * more rarely than servers stream them; browsers do not over HTTP/1.1.) */
    struct slice boundary;
    if (body_shape(text, n, &boundary) > SHAPE_PARTIAL)
        return ROLE_STREAMED_BODY;
    /* The MASK bit is in every frame header, so at most one of these holds.
     * The first frame must start a message or be a control frame (its
     * opcode not 0): HTTP/2's frame headers, which either side sends,
     * start with a 0 byte (a length below 64 KiB) and would pass for
     * unmasked continuation frames. */
    if (n == 0 || (p[0] & 0x0f) == 0)
        return ROLE_NO_EVIDENCE;
    if (ws_frames_plausible(DIR_C2S, p, n) == 1)
        return ROLE_MASKED_FRAMES;
    if (ws_frames_plausible(DIR_S2C, p, n) == 1)
        return ROLE_UNMASKED_FRAMES;
    return ROLE_NO_EVIDENCE;
}

bool role_evidence_is_client(enum role_evidence e)
{
    return e == ROLE_REQUEST_LINE || e == ROLE_H2_PREFACE || e == ROLE_CLIENT_HELLO || e == ROLE_POLICY_REQUEST ||
           e == ROLE_MASKED_FRAMES;
}

const char *role_evidence_name(enum role_evidence e)
{
    switch (e) {
    case ROLE_REQUEST_LINE:
        return "an HTTP request line";
    case ROLE_H2_PREFACE:
        return "the HTTP/2 client preface";
    case ROLE_CLIENT_HELLO:
        return "a TLS ClientHello";
    case ROLE_POLICY_REQUEST:
        return "Flash's policy request";
    case ROLE_MASKED_FRAMES:
        return "masked WebSocket frames";
    case ROLE_STATUS_LINE:
        return "an HTTP status line";
    case ROLE_SERVER_HELLO:
        return "a TLS ServerHello";
    case ROLE_H2_SETTINGS:
        return "an HTTP/2 server's SETTINGS";
    case ROLE_UNMASKED_FRAMES:
        return "unmasked WebSocket frames";
    case ROLE_STREAMED_BODY:
        return "the inside of a streamed answer (an event stream, multipart parts or chunks)";
    case ROLE_OTHER_CONNECTIONS:
        return "the server's other connections, which showed it listening";
    case ROLE_NO_EVIDENCE:
        break;
    }
    return "nothing";
}
