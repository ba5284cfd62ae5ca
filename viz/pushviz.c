/* pushviz.c -- main(): options, then capture -> engine -> output.
 *
 *   pushviz [-i IFACE | -r FILE] [-f BPF] [-Y EXPR] [-w FILE] [-Z USER]
 *           [--dump | --json] [--stats] [--ladder FILE] [--demo-note TEXT] [--realtime]
 *
 * The analysis lives in the engine (engine.h); this file only wires a
 * capture to it and its items to the chosen output: JSON lines, human
 * lines, the --stats table, or the interactive UI (ui.h).  Its state is
 * one static struct, because a signal handler must reach the capture to
 * stop it cleanly: Ctrl-C and SIGTERM end the capture the normal way, so
 * the -w file gets every packet captured, and its full path is printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "engine.h"
#include "filter/filter.h"
#include "output/output.h"
#include "pushlab.h"
#include "items/stats.h"
#include "output/ladder.h"
#include "ui/ui.h"

static struct {
    struct capture capture;
    struct engine *engine;
    struct stats *stats;    /* --stats, or NULL */
    struct filter *filter;  /* -Y, or NULL */
    bool filter_endpoints;  /* ... which tests a flow's host or port */
    FILE *ladder_out;       /* --ladder: opened before privileges go, or NULL */
    bool ladder_svg;        /* ... and written as SVG (else text) */
    struct item **kept;     /* --ladder: copies of the items that passed (owned) */
    size_t nkept, cap_kept;
    bool json, dump;        /* per-item output */
    volatile int quit;      /* set by SIGINT/SIGTERM */
} app;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: pushviz [-i IFACE | -r FILE] [-f BPF] [-Y EXPR] [-w FILE] [-Z USER]\n"
            "               [--dump | --json] [--stats] [--ladder FILE] [--demo-note TEXT]\n"
            "               [--realtime]\n"
            "\n"
            "Shows push traffic (polling, long polling, streaming, Flash, SSE, WebSocket)\n"
            "packet by packet: TCP, HTTP heads, chunks, parts, SSE events, WebSocket frames,\n"
            "Flash messages, pushlab events with their delivery latency, and RTTs.\n"
            "\n"
            "  -i IFACE         capture live on IFACE (default %s; needs root or CAP_NET_RAW)\n"
            "  -r FILE          read a pcap or pcapng file, gzip-compressed too (- for stdin)\n"
            "  -f BPF           capture filter, as tcpdump takes it (e.g. \"tcp port 8001\")\n"
            "  -Y EXPR          display filter, e.g. 'technique == ws and opcode == text'\n"
            "                   (fields, operators, examples: man pushviz, DISPLAY FILTERS)\n"
            "  -w FILE          also write every captured packet to FILE (pcap)\n"
            "  -Z USER          as root, become USER once the capture is open\n"
            "                   (default %s)\n"
            "  --dump           one human-readable line per item\n"
            "  --json           one JSON object per item (man pushviz, JSON LINES)\n"
            "  --stats          at the end, a table per technique (alone: only the table)\n"
            "  --ladder FILE    write the ladder (sequence diagram) of the flows that pass -Y\n"
            "                   to FILE: SVG when it ends in .svg, else text; then exit\n"
            "  --demo-note TEXT\n"
            "                   a note for the interactive UI's status line\n"
            "  --realtime       UI replay of -r FILE at capture speed (space pause, . step)\n"
            "  -h, --help       this help;  --version  the version\n"
            "\n"
            "Without --dump, --json or --stats pushviz runs its interactive UI when stdout is\n"
            "a terminal, and prints --dump lines when it is not.\n",
            VIZ_DEFAULT_IFACE, VIZ_DEFAULT_USER);
}

/* Does the item pass -Y?  Capture-wide items (flow 0: capture errors and
 * counts) always do: they are about the capture, not the traffic. */
static bool passes(const struct item *it)
{
    if (!app.filter || it->flow == 0)
        return true;
    struct filter_flow ff = {engine_flow_technique(app.engine, it->flow), NULL, NULL};
    if (app.filter_endpoints)
        engine_flow_endpoints(app.engine, it->flow, &ff.client, &ff.server);
    return filter_match(app.filter, it, &ff);
}

/* --ladder: keep a copy (up to a bound: a ladder for slides is short). */
static void keep(const struct item *it)
{
    if (app.nkept == 4 * (size_t)LADDER_MAX_ROWS)
        return;
    if (app.nkept == app.cap_kept) {
        size_t cap = app.cap_kept ? app.cap_kept * 2 : 1024;
        struct item **v = realloc(app.kept, cap * sizeof *v);
        if (!v)
            return;
        app.kept = v;
        app.cap_kept = cap;
    }
    struct item *copy = item_dup(it, 0);
    if (copy)
        app.kept[app.nkept++] = copy;
}

/* --ladder: the ladder of every item kept.  0, or 1 when it failed. */
/* The --ladder file, opened now, as the user who asked (privileges go
 * with the capture's open), but not emptied until the ladder is written:
 * a capture that cannot be opened leaves the file as it was, and one
 * created for nothing is removed (*created says which).  -1: it cannot
 * be written; -2: it is the file being read or saved, refused, as writing
 * the ladder over it would destroy the capture. */
static int open_ladder_file(const char *path, const struct capture_options *copt, bool *created)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    *created = fd >= 0;
    if (fd < 0 && errno == EEXIST)
        fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "pushviz: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat ladder, other;
    const char *capture_files[] = {copt->file, copt->write};
    for (size_t i = 0; i < 2 && !*created; i++) {
        const char *f = capture_files[i];
        if (f && strcmp(f, "-") != 0 && fstat(fd, &ladder) == 0 && stat(f, &other) == 0 &&
            ladder.st_dev == other.st_dev && ladder.st_ino == other.st_ino) {
            fprintf(stderr, "pushviz: --ladder %s is the capture file %s; choose another name\n", path,
                    i == 0 ? "being read" : "being saved");
            close(fd);
            return -2;
        }
    }
    if (!(app.ladder_out = fdopen(fd, "w"))) { /* "w" on a descriptor: it does not truncate */
        fprintf(stderr, "pushviz: cannot write %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return 0;
}

static int write_ladder(const char *path)
{
    struct ladder l;
    struct ladder_options lo = {false, NULL, NULL, NULL, 0};
    int rc = ladder_build(&l, (const struct item *const *)app.kept, app.nkept, &lo);
    if (rc == 0 && ftruncate(fileno(app.ladder_out), 0) != 0)
        rc = -1; /* the old contents go only now, when the new ones are ready */
    if (rc == 0)
        rc = app.ladder_svg ? ladder_write_svg(&l, app.ladder_out) : ladder_write_text(&l, app.ladder_out, 100);
    if (fclose(app.ladder_out) != 0)
        rc = -1;
    app.ladder_out = NULL;
    if (rc < 0)
        fprintf(stderr, "pushviz: writing the ladder to %s failed\n", path);
    else
        fprintf(stderr, "pushviz: wrote a ladder of %zu rows to %s\n", l.n, path);
    ladder_free(&l);
    for (size_t i = 0; i < app.nkept; i++)
        free(app.kept[i]);
    free(app.kept);
    return rc < 0 ? 1 : 0;
}

static void on_item(void *ctx, const struct item *it)
{
    (void)ctx;
    if (!passes(it))
        return;
    if (app.ladder_out)
        keep(it);
    if (app.json)
        output_json(stdout, it);
    else if (app.dump)
        output_dump(stdout, it);
    if (app.stats)
        stats_item(app.stats, it);
}

static void on_signal(int sig)
{
    (void)sig;
    app.quit = 1;
    capture_stop(&app.capture);
}

/* Read the capture to its end: a file's, or a live capture's after a
 * signal (capture_stop, then what was captured is handed over).  0, or 1
 * after an input error. */
static int run_batch(void)
{
    char err[PCAP_ERRBUF_SIZE + PATH_MAX + 64];
    int status = 0;
    while (app.capture.live || !app.quit) {
        int n = capture_dispatch(&app.capture, 0, engine_capture_handler, app.engine, err, sizeof err);
        if (n == 0) {
            /* Live, nothing queued: what waits for capture time to pass
             * (a reset flow, a lone GET's flow item) is decided as far as
             * the clock has gone, then sleep until the reader has packets
             * or the clock has moved on (a signal interrupts the wait; the
             * reader then ends). */
            engine_settle(app.engine, capture_settled_ns(&app.capture));
            output_json_flush();
            struct pollfd pfd = {capture_fd(&app.capture), POLLIN, 0};
            poll(&pfd, 1, VIZ_LIVE_SETTLE_MS);
            continue;
        }
        if (app.capture.live)
            output_json_flush(); /* a live batch is shown now, not when a block has filled */
        if (n == CAPTURE_EOF)
            break;
        if (n == CAPTURE_FAILED) {
            engine_input_error(app.engine, err);
            fprintf(stderr, "pushviz: %s\n", err);
            status = 1;
            break;
        }
    }
    if (app.capture.live) {
        struct capture_stats st;
        capture_stats(&app.capture, &st);
        if (st.dropped || st.if_dropped) {
            /* Lost before pushviz saw them: the gaps in the streams say where. */
            snprintf(err, sizeof err, "%llu packets dropped by the kernel, %llu by the interface",
                     (unsigned long long)st.dropped, (unsigned long long)st.if_dropped);
            engine_input_error(app.engine, err);
        }
        engine_capture_stats(app.engine, &st);
    }
    engine_finish(app.engine);
    output_json_flush(); /* the lines go before the --stats table */
    if (app.stats) {
        stats_print(app.stats, stdout);
        char passed_over[256];
        if (engine_passed_over(app.engine, passed_over, sizeof passed_over))
            printf("\n%s\n", passed_over); /* under the tables, which keep their shape */
    }
    return status;
}

/* -Y: the compiled filter, or NULL after saying what is wrong and where:
 *     pushviz: -Y: unknown field 'methd' (fields: ...)
 *       methd == GET
 *       ^^^^^                                                              */
static struct filter *compile_filter(const char *expr)
{
    struct filter_error err;
    struct filter *f = filter_compile(expr, &err);
    if (f)
        return f;
    fprintf(stderr, "pushviz: -Y: %s\n  %s\n  ", err.message, expr);
    /* one column per character: UTF-8 continuation bytes take none */
    for (size_t i = 0; i < err.pos && expr[i]; i++)
        if (((unsigned char)expr[i] & 0xC0) != 0x80)
            fputc(expr[i] == '\t' ? '\t' : ' ', stderr);
    for (size_t i = 0; i < err.len; i++)
        if (!expr[err.pos + i] || ((unsigned char)expr[err.pos + i] & 0xC0) != 0x80)
            fputc('^', stderr);
    fputc('\n', stderr);
    return NULL;
}

int main(int argc, char **argv)
{
    enum { OPT_DUMP = 256, OPT_JSON, OPT_STATS, OPT_NOTE, OPT_VERSION, OPT_REALTIME, OPT_LADDER };
    static const struct option longopts[] = {
        {"dump", no_argument, NULL, OPT_DUMP},
        {"json", no_argument, NULL, OPT_JSON},
        {"stats", no_argument, NULL, OPT_STATS},
        {"demo-note", required_argument, NULL, OPT_NOTE},
        {"realtime", no_argument, NULL, OPT_REALTIME},
        {"ladder", required_argument, NULL, OPT_LADDER},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    struct capture_options copt = {.iface = VIZ_DEFAULT_IFACE, .user = VIZ_DEFAULT_USER};
    bool iface_given = false, want_stats = false, realtime = false;
    const char *note = NULL;
    int c;
    const char *display_filter = NULL, *ladder_path = NULL;
    setlocale(LC_CTYPE, ""); /* UTF-8 widths (wcwidth) for text ladders and the UI */
    argv[0] = (char *)"pushviz"; /* getopt's messages name argv[0]: the program, not the path typed */
    while ((c = getopt_long(argc, argv, "i:r:f:w:Z:Y:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i':
            copt.iface = optarg;
            iface_given = true;
            break;
        case 'r':
            copt.file = optarg;
            break;
        case 'f':
            copt.filter = optarg;
            break;
        case 'w':
            copt.write = optarg;
            break;
        case 'Z':
            copt.user = optarg;
            break;
        case 'Y':
            display_filter = optarg;
            break;
        case OPT_DUMP:
            app.dump = true;
            break;
        case OPT_JSON:
            app.json = true;
            break;
        case OPT_STATS:
            want_stats = true;
            break;
        case OPT_NOTE:
            note = optarg;
            break;
        case OPT_REALTIME:
            realtime = true;
            break;
        case OPT_LADDER:
            ladder_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("pushviz %s\n", PUSHLAB_VERSION);
            return 0;
        default: /* getopt said what was wrong */
            fprintf(stderr, "Try 'pushviz --help'.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "pushviz: unexpected argument '%s' (a filter goes after -f)\n", argv[optind]);
        return 2;
    }
    if (iface_given && copt.file) {
        fprintf(stderr, "pushviz: -i and -r exclude each other: capture live or read a file\n");
        return 2;
    }
    if (app.dump && app.json) {
        fprintf(stderr, "pushviz: choose one of --dump and --json\n");
        return 2;
    }
    if (display_filter && !(app.filter = compile_filter(display_filter)))
        return 2;
    app.filter_endpoints = app.filter && filter_needs_endpoints(app.filter);
    bool interactive = !app.dump && !app.json && !want_stats && !ladder_path && isatty(STDOUT_FILENO);
    if (!app.dump && !app.json && !want_stats && !ladder_path && !interactive)
        app.dump = true; /* a pipe or a file gets the human lines */
    bool ladder_created = false;
    if (ladder_path) {
        int rc = open_ladder_file(ladder_path, &copt, &ladder_created);
        if (rc < 0)
            return rc == -2 ? 2 : 1;
        app.ladder_svg = ladder_path_is_svg(ladder_path);
    }

    /* Before the capture opens: a Ctrl-C during a slow activation (and in
     * a shell's background job, where SIGINT starts out ignored) counts too. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    char err[PCAP_ERRBUF_SIZE + PATH_MAX + 256];
    copt.saves_later = interactive; /* `w` and the ladder's export save files */
    if (capture_open(&app.capture, &copt, err, sizeof err) < 0) {
        fprintf(stderr, "pushviz: %s\n", err);
        if (ladder_created)
            unlink(ladder_path); /* nothing to write: leave no empty file behind */
        return 1;
    }
    app.engine = engine_new(on_item, NULL);
    if (want_stats)
        app.stats = stats_new();
    if (!app.engine || (want_stats && !app.stats)) {
        fprintf(stderr, "pushviz: out of memory\n");
        capture_close(&app.capture, err, sizeof err);
        return 1;
    }
    int status;
    if (interactive) {
        struct ui_options uopt = {copt.file ? copt.file : copt.iface, note, want_stats, realtime,
                                  copt.file && strcmp(copt.file, "-") == 0, display_filter};
        status = ui_run(&app.capture, app.engine, &uopt, &app.quit);
    } else {
        /* Live lines should appear as they happen; a file is read fast.
         * --json builds its lines in large blocks of its own (json.c),
         * which then go out in one write each instead of passing through
         * stdout's buffer (two writes and a copy). */
        if (!copt.file)
            setvbuf(stdout, NULL, _IOLBF, 0);
        else if (app.json)
            setvbuf(stdout, NULL, _IONBF, 0);
        status = run_batch();
    }
    fflush(stdout);
    if (ladder_path && write_ladder(ladder_path))
        status = 1;
    if (capture_close(&app.capture, err, sizeof err) < 0) {
        fprintf(stderr, "pushviz: %s\n", err);
        status = 1;
    } else if (copt.write) {
        fprintf(stderr, "pushviz: wrote %llu packets to %s\n", (unsigned long long)app.capture.out.packets,
                app.capture.out.path);
    }
    engine_free(app.engine);
    stats_free(app.stats);
    filter_free(app.filter);
    return status;
}
