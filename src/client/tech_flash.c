/* tech_flash.c -- the Flash XMLSocket client, doing what the Flash Player
 * did before a movie could open a socket (Adobe, "Setting up a socket
 * policy file server").
 *
 *  1. The policy connection: send "<policy-file-request/>" and a NUL; the
 *     server answers with a <cross-domain-policy> XML document and a NUL,
 *     and closes.  Without a policy that allows the port, the player
 *     refused the movie's socket.
 *  2. The data connection: plain TCP, no HTTP at all.  The server pushes
 *     NUL-terminated messages (one event each); the client may send
 *     NUL-terminated lines, which the server broadcasts as chat.
 * The server tells the two connections apart by their first bytes: a data
 * client says nothing, so the server waits a moment before treating it as
 * one.  That is why this client cannot know exactly when it was
 * subscribed, and counts itself ready at the first event it receives.
 */
#include <stdio.h>
#include <string.h>

#include "client/client.h"
#include "proto/flash.h"
#include "pushlab.h"

enum flash_phase {
    FLASH_POLICY,      /* the policy request is out */
    FLASH_POLICY_DONE, /* the policy arrived; waiting for the server to close */
    FLASH_DATA         /* the data connection */
};

/* One Flash client's state. */
struct flash_state {
    enum flash_phase phase;
};

static void flash_start(struct session *s) { session_connect(s); }

static void flash_connected(struct session *s)
{
    struct flash_state *st = s->state;
    if (st->phase == FLASH_DATA) {
        session_open(s); /* the server speaks first; we may send */
        return;
    }
    s->requests++;
    /* FLASH_POLICY_REQUEST_LEN includes the terminating NUL of the literal. */
    if (conn_write(s->conn, FLASH_POLICY_REQUEST, FLASH_POLICY_REQUEST_LEN) < 0) {
        session_fail(s, "cannot send the policy request");
        return;
    }
    session_expect(s, "the policy file", FLASH_POLICY_TIMEOUT_MS);
}

/* Find the next NUL-terminated message at the front of the input (what
 * names it in the error).  Returns its length with the NUL, for the caller
 * to consume once done with *msg; 0 while it is incomplete; -1 after
 * failing the session. */
static long next_message(struct session *s, const char *what, struct slice *msg)
{
    size_t len;
    const char *in = conn_input(s->conn, &len);
    struct proto_err err = {0};
    long used = flash_next_message(in, len, CLIENT_MAX_MESSAGE, msg, &err);
    if (used == PROTO_PARTIAL)
        return 0;
    if (used == PROTO_ERROR) {
        session_fail(s, "bad %s: %s", what, err.why);
        return -1;
    }
    return used;
}

/* Policy connection: one NUL-terminated policy document. */
static void read_policy(struct session *s)
{
    struct flash_state *st = s->state;
    struct slice msg;
    long used = next_message(s, "answer to the policy request", &msg);
    if (used <= 0)
        return;
    if (!flash_is_policy(msg)) {
        session_fail(s, "the answer to the policy request is not a <cross-domain-policy>: \"%.*s\"",
                     msg.len > 80 ? 80 : (int)msg.len, msg.ptr);
        return;
    }
    conn_consume(s->conn, (size_t)used);
    session_answered(s);
    st->phase = FLASH_POLICY_DONE;
    /* The server closes after the policy; leaving that to it keeps the
     * TIME_WAIT state on its side.  If it does not, we close ourselves. */
    conn_set_timeout(s->conn, FLASH_POLICY_TIMEOUT_MS);
}

/* Data connection: every NUL-terminated message holds an event. */
static void read_messages(struct session *s)
{
    while (s->conn && !s->done) {
        struct slice msg;
        long used = next_message(s, "Flash message", &msg);
        if (used <= 0)
            return;
        session_ready(s);
        if (s->done)
            return;
        session_scan_events(s, msg.ptr, msg.len);
        if (s->conn)
            conn_consume(s->conn, (size_t)used);
    }
}

static void flash_read(struct session *s)
{
    struct flash_state *st = s->state;
    if (st->phase == FLASH_POLICY)
        read_policy(s);
    else if (st->phase == FLASH_DATA)
        read_messages(s);
    else
        session_fail(s, "the server sent more after the policy file");
}

static void flash_closed(struct session *s, const char *why)
{
    struct flash_state *st = s->state;
    switch (st->phase) {
    case FLASH_POLICY:
        session_fail(s, "the connection closed (%s) before the policy file arrived", why);
        return;
    case FLASH_POLICY_DONE:
        st->phase = FLASH_DATA;
        session_connect(s);
        return;
    case FLASH_DATA:
        session_end(s, "the server closed the Flash socket");
        return;
    }
}

static int flash_send_text(struct session *s, const char *text, size_t len)
{
    struct flash_state *st = s->state;
    if (st->phase != FLASH_DATA || !s->conn)
        return -1;
    /* A message is its bytes and a NUL; text from the command line holds none. */
    struct iovec iov[2] = {{(void *)text, len}, {"", 1}};
    return conn_writev(s->conn, iov, 2);
}

const struct technique_ops tech_flash = {
    .name = "flash",
    .summary = "Flash socket: a policy request, then NUL-ended messages",
    .default_port = PORT_FLASH,
    .default_path = NULL,
    .state_size = sizeof(struct flash_state),
    .start = flash_start,
    .connected = flash_connected,
    .on_read = flash_read,
    .closed = flash_closed,
    .send_text = flash_send_text,
};
