/* check_loop.c -- the event loop: timers (order, periodic, cancel, reset),
 * fd callbacks, removal during a batch, and signal-driven stop; and the
 * buffered connection over a real socketpair; and sock.c's listening and
 * connecting, a name that does not resolve included. */
#include <check.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_run.h"
#include "net/conn.h"
#include "net/loop.h"
#include "net/sock.h"

/* ---- timers ---- */

struct record {
    int order[16];
    int n;
    struct loop_timer *cancel_me;
};

static void note(struct loop *loop, void *arg, int id)
{
    (void)loop;
    struct record *r = arg;
    if (r->n < 16)
        r->order[r->n++] = id;
}
static void t1(struct loop *l, void *a) { note(l, a, 1); }
static void t2(struct loop *l, void *a) { note(l, a, 2); }
static void t3(struct loop *l, void *a) { note(l, a, 3); }
static void stop_cb(struct loop *l, void *a) { (void)a; loop_stop(l); }

START_TEST(timers_fire_in_due_order)
{
    struct loop *loop = loop_new();
    struct record r = {0};
    loop_add_timer(loop, 30, 0, t3, &r);
    loop_add_timer(loop, 10, 0, t1, &r);
    loop_add_timer(loop, 20, 0, t2, &r);
    loop_add_timer(loop, 50, 0, stop_cb, NULL);
    ck_assert_int_eq(loop_run(loop), 0);
    ck_assert_int_eq(r.n, 3);
    ck_assert_int_eq(r.order[0], 1);
    ck_assert_int_eq(r.order[1], 2);
    ck_assert_int_eq(r.order[2], 3);
    loop_free(loop);
}
END_TEST

/* Timers due in the same millisecond fire in the order they were armed;
 * a reset one is armed anew, so it goes behind the others. */
START_TEST(timers_due_together_fire_in_the_order_armed)
{
    struct loop *loop = loop_new();
    struct record r = {0};
    struct loop_timer *first = loop_add_timer(loop, 10, 0, t1, &r);
    loop_add_timer(loop, 10, 0, t3, &r);
    loop_add_timer(loop, 10, 0, t2, &r);
    loop_reset_timer(loop, first, 10);
    loop_add_timer(loop, 30, 0, stop_cb, NULL);
    ck_assert_int_eq(loop_run(loop), 0);
    ck_assert_int_eq(r.n, 3);
    ck_assert_int_eq(r.order[0], 3);
    ck_assert_int_eq(r.order[1], 2);
    ck_assert_int_eq(r.order[2], 1);
    loop_free(loop);
}
END_TEST

/* A periodic timer that stops the loop at its fifth firing, noting when
 * each came: counted, not timed, so a loaded machine cannot make it fail. */
struct ticks {
    uint64_t at[5];
    int n;
};

static void tick(struct loop *l, void *a)
{
    struct ticks *t = a;
    t->at[t->n++] = loop_now_ms(l);
    if (t->n == 5)
        loop_stop(l);
}

START_TEST(periodic_timer_repeats_and_cancel_stops_it)
{
    struct loop *loop = loop_new();
    uint64_t start = loop_now_ms(loop); /* timers are due from here */
    struct ticks ticks = {0};
    struct record r = {0};
    struct loop_timer *every = loop_add_timer(loop, 5, 5, tick, &ticks);
    struct loop_timer *never = loop_add_timer(loop, 10, 0, t2, &r);
    loop_cancel_timer(loop, never);
    ck_assert_int_eq(loop_run(loop), 0);
    ck_assert_int_eq(ticks.n, 5);
    /* Never early: the i-th firing no sooner than i periods after the
     * start, one after the other (late is allowed: a held-up loop re-arms
     * without a burst). */
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_ge(ticks.at[i], start + 5 * (uint64_t)(i + 1));
        if (i > 0)
            ck_assert_uint_gt(ticks.at[i], ticks.at[i - 1]);
    }
    ck_assert_int_eq(r.n, 0); /* the cancelled one-shot never fired */
    loop_cancel_timer(loop, every);
    loop_free(loop);
}
END_TEST

START_TEST(reset_timer_moves_it_later)
{
    struct loop *loop = loop_new();
    struct record r = {0};
    struct loop_timer *t = loop_add_timer(loop, 10, 0, t1, &r);
    loop_add_timer(loop, 20, 0, t2, &r);
    loop_reset_timer(loop, t, 40);
    loop_add_timer(loop, 60, 0, stop_cb, NULL);
    loop_run(loop);
    ck_assert_int_eq(r.n, 2);
    ck_assert_int_eq(r.order[0], 2);
    ck_assert_int_eq(r.order[1], 1);
    loop_free(loop);
}
END_TEST

/* Each timer notes its own due time; they must fire in due order and the
 * cancelled ones never. */
struct due_note {
    uint64_t due;
    uint64_t *last_due;
    int *fired;
    int *out_of_order;
};

static void note_due(struct loop *loop, void *arg)
{
    (void)loop;
    struct due_note *d = arg;
    if (d->due < *d->last_due)
        (*d->out_of_order)++;
    *d->last_due = d->due;
    (*d->fired)++;
}

START_TEST(many_timers_keep_heap_order)
{
    struct loop *loop = loop_new();
    static struct due_note notes[200];
    struct loop_timer *handles[200];
    uint64_t last_due = 0;
    int fired = 0, out_of_order = 0;
    for (int i = 0; i < 200; i++) {
        notes[i] = (struct due_note){(uint64_t)((i * 37) % 200) / 10, &last_due, &fired,
                                     &out_of_order};
        handles[i] = loop_add_timer(loop, notes[i].due, 0, note_due, &notes[i]);
    }
    int cancelled = 0;
    for (int i = 0; i < 200; i += 3, cancelled++)
        loop_cancel_timer(loop, handles[i]);
    loop_add_timer(loop, 40, 0, stop_cb, NULL);
    ck_assert_int_eq(loop_run(loop), 0);
    ck_assert_int_eq(fired, 200 - cancelled);
    ck_assert_int_eq(out_of_order, 0);
    loop_free(loop);
}
END_TEST

/* ---- fds ---- */

struct pair_state {
    struct loop *loop;
    int a, b;
    int calls;
};

static void closes_other(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)fd;
    (void)events;
    struct pair_state *st = arg;
    st->calls++;
    /* Remove both fds: the other one's event in this same batch must not
     * be delivered. */
    loop_del_fd(loop, st->a);
    loop_del_fd(loop, st->b);
    loop_stop(loop);
}

START_TEST(removed_fd_gets_no_event_in_same_batch)
{
    struct loop *loop = loop_new();
    int s1[2], s2[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s1), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s2), 0);
    struct pair_state st = {.loop = loop, .a = s1[0], .b = s2[0]};
    loop_add_fd(loop, s1[0], LOOP_READ, closes_other, &st);
    loop_add_fd(loop, s2[0], LOOP_READ, closes_other, &st);
    ck_assert_int_eq(write(s1[1], "x", 1), 1);
    ck_assert_int_eq(write(s2[1], "y", 1), 1);
    loop_run(loop);
    ck_assert_int_eq(st.calls, 1);
    close(s1[0]); close(s1[1]); close(s2[0]); close(s2[1]);
    loop_free(loop);
}
END_TEST

START_TEST(sigterm_stops_the_loop)
{
    struct loop *loop = loop_new();
    ck_assert_int_eq(loop_stop_on_signals(loop), 0);
    kill(getpid(), SIGTERM); /* blocked: waits in the signalfd */
    struct record r = {0};
    loop_add_timer(loop, 2000, 0, t1, &r); /* would fire if the signal were lost */
    ck_assert_int_eq(loop_run(loop), 0);
    ck_assert(loop_stopping(loop));
    ck_assert_int_eq(r.n, 0);
    loop_free(loop);
}
END_TEST

/* loop_watch_signals: the program's callback, not the loop, decides what a
 * signal means (pushlab-client stops politely on the first one). */
struct signals_seen {
    int count;
    int signo;
};

static void count_signal(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)events;
    struct signals_seen *seen = arg;
    struct signalfd_siginfo info;
    while (read(fd, &info, sizeof info) == (ssize_t)sizeof info) {
        seen->count++;
        seen->signo = (int)info.ssi_signo;
    }
}

static void stop_now(struct loop *loop, void *arg)
{
    (void)arg;
    loop_stop(loop);
}

START_TEST(watched_signal_goes_to_the_callback_and_the_loop_goes_on)
{
    struct loop *loop = loop_new();
    struct signals_seen seen = {0};
    ck_assert_int_eq(loop_watch_signals(loop, count_signal, &seen), 0);
    kill(getpid(), SIGINT); /* blocked: waits in the signalfd */
    loop_add_timer(loop, 100, 0, stop_now, NULL);
    ck_assert_int_eq(loop_run(loop), 0);
    ck_assert_int_eq(seen.count, 1);
    ck_assert_int_eq(seen.signo, SIGINT);
    loop_free(loop);
}
END_TEST

/* ---- conn ---- */

struct conn_seen {
    char data[256];
    size_t len;
    int closes;
    const char *reason;
};

static void seen_read(struct conn *c)
{
    struct conn_seen *s = c->user;
    size_t len;
    const char *in;
    const char *nl;
    /* consume only whole lines, to show partial input stays */
    while ((in = conn_input(c, &len)) && (nl = memchr(in, '\n', len))) {
        size_t n = (size_t)(nl - in) + 1;
        memcpy(s->data + s->len, in, n);
        s->len += n;
        conn_consume(c, n);
    }
    if (s->len >= 12)
        loop_stop(c->loop);
}
static void seen_close(struct conn *c)
{
    struct conn_seen *s = c->user;
    s->closes++;
    s->reason = c->close_reason;
    loop_stop(c->loop);
}
static const struct conn_ops seen_ops = {.on_read = seen_read, .on_close = seen_close};

START_TEST(conn_reads_partial_input_and_keeps_the_rest)
{
    struct loop *loop = loop_new();
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct conn_seen s = {0};
    struct conn *c = conn_new(loop, sv[0], &seen_ops, &s, 1024, 4096);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(write(sv[1], "hello\nwor", 9), 9);
    ck_assert_int_eq(write(sv[1], "ld\n", 3), 3);
    loop_add_timer(loop, 2000, 0, stop_cb, NULL);
    loop_run(loop);
    ck_assert_int_eq((int)s.len, 12);
    ck_assert(memcmp(s.data, "hello\nworld\n", 12) == 0);
    ck_assert_int_eq(conn_write(c, "pong", 4), 0);
    loop_run_due(loop); /* written outside a callback: sent when the loop next turns */
    char back[8];
    ck_assert_int_eq(read(sv[1], back, sizeof back), 4);
    close(sv[1]);
    conn_close(c, "test over");
    ck_assert_int_eq(s.closes, 1);
    ck_assert_str_eq(s.reason, "test over");
    loop_run_due(loop); /* frees c */
    loop_free(loop);
}
END_TEST

/* Writes made in one callback are gathered and leave together once it
 * has returned: inside the callback the peer has nothing to read yet. */
struct gather_case {
    struct conn *c;
    int peer;
    ssize_t during; /* what the peer could read while the callback ran */
};
static void gather_cb(struct loop *loop, void *arg)
{
    (void)loop;
    struct gather_case *g = arg;
    ck_assert_int_eq(conn_write(g->c, "one,", 4), 0);
    struct iovec iov[2] = {{.iov_base = "two,", .iov_len = 4}, {.iov_base = "three", .iov_len = 5}};
    ck_assert_int_eq(conn_writev(g->c, iov, 2), 0);
    char probe[16];
    g->during = recv(g->peer, probe, sizeof probe, MSG_DONTWAIT);
    ck_assert_uint_eq(conn_pending(g->c), 13);
}
START_TEST(conn_gathers_one_callbacks_writes)
{
    struct loop *loop = loop_new();
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct conn_seen s = {0};
    struct gather_case g = {.c = conn_new(loop, sv[0], &seen_ops, &s, 1024, 4096), .peer = sv[1]};
    ck_assert_ptr_nonnull(g.c);
    loop_add_timer(loop, 0, 0, gather_cb, &g);
    loop_add_timer(loop, 20, 0, stop_cb, NULL);
    loop_run(loop);
    ck_assert_int_eq((int)g.during, -1);
    char back[32];
    ssize_t n = recv(sv[1], back, sizeof back, MSG_DONTWAIT);
    ck_assert_int_eq((int)n, 13);
    ck_assert(memcmp(back, "one,two,three", 13) == 0);
    ck_assert_uint_eq(conn_pending(g.c), 0);
    close(sv[1]);
    conn_close(g.c, "test over");
    loop_run_due(loop);
    loop_free(loop);
}
END_TEST

/* Shared bytes: two conns queue one buffer between bytes of their own;
 * each peer gets them in order, a peer that does not read holds up only
 * its own conn, and the references are given back once sent. */
#define SHARED_BIG (1 << 20) /* more than a socketpair buffers */
struct share_case {
    int peer[2];                  /* the test's ends of the two pairs */
    struct conn *conn[2];
    char *got[2];                 /* what each peer read so far */
    size_t len[2];
    size_t want;                  /* the whole stream */
    size_t behind_when_a_done;    /* conn[1]'s queue when peer 0 had everything */
};
static void share_read(struct loop *loop, void *arg)
{
    struct share_case *t = arg;
    /* Peer 1 reads nothing until peer 0 has everything. */
    for (int i = 0; i < 2 && (i == 0 || t->len[0] == t->want); i++) {
        ssize_t n;
        while ((n = recv(t->peer[i], t->got[i] + t->len[i], t->want + 1 - t->len[i], MSG_DONTWAIT)) > 0)
            t->len[i] += (size_t)n;
        if (i == 0 && t->len[0] == t->want && t->behind_when_a_done == (size_t)-1)
            t->behind_when_a_done = conn_pending(t->conn[1]);
    }
    if (t->len[0] == t->want && t->len[1] == t->want)
        loop_stop(loop);
}
START_TEST(conn_shares_bytes_in_order_and_lets_go)
{
    struct loop *loop = loop_new();
    struct share_case t = {.behind_when_a_done = (size_t)-1};
    struct conn_seen s = {0};
    struct shbuf *big = shbuf_new(SHARED_BIG), *word = shbuf_new(5);
    for (size_t i = 0; i < SHARED_BIG; i++)
        big->data[i] = (char)('a' + i % 23);
    memcpy(word->data, "share", 5);
    for (int i = 0; i < 2; i++) {
        int sv[2];
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
        t.peer[i] = sv[1];
        t.conn[i] = conn_new(loop, sv[0], &seen_ops, &s, 1024, 2 * SHARED_BIG);
        /* own, shared, own, then more shared than a conn keeps references
         * to (the rest are copied), then own again */
        ck_assert_int_eq(conn_write(t.conn[i], "<", 1), 0);
        ck_assert_int_eq(conn_write_shared(t.conn[i], big), 0);
        ck_assert_int_eq(conn_write(t.conn[i], ">", 1), 0);
        for (int k = 0; k < 3; k++)
            ck_assert_int_eq(conn_write_shared(t.conn[i], word), 0);
        ck_assert_int_eq(conn_write(t.conn[i], "!", 1), 0);
    }
    ck_assert_uint_eq(big->refs, 3);
    t.want = 1 + SHARED_BIG + 1 + 15 + 1;
    for (int i = 0; i < 2; i++)
        t.got[i] = malloc(t.want + 1);
    loop_add_timer(loop, 1, 1, share_read, &t);
    loop_add_timer(loop, 10000, 0, stop_cb, NULL);
    loop_run(loop);
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(t.len[i], t.want);
        ck_assert(t.got[i][0] == '<' && t.got[i][1 + SHARED_BIG] == '>');
        ck_assert(memcmp(t.got[i] + 1, big->data, SHARED_BIG) == 0);
        ck_assert(memcmp(t.got[i] + 2 + SHARED_BIG, "shareshareshare!", 16) == 0);
        ck_assert_uint_eq(conn_pending(t.conn[i]), 0);
    }
    /* The one that read held up nobody: the other still had bytes queued. */
    ck_assert_uint_gt(t.behind_when_a_done, 0);
    ck_assert_uint_eq(big->refs, 1);
    ck_assert_uint_eq(word->refs, 1);
    /* A conn closed with shared bytes queued gives its reference back too. */
    ck_assert_int_eq(conn_write_shared(t.conn[0], big), 0);
    ck_assert_uint_eq(big->refs, 2);
    for (int i = 0; i < 2; i++) {
        conn_close(t.conn[i], "test over");
        close(t.peer[i]);
        free(t.got[i]);
    }
    ck_assert_uint_eq(big->refs, 1);
    shbuf_drop(big);
    shbuf_drop(word);
    loop_run_due(loop);
    loop_free(loop);
}
END_TEST

START_TEST(conn_peer_close_is_reported)
{
    struct loop *loop = loop_new();
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct conn_seen s = {0};
    conn_new(loop, sv[0], &seen_ops, &s, 1024, 4096);
    close(sv[1]);
    loop_add_timer(loop, 2000, 0, stop_cb, NULL);
    loop_run(loop);
    ck_assert_int_eq(s.closes, 1);
    ck_assert_str_eq(s.reason, "peer closed");
    loop_run_due(loop);
    loop_free(loop);
}
END_TEST

START_TEST(conn_slow_reader_is_cut_off_at_the_output_cap)
{
    struct loop *loop = loop_new();
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    struct conn_seen s = {0};
    struct conn *c = conn_new(loop, sv[0], &seen_ops, &s, 1024, 64 * 1024);
    static char block[8192];
    memset(block, 'x', sizeof block);
    int rc = 0, writes = 0;
    /* The peer never reads: the kernel buffer fills, then our queue. */
    while (rc == 0 && writes < 1000) {
        rc = conn_write(c, block, sizeof block);
        writes++;
    }
    ck_assert_int_eq(rc, -1);
    ck_assert_int_lt(writes, 1000);
    ck_assert_int_eq(s.closes, 1);
    ck_assert_str_eq(s.reason, "output queue full: slow reader cut off");
    close(sv[1]);
    loop_run_due(loop);
    loop_free(loop);
}
END_TEST

START_TEST(conn_timeout_closes_a_silent_peer)
{
    struct loop *loop = loop_new();
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct conn_seen s = {0};
    struct conn *c = conn_new(loop, sv[0], &seen_ops, &s, 1024, 4096);
    conn_set_timeout(c, 20);
    loop_add_timer(loop, 2000, 0, stop_cb, NULL);
    loop_run(loop);
    ck_assert_int_eq(s.closes, 1);
    ck_assert_str_eq(s.reason, "timeout");
    close(sv[1]);
    loop_run_due(loop);
    loop_free(loop);
}
END_TEST

START_TEST(listen_on_port_zero_reports_the_bound_port)
{
    char bound[SOCK_ADDR_MAX];
    int port = -1;
    const char *why = NULL;
    int fd = sock_listen("127.0.0.1", 0, 16, bound, &port, &why);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_gt(port, 0);
    char want[SOCK_ADDR_MAX];
    snprintf(want, sizeof want, "127.0.0.1:%d", port);
    ck_assert_str_eq(bound, want);
    int fd6 = sock_listen("::1", 0, 16, bound, &port, &why);
    if (fd6 >= 0) { /* IPv6 loopback may be disabled in a container */
        ck_assert(bound[0] == '[');
        close(fd6);
    }
    ck_assert_int_lt(sock_listen("not-an-address", 0, 16, bound, &port, &why), 0);
    ck_assert_ptr_nonnull(why);
    close(fd);
}
END_TEST

/* A load client past LOAD_CLIENTS_PER_SOURCE connects from 127.0.0.N:
 * the server sees that address; a source is ignored for other servers. */
static void connect_and_see(int listen_fd, int port, const char *host, unsigned source,
                            char peer[SOCK_ADDR_MAX])
{
    char why[SOCK_WHY_MAX];
    int fd = sock_connect(host, port, 0, source, why);
    ck_assert_int_ge(fd, 0);
    struct pollfd pfd = {.fd = listen_fd, .events = POLLIN};
    ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
    int conn = sock_accept(listen_fd, peer);
    ck_assert_int_ge(conn, 0);
    close(conn);
    close(fd);
}
START_TEST(connect_from_a_loopback_source_address)
{
    char bound[SOCK_ADDR_MAX], peer[SOCK_ADDR_MAX];
    int port = -1;
    const char *why = NULL;
    int fd = sock_listen("127.0.0.1", 0, 16, bound, &port, &why);
    ck_assert_int_ge(fd, 0);
    connect_and_see(fd, port, "127.0.0.1", 3, peer);
    ck_assert(strncmp(peer, "127.0.0.3:", 10) == 0);
    connect_and_see(fd, port, "127.0.0.1", 0, peer);
    ck_assert(strncmp(peer, "127.0.0.1:", 10) == 0);
    close(fd);
    int fd6 = sock_listen("::1", 0, 16, bound, &port, &why);
    if (fd6 >= 0) { /* IPv6 loopback may be disabled in a container */
        connect_and_see(fd6, port, "::1", 3, peer);
        ck_assert(strncmp(peer, "[::1]:", 6) == 0);
        close(fd6);
    }
}
END_TEST

/* A name that does not resolve (.invalid never does, RFC 6761 §6.4):
 * the reason is the resolver's own words, not an errno made up for it. */
START_TEST(connect_to_a_name_that_does_not_resolve_gives_the_resolvers_reason)
{
    const char *host = "nosuchhost.invalid";
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(host, "80", &hints, &res);
    ck_assert_int_ne(gai, 0);
    char want[SOCK_WHY_MAX], why[SOCK_WHY_MAX];
    snprintf(want, sizeof want, "cannot resolve host (%s)",
             gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
    ck_assert_int_eq(sock_connect(host, 80, 0, 0, why), -1);
    ck_assert_str_eq(why, want);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loop");
    TCase *tc = tcase_create("timers");
    tcase_add_test(tc, timers_fire_in_due_order);
    tcase_add_test(tc, timers_due_together_fire_in_the_order_armed);
    tcase_add_test(tc, periodic_timer_repeats_and_cancel_stops_it);
    tcase_add_test(tc, reset_timer_moves_it_later);
    tcase_add_test(tc, many_timers_keep_heap_order);
    suite_add_tcase(s, tc);
    tc = tcase_create("fds");
    tcase_add_test(tc, removed_fd_gets_no_event_in_same_batch);
    tcase_add_test(tc, sigterm_stops_the_loop);
    tcase_add_test(tc, watched_signal_goes_to_the_callback_and_the_loop_goes_on);
    suite_add_tcase(s, tc);
    tc = tcase_create("conn");
    tcase_add_test(tc, conn_reads_partial_input_and_keeps_the_rest);
    tcase_add_test(tc, conn_gathers_one_callbacks_writes);
    tcase_add_test(tc, conn_shares_bytes_in_order_and_lets_go);
    tcase_add_test(tc, conn_peer_close_is_reported);
    tcase_add_test(tc, conn_slow_reader_is_cut_off_at_the_output_cap);
    tcase_add_test(tc, conn_timeout_closes_a_silent_peer);
    tcase_add_test(tc, listen_on_port_zero_reports_the_bound_port);
    tcase_add_test(tc, connect_from_a_loopback_source_address);
    tcase_add_test(tc, connect_to_a_name_that_does_not_resolve_gives_the_resolvers_reason);
    suite_add_tcase(s, tc);
    return check_run(s);
}
