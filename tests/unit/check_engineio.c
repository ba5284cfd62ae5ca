/* check_engineio.c -- Engine.IO v4 packets and polling payloads
 * (engineio.h), and the Socket.IO v5 packets they carry (socketio.h): each
 * packet type, the probe of an upgrade, base64 binary messages, payloads
 * split on 0x1e, and Socket.IO's namespace, ack id, attachment count and
 * event name, with malformed packets refused with a reason. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "check_codec.h"
#include "proto/engineio.h"
#include "proto/socketio.h"

static struct eio_packet eio_ok(const char *s)
{
    struct eio_packet p;
    CHECK_PARSES(eio_packet_parse, s, &p);
    return p;
}

static struct sio_packet sio_ok(const char *s)
{
    struct sio_packet p;
    CHECK_PARSES(sio_packet_parse, s, &p);
    return p;
}

START_TEST(engineio_packet_types)
{
    struct eio_packet p = eio_ok("0{\"sid\":\"abc\",\"upgrades\":[\"websocket\"]}");
    ck_assert_int_eq(p.type, EIO_OPEN);
    check_slice_is(p.data, "{\"sid\":\"abc\",\"upgrades\":[\"websocket\"]}");
    ck_assert_int_eq(eio_ok("2probe").type, EIO_PING); /* the upgrade's probe */
    check_slice_is(eio_ok("3probe").data, "probe");
    ck_assert_int_eq(eio_ok("5").type, EIO_UPGRADE);
    ck_assert_int_eq(eio_ok("6").type, EIO_NOOP);
    ck_assert_int_eq(eio_ok("1").type, EIO_CLOSE);
    p = eio_ok("4hello");
    ck_assert_int_eq(p.type, EIO_MESSAGE);
    ck_assert(!p.binary);
    p = eio_ok("bAQID");
    ck_assert_int_eq(p.type, EIO_MESSAGE);
    ck_assert(p.binary);
    check_slice_is(p.data, "AQID");
    ck_assert_str_eq(eio_type_name(EIO_PONG), "pong");
    struct proto_err err = {0};
    ck_assert_int_eq(eio_packet_parse("7x", 2, &p, &err), PROTO_ERROR);
    ck_assert_ptr_nonnull(err.why);
    ck_assert_int_eq(eio_packet_parse("", 0, &p, &err), PROTO_ERROR);
    ck_assert_int_eq(eio_packet_parse("x", 1, &p, &err), PROTO_ERROR);
}
END_TEST

/* eio_open_sid on a heap copy of exactly strlen(json) bytes (ASan sees any over-read). */
static long open_sid(const char *json, struct slice *sid, char **copy)
{
    size_t n = strlen(json);
    *copy = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(*copy);
    memcpy(*copy, json, n);
    return eio_open_sid((struct slice){*copy, n}, sid);
}

START_TEST(open_packet_names_the_session)
{
    static const struct {
        const char *json, *sid; /* sid NULL: none found */
    } cases[] = {
        {"{\"sid\":\"pjaujtwp3PWruCCQAAAA\",\"upgrades\":[\"websocket\"],\"pingInterval\":1500}",
         "pjaujtwp3PWruCCQAAAA"},
        {"{\"upgrades\":[\"a\",\"sid\"],\"x\":{\"sid\":\"inner\"},\"pingTimeout\":20000,\"sid\":\"last\"}",
         "last"},
        {" { \"sid\" : \"a\\\"b\" } ", "a\\\"b"}, /* white space; an escape kept as sent */
        {"{\"maxPayload\":1000000}", NULL},
        {"{\"sid\":42}", NULL},
        {"[\"sid\",\"x\"]", NULL},
        {"", NULL},
        {"{\"sid\"", NULL},
        {"{\"upgrades\":[\"websocket\"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct slice sid = {NULL, 0};
        char *copy;
        long r = open_sid(cases[i].json, &sid, &copy);
        if (cases[i].sid) {
            ck_assert_int_eq(r, 0);
            check_slice_is(sid, cases[i].sid);
        } else {
            ck_assert_int_eq(r, PROTO_ERROR);
        }
        free(copy);
    }
    /* Every cut of a good open packet either finds the whole sid or none. */
    const char *whole = cases[0].json;
    for (size_t cut = 0; cut < strlen(whole); cut++) {
        char part[256];
        memcpy(part, whole, cut);
        part[cut] = '\0';
        struct slice sid = {NULL, 0};
        char *copy;
        if (open_sid(part, &sid, &copy) == 0)
            check_slice_is(sid, "pjaujtwp3PWruCCQAAAA");
        free(copy);
    }
}
END_TEST

START_TEST(payload_split_on_record_separators)
{
    const char payload[] = "4hello\x1e" "2\x1e" "40/chat,{\"a\":1}";
    const char *want[] = {"4hello", "2", "40/chat,{\"a\":1}"};
    size_t pos = 0, n = sizeof payload - 1;
    for (int i = 0; i < 3; i++) {
        struct slice pk;
        size_t used = eio_payload_next(payload + pos, n - pos, &pk);
        ck_assert_uint_gt(used, 0);
        check_slice_is(pk, want[i]);
        pos += used;
    }
    ck_assert_uint_eq(pos, n);
    struct slice pk;
    ck_assert_uint_eq(eio_payload_next(payload + pos, 0, &pk), 0);
    ck_assert_uint_eq(eio_payload_next("\x1e", 1, &pk), 1); /* an empty packet */
    ck_assert_uint_eq(pk.len, 0);
}
END_TEST

START_TEST(socketio_packets)
{
    struct sio_packet p = sio_ok("0");
    ck_assert_int_eq(p.type, SIO_CONNECT);
    check_slice_is(p.nsp, "/");
    ck_assert_uint_eq(p.data.len, 0);
    p = sio_ok("0/admin,{\"token\":\"1\"}");
    check_slice_is(p.nsp, "/admin");
    check_slice_is(p.data, "{\"token\":\"1\"}");
    p = sio_ok("2[\"chat\",\"hello\"]");
    ck_assert_int_eq(p.type, SIO_EVENT);
    check_slice_is(p.event, "\"chat\"");
    ck_assert(!p.has_id);
    p = sio_ok("2/admin,12[\"chat\",\"hi\"]");
    check_slice_is(p.nsp, "/admin");
    ck_assert(p.has_id);
    ck_assert_uint_eq(p.id, 12);
    check_slice_is(p.event, "\"chat\"");
    p = sio_ok("30[\"got hello\"]");
    ck_assert_int_eq(p.type, SIO_ACK);
    ck_assert_uint_eq(p.id, 0);
    check_slice_is(p.data, "[\"got hello\"]");
    p = sio_ok("51-[\"upload\",{\"_placeholder\":true,\"num\":0}]");
    ck_assert_int_eq(p.type, SIO_BINARY_EVENT);
    ck_assert_uint_eq(p.attachments, 1);
    check_slice_is(p.event, "\"upload\"");
    p = sio_ok("1/admin,");
    ck_assert_int_eq(p.type, SIO_DISCONNECT);
    check_slice_is(p.nsp, "/admin");
    ck_assert_str_eq(sio_type_name(SIO_CONNECT_ERROR), "CONNECT_ERROR");
}
END_TEST

START_TEST(socketio_malformed)
{
    static const char *const bad[] = {
        "", "7", "x", "2", "2{}", "2[1]", "2[\"unterminated", "5[\"x\"]", "51[\"x\"]",
        "299999999999999999999[\"x\"]", "51000001-[\"x\"]",
    };
    CHECK_ALL_REFUSED(sio_packet_parse, struct sio_packet, bad);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("engineio");
    TCase *tc = tcase_create("engineio");
    tcase_add_test(tc, engineio_packet_types);
    tcase_add_test(tc, open_packet_names_the_session);
    tcase_add_test(tc, payload_split_on_record_separators);
    tcase_add_test(tc, socketio_packets);
    tcase_add_test(tc, socketio_malformed);
    suite_add_tcase(s, tc);
    return check_run(s);
}
