/* check_url.c -- pushlab-client's URL argument: schemes, hosts (names,
 * IPv4, bracketed IPv6), ports and their range, paths kept exactly as
 * written, and clear refusals for everything else. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "client/url.h"

START_TEST(full_url)
{
    struct url u;
    const char *why = NULL;
    ck_assert_int_eq(url_parse("http://127.0.0.1:8001/poll?x=1", &u, &why), 0);
    ck_assert_str_eq(u.scheme, "http");
    ck_assert_str_eq(u.host, "127.0.0.1");
    ck_assert_int_eq(u.port, 8001);
    ck_assert_str_eq(u.target, "/poll?x=1");
}
END_TEST

START_TEST(bare_host_and_port)
{
    struct url u;
    const char *why = NULL;
    ck_assert_int_eq(url_parse("localhost:8005", &u, &why), 0);
    ck_assert_str_eq(u.scheme, "");
    ck_assert_str_eq(u.host, "localhost");
    ck_assert_int_eq(u.port, 8005);
    ck_assert_str_eq(u.target, "");
    ck_assert_int_eq(url_parse("ws://example", &u, &why), 0);
    ck_assert_str_eq(u.scheme, "ws");
    ck_assert_int_eq(u.port, -1); /* the caller fills in the default */
}
END_TEST

START_TEST(ipv6_in_brackets)
{
    struct url u;
    const char *why = NULL;
    ck_assert_int_eq(url_parse("http://[::1]:8006/events", &u, &why), 0);
    ck_assert_str_eq(u.host, "::1");
    ck_assert_int_eq(u.port, 8006);
    ck_assert_str_eq(u.target, "/events");
    ck_assert_int_eq(url_parse("tcp://[::1]", &u, &why), 0);
    ck_assert_str_eq(u.host, "::1");
    ck_assert_int_eq(u.port, -1);
}
END_TEST

START_TEST(query_without_path_gets_slash)
{
    struct url u;
    const char *why = NULL;
    ck_assert_int_eq(url_parse("127.0.0.1:9?a=b", &u, &why), 0);
    ck_assert_int_eq(u.port, 9);
    ck_assert_str_eq(u.target, "/?a=b");
}
END_TEST

START_TEST(refusals)
{
    static const char *const bad[] = {
        "https://127.0.0.1",  /* no TLS in pushlab */
        "gopher://x",         /* unknown scheme */
        "http://",            /* no host */
        "http://:80",         /* no host */
        "http://h:",          /* empty port */
        "http://h:0",         /* port out of range */
        "http://h:65536",     /* port out of range */
        "http://h:99999999999999999999", /* would overflow */
        "http://h:8a",        /* not a number */
        "http://[::1",        /* no closing bracket */
        "http://[::1]x",      /* junk after the bracket */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct url u;
        const char *why = NULL;
        ck_assert_msg(url_parse(bad[i], &u, &why) == -1, "accepted %s", bad[i]);
        ck_assert_ptr_nonnull(why);
    }
}
END_TEST

START_TEST(too_long_parts)
{
    char text[MAX_TARGET_BYTES + 64];
    struct url u;
    const char *why = NULL;
    memset(text, 'a', sizeof text);
    text[sizeof text - 1] = '\0';
    ck_assert_int_eq(url_parse(text, &u, &why), -1); /* host too long */
    memcpy(text, "h:1/", 4);
    ck_assert_int_eq(url_parse(text, &u, &why), -1); /* path too long */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("url");
    tcase_add_test(tc, full_url);
    tcase_add_test(tc, bare_host_and_port);
    tcase_add_test(tc, ipv6_in_brackets);
    tcase_add_test(tc, query_without_path_gets_slash);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, too_long_parts);
    suite_add_tcase(s, tc);
    return check_run(s);
}
