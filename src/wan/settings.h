/* settings.h -- what the emulated link does to each packet: delay, jitter,
 * loss, rate and queue limit, read from the command line or a control line.
 */
#ifndef WAN_SETTINGS_H
#define WAN_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

enum {
    WAN_QUEUE_DEFAULT = 1000,  /* packets held per direction, as netem's limit */
    WAN_QUEUE_MAX = 100000,
    WAN_DELAY_MAX_MS = 60000,
    WAN_RATE_MAX_KBIT = 100000000, /* 100 Gbit/s */
    WAN_SETTINGS_TEXT = 160        /* room for wan_settings_format's line */
};

/* One direction's treatment; both directions get the same. */
struct wan_settings {
    double delay_ms;  /* one-way delay: RTT = 2 x delay */
    double jitter_ms; /* each packet's delay varies uniformly by +- jitter */
    double loss_pct;  /* chance, in percent, that a packet is dropped */
    long rate_kbit;   /* link rate in kbit/s (1000 bit/s); 0 = unlimited */
    long queue;       /* packets held per direction; more are dropped */
    bool reorder;     /* let jitter reorder packets (off: a later packet never
                         overtakes an earlier one, like a real wire) */
};

/* Defaults: no delay, no loss, unlimited rate, WAN_QUEUE_DEFAULT. */
struct wan_settings wan_settings_default(void);

/* Set one setting by name ("delay", "jitter", "loss", "rate", "queue",
 * "reorder") from its text.  Returns 0, or -1 with *why saying what is
 * wrong (a static string). */
int wan_settings_set(struct wan_settings *s, const char *name, const char *value, const char **why);

/* Apply a line of NAME=VALUE words separated by spaces, all or nothing.
 * Returns 0, or -1 with *why set. */
int wan_settings_apply_line(struct wan_settings *s, const char *line, const char **why);

/* "delay=40 jitter=0 loss=0 rate=0 queue=1000 reorder=0" into out;
 * returns its length (out is NUL-terminated, cut at cap). */
size_t wan_settings_format(const struct wan_settings *s, char *out, size_t cap);

/* The same for people: "delay 40 ms (RTT 80 ms), jitter 0 ms, loss 0 %, ...". */
size_t wan_settings_describe(const struct wan_settings *s, char *out, size_t cap);

#endif
