/* settings.c -- the emulated link's knobs: checked, set by name, written
 * as one line.
 *
 * The same NAME=VALUE words travel from `pushlab-wan set --delay 200` over
 * the control socket to the running relay, so the command line and the
 * relay share this one parser (and one list of limits).  Units are the
 * ones netem uses: milliseconds, percent, kbit/s (1 kbit = 1000 bit).
 */
#include "wan/settings.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wan_settings wan_settings_default(void)
{
    struct wan_settings s = {0};
    s.queue = WAN_QUEUE_DEFAULT;
    return s;
}

/* A finite number in [min, max] with nothing after it, or NAN. */
static double number_in(const char *text, double min, double max)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v) || v < min || v > max)
        return NAN;
    return v;
}

int wan_settings_set(struct wan_settings *s, const char *name, const char *value, const char **why)
{
    double v;
    if (strcmp(name, "delay") == 0) {
        if (isnan(v = number_in(value, 0, WAN_DELAY_MAX_MS)))
            return *why = "delay: milliseconds from 0 to 60000", -1;
        s->delay_ms = v;
    } else if (strcmp(name, "jitter") == 0) {
        if (isnan(v = number_in(value, 0, WAN_DELAY_MAX_MS)))
            return *why = "jitter: milliseconds from 0 to 60000", -1;
        s->jitter_ms = v;
    } else if (strcmp(name, "loss") == 0) {
        if (isnan(v = number_in(value, 0, 100)))
            return *why = "loss: a percentage from 0 to 100", -1;
        s->loss_pct = v;
    } else if (strcmp(name, "rate") == 0) {
        if (isnan(v = number_in(value, 0, WAN_RATE_MAX_KBIT)) || v != floor(v))
            return *why = "rate: whole kbit/s, 0 (unlimited) to 100000000", -1;
        s->rate_kbit = (long)v;
    } else if (strcmp(name, "queue") == 0) {
        if (isnan(v = number_in(value, 1, WAN_QUEUE_MAX)) || v != floor(v))
            return *why = "queue: whole packets from 1 to 100000", -1;
        s->queue = (long)v;
    } else if (strcmp(name, "reorder") == 0) {
        if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
            return *why = "reorder: 0 or 1", -1;
        s->reorder = value[0] == '1';
    } else {
        return *why = "unknown setting (delay, jitter, loss, rate, queue, reorder)", -1;
    }
    return 0;
}

int wan_settings_apply_line(struct wan_settings *s, const char *line, const char **why)
{
    struct wan_settings next = *s; /* all or nothing: work on a copy */
    char copy[512];
    size_t n = strlen(line);
    if (n >= sizeof copy)
        return *why = "settings line too long", -1;
    memcpy(copy, line, n + 1);
    char *save = NULL;
    for (char *word = strtok_r(copy, " \t\r\n", &save); word; word = strtok_r(NULL, " \t\r\n", &save)) {
        char *eq = strchr(word, '=');
        if (!eq)
            return *why = "expected NAME=VALUE", -1;
        *eq = '\0';
        if (wan_settings_set(&next, word, eq + 1, why) < 0)
            return -1;
    }
    *s = next;
    return 0;
}

size_t wan_settings_format(const struct wan_settings *s, char *out, size_t cap)
{
    int n = snprintf(out, cap, "delay=%g jitter=%g loss=%g rate=%ld queue=%ld reorder=%d", s->delay_ms,
                     s->jitter_ms, s->loss_pct, s->rate_kbit, s->queue, s->reorder ? 1 : 0);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

size_t wan_settings_describe(const struct wan_settings *s, char *out, size_t cap)
{
    char rate[32] = "unlimited";
    if (s->rate_kbit)
        snprintf(rate, sizeof rate, "%ld kbit/s", s->rate_kbit);
    int n = snprintf(out, cap, "delay %g ms each way (RTT %g ms), jitter %g ms%s, loss %g %%, rate %s, queue %ld packets",
                     s->delay_ms, 2 * s->delay_ms, s->jitter_ms,
                     s->jitter_ms > 0 ? (s->reorder ? " (may reorder)" : " (in order)") : "", s->loss_pct, rate,
                     s->queue);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}
