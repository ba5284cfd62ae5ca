/* roles.h -- which side of a connection is the client, told from the
 * first bytes it sent (roles.c): for flows.c, when the handshake that
 * would say so was not captured. */
#ifndef VIZ_DISSECT_ROLES_H
#define VIZ_DISSECT_ROLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a segment's first bytes are, as far as its sender's role goes. */
enum role_evidence {
    ROLE_NO_EVIDENCE,     /* nothing only one side sends */
    ROLE_REQUEST_LINE,    /* client: "GET /path HTTP/1.1" */
    ROLE_H2_PREFACE,      /* client: "PRI * HTTP/2.0..." */
    ROLE_CLIENT_HELLO,    /* client: a TLS record holding a ClientHello */
    ROLE_POLICY_REQUEST,  /* client: Flash's <policy-file-request/> */
    ROLE_MASKED_FRAMES,   /* client: WebSocket frames with the MASK bit */
    ROLE_STATUS_LINE,     /* server: "HTTP/1.1 200 OK" */
    ROLE_SERVER_HELLO,    /* server: a TLS record holding a ServerHello */
    ROLE_H2_SETTINGS,     /* server: HTTP/2's server preface, a SETTINGS frame */
    ROLE_UNMASKED_FRAMES, /* server: WebSocket frames without it */
    ROLE_STREAMED_BODY,   /* server: the inside of a streamed answer (headless.h's body shapes) */
    ROLE_OTHER_CONNECTIONS, /* server: not in the bytes, but other connections showed it
                               listening (flows.c: it answered their SYNs) */
};

/* What the n captured bytes at the start of a segment's payload say. */
enum role_evidence role_evidence(const uint8_t *p, size_t n);

/* True when the evidence is what a client sends (false for a server's,
 * and for none). */
bool role_evidence_is_client(enum role_evidence e);

/* The evidence in words, for the flow's note: "an HTTP request line". */
const char *role_evidence_name(enum role_evidence e);

#endif
