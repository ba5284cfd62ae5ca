/* check_h2_frame.c -- the HTTP/2 frame codec: the preface at every length,
 * the 9-byte header (the reserved bit ignored), the rules a header must
 * obey before its payload is read, and the names shown for types, flags,
 * error codes and settings. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "proto/h2_frame.h"

START_TEST(preface_whole_partial_and_wrong)
{
    const uint8_t *pre = (const uint8_t *)H2_PREFACE;
    ck_assert_int_eq(h2_read_preface(pre, H2_PREFACE_LEN), H2_PREFACE_LEN);
    for (size_t n = 0; n < H2_PREFACE_LEN; n++)
        ck_assert_int_eq(h2_read_preface(pre, n), PROTO_PARTIAL);
    ck_assert_int_eq(h2_read_preface((const uint8_t *)"PRI * HTTP/1.1\r\n", 16), PROTO_ERROR);
    ck_assert_int_eq(h2_read_preface((const uint8_t *)"GET / HTTP/1.1\r\n", 16), PROTO_ERROR);
}
END_TEST

START_TEST(frame_header_fields_and_reserved_bit)
{
    const uint8_t h[] = {0x00, 0x01, 0x02, H2_DATA, H2_FLAG_END_STREAM, 0x80, 0x00, 0x00, 0x05};
    struct h2_frame_header fh;
    for (size_t n = 0; n < sizeof h; n++)
        ck_assert_int_eq(h2_read_frame_header(h, n, &fh), PROTO_PARTIAL);
    ck_assert_int_eq(h2_read_frame_header(h, sizeof h, &fh), H2_FRAME_HEADER);
    ck_assert_uint_eq(fh.length, 258);
    ck_assert_uint_eq(fh.type, H2_DATA);
    ck_assert_uint_eq(fh.flags, H2_FLAG_END_STREAM);
    ck_assert_uint_eq(fh.stream, 5); /* the reserved bit is not part of the id (RFC 9113 §4.1) */
}
END_TEST

static const char *fault(uint32_t length, uint8_t type, uint32_t stream)
{
    struct h2_frame_header fh = {length, type, 0, stream};
    return h2_frame_fault(&fh);
}

START_TEST(frame_rules_by_type)
{
    ck_assert_ptr_null(fault(100, H2_DATA, 1));
    ck_assert_ptr_nonnull(fault(100, H2_DATA, 0));       /* data belongs to a stream */
    ck_assert_ptr_null(fault(12, H2_SETTINGS, 0));
    ck_assert_ptr_nonnull(fault(7, H2_SETTINGS, 0));     /* six bytes a setting */
    ck_assert_ptr_nonnull(fault(6, H2_SETTINGS, 3));     /* settings are the connection's */
    ck_assert_ptr_null(fault(8, H2_PING, 0));
    ck_assert_ptr_nonnull(fault(9, H2_PING, 0));
    ck_assert_ptr_null(fault(4, H2_WINDOW_UPDATE, 0));   /* either the connection or a stream */
    ck_assert_ptr_null(fault(4, H2_WINDOW_UPDATE, 7));
    ck_assert_ptr_nonnull(fault(5, H2_RST_STREAM, 1));
    ck_assert_ptr_nonnull(fault(5, H2_PRIORITY, 0));
    ck_assert_ptr_nonnull(fault(7, H2_GOAWAY, 0));
    ck_assert_ptr_nonnull(fault(0, 0x42, 1));            /* unknown to RFC 9113 */
}
END_TEST

START_TEST(names_and_flags)
{
    ck_assert_str_eq(h2_type_name(H2_WINDOW_UPDATE), "WINDOW_UPDATE");
    ck_assert_ptr_null(h2_type_name(10));
    ck_assert_str_eq(h2_error_name(8), "CANCEL");
    ck_assert_ptr_null(h2_error_name(0x100));
    ck_assert_str_eq(h2_setting_name(3), "MAX_CONCURRENT_STREAMS");
    ck_assert_str_eq(h2_setting_name(8), "ENABLE_CONNECT_PROTOCOL");
    ck_assert_ptr_null(h2_setting_name(0));
    char out[64];
    /* bit 0x1 is END_STREAM on HEADERS, ACK on PING, nothing on WINDOW_UPDATE */
    ck_assert_uint_eq(h2_flags_text(H2_HEADERS, 0x25, out, sizeof out), strlen("END_STREAM,END_HEADERS,PRIORITY"));
    ck_assert_str_eq(out, "END_STREAM,END_HEADERS,PRIORITY");
    h2_flags_text(H2_PING, 0x1, out, sizeof out);
    ck_assert_str_eq(out, "ACK");
    ck_assert_uint_eq(h2_flags_text(H2_WINDOW_UPDATE, 0xff, out, sizeof out), 0);
    ck_assert_str_eq(out, "");
    /* cut at a name's end, never inside one */
    ck_assert_uint_eq(h2_flags_text(H2_HEADERS, 0x5, out, 14), strlen("END_STREAM"));
    ck_assert_str_eq(out, "END_STREAM");
}
END_TEST

START_TEST(settings_text)
{
    /* nghttpx's first SETTINGS: a known id, an unknown one (0x9, RFC 9218's
     * NO_RFC7540_PRIORITIES) in hex, then two bytes too few for a setting. */
    static const uint8_t pl[] = {0, 3, 0, 0, 0, 100, 0, 9, 0, 0, 0, 1, 0, 4, 0, 0};
    char out[64];
    ck_assert_uint_eq(h2_settings_text(pl, sizeof pl, out, sizeof out), strlen("MAX_CONCURRENT_STREAMS=100,0x9=1"));
    ck_assert_str_eq(out, "MAX_CONCURRENT_STREAMS=100,0x9=1");
    ck_assert_uint_eq(h2_settings_text(pl, 0, out, sizeof out), 0); /* an empty SETTINGS (or its ACK) */
    ck_assert_str_eq(out, "");
    /* cut between two settings, never inside one */
    ck_assert_uint_eq(h2_settings_text(pl, 12, out, 32), strlen("MAX_CONCURRENT_STREAMS=100"));
    ck_assert_str_eq(out, "MAX_CONCURRENT_STREAMS=100");
    ck_assert_uint_eq(h2_settings_text(pl, 12, out, 5), 0);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(h2_settings_text(pl, 12, out, 0), 0); /* no room: nothing written */
}
END_TEST

static Suite *h2_suite(void)
{
    Suite *s = suite_create("h2_frame");
    TCase *tc = tcase_create("frames");
    tcase_add_test(tc, preface_whole_partial_and_wrong);
    tcase_add_test(tc, frame_header_fields_and_reserved_bit);
    tcase_add_test(tc, frame_rules_by_type);
    tcase_add_test(tc, names_and_flags);
    tcase_add_test(tc, settings_text);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(h2_suite());
}
