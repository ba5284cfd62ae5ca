/* check_headless.c -- the shapes that tell the inside of a streamed
 * answer whose head the capture missed (viz/dissect/headless.c): each
 * shape, where it may begin, and the text and bytes that must show none. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "dissect/headless.h"

static struct slice boundary;

static enum body_shape of(const char *text)
{
    boundary = (struct slice){NULL, 0};
    return body_shape(text, strlen(text), &boundary);
}

START_TEST(event_streams)
{
    /* an event, a heartbeat comment, a retry field alone: each a block
     * ended by a blank line, with LF or CRLF line ends */
    ck_assert_int_eq(of("id: 6\nevent: tick\ndata: {\"seq\":6}\n\n"), SHAPE_EVENT_STREAM);
    ck_assert_int_eq(of(": heartbeat\n\n"), SHAPE_EVENT_STREAM);
    ck_assert_int_eq(of("retry: 1420\r\n\r\n"), SHAPE_EVENT_STREAM);
    ck_assert_int_eq(of("data\n\n"), SHAPE_EVENT_STREAM); /* a field without a colon */
    /* joined inside an event: its tail, then the next whole block */
    ck_assert_int_eq(of("ck 5\"}\n\ndata: tick 6\n\n"), SHAPE_EVENT_STREAM);
    /* in chunks: the chunk framing around the block does not hide it */
    ck_assert_int_eq(of("10\r\ndata: tick 7\n\n\r\n"), SHAPE_EVENT_STREAM);
    /* a block not ended yet, or a line still coming that may be a field:
     * the segment may have ended there, more is waited for */
    ck_assert_int_eq(of("data: tick 8\nid: 8\n"), SHAPE_PARTIAL);
    ck_assert_int_eq(of("ck 8\"}\n\nid: 9\nda"), SHAPE_PARTIAL);
    ck_assert_int_eq(of("ck 8\"}\n\nid: 9\ndate: x"), SHAPE_NONE);
    /* a line that is no field of the stream's breaks the block */
    ck_assert_int_eq(of("data: a\nfrom: b\n\n"), SHAPE_NONE);
    ck_assert_int_eq(of("database: x\n\n"), SHAPE_NONE);
}
END_TEST

START_TEST(multipart_parts)
{
    ck_assert_int_eq(of("{\"seq\":3}\r\n--pushlab-event\r\nContent-Type: application/json\r\n"), SHAPE_MULTIPART);
    ck_assert_int_eq((int)boundary.len, 13);
    ck_assert(memcmp(boundary.ptr, "pushlab-event", 13) == 0);
    ck_assert_int_eq(of("--frame\ncontent-type: image/jpeg\n\n"), SHAPE_MULTIPART); /* any case, bare LF */
    ck_assert_int_eq(of("{\"seq\":3}\r\n--pushlab-ev"), SHAPE_PARTIAL); /* the delimiter still coming */
    ck_assert_int_eq(of("{\"seq\":3}\r\n--pushlab-event\r\nContent-Ty"), SHAPE_PARTIAL);
    /* a form's part (a client's upload), a boundary with a byte RFC 2046
     * does not allow, one longer than 70 */
    ck_assert_int_eq(of("--form\r\nContent-Disposition: form-data; name=\"a\"\r\n"), SHAPE_NONE);
    ck_assert_int_eq(of("--a;b\r\nContent-Type: text/plain\r\n"), SHAPE_NONE);
    char longer[128] = "--";
    memset(longer + 2, 'b', 71);
    strcpy(longer + 73, "\r\nContent-Type: text/plain\r\n");
    ck_assert_int_eq(of(longer), SHAPE_NONE);
}
END_TEST

START_TEST(chunks)
{
    /* one whole chunk that ends where the bytes end, or two in a row */
    ck_assert_int_eq(of("b\r\n{\"tick\":9}\n\r\n"), SHAPE_CHUNKS);
    ck_assert_int_eq(of("ail\"}\n\r\n5\r\nhello\r\n5\r\nworld\r\n"), SHAPE_CHUNKS); /* joined inside a chunk */
    ck_assert_int_eq(of("5a\r\n<script>parent.push({\"seq\":2})</script>\n"), SHAPE_PARTIAL); /* its data still to come */
    ck_assert_int_eq(of("1f\r\n<script>parent.push(1)</script>\r\n"), SHAPE_HTML_CHUNKS);
    ck_assert_int_eq(of("f\r\n<!DOCTYPE html>\r\n"), SHAPE_HTML_CHUNKS);
    /* a size line whose chunk is not followed by CRLF: no chunk */
    ck_assert_int_eq(of("5\r\nhello!!\r\n"), SHAPE_NONE);
}
END_TEST

START_TEST(other_bytes_show_nothing)
{
    ck_assert_int_eq(of("{\"seq\":3,\"kind\":\"tick\"}{\"seq\":4,\"kind\":\"tick\"}"), SHAPE_NONE);
    ck_assert_int_eq(of("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), SHAPE_NONE);
    ck_assert_int_eq(of(""), SHAPE_NONE);
    const char binary[] = {0x17, 0x03, 0x03, 0x00, 0x20, '\n', '\n', 0x01};
    ck_assert_int_eq(body_shape(binary, sizeof binary, &boundary), SHAPE_NONE);
    /* a hex-looking last line may start a chunk: more bytes are waited
     * for, but only so many */
    ck_assert_int_eq(of("some text\nabc"), SHAPE_PARTIAL);
    char many[5000];
    memset(many, 'x', sizeof many - 5);
    strcpy(many + sizeof many - 5, "\nabc");
    ck_assert_int_eq(of(many), SHAPE_NONE);
}
END_TEST

static Suite *headless_suite(void)
{
    Suite *s = suite_create("headless");
    TCase *tc = tcase_create("shapes");
    tcase_add_test(tc, event_streams);
    tcase_add_test(tc, multipart_parts);
    tcase_add_test(tc, chunks);
    tcase_add_test(tc, other_bytes_show_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(headless_suite());
}
