/* link.c -- the emulated link as a whole: the servers' namespace, one of
 * the two backends, addresses and routes, and a state file in /run that
 * lets later commands (`set`, `status`, `down`) find what `up` made.
 *
 *   up    ip netns add pushlab; the backend's devices (backend_*.c);
 *         10.77.0.1/24 on plwan0, 10.77.0.2/24 on wan0 in the namespace;
 *         the guard route "unreachable 10.77.0.0/24 metric 4242", so
 *         with the link gone the lab's addresses go nowhere instead of
 *         out through the default route.
 *   down  every process in the namespace (SIGTERM, then SIGKILL), the
 *         relay, the devices, the namespace, the guard route, the state.
 *         Each step tolerates "not there", so down can always be run
 *         again, also after a half-finished up.
 */
#include "wan/link.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wan/backend.h"
#include "wan/control.h"
#include "wan/sys.h"
#include "wan/wan.h"

enum { STOP_WAIT_MS = 2000 }; /* SIGTERM, then this long, then SIGKILL */

/* What the state file records. */
struct wan_state {
    bool netem;                   /* which backend */
    pid_t relay;                  /* the relay's pid (userspace link), or 0 */
    struct wan_settings settings; /* netem: the current settings */
};

/* ---- the state file ---- */

static int state_write(const struct wan_state *st)
{
    char settings[WAN_SETTINGS_TEXT];
    wan_settings_format(&st->settings, settings, sizeof settings);
    FILE *f = fopen(WAN_STATE_FILE ".new", "w");
    if (!f)
        return -1;
    fprintf(f, "backend=%s\nrelay=%d\nsettings=%s\n", st->netem ? "netem" : "tun", (int)st->relay, settings);
    if (fclose(f) != 0)
        return -1;
    return rename(WAN_STATE_FILE ".new", WAN_STATE_FILE);
}

/* Returns 0, or -1 when there is no (readable) state: the link is not up. */
static int state_read(struct wan_state *st)
{
    *st = (struct wan_state){.settings = wan_settings_default()};
    FILE *f = fopen(WAN_STATE_FILE, "r");
    if (!f)
        return -1;
    char line[256];
    const char *why;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "backend=", 8) == 0)
            st->netem = strcmp(line + 8, "netem") == 0;
        else if (strncmp(line, "relay=", 6) == 0)
            st->relay = (pid_t)atoi(line + 6);
        else if (strncmp(line, "settings=", 9) == 0)
            wan_settings_apply_line(&st->settings, line + 9, &why);
    }
    fclose(f);
    return 0;
}

/* ---- up ---- */

static int add_addresses(void)
{
    const char *host_addr[] = {"ip", "addr", "add", WAN_HOST_ADDR "/" WAN_PREFIX_LEN, "dev", WAN_HOST_IF, NULL};
    const char *host_up[] = {"ip", "link", "set", WAN_HOST_IF, "up", NULL};
    const char *ns_addr[] = {"ip", "-n", WAN_NETNS, "addr", "add", WAN_NS_ADDR "/" WAN_PREFIX_LEN,
                             "dev", WAN_NS_IF, NULL};
    const char *ns_up[] = {"ip", "-n", WAN_NETNS, "link", "set", WAN_NS_IF, "up", NULL};
    const char *guard[] = {"ip", "route", "add", "unreachable", WAN_PREFIX, "metric", WAN_GUARD_METRIC, NULL};
    return run_cmd(0, host_addr) < 0 || run_cmd(0, host_up) < 0 || run_cmd(0, ns_addr) < 0 ||
                   run_cmd(0, ns_up) < 0 || run_cmd(0, guard) < 0
               ? -1
               : 0;
}

int wan_up(const struct wan_settings *s, enum wan_backend_choice choice, FILE *out)
{
    struct stat st;
    if (stat(WAN_STATE_DIR, &st) == 0 || stat(WAN_NETNS_PATH, &st) == 0) {
        fprintf(stderr, "pushlab-wan: the link is already up (namespace %s); change it with "
                        "`pushlab-wan set`, or remove it with `pushlab-wan down`\n", WAN_NETNS);
        return -1;
    }
    if (mkdir(WAN_STATE_DIR, 0700) < 0) {
        fprintf(stderr, "pushlab-wan: cannot create %s: %s\n", WAN_STATE_DIR, strerror(errno));
        return -1;
    }
    const char *ns_add[] = {"ip", "netns", "add", WAN_NETNS, NULL};
    const char *lo_up[] = {"ip", "-n", WAN_NETNS, "link", "set", "lo", "up", NULL};
    if (run_cmd(0, ns_add) < 0 || run_cmd(0, lo_up) < 0) {
        fprintf(stderr, "pushlab-wan: cannot create network namespace %s\n", WAN_NETNS);
        goto fail;
    }

    struct wan_state state = {.settings = *s};
    const char *why_backend;
    if (choice == BACKEND_TUN) {
        why_backend = "as asked (--backend tun)";
    } else if (netem_available()) {
        state.netem = true;
        why_backend = choice == BACKEND_NETEM ? "as asked (--backend netem)" : "the kernel has sch_netem";
    } else if (choice == BACKEND_NETEM) {
        fprintf(stderr, "pushlab-wan: this kernel has no tc netem (sch_netem): `tc qdisc add ... netem` "
                        "fails; use --backend tun (the userspace link) or --backend auto\n");
        goto fail;
    } else {
        why_backend = "this kernel has no tc netem (sch_netem)";
    }

    char err[256];
    if (state.netem) {
        if (netem_link_add(s) < 0) {
            fprintf(stderr, "pushlab-wan: cannot create the veth pair with netem\n");
            goto fail;
        }
    } else if ((state.relay = tun_link_start(s, err, sizeof err)) < 0) {
        state.relay = 0;
        fprintf(stderr, "pushlab-wan: %s\n", err);
        goto fail;
    }
    if (state_write(&state) < 0) {
        fprintf(stderr, "pushlab-wan: cannot write %s: %s\n", WAN_STATE_FILE, strerror(errno));
        if (state.relay)
            kill(state.relay, SIGTERM);
        goto fail;
    }
    if (add_addresses() < 0) {
        fprintf(stderr, "pushlab-wan: cannot give the link its addresses and routes\n");
        goto fail;
    }

    char text[256];
    wan_settings_describe(s, text, sizeof text);
    if (state.netem)
        fprintf(out, "pushlab-wan: up: tc netem on a veth pair, %s\n", why_backend);
    else
        fprintf(out, "pushlab-wan: up: userspace link (two TUN devices, relay pid %d), %s\n",
                (int)state.relay, why_backend);
    fprintf(out,
            "  link:    %s\n"
            "  host:    %s %s  (capture here: pushviz -i %s)\n"
            "  servers: namespace %s, %s %s  (start one: pushlab-wan exec -- bin/pushlab-sse -b 0.0.0.0)\n",
            text, WAN_HOST_IF, WAN_HOST_ADDR, WAN_HOST_IF, WAN_NETNS, WAN_NS_IF, WAN_NS_ADDR);
    fflush(out);
    return 0;

fail:
    wan_down(NULL);
    return -1;
}

/* ---- set and status ---- */

/* The relay's answer "ok SETTINGS\nCOUNTERS..." described on out. */
static int print_relay_answer(const char *reply, FILE *out, bool counters)
{
    if (strncmp(reply, "ok ", 3) != 0) {
        fprintf(stderr, "pushlab-wan: %s", strncmp(reply, "error ", 6) == 0 ? reply + 6 : reply);
        return -1;
    }
    char first[CONTROL_REPLY_MAX], text[256];
    size_t n = strcspn(reply + 3, "\n");
    memcpy(first, reply + 3, n);
    first[n] = '\0';
    struct wan_settings s = wan_settings_default();
    const char *why;
    wan_settings_apply_line(&s, first, &why);
    wan_settings_describe(&s, text, sizeof text);
    fprintf(out, "  link:    %s\n", text);
    if (counters)
        for (const char *line = reply + 3 + n; *line == '\n' && line[1]; line += 1 + strcspn(line + 1, "\n"))
            fprintf(out, "  %.*s\n", (int)strcspn(line + 1, "\n"), line + 1);
    return 0;
}

int wan_set(const char *line, FILE *out)
{
    struct wan_state st;
    if (state_read(&st) < 0) {
        fprintf(stderr, "pushlab-wan: the link is not up (pushlab-wan up first)\n");
        return -1;
    }
    const char *why;
    if (st.netem) {
        if (wan_settings_apply_line(&st.settings, line, &why) < 0) {
            fprintf(stderr, "pushlab-wan: %s\n", why);
            return -1;
        }
        if (netem_link_change(&st.settings) < 0 || state_write(&st) < 0) {
            fprintf(stderr, "pushlab-wan: cannot change the netem qdiscs\n");
            return -1;
        }
        char text[256];
        wan_settings_describe(&st.settings, text, sizeof text);
        fprintf(out, "pushlab-wan: changed\n  link:    %s\n", text);
        return 0;
    }
    char request[CONTROL_LINE_MAX], reply[CONTROL_REPLY_MAX];
    snprintf(request, sizeof request, "set %s", line);
    if (control_ask(WAN_CONTROL, request, reply, sizeof reply) < 0) {
        fprintf(stderr, "pushlab-wan: the relay does not answer on %s: %s\n", WAN_CONTROL, strerror(errno));
        return -1;
    }
    fprintf(out, "pushlab-wan: changed\n");
    return print_relay_answer(reply, out, false);
}

int wan_status(FILE *out)
{
    struct wan_state st;
    if (state_read(&st) < 0) {
        fprintf(out, "pushlab-wan: down\n");
        return -1;
    }
    if (st.netem) {
        char text[256];
        wan_settings_describe(&st.settings, text, sizeof text);
        fprintf(out, "pushlab-wan: up: tc netem on a veth pair\n  link:    %s\n", text);
        return 0;
    }
    char reply[CONTROL_REPLY_MAX];
    if (control_ask(WAN_CONTROL, "show", reply, sizeof reply) < 0) {
        fprintf(out, "pushlab-wan: broken: the relay (pid %d) does not answer; run pushlab-wan down\n",
                (int)st.relay);
        return -1;
    }
    fprintf(out, "pushlab-wan: up: userspace link (relay pid %d)\n", (int)st.relay);
    return print_relay_answer(reply, out, true);
}

/* ---- down ---- */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Stop every process in the namespace: SIGTERM, a grace period, SIGKILL. */
static void stop_namespace_processes(void)
{
    if (netns_signal_all(SIGTERM) == 0)
        return;
    for (int waited = 0; waited < STOP_WAIT_MS && netns_signal_all(0) > 0; waited += 20)
        sleep_ms(20);
    netns_signal_all(SIGKILL);
    for (int waited = 0; waited < STOP_WAIT_MS && netns_signal_all(0) > 0; waited += 20)
        sleep_ms(20);
}

/* Gone, or a zombie of ours that we now reap (`run` is the relay's parent). */
static bool process_gone(pid_t pid)
{
    waitpid(pid, NULL, WNOHANG);
    return !sys_process_is(pid, "pushlab-wan");
}

static void stop_relay(pid_t pid)
{
    if (pid <= 0 || process_gone(pid))
        return;
    kill(pid, SIGTERM);
    for (int waited = 0; waited < STOP_WAIT_MS && !process_gone(pid); waited += 10)
        sleep_ms(10);
    if (!process_gone(pid)) {
        kill(pid, SIGKILL);
        for (int waited = 0; waited < STOP_WAIT_MS && !process_gone(pid); waited += 10)
            sleep_ms(10);
    }
}

int wan_down(FILE *out)
{
    struct wan_state st;
    struct stat sb;
    bool was_up = state_read(&st) == 0 || stat(WAN_NETNS_PATH, &sb) == 0;
    stop_namespace_processes();
    stop_relay(st.relay);
    const char *link_del[] = {"ip", "link", "del", WAN_HOST_IF, NULL};
    const char *ns_del[] = {"ip", "netns", "del", WAN_NETNS, NULL};
    const char *guard_del[] = {"ip", "route", "del", "unreachable", WAN_PREFIX, "metric", WAN_GUARD_METRIC, NULL};
    if (stat("/sys/class/net/" WAN_HOST_IF, &sb) == 0)
        run_cmd(CMD_QUIET, link_del);
    if (stat(WAN_NETNS_PATH, &sb) == 0)
        run_cmd(CMD_QUIET, ns_del);
    while (run_cmd(CMD_QUIET, guard_del) == 0)
        ; /* normally once; more if an earlier up was interrupted twice */
    unlink(WAN_CONTROL);
    unlink(WAN_STATE_FILE ".new");
    unlink(WAN_STATE_FILE);
    rmdir(WAN_STATE_DIR);

    bool left = stat(WAN_NETNS_PATH, &sb) == 0 || stat("/sys/class/net/" WAN_HOST_IF, &sb) == 0 ||
                stat(WAN_STATE_DIR, &sb) == 0;
    if (left) {
        fprintf(stderr, "pushlab-wan: could not remove everything (%s, %s or %s remains)\n", WAN_NETNS_PATH,
                WAN_HOST_IF, WAN_STATE_DIR);
        return -1;
    }
    if (out)
        fprintf(out, was_up ? "pushlab-wan: down: namespace, link, relay and routes removed\n"
                            : "pushlab-wan: down: nothing was up\n");
    return 0;
}
