/* check_ui_model.c -- the UI's model: items kept, flows totalled from the
 * revealed ones only, the messages list, rewinding a replay, and the
 * frame copies the hex view and `w` read. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "ui/model.h"

static void add_tcp(struct ui_model *m, unsigned flow, enum item_dir dir, const char *flags, int64_t len,
                    double t)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_TCP, flow, dir, (int64_t)(t * 1e9));
    it->t = t;
    item_add_str(it, "flags", flags);
    item_add_int(it, "len", len);
    item_add_int(it, "frame", 0);
    ui_model_add_item(m, it);
}

static void add_head(struct ui_model *m, enum item_type type, unsigned flow, int64_t head, double t)
{
    struct item_builder b;
    struct item *it = item_start(&b, type, flow, type == ITEM_HTTP_REQUEST ? DIR_C2S : DIR_S2C,
                                 (int64_t)(t * 1e9));
    it->t = t;
    item_set_range(it, 0, (uint64_t)head);
    item_add_int(it, "head_bytes", head);
    ui_model_add_item(m, it);
}

static void add_ws(struct ui_model *m, unsigned flow, int64_t header, int64_t len, double t)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_WS_FRAME, flow, DIR_S2C, (int64_t)(t * 1e9));
    it->t = t;
    item_set_range(it, 100, (uint64_t)(header + len));
    item_add_int(it, "len", len);
    item_add_int(it, "header_len", header);
    ui_model_add_item(m, it);
}

static void add_flow(struct ui_model *m, unsigned flow, const char *technique, double t)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_FLOW, flow, DIR_NONE, (int64_t)(t * 1e9));
    it->t = t;
    item_add_str(it, "client", "127.0.0.1:40000");
    item_add_str(it, "server", "127.0.0.1:8007");
    item_add_str(it, "technique", technique);
    item_add_ms(it, "handshake_rtt_ms", 0.25);
    item_add_str(it, "end", "fin");
    ui_model_add_item(m, it);
}

/* A WebSocket flow: handshake, upgrade heads, two frames, close, summary. */
static void ws_flow(struct ui_model *m)
{
    add_tcp(m, 1, DIR_C2S, "SYN", 0, 0.0);
    add_tcp(m, 1, DIR_S2C, "SYN,ACK", 0, 0.1);
    add_tcp(m, 1, DIR_C2S, "ACK", 0, 0.2);
    add_tcp(m, 1, DIR_C2S, "PSH,ACK", 190, 0.3);
    add_head(m, ITEM_HTTP_REQUEST, 1, 190, 0.3);
    add_tcp(m, 1, DIR_S2C, "PSH,ACK", 155 + 60, 0.4);
    add_head(m, ITEM_HTTP_RESPONSE, 1, 155, 0.4);
    add_ws(m, 1, 2, 58, 0.4);
    add_tcp(m, 1, DIR_C2S, "FIN,ACK", 0, 0.5);
    add_flow(m, 1, "ws", 0.5);
}

static void reveal_all(struct ui_model *m)
{
    while (ui_model_reveal_next(m))
        ;
}

START_TEST(totals_come_from_revealed_items)
{
    struct ui_model m;
    ck_assert_int_eq(ui_model_init(&m), 0);
    ws_flow(&m);
    ck_assert_uint_eq(m.nitems, 10);
    ck_assert_uint_eq(m.nflows, 0); /* kept, not shown yet */
    reveal_all(&m);
    struct ui_flow *f = ui_model_flow(&m, 1);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->packets, 6);
    ck_assert_uint_eq(f->bytes[DIR_C2S], 190);
    ck_assert_uint_eq(f->bytes[DIR_S2C], 215);
    ck_assert_uint_eq(f->overhead, 190 + 155 + 2); /* heads and the frame header */
    ck_assert(f->syn && f->fin && !f->rst);
    ck_assert_str_eq(f->technique, "ws");
    ck_assert(f->technique_final);
    ck_assert_str_eq(f->client, "127.0.0.1:40000");
    ck_assert_str_eq(f->end, "fin");
    ck_assert_double_eq_tol(f->handshake_ms, 0.25, 1e-9);
    ck_assert_double_eq_tol(ui_flow_overhead_pct(f), 100.0 * 347 / 405, 1e-9);
    ck_assert_ptr_null(ui_model_flow(&m, 2));
    ui_model_free(&m);
}
END_TEST

START_TEST(messages_list_notable_segments_unless_all_tcp)
{
    struct ui_model m;
    ui_model_init(&m);
    ws_flow(&m);
    reveal_all(&m);
    struct ui_flow *f = ui_model_flow(&m, 1);
    /* SYN, SYN/ACK, request, response, frame, FIN; no ACK, no data segments, no flow item */
    ck_assert_uint_eq(f->messages.n, 6);
    ck_assert_int_eq(m.items[f->messages.v[2]]->type, ITEM_HTTP_REQUEST);
    m.all_tcp = true;
    ui_model_relist(&m);
    ck_assert_uint_eq(f->messages.n, 9); /* everything but the flow item */
    ui_model_free(&m);
}
END_TEST

START_TEST(rewind_forgets_totals_and_technique_is_known_ahead)
{
    struct ui_model m;
    ui_model_init(&m);
    ws_flow(&m);
    reveal_all(&m);
    ui_model_rewind(&m);
    ck_assert_uint_eq(m.revealed, 0);
    ck_assert_uint_eq(m.nflows, 0);
    ck_assert_uint_eq(m.nitems, 10); /* the items stay */
    ck_assert(ui_model_reveal_next(&m));
    struct ui_flow *f = ui_model_flow(&m, 1);
    ck_assert_uint_eq(f->packets, 1);
    /* the flow item is not revealed yet, but its verdict names the flow */
    ck_assert_str_eq(f->technique, "ws");
    ck_assert(!f->technique_final);
    ck_assert_double_eq(f->handshake_ms, -1);
    ui_model_reveal_next(&m); /* SYN/ACK */
    ui_model_reveal_next(&m); /* ACK: the handshake RTT is known while the flow is open */
    ck_assert_double_eq_tol(f->handshake_ms, 200.0, 1e-6);
    reveal_all(&m);
    ck_assert_double_eq_tol(f->handshake_ms, 0.25, 1e-9); /* the engine's, from the flow item */
    ck_assert_uint_eq(f->packets, 6);
    ck_assert(!ui_model_reveal_next(&m));
    ui_model_free(&m);
}
END_TEST

START_TEST(frames_are_copied_and_numbered_from_one)
{
    struct ui_model m;
    ui_model_init(&m);
    uint8_t a[3] = {1, 2, 3}, b[5] = {9, 8, 7, 6, 5};
    ui_model_add_frame(&m, 1000, a, 3, 3);
    ui_model_add_frame(&m, 2000, b, 5, 60);
    a[0] = 42; /* the model keeps its own copy */
    const struct ui_frame *f1 = ui_model_frame(&m, 1), *f2 = ui_model_frame(&m, 2);
    ck_assert_ptr_nonnull(f1);
    ck_assert_uint_eq(f1->bytes[0], 1);
    ck_assert_uint_eq(f2->caplen, 5);
    ck_assert_uint_eq(f2->wirelen, 60);
    ck_assert_int_eq(m.t0_ns, 1000);
    ck_assert_ptr_null(ui_model_frame(&m, 0));
    ck_assert_ptr_null(ui_model_frame(&m, 3));
    ck_assert_uint_eq(m.kept_bytes, 8);
    ui_model_free(&m);
}
END_TEST

/* An Ethernet frame of a TCP segment (ACK) from 10.0.0.from:sport to
 * 10.0.0.to:dport with len bytes of payload, into out; its length. */
static uint32_t tcp_frame(uint8_t *out, uint8_t from, uint16_t sport, uint8_t to, uint16_t dport, uint16_t len)
{
    memset(out, 0, 54 + (size_t)len);
    out[12] = 0x08; /* IPv4 */
    uint8_t *ip = out + 14, *tcp = out + 34;
    ip[0] = 0x45;
    ip[2] = (uint8_t)((40 + len) >> 8);
    ip[3] = (uint8_t)(40 + len);
    ip[8] = 64;
    ip[9] = 6;
    ip[12] = ip[16] = 10;
    ip[15] = from;
    ip[19] = to;
    tcp[0] = (uint8_t)(sport >> 8);
    tcp[1] = (uint8_t)sport;
    tcp[2] = (uint8_t)(dport >> 8);
    tcp[3] = (uint8_t)dport;
    tcp[12] = 0x50;
    tcp[13] = 0x10;
    memset(tcp + 20, 'x', len);
    return 54 + (uint32_t)len;
}

/* The segment of frame `frame` as the engine's `tcp` item says it. */
static void add_segment(struct ui_model *m, enum item_dir dir, int64_t len, int64_t frame)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_TCP, 1, dir, frame * 1000000);
    item_add_str(it, "flags", "ACK");
    item_add_int(it, "len", len);
    item_add_int(it, "frame", frame);
    ui_model_add_item(m, it);
    reveal_all(m);
}

/* A flow joined after its handshake, its server on the higher port: its
 * first segment, a bare ACK of the client's, went out as the server's
 * (the engine's guess from the ports), then its first payload turned the
 * flow round.  The flow list must show the client from then on, not
 * only once the flow's item comes at its end. */
START_TEST(endpoints_follow_a_flow_turned_round_by_its_payload)
{
    struct ui_model m;
    ui_model_init(&m);
    m.dlt = 1; /* Ethernet */
    uint8_t frame[64];
    uint32_t n = tcp_frame(frame, 1, 40000, 2, 60000, 0);
    ui_model_add_frame(&m, 1000000, frame, n, n);
    add_segment(&m, DIR_S2C, 0, 1); /* the guess: the side on 60000 is the client */
    ck_assert_str_eq(ui_model_flow(&m, 1)->client, "10.0.0.2:60000");
    n = tcp_frame(frame, 1, 40000, 2, 60000, 10);
    ui_model_add_frame(&m, 2000000, frame, n, n);
    add_segment(&m, DIR_C2S, 10, 2); /* a request: the flow turned round */
    ck_assert_str_eq(ui_model_flow(&m, 1)->client, "10.0.0.1:40000");
    ck_assert_str_eq(ui_model_flow(&m, 1)->server, "10.0.0.2:60000");
    n = tcp_frame(frame, 2, 60000, 1, 40000, 0);
    ui_model_add_frame(&m, 3000000, frame, n, n);
    add_segment(&m, DIR_S2C, 0, 3); /* later bare ACKs change nothing */
    ck_assert_str_eq(ui_model_flow(&m, 1)->client, "10.0.0.1:40000");
    ui_model_free(&m);
}
END_TEST

/* An `error` item of flow 0 (no connection's), about frame `frame` when
 * it is not 0, added to the model. */
static void add_capture_error(struct ui_model *m, const char *what, int64_t frame)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_ERROR, 0, DIR_NONE, 0);
    item_add_str(it, "what", what);
    if (frame)
        item_add_int(it, "frame", frame);
    ui_model_add_item(m, it);
}

/* Errors of flow 0 about a frame are counted for the status line, apart
 * from the flows, the latest one's frame and text kept; the input's own
 * error (no frame) is not: the status line says it already, as
 * "input: ...". */
START_TEST(capture_errors_are_kept_apart)
{
    struct ui_model m;
    ui_model_init(&m);
    add_capture_error(&m, "bad frame", 3);
    add_capture_error(&m, "truncated dump file", 0);
    reveal_all(&m);
    ck_assert_uint_eq(m.capture_errors.n, 1);
    ck_assert_int_eq(m.capture_errors.frame, 3);
    ck_assert_str_eq(m.capture_errors.what, "bad frame");
    ck_assert_uint_eq(m.nflows, 0);
    ui_model_rewind(&m); /* Home in a replay: shown again from the start, not twice */
    ck_assert_uint_eq(m.capture_errors.n, 0);
    reveal_all(&m);
    ck_assert_uint_eq(m.capture_errors.n, 1);
    ui_model_free(&m);
}
END_TEST

/* Past the memory cap an error item is not kept, but it is counted, and
 * the status line says it as the latest: the flow list and the stats
 * count what is not kept, and so must the capture errors. */
START_TEST(capture_errors_past_the_memory_cap_are_counted)
{
    struct ui_model m;
    ui_model_init(&m);
    add_capture_error(&m, "kept", 1);
    reveal_all(&m);
    m.kept_bytes = UI_KEEP_BYTES; /* full: what comes now is not kept */
    add_capture_error(&m, "IP fragments that cannot be put together", 900000);
    ck_assert_uint_eq(m.items_lost, 1);
    ck_assert_uint_eq(m.nitems, 1);
    ck_assert_uint_eq(m.capture_errors.n, 2);
    ck_assert_int_eq(m.capture_errors.frame, 900000);
    ck_assert_str_eq(m.capture_errors.what, "IP fragments that cannot be put together");
    ui_model_free(&m);
}
END_TEST

START_TEST(an_answer_joined_inside_its_body_counts_as_its_technique)
{
    /* A capture begun inside an SSE stream: no response head, a `joined`
     * item names the technique; it is listed as a message, and counted as
     * the flow's exchange so far, as a response would be. */
    struct ui_model m;
    ui_model_init(&m);
    add_tcp(&m, 1, DIR_S2C, "PSH,ACK", 84, 0.0);
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_JOINED, 1, DIR_S2C, 0);
    item_add_str(it, "technique", "sse");
    item_add_str(it, "why", "event-stream blocks");
    ui_model_add_item(&m, it);
    reveal_all(&m);
    struct ui_flow *f = ui_model_flow(&m, 1);
    ck_assert_uint_eq(f->nkinds, 1);
    ck_assert_str_eq(f->kinds[0].name, "sse");
    ck_assert_uint_eq(f->kinds[0].n, 1);
    ck_assert_uint_eq(f->messages.n, 1);
    ck_assert_int_eq(m.items[f->messages.v[0]]->type, ITEM_JOINED);
    ui_model_free(&m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ui_model");
    TCase *tc = tcase_create("ui_model");
    tcase_add_test(tc, totals_come_from_revealed_items);
    tcase_add_test(tc, endpoints_follow_a_flow_turned_round_by_its_payload);
    tcase_add_test(tc, messages_list_notable_segments_unless_all_tcp);
    tcase_add_test(tc, rewind_forgets_totals_and_technique_is_known_ahead);
    tcase_add_test(tc, frames_are_copied_and_numbered_from_one);
    tcase_add_test(tc, capture_errors_are_kept_apart);
    tcase_add_test(tc, capture_errors_past_the_memory_cap_are_counted);
    tcase_add_test(tc, an_answer_joined_inside_its_body_counts_as_its_technique);
    suite_add_tcase(s, tc);
    return check_run(s);
}
