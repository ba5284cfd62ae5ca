/* check_flash.c -- the Flash socket codec: the policy request at every
 * length, the policy document for a port, recognising a policy answer, and
 * NUL-terminated message splitting with its limit. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "proto/flash.h"

static const char request[] = "<policy-file-request/>"; /* + its NUL = 23 bytes */

START_TEST(policy_request_whole_and_with_more_after_it)
{
    ck_assert_int_eq(flash_parse_policy_request(request, sizeof request), FLASH_POLICY_REQUEST_LEN);
    char more[40];
    memcpy(more, request, sizeof request);
    memcpy(more + sizeof request, "hello", 5);
    ck_assert_int_eq(flash_parse_policy_request(more, sizeof request + 5), 23);
}
END_TEST

START_TEST(every_proper_prefix_of_the_request_is_partial)
{
    for (size_t n = 0; n < sizeof request; n++)
        ck_assert_int_eq(flash_parse_policy_request(request, n), PROTO_PARTIAL);
}
END_TEST

START_TEST(anything_else_is_not_a_policy_request)
{
    ck_assert_int_eq(flash_parse_policy_request("{\"seq\":1}", 9), PROTO_ERROR);
    ck_assert_int_eq(flash_parse_policy_request("GET / HTTP/1.1\r\n", 16), PROTO_ERROR);
    ck_assert_int_eq(flash_parse_policy_request("<policy-file-request/>\n", 23), PROTO_ERROR);
    ck_assert_int_eq(flash_parse_policy_request("<POLICY", 7), PROTO_ERROR);
    /* one wrong byte anywhere is enough */
    char bad[sizeof request];
    for (size_t i = 0; i < sizeof request; i++) {
        memcpy(bad, request, sizeof request);
        bad[i] ^= 0x20;
        ck_assert_int_eq(flash_parse_policy_request(bad, sizeof bad), PROTO_ERROR);
    }
}
END_TEST

START_TEST(policy_document_names_the_port_and_ends_with_nul)
{
    char out[512];
    size_t n = flash_build_policy(out, sizeof out, 8005);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_lt(n, sizeof out);
    ck_assert_int_eq(out[n - 1], '\0');
    ck_assert_uint_eq(strlen(out), n - 1); /* the only NUL is the last byte */
    ck_assert_ptr_nonnull(strstr(out, "<allow-access-from domain=\"*\" to-ports=\"8005\"/>"));
    ck_assert_ptr_nonnull(strstr(out, "</cross-domain-policy>"));
    ck_assert(flash_is_policy((struct slice){out, n - 1}));
    ck_assert_uint_eq(flash_build_policy(NULL, 0, 80), n - 2); /* two digits fewer */
}
END_TEST

START_TEST(policy_document_follows_the_snprintf_contract)
{
    char out[512];
    size_t need = flash_build_policy(NULL, 0, 65535);
    memset(out, '#', sizeof out);
    ck_assert_uint_eq(flash_build_policy(out, need - 1, 65535), need);
    for (size_t i = need - 1; i < sizeof out; i++)
        ck_assert_int_eq(out[i], '#');
    ck_assert_uint_eq(flash_build_policy(out, need, 65535), need);
    ck_assert_int_eq(out[need - 1], '\0');
    ck_assert_int_eq(out[need], '#');
}
END_TEST

static bool is_policy(const char *s)
{
    return flash_is_policy((struct slice){s, strlen(s)});
}

START_TEST(policy_answers_are_recognised_by_their_root_element)
{
    ck_assert(is_policy("<cross-domain-policy></cross-domain-policy>"));
    ck_assert(is_policy("<cross-domain-policy/>"));
    ck_assert(is_policy("\r\n <cross-domain-policy\n>"));
    ck_assert(is_policy("<?xml version=\"1.0\"?><!-- a <comment> --><!DOCTYPE x>"
                        "<?pi?><cross-domain-policy>"));
    ck_assert(!is_policy(""));
    ck_assert(!is_policy("{\"seq\":1,\"ts\":2,\"kind\":\"chat\",\"text\":\"<cross-domain-policy>\"}"));
    ck_assert(!is_policy("<cross-domain-policyX>"));
    ck_assert(!is_policy("<cross-domain-policy"));
    ck_assert(!is_policy("<?xml version=\"1.0\" <cross-domain-policy>")); /* unclosed declaration */
    ck_assert(!is_policy("<!-- <cross-domain-policy> -- >"));
    ck_assert(!is_policy("hello <cross-domain-policy>"));
}
END_TEST

START_TEST(messages_split_at_each_nul)
{
    const char in[] = "one\0\0three"; /* "one", "", then "three" with no NUL yet */
    struct slice msg;
    struct proto_err err = {0};
    long n = flash_next_message(in, sizeof in - 1, 100, &msg, &err);
    ck_assert_int_eq(n, 4);
    ck_assert_ptr_eq(msg.ptr, in);
    ck_assert_uint_eq(msg.len, 3);
    ck_assert_int_eq(flash_next_message(in + 4, sizeof in - 5, 100, &msg, &err), 1);
    ck_assert_uint_eq(msg.len, 0);
    ck_assert_int_eq(flash_next_message(in + 5, sizeof in - 6, 100, &msg, &err), PROTO_PARTIAL);
    ck_assert_int_eq(flash_next_message(in, 0, 100, &msg, &err), PROTO_PARTIAL);
}
END_TEST

START_TEST(a_message_longer_than_max_is_an_error)
{
    struct slice msg;
    struct proto_err err = {0};
    /* max bytes of message are fine, the NUL may come at index max */
    ck_assert_int_eq(flash_next_message("abcd\0", 5, 4, &msg, &err), 5);
    ck_assert_uint_eq(msg.len, 4);
    ck_assert_int_eq(flash_next_message("abcd", 4, 4, &msg, &err), PROTO_PARTIAL);
    ck_assert_int_eq(flash_next_message("abcde", 5, 4, &msg, &err), PROTO_ERROR);
    ck_assert_str_eq(err.why, "Flash message longer than the limit with no NUL");
    /* a NUL past the limit does not rescue it */
    ck_assert_int_eq(flash_next_message("abcde\0", 6, 4, &msg, &err), PROTO_ERROR);
    ck_assert_int_eq(flash_next_message("\0", 1, 0, &msg, &err), 1);
    ck_assert_int_eq(flash_next_message("x\0", 2, 0, &msg, &err), PROTO_ERROR);
}
END_TEST

static Suite *flash_suite(void)
{
    Suite *s = suite_create("flash");
    TCase *tc = tcase_create("policy");
    tcase_add_test(tc, policy_request_whole_and_with_more_after_it);
    tcase_add_test(tc, every_proper_prefix_of_the_request_is_partial);
    tcase_add_test(tc, anything_else_is_not_a_policy_request);
    tcase_add_test(tc, policy_document_names_the_port_and_ends_with_nul);
    tcase_add_test(tc, policy_document_follows_the_snprintf_contract);
    tcase_add_test(tc, policy_answers_are_recognised_by_their_root_element);
    suite_add_tcase(s, tc);
    tc = tcase_create("messages");
    tcase_add_test(tc, messages_split_at_each_nul);
    tcase_add_test(tc, a_message_longer_than_max_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(flash_suite());
}
