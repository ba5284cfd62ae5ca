/* check_hub.c -- the event hub: numbering from 1, the event JSON, the
 * backlog ring and its wrap-around, resume with lost counts, fan-out with
 * subscribers that leave or publish during delivery, and periodic ticks. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "lab/hub.h"
#include "net/loop.h"

static const struct hub_event *chat(struct hub *hub, const char *text)
{
    return hub_publish(hub, EVENT_CHAT, text, strlen(text));
}

START_TEST(events_are_numbered_from_one_with_their_json)
{
    struct hub *hub = hub_new(8);
    ck_assert_uint_eq(hub_last_seq(hub), 0);
    const struct hub_event *ev = chat(hub, "hi \"you\"");
    ck_assert_uint_eq(ev->seq, 1);
    ck_assert_int_eq(ev->kind, EVENT_CHAT);
    char want[128];
    snprintf(want, sizeof want, "{\"seq\":1,\"ts\":%lld,\"kind\":\"chat\",\"text\":\"hi \\\"you\\\"\"}",
             (long long)ev->ts_ms);
    ck_assert_uint_eq(ev->json_len, strlen(want));
    ck_assert(memcmp(ev->json, want, ev->json_len) == 0);
    int64_t now = loop_wall_ms();
    ck_assert(ev->ts_ms <= now && ev->ts_ms > now - 5000);
    ck_assert_uint_eq(chat(hub, "again")->seq, 2);
    hub_free(hub);
}
END_TEST

START_TEST(backlog_wraps_and_forgets_the_oldest)
{
    struct hub *hub = hub_new(4);
    for (int i = 0; i < 10; i++)
        chat(hub, "x");
    ck_assert_uint_eq(hub_last_seq(hub), 10);
    ck_assert_ptr_null(hub_get(hub, 0));
    ck_assert_ptr_null(hub_get(hub, 6));  /* fell out of the ring */
    ck_assert_ptr_null(hub_get(hub, 11)); /* not made yet */
    for (uint64_t s = 7; s <= 10; s++)
        ck_assert_uint_eq(hub_get(hub, s)->seq, s);
    hub_free(hub);
}
END_TEST

START_TEST(resume_reports_lost_events)
{
    struct hub *hub = hub_new(4);
    uint64_t lost = 99;
    ck_assert_uint_eq(hub_resume(hub, 0, &lost), 1); /* nothing yet */
    ck_assert_uint_eq(lost, 0);
    for (int i = 0; i < 10; i++)
        chat(hub, "x");
    ck_assert_uint_eq(hub_resume(hub, 8, &lost), 9);
    ck_assert_uint_eq(lost, 0);
    ck_assert_uint_eq(hub_resume(hub, 10, &lost), 11);
    ck_assert_uint_eq(lost, 0);
    ck_assert_uint_eq(hub_resume(hub, 6, &lost), 7); /* 7 is the oldest held */
    ck_assert_uint_eq(lost, 0);
    ck_assert_uint_eq(hub_resume(hub, 2, &lost), 7); /* 3..6 are gone */
    ck_assert_uint_eq(lost, 4);
    ck_assert_uint_eq(hub_resume(hub, 0, &lost), 7);
    ck_assert_uint_eq(lost, 6);
    ck_assert_uint_eq(hub_resume(hub, 50, &lost), 11); /* a client from the future */
    ck_assert_uint_eq(lost, 0);
    /* a seq from an earlier run of the server: it has seen none of this run */
    ck_assert_uint_eq(hub_since(hub, 50), 0);
    ck_assert_uint_eq(hub_since(hub, 10), 10);
    ck_assert_uint_eq(hub_since(hub, 3), 3);
    hub_free(hub);
}
END_TEST

struct listener {
    struct hub *hub;
    struct hub_sub sub;
    uint64_t seen[8];
    int n;
    struct listener *evict; /* unsubscribe this one when called */
    const char *reply;      /* publish this when called the first time */
    struct loop *loop;      /* ticks_are_published_periodically: stopped at the third */
};

static void on_event(struct hub_sub *sub, const struct hub_event *ev)
{
    struct listener *l = sub->arg;
    if (l->n < 8)
        l->seen[l->n++] = ev->seq;
    if (l->evict)
        hub_unsubscribe(l->hub, &l->evict->sub);
    if (l->reply && l->n == 1)
        chat(l->hub, l->reply);
}

START_TEST(fan_out_survives_unsubscribe_during_delivery)
{
    struct hub *hub = hub_new(8);
    struct listener a = {.hub = hub}, b = {.hub = hub}, c = {.hub = hub};
    hub_subscribe(hub, &a.sub, on_event, &a);
    hub_subscribe(hub, &b.sub, on_event, &b);
    hub_subscribe(hub, &c.sub, on_event, &c);
    ck_assert_uint_eq(hub_subscribers(hub), 3);
    /* The list runs c, b, a.  c removes b (next in the walk) and itself. */
    c.evict = &b;
    chat(hub, "one");
    ck_assert_int_eq(c.n, 1);
    ck_assert_int_eq(b.n, 0);
    ck_assert_int_eq(a.n, 1);
    ck_assert_uint_eq(hub_subscribers(hub), 2);
    c.evict = &c;
    chat(hub, "two");
    ck_assert_int_eq(c.n, 2);
    ck_assert_int_eq(a.n, 2);
    ck_assert_uint_eq(a.seen[1], 2);
    ck_assert_uint_eq(hub_subscribers(hub), 1);
    hub_unsubscribe(hub, &a.sub);
    hub_unsubscribe(hub, &a.sub); /* twice is harmless */
    ck_assert_uint_eq(hub_subscribers(hub), 0);
    hub_free(hub);
}
END_TEST

START_TEST(event_published_during_fan_out_reaches_everybody_in_order)
{
    /* c's callback publishes "two" while "one" is still on its way to b and
     * a: everybody must get one, then two; a late subscriber neither. */
    struct hub *hub = hub_new(8);
    struct listener a = {.hub = hub}, b = {.hub = hub}, c = {.hub = hub, .reply = "two"};
    hub_subscribe(hub, &a.sub, on_event, &a);
    hub_subscribe(hub, &b.sub, on_event, &b);
    hub_subscribe(hub, &c.sub, on_event, &c);
    chat(hub, "one");
    struct listener *all[] = {&a, &b, &c};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(all[i]->n, 2);
        ck_assert_uint_eq(all[i]->seen[0], 1);
        ck_assert_uint_eq(all[i]->seen[1], 2);
    }
    struct listener late = {.hub = hub};
    hub_subscribe(hub, &late.sub, on_event, &late); /* has read 1..2 from the backlog */
    chat(hub, "three");
    ck_assert_int_eq(late.n, 1);
    ck_assert_uint_eq(late.seen[0], 3);
    for (int i = 0; i < 3; i++)
        hub_unsubscribe(hub, &all[i]->sub);
    hub_unsubscribe(hub, &late.sub);
    hub_free(hub);
}
END_TEST

static void stop_after(struct loop *loop, void *arg)
{
    (void)arg;
    loop_stop(loop);
}

/* Three ticks, then stop: the ticks are counted, not the time, so a
 * loaded machine that holds the loop up cannot make the count wrong. */
static void on_tick_event(struct hub_sub *sub, const struct hub_event *ev)
{
    struct listener *l = sub->arg;
    on_event(sub, ev);
    if (l->n == 3)
        loop_stop(l->loop);
}

START_TEST(ticks_are_published_periodically)
{
    struct loop *loop = loop_new();
    struct hub *hub = hub_new(64);
    struct listener l = {.hub = hub, .loop = loop};
    hub_subscribe(hub, &l.sub, on_tick_event, &l);
    ck_assert_int_eq(hub_start_ticks(hub, loop, 10), 0);
    uint64_t started = loop_now_ms(loop);
    loop_add_timer(loop, 10000, 0, stop_after, NULL); /* only if ticks never come */
    loop_run(loop);
    ck_assert_int_eq(l.n, 3);
    /* A tick every period, never early: the third comes 30 ms in at the soonest. */
    ck_assert_uint_ge(loop_now_ms(loop) - started, 30);
    ck_assert_uint_eq(l.seen[0], 1);
    ck_assert_uint_eq(l.seen[2], 3);
    const struct hub_event *ev = hub_get(hub, 1);
    ck_assert_int_eq(ev->kind, EVENT_TICK);
    ck_assert(memmem(ev->json, ev->json_len, "\"kind\":\"tick\"", 13) != NULL);
    hub_unsubscribe(hub, &l.sub);
    hub_free(hub);
    loop_free(loop);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hub");
    TCase *tc = tcase_create("hub");
    tcase_add_test(tc, events_are_numbered_from_one_with_their_json);
    tcase_add_test(tc, backlog_wraps_and_forgets_the_oldest);
    tcase_add_test(tc, resume_reports_lost_events);
    tcase_add_test(tc, fan_out_survives_unsubscribe_during_delivery);
    tcase_add_test(tc, event_published_during_fan_out_reaches_everybody_in_order);
    tcase_add_test(tc, ticks_are_published_periodically);
    suite_add_tcase(s, tc);
    return check_run(s);
}
