/* flows.c -- TCP connections as an observer follows them (RFC 9293).
 *
 * A flow is keyed by its 4-tuple, and numbered in the order of its first
 * packet.  The client is the side that sent the SYN; when the handshake was
 * not captured, the side that is not a server seen listening (struct
 * known_servers), else the side with the higher (ephemeral) port, until
 * the first payload says otherwise (settle_roles: a request comes from a
 * client, a status line from a server, dissect/roles.c).  A SYN on a
 * known tuple whose sequence number is not the initial one its sender
 * started from is a new connection (the ports were reused, as tshark
 * says): the old flow is over, whether it closed or not, and a new one
 * starts, as tshark starts a new tcp.stream.
 *
 * Per segment this file produces the `tcp` item, with the numbers
 * Wireshark shows: sequence and acknowledgement numbers relative to the
 * initial ones, tcp.analysis.ack_rtt (the time from a segment to the ACK
 * that acknowledges exactly its end; of copies sent more than once, the
 * oldest still waiting, as in Wireshark, where the acknowledgment field
 * of a segment without the ACK bit counts too: take_acked), and the
 * tcp.analysis flags that say what a segment was (retransmission,
 * duplicate ACK, zero window...: tcp_notes).  The handshake RTT is the
 * latest SYN to the client's ACK of the SYN/ACK
 * (tcp.analysis.initial_rtt).  A flow ends when both FINs are
 * acknowledged, or after a RST ("after a RST", below).
 * The payload goes through reassembly (reasm.c) to the dissector, a
 * SYN's too (TCP Fast Open); a peer's ACK beyond what was captured tells
 * reassembly that bytes were lost, unless the next packet brings them
 * (a capture's order is not always the wire's: settle_acked_hole).
 *
 * Memory is bounded by the open flows, not the length of the capture: at
 * most VIZ_MAX_FLOWS flows are remembered, and of the ended ones only the
 * VIZ_ENDED_FLOWS that ended last (for stragglers: a FIN sent again, a
 * late RST); held out-of-order bytes are capped per direction and in all.
 * When the table is full an ended flow is forgotten first (the one that
 * ended longest ago), else the open flow that has been quiet longest is
 * finished early (its `flow` item says "open").  Both come off the front
 * of a list -- ended flows in the order they ended, open ones in the order
 * of their last packet (a packet moves its flow to the back) -- so making
 * room costs the same with 2,000 flows as with 200,000: no walk over the
 * table.
 *
 * With 200,000 flows open, what a packet costs is mostly memory: records
 * the process touches for the first time (the kernel zeroes each page) and
 * records that are no longer in the processor's caches.  So a record holds
 * what every flow needs and little else, and what a segment touches sits
 * together: each cache line of it is a wait for memory.  An open flow
 * costs 384 bytes of struct flow (six cache lines: the endpoints a lookup
 * compares in the first, the first two unacknowledged segments of each
 * direction inline), 208 of struct dissect (a request touches three of
 * its four lines), and 320 more for each direction while it is inside a
 * message or keeps state between messages (five lines, of which an HTTP
 * segment touches the first four, dissect/core.h): a direction between
 * HTTP messages gives its record back, so a keep-alive poller between
 * its polls costs 0.6 KiB.  A body's offset map, a WebSocket's state, a
 * multipart parser, a longer ack-RTT list or request ring are made when
 * first needed.  All three records come from pools (pool.h): reused, and
 * in huge pages once there are thousands.  The index from a connection's
 * hash to its record (flow_index.h, 16 bytes a slot, at most two slots a
 * flow) doubles as flows come, so a small capture keeps a small one.
 *
 * Prefetching.  A lookup reads the index's slot, then the flow it names:
 * two cache misses one after the other, each some hundred nanoseconds,
 * when 200,000 flows do not fit in the caches.  Reading a file, the
 * engine can see the packets to come, so flows_prefetch asks the
 * processor to start loading (__builtin_prefetch, which never faults and
 * changes no result) the slot of the packet two ahead and the flow record
 * of the next one, whose slot arrived meanwhile.  Their misses then
 * overlap the work on the current packet instead of stalling the next.
 * Once a packet's flow is found, the other records it will touch -- its
 * neighbours on the activity list, its dissector's, then its
 * direction's -- are asked for the same way (prefetch_related), before
 * the work that can hide them; and each flow that ends asks for what the
 * next one to end will forget (prefetch_next_forgotten).
 *
 * A flow's `flow` item names its technique, and polling is told by
 * repetition.  A poller that opens a new connection per request shows no
 * repetition when its first connection ends: its next request is not on
 * the wire yet.  So the item of a flow whose one GET has not been repeated
 * is held back (at most VIZ_HOLD_FLOWS of them) until another request for
 * its path arrives, VIZ_HOLD_FLOW_S seconds of capture time pass, or the
 * input ends, and only then named.
 *
 * Capture time passes with packets; a live capture that has gone quiet
 * says how far it has passed without one (flows_settle), so that a reset
 * flow's item and a held one come out when due, not at the next packet.
 */
#include "flows/flows.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "dissect/dissect.h"
#include "dissect/roles.h"
#include "flows/flow_index.h"
#include "flows/pool.h"
#include "flows/reasm.h"
#include "flows/tuple_hash.h"

/* A segment sent and not yet acknowledged, for ack RTT. */
struct unacked {
    uint32_t seq;      /* first sequence number not yet acknowledged */
    uint32_t nextseq;  /* sequence number after it (SYN and FIN count one) */
    int64_t ts_ns;     /* when it was captured */
};

/* Unacknowledged segments kept in the flow record itself, per direction:
 * a request and its ACK, or a handshake, never wait for more, so most
 * flows need no array of their own (a malloc'd one is a page fault and a
 * cache miss more per flow when 200,000 are open). */
#define UNACKED_INLINE 2
_Static_assert(VIZ_UNACKED_MAX <= UINT16_MAX, "n_unacked and cap_unacked are 16 bits");

/* One direction of a connection.  Fields are ordered so that they pack
 * tight: a table of 200,000 open flows is read at the speed of the memory
 * it touches.  The one gap is the 4 bytes before `unacked` (the record's
 * size is a multiple of 8 whatever comes first); two halves fill struct
 * flow's six cache lines exactly. */
struct flow_half {
    uint32_t base;           /* relative sequence numbers count from here (ISN) */
    uint32_t seq_high;       /* highest sequence number after any segment
                                (seq + len, SYN and FIN count one), empty ones too */
    uint32_t ack_limit;      /* the most the peer can acknowledge of what the capture saw of this
                                side in order (Wireshark's maxseqtobeacked), once ack_limit_set */
    uint32_t last_ack;       /* the acknowledgment number of this side's latest segment */
    uint32_t fin_seq;        /* its FIN's sequence number */
    uint16_t last_win;       /* and its window, raw (unscaled), as Wireshark compares them */
    /* One bit each, so that a new one costs no byte of the record (with
     * 200,000 flows open, every byte of it is memory a packet waits for). */
    bool base_set : 1;       /* base is known */
    bool seq_high_set : 1;   /* seq_high is known */
    bool ack_seen : 1;       /* last_ack, last_win and last_ns are known */
    bool ack_bit : 1;        /* and that segment had the ACK bit: last_ack acknowledges something
                                (Wireshark takes a number of 0 for none: wrong one time in 2^32) */
    bool fin : 1;            /* a FIN was sent */
    bool fin_acked : 1;      /* the peer acknowledged the FIN */
    bool ended : 1;          /* the dissector was told this direction ended */
    bool probed : 1;         /* its latest segment was a keep-alive probe */
    bool window_probed : 1;  /* its latest segment was a zero-window probe */
    /* The window scale it announced (RFC 7323 §2.2), for window_full:
     * unknown until the handshake is seen, then none or a shift. */
    unsigned char win_scale : 2; /* WIN_SCALE_UNKNOWN, _NONE or _SHIFT */
    unsigned char win_shift : 4; /* with _SHIFT: its window is last_win << win_shift */
    bool first_ack : 1;      /* a SYN was sent and no ACK without SYN since: its window is not scaled yet */
    bool unseen_acked : 1;   /* the peer acknowledged unseen bytes past seq_high since this side's
                                acknowledgment number last moved, and ack_lost_segment said so */
    bool ack_limit_set : 1;  /* ack_limit is known: something of this side was seen */
    bool acked_hole : 1;     /* the peer acknowledged bytes of this side that reassembly has not
                                had yet: lost, unless the flow's next packet brings them
                                (settle_acked_hole) */
    uint16_t n_unacked;      /* segments in unacked, oldest first */
    uint16_t cap_unacked;    /* its room: UNACKED_INLINE while it is `first` */
    unsigned dup_acks;       /* duplicate ACKs since last_ack last moved: the peer should resend */
    uint32_t ack_frame;      /* the frame that moved it (the ACK the duplicates repeat) */
    struct unacked *unacked; /* `first`, or a malloc'd array once more are waiting (owned) */
    struct unacked first[UNACKED_INLINE]; /* most connections wait for one or two at a time */
    int64_t seq_high_ns;     /* when the segment that raised seq_high was captured */
    int64_t last_ns;         /* when its latest segment was captured */
    uint64_t bytes;          /* payload bytes on the wire */
    struct reasm reasm;      /* this direction's bytes */
};

/* A connection.  The first cache line holds what a lookup compares.
 * Records start at a cache line (pool.h), so the 384 bytes of one are 6
 * lines, not 7. */
struct flow {
    _Alignas(VIZ_CACHE_LINE) struct ip_addr client; /* (an _Alignas on "client, server" aligns both) */
    struct ip_addr server;
    uint16_t client_port, server_port;
    /* Without the handshake the roles were guessed, and the first payload
     * turned them round (settle_roles): what it was (0: never turned), and
     * how many segments had been shown the guessed way before it. */
    uint16_t turned_by : 4;      /* enum role_evidence */
    uint16_t shown_reversed : 12; /* (at most SHOWN_REVERSED_MAX) */
    unsigned id;                 /* 1-based, in order of first packet */
    bool syn_seen, synack_seen, rst;
    bool reported;               /* its `flow` item is out */
    int64_t syn_ns;              /* when the SYN was captured */
    double handshake_rtt_ms;     /* < 0 until known */
    uint64_t packets;
    struct flow *prev, *next;    /* its place in flows.active or flows.ended */
    struct dissect *dissect;     /* NULL once the flow has ended */
    struct flow_half half[2];    /* by enum item_dir */
};

_Static_assert(sizeof(struct flow) == 6 * VIZ_CACHE_LINE, "struct flow: six cache lines (see the top)");
_Static_assert(ROLE_OTHER_CONNECTIONS < 16, "turned_by holds an enum role_evidence in 4 bits");
#define SHOWN_REVERSED_MAX 4095 /* what shown_reversed's 12 bits hold */

/* Flows in the order they leave when room is needed (front first). */
struct flow_list {
    struct flow *front, *back;
};

/* What a `flow` item says, apart from the flow, so that it can wait. */
struct flow_summary {
    unsigned id;
    int64_t end_ns;             /* when the flow ended */
    char client_text[64], server_text[64];
    bool dissected;             /* traits are known (else "unknown") */
    struct flow_traits traits;  /* for naming the technique */
    uint64_t packets, bytes_c2s, bytes_s2c;
    double handshake_rtt_ms;    /* < 0: not known */
    const char *end;            /* "rst", "fin" or "open" */
    const char *library;        /* the push library of its session (static), or NULL */
    char session[VIZ_SESSION_MAX + 1]; /* that session's id, shared by its other flows */
    enum role_evidence turned_by; /* the flow's roles turned by its first payload, or ROLE_NO_EVIDENCE */
    unsigned shown_reversed;    /* segments shown the guessed way before that */
    bool joined_late;           /* neither SYN was captured: the capture began after the connection did */
};

/* A flow a RST ended, not reported yet: what the other side sent before
 * the reset reached it may still come (follow_segment). */
struct reset_wait {
    struct flow *f;   /* NULL once reported another way */
    int64_t until_ns; /* capture time after which nothing more is waited for */
};

/* A segment's data held back one packet, because the segment
 * acknowledged bytes of the other side not captured yet, which the next
 * packet may bring: the dissector reads them first (settle_acked_hole). */
struct parked {
    struct flow *f;   /* NULL: nothing waits */
    enum item_dir dir;
    uint32_t seq, len, caplen; /* as reasm_add takes them */
    bool write_continues; /* as struct delivery says it */
    int64_t ts_ns;
    uint8_t *data;    /* VIZ_SNAPLEN bytes, made at the first use (owned) */
};

/* Endpoints seen listening: each answered a SYN, or a flow's first
 * payload showed it a server (settle_roles).  A capture has a few
 * servers; the latest KNOWN_SERVERS are kept, in a ring. */
#define KNOWN_SERVERS 32
struct known_servers {
    struct {
        struct ip_addr addr;
        uint16_t port;
    } at[KNOWN_SERVERS];
    unsigned latest, count; /* the slot written last; slots in use */
};

struct flows {
    const struct emitter *emitter;
    struct flow_summary held[VIZ_HOLD_FLOWS]; /* items waiting for a repeat, by flow number */
    size_t n_held;
    struct flow_index index;      /* every flow, by the hash of its endpoints */
    struct tuple_key key;         /* that hash's secret multipliers (tuple_hash.h) */
    struct flow *current;         /* the flow of the packet being followed (NULL between packets) */
    uint64_t ahead_hash;          /* the hash whose slot flows_prefetch fetched last */
    bool ahead_set;               /* (false before the first call) */
    struct flow_list active;      /* open flows, least recently active first */
    struct flow_list ended;       /* reported flows, in the order they ended */
    size_t n_ended;               /* flows on it (at most VIZ_ENDED_FLOWS) */
    struct reset_wait resets[VIZ_RESET_WAITS]; /* flows a RST ended, waited for: a ring, oldest first */
    size_t resets_first, n_resets;
    unsigned next_id;
    struct reasm_budget budget;   /* held out-of-order bytes, all flows */
    struct classifier classifier;
    int64_t last_ns;              /* capture time of the latest packet */
    struct pool flow_records;     /* every struct flow (pool.h: reused, in huge pages) */
    struct pool dissect_records;  /* every open flow's struct dissect */
    struct pool half_records;     /* every struct half of those (a direction's, made at its first byte) */
    struct half_store half_store; /* half_records, as the dissectors take them */
    char endpoint_text[2][64];    /* flows_endpoints' answer */
    /* The "ip:port" text of the server a dissector is told about (it keys
     * repetition by it), made when the server differs from the last one's:
     * flows share a few servers, and 64 bytes in every record would be
     * 12 MB more to touch with 200,000 open. */
    char server_text[64];
    struct ip_addr server_text_addr; /* whose it is */
    uint16_t server_text_port;       /* (0 with family 0: none yet) */
    struct parked parked;            /* the data of a segment that waits a packet (settle_acked_hole) */
    struct known_servers servers;    /* for flows whose handshake was not captured (new_flow) */
};

static void *take_half(void *pool)
{
    return pool_take(pool);
}

static void give_half(void *pool, void *half)
{
    pool_give(pool, half);
}

struct flows *flows_new(const struct emitter *e)
{
    struct flows *ft = calloc(1, sizeof *ft);
    if (!ft)
        return NULL;
    if (!index_init(&ft->index)) {
        free(ft);
        return NULL;
    }
    pool_init(&ft->flow_records, sizeof(struct flow));
    pool_init(&ft->dissect_records, sizeof(struct dissect));
    pool_init(&ft->half_records, sizeof(struct half));
    ft->half_store = (struct half_store){take_half, give_half, &ft->half_records};
    tuple_key_make(&ft->key, tuple_key_seed());
    ft->emitter = e;
    ft->next_id = 1;
    ft->budget.cap = VIZ_REASM_GLOBAL_CAP;
    return ft;
}

/* ---- the table ---- */

static uint64_t flow_hash(const struct flows *ft, const struct flow *f)
{
    return tuple_hash(&ft->key, &f->client, f->client_port, &f->server, f->server_port);
}

static bool same_endpoint(const struct ip_addr *a, uint16_t pa, const struct ip_addr *b, uint16_t pb)
{
    return pa == pb && memcmp(a, b, sizeof *a) == 0;
}

/* Is p a packet of flow f, and from which side? */
static bool packet_of(const struct flow *f, const struct packet *p, enum item_dir *dir)
{
    if (same_endpoint(&f->client, f->client_port, &p->src, p->sport) &&
        same_endpoint(&f->server, f->server_port, &p->dst, p->dport)) {
        *dir = DIR_C2S;
        return true;
    }
    if (same_endpoint(&f->server, f->server_port, &p->src, p->sport) &&
        same_endpoint(&f->client, f->client_port, &p->dst, p->dport)) {
        *dir = DIR_S2C;
        return true;
    }
    return false;
}

static struct flow *lookup(struct flows *ft, const struct packet *p, enum item_dir *dir)
{
    uint64_t hash = tuple_hash(&ft->key, &p->src, p->sport, &p->dst, p->dport);
    size_t at = index_home(&ft->index, hash);
    struct flow *f;
    while ((f = index_next(&ft->index, hash, &at)))
        if (packet_of(f, p, dir))
            return f;
    return NULL;
}

/* ---- fetching ahead ---- */

/* Ask the processor to start loading every cache line of a record. */
static void prefetch_record(const void *record, size_t bytes)
{
    for (size_t at = 0; at < bytes; at += VIZ_CACHE_LINE)
        __builtin_prefetch((const char *)record + at);
}

/* Two steps, a packet apart, because the second needs what the first
 * fetched: the index's slot for packet n+2 now, and (its slot fetched in
 * the last call, a packet's work ago) the flow of packet n+1 that slot
 * names, every cache line of it: the lookup reads the first, the
 * direction's fields lie further on. */
void flows_prefetch(struct flows *ft, const struct packet *after_next)
{
    if (ft->ahead_set) {
        size_t at = index_home(&ft->index, ft->ahead_hash);
        const struct flow *f = index_next(&ft->index, ft->ahead_hash, &at);
        if (f)
            prefetch_record(f, sizeof *f);
    }
    const struct packet *q = after_next;
    ft->ahead_hash = tuple_hash(&ft->key, &q->src, q->sport, &q->dst, q->dport);
    ft->ahead_set = true;
    index_prefetch(&ft->index, ft->ahead_hash);
}

/* Once the ended list is full, every report forgets the flow that ended
 * longest ago: a record thousands of flows old, out of the caches when
 * 200,000 are open.  Forgetting it reads its endpoints (for its hash),
 * then its index slot, then writes into the next flow of the list: three
 * misses, each waiting for the one before.  So each report asks for what
 * the next one will forget: the slot of the new front (whose lines this
 * call's predecessor asked for, so its endpoints are at hand) and the
 * links of the flow after it. */
static void prefetch_next_forgotten(const struct flows *ft)
{
    const struct flow *next = ft->ended.front;
    if (!next)
        return;
    index_prefetch(&ft->index, flow_hash(ft, next));
    if (next->next) {
        __builtin_prefetch(next->next, 1);        /* its endpoints, for the next call */
        __builtin_prefetch(&next->next->prev, 1); /* and its links */
    }
}

static void list_remove(struct flow_list *l, struct flow *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        l->front = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        l->back = f->prev;
    f->prev = f->next = NULL;
}

static void list_push_back(struct flow_list *l, struct flow *f)
{
    f->prev = l->back;
    f->next = NULL;
    if (l->back)
        l->back->next = f;
    else
        l->front = f;
    l->back = f;
}

static void unlink_flow(struct flows *ft, struct flow *f)
{
    list_remove(f->reported ? &ft->ended : &ft->active, f);
    if (f->reported)
        ft->n_ended--;
    index_remove(&ft->index, flow_hash(ft, f), f);
}

/* Forget an ended flow (unlinked): its record waits for the next new one. */
static void forget(struct flows *ft, struct flow *f)
{
    unlink_flow(ft, f);
    pool_give(&ft->flow_records, f);
}

/* No segment waits for its ACK; the inline slots hold the next ones. */
static void unacked_clear(struct flow_half *h)
{
    if (h->unacked != h->first)
        free(h->unacked);
    h->unacked = h->first;
    h->n_unacked = 0;
    h->cap_unacked = UNACKED_INLINE;
}

/* Give back the array of segments waiting for their ACK, keeping the
 * newest in the record's inline slots: a straggler after the end -- a FIN
 * that acknowledges the peer's FIN after a RST -- is still timed, as in
 * Wireshark, and an ended flow holds no memory beyond its record. */
static void unacked_shrink(struct flow_half *h)
{
    if (h->unacked == h->first)
        return;
    size_t keep = h->n_unacked < UNACKED_INLINE ? h->n_unacked : UNACKED_INLINE;
    memcpy(h->first, h->unacked + (h->n_unacked - keep), keep * sizeof *h->first);
    free(h->unacked);
    h->unacked = h->first;
    h->n_unacked = (uint16_t)keep;
    h->cap_unacked = UNACKED_INLINE;
}

/* Free what only an open flow needs. */
static void release(struct flows *ft, struct flow *f)
{
    for (int i = 0; i < 2; i++) {
        reasm_free(&f->half[i].reasm);
        unacked_shrink(&f->half[i]);
    }
    if (f->dissect) {
        dissect_release(f->dissect);
        pool_give(&ft->dissect_records, f->dissect);
        f->dissect = NULL;
    }
}

/* ---- reassembled bytes to the dissector ---- */

struct delivery {
    struct flows *ft;
    struct flow *f;
    enum item_dir dir;
    int64_t now_ns;
    bool write_continues; /* the segment has no PSH (or FIN): see struct dissect_env */
};

/* The text of f's server, in ft (valid until another server's is asked for). */
static const char *server_text(struct flows *ft, const struct flow *f)
{
    if (!same_endpoint(&ft->server_text_addr, ft->server_text_port, &f->server, f->server_port)) {
        format_endpoint(&f->server, f->server_port, ft->server_text);
        ft->server_text_addr = f->server;
        ft->server_text_port = f->server_port;
    }
    return ft->server_text;
}

static struct dissect_env env_for(const struct delivery *d)
{
    struct dissect_env env = {d->ft->emitter, &d->ft->classifier, d->f->id, server_text(d->ft, d->f),
                              d->f->handshake_rtt_ms, d->now_ns, false, 0, d->write_continues,
                              !d->f->syn_seen && !d->f->synack_seen};
    /* The sender's ACK number, as an offset of the stream it acknowledges:
     * where that stream's reassembly stands gives the offset of one
     * sequence number, and the rest is sequence arithmetic (mod 2^32). */
    const struct flow_half *sender = &d->f->half[d->dir];
    const struct reasm *acked = &d->f->half[!d->dir].reasm;
    if (sender->ack_seen && acked->started) {
        env.peer_acked_known = true;
        env.peer_acked = (uint32_t)acked->next_offset + (sender->last_ack - acked->next);
    }
    return env;
}

static void on_data(void *ctx, const uint8_t *data, size_t len, uint64_t offset, int64_t ts_ns)
{
    struct delivery *d = ctx;
    struct dissect_env env = env_for(d);
    env.now_ns = ts_ns; /* (reasm_out: the time the reader had them) */
    dissect_data(d->f->dissect, &env, d->dir, data, len, offset);
}

static void on_gap(void *ctx, uint64_t len, uint64_t offset, enum reasm_gap_reason why, int64_t ts_ns)
{
    struct delivery *d = ctx;
    struct dissect_env env = env_for(d);
    env.now_ns = ts_ns;
    dissect_gap(d->f->dissect, &env, d->dir, len, offset, reasm_gap_text(why));
}

/* ---- the flow item, now or held ---- */

/* What the flow item's note says of what was read, or NULL. */
static const char *traits_note(const struct flow_summary *s)
{
    if (!s->dissected)
        return NULL;
    if (s->traits.ws_joined_late)
        return "WebSocket recognised from its frames: the handshake, or its answer, was not captured";
    if (s->traits.tls)
        return "TLS: what it carries is encrypted; its records (sizes, times) and hellos (SNI, ALPN) are shown";
    if (s->traits.switched_unread)
        return "switched protocols (101) to one pushviz does not read: from then on only pushlab events are "
               "looked for";
    if (s->traits.http2 && !s->traits.requests)
        return "HTTP/2: its frames are shown, but no request's header block could be read (HPACK), so no "
               "exchange and no technique is named";
    /* A live capture started after the pages were opened joins their
     * streams in the middle of an answer: say so, and what to do. */
    if (s->traits.headless != HEADLESS_NONE)
        return "the capture began inside an answer's body (its request and status line were not "
               "captured): the technique is told from the body's own framing and content, read from "
               "the first place they can be trusted (start the capture before the connection opens to "
               "see it whole)";
    if (s->traits.unread && s->joined_late)
        return "the capture began inside this connection (no handshake captured), and bytes that could not "
               "be read from where it joined are only searched for pushlab events (start the capture "
               "before the connection opens to see it whole)";
    if (s->traits.unread)
        return "a protocol pushviz does not read: only pushlab events are looked for in its bytes";
    return NULL;
}

static void emit_flow_item(struct flows *ft, const struct flow_summary *s)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_FLOW, s->id, DIR_NONE, s->end_ns);
    item_add_str(it, "client", s->client_text);
    item_add_str(it, "server", s->server_text);
    item_add_str(it, "technique",
                 technique_name(s->dissected ? classify_flow(&ft->classifier, &s->traits)
                                             : TECH_UNKNOWN));
    item_add_int(it, "packets", (int64_t)s->packets);
    item_add_int(it, "bytes_c2s", (int64_t)s->bytes_c2s);
    item_add_int(it, "bytes_s2c", (int64_t)s->bytes_s2c);
    if (s->handshake_rtt_ms >= 0)
        item_add_ms(it, "handshake_rtt_ms", s->handshake_rtt_ms);
    else
        item_add_null(it, "handshake_rtt_ms");
    item_add_str(it, "end", s->end);
    if (s->library) {
        item_add_str(it, "library", s->library);
        if (s->session[0])
            item_add_str(it, "session", s->session);
        else /* a WebSocket joined late: its messages named the library, but no session */
            item_add_null(it, "session");
    } else {
        item_add_null(it, "session");
    }
    const char *note = traits_note(s);
    char turned[640];
    if (s->turned_by != ROLE_NO_EVIDENCE) {
        const char *by = role_evidence_name(s->turned_by);
        int n = s->turned_by == ROLE_OTHER_CONNECTIONS
                    ? snprintf(turned, sizeof turned,
                               "the handshake was not captured: client and server were told by %s", by)
                    : snprintf(turned, sizeof turned,
                               "the handshake was not captured: client and server were told by its first "
                               "payload (%s), not by the ports", by);
        if (s->shown_reversed)
            n += snprintf(turned + n, sizeof turned - (size_t)n, "; the %u %s before it %s shown the other way round",
                          s->shown_reversed, s->shown_reversed == 1 ? "segment" : "segments",
                          s->shown_reversed == 1 ? "was" : "were");
        if (note)
            snprintf(turned + n, sizeof turned - (size_t)n, "; %s", note);
        note = turned;
    }
    if (note)
        item_add_str(it, "note", note);
    emit_item(ft->emitter, it);
}

/* Emit, in flow order, the held items that are due: their path was asked
 * for again, they waited long enough, or their flow number is below
 * flush_below (0: none is). */
static void release_held(struct flows *ft, int64_t now_ns, unsigned flush_below)
{
    size_t keep = 0;
    for (size_t i = 0; i < ft->n_held; i++) {
        const struct flow_summary *s = &ft->held[i];
        if (s->id < flush_below || classify_repeated(&ft->classifier, &s->traits) ||
            now_ns - s->end_ns > (int64_t)VIZ_HOLD_FLOW_S * 1000000000)
            emit_flow_item(ft, s);
        else
            ft->held[keep++] = *s;
    }
    ft->n_held = keep;
}

/* Keep s's item back, in flow order; when the list is full, the lowest
 * numbered waiting item goes out first. */
static void hold(struct flows *ft, const struct flow_summary *s)
{
    if (ft->n_held == VIZ_HOLD_FLOWS) {
        emit_flow_item(ft, &ft->held[0]);
        memmove(ft->held, ft->held + 1, --ft->n_held * sizeof *ft->held);
    }
    size_t at = ft->n_held;
    while (at > 0 && ft->held[at - 1].id > s->id)
        at--;
    memmove(ft->held + at + 1, ft->held + at, (ft->n_held - at) * sizeof *ft->held);
    ft->held[at] = *s;
    ft->n_held++;
}

/* ---- bytes acknowledged before they were captured ----
 *
 * An ACK for bytes the capture has not shown means they were lost to it
 * -- or that they come next: a capture's order is not always the wire's.
 * Two taps, one per direction of a link, merged by their clocks; a
 * capture on several interfaces; a host whose queues hand packets over
 * in batches: each can put an ACK a little before the data it
 * acknowledges.  Taking those bytes as lost at the ACK would pass over a
 * request that comes a packet later (tshark does, and calls it a
 * spurious retransmission).  So bytes an ACK covers are taken as lost at
 * the flow's next packet, unless that packet begins to fill the hole --
 * then whatever it leaves open after it is.  Up to the peer's latest
 * acknowledgment number: bytes a later ACK covers too wait no longer.  An
 * ACK that carries data was sent after those bytes, so its data waits
 * with them (park, release_parked): an answer captured before its request
 * is still read after it. */
static void settle_acked_hole(struct flows *ft, struct flow *f, enum item_dir dir, int64_t now_ns)
{
    struct flow_half *x = &f->half[dir];
    if (!x->acked_hole)
        return;
    x->acked_hole = false;
    struct delivery d = {ft, f, dir, now_ns, false};
    struct reasm_out out = {on_data, on_gap, &d};
    reasm_acked(&x->reasm, f->half[!dir].last_ack, now_ns, &out);
}

/* Where side dir's bytes stand, counting those parked (they came). */
static uint32_t seen_up_to(const struct flows *ft, const struct flow *f, enum item_dir dir)
{
    const struct parked *pk = &ft->parked;
    uint32_t next = f->half[dir].reasm.next;
    return pk->f == f && pk->dir == dir && pk->seq == next ? next + pk->len : next;
}

/* A segment with data that acknowledges bytes of the other side not yet
 * captured: its data was sent after those bytes, so the dissector must
 * read it after them -- the answer after its request.  It waits for the
 * next packet (release_parked).  false when it cannot (a FIN, a segment
 * reassembly would not take in order, no memory): those bytes are then
 * given up on at once, as before parking existed. */
static bool park(struct flows *ft, struct flow *f, enum item_dir dir, const struct packet *p, uint32_t seq)
{
    struct parked *pk = &ft->parked;
    if (pk->f || (p->flags & (TCP_SYN | TCP_FIN | TCP_RST)) || f->half[dir].ended ||
        seq != f->half[dir].reasm.next || f->half[dir].reasm.held)
        return false;
    if (!pk->data && !(pk->data = malloc(VIZ_SNAPLEN)))
        return false;
    *pk = (struct parked){f, dir, seq, p->payload_len, p->payload_caplen, !(p->flags & TCP_PSH), p->ts_ns, pk->data};
    memcpy(pk->data, p->payload, p->payload_caplen);
    return true;
}

/* The parked data goes to its reader, after the other side's bytes it
 * acknowledged, or the gap where they were not captured. */
static void release_parked(struct flows *ft)
{
    struct parked *pk = &ft->parked;
    struct flow *f = pk->f;
    if (!f)
        return;
    pk->f = NULL;
    if (f->reported || !f->dissect || f->half[pk->dir].ended)
        return; /* (the flow ended meanwhile: a straggler, counted, not read) */
    settle_acked_hole(ft, f, !pk->dir, pk->ts_ns);
    struct delivery d = {ft, f, pk->dir, pk->ts_ns, pk->write_continues};
    struct reasm_out out = {on_data, on_gap, &d};
    reasm_add(&f->half[pk->dir].reasm, pk->seq, pk->data, pk->caplen, pk->len, false, pk->ts_ns, &out);
}

/* Does p bring the bytes the parked segment acknowledged: data of the
 * other side of its flow, starting at or before where that side stands? */
static bool fills_for_parked(const struct flows *ft, const struct packet *p)
{
    const struct parked *pk = &ft->parked;
    enum item_dir dir;
    if (!pk->f || !p->payload_len || (p->flags & (TCP_SYN | TCP_FIN | TCP_RST)) || !packet_of(pk->f, p, &dir))
        return false;
    return dir != pk->dir && seq_le(p->seq, pk->f->half[dir].reasm.next);
}

/* ---- ending a flow ---- */

/* One direction is over: what its reassembly holds goes out (a hole
 * still open is a gap), then the dissector is told. */
static void end_direction(struct flows *ft, struct flow *f, enum item_dir dir, int64_t now_ns,
                          enum dissect_end_how how)
{
    struct delivery d = {ft, f, dir, now_ns, false};
    struct reasm_out out = {on_data, on_gap, &d};
    if (f->dissect && !f->half[dir].ended) {
        settle_acked_hole(ft, f, dir, now_ns); /* (the bytes never came) */
        reasm_flush(&f->half[dir].reasm, how == END_CAPTURE ? GAP_END : GAP_CLOSED, &out);
        struct dissect_env env = env_for(&d);
        dissect_end(f->dissect, &env, dir, how);
        f->half[dir].ended = true;
    }
}

/* A reset flow reported before its wait is over is waited for no more. */
static void stop_waiting(struct flows *ft, const struct flow *f)
{
    for (size_t i = 0; i < ft->n_resets; i++) {
        struct reset_wait *w = &ft->resets[(ft->resets_first + i) % VIZ_RESET_WAITS];
        if (w->f == f)
            w->f = NULL;
    }
}

static void report(struct flows *ft, struct flow *f, int64_t now_ns, bool closed)
{
    if (f->reported)
        return;
    for (int dir = 0; dir < 2; dir++)
        end_direction(ft, f, (enum item_dir)dir, now_ns, !closed ? END_CAPTURE : f->rst ? END_RST : END_FIN);
    if (f->rst)
        stop_waiting(ft, f);
    struct flow_summary s = {f->id, now_ns, "", "", f->dissect != NULL, {0}, f->packets,
                             f->half[DIR_C2S].bytes, f->half[DIR_S2C].bytes, f->handshake_rtt_ms,
                             f->rst ? "rst" : closed ? "fin" : "open", NULL, "",
                             (enum role_evidence)f->turned_by, f->shown_reversed,
                             !f->syn_seen && !f->synack_seen};
    format_endpoint(&f->client, f->client_port, s.client_text);
    format_endpoint(&f->server, f->server_port, s.server_text);
    if (f->dissect) {
        s.traits = *dissect_traits(f->dissect);
        const char *session = dissect_session(f->dissect, &s.library);
        if (session) /* at most VIZ_SESSION_MAX bytes (library_note_session) */
            memcpy(s.session, session, strlen(session) + 1);
    }
    if (s.dissected && classify_may_repeat(&ft->classifier, &s.traits))
        hold(ft, &s);
    else
        emit_flow_item(ft, &s);
    list_remove(&ft->active, f);
    list_push_back(&ft->ended, f);
    f->reported = true;
    release(ft, f);
    /* An ended flow is remembered only for its stragglers (a FIN sent
     * again, a late RST): the one that ended longest ago goes, so that
     * memory follows the open flows, not the length of the capture. */
    if (++ft->n_ended > VIZ_ENDED_FLOWS) {
        forget(ft, ft->ended.front);
        prefetch_next_forgotten(ft);
    }
}

/* ---- after a RST ----
 * A RST ends its sender's side at once.  But the other side may have sent
 * bytes before the reset reached it (a server's Close frame, the rest of
 * an answer) that the capture has yet to see, a round trip's time at
 * most: its side stays open for them, two handshake RTTs (or
 * VIZ_RESET_WAIT_MS when the handshake was not seen), unless it ends
 * sooner (its FIN or RST).  Then the flow is reported, at the time of its
 * last packet. */

static int64_t last_activity(const struct flow *f)
{
    return f->half[0].last_ns > f->half[1].last_ns ? f->half[0].last_ns : f->half[1].last_ns;
}

static void end_oldest_wait(struct flows *ft)
{
    struct reset_wait w = ft->resets[ft->resets_first];
    ft->resets_first = (ft->resets_first + 1) % VIZ_RESET_WAITS;
    ft->n_resets--;
    if (w.f)
        report(ft, w.f, last_activity(w.f), true);
}

static void wait_after_reset(struct flows *ft, struct flow *f, int64_t now_ns)
{
    if (ft->n_resets == VIZ_RESET_WAITS)
        end_oldest_wait(ft);
    int64_t wait_ns = f->handshake_rtt_ms >= 0 ? (int64_t)(2 * f->handshake_rtt_ms * 1e6)
                                               : (int64_t)VIZ_RESET_WAIT_MS * 1000000;
    ft->resets[(ft->resets_first + ft->n_resets++) % VIZ_RESET_WAITS] = (struct reset_wait){f, now_ns + wait_ns};
}

/* Waits in the order they began, and so of their ends but for the RTTs'
 * differences: the front's end decides, and a later one ends a little
 * late at worst. */
static void end_waits(struct flows *ft, int64_t now_ns)
{
    while (ft->n_resets && ft->resets[ft->resets_first].until_ns < now_ns)
        end_oldest_wait(ft);
}

/* Make room for one more flow: forget an ended one, or end the oldest. */
static void make_room(struct flows *ft, int64_t now_ns)
{
    if (ft->index.count < VIZ_MAX_FLOWS)
        return;
    struct flow *victim = ft->ended.front ? ft->ended.front : ft->active.front;
    report(ft, victim, now_ns, victim->rst);
    forget(ft, victim);
}

/* ---- servers seen listening ---- */

static bool is_server(const struct known_servers *k, const struct ip_addr *addr, uint16_t port)
{
    for (unsigned i = 0; i < k->count; i++) {
        unsigned at = (k->latest + KNOWN_SERVERS - i) % KNOWN_SERVERS; /* the latest first */
        if (same_endpoint(&k->at[at].addr, k->at[at].port, addr, port))
            return true;
    }
    return false;
}

static void learn_server(struct known_servers *k, const struct ip_addr *addr, uint16_t port)
{
    if (is_server(k, addr, port))
        return; /* (most flows go to the server the last one went to: one comparison) */
    k->latest = (k->latest + 1) % KNOWN_SERVERS;
    k->at[k->latest].addr = *addr;
    k->at[k->latest].port = port;
    if (k->count < KNOWN_SERVERS)
        k->count++;
}

/* Without a handshake, is the packet's sender the client?  When one of
 * its endpoints is a server seen listening and the other is not, that
 * one is the server; else the side with the higher (ephemeral) port is
 * taken for the client, until the first payload says (settle_roles). */
static bool sender_is_client_by_guess(const struct flows *ft, const struct packet *p)
{
    bool src_listens = is_server(&ft->servers, &p->src, p->sport);
    bool dst_listens = is_server(&ft->servers, &p->dst, p->dport);
    if (src_listens != dst_listens)
        return dst_listens;
    return p->sport >= p->dport;
}

static struct flow *new_flow(struct flows *ft, const struct packet *p, enum item_dir *dir)
{
    make_room(ft, p->ts_ns);
    struct flow *f = pool_take(&ft->flow_records);
    if (!f)
        return NULL;
    memset(f, 0, sizeof *f);
    if (!(f->dissect = pool_take(&ft->dissect_records))) {
        pool_give(&ft->flow_records, f);
        return NULL;
    }
    dissect_init(f->dissect, &ft->half_store);
    /* Who is the client?  The SYN's sender; else a guess. */
    bool sender_is_client =
        p->flags & TCP_SYN ? !(p->flags & TCP_ACK) : sender_is_client_by_guess(ft, p);
    f->client = sender_is_client ? p->src : p->dst;
    f->server = sender_is_client ? p->dst : p->src;
    f->client_port = sender_is_client ? p->sport : p->dport;
    f->server_port = sender_is_client ? p->dport : p->sport;
    *dir = sender_is_client ? DIR_C2S : DIR_S2C;
    if (p->flags & TCP_SYN)
        learn_server(&ft->servers, &f->server, f->server_port);
    f->id = ft->next_id++;
    f->handshake_rtt_ms = -1;
    for (int i = 0; i < 2; i++) {
        reasm_init(&f->half[i].reasm, VIZ_REASM_FLOW_CAP, &ft->budget);
        unacked_clear(&f->half[i]);
    }

    if (!index_insert(&ft->index, flow_hash(ft, f), f)) {
        dissect_release(f->dissect);
        pool_give(&ft->dissect_records, f->dissect);
        pool_give(&ft->flow_records, f);
        return NULL;
    }
    list_push_back(&ft->active, f);
    return f;
}

/* ---- ack RTT (Wireshark's tcp.analysis.ack_rtt) ---- */

/* At most max segments wait: VIZ_UNACKED_MAX while the flow is open, the
 * inline slots once it has ended (a straggler's ACK is still timed, and
 * an ended flow's record grows no more). */
static void remember_unacked(struct flow_half *h, uint32_t seq, uint32_t nextseq, int64_t ts, size_t max)
{
    if (h->n_unacked == h->cap_unacked) {
        if (h->cap_unacked >= max) {
            /* Full: forget the oldest; it will not be timed. */
            memmove(h->unacked, h->unacked + 1, (h->n_unacked - 1) * sizeof *h->unacked);
            h->n_unacked--;
        } else { /* twice the room, off the record once the inline slots are full */
            size_t cap = (size_t)h->cap_unacked * 2;
            bool inline_slots = h->unacked == h->first;
            struct unacked *u = realloc(inline_slots ? NULL : h->unacked, cap * sizeof *u);
            if (!u)
                return;
            if (inline_slots)
                memcpy(u, h->first, sizeof h->first);
            h->unacked = u;
            h->cap_unacked = (uint16_t)cap;
        }
    }
    h->unacked[h->n_unacked++] = (struct unacked){seq, nextseq, ts};
}

/* A segment with the acknowledgment number `ack` arrived for the segments
 * of h.  Returns the RTT in ms of the segment it acknowledges exactly, or -1.
 *
 * Wireshark does this for every segment, also one without the ACK bit,
 * whose acknowledgment field means nothing (RFC 9293 §3.1) and is 0 in a
 * SYN from Linux.  Sequence numbers go round a circle of 2^32, and 0 is
 * "after" every number in the upper half of it: when the server's initial
 * sequence number is there (half of all connections), a SYN sent again
 * takes the SYN/ACK copies sent before it off the list, and the client's
 * ACK is timed from a SYN/ACK sent after that SYN, not from the first.
 * Either sample spans a segment sent more than once, which a sender
 * would not use (Karn's rule, RFC 6298 §3); pushviz reports what
 * Wireshark reports. */
static double take_acked(struct flow_half *h, uint32_t ack, int64_t now)
{
    double rtt = -1;
    size_t keep = 0;
    /* Newest first, as Wireshark walks its list (the last exact match wins). */
    for (size_t i = h->n_unacked; i-- > 0;) {
        struct unacked *u = &h->unacked[i];
        if (ack == u->nextseq) {
            rtt = (double)(now - u->ts_ns) / 1e6;
            u->nextseq = u->seq; /* mark for removal */
        } else if (seq_lt(u->seq, ack) && seq_lt(ack, u->nextseq)) {
            u->seq = ack; /* partly acknowledged */
        } else if (!seq_lt(ack, u->nextseq)) {
            /* Acknowledged, now or before.  The test is Wireshark's, "is
             * ack before its end?": it differs from "is its end at or
             * before ack?" only for numbers half the circle apart. */
            u->nextseq = u->seq;
        }
    }
    for (size_t i = 0; i < h->n_unacked; i++)
        if (h->unacked[i].nextseq != h->unacked[i].seq)
            h->unacked[keep++] = h->unacked[i];
    h->n_unacked = keep;
    return rtt;
}

/* ---- the tcp item ---- */

/* "SYN,ACK" style, in Wireshark's order, which is the order of the bits
 * (FIN is 0x01 ... CWR 0x80, RFC 9293 §3.1 and RFC 3168); every name has
 * three letters.  Only the bits that are set are visited (m &= m - 1
 * clears the lowest): one or two per segment instead of eight tests.
 * Each name is stored with a comma after it, and the length leaves the
 * last comma out: 4 bytes a flag, less one.  Counting the length from
 * the flags, not as the loop goes, tells the compiler it is at most 31,
 * as a reader sees at once.  out is not NUL-terminated. */
enum { FLAGS_TEXT_MAX = 8 * 4 };

static size_t flags_text(uint8_t flags, char out[FLAGS_TEXT_MAX])
{
    static const char names[8][4] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    char *p = out;
    for (unsigned m = flags; m; m &= m - 1) {
        memcpy(p, names[__builtin_ctz(m)], 3);
        p[3] = ',';
        p += 4;
    }
    return flags ? (size_t)__builtin_popcount(flags) * 4 - 1 : 0;
}

enum { WIN_SCALE_UNKNOWN, WIN_SCALE_NONE, WIN_SCALE_SHIFT };

/* What TCP analysis says of a segment: the tcp.analysis flags of
 * Wireshark that pushviz follows, one bit each.  A segment can have more
 * than one (a fast retransmission is a retransmission too, and a data
 * segment can also close its sender's window).  The `analysis` field
 * names the lowest bit set and `analysis_more` the others, in this
 * order: first what the segment itself is -- what happened to its own
 * bytes, then a SYN that starts a new connection on old ports -- then
 * what its ACK says (beginning with an ACK of bytes the capture missed:
 * news of the other direction's bytes, not of this one's), then its
 * window. */
enum tcp_note {
    NOTE_RETRANSMISSION = 1u << 0,          /* tcp.analysis.retransmission */
    NOTE_OUT_OF_ORDER = 1u << 1,            /* tcp.analysis.out_of_order */
    NOTE_NOT_CAPTURED = 1u << 2,            /* tcp.analysis.lost_segment */
    NOTE_KEEP_ALIVE = 1u << 3,              /* tcp.analysis.keep_alive */
    NOTE_WINDOW_PROBE = 1u << 4,            /* tcp.analysis.zero_window_probe */
    NOTE_REUSED_PORTS = 1u << 5,            /* tcp.analysis.reused_ports */
    NOTE_ACK_NOT_CAPTURED = 1u << 6,        /* tcp.analysis.ack_lost_segment */
    NOTE_KEEP_ALIVE_ACK = 1u << 7,          /* tcp.analysis.keep_alive_ack */
    NOTE_WINDOW_PROBE_ACK = 1u << 8,        /* tcp.analysis.zero_window_probe_ack */
    NOTE_DUPLICATE_ACK = 1u << 9,           /* tcp.analysis.duplicate_ack */
    NOTE_ZERO_WINDOW = 1u << 10,            /* tcp.analysis.zero_window */
    NOTE_WINDOW_FULL = 1u << 11,            /* tcp.analysis.window_full */
    NOTE_WINDOW_UPDATE = 1u << 12,          /* tcp.analysis.window_update */
    NOTE_FAST_RETRANSMISSION = 1u << 13,    /* tcp.analysis.fast_retransmission (and retransmission) */
    NOTE_SPURIOUS_RETRANSMISSION = 1u << 14, /* tcp.analysis.spurious_retransmission (and retransmission) */
    NOTE_KINDS = 15
};

/* By bit; the JSON names, which the contract keeps. */
static const char *const note_names[NOTE_KINDS] = {
    "retransmission",      "out_of_order",           "previous_segment_not_captured",
    "keep_alive",          "zero_window_probe",      "reused_ports",
    "ack_lost_segment",    "keep_alive_ack",         "zero_window_probe_ack",
    "duplicate_ack",       "zero_window",            "window_full",
    "window_update",       "fast_retransmission",    "spurious_retransmission",
};

/* `analysis_more`: the names of the notes in `more`, comma-separated as
 * `flags` is ("fast_retransmission", "zero_window,window_update"). */
static void add_more_notes(struct item *it, unsigned more)
{
    char text[256]; /* all fifteen names with their commas take 249 bytes */
    size_t n = 0;
    for (; more; more &= more - 1) {
        const char *name = note_names[__builtin_ctz(more)];
        size_t len = strlen(name);
        if (n + 1 + len > sizeof text)
            break;
        if (n)
            text[n++] = ',';
        memcpy(text + n, name, len);
        n += len;
    }
    if (n)
        item_add_text(it, "analysis_more", text, n);
}

/* The sequence number of a segment's first payload byte.  A SYN takes
 * the initial sequence number itself (RFC 9293 §3.4), so data it carries
 * -- TCP Fast Open's request, RFC 7413 §3 -- starts one after: it is the
 * stream's first bytes. */
static uint32_t payload_seq(const struct packet *p)
{
    return p->seq + ((p->flags & TCP_SYN) != 0);
}

/* notes: the segment's tcp_note bits.  A duplicate ACK also says which
 * one it is (1, 2, ...) and the frame of the ACK it repeats, as Wireshark
 * does (tcp.analysis.duplicate_ack_num, duplicate_ack_frame). */
static void emit_tcp(struct flows *ft, struct flow *f, enum item_dir dir, const struct packet *p,
                     unsigned notes, double ack_rtt)
{
    struct flow_half *h = &f->half[dir], *o = &f->half[!dir];
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_TCP, f->id, dir, p->ts_ns);
    if (p->payload_len)
        item_set_range(it, reasm_offset(&h->reasm, payload_seq(p)), p->payload_len);
    char flags[FLAGS_TEXT_MAX];
    item_add_text(it, "flags", flags, flags_text(p->flags, flags));
    item_add_int(it, "seq", (uint32_t)(p->seq - h->base));
    item_add_int(it, "ack", (p->flags & TCP_ACK) && o->base_set ? (uint32_t)(p->ack - o->base) : 0);
    item_add_int(it, "len", p->payload_len);
    item_add_int(it, "seq_raw", p->seq);
    item_add_int(it, "ack_raw", p->ack);
    item_add_int(it, "win", p->window);
    item_add_int(it, "frame", (int64_t)p->frame);
    if (ack_rtt >= 0)
        item_add_ms(it, "ack_rtt_ms", ack_rtt);
    if (notes) {
        unsigned first = (unsigned)__builtin_ctz(notes);
        item_add_str(it, "analysis", note_names[first]);
        add_more_notes(it, notes & ~(1u << first));
    }
    if (notes & NOTE_DUPLICATE_ACK) {
        item_add_int(it, "dup_ack_num", h->dup_acks);
        item_add_int(it, "dup_ack_frame", h->ack_frame);
    }
    if (p->truncated)
        item_add_bool(it, "truncated", true);
    emit_item(ft->emitter, it);
}

/* ---- one segment ---- */

/* Data below the highest sequence number this side has shown (the
 * capture saw it go past before, or a later segment already passed it),
 * by Wireshark's rules, so that the two agree:
 *  - a spurious retransmission when the peer had acknowledged all of it:
 *    sent again for nothing (the first copy's ACK was slow, or lost);
 *  - a fast retransmission when it starts where two or more duplicate
 *    ACKs asked, within 20 ms of the peer's last segment (RFC 5681 §3.2);
 *  - out of order (overtaken) when it comes within one handshake RTT
 *    (3 ms when unknown) of the segment that showed the highest number
 *    and does not end exactly there;
 *  - else a retransmission, whose first copy may never have reached the
 *    capture point (lost on the way to it).
 * Data that starts below the highest number but goes past it is judged
 * the same way: Wireshark calls it a retransmission, not an overlap.
 * Two or more bytes starting one below it are new data after a
 * keep-alive or zero-window probe's byte, not a retransmission. */
static unsigned late_or_reordered(const struct flow *f, const struct flow_half *h,
                                  const struct flow_half *peer, const struct packet *p)
{
    if (peer->ack_seen && peer->ack_bit && seq_le(p->seq + p->payload_len, peer->last_ack))
        return NOTE_RETRANSMISSION | NOTE_SPURIOUS_RETRANSMISSION;
    if (!h->seq_high_set || !seq_lt(p->seq, h->seq_high) ||
        (p->payload_len > 1 && p->seq == h->seq_high - 1))
        return 0;
    /* Times as Wireshark takes them: unsigned, so that a clock that
     * stepped back makes them long, not short. */
    if (peer->dup_acks >= 2 && p->seq == peer->last_ack && (uint64_t)(p->ts_ns - peer->last_ns) < 20000000)
        return NOTE_RETRANSMISSION | NOTE_FAST_RETRANSMISSION;
    uint64_t window_ns = f->handshake_rtt_ms > 0 ? (uint64_t)(f->handshake_rtt_ms * 1e6) : 3000000;
    if ((uint64_t)(p->ts_ns - h->seq_high_ns) < window_ns && p->seq + p->payload_len != h->seq_high)
        return NOTE_OUT_OF_ORDER;
    return NOTE_RETRANSMISSION;
}

/* ACKed segment that was not captured: p, an ACK (a RST too), acknowledges
 * more than the capture saw the peer o send in order, so bytes of o's
 * passed the capture point unseen (at the start of a capture, or lost
 * between the sender and it).  Wireshark's rule, in its numbers: o's
 * ack_limit follows o's highest sequence number while o's segments come
 * in order (follow_segment), once something of o was seen.  (Wireshark
 * takes a limit of 0 for "nothing seen yet", so where a side's numbers
 * pass 2^32 exactly there, one time in 2^32, it flags nothing; pushviz
 * keeps a bit instead, and flags what was lost there too.)  An ACK past
 * the limit is flagged
 *  - when o showed bytes past the limit (a hole, or a segment that did
 *    not start at it): the limit jumps to o's highest number, so the next
 *    ACKs of those bytes are not flagged;
 *  - else (the ACK is past all o has shown) once while o's own
 *    acknowledgment number stays the same: Wireshark marks it in o's
 *    duplicate-ACK count (as -1), so that count starts again too. */
static unsigned acked_unseen(struct flow_half *o, const struct packet *p)
{
    if (!(p->flags & TCP_ACK) || !o->ack_limit_set || !seq_lt(o->ack_limit, p->ack))
        return 0;
    if (seq_lt(o->ack_limit, o->seq_high)) {
        o->ack_limit = o->seq_high;
        return NOTE_ACK_NOT_CAPTURED;
    }
    bool said = o->unseen_acked || o->dup_acks;
    o->unseen_acked = true;
    o->dup_acks = 0;
    return said ? 0 : NOTE_ACK_NOT_CAPTURED;
}

/* What Wireshark's TCP analysis says of segment p from side h (tcp_analyze_
 * sequence_number in its packet-tcp.c), checked in its order against what
 * h and its peer o showed before:
 *  - zero-window probe: one byte at the next sequence number while the
 *    peer's window is 0, sent to learn when it opens.  Nothing else is
 *    said of it, and it does not move the next sequence number: the
 *    receiver may not keep its byte, which then comes again;
 *  - zero window: p advertises a window of 0 (and is no SYN, FIN or
 *    RST): the receiver's buffer is full, the sender must wait;
 *  - previous segment not captured: p starts past the highest sequence
 *    number h has shown (no RST);
 *  - keep-alive (RFC 9293 §3.8.4): empty or one old byte, one below that
 *    number, asking an idle peer for an ACK; not a retransmission;
 *  - window full: data that ends exactly at the right edge of the window
 *    the peer last offered (its ACK plus its window, scaled as the
 *    handshake agreed; not yet scaled before its first ACK after its SYN,
 *    and not judged when the handshake was not captured): the sender may
 *    send no more until the peer acknowledges or opens its window;
 *  - then the ACKs.  An empty segment at that number that repeats h's
 *    latest acknowledgment number, no SYN, FIN or RST: with a window
 *    that is not 0 it is a window update when the window is new (the
 *    reader made room); with the same window it answers the peer's
 *    keep-alive when the peer's latest segment was one; else it is a
 *    duplicate ACK (RFC 5681 §2): the receiver got a segment it cannot
 *    use yet, one past a hole, and asks again for the bytes at that
 *    number.  The count runs while the acknowledgment number stays the
 *    same: data, a window update or a FIN in between do not restart it.
 *    Repeating a window of 0 it answers a zero-window probe, or is
 *    nothing more than a zero window;
 *  - ACKed segment that was not captured (acked_unseen);
 *  - then the data (late_or_reordered); a SYN or SYN-ACK below its
 *    side's highest sequence number, or a repeated FIN (control_again),
 *    is a retransmission.
 * Updates h's duplicate-ACK count, and o's ack_limit and unseen_acked;
 * the caller records the rest after. */
static unsigned tcp_notes(const struct flow *f, struct flow_half *h, struct flow_half *o,
                          const struct packet *p, bool control_again)
{
    unsigned notes = 0;
    bool control = (p->flags & (TCP_SYN | TCP_FIN | TCP_RST)) != 0;
    bool at_next = h->seq_high_set && p->seq == h->seq_high;
    if (p->payload_len == 1 && at_next && o->ack_seen && o->last_win == 0) {
        notes |= NOTE_WINDOW_PROBE;
    } else {
        if (p->window == 0 && !control)
            notes |= NOTE_ZERO_WINDOW;
        if (h->seq_high_set && seq_lt(h->seq_high, p->seq) && !(p->flags & TCP_RST))
            notes |= NOTE_NOT_CAPTURED;
        if (p->payload_len <= 1 && !control && h->seq_high_set && p->seq == h->seq_high - 1)
            notes |= NOTE_KEEP_ALIVE;
        unsigned shift = o->first_ack || o->win_scale != WIN_SCALE_SHIFT ? 0 : o->win_shift;
        if (p->payload_len && !control && o->win_scale != WIN_SCALE_UNKNOWN && o->ack_seen &&
            p->seq + p->payload_len == o->last_ack + ((uint32_t)o->last_win << shift))
            notes |= NOTE_WINDOW_FULL;
        bool again = !p->payload_len && !control && at_next && h->ack_seen && h->ack_bit && p->ack == h->last_ack;
        if (again && p->window != 0 && p->window != h->last_win) {
            notes |= NOTE_WINDOW_UPDATE;
        } else if (again && p->window != 0 && o->probed) {
            notes |= NOTE_KEEP_ALIVE_ACK;
        } else if (again && p->window == 0 && h->last_win == 0 && o->window_probed) {
            notes |= NOTE_WINDOW_PROBE_ACK;
        } else if (again && p->window != 0) {
            notes |= NOTE_DUPLICATE_ACK;
            h->dup_acks++;
            h->unseen_acked = false;
        }
    }
    if (!h->ack_seen || p->ack != h->last_ack) { /* a new number: what later duplicates repeat */
        h->ack_frame = (uint32_t)p->frame;
        h->dup_acks = 0;
        h->unseen_acked = false;
    }
    notes |= acked_unseen(o, p);
    if (control_again)
        notes |= NOTE_RETRANSMISSION;
    else if (p->payload_len && !(notes & NOTE_KEEP_ALIVE))
        notes |= late_or_reordered(f, h, o, p);
    return notes;
}

/* The window scale a SYN announces (RFC 7323 §2.2), as Wireshark takes
 * it: a SYN without the option means neither side scales; a SYN-ACK with
 * it answering a SYN without it does not scale either.  Shifts above 14
 * are taken as 14 (§2.3).  A side's window is not scaled until its first
 * ACK that is not a SYN: the SYN-ACK's window never is. */
static void note_window_scale(struct flow_half *h, struct flow_half *o, const struct packet *p)
{
    if (p->flags & TCP_SYN) {
        h->first_ack = true;
        if (p->has_wscale) {
            h->win_scale = WIN_SCALE_SHIFT;
            h->win_shift = p->wscale < 14 ? p->wscale : 14;
        }
        if (h->win_scale == WIN_SCALE_UNKNOWN) {
            h->win_scale = WIN_SCALE_NONE;
            o->win_scale = WIN_SCALE_NONE;
        } else if ((p->flags & TCP_ACK) && o->win_scale == WIN_SCALE_NONE) {
            h->win_scale = WIN_SCALE_NONE;
        }
    } else if (p->flags & TCP_ACK) {
        h->first_ack = false;
    }
}

/* ---- client and server, when the handshake was not captured ---- */

/* Is the flow's client still the guess new_flow made (from the servers
 * seen listening, or the ports)?  So long as neither side has sent a
 * byte: a flow made from a SYN or
 * SYN-ACK knows its roles, and once bytes have gone to the dissector (or
 * a side has ended) a direction is what they were read as. */
static bool roles_guessed(const struct flow *f, const struct packet *p)
{
    return !f->syn_seen && !f->synack_seen && !(p->flags & TCP_SYN) && !f->turned_by && f->dissect &&
           !f->half[0].bytes && !f->half[1].bytes && !f->half[0].ended && !f->half[1].ended;
}

/* Swap client and server, and with them everything kept per direction. */
static void turn_around(struct flow *f)
{
    struct ip_addr addr = f->client;
    f->client = f->server;
    f->server = addr;
    uint16_t port = f->client_port;
    f->client_port = f->server_port;
    f->server_port = port;
    struct flow_half half = f->half[0];
    f->half[0] = f->half[1];
    f->half[1] = half;
    for (int i = 0; i < 2; i++) /* the inline list is a pointer into its own half */
        if (f->half[i].unacked == f->half[!i].first)
            f->half[i].unacked = f->half[i].first;
}

/* The first payload of a flow whose roles were guessed: when its bytes
 * are what only the other role sends (roles.h), or its guessed client has
 * been seen listening since, the guess was wrong, and the flow is turned
 * round before anything is read.  Only the `tcp`
 * items of the segments before it (bare ACKs) went out the guessed way:
 * the flow's item says how many. */
static void settle_roles(struct flows *ft, struct flow *f, const struct packet *p, enum item_dir *dir)
{
    enum role_evidence e = role_evidence(p->payload, p->payload_caplen);
    /* Bytes either side could send: a server seen listening since the
     * flow was made may still say it (a Flash data socket opened after
     * its policy request, whose server speaks first). */
    if (e == ROLE_NO_EVIDENCE && is_server(&ft->servers, &f->client, f->client_port) &&
        !is_server(&ft->servers, &f->server, f->server_port))
        e = ROLE_OTHER_CONNECTIONS;
    if (e == ROLE_NO_EVIDENCE)
        return;
    if (role_evidence_is_client(e) == (*dir == DIR_C2S)) {
        learn_server(&ft->servers, &f->server, f->server_port);
        return;
    }
    turn_around(f);
    learn_server(&ft->servers, &f->server, f->server_port);
    f->turned_by = e;
    f->shown_reversed = f->packets < SHOWN_REVERSED_MAX ? f->packets : SHOWN_REVERSED_MAX;
    *dir = *dir == DIR_C2S ? DIR_S2C : DIR_C2S;
}

/* Start loading the other records a segment of flow f will touch, as
 * soon as f is known, so that their cache misses overlap the segment's
 * TCP work and its `tcp` item instead of stalling one after the other:
 * with 200,000 flows open, none of them is in the caches.  They are
 * f's neighbours on the activity list (moving f to its back writes into
 * both; so the move is made after the `tcp` item) and its dissector's
 * record.  The direction's own record is asked for after the `tcp` item
 * (dissect_prefetch): its address is in the dissector's record, which
 * has arrived by then. */
static void prefetch_related(const struct flow *f, const struct packet *p)
{
    if (f->prev)
        __builtin_prefetch(&f->prev->next, 1);
    if (f->next)
        __builtin_prefetch(&f->next->prev, 1);
    /* The dissector is needed for bytes and for the end, not for a bare
     * ACK; the processor can fetch only so many lines at once, so none
     * are asked for in vain. */
    if (f->dissect && (p->payload_len || (p->flags & (TCP_FIN | TCP_RST))))
        prefetch_record(f->dissect, sizeof(struct dissect));
}

static void follow_segment(struct flows *ft, const struct packet *p)
{
    enum item_dir dir = DIR_C2S;
    struct flow *f = lookup(ft, p, &dir);
    bool fresh_syn = (p->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
    /* Ports reused, by tshark's rule: a SYN or SYN-ACK whose sequence
     * number is not the initial one its side started from (a SYN sent
     * again has the same) belongs to a new connection on the tuple.  A
     * SYN ends the old flow, closed or not, and starts the new one; a
     * SYN-ACK (its SYN was not captured) stays in the old flow, as it
     * stays in tshark's tcp.stream. */
    bool reused_ports = f && (p->flags & TCP_SYN) && f->half[dir].base_set && p->seq != f->half[dir].base;
    if (reused_ports && fresh_syn) {
        report(ft, f, p->ts_ns, f->rst || f->half[0].fin || f->half[1].fin);
        forget(ft, f);
        f = NULL;
    }
    if (!f && !(f = new_flow(ft, p, &dir)))
        return;
    ft->current = f;
    prefetch_related(f, p);
    if (p->payload_len && roles_guessed(f, p))
        settle_roles(ft, f, p, &dir);
    f->packets++;
    struct flow_half *h = &f->half[dir], *o = &f->half[!dir];

    /* Relative sequence numbers, as Wireshark sets its bases. */
    if (!h->base_set) {
        h->base = p->flags & TCP_SYN ? p->seq : p->seq - 1;
        h->base_set = true;
    }
    if (!o->base_set && (p->flags & TCP_ACK)) {
        o->base = p->ack - 1;
        o->base_set = true;
    }
    /* The stream starts after the SYN; without one, at this segment. */
    uint32_t data_seq = payload_seq(p);
    if (!h->reasm.started)
        reasm_start(&h->reasm, data_seq);

    /* The handshake.  A SYN or SYN-ACK, or an empty FIN, below the highest
     * sequence number its side has shown is sent again (the first one, or
     * its answer, was lost): a FIN seen before, or one whose first copy
     * was lost before the capture point, as a later segment past it
     * shows. */
    bool control_again = h->seq_high_set && seq_lt(p->seq, h->seq_high) &&
                         ((p->flags & TCP_SYN) || ((p->flags & TCP_FIN) && !p->payload_len));
    if (fresh_syn && (!f->syn_seen || (control_again && f->handshake_rtt_ms < 0))) {
        /* Timed from the latest SYN (tshark's initial_rtt does the same):
         * a SYN sent again means the first, or its answer, was lost, and a
         * round trip measured across it would hold the client's
         * retransmission timeout (Karn's rule, RFC 6298 §3). */
        f->syn_seen = true;
        f->syn_ns = p->ts_ns;
    } else if ((p->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
        f->synack_seen = true;
    } else if (dir == DIR_C2S && (p->flags & TCP_ACK) && f->syn_seen && f->synack_seen &&
               f->handshake_rtt_ms < 0) {
        f->handshake_rtt_ms = (double)(p->ts_ns - f->syn_ns) / 1e6;
    }

    uint32_t nextseq = p->seq + p->payload_len + ((p->flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
    unsigned notes = tcp_notes(f, h, o, p, control_again) | (reused_ports ? NOTE_REUSED_PORTS : 0);
    /* What the next segments are judged against (Wireshark keeps the same). */
    h->last_ack = p->ack;
    h->last_win = p->window;
    h->last_ns = p->ts_ns;
    h->ack_seen = true;
    h->ack_bit = (p->flags & TCP_ACK) != 0;
    h->probed = (notes & NOTE_KEEP_ALIVE) != 0;
    h->window_probed = (notes & NOTE_WINDOW_PROBE) != 0;
    note_window_scale(h, o, p);
    if (!(notes & NOTE_WINDOW_PROBE) && (!h->seq_high_set || seq_lt(h->seq_high, nextseq))) {
        h->seq_high = nextseq;
        h->seq_high_ns = p->ts_ns;
        h->seq_high_set = true;
    }
    /* Bytes in order move the limit of what the peer may acknowledge to
     * the highest number; a segment elsewhere (past a hole, or overlapping
     * the limit) leaves it where the bytes stopped coming in order. */
    if ((!h->ack_limit_set || p->seq == h->ack_limit) && !(notes & NOTE_WINDOW_PROBE)) {
        h->ack_limit = h->seq_high;
        h->ack_limit_set = true;
    }
    double ack_rtt = take_acked(o, p->ack, p->ts_ns); /* ACK bit or not, as in Wireshark */
    /* Every segment that takes sequence space waits for its ACK, resent
     * ones too, as in Wireshark: an ACK times the oldest copy of what it
     * acknowledges that is still waiting (take_acked), the first copy of
     * a retransmission unless that was acknowledged already (a spurious
     * retransmission's ACK is timed from it) or was never captured. */
    if (nextseq != p->seq)
        remember_unacked(h, p->seq, nextseq, p->ts_ns, f->reported ? UNACKED_INLINE : VIZ_UNACKED_MAX);
    h->bytes += p->payload_len;
    emit_tcp(ft, f, dir, p, notes, ack_rtt);
    if (p->payload_len && f->dissect)
        dissect_prefetch(f->dissect, dir); /* its record arrived during emit_tcp */
    if (!f->reported && f != ft->active.back) { /* the most recently active now */
        list_remove(&ft->active, f);
        list_push_back(&ft->active, f);
    }

    if (f->reported)
        return; /* a straggler after the end: counted and shown, not dissected */
    struct delivery d = {ft, f, dir, p->ts_ns, !(p->flags & (TCP_PSH | TCP_FIN))};
    struct reasm_out out = {on_data, on_gap, &d};
    /* Holes an earlier packet acknowledged (settle_acked_hole): the
     * other side's did not come with this packet; this side's, unless
     * this segment starts at or before it. */
    bool may_fill = p->payload_len && seq_le(data_seq, h->reasm.next);
    if (!o->ended)
        settle_acked_hole(ft, f, !dir, p->ts_ns);
    if (!h->ended && !may_fill)
        settle_acked_hole(ft, f, dir, p->ts_ns);
    bool parked = false;
    if ((p->flags & TCP_ACK) && !o->ended && o->reasm.started && seq_lt(seen_up_to(ft, f, !dir), p->ack)) {
        o->acked_hole = true;
        /* What this side says now came after those bytes: it waits for
         * them a packet (park), or they are given up on first. */
        if (p->payload_len && !(parked = park(ft, f, dir, p, data_seq)))
            settle_acked_hole(ft, f, !dir, p->ts_ns);
    }
    if (p->flags & TCP_FIN) {
        h->fin = true;
        h->fin_seq = data_seq + p->payload_len;
    }
    if ((p->flags & TCP_ACK) && o->fin && p->ack == o->fin_seq + 1)
        o->fin_acked = true;
    if (!h->ended && !parked) { /* (a side that sent a RST has nothing more to say) */
        reasm_add(&h->reasm, data_seq, p->payload, p->payload_caplen, p->payload_len,
                  (p->flags & TCP_FIN) != 0, p->ts_ns, &out);
        settle_acked_hole(ft, f, dir, p->ts_ns); /* what this segment left of it */
    }
    if (h->reasm.fin && !h->ended) {
        struct dissect_env env = env_for(&d);
        dissect_end(f->dissect, &env, dir, END_FIN);
        h->ended = true;
    }

    if (p->flags & TCP_RST) {
        f->rst = true;
        if (f->dissect)
            dissect_left(f->dissect, dir);
        end_direction(ft, f, dir, p->ts_ns, END_RST);
        if (o->ended)
            report(ft, f, p->ts_ns, true);
        else
            wait_after_reset(ft, f, p->ts_ns);
    } else if ((h->fin_acked && o->fin_acked) || (f->rst && h->ended && o->ended)) {
        report(ft, f, p->ts_ns, true); /* both FINs sent and acknowledged, or the end after a RST */
    }
}

void flows_packet(struct flows *ft, const struct packet *p)
{
    ft->last_ns = p->ts_ns;
    /* Parked data goes to its reader after this packet when this packet
     * brings the bytes it waited for, else now. */
    bool after = fills_for_parked(ft, p);
    if (!after)
        release_parked(ft);
    if (ft->n_resets) /* first: a packet after its wait is a straggler */
        end_waits(ft, p->ts_ns);
    follow_segment(ft, p);
    if (after)
        release_parked(ft);
    ft->current = NULL;
    if (ft->n_held)
        release_held(ft, p->ts_ns, 0);
}

void flows_settle(struct flows *ft, int64_t settled_ns)
{
    release_parked(ft); /* (live: no packet came after it in time) */
    if (ft->n_resets)
        end_waits(ft, settled_ns);
    if (ft->n_held)
        release_held(ft, settled_ns, 0);
}

static int by_id(const void *a, const void *b)
{
    unsigned x = (*(struct flow *const *)a)->id, y = (*(struct flow *const *)b)->id;
    return x < y ? -1 : x > y;
}

/* When a flow still listed at the end of the input ends: a reset one
 * at its last packet, as its wait would have ended it; an open one with
 * the input. */
static int64_t end_of_input(const struct flows *ft, const struct flow *f)
{
    return f->rst ? last_activity(f) : ft->last_ns;
}

void flows_finish(struct flows *ft)
{
    release_parked(ft);
    /* The open flows in flow order (the list has them by activity); held
     * items go out among their items, in flow order too. */
    size_t n = 0;
    for (struct flow *f = ft->active.front; f; f = f->next)
        n++;
    struct flow **open = malloc((n ? n : 1) * sizeof *open);
    if (open) {
        n = 0;
        for (struct flow *f = ft->active.front; f; f = f->next)
            open[n++] = f;
        qsort(open, n, sizeof *open, by_id);
        for (size_t i = 0; i < n; i++) {
            release_held(ft, ft->last_ns, open[i]->id);
            report(ft, open[i], end_of_input(ft, open[i]), open[i]->rst);
        }
        free(open);
    } else { /* out of memory: in order of activity */
        while (ft->active.front)
            report(ft, ft->active.front, end_of_input(ft, ft->active.front), ft->active.front->rst);
    }
    release_held(ft, ft->last_ns, UINT_MAX);
}

/* Flow `id`, or NULL once it has been forgotten.  The items a front end
 * asks about are nearly always of the flow being followed; otherwise the
 * open flows are searched, most recently active first, then the ended. */
static const struct flow *find_flow(const struct flows *ft, unsigned id)
{
    if (ft->current && ft->current->id == id)
        return ft->current;
    for (const struct flow *f = ft->active.back; f; f = f->prev)
        if (f->id == id)
            return f;
    for (const struct flow *f = ft->ended.back; f; f = f->prev)
        if (f->id == id)
            return f;
    return NULL;
}

const char *flows_technique(const struct flows *ft, unsigned id)
{
    const struct flow *f = find_flow(ft, id);
    return f && f->dissect ? technique_name(classify_flow(&ft->classifier, dissect_traits(f->dissect)))
                           : NULL;
}

bool flows_endpoints(struct flows *ft, unsigned id, const char **client, const char **server)
{
    const struct flow *f = find_flow(ft, id);
    if (!f)
        return false;
    format_endpoint(&f->client, f->client_port, ft->endpoint_text[0]);
    format_endpoint(&f->server, f->server_port, ft->endpoint_text[1]);
    *client = ft->endpoint_text[0];
    *server = ft->endpoint_text[1];
    return true;
}

void flows_free(struct flows *ft)
{
    if (!ft)
        return;
    struct flow_list *lists[2] = {&ft->active, &ft->ended};
    for (int i = 0; i < 2; i++)
        while (lists[i]->front) {
            struct flow *f = lists[i]->front;
            lists[i]->front = f->next;
            release(ft, f);
        }
    free(ft->parked.data);
    pool_free(&ft->flow_records);
    pool_free(&ft->dissect_records);
    pool_free(&ft->half_records);
    index_free(&ft->index);
    free(ft);
}
