/* server.c -- the common life of every pushlab server: flags, listening,
 * accepting, the hub and its ticks, clean shutdown (server.h).  It prints
 * nothing itself: its words go to the program's sinks (log.c), except
 * getopt_long's own complaint about an unknown option, which the C library
 * writes to stderr.
 */
#include "lab/server.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lab/peer.h"
#include "net/sock.h"
#include "pushlab.h"

#define MAX_FLAGS 8 /* technique flags a server may add */

/* ------------------------------------------------------------ flags */

/* One option of --help: the left column and what the option does. */
struct usage_row {
    char option[48]; /* "-p, --port PORT", "    --hold SECONDS" */
    char help[160];  /* "connections at once (default 20000)" */
};

static void usage_row(struct usage_row *r, const char *option, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void usage_row(struct usage_row *r, const char *option, const char *fmt, ...)
{
    snprintf(r->option, sizeof r->option, "%s", option);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->help, sizeof r->help, fmt, ap);
    va_end(ap);
}

#define HELP_WIDTH 79 /* --help fits a terminal of 80 columns */

/* Words of text printed from column col on, a line broken before a word
 * that would pass HELP_WIDTH, each new line starting at column indent. */
static void say_wrapped(const struct server *s, int col, int indent, const char *text)
{
    bool first = true;
    while (*text) {
        size_t len = strcspn(text, " ");
        if (!first && col + 1 + (int)len > HELP_WIDTH) {
            server_say(s->sinks, false, "\n%*s", indent, "");
            col = indent;
        } else if (!first) {
            server_say(s->sinks, false, " ");
            col++;
        }
        server_say(s->sinks, false, "%.*s", (int)len, text);
        col += (int)len;
        first = false;
        text += len;
        text += strspn(text, " ");
    }
    server_say(s->sinks, false, "\n");
}

static void usage(const struct server *s)
{
    const struct technique *t = s->tech;
    server_say(s->sinks, false,
               "usage: pushlab-%s [options]\n", t->name);
    say_wrapped(s, 0, 0, t->summary);
    server_say(s->sinks, false,
               "\nendpoints:\n%s"
               "  GET  /           the demo page (open it in a browser)\n"
               "  POST /send       body = chat text, broadcast as an event (204)\n\n"
               "options:\n",
               t->endpoints ? t->endpoints : "");
    /* A technique adds options with names of any length, so the rows are
     * gathered first and the help column is placed after the longest.
     * The shared options: 4 before the technique's, 3 after. */
    struct usage_row rows[7 + MAX_FLAGS];
    size_t n = 0;
    usage_row(&rows[n++], "-p, --port PORT", "port to listen on (default %d; 0 = any free port)",
              t->default_port);
    usage_row(&rows[n++], "-b, --bind ADDR",
              "address to listen on (default %s; ::1 for IPv6, :: for IPv6 and IPv4)", DEFAULT_BIND);
    usage_row(&rows[n++], "    --interval MS", "a tick event every MS milliseconds (default %d; 0 = none)",
              DEFAULT_INTERVAL_MS);
    usage_row(&rows[n++], "    --max-clients N", "connections at once (default %d)", DEFAULT_MAX_CLIENTS);
    for (const struct server_flag *f = t->flags; f && f->name && n < 4 + MAX_FLAGS; f++) {
        char option[sizeof rows[n].option];
        snprintf(option, sizeof option, "    --%s %s", f->name, f->metavar);
        usage_row(&rows[n++], option, "%s (default %ld%s%s)", f->help, *f->value,
                  f->zero ? "; 0 = " : "", f->zero ? f->zero : "");
    }
    usage_row(&rows[n++], "-v, --verbose", "log every request");
    usage_row(&rows[n++], "-h, --help", "this help");
    usage_row(&rows[n++], "    --version", "print the version");
    int width = 0;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(rows[i].option) > width)
            width = (int)strlen(rows[i].option);
    for (size_t i = 0; i < n; i++) {
        server_say(s->sinks, false, "  %-*s  ", width, rows[i].option);
        say_wrapped(s, width + 4, width + 4, rows[i].help);
    }
    server_say(s->sinks, false,
               "\nThe first line on stdout is \"listening on ADDR:PORT\".  See pushlab-%s(1).\n",
               t->name);
}

/* Parse a whole number in [min, max]; false with a message otherwise. */
static bool parse_number(const struct server *s, const char *flag, const char *text, long min,
                         long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        server_say(s->sinks, true, "pushlab-%s: %s takes a whole number from %ld to %ld, not \"%s\"\n",
                   s->tech->name, flag, min, max, text);
        return false;
    }
    *out = v;
    return true;
}

/* Returns -1 to go on, or an exit code. */
static int parse_flags(struct server *s, int argc, char **argv)
{
    const struct technique *t = s->tech;
    enum { OPT_INTERVAL = 1000, OPT_MAX_CLIENTS, OPT_VERSION, OPT_TECH };
    struct option opts[8 + MAX_FLAGS + 1] = {
        {"port", required_argument, NULL, 'p'},
        {"bind", required_argument, NULL, 'b'},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
    };
    int n = 7;
    for (const struct server_flag *f = t->flags; f && f->name && n < 7 + MAX_FLAGS; f++, n++)
        opts[n] = (struct option){f->name, required_argument, NULL, OPT_TECH + (n - 7)};
    opts[n] = (struct option){0};

    s->opt.port = t->default_port;
    s->opt.bind = DEFAULT_BIND;
    s->opt.interval_ms = DEFAULT_INTERVAL_MS;
    s->opt.max_clients = DEFAULT_MAX_CLIENTS;
    long v;
    int c;
    /* getopt starts its messages with argv[0], the path typed
     * ("bin/pushlab-poll: unrecognized option"): name the program, as our
     * own messages do. */
    static char prog[32]; /* (argv keeps pointing at it) */
    snprintf(prog, sizeof prog, "pushlab-%s", t->name);
    argv[0] = prog;
    while ((c = getopt_long(argc, argv, "p:b:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (!parse_number(s, "--port", optarg, 0, 65535, &v))
                return 2;
            s->opt.port = (int)v;
            break;
        case 'b': {
            struct sockaddr_storage ss;
            socklen_t len;
            const char *why;
            if (sock_address(optarg, 0, &ss, &len, &why) < 0) {
                server_say(s->sinks, true, "pushlab-%s: --bind takes an address: \"%s\" is %s\n",
                           t->name, optarg, why);
                return 2;
            }
            s->opt.bind = optarg;
            break;
        }
        case OPT_INTERVAL:
            if (!parse_number(s, "--interval", optarg, 0, 3600000, &s->opt.interval_ms))
                return 2;
            break;
        case OPT_MAX_CLIENTS:
            if (!parse_number(s, "--max-clients", optarg, 1, 1000000, &s->opt.max_clients))
                return 2;
            break;
        case 'v':
            s->opt.verbose = true;
            break;
        case 'h':
            usage(s);
            return 0;
        case OPT_VERSION:
            server_say(s->sinks, false, "pushlab-%s %s\n", t->name, PUSHLAB_VERSION);
            return 0;
        default:
            if (c >= OPT_TECH && c < OPT_TECH + MAX_FLAGS) {
                const struct server_flag *f = &t->flags[c - OPT_TECH];
                char flag[40];
                snprintf(flag, sizeof flag, "--%s", f->name);
                if (!parse_number(s, flag, optarg, f->min, f->max, f->value))
                    return 2;
                break;
            }
            server_say(s->sinks, true, "Try 'pushlab-%s --help'.\n", t->name);
            return 2;
        }
    }
    if (optind < argc) {
        server_say(s->sinks, true, "pushlab-%s: unexpected argument \"%s\"\nTry 'pushlab-%s --help'.\n",
                   t->name, argv[optind], t->name);
        return 2;
    }
    return -1;
}

/* ------------------------------------------------------------ accepting */

/* Answer 503 on a connection we will not serve, and close it.  The
 * response fits in any socket buffer, so one non-blocking send does. */
static void refuse(int fd)
{
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
                               "Content-Length: 0\r\nConnection: close\r\n\r\n";
    ssize_t ignored = send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
    close(fd);
}

static void on_accept(struct loop *loop, int fd, unsigned events, void *arg);

static void resume_accepting(struct loop *loop, void *arg)
{
    struct server *s = arg;
    s->accept_timer = NULL;
    if (loop_add_fd(loop, s->listen_fd, LOOP_READ, on_accept, s) < 0)
        server_log(s, "cannot watch the listening socket again: %s", strerror(errno));
}

/* accept() failed with EMFILE or ENFILE: every descriptor is in use.  The
 * connection stays in the listen queue, so the loop -- level-triggered --
 * would call us again at once, for ever: a busy loop.  Instead, give up
 * the reserve descriptor to take one waiting client and tell it 503, then
 * stop watching the listening socket for ACCEPT_PAUSE_MS; the others wait
 * in the queue until descriptors come free. */
static void out_of_descriptors(struct server *s, int error)
{
    if (s->reserve_fd >= 0) {
        close(s->reserve_fd);
        int cfd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd >= 0) {
            refuse(cfd);
            s->fd_refused++;
        }
        s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    uint64_t now = loop_now_ms(s->loop);
    if (!s->fd_log_ms || now - s->fd_log_ms >= FD_LOG_INTERVAL_MS) {
        server_log(s, "accept: %s: %lu connection(s) refused with 503, accepting paused "
                      "(%zu open; raise ulimit -n)",
                   strerror(error), s->fd_refused, s->clients);
        s->fd_log_ms = now;
        s->fd_refused = 0;
    }
    loop_del_fd(s->loop, s->listen_fd);
    s->accept_timer = loop_add_timer(s->loop, ACCEPT_PAUSE_MS, 0, resume_accepting, s);
    if (!s->accept_timer) /* cannot pause: keep accepting rather than stop for good */
        resume_accepting(s->loop, s);
}

static void on_accept(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)events;
    struct server *s = arg;
    /* Take every waiting connection: level-triggered epoll would wake us
     * again anyway, but a burst of 10,000 clients is served sooner. */
    for (int i = 0; i < 256; i++) {
        char addr[SOCK_ADDR_MAX];
        int cfd = sock_accept(fd, addr);
        if (cfd < 0) {
            if (errno == EMFILE || errno == ENFILE)
                out_of_descriptors(s, errno);
            return;
        }
        if (s->clients >= (size_t)s->opt.max_clients) {
            refuse(cfd);
            server_log(s, "%s refused: --max-clients %ld reached", addr, s->opt.max_clients);
            continue;
        }
        struct peer *p = peer_new(s, cfd, addr);
        if (!p) {
            server_log(s, "%s dropped: out of memory", addr);
            continue;
        }
        if (s->opt.verbose)
            server_log(s, "%s connected", addr);
    }
}

/* Every client is a descriptor, and the usual soft limit is 1024: allow
 * --max-clients of them (and a few for the server itself), or at least
 * all the hard limit permits.  A hard limit below that is raised when we
 * may (root, up to fs.nr_open); when not, the server says so and runs
 * with what it has (accepting pauses when descriptors run out). */
static void raise_fd_limit(struct server *s)
{
    rlim_t need = (rlim_t)s->opt.max_clients + SERVER_FD_MARGIN;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    rlim_t hard = rl.rlim_max;
    if (hard != RLIM_INFINITY && hard < need) {
        rl.rlim_cur = rl.rlim_max = need;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            return;
        if (hard < (rlim_t)s->opt.max_clients) /* the margin alone is not worth a word */
                    server_log(s, "open file limit %llu is below --max-clients %ld and cannot be "
                              "raised (%s): at most about %llu clients (ulimit -Hn, or run as root)",
                           (unsigned long long)hard, s->opt.max_clients, strerror(errno),
                           (unsigned long long)(hard > SERVER_FD_MARGIN ? hard - SERVER_FD_MARGIN : 0));
        rl.rlim_max = hard;
    }
    if (rl.rlim_cur < hard) {
        rl.rlim_cur = hard;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ------------------------------------------------------------ main */

int server_main(int argc, char **argv, const struct technique *tech,
                const struct server_sinks *sinks)
{
    struct server s = {.tech = tech, .sinks = sinks, .listen_fd = -1, .reserve_fd = -1};
    int rc = parse_flags(&s, argc, argv);
    if (rc >= 0)
        return rc;
    raise_fd_limit(&s);
    s.reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    s.loop = loop_new();
    s.hub = hub_new(HUB_BACKLOG);
    if (!s.loop || !s.hub || loop_stop_on_signals(s.loop) < 0) {
        server_say(sinks, true, "pushlab-%s: cannot start: %s\n", tech->name, strerror(errno));
        return 1;
    }
    char bound[SOCK_ADDR_MAX];
    const char *why = "";
    s.listen_fd = sock_listen(s.opt.bind, s.opt.port, LISTEN_BACKLOG, bound, &s.port, &why);
    if (s.listen_fd < 0) {
        server_say(sinks, true, "pushlab-%s: cannot listen on %s port %d: %s (%s)\n", tech->name,
                   s.opt.bind, s.opt.port, why, strerror(errno));
        return 1;
    }
    if (loop_add_fd(s.loop, s.listen_fd, LOOP_READ, on_accept, &s) < 0 ||
        hub_start_ticks(s.hub, s.loop, (uint64_t)s.opt.interval_ms) < 0 ||
        (tech->start && tech->start(&s) < 0)) {
        server_say(sinks, true, "pushlab-%s: cannot start: %s\n", tech->name, strerror(errno));
        return 1;
    }
    /* The contract's first line: scripts read the port from it. */
    server_say(sinks, false, "listening on %s\n", bound);

    if (loop_run(s.loop) < 0) {
        server_say(sinks, true, "pushlab-%s: event loop failed: %s\n", tech->name, strerror(errno));
        return 1;
    }

    /* Clean shutdown: say goodbye, end open streams, close everything. */
    if (s.opt.verbose)
        server_log(&s, "stopping: %zu connections", s.clients);
    if (tech->stopping)
        tech->stopping(&s);
    while (s.peers) {
        struct peer *p = s.peers;
        if (p->streaming)
            http_stream_end(p);
        conn_close(p->conn, "server stopping"); /* unlinks p */
    }
    loop_del_fd(s.loop, s.listen_fd);
    loop_cancel_timer(s.loop, s.accept_timer);
    close(s.listen_fd);
    if (s.reserve_fd >= 0)
        close(s.reserve_fd);
    /* The closed connections are freed by zero-delay timers: run them. */
    loop_run_due(s.loop);
    hub_free(s.hub);
    loop_free(s.loop);
    return 0;
}
