/* run.c -- one run of pushlab-client: one event loop, one client that
 * prints its events, or many (load mode) that add up to a summary.
 *
 * Load mode is built so that its numbers can be trusted:
 *  - every client lives on the same epoll loop (10,000 sockets cost one
 *    thread and a few megabytes);
 *  - they are started step by step, and the ramp never runs ahead of the
 *    client itself: no more start while LOAD_MAX_IN_FLIGHT started clients
 *    have not sent their first request.  A client the loop has not served
 *    yet sits silent on an open connection, which the server would time
 *    (latency) or misread (the Flash server takes a silent connection for
 *    a data channel); the bound also spares the server's listen backlog;
 *  - a client's *window* opens when it is subscribed (the response head,
 *    the 101, the first Flash message) and closes at the cut (the end of
 *    --duration, or --hold after the last client is out) or when it
 *    failed.  An event counts as expected for a
 *    client when it was made inside its window, and as delivered when it
 *    arrived; after the cut the run drains, so events already made are
 *    not reported missing just because they were in flight: until every
 *    client has every event it is expected to get, or a bound long enough
 *    for TCP to recover from losses (pushlab.h, LOAD_DRAIN_*);
 *  - latency is the client's clock minus the event's ts (the same machine,
 *    the same clock), or with --echo the measured round trip.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "client/client.h"
#include "client/output.h"
#include "pushlab.h"

#define FD_MARGIN 32 /* descriptors besides the clients' sockets (loop, stdio, signals) */

/* ------------------------------------------------------------ starting */

static void start_session(struct run *r, struct session *s)
{
    s->started = true;
    s->in_flight = true;
    r->in_flight++;
    if (!s->auxiliary)
        r->active++;
    s->tech->start(s);
}

static void on_duration(struct loop *loop, void *arg);

static void run_session_sent_first(struct run *r, struct session *s)
{
    if (!s->in_flight)
        return;
    s->in_flight = false;
    r->in_flight--;
    /* --hold: a busy machine ramps up slowly, and a fixed --duration could
     * end before the last client connected; so the held part of the run is
     * timed from the moment every client has sent its first request (or
     * failed trying).  Once all are started the count only falls, so it
     * reaches 0 here exactly once. */
    if (r->opt->hold_ms && !r->finishing && r->started == r->n && !r->in_flight) {
        if (!loop_add_timer(r->loop, (uint64_t)r->opt->hold_ms, 0, on_duration, r))
            run_finish(r, 1);
    }
}

/* Ramp-up step: start clients until LOAD_MAX_IN_FLIGHT of them wait to
 * send their first request (see the top of this file).  A step with no
 * room starts none: the loop first serves those already started. */
static void on_ramp(struct loop *loop, void *arg)
{
    struct run *r = arg;
    while (r->in_flight < LOAD_MAX_IN_FLIGHT && r->started < r->n && !r->finishing)
        start_session(r, &r->sessions[r->started++]);
    if ((r->started == r->n || r->finishing) && r->ramp) {
        loop_cancel_timer(loop, r->ramp); /* periodic: safe inside its own callback */
        r->ramp = NULL;
    }
}

/* ------------------------------------------------------------ the end */

/* The end of the measured window. */
static void cut(struct run *r)
{
    if (r->cut_ms)
        return;
    r->cut_ms = loop_wall_ms();
    r->cut_us = client_now_us();
}

static void stop_when_idle(struct run *r)
{
    if (r->finishing && r->active == 0)
        loop_stop(r->loop);
}

/* The polite stop took too long: close whatever is left. */
static void on_force_stop(struct loop *loop, void *arg)
{
    struct run *r = arg;
    for (size_t i = 0; i < r->n; i++)
        if (r->sessions[i].started)
            session_done(&r->sessions[i]);
    if (r->post.started)
        session_done(&r->post);
    loop_stop(loop);
}

void run_finish(struct run *r, int exit_code)
{
    if (exit_code && !r->exit_code)
        r->exit_code = exit_code;
    if (r->finishing)
        return;
    r->finishing = true;
    cut(r);
    r->finish_us = client_now_us();
    loop_cancel_timer(r->loop, r->ramp);
    r->ramp = NULL;
    loop_cancel_timer(r->loop, r->drain);
    r->drain = NULL;
    loop_add_timer(r->loop, CLOSE_LINGER_MS + 1000, 0, on_force_stop, r);
    for (size_t i = 0; i < r->started; i++) {
        struct session *s = &r->sessions[i];
        if (s->done)
            continue;
        s->stopping = true;
        if (s->tech->stop)
            s->tech->stop(s);
        else
            session_done(s);
    }
    if (r->post.started)
        session_done(&r->post);
    stop_when_idle(r);
}

static void run_session_done(struct run *r, struct session *s)
{
    if (s->auxiliary) {
        /* The POST is answered (or failed): a --count reached meanwhile
         * ends the run now. */
        if (s->failed || r->counted_out)
            run_finish(r, s->failed);
        return;
    }
    r->active--;
    if (!r->load && !r->finishing) {
        /* The one client ended by itself. */
        const struct client_options *opt = r->opt;
        int code = s->failed ? 1 : 0;
        if (!s->failed && opt->count && s->events < (uint64_t)opt->count) {
            fprintf(stderr, "pushlab-client: it ended after %llu of the %ld events asked for\n",
                    (unsigned long long)s->events, opt->count);
            code = 1;
        }
        /* The server may close before the chat came back (the Flash server
         * drops a socket that sends what it will not take): the round trip
         * asked for was never seen. */
        if (!s->failed && opt->send && !r->echoed) {
            fprintf(stderr, "pushlab-client: it ended before the sent text came back\n");
            code = 1;
        }
        run_finish(r, code);
        return;
    }
    if (r->load && !r->finishing && r->active == 0 && r->started == r->n)
        run_finish(r, 0); /* every client is gone: nothing left to measure */
    stop_when_idle(r);
}

/* Has every client still running every event it is expected to get
 * (what events_expected will count)?  Events come in order on each
 * connection, so a client has them all once its newest seq reaches the
 * newest one any client has seen that was made by the cut: a seq it
 * skipped is gone for good, and a later one cannot still be on its way. */
static bool every_event_in(const struct run *r)
{
    int64_t newest_ts = 0;
    uint64_t newest = r->opt->echo ? 0 : load_stats_newest_by(&r->stats, r->cut_ms, &newest_ts);
    for (size_t i = 0; i < r->started; i++) {
        const struct session *s = &r->sessions[i];
        if (s->done || !s->ready)
            continue; /* its window is closed, or it expects nothing */
        if (r->opt->echo) {
            if (s->echo_back < s->echo_seq)
                return false;
        } else if (newest && s->last_seq < newest && s->ready_ms < newest_ts) {
            return false;
        }
    }
    return true;
}

/* The drain, every LOAD_DRAIN_CHECK_MS after the cut: end it as soon as
 * nothing is missing, or at its bound (pushlab.h explains both). */
static void on_drain_check(struct loop *loop, void *arg)
{
    (void)loop;
    struct run *r = arg;
    uint64_t waited_ms = (client_now_us() - r->cut_us) / 1000;
    /* Without an event made after the cut, one made just before it may
     * still be on its way to every client (unknown to all): wait for the
     * quiet time before believing nothing is.  Echoes are all known. */
    bool known = r->opt->echo || r->after_cut_seen || waited_ms >= r->drain_quiet_ms;
    if ((known && every_event_in(r)) || waited_ms >= r->drain_max_ms)
        run_finish(r, 0); /* cancels this timer */
}

/* --duration is over.  Load mode cuts the window and drains first. */
static void on_duration(struct loop *loop, void *arg)
{
    struct run *r = arg;
    if (!r->load) {
        run_finish(r, 0);
        return;
    }
    cut(r);
    uint64_t poll = 0;
    if (r->opt->tech == &tech_poll || r->opt->tech == &tech_jsonp)
        poll = (uint64_t)r->opt->poll_interval_ms; /* the next poll fetches the last events */
    r->drain_quiet_ms = LOAD_DRAIN_QUIET_MS + poll;
    r->drain_max_ms = LOAD_DRAIN_MAX_MS + LOAD_DRAIN_RTTS * (r->handshake_min_us / 1000) + poll;
    r->drain = loop_add_timer(loop, LOAD_DRAIN_CHECK_MS, LOAD_DRAIN_CHECK_MS, on_drain_check, r);
    if (!r->drain)
        run_finish(r, 1);
}

/* SIGINT or SIGTERM: stop politely; a second one stops at once. */
static void on_signal(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    struct run *r = arg;
    struct signalfd_siginfo info;
    while (read(fd, &info, sizeof info) == (ssize_t)sizeof info) {
        if (r->finishing)
            on_force_stop(loop, r);
        else
            run_finish(r, 0);
    }
}

/* ------------------------------------------------------------ sending */

/* --echo: send the next message, an event object numbered per client. */
static void echo_next(struct run *r, struct session *s)
{
    if (r->cut_ms || r->finishing || s->done)
        return;
    char msg[128];
    size_t len = event_write(msg, sizeof msg, s->echo_seq + 1, loop_wall_ms(), EVENT_CHAT, "echo", 4);
    s->echo_seq++;
    s->echo_sent_us[s->echo_seq % (uint64_t)r->opt->in_flight] = client_now_us();
    if (len > sizeof msg || s->tech->send_text(s, msg, len) < 0)
        session_fail(s, "cannot send echo message %llu", (unsigned long long)s->echo_seq);
}

static void run_session_open(struct run *r, struct session *s)
{
    const struct client_options *opt = r->opt;
    if (opt->echo) {
        /* --in-flight messages go out at once; each echo sends the next. */
        for (long i = 0; i < opt->in_flight && !s->done; i++)
            echo_next(r, s);
        return;
    }
    if (r->load || !opt->send || r->sent)
        return;
    if (s->tech->send_text) {
        r->sent = true;
        r->sent_us = client_now_us();
        if (s->tech->send_text(s, opt->send, strlen(opt->send)) < 0)
            session_fail(s, "cannot send the chat message");
        return;
    }
    r->post = (struct session){
        .run = r, .tech = &chat_post, .connect_fd = -1, .auxiliary = true,
        .state = calloc(1, chat_post.state_size),
    };
    if (!r->post.state) {
        session_fail(s, "out of memory");
        return;
    }
    start_session(r, &r->post);
}

/* ------------------------------------------------------------ events */

static void run_event(struct run *r, struct session *s, const struct event_view *ev,
                      const char *text, uint64_t latency_us)
{
    const struct client_options *opt = r->opt;
    bool counted = true;
    if (opt->echo) {
        if (ev->seq != s->echo_back + 1 || ev->seq > s->echo_seq) {
            session_fail(s, "echo of message %llu came back as %llu",
                         (unsigned long long)s->echo_back + 1, (unsigned long long)ev->seq);
            return;
        }
        s->echo_back = ev->seq;
        latency_us = client_now_us() - s->echo_sent_us[ev->seq % (uint64_t)opt->in_flight];
    } else {
        /* Inside this client's window (see the top of this file)? */
        counted = s->ready && ev->ts_ms > s->ready_ms && (!r->cut_ms || ev->ts_ms <= r->cut_ms);
        if (r->cut_ms && ev->ts_ms > r->cut_ms)
            r->after_cut_seen = true; /* the drain knows every event made by the cut */
    }
    if (r->load) {
        if (counted && !r->cut_ms)
            s->window_events++; /* arrived before the cut: header_bytes' denominator */
        if (counted) {
            s->counted++;
            load_stats_latency(&r->stats, latency_us);
            if (!opt->echo && !load_stats_seen(&r->stats, ev->seq, ev->ts_ms)) {
                session_fail(s, "event seq %llu is too far from the others to be of this run",
                             (unsigned long long)ev->seq);
                return;
            }
        }
        if (opt->echo)
            echo_next(r, s);
        return;
    }

    if (r->finishing || r->counted_out)
        return; /* what arrives while closing is not what was asked for */
    output_event(opt->json, ev, text, (int64_t)(latency_us / 1000));
    if (opt->send && r->sent && !r->echoed && ev->kind == EVENT_CHAT &&
        strcmp(text, opt->send) == 0) {
        r->echoed = true;
        output_sent(opt->json, opt->send, ev->seq, (double)(client_now_us() - r->sent_us) / 1000.0);
        if (!opt->count && !opt->duration_ms) {
            run_finish(r, 0); /* it came back: that is what was asked */
            return;
        }
    }
    if (opt->count && s->events >= (uint64_t)opt->count) {
        /* An HTTP client's --send goes up on a connection of its own, which
         * may still be connecting when the first response already brought
         * N events (a poll since=0 brings the whole backlog): the run ends
         * when that POST is answered, so the message is never dropped. */
        if (r->post.started && !r->post.done)
            r->counted_out = true;
        else
            run_finish(r, 0);
    } else if (opt->echo)
        echo_next(r, s);
}

/* ------------------------------------------------------------ summary */

static void summarise(struct run *r)
{
    const struct client_options *opt = r->opt;
    struct load_summary m = {
        .technique = opt->tech->name,
        .clients = r->n,
        .errors = r->errors,
        .first_error = r->first_error[0] ? r->first_error : NULL,
        .echo = opt->echo,
    };
    uint64_t header_bytes = 0, window_events = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct session *s = &r->sessions[i];
        m.requests += s->requests;
        m.bytes_up += s->bytes_up;
        m.bytes_down += s->bytes_down;
        header_bytes += s->header_bytes;
        window_events += s->window_events;
        if (!s->ready)
            continue;
        m.connected++;
        m.events_delivered += s->counted;
        if (opt->echo) {
            m.events_expected += s->echo_seq;
        } else {
            int64_t until = s->gone_ms && s->gone_ms < r->cut_ms ? s->gone_ms : r->cut_ms;
            m.events_expected += load_stats_expected(&r->stats, s->ready_ms, until);
        }
    }
    m.latency = load_stats_summary(&r->stats);
    /* What a technique pays per event once it runs: the header bytes each
     * client sent and received from its subscription to the cut, over the
     * events made after its subscription that arrived by the cut -- bytes
     * and events of one and the same window, as the client saw them.
     * Not the whole run: its set-up (the request and the head that
     * subscribe, a WebSocket upgrade) is paid once, and the drain adds
     * heads (a last poll, a close) for events made after the cut, which
     * are not counted.  Nor over events_delivered: it counts events by
     * when they were made, so it takes in those the drain brings, whose
     * heads came after the cut.  A first poll's backlog (events made
     * before the subscription) and the head that brought it are both
     * left out, so short polling pays what each later interval costs. */
    m.header_bytes_per_event = window_events ? (double)header_bytes / (double)window_events : 0;
    m.header_bytes_known = window_events > 0;
    m.duration_s = (double)(r->cut_us - r->start_us) / 1e6;
    m.drain_s = (double)(r->finish_us - r->cut_us) / 1e6;
    output_summary(opt->json, &m);
    if (m.errors || m.connected == 0 || m.events_delivered < m.events_expected)
        r->exit_code = 1;
}

/* ------------------------------------------------------------ set-up */

/* Every client needs a descriptor: raise the soft limit as far as needed,
 * and the hard limit too when it is lower (root may, up to fs.nr_open). */
static bool enough_descriptors(size_t clients)
{
    rlim_t need = (rlim_t)clients + FD_MARGIN;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
        return true;
    rlim_t hard = rl.rlim_max;
    rl.rlim_cur = need;
    if (hard != RLIM_INFINITY && hard < need)
        rl.rlim_max = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
        fprintf(stderr,
                "pushlab-client: %zu clients need %llu open files, but the limit is %llu and "
                "cannot be raised (%s); raise it: ulimit -Hn, /etc/security/limits.conf, or "
                "run as root (up to fs.nr_open)\n",
                clients, (unsigned long long)need, (unsigned long long)hard, strerror(errno));
        return false;
    }
    return true;
}

/* Each connection to one server port needs a source port of its own, and
 * one source address has about 28,000 (net.ipv4.ip_local_port_range).
 * Past LOAD_CLIENTS_PER_SOURCE clients, they take turns over 127.0.0.2,
 * .3, ... (every 127.x address is loopback); a server that is not on
 * loopback is reached from the usual address (sock_connect). */
static void spread_sources(struct run *r)
{
    size_t sources = (r->n + LOAD_CLIENTS_PER_SOURCE - 1) / LOAD_CLIENTS_PER_SOURCE;
    if (sources < 2)
        return;
    for (size_t i = 0; i < r->n; i++)
        r->sessions[i].source = 2 + (unsigned)(i % sources);
}

static void free_session(struct session *s)
{
    if (s->state && s->tech->cleanup)
        s->tech->cleanup(s);
    free(s->state);
    free(s->echo_sent_us);
}

static const struct session_hooks run_hooks = {
    .sent_first = run_session_sent_first,
    .done = run_session_done,
    .event = run_event,
    .open = run_session_open,
};

int run_client(const struct client_options *opt)
{
    struct run r = {.opt = opt, .hooks = &run_hooks, .load = opt->clients > 0};
    r.n = r.load ? (size_t)opt->clients : 1;
    if (r.load && !enough_descriptors(r.n))
        return 1;
    load_stats_init(&r.stats);
    r.loop = loop_new();
    r.sessions = calloc(r.n, sizeof *r.sessions);
    /* SIGINT and SIGTERM arrive through the loop's signalfd (on_signal). */
    if (!r.loop || !r.sessions || loop_watch_signals(r.loop, on_signal, &r) < 0) {
        fprintf(stderr, "pushlab-client: cannot start: %s\n", strerror(errno));
        r.exit_code = 1;
        goto out;
    }
    for (size_t i = 0; i < r.n; i++) {
        struct session *s = &r.sessions[i];
        *s = (struct session){.run = &r, .tech = opt->tech, .connect_fd = -1};
        s->state = calloc(1, opt->tech->state_size);
        if (opt->echo)
            s->echo_sent_us = calloc((size_t)opt->in_flight, sizeof *s->echo_sent_us);
        if (!s->state || (opt->echo && !s->echo_sent_us)) {
            fprintf(stderr, "pushlab-client: out of memory for %zu clients\n", r.n);
            r.exit_code = 1;
            goto out;
        }
    }
    if (r.load)
        spread_sources(&r);
    r.start_us = client_now_us();
    if (opt->duration_ms > 0 &&
        !loop_add_timer(r.loop, (uint64_t)opt->duration_ms, 0, on_duration, &r)) {
        r.exit_code = 1;
        goto out;
    }
    if (r.load) {
        r.ramp = loop_add_timer(r.loop, 0, LOAD_CONNECT_STEP_MS, on_ramp, &r);
        if (!r.ramp) {
            r.exit_code = 1;
            goto out;
        }
    } else {
        r.started = 1;
        start_session(&r, &r.sessions[0]);
    }
    if (loop_run(r.loop) < 0) {
        fprintf(stderr, "pushlab-client: event loop failed: %s\n", strerror(errno));
        r.exit_code = 1;
    }
    loop_run_due(r.loop); /* frees the connections closed last */
    if (r.load)
        summarise(&r);
out:
    if (r.sessions)
        for (size_t i = 0; i < r.n; i++)
            free_session(&r.sessions[i]);
    free_session(&r.post);
    free(r.sessions);
    loop_free(r.loop); /* closes the signalfd too */
    load_stats_free(&r.stats);
    return r.exit_code;
}
