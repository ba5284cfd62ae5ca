/* model.h -- what the interactive UI knows: every item the engine
 * emitted, a copy of every captured frame (for the hex view and `w`), and
 * per-flow running totals built from the items.
 *
 * The model owns the data; the screens only draw it.  Items are kept in
 * the order the engine emitted them, which is capture-time order.  Only
 * the first `revealed` of them are shown: a live capture or a plain replay
 * reveals each item as it arrives, a --realtime replay reveals them as its
 * clock passes their time, and jumping back to the start rebuilds the
 * per-flow totals from nothing (ui_model_rewind).
 */
#ifndef VIZ_UI_MODEL_H
#define VIZ_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "items/item.h"
#include "items/stats.h"

/* A growable list of item numbers (indexes into ui_model.items). */
struct ui_index {
    size_t *v;     /* the numbers (owned) */
    size_t n, cap; /* used, allocated */
};

/* One TCP connection as the UI shows it: totals of its revealed items. */
#define UI_FLOW_KINDS 11 /* exchange techniques a flow can show (classify.h) */

struct ui_flow {
    unsigned id;              /* the engine's 1-based flow number */
    char client[64];          /* "ip:port" (from the flow item, else from the first segment's dir) */
    char server[64];
    bool endpoints_sure;      /* ...from a SYN, a segment with payload or the flow item, not a guess */
    char technique[16];       /* "poll", "ws"... or "" while not known */
    bool technique_final;     /* it came from the flow's `flow` item */
    bool dirty;               /* items arrived since the technique was last asked for */
    char end[8];              /* "fin", "rst", "open" (from the flow item), "" while running */
    bool syn, fin, rst;       /* TCP flags seen */
    bool synack_seen;         /* the server's SYN/ACK was seen */
    double syn_t;             /* time of the client's latest SYN (one sent again restarts the timing) */
    double first_t, last_t;   /* time of its first and latest item (of its packets: not its flow item) */
    uint64_t seen;            /* its items counted, kept or past the memory cap (items: the kept) */
    uint64_t packets;         /* TCP segments */
    uint64_t bytes[2];        /* payload bytes by direction (enum item_dir) */
    uint64_t overhead;        /* HTTP head and framing bytes, both ways */
    double handshake_ms;      /* SYN -> ACK of SYN/ACK, or < 0 */
    struct {
        char name[16];        /* an exchange technique ("longpoll", "http"...) */
        unsigned n;           /* exchanges named so */
    } kinds[UI_FLOW_KINDS];   /* its exchanges by technique, in order of first appearance */
    unsigned nkinds;
    char library[12];         /* the push library of its session ("engine.io"...), or the one its
                                 flow item names without a session (a WebSocket joined late); "" */
    char *note;               /* its flow item's note: what could not be read, and why (owned; NULL: none) */
    char session[VIZ_SESSION_MAX + 1]; /* that session's id, from its requests or its flow item */
    unsigned session_no;      /* the session's 1-based number in the capture (0: none) */
    unsigned session_first;   /* id of the session's first flow (its own id when it is that one) */
    struct ui_index items;    /* its revealed items, in order */
    struct ui_index messages; /* of which the rows of the messages pane (see ui_model_is_message) */
};

/* A copy of one captured frame. */
struct ui_frame {
    int64_t ts_ns;    /* capture time, Unix ns */
    uint32_t caplen;  /* bytes kept */
    uint32_t wirelen; /* bytes on the wire */
    uint8_t *bytes;   /* owned; NULL when the memory cap was reached */
};

/* Errors of flow 0 about a frame (which no flow row shows), for the
 * status line: how many, and the latest -- copied, since past the memory
 * cap its item is not kept, and it must be counted all the same. */
struct ui_capture_errors {
    uint64_t n;        /* revealed, or counted at once when not kept */
    long long frame;   /* the latest one's frame number */
    char what[256];    /* and what it says (cut to fit) */
};

struct ui_model {
    struct item **items;      /* every item kept (owned), emission order */
    size_t nitems, cap_items;
    size_t revealed;          /* items[0..revealed) are shown */
    struct ui_flow *flows;    /* by flow id - 1, for every flow revealed so far */
    size_t nflows, cap_flows;
    unsigned nsessions;       /* push library sessions seen in the revealed items */
    char (*verdicts)[16];     /* by flow id - 1: technique of every `flow` item kept, revealed or not */
    size_t nverdicts;
    struct ui_capture_errors capture_errors;
    struct ui_frame *frames;  /* by frame number - 1 */
    size_t nframes, cap_frames;
    int dlt;                  /* link type of the frames */
    bool nano;                /* the source had nanosecond timestamps */
    int64_t t0_ns;            /* capture time of the first frame */
    size_t kept_bytes;        /* memory used by item and frame copies */
    uint64_t items_lost;      /* items not kept (memory cap) */
    uint64_t frames_lost;     /* frame copies not kept (memory cap) */
    struct stats *stats;      /* the --stats table of the revealed items */
    bool all_tcp;             /* the messages pane lists every TCP segment, not only SYN/FIN/RST and anomalies */
};

/* 0, or -1 when out of memory. */
int ui_model_init(struct ui_model *m);
void ui_model_free(struct ui_model *m);

/* Keep a copy of a captured frame (called before the engine sees it, so
 * frame numbers match the engine's). */
void ui_model_add_frame(struct ui_model *m, int64_t ts_ns, const uint8_t *bytes, uint32_t caplen,
                        uint32_t wirelen);
/* Keep a copy of an item (not yet revealed). */
void ui_model_add_item(struct ui_model *m, const struct item *it);

/* Reveal items[revealed] and move on; false when none is left. */
bool ui_model_reveal_next(struct ui_model *m);
/* Forget every per-flow total; nothing is revealed any more. */
void ui_model_rewind(struct ui_model *m);
/* Rebuild the message lists after all_tcp changed. */
void ui_model_relist(struct ui_model *m);

/* Does the messages pane show this item as a row? */
bool ui_model_is_message(const struct ui_model *m, const struct item *it);

/* Flow by 1-based id, or NULL when not revealed. */
struct ui_flow *ui_model_flow(const struct ui_model *m, unsigned id);
/* Frame by 1-based number, or NULL. */
const struct ui_frame *ui_model_frame(const struct ui_model *m, uint64_t number);

/* Overhead share of a flow in percent (head + framing / payload bytes), or -1. */
double ui_flow_overhead_pct(const struct ui_flow *f);

#endif
