/* chat_post.c -- --send for the HTTP techniques: POST /send on a
 * connection of its own, as the demo pages do with fetch().
 *
 * HTTP push is one-way: the long response (or the polls) carry events down,
 * and anything the client says goes up in separate requests.  That is
 * exactly what --send shows: a POST whose body the server broadcasts as a
 * chat event, which then comes back down the push channel.  Shaped as a
 * technique, it reuses the session's connecting, deadlines and errors.
 */
#include <string.h>

#include "client/httpc.h"
#include "pushlab.h"

/* The POST's state. */
struct post_state {
    struct httpc_body body; /* the answer's body (a 204 has none) */
};

static void post_start(struct session *s) { session_connect(s); }

static void post_connected(struct session *s)
{
    const char *text = s->run->opt->send;
    if (httpc_request(s, "POST", "/send", "Content-Type: text/plain; charset=utf-8\r\n", text,
                      strlen(text)) < 0)
        return;
    s->run->sent = true;
    s->run->sent_us = client_now_us();
    session_expect(s, "the answer to POST /send", CLIENT_CONNECT_TIMEOUT_MS);
}

static void post_read(struct session *s)
{
    struct post_state *st = s->state;
    struct httpc_want want = {.status = 204};
    if (httpc_read_head(s, &want, &st->body) <= 0)
        return;
    session_done(s);
}

static void post_closed(struct session *s, const char *why)
{
    session_fail(s, "the connection closed (%s) before the answer to POST /send", why);
}

const struct technique_ops chat_post = {
    .name = "send",
    .summary = "POST /send",
    .state_size = sizeof(struct post_state),
    .start = post_start,
    .connected = post_connected,
    .on_read = post_read,
    .closed = post_closed,
};
