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

/* A decimal number in [min, max]: digits with at most one '.' (40, 2.5,
 * .5), nothing before or after them, else NAN.  strtod alone would also
 * take "0x10" (16), "1e3", " 40", "inf" and "nan": a typo or a shell
 * variable gone wrong would then become a delay nobody asked for. */
static double number_in(const char *text, double min, double max)
{
    size_t digits = 0, points = 0;
    for (const char *p = text; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.' && points == 0)
            points++;
        else
            return NAN;
    }
    if (digits == 0)
        return NAN;
    errno = 0;
    double v = strtod(text, NULL); /* only digits and a point: decimal, finite */
    if (errno || v < min || v > max)
        return NAN;
    return v;
}

/* A setting's value as number_in reads it back: decimal, never with an
 * exponent (%g writes 1e-05), trailing zeros dropped.  Values are at most
 * WAN_DELAY_MAX_MS or WAN_RATE_MAX_KBIT; below a millionth they read 0. */
static void decimal(char *out, size_t cap, double v)
{
    int n = snprintf(out, cap, "%.6f", v);
    if (n < 0 || (size_t)n >= cap)
        return;
    char *point = strchr(out, '.');
    if (!point)
        return;
    char *end = out + n;
    while (end > point + 1 && end[-1] == '0')
        end--;
    if (end == point + 1)
        end = point;
    *end = '\0';
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
    char delay[32], jitter[32], loss[32];
    decimal(delay, sizeof delay, s->delay_ms);
    decimal(jitter, sizeof jitter, s->jitter_ms);
    decimal(loss, sizeof loss, s->loss_pct);
    int n = snprintf(out, cap, "delay=%s jitter=%s loss=%s rate=%ld queue=%ld reorder=%d", delay, jitter,
                     loss, s->rate_kbit, s->queue, s->reorder ? 1 : 0);
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
