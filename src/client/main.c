/* main.c -- pushlab-client: every push technique as a client, and a load
 * mode that compares them.
 *
 *   pushlab-client TECHNIQUE [URL] [options]
 *
 * This file only reads the command line (DESIGN.md, "Client") and hands
 * the options to run.c.  The techniques live in tech_*.c, one file per
 * family; see pushlab-client(1).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "proto/printable.h"
#include "proto/utf8.h"
#include "pushlab.h"

const struct technique_ops *const techniques[] = {
    &tech_poll, &tech_jsonp, &tech_longpoll, &tech_iframe, &tech_xhr,
    &tech_multipart, &tech_flash, &tech_sse, &tech_ws, NULL,
};

static void usage(FILE *out)
{
    fprintf(out, "usage: pushlab-client TECHNIQUE [URL] [options]\n\n"
                 "Receives a pushlab server's events with one push technique and prints one\n"
                 "line per event with its delivery latency; or, with --clients, runs many\n"
                 "clients at once and prints a summary.\n\n"
                 "techniques (and their default port):\n");
    for (const struct technique_ops *const *t = techniques; *t; t++)
        fprintf(out, "  %-10s %4d  %s\n", (*t)->name, (*t)->default_port, (*t)->summary);
    fprintf(out,
            "\nURL: http://HOST:PORT (ws:// for ws; tcp:// or HOST:PORT for flash).  Without\n"
            "a path the technique's own path is used; a path is used as given.  Without a\n"
            "URL: 127.0.0.1 and the technique's default port.\n\n"
            "options:\n"
            "  -n, --count N          stop after N events\n"
            "  -d, --duration S       stop after S seconds (load mode default %d)\n"
            "      --hold S           load mode: stop S seconds after the last client has\n"
            "                         sent its first request (instead of --duration)\n"
            "  -s, --send TEXT        send TEXT as chat (POST /send, or a WebSocket or Flash\n"
            "                         message) and report how long until it comes back\n"
            "  -j, --json             JSON output: one object per event, or the summary\n"
            "  -c, --clients N        load mode: N clients on one event loop (up to %d)\n"
            "      --poll-interval MS\n"
            "                         poll and jsonp: time between polls (default %d)\n"
            "      --echo             ws: send a message, wait for its echo, repeat (/echo)\n"
            "      --in-flight N      --echo: N messages out at once per client (default 1)\n"
            "  -h, --help             this help\n"
            "      --version          print the version\n\n"
            "Exit status: 0 on success; 1 when the server cannot be reached or answers\n"
            "something it should not (or, in load mode, on errors or missing events);\n"
            "2 for a bad command line.  See pushlab-client(1).\n",
            LOAD_DEFAULT_DURATION_S, LOAD_MAX_CLIENTS, CLIENT_POLL_INTERVAL_MS);
}

/* Say what is wrong with the command line; returns the exit code 2. */
static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pushlab-client: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'pushlab-client --help'.\n");
    va_end(ap);
    return 2;
}

/* A whole number in [min, max], or -1. */
static long whole_number(const char *text, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max)
        return -1;
    return v;
}

/* Seconds as given on the command line ("2", "0.5", at most a week) in
 * milliseconds, at least 1; -1 if text is not such a number. */
static long milliseconds(const char *text)
{
    char *end;
    double sec = strtod(text, &end);
    if (end == text || *end || !isfinite(sec) || sec <= 0 || sec > 86400 * 7)
        return -1;
    long ms = (long)(sec * 1000 + 0.5);
    return ms ? ms : 1;
}

/* Check the URL against the technique and fill in its defaults. */
static int settle_url(struct client_options *opt, const char *text)
{
    struct url *u = &opt->url;
    const struct technique_ops *t = opt->tech;
    if (text) {
        const char *why;
        if (url_parse(text, u, &why) < 0)
            return bad_usage("bad URL: %s", why);
    } else {
        snprintf(u->host, sizeof u->host, "%s", DEFAULT_BIND);
        u->port = -1;
    }
    bool raw = t == &tech_flash;
    bool ok = !u->scheme[0] || (raw ? strcmp(u->scheme, "tcp") == 0
                                    : strcmp(u->scheme, "http") == 0 ||
                                          (t == &tech_ws && strcmp(u->scheme, "ws") == 0));
    if (!ok)
        return bad_usage("this technique does not speak %s://", u->scheme);
    if (raw && u->target[0])
        return bad_usage("a Flash socket is plain TCP: no path (%s)", u->target);
    if (u->port < 0)
        u->port = t->default_port;
    if (opt->echo && !u->target[0])
        snprintf(u->target, sizeof u->target, "/echo");
    return 0;
}

int main(int argc, char **argv)
{
    struct client_options opt = {.poll_interval_ms = CLIENT_POLL_INTERVAL_MS};
    enum { OPT_POLL_INTERVAL = 1000, OPT_ECHO, OPT_IN_FLIGHT, OPT_HOLD, OPT_VERSION };
    static const struct option longopts[] = {
        {"count", required_argument, NULL, 'n'},
        {"duration", required_argument, NULL, 'd'},
        {"hold", required_argument, NULL, OPT_HOLD},
        {"send", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"clients", required_argument, NULL, 'c'},
        {"poll-interval", required_argument, NULL, OPT_POLL_INTERVAL},
        {"echo", no_argument, NULL, OPT_ECHO},
        {"in-flight", required_argument, NULL, OPT_IN_FLIGHT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {0},
    };
    int c;
    argv[0] = (char *)"pushlab-client"; /* getopt's messages name argv[0]: the program, not the path typed */
    /* '+' is not used: options may come after TECHNIQUE and URL. */
    while ((c = getopt_long(argc, argv, "n:d:s:jc:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if ((opt.count = whole_number(optarg, 1, 1000000000)) < 0)
                return bad_usage("--count takes a whole number from 1, not \"%s\"", optarg);
            break;
        case 'd':
            if ((opt.duration_ms = milliseconds(optarg)) < 0)
                return bad_usage("--duration takes seconds (like 2 or 0.5), not \"%s\"", optarg);
            break;
        case OPT_HOLD:
            if ((opt.hold_ms = milliseconds(optarg)) < 0)
                return bad_usage("--hold takes seconds (like 2 or 0.5), not \"%s\"", optarg);
            break;
        case 's':
            if (strlen(optarg) == 0 || strlen(optarg) > MAX_CHAT_BYTES)
                return bad_usage("--send takes 1 to %d bytes of text", MAX_CHAT_BYTES);
            /* Chat is text on every wire (a WebSocket text frame, JSON in
             * the events): the servers replace or refuse other bytes, so
             * such a message would never come back as sent. */
            if (!utf8_valid((const uint8_t *)optarg, strlen(optarg))) {
                char shown[4 * MAX_CHAT_BYTES + 1]; /* every byte may become \xHH */
                printable_text(shown, sizeof shown, optarg, strlen(optarg));
                return bad_usage("--send takes UTF-8 text, not \"%s\"", shown);
            }
            opt.send = optarg;
            break;
        case 'j':
            opt.json = true;
            break;
        case 'c':
            if ((opt.clients = whole_number(optarg, 1, LOAD_MAX_CLIENTS)) < 0)
                return bad_usage("--clients takes a whole number from 1 to %d, not \"%s\"",
                                 LOAD_MAX_CLIENTS, optarg);
            break;
        case OPT_POLL_INTERVAL:
            if ((opt.poll_interval_ms = whole_number(optarg, 1, 3600000)) < 0)
                return bad_usage("--poll-interval takes milliseconds (1 to 3600000), not \"%s\"",
                                 optarg);
            break;
        case OPT_ECHO:
            opt.echo = true;
            break;
        case OPT_IN_FLIGHT:
            if ((opt.in_flight = whole_number(optarg, 1, ECHO_MAX_IN_FLIGHT)) < 0)
                return bad_usage("--in-flight takes a whole number from 1 to %d, not \"%s\"",
                                 ECHO_MAX_IN_FLIGHT, optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("pushlab-client %s\n", PUSHLAB_VERSION);
            return 0;
        default:
            fprintf(stderr, "Try 'pushlab-client --help'.\n");
            return 2;
        }
    }
    if (optind >= argc)
        return bad_usage("which technique?");
    for (const struct technique_ops *const *t = techniques; *t; t++)
        if (strcmp((*t)->name, argv[optind]) == 0)
            opt.tech = *t;
    if (!opt.tech)
        return bad_usage("unknown technique \"%s\"", argv[optind]);
    const char *url = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (optind + 2 < argc)
        return bad_usage("unexpected argument \"%s\"", argv[optind + 2]);
    if (opt.echo && opt.tech != &tech_ws)
        return bad_usage("--echo is for the ws technique");
    if (opt.in_flight && !opt.echo)
        return bad_usage("--in-flight is for --echo");
    if (!opt.in_flight)
        opt.in_flight = 1;
    if (opt.echo && opt.send)
        return bad_usage("--echo and --send do not go together");
    if (opt.clients && opt.send)
        return bad_usage("--send is for one client, not with --clients");
    if (opt.clients && opt.count)
        return bad_usage("--count is for one client; a load run ends after --duration");
    if (opt.hold_ms && !opt.clients)
        return bad_usage("--hold is for load mode (--clients)");
    if (opt.hold_ms && opt.duration_ms)
        return bad_usage("--hold and --duration do not go together: one says when the run ends");
    if (opt.clients && !opt.duration_ms && !opt.hold_ms)
        opt.duration_ms = LOAD_DEFAULT_DURATION_S * 1000L;
    int rc = settle_url(&opt, url);
    if (rc)
        return rc;
    return run_client(&opt);
}
