/* check_wan.c -- the pure parts of pushlab-wan's link: the time-ordered
 * queue (src/wan/queue.c) hands packets back earliest first, ties in
 * arrival order, bytes intact; the settings (src/wan/settings.c) take
 * every knob within its limits, refuse the rest with a reason, apply a
 * control line all or nothing, and read back what they write; the tap
 * (src/wan/tap.c) matches each packet read to its stamp whatever the
 * order, and falls back to the read time when it has none; the control
 * socket (src/wan/control.c) reads a request line as its bytes come,
 * never waiting for a client, and refuses what is no line.
 * (The link itself, on TUN devices and namespaces, is tested as root by
 * tests/integration/test_wan.py.) */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "wan/control.h"
#include "wan/queue.h"
#include "wan/settings.h"
#include "wan/tap.h"

/* Field by field: a struct's padding bytes are not its value. */
static bool same_settings(const struct wan_settings *a, const struct wan_settings *b)
{
    return a->delay_ms == b->delay_ms && a->jitter_ms == b->jitter_ms && a->loss_pct == b->loss_pct &&
           a->rate_kbit == b->rate_kbit && a->queue == b->queue && a->reorder == b->reorder;
}

START_TEST(queue_pops_earliest_first_ties_in_arrival_order)
{
    struct wan_queue q = {0};
    enum { N = 5000 };
    uint32_t rng = 12345;
    for (int i = 0; i < N; i++) {
        rng = rng * 1103515245u + 12345u;
        int64_t due = (int64_t)(rng >> 16) % 97; /* many equal times */
        uint8_t bytes[4];
        memcpy(bytes, &i, sizeof bytes);
        ck_assert_int_eq(wan_queue_push(&q, due, i & 1, bytes, sizeof bytes), 0);
    }
    ck_assert_uint_eq(q.heap.len, N);
    int64_t last_due = -1;
    int last_index = -1;
    for (int n = 0; n < N; n++) {
        struct held_packet *p = wan_queue_pop(&q);
        ck_assert_ptr_nonnull(p);
        int index;
        memcpy(&index, p->data, sizeof index);
        ck_assert_uint_eq(p->len, 4);
        ck_assert_int_eq(p->dir, index & 1);
        ck_assert(p->due_ns >= last_due);
        if (p->due_ns == last_due)
            ck_assert_int_gt(index, last_index); /* a tie keeps arrival order */
        last_due = p->due_ns;
        last_index = index;
        free(p);
    }
    ck_assert_ptr_null(wan_queue_pop(&q));
    ck_assert_ptr_null(wan_queue_peek(&q));
    wan_queue_free(&q);
}
END_TEST

START_TEST(queue_free_releases_what_is_held)
{
    struct wan_queue q = {0};
    uint8_t packet[1500] = {0x45};
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(wan_queue_push(&q, 100 - i, 0, packet, sizeof packet), 0);
    ck_assert_int_eq(wan_queue_peek(&q)->due_ns, 1);
    ck_assert_uint_eq(wan_queue_peek(&q)->data[0], 0x45);
    wan_queue_free(&q); /* LeakSanitizer (make sanitize) checks the rest */
    ck_assert_uint_eq(q.heap.len, 0);
}
END_TEST

START_TEST(settings_take_each_knob_within_its_limits)
{
    struct wan_settings s = wan_settings_default();
    const char *why = NULL;
    ck_assert_int_eq(s.queue, WAN_QUEUE_DEFAULT);
    ck_assert_int_eq(wan_settings_set(&s, "delay", "40", &why), 0);
    ck_assert_int_eq(wan_settings_set(&s, "jitter", "2.5", &why), 0);
    ck_assert_int_eq(wan_settings_set(&s, "loss", "100", &why), 0);
    ck_assert_int_eq(wan_settings_set(&s, "rate", "256", &why), 0);
    ck_assert_int_eq(wan_settings_set(&s, "queue", "1", &why), 0);
    ck_assert_int_eq(wan_settings_set(&s, "reorder", "1", &why), 0);
    ck_assert(s.delay_ms == 40 && s.jitter_ms == 2.5 && s.loss_pct == 100);
    ck_assert(s.rate_kbit == 256 && s.queue == 1 && s.reorder);
    ck_assert_int_eq(wan_settings_set(&s, "delay", ".5", &why), 0);
    ck_assert_int_eq(wan_settings_set(&s, "jitter", "7.", &why), 0);
    ck_assert(s.delay_ms == 0.5 && s.jitter_ms == 7);
    ck_assert_int_eq(wan_settings_set(&s, "delay", "40", &why), 0);
    ck_assert_int_eq(wan_settings_set(&s, "jitter", "2.5", &why), 0);

    static const char *const bad[][2] = {
        {"delay", "-1"}, {"delay", "60001"}, {"delay", "4O"}, {"delay", ""}, {"delay", "nan"},
        {"delay", "inf"}, {"jitter", "-0.5"}, {"loss", "100.5"}, {"loss", "-1"}, {"rate", "1.5"},
        {"rate", "-8"}, {"rate", "100000001"}, {"queue", "0"}, {"queue", "100001"}, {"reorder", "yes"},
        {"colour", "blue"},
        /* decimal only: strtod would read these as 16, 1000, 40, 5, 0.5 */
        {"delay", "0x10"}, {"delay", "1e3"}, {"delay", " 40"}, {"delay", "+5"}, {"jitter", "0X.8p0"},
        {"delay", "."}, {"delay", "1.2.3"}, {"loss", "1,5"}, {"rate", "0x100"}, {"queue", "1e2"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct wan_settings before = s;
        why = NULL;
        ck_assert_msg(wan_settings_set(&s, bad[i][0], bad[i][1], &why) == -1, "%s=%s", bad[i][0], bad[i][1]);
        ck_assert_ptr_nonnull(why);
        ck_assert(same_settings(&before, &s)); /* unchanged */
    }
}
END_TEST

START_TEST(settings_line_is_all_or_nothing_and_reads_back)
{
    struct wan_settings s = wan_settings_default();
    const char *why = NULL;
    ck_assert_int_eq(wan_settings_apply_line(&s, "delay=150 loss=1\n", &why), 0);
    ck_assert(s.delay_ms == 150 && s.loss_pct == 1);
    struct wan_settings before = s;
    ck_assert_int_eq(wan_settings_apply_line(&s, "delay=10 rate=fast", &why), -1);
    ck_assert(same_settings(&before, &s)); /* the good half did not apply */
    ck_assert_int_eq(wan_settings_apply_line(&s, "delay", &why), -1);

    char text[WAN_SETTINGS_TEXT];
    s.jitter_ms = 0.25;
    s.rate_kbit = 256;
    s.reorder = true;
    wan_settings_format(&s, text, sizeof text);
    struct wan_settings back = wan_settings_default();
    ck_assert_int_eq(wan_settings_apply_line(&back, text, &why), 0);
    ck_assert(same_settings(&back, &s));

    /* Read back decimal, never with an exponent (%g would write 1e-05,
     * which the parser refuses). */
    s.jitter_ms = 0.000015;
    s.delay_ms = 60000;
    wan_settings_format(&s, text, sizeof text);
    ck_assert_ptr_nonnull(strstr(text, "delay=60000 jitter=0.000015 "));
    back = wan_settings_default();
    ck_assert_int_eq(wan_settings_apply_line(&back, text, &why), 0);
    ck_assert(same_settings(&back, &s));
    s.delay_ms = 150;

    char long_line[600];
    memset(long_line, 'x', sizeof long_line - 1);
    long_line[sizeof long_line - 1] = '\0';
    ck_assert_int_eq(wan_settings_apply_line(&s, long_line, &why), -1);
    ck_assert_str_eq(why, "settings line too long");

    char human[256];
    wan_settings_describe(&s, human, sizeof human);
    ck_assert_ptr_nonnull(strstr(human, "RTT 300 ms"));
    ck_assert_ptr_nonnull(strstr(human, "256 kbit/s"));
}
END_TEST

/* A tap whose "device" is a datagram socket pair: each head sent to
 * *feed is a packet the kernel sent out, stamped when it is received. */
static struct tap *fake_tap(int *feed)
{
    int pair[2], on = 1;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, pair), 0);
    ck_assert_int_eq(setsockopt(pair[0], SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on), 0);
    struct tap *t = calloc(1, sizeof *t);
    ck_assert_ptr_nonnull(t);
    t->fd = pair[0];
    *feed = pair[1];
    return t;
}

/* A 40-byte "packet" told apart from the others by its byte 4 (the IPv4 id). */
static void packet(uint8_t *p, int id)
{
    memset(p, 0x45, 40);
    p[4] = (uint8_t)id;
    p[5] = (uint8_t)(id >> 8);
}

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

START_TEST(tap_matches_each_packet_to_its_stamp_in_any_order)
{
    int feed;
    struct tap *t = fake_tap(&feed);
    uint8_t a[40], b[40], c[40];
    packet(a, 1);
    packet(b, 2);
    packet(c, 3);
    int64_t before = monotonic_ns();
    ck_assert_int_eq(send(feed, a, TAP_HEAD, 0), TAP_HEAD);
    ck_assert_int_eq(send(feed, b, TAP_HEAD, 0), TAP_HEAD);
    /* Read a second after: a matched packet gets its earlier stamp. */
    int64_t read_ns = monotonic_ns() + 1000000000;
    int64_t at_b = tap_arrival(t, b, sizeof b, read_ns); /* swapped: b before a */
    ck_assert_uint_eq(t->count, 1); /* b's stamp was taken, a's waits */
    ck_assert_mem_eq(t->pending[0].head, a, TAP_HEAD);
    int64_t at_a = tap_arrival(t, a, sizeof a, read_ns);
    ck_assert(at_b >= before - 1000000 && at_b < read_ns);
    ck_assert(at_a >= before - 1000000 && at_a < read_ns);
    ck_assert_uint_eq(t->count, 0);
    /* c was never stamped (the tap missed it): timed at its read. */
    ck_assert(tap_arrival(t, c, sizeof c, read_ns) == read_ns);
    /* A stamp later than the read (a clock step) is not believed. */
    ck_assert_int_eq(send(feed, c, TAP_HEAD, 0), TAP_HEAD);
    ck_assert(tap_arrival(t, c, sizeof c, before - 1) == before - 1);
    close(feed);
    close(t->fd);
    free(t);
}
END_TEST

START_TEST(tap_forgets_stamps_of_packets_the_device_dropped)
{
    int feed;
    struct tap *t = fake_tap(&feed);
    uint8_t p[40];
    /* Twice as many stamps as it keeps, of packets never read (the device
     * dropped them), then the one that is read. */
    for (int id = 0; id < 2 * TAP_PENDING; id++) {
        packet(p, id);
        ck_assert_int_eq(send(feed, p, TAP_HEAD, 0), TAP_HEAD);
    }
    packet(p, 9999);
    ck_assert_int_eq(send(feed, p, TAP_HEAD, 0), TAP_HEAD);
    int64_t read_ns = monotonic_ns() + 1000000000;
    ck_assert(tap_arrival(t, p, sizeof p, read_ns) < read_ns);
    ck_assert_uint_eq(t->count, TAP_PENDING - 1);
    /* A packet shorter than TAP_HEAD is matched whole: a 20-byte packet
     * is not the 40-byte one whose first 20 bytes it shares. */
    packet(p, 7777);
    ck_assert_int_eq(send(feed, p, TAP_HEAD, 0), TAP_HEAD);
    ck_assert(tap_arrival(t, p, 20, read_ns) == read_ns);
    ck_assert(tap_arrival(t, p, sizeof p, read_ns) < read_ns);
    close(feed);
    close(t->fd);
    free(t);
}
END_TEST

/* A control socket in a fresh folder, and a client connected to it (the
 * folder is gone once they are: a connected socket needs no path). */
static int control_pair(int *client)
{
    char dir[] = "/tmp/check-wan-XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/control", dir);
    int listen_fd = control_listen(path);
    ck_assert_int_ge(listen_fd, 0);
    struct control_request none;
    ck_assert_int_eq(control_accept(listen_fd, &none), -1); /* nobody yet: no wait */
    *client = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, path);
    ck_assert_int_eq(connect(*client, (struct sockaddr *)&a, sizeof a), 0);
    unlink(path);
    rmdir(dir);
    return listen_fd;
}

START_TEST(control_reads_a_line_as_it_comes_and_answers_it)
{
    int client, listen_fd = control_pair(&client);
    struct control_request r;
    ck_assert_int_eq(control_accept(listen_fd, &r), 0);
    ck_assert_int_eq(control_read(&r), 0); /* nothing sent yet: the relay goes on */
    ck_assert_int_eq(send(client, "sh", 2, 0), 2);
    ck_assert_int_eq(control_read(&r), 0);
    ck_assert_int_eq(send(client, "ow\n", 3, 0), 3);
    ck_assert_int_eq(control_read(&r), 1);
    ck_assert_str_eq(r.line, "show");
    control_answer(&r, "ok\n");
    ck_assert_int_eq(r.fd, -1);
    char got[8] = "";
    ck_assert_int_eq(read(client, got, sizeof got - 1), 3);
    ck_assert_str_eq(got, "ok\n");
    ck_assert_int_eq(read(client, got, sizeof got), 0); /* and closed */
    close(client);
    close(listen_fd);
}
END_TEST

START_TEST(control_refuses_what_is_no_line)
{
    struct control_request r;
    int client, listen_fd;
    /* A line longer than a request can be: refused, the connection closed. */
    char big[CONTROL_LINE_MAX + 8];
    memset(big, 'x', sizeof big);
    listen_fd = control_pair(&client);
    ck_assert_int_eq(control_accept(listen_fd, &r), 0);
    ck_assert_int_eq(send(client, big, sizeof big, 0), (ssize_t)sizeof big);
    ck_assert_int_eq(control_read(&r), -1);
    ck_assert_int_eq(r.fd, -1);
    close(client);
    close(listen_fd);
    /* A client that closes before a byte: nothing to answer. */
    listen_fd = control_pair(&client);
    ck_assert_int_eq(control_accept(listen_fd, &r), 0);
    close(client);
    ck_assert_int_eq(control_read(&r), -1);
    close(listen_fd);
    /* One that closes after its line, without the newline: the line. */
    listen_fd = control_pair(&client);
    ck_assert_int_eq(control_accept(listen_fd, &r), 0);
    ck_assert_int_eq(send(client, "show", 4, 0), 4);
    shutdown(client, SHUT_WR);
    ck_assert_int_eq(control_read(&r), 1);
    ck_assert_str_eq(r.line, "show");
    control_drop(&r);
    close(client);
    close(listen_fd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("wan");
    TCase *tc = tcase_create("wan");
    tcase_add_test(tc, queue_pops_earliest_first_ties_in_arrival_order);
    tcase_add_test(tc, queue_free_releases_what_is_held);
    tcase_add_test(tc, settings_take_each_knob_within_its_limits);
    tcase_add_test(tc, settings_line_is_all_or_nothing_and_reads_back);
    tcase_add_test(tc, tap_matches_each_packet_to_its_stamp_in_any_order);
    tcase_add_test(tc, tap_forgets_stamps_of_packets_the_device_dropped);
    tcase_add_test(tc, control_reads_a_line_as_it_comes_and_answers_it);
    tcase_add_test(tc, control_refuses_what_is_no_line);
    suite_add_tcase(s, tc);
    return check_run(s);
}
