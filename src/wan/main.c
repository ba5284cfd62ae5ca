/* main.c -- pushlab-wan: an emulated wide-area link between the lab's
 * clients (on the host) and its servers (in a network namespace), so that
 * round trips, loss and a slow link can be seen on the wire.
 *
 *   pushlab-wan up [LINK OPTIONS]       build the link (link.c)
 *   pushlab-wan set LINK OPTIONS        change it while it runs
 *   pushlab-wan status                  what it does, and its counters
 *   pushlab-wan exec -- CMD [ARG...]    run CMD in the servers' namespace
 *   pushlab-wan down                    remove everything
 *   pushlab-wan run [LINK OPTIONS] -- CMD [ARG...]   up, exec, down
 *
 * Names and addresses are DESIGN.md's ("pushlab-wan"); see wan.h for the
 * picture and pushlab-wan(1) for the whole story.  This file reads the
 * command line and runs the command; `run` also makes sure that Ctrl-C
 * leaves nothing behind.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pushlab.h"
#include "wan/link.h"
#include "wan/settings.h"
#include "wan/sys.h"
#include "wan/wan.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: pushlab-wan up [LINK OPTIONS]\n"
            "       pushlab-wan set LINK OPTIONS\n"
            "       pushlab-wan status\n"
            "       pushlab-wan exec -- CMD [ARG...]\n"
            "       pushlab-wan down\n"
            "       pushlab-wan run [LINK OPTIONS] -- CMD [ARG...]\n\n"
            "Puts the lab's servers behind an emulated link: a network namespace \"%s\"\n"
            "whose interface %s has %s, reached from the host's interface %s\n"
            "(%s).\n"
            "Clients on the host connect to %s; capture with pushviz -i %s.\n"
            "Uses tc netem on a veth pair where the kernel has it, else a userspace link\n"
            "(two TUN devices and a relay process), and says which.\n\n"
            "link options (each direction gets them, so RTT = 2 x delay):\n"
            "      --delay MS        one-way delay in milliseconds (default 0)\n"
            "      --jitter MS       each packet's delay varies by up to +-MS (uniform)\n"
            "      --reorder         let jitter reorder packets (default: kept in order)\n"
            "      --loss PCT        drop each packet with this probability, in percent\n"
            "      --rate KBIT       link rate in kbit/s (1 kbit = 1000 bit; default: none)\n"
            "      --queue PKTS      packets held per direction before tail drop\n"
            "                        (default %d)\n"
            "      --backend B       auto (default), tun (userspace link) or netem\n"
            "  -v, --verbose         print every ip and tc command before it runs\n"
            "  -h, --help            this help\n"
            "      --version         print the version\n\n"
            "Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN).  `down` may be run any time;\n"
            "`run` removes everything when CMD ends or on Ctrl-C.\n"
            "Exit status: 0 on success, 1 on failure, 2 for a bad command line; `run`\n"
            "exits with CMD's status.  See pushlab-wan(1).\n",
            WAN_NETNS, WAN_NS_IF, WAN_NS_ADDR, WAN_HOST_IF, WAN_HOST_ADDR, WAN_NS_ADDR, WAN_HOST_IF,
            WAN_QUEUE_DEFAULT);
}

/* The last line of every command-line error; returns the exit code 2. */
static int try_help(void)
{
    fprintf(stderr, "Try 'pushlab-wan --help'.\n");
    return 2;
}

static int bad_usage(const char *what, const char *detail)
{
    fprintf(stderr, "pushlab-wan: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return try_help();
}

/* What the command line asked for. */
struct options {
    const char *command;          /* up, set, status, exec, down, run */
    char prog[32];                /* "pushlab-wan up": getopt's name for us in its errors */
    struct wan_settings settings; /* the link options, over the defaults */
    char changes[256];            /* the link options given, as NAME=VALUE words (for set) */
    enum wan_backend_choice backend;
    bool backend_given;           /* --backend was on the command line (up and run take it) */
    char **cmd;                   /* exec and run: the command after "--" */
};

enum { OPT_DELAY = 256, OPT_JITTER, OPT_LOSS, OPT_RATE, OPT_QUEUE, OPT_REORDER, OPT_BACKEND, OPT_VERSION };

/* Parse argv after the command word (argv[0] is the command word, and
 * becomes o->prog).  Returns 0, or an exit code. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"delay", required_argument, NULL, OPT_DELAY},   {"jitter", required_argument, NULL, OPT_JITTER},
        {"loss", required_argument, NULL, OPT_LOSS},     {"rate", required_argument, NULL, OPT_RATE},
        {"queue", required_argument, NULL, OPT_QUEUE},   {"reorder", no_argument, NULL, OPT_REORDER},
        {"backend", required_argument, NULL, OPT_BACKEND}, {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},                {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0}};
    static const char *const names[] = {"delay", "jitter", "loss", "rate", "queue"};
    int c;
    /* getopt starts its own messages with argv[0], here the bare command
     * word ("up: unrecognized option"); name the program, as our errors do. */
    snprintf(o->prog, sizeof o->prog, "pushlab-wan %s", o->command);
    argv[0] = o->prog;
    optind = 1;
    /* "+": stop at the first word that is not an option (the command of exec/run). */
    while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
        const char *why, *name = NULL, *value = optarg;
        switch (c) {
        case OPT_DELAY: case OPT_JITTER: case OPT_LOSS: case OPT_RATE: case OPT_QUEUE:
            name = names[c - OPT_DELAY];
            break;
        case OPT_REORDER:
            name = "reorder";
            value = "1";
            break;
        case OPT_BACKEND:
            if (strcmp(optarg, "auto") == 0)
                o->backend = BACKEND_AUTO;
            else if (strcmp(optarg, "tun") == 0)
                o->backend = BACKEND_TUN;
            else if (strcmp(optarg, "netem") == 0)
                o->backend = BACKEND_NETEM;
            else
                return bad_usage("--backend", "auto, tun or netem");
            o->backend_given = true;
            continue;
        case 'v':
            sys_verbose = true;
            continue;
        case 'h':
            usage(stdout);
            exit(0);
        case OPT_VERSION:
            printf("pushlab-wan %s\n", PUSHLAB_VERSION);
            exit(0);
        default:
            return try_help(); /* getopt said what */
        }
        if (wan_settings_set(&o->settings, name, value, &why) < 0) {
            char given[96];
            snprintf(given, sizeof given, "not \"%s\"", value);
            return bad_usage(why, given);
        }
        size_t used = strlen(o->changes);
        snprintf(o->changes + used, sizeof o->changes - used, "%s%s=%s", used ? " " : "", name, value);
    }
    o->cmd = argv + optind;
    return 0;
}

/* ---- run: up, the command in the namespace, down ---- */

enum { RUN_GRACE_MS = 3000 }; /* after a stop signal, how long CMD may take to end */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* In a child: enter the namespace and become cmd. */
static void exec_in_namespace(char **cmd)
{
    if (netns_enter() < 0) {
        fprintf(stderr, "pushlab-wan: cannot enter namespace %s: %s (is the link up?)\n", WAN_NETNS,
                strerror(errno));
        exit(1);
    }
    execvp(cmd[0], cmd);
    fprintf(stderr, "pushlab-wan: cannot run %s: %s\n", cmd[0], strerror(errno));
    exit(127);
}

static int command_run(const struct options *o)
{
    /* Catch the stop signals before up: from here on, every way out goes
     * through down. */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (wan_up(&o->settings, o->backend, stderr) < 0)
        return 1;
    int status = 0;
    bool exited = false;
    pid_t child = stop_signal ? -1 : fork();
    if (child == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        exec_in_namespace(o->cmd);
    }
    /* Wait for the command, looking at the stop flag every 50 ms.  On a
     * stop signal: SIGTERM to the command (Ctrl-C reached it too, being in
     * our process group; SIGTERM also stops one that ignores SIGINT), a
     * grace period, then SIGKILL, then down, which kills whatever is left
     * in the namespace. */
    int grace_ms = -1;
    while (child > 0 && !exited && grace_ms != 0) {
        pid_t r = waitpid(child, &status, WNOHANG);
        if (r == child)
            exited = true;
        else if (r < 0 && errno != EINTR)
            break;
        if (stop_signal && grace_ms < 0) {
            kill(child, SIGTERM);
            grace_ms = RUN_GRACE_MS;
        }
        if (!exited) {
            struct timespec tick = {0, 50 * 1000000L};
            nanosleep(&tick, NULL);
            if (grace_ms > 0)
                grace_ms = grace_ms > 50 ? grace_ms - 50 : 0;
        }
    }
    if (child > 0 && !exited) {
        /* The grace period is over and the command is still there (it
         * ignores SIGTERM): SIGKILL, and reap it, so that run reports what
         * ended it as a shell would, 128 + 9.  (down would kill it too, but
         * it is our child: only waitpid tells how it ended.) */
        kill(child, SIGKILL);
        pid_t r;
        while ((r = waitpid(child, &status, 0)) < 0 && errno == EINTR)
            ;
        exited = r == child;
    }
    wan_down(stderr);
    if (exited && WIFEXITED(status))
        return WEXITSTATUS(status);
    if (exited && WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return bad_usage("a command is missing", "up, set, status, exec, down or run");
    struct options o = {.command = argv[1], .settings = wan_settings_default()};
    if (strcmp(o.command, "-h") == 0 || strcmp(o.command, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(o.command, "--version") == 0) {
        printf("pushlab-wan %s\n", PUSHLAB_VERSION);
        return 0;
    }
    static const char *const commands[] = {"up", "set", "status", "exec", "down", "run", NULL};
    const char *const *known = commands;
    while (*known && strcmp(*known, o.command) != 0)
        known++;
    if (!*known)
        return bad_usage("unknown command", o.command);
    int st = parse_options(argc - 1, argv + 1, &o);
    if (st)
        return st;
    bool takes_cmd = strcmp(o.command, "exec") == 0 || strcmp(o.command, "run") == 0;
    if (takes_cmd && !o.cmd[0])
        return bad_usage(o.command, "which command? (pushlab-wan exec -- CMD...)");
    if (!takes_cmd && o.cmd[0])
        return bad_usage("unexpected argument", o.cmd[0]);
    /* The backend is chosen when the link is built: a running link keeps
     * the one it has, so set (and the rest) would silently ignore it. */
    if (o.backend_given && strcmp(o.command, "up") != 0 && strcmp(o.command, "run") != 0)
        return bad_usage(o.command, "takes no --backend (the link keeps the backend it was built "
                                    "with; choose it with up or run)");
    if (strcmp(o.command, "set") == 0 && !o.changes[0])
        return bad_usage("set", "what? (--delay, --jitter, --loss, --rate, --queue, --reorder)");
    bool shapes_link = strcmp(o.command, "up") == 0 || strcmp(o.command, "set") == 0 ||
                       strcmp(o.command, "run") == 0;
    if (o.changes[0] && !shapes_link) /* else they would be ignored */
        return bad_usage(o.command, "takes no link options (they go with up, set or run)");
    if (!sys_can_admin_network()) {
        fprintf(stderr, "pushlab-wan: %s needs root: the link is a network namespace, its devices and a "
                        "control socket only root may make, change, read or enter (CAP_NET_ADMIN and "
                        "CAP_SYS_ADMIN).  Try: sudo pushlab-wan %s ...\n",
                o.command, o.command);
        return 1;
    }

    if (strcmp(o.command, "up") == 0)
        return wan_up(&o.settings, o.backend, stdout) < 0 ? 1 : 0;
    if (strcmp(o.command, "set") == 0)
        return wan_set(o.changes, stdout) < 0 ? 1 : 0;
    if (strcmp(o.command, "status") == 0)
        return wan_status(stdout) < 0 ? 1 : 0;
    if (strcmp(o.command, "down") == 0)
        return wan_down(stdout) < 0 ? 1 : 0;
    if (strcmp(o.command, "exec") == 0)
        exec_in_namespace(o.cmd);
    return command_run(&o);
}
