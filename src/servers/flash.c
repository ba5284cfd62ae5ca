/* flash.c -- pushlab-flash: the Flash XMLSocket push channel, no HTTP at all.
 *
 * From about 2002 to 2012 a page that needed a real socket embedded a tiny
 * Flash movie: its XMLSocket (later Socket) opened a plain TCP connection
 * to the server, and messages went both ways, each ended by a NUL byte.
 * Before letting a movie connect, the Flash Player asked the server for
 * permission: it connected, sent "<policy-file-request/>" and a NUL, read
 * a <cross-domain-policy> document ended by a NUL, and closed.  Only then
 * did the movie's own connection go through.
 *
 *   policy:  C: <policy-file-request/>\0
 *            S: <?xml ...?><cross-domain-policy>...to-ports="8005"...\0  (close)
 *   data:    S: {"seq":1,"ts":...,"kind":"tick","text":"tick 1"}\0
 *            C: hello\0          (broadcast to everyone as a chat event)
 *
 * A capture shows no HTTP at all, which is why such sockets failed behind
 * proxies and firewalls that only let HTTP through -- one reason the web
 * moved on to WebSocket.  Flash Player reached its end of life on
 * 2020-12-31 and no browser runs it now; `pushlab-client flash` plays the
 * player's part.
 *
 * Protocol sniffing: one port serves three kinds of connection, told apart
 * by their first bytes, before any HTTP parsing (technique.sniff):
 *  - "<policy-file-request/>\0"  -> the policy, then close (its first
 *    bytes decide: the rest may come later, see wait_for_policy_rest);
 *  - an HTTP method and a space  -> HTTP: the demo page and POST /send;
 *  - anything else, or silence for FLASH_SNIFF_MS and the connection's
 *    retransmission timeout -> a data channel (a Flash client waits for
 *    the server to speak first, an HTTP client never does, so silence is
 *    a sure sign -- once a policy request that was lost on the way would
 *    have been sent again: on a link of 100 ms round trip and more, that
 *    takes longer than FLASH_SNIFF_MS).
 * Silence can also be a player too busy to write yet: a policy request
 * that arrives on a data channel is answered as one all the same.
 *
 * Left out: the separate policy server on port 843 (binding it needs root;
 * the player tried the target port too, which is what we serve).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/framed.h"
#include "lab/peer.h"
#include "lab/server.h"
#include "proto/flash.h"
#include "proto/http.h"
#include "proto/utf8.h"
#include "pushlab.h"
#include "servers/stdio_sinks.h"

/* A data channel's state. */
struct flash_client {
    struct hub_sub sub; /* the hub's events, pushed as NUL-terminated JSON */
};

/* ------------------------------------------------------------ policy */

static void discard_input(struct peer *p)
{
    size_t len;
    conn_input(p->conn, &len);
    conn_consume(p->conn, len);
}

/* A policy connection reads nothing more: it is closing. */
static const struct peer_raw_ops policy_ops = {.on_read = discard_input};

static void send_policy(struct peer *p)
{
    struct server *s = p->server;
    peer_take_raw(p, &policy_ops);
    discard_input(p);
    char policy[512];
    size_t len = flash_build_policy(policy, sizeof policy, (unsigned)s->port);
    if (len > sizeof policy) {
        conn_close(p->conn, "policy document does not fit");
        return;
    }
    if (s->opt.verbose)
        server_log(s, "%s asked for the socket policy", p->conn->peer);
    conn_write(p->conn, policy, len);
    conn_close_after_flush(p->conn, "policy sent");
}

/* ------------------------------------------------------------ data channel */

/* The newest event as a message (its JSON and the NUL that ends every
 * message), made by the first channel to see it and shared by all. */
static struct framed flash_framed;

static void push_event(struct hub_sub *sub, const struct hub_event *ev)
{
    struct peer *p = sub->arg;
    struct shbuf *msg = framed_find(&flash_framed, ev->seq);
    if (!msg) {
        msg = shbuf_new(ev->json_len + 1);
        if (!msg) {
            conn_close(p->conn, "out of memory");
            return;
        }
        memcpy(msg->data, ev->json, ev->json_len);
        msg->data[ev->json_len] = '\0';
        framed_keep(&flash_framed, ev->seq, msg);
    }
    conn_write_shared(p->conn, msg);
}

/* Bad input ends this one connection, with a line in the log. */
static void drop(struct peer *p, const char *why)
{
    server_log(p->server, "%s: %s; closing", p->conn->peer, why);
    conn_close(p->conn, why);
}

/* One message from the client: a chat line for everyone. */
static void chat(struct peer *p, struct slice msg)
{
    if (msg.len == 0)
        return; /* a bare NUL says nothing */
    if (msg.len > MAX_CHAT_BYTES) {
        drop(p, "chat message over the size limit");
        return;
    }
    if (!utf8_valid((const uint8_t *)msg.ptr, msg.len)) {
        drop(p, "message is not UTF-8 text");
        return;
    }
    if (!hub_publish(p->server->hub, EVENT_CHAT, msg.ptr, msg.len))
        drop(p, "out of memory");
}

/* A policy request that comes after the sniffing window is still a policy
 * request, never chat: a player held up for longer than FLASH_SNIFF_MS
 * between its connect and its first write (a loaded machine, thousands of
 * clients starting at once) was taken for a silent data channel.  It
 * leaves the hub first, so no event follows the policy. */
static void answer_late_policy(struct peer *p)
{
    struct flash_client *fc = p->user;
    hub_unsubscribe(p->server->hub, &fc->sub); /* data_closed still frees fc */
    send_policy(p);
}

static void data_read(struct peer *p)
{
    struct conn *c = p->conn;
    size_t len;
    const char *buf = conn_input(c, &len);
    size_t pos = 0;
    while (!c->closed && pos < len) {
        if (flash_parse_policy_request(buf + pos, len - pos) == FLASH_POLICY_REQUEST_LEN) {
            answer_late_policy(p); /* consumes the input and closes */
            return;
        }
        struct slice msg;
        struct proto_err err = {0};
        long n = flash_next_message(buf + pos, len - pos, FLASH_MAX_MESSAGE, &msg, &err);
        if (n == PROTO_PARTIAL)
            break;
        if (n < 0) {
            drop(p, err.why ? err.why : "message over the size limit");
            return;
        }
        pos += (size_t)n;
        chat(p, msg);
    }
    if (!c->closed)
        conn_consume(c, pos);
}

static void data_closed(struct peer *p)
{
    struct flash_client *fc = p->user;
    hub_unsubscribe(p->server->hub, &fc->sub);
    free(fc);
}

static const struct peer_raw_ops data_ops = {.on_read = data_read};

static void start_data_channel(struct peer *p)
{
    struct flash_client *fc = calloc(1, sizeof *fc);
    if (!fc) {
        conn_close(p->conn, "out of memory");
        return;
    }
    p->user = fc;
    p->on_close = data_closed;
    peer_take_raw(p, &data_ops);
    /* Room for one whole message and the start of the next. */
    p->conn->in.cap = 2 * FLASH_MAX_MESSAGE;
    hub_subscribe(p->server->hub, &fc->sub, push_event, p);
    if (p->server->opt.verbose)
        server_log(p->server, "%s opened a data channel", p->conn->peer);
    size_t len;
    conn_input(p->conn, &len);
    if (len > 0) /* the client spoke first: its messages are chat too */
        data_read(p);
}

/* ------------------------------------------------------------ sniffing */

/* The first bytes of a policy request are already the policy: no HTTP
 * request starts with "<", and a player waits for the answer before it
 * says anything else.  So a request cut into TCP segments whose second
 * part comes after FLASH_SNIFF_MS (a loaded player, a lost segment) is
 * still answered: its connection waits for the rest as an HTTP client
 * waits for its head, HEAD_TIMEOUT_MS, and is closed after that.  Bytes
 * that turn out not to be the request make it a data channel, as they
 * would have done had they come at once. */
static void policy_rest_read(struct peer *p)
{
    size_t len;
    const char *buf = conn_input(p->conn, &len);
    long policy = flash_parse_policy_request(buf, len);
    if (policy > 0)
        send_policy(p);
    else if (policy != PROTO_PARTIAL)
        start_data_channel(p);
}

static const struct peer_raw_ops policy_rest_ops = {.on_read = policy_rest_read};

static void wait_for_policy_rest(struct peer *p)
{
    peer_take_raw(p, &policy_rest_ops);
    conn_set_timeout(p->conn, HEAD_TIMEOUT_MS);
}

static int flash_sniff(struct peer *p)
{
    size_t len;
    const char *buf = conn_input(p->conn, &len);
    if (len > 0) {
        long policy = flash_parse_policy_request(buf, len);
        if (policy > 0) {
            send_policy(p);
            return 1;
        }
        if (policy == PROTO_PARTIAL) {
            wait_for_policy_rest(p);
            return 1;
        }
        int http = http_starts_with_method(buf, len);
        if (http == PROTO_PARTIAL)
            return PROTO_PARTIAL;
        if (http)
            return 0;
    }
    start_data_channel(p);
    return 1;
}

/* ------------------------------------------------------------ main */

static const struct technique flash_technique = {
    .name = "flash",
    .summary = "Flash-style socket: raw TCP with a policy-file handshake and NUL-ended messages.",
    .default_port = PORT_FLASH,
    .page = "/flash.html",
    .endpoints = "  raw TCP          <policy-file-request/>\\0 -> the socket policy, then close\n"
                 "  raw TCP          otherwise: events pushed as JSON + \\0; lines + \\0 are chat\n",
    .sniff = flash_sniff,
    .sniff_ms = FLASH_SNIFF_MS,
};

int main(int argc, char **argv)
{
    return server_main(argc, argv, &flash_technique, &stdio_sinks);
}
