/* check_wsconn.c -- a WebSocket connection after its handshake (lab/wsconn),
 * over a real socketpair and the real event loop: frames split at every
 * point and fed one byte at a time, unmasked in place into the right
 * messages; control frames between fragments; many frames in one read;
 * UTF-8 failing fast before a frame is complete; the closing handshake;
 * echoes sent from the input buffer in place; no buffer left behind on
 * an idle connection; and a failure logged with -v through the program's
 * sinks (lab/log.c), not printed by the library.
 *
 * The test writes client frames into its end of the socketpair, one piece
 * per loop timer tick, so the server side really sees each piece in a
 * read of its own. */
#include <check.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_run.h"
#include "lab/wsconn.h"

#define MAX_PIECES 512
#define MAX_MESSAGES 64

/* One wsconn on one end of a socketpair, and what its owner was told. */
struct env {
    struct loop *loop;
    struct hub *hub;
    struct technique tech;
    struct server server;
    struct peer *peer;
    struct wsconn ws;               /* the connection under test */
    int client;                     /* the test's end: the "browser" */
    uint8_t wire[4096];             /* client bytes to feed */
    size_t wire_len;
    size_t cuts[MAX_PIECES];        /* piece i is wire[cuts[i]..cuts[i+1]) */
    int pieces, fed;
    int want_messages;              /* stop the loop once this many arrived */
    int messages;                   /* what on_message saw */
    unsigned opcode[MAX_MESSAGES];
    char data[MAX_MESSAGES][256];
    size_t len[MAX_MESSAGES];
    bool closed;                    /* on_close ran */
    bool echo;                      /* on_message sends each message back; "bye" then closes */
    bool client_fin;                /* the client shuts down its side near the end of the run,
                                     * as a browser does after the closing handshake: the
                                     * server's lingering close (net/conn.h) waits for that */
};

static struct env *env_of(struct wsconn *ws)
{
    return (struct env *)((char *)ws - offsetof(struct env, ws));
}

static void on_message(struct wsconn *ws, unsigned opcode, const uint8_t *data, size_t len)
{
    struct env *e = env_of(ws);
    ck_assert_int_lt(e->messages, MAX_MESSAGES);
    ck_assert_uint_le(len, sizeof e->data[0]);
    e->opcode[e->messages] = opcode;
    memcpy(e->data[e->messages], data, len);
    e->len[e->messages] = len;
    if (++e->messages == e->want_messages)
        loop_stop(e->server.loop);
    if (e->echo) {
        ck_assert_int_eq(wsconn_send(ws, opcode, data, len), 0);
        if (len == 3 && memcmp(data, "bye", 3) == 0)
            wsconn_close(ws, WS_CLOSE_NORMAL, "echoed");
    }
}

static void on_close(struct wsconn *ws) { env_of(ws)->closed = true; }

static const struct wsconn_ops test_ops = {.on_message = on_message, .on_close = on_close};
static const struct wsconn_limits test_limits = {.max_message = 1 << 20};

static void env_start(struct env *e)
{
    memset(e, 0, sizeof *e);
    e->loop = loop_new();
    e->hub = hub_new(4);
    e->tech.name = "test";
    e->server.tech = &e->tech;
    e->server.loop = e->loop;
    e->server.hub = e->hub;
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    e->peer = peer_new(&e->server, sv[0], "test");
    ck_assert_ptr_nonnull(e->peer);
    e->client = sv[1];
    wsconn_start(&e->ws, e->peer, &test_ops, &test_limits, NULL);
}

static void env_end(struct env *e)
{
    if (!e->closed)
        conn_close(e->peer->conn, "test over");
    ck_assert(e->closed);
    loop_run_due(e->loop); /* frees the conn and the peer */
    hub_free(e->hub);
    loop_free(e->loop);
    close(e->client);
}

/* Append a client frame (masked with a key that changes every byte). */
static void add_frame(struct env *e, bool fin, unsigned opcode, const void *payload, size_t len)
{
    static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    ck_assert_uint_le(e->wire_len + WS_MAX_HEADER + len, sizeof e->wire);
    e->wire_len += ws_build_frame_header(e->wire + e->wire_len, fin, opcode, len, key);
    memcpy(e->wire + e->wire_len, payload, len);
    ws_mask(e->wire + e->wire_len, len, key, 0);
    e->wire_len += len;
}

static void add_text(struct env *e, const char *text)
{
    add_frame(e, true, WS_OP_TEXT, text, strlen(text));
}

/* Feed the wire as pieces ending at each of the given offsets (and the end). */
static void cut_at(struct env *e, const size_t *at, int n)
{
    e->pieces = 0;
    e->cuts[e->pieces++] = 0;
    for (int i = 0; i < n; i++)
        e->cuts[e->pieces++] = at[i];
    e->cuts[e->pieces] = e->wire_len;
}

static void cut_every_byte(struct env *e)
{
    e->pieces = 0;
    for (size_t i = 0; i < e->wire_len; i++)
        e->cuts[e->pieces++] = i;
    e->cuts[e->pieces] = e->wire_len;
}

static void feed(struct loop *loop, void *arg)
{
    (void)loop;
    struct env *e = arg;
    if (e->fed >= e->pieces)
        return;
    size_t from = e->cuts[e->fed], to = e->cuts[e->fed + 1];
    ck_assert_int_eq(write(e->client, e->wire + from, to - from), (ssize_t)(to - from));
    e->fed++;
}

static void stop(struct loop *loop, void *arg)
{
    (void)arg;
    loop_stop(loop);
}

static void client_fin(struct loop *loop, void *arg)
{
    (void)loop;
    struct env *e = arg;
    ck_assert_int_eq(shutdown(e->client, SHUT_WR), 0);
}

/* Feed every piece (one per 2 ms), then run until want_messages arrived
 * or max_ms passed. */
static void env_run(struct env *e, uint64_t max_ms)
{
    if (e->pieces == 0)
        cut_at(e, NULL, 0);
    loop_add_timer(e->loop, 1, 2, feed, e);
    if (e->client_fin)
        loop_add_timer(e->loop, max_ms / 2, 0, client_fin, e);
    loop_add_timer(e->loop, max_ms, 0, stop, NULL);
    loop_run(e->loop);
}

/* What the server sent the client: its frames, and whether it closed. */
struct reply {
    int frames;
    unsigned opcode[16];
    uint8_t payload[16][128];
    size_t len[16];
    bool eof;
};

static void read_reply(struct env *e, struct reply *r)
{
    memset(r, 0, sizeof *r);
    uint8_t buf[8192];
    size_t n = 0;
    fcntl(e->client, F_SETFL, fcntl(e->client, F_GETFL) | O_NONBLOCK);
    for (;;) {
        ssize_t got = read(e->client, buf + n, sizeof buf - n);
        if (got == 0)
            r->eof = true;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    static const struct ws_frame_rules server_frames = {.mask = WS_MASK_FORBIDDEN, .strict = true};
    size_t pos = 0;
    while (pos < n && r->frames < 16) {
        struct ws_frame_header h;
        struct proto_err err;
        long hl = ws_parse_frame_header(buf + pos, n - pos, &server_frames, &h, &err);
        ck_assert_int_gt(hl, 0);
        ck_assert_uint_le(h.payload_len, sizeof r->payload[0]);
        ck_assert_uint_le(pos + (size_t)hl + h.payload_len, n);
        r->opcode[r->frames] = h.opcode;
        memcpy(r->payload[r->frames], buf + pos + hl, h.payload_len);
        r->len[r->frames++] = h.payload_len;
        pos += (size_t)hl + h.payload_len;
    }
    ck_assert_uint_eq(pos, n);
}

static unsigned close_code(const struct reply *r, int i)
{
    ck_assert_uint_eq(r->opcode[i], WS_OP_CLOSE);
    ck_assert_uint_ge(r->len[i], 2);
    return (unsigned)(r->payload[i][0] << 8 | r->payload[i][1]);
}

/* ------------------------------------------------------------ tests */

static const char *const GREETING = "h\xc3\xa9llo w\xc3\xb6rld \xf0\x9f\x98\x80 unmasked in place";

START_TEST(text_frame_split_at_every_point)
{
    struct env probe;
    env_start(&probe);
    add_text(&probe, GREETING);
    size_t frame_len = probe.wire_len;
    env_end(&probe);
    for (size_t at = 1; at < frame_len; at++) {
        struct env e;
        env_start(&e);
        add_text(&e, GREETING);
        cut_at(&e, &at, 1);
        e.want_messages = 1;
        env_run(&e, 2000);
        ck_assert_int_eq(e.messages, 1);
        ck_assert_uint_eq(e.opcode[0], WS_OP_TEXT);
        ck_assert_uint_eq(e.len[0], strlen(GREETING));
        ck_assert(memcmp(e.data[0], GREETING, e.len[0]) == 0);
        env_end(&e);
    }
}
END_TEST

START_TEST(fragments_and_a_ping_one_byte_at_a_time)
{
    /* "a€😀" with € and 😀 each cut across fragments, a ping in between. */
    struct env e;
    env_start(&e);
    add_frame(&e, false, WS_OP_TEXT, "a\xe2\x82", 3);
    add_frame(&e, true, WS_OP_PING, "hi", 2);
    add_frame(&e, false, WS_OP_CONTINUATION, "\xac\xf0\x9f", 3);
    add_frame(&e, true, WS_OP_CONTINUATION, "\x98\x80", 2);
    cut_every_byte(&e);
    e.want_messages = 1;
    env_run(&e, 3000);
    ck_assert_int_eq(e.messages, 1);
    ck_assert_uint_eq(e.len[0], 8);
    ck_assert(memcmp(e.data[0], "a\xe2\x82\xac\xf0\x9f\x98\x80", 8) == 0);
    struct reply r;
    read_reply(&e, &r);
    ck_assert_int_eq(r.frames, 1);
    ck_assert_uint_eq(r.opcode[0], WS_OP_PONG);
    ck_assert(r.len[0] == 2 && memcmp(r.payload[0], "hi", 2) == 0);
    env_end(&e);
}
END_TEST

START_TEST(many_frames_in_one_read)
{
    struct env e;
    env_start(&e);
    char text[MAX_MESSAGES][8];
    for (int i = 0; i < 50; i++) {
        snprintf(text[i], sizeof text[i], "m%d", i);
        add_frame(&e, true, i % 2 ? WS_OP_BINARY : WS_OP_TEXT, text[i], strlen(text[i]));
    }
    e.want_messages = 50;
    env_run(&e, 2000);
    ck_assert_int_eq(e.messages, 50);
    for (int i = 0; i < 50; i++) {
        ck_assert_uint_eq(e.opcode[i], i % 2 ? WS_OP_BINARY : WS_OP_TEXT);
        ck_assert(e.len[i] == strlen(text[i]) && memcmp(e.data[i], text[i], e.len[i]) == 0);
    }
    env_end(&e);
}
END_TEST

START_TEST(bad_utf8_fails_fast_then_waits_for_the_peers_close)
{
    struct env e;
    env_start(&e);
    uint8_t payload[100];
    memset(payload, 'x', sizeof payload);
    payload[3] = 0xff;
    add_frame(&e, true, WS_OP_TEXT, payload, sizeof payload);
    size_t first = e.wire_len - 90; /* header and 10 payload bytes */
    cut_at(&e, &first, 1);
    e.pieces = 1; /* only the first piece for now */
    env_run(&e, 100);
    struct reply r;
    read_reply(&e, &r);
    ck_assert_int_eq(e.messages, 0);
    ck_assert_int_eq(r.frames, 1);
    ck_assert_uint_eq(close_code(&r, 0), WS_CLOSE_INVALID_DATA);
    ck_assert(!r.eof); /* waiting for our close */
    ck_assert(!e.closed);
    env_end(&e);
}
END_TEST

/* What the library said through the sinks a program would pass. */
static char said_out[4096], said_err[4096];

static void append(char *to, size_t cap, const char *text)
{
    size_t used = strlen(to);
    snprintf(to + used, cap - used, "%s", text);
}
static void collect_out(const char *text) { append(said_out, sizeof said_out, text); }
static void collect_err(const char *text) { append(said_err, sizeof said_err, text); }
static const struct server_sinks collecting = {.out = collect_out, .err = collect_err};

START_TEST(closing_handshake_skips_the_rest_and_closes_tcp)
{
    struct env e;
    env_start(&e);
    e.server.opt.verbose = true; /* -v: the failure is logged */
    e.server.sinks = &collecting;
    said_out[0] = said_err[0] = '\0';
    uint8_t payload[100];
    memset(payload, 'x', sizeof payload);
    payload[3] = 0xff;
    add_frame(&e, true, WS_OP_TEXT, payload, sizeof payload);
    size_t cuts[2] = {e.wire_len - 90, e.wire_len};
    add_text(&e, "dropped: after our close");
    uint8_t bye[2] = {WS_CLOSE_INVALID_DATA >> 8, WS_CLOSE_INVALID_DATA & 0xff};
    add_frame(&e, true, WS_OP_CLOSE, bye, 2);
    cut_at(&e, cuts, 2);
    e.client_fin = true;
    env_run(&e, 200);
    struct reply r;
    read_reply(&e, &r);
    ck_assert_int_eq(e.messages, 0);
    ck_assert_int_eq(r.frames, 1);
    ck_assert_uint_eq(close_code(&r, 0), WS_CLOSE_INVALID_DATA);
    ck_assert(r.eof && e.closed);
    env_end(&e);
    /* One time-stamped line per thing said, all for stderr. */
    const char *line = strstr(said_err, "pushlab-test: test failed with close 1007: ");
    ck_assert_msg(line && line - said_err >= 13, "logged: %s", said_err);
    int h, m, s, ms;
    char space;
    ck_assert_int_eq(sscanf(line - 13, "%2d:%2d:%2d.%3d%c", &h, &m, &s, &ms, &space), 5);
    ck_assert_int_eq(space, ' ');
    ck_assert_ptr_nonnull(strchr(line, '\n'));
    ck_assert_str_eq(said_out, "");
}
END_TEST

START_TEST(peer_close_is_echoed_and_tcp_closed)
{
    struct env e;
    env_start(&e);
    add_text(&e, "before");
    uint8_t bye[6] = {0x0f, 0xa0, 'd', 'o', 'n', 'e'}; /* 4000 "done" */
    add_frame(&e, true, WS_OP_CLOSE, bye, sizeof bye);
    add_text(&e, "after the close: ignored");
    e.client_fin = true;
    env_run(&e, 100);
    struct reply r;
    read_reply(&e, &r);
    ck_assert_int_eq(e.messages, 1);
    ck_assert_int_eq(r.frames, 1);
    ck_assert_uint_eq(close_code(&r, 0), 4000);
    ck_assert(r.eof && e.closed);
    env_end(&e);
}
END_TEST

START_TEST(echo_in_place_then_close)
{
    /* An echo's header is written over the client's spent masking key:
     * the 2-byte form (short message) and the 4-byte form (126 bytes and
     * up).  Closing right after an echo must still skip that frame
     * whole, then drop the data frame after it and end at the peer's close. */
    struct env e;
    env_start(&e);
    e.echo = true;
    uint8_t longer[127];
    for (size_t i = 0; i < sizeof longer; i++)
        longer[i] = (uint8_t)(i * 7);
    add_text(&e, "echo me");
    add_frame(&e, true, WS_OP_BINARY, longer, sizeof longer);
    add_text(&e, "bye");
    add_text(&e, "dropped: after our close");
    uint8_t bye[2] = {WS_CLOSE_NORMAL >> 8, WS_CLOSE_NORMAL & 0xff};
    add_frame(&e, true, WS_OP_CLOSE, bye, 2);
    e.client_fin = true;
    env_run(&e, 200);
    struct reply r;
    read_reply(&e, &r);
    ck_assert_int_eq(e.messages, 3);
    ck_assert_int_eq(r.frames, 4);
    ck_assert(r.opcode[0] == WS_OP_TEXT && r.len[0] == 7 && memcmp(r.payload[0], "echo me", 7) == 0);
    ck_assert(r.opcode[1] == WS_OP_BINARY && r.len[1] == sizeof longer &&
              memcmp(r.payload[1], longer, sizeof longer) == 0);
    ck_assert(r.opcode[2] == WS_OP_TEXT && r.len[2] == 3 && memcmp(r.payload[2], "bye", 3) == 0);
    ck_assert_uint_eq(close_code(&r, 3), WS_CLOSE_NORMAL);
    ck_assert(r.eof && e.closed);
    env_end(&e);
}
END_TEST

START_TEST(idle_connection_holds_no_buffers)
{
    struct env e;
    env_start(&e);
    add_frame(&e, false, WS_OP_BINARY, "frag", 4);
    add_frame(&e, true, WS_OP_CONTINUATION, "ments", 5);
    cut_every_byte(&e);
    e.want_messages = 1;
    env_run(&e, 2000);
    ck_assert_int_eq(e.messages, 1);
    ck_assert(e.len[0] == 9 && memcmp(e.data[0], "fragments", 9) == 0);
    ck_assert_ptr_null(e.ws.fragments.mem);
    ck_assert_ptr_null(e.peer->conn->in.mem);
    ck_assert_ptr_null(e.peer->conn->out.mem);
    env_end(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("wsconn");
    TCase *tc = tcase_create("wsconn");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, text_frame_split_at_every_point);
    tcase_add_test(tc, fragments_and_a_ping_one_byte_at_a_time);
    tcase_add_test(tc, many_frames_in_one_read);
    tcase_add_test(tc, bad_utf8_fails_fast_then_waits_for_the_peers_close);
    tcase_add_test(tc, closing_handshake_skips_the_rest_and_closes_tcp);
    tcase_add_test(tc, peer_close_is_echoed_and_tcp_closed);
    tcase_add_test(tc, echo_in_place_then_close);
    tcase_add_test(tc, idle_connection_holds_no_buffers);
    suite_add_tcase(s, tc);
    return check_run(s);
}
