/* check_roles.c -- telling a client from a server by the first bytes it
 * sent (viz/dissect/roles.c): each kind of evidence, and the bytes that
 * must say nothing because either side could send them. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "dissect/roles.h"
#include "proto/h2_frame.h"

static enum role_evidence of(const char *text)
{
    return role_evidence((const uint8_t *)text, strlen(text));
}

START_TEST(http_request_and_status_lines)
{
    ck_assert_int_eq(of("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"), ROLE_REQUEST_LINE);
    /* the head's first line is enough: its fields may be in the next segment */
    ck_assert_int_eq(of("POST /send HTTP/1.0\r\nContent-Le"), ROLE_REQUEST_LINE);
    ck_assert_int_eq(of("GET / HTTP/1.1\n"), ROLE_REQUEST_LINE); /* a bare LF ends a line too */
    ck_assert_int_eq(of("HTTP/1.1 200 OK\r\n"), ROLE_STATUS_LINE);
    ck_assert_int_eq(of("HTTP/1.0 101 "), ROLE_STATUS_LINE);
    ck_assert(role_evidence_is_client(ROLE_REQUEST_LINE));
    ck_assert(!role_evidence_is_client(ROLE_STATUS_LINE));
    ck_assert_str_eq(role_evidence_name(ROLE_REQUEST_LINE), "an HTTP request line");
}
END_TEST

START_TEST(http_look_alikes_say_nothing)
{
    ck_assert_int_eq(of("GET /events HTTP/1.1"), ROLE_NO_EVIDENCE);    /* the line not ended yet */
    ck_assert_int_eq(of("GET /events\r\n"), ROLE_NO_EVIDENCE);         /* no version */
    ck_assert_int_eq(of("GET /x HTTP/2.0\r\n"), ROLE_NO_EVIDENCE);     /* not HTTP/1.x */
    ck_assert_int_eq(of("FETCH /x HTTP/1.1\r\n"), ROLE_NO_EVIDENCE);   /* no method of HTTP's */
    ck_assert_int_eq(of("HTTP/1.1 20"), ROLE_NO_EVIDENCE);             /* the status cut short */
    ck_assert_int_eq(of("HTTP/1.1 abc\r\n"), ROLE_NO_EVIDENCE);
    /* a body in the middle: either side could send it */
    ck_assert_int_eq(of("{\"seq\":3}"), ROLE_NO_EVIDENCE);
    ck_assert_int_eq(of("--form\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"), ROLE_NO_EVIDENCE);
    ck_assert_int_eq(of(""), ROLE_NO_EVIDENCE);
}
END_TEST

START_TEST(http2_preface_tls_hellos_and_flash)
{
    ck_assert_int_eq(role_evidence((const uint8_t *)H2_PREFACE, H2_PREFACE_LEN), ROLE_H2_PREFACE);
    /* a server's SETTINGS (MAX_CONCURRENT_STREAMS=100), and its ACK, which either side sends */
    const uint8_t settings[] = {0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100};
    const uint8_t settings_ack[] = {0, 0, 0, 4, 1, 0, 0, 0, 0};
    ck_assert_int_eq(role_evidence(settings, sizeof settings), ROLE_H2_SETTINGS);
    ck_assert_int_eq(role_evidence(settings_ack, sizeof settings_ack), ROLE_NO_EVIDENCE);
    ck_assert(!role_evidence_is_client(ROLE_H2_SETTINGS));
    /* a record header (handshake, TLS 1.0 on the record, 64 bytes) and a hello's type */
    const uint8_t client_hello[] = {22, 3, 1, 0, 64, 1, 0, 0, 60, 3, 3};
    const uint8_t server_hello[] = {22, 3, 3, 0, 64, 2, 0, 0, 60, 3, 3};
    const uint8_t finished[] = {22, 3, 3, 0, 64, 20, 0, 0, 60};
    const uint8_t app_data[] = {23, 3, 3, 0, 64, 1, 2, 3};
    ck_assert_int_eq(role_evidence(client_hello, sizeof client_hello), ROLE_CLIENT_HELLO);
    ck_assert_int_eq(role_evidence(server_hello, sizeof server_hello), ROLE_SERVER_HELLO);
    ck_assert_int_eq(role_evidence(finished, sizeof finished), ROLE_NO_EVIDENCE);
    ck_assert_int_eq(role_evidence(app_data, sizeof app_data), ROLE_NO_EVIDENCE);
    ck_assert_int_eq(role_evidence(client_hello, 5), ROLE_NO_EVIDENCE); /* the type not captured */
    ck_assert_int_eq(role_evidence((const uint8_t *)"<policy-file-request/>", 23), ROLE_POLICY_REQUEST);
    ck_assert(role_evidence_is_client(ROLE_H2_PREFACE) && role_evidence_is_client(ROLE_CLIENT_HELLO) &&
              role_evidence_is_client(ROLE_POLICY_REQUEST));
    ck_assert(!role_evidence_is_client(ROLE_SERVER_HELLO) && !role_evidence_is_client(ROLE_NO_EVIDENCE));
    /* not in any bytes: flows.c's, for a server other connections showed listening */
    ck_assert(!role_evidence_is_client(ROLE_OTHER_CONNECTIONS));
    ck_assert_str_eq(role_evidence_name(ROLE_OTHER_CONNECTIONS),
                     "the server's other connections, which showed it listening");
}
END_TEST

START_TEST(the_inside_of_a_streamed_answer)
{
    /* a capture begun after the page opened its stream: only a server
     * sends an event stream, multipart/x-mixed-replace parts, a page of
     * chunks (a client's upload in chunks is far rarer) */
    ck_assert_int_eq(of("data: tick 3\n\n"), ROLE_STREAMED_BODY);
    ck_assert_int_eq(of(": heartbeat\n\n"), ROLE_STREAMED_BODY);
    ck_assert_int_eq(of("--frame\r\nContent-Type: image/jpeg\r\n\r\n"), ROLE_STREAMED_BODY);
    ck_assert_int_eq(of("b\r\n{\"tick\":9}\n\r\n"), ROLE_STREAMED_BODY);
    ck_assert(!role_evidence_is_client(ROLE_STREAMED_BODY));
    ck_assert_str_eq(role_evidence_name(ROLE_STREAMED_BODY),
                     "the inside of a streamed answer (an event stream, multipart parts or chunks)");
}
END_TEST

START_TEST(websocket_frames_by_their_mask)
{
    /* "hi" as a client sends it (masked with 1,2,3,4) and as a server does */
    const uint8_t masked[] = {0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2};
    const uint8_t unmasked[] = {0x81, 0x02, 'h', 'i', 0x81, 0x02, 'h', 'o'};
    ck_assert_int_eq(role_evidence(masked, sizeof masked), ROLE_MASKED_FRAMES);
    ck_assert_int_eq(role_evidence(unmasked, sizeof unmasked), ROLE_UNMASKED_FRAMES);
    ck_assert(role_evidence_is_client(ROLE_MASKED_FRAMES));
    ck_assert(!role_evidence_is_client(ROLE_UNMASKED_FRAMES));
    /* HTTP/2 frames joined late (a SETTINGS ACK, then a PING) read as
     * unmasked continuation frames: a message's first frame is asked for */
    const uint8_t h2[] = {0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    ck_assert_int_eq(role_evidence(h2, sizeof h2), ROLE_NO_EVIDENCE);
    /* a frame whose length does not fit what follows it is no evidence */
    const uint8_t wrong[] = {0x81, 0x05, 'h', 'i', 0xff};
    ck_assert_int_eq(role_evidence(wrong, sizeof wrong), ROLE_NO_EVIDENCE);
}
END_TEST

static Suite *roles_suite(void)
{
    Suite *s = suite_create("roles");
    TCase *tc = tcase_create("evidence");
    tcase_add_test(tc, http_request_and_status_lines);
    tcase_add_test(tc, http_look_alikes_say_nothing);
    tcase_add_test(tc, http2_preface_tls_hellos_and_flash);
    tcase_add_test(tc, the_inside_of_a_streamed_answer);
    tcase_add_test(tc, websocket_frames_by_their_mask);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(roles_suite());
}
