/* check_filter.c -- the display filter language (-Y): expressions that
 * compile and what they match, and bad ones, each refused with a message
 * that points at the right token. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "filter/filter.h"
#include "filter/regex_cost.h"

/* A few items of a WebSocket flow and a polling flow. */
static struct item_builder b_req, b_resp, b_ws, b_tcp, b_ev, b_flow;

static const struct item *request(void)
{
    struct item *it = item_start(&b_req, ITEM_HTTP_REQUEST, 2, DIR_C2S, 0);
    item_set_range(it, 0, 120);
    item_add_str(it, "method", "GET");
    item_add_str(it, "target", "/poll?since=3");
    item_add_str(it, "version", "HTTP/1.1");
    item_add_pairs(it, "headers");
    item_pairs_append(it, "Host", 4, "localhost:8001", 14);
    return it;
}

static const struct item *response(void)
{
    struct item *it = item_start(&b_resp, ITEM_HTTP_RESPONSE, 2, DIR_S2C, 0);
    item_set_range(it, 0, 150);
    item_add_int(it, "status", 404);
    item_add_str(it, "reason", "Not Found");
    item_add_str(it, "technique", "poll");
    return it;
}

static const struct item *ws_text(void)
{
    struct item *it = item_start(&b_ws, ITEM_WS_FRAME, 1, DIR_S2C, 0);
    item_set_range(it, 200, 54);
    item_add_int(it, "opcode", 1);
    item_add_int(it, "len", 52);
    static const char payload[] = "caf\xc3\xa9 {\"seq\":7}\0tail";
    item_add_text(it, "payload", payload, sizeof payload - 1);
    return it;
}

static const struct item *tcp_ack(void)
{
    struct item *it = item_start(&b_tcp, ITEM_TCP, 1, DIR_C2S, 0);
    item_add_str(it, "flags", "ACK");
    item_add_int(it, "len", 0);
    return it;
}

static const struct item *event(double latency)
{
    struct item *it = item_start(&b_ev, ITEM_EVENT, 1, DIR_S2C, 0);
    item_add_int(it, "seq", 7);
    item_add_ms(it, "latency_ms", latency);
    return it;
}

static const struct item *flow_item(void)
{
    struct item *it = item_start(&b_flow, ITEM_FLOW, 3, DIR_NONE, 0);
    item_add_str(it, "client", "10.0.0.9:51000");
    item_add_str(it, "server", "10.0.0.1:8006");
    item_add_str(it, "technique", "sse");
    item_add_int(it, "bytes_c2s", 100);
    item_add_int(it, "bytes_s2c", 900);
    return it;
}

static const struct filter_flow ws_flow = {"ws", "127.0.0.1:40000", "127.0.0.1:8007"};
static const struct filter_flow poll_flow = {"poll", "[::1]:40001", "[::1]:8001"};

/* Does expr compile and match it (in flow ff)? */
static bool matches(const char *expr, const struct item *it, const struct filter_flow *ff)
{
    struct filter_error err;
    struct filter *f = filter_compile(expr, &err);
    ck_assert_msg(f != NULL, "'%s' refused: %s at %zu", expr, err.message, err.pos);
    ck_assert_str_eq(filter_text(f), expr);
    bool m = filter_match(f, it, ff);
    filter_free(f);
    return m;
}

/* expr must be refused, pointing at the token `at` (its first occurrence
 * at or after byte `from`), with a message holding `says`. */
static void refused(const char *expr, const char *at, size_t from, const char *says)
{
    struct filter_error err;
    struct filter *f = filter_compile(expr, &err);
    ck_assert_msg(f == NULL, "'%s' was accepted", expr);
    const char *tok = strstr(expr + from, at);
    ck_assert_msg(tok != NULL, "test bug: '%s' not in '%s'", at, expr);
    ck_assert_msg(err.pos == (size_t)(tok - expr), "'%s': error at %zu, wanted %zu (%s)", expr, err.pos,
                  (size_t)(tok - expr), err.message);
    ck_assert_msg(err.len >= 1, "'%s': empty error span", expr);
    ck_assert_msg(strstr(err.message, says) != NULL, "'%s': message '%s' lacks '%s'", expr, err.message, says);
}

START_TEST(fields_of_http_items)
{
    ck_assert(matches("method == GET", request(), &poll_flow));
    ck_assert(!matches("method == POST", request(), &poll_flow));
    ck_assert(matches("method != POST", request(), &poll_flow));
    ck_assert(matches("path == /poll", request(), &poll_flow));
    ck_assert(matches("path ~ ^/po", request(), &poll_flow));
    ck_assert(matches("status == 404", response(), &poll_flow));
    ck_assert(matches("status >= 400 and status < 500", response(), &poll_flow));
    ck_assert(!matches("status > 404", response(), &poll_flow));
    ck_assert(matches("dir == c2s", request(), &poll_flow));
    ck_assert(matches("dir == s2c", response(), &poll_flow));
    ck_assert(matches("type == http_request", request(), NULL));
    ck_assert(matches("bytes == 120", request(), NULL));
    /* text looks in every text field and header */
    ck_assert(matches("text ~ localhost", request(), NULL));
    ck_assert(matches("text ~ \"not found\"", response(), NULL));
}
END_TEST

START_TEST(missing_fields_never_match)
{
    /* A TCP segment has no method: neither == nor != holds (as in Wireshark). */
    ck_assert(!matches("method == GET", tcp_ack(), &ws_flow));
    ck_assert(!matches("method != GET", tcp_ack(), &ws_flow));
    ck_assert(matches("not method == GET", tcp_ack(), &ws_flow));
    /* a field alone: does the item have it? */
    ck_assert(matches("method", request(), NULL));
    ck_assert(!matches("method", tcp_ack(), NULL));
    ck_assert(!matches("status == 200", request(), NULL));
    ck_assert(!matches("latency_ms > 0", tcp_ack(), NULL));
    ck_assert(!matches("technique == ws", tcp_ack(), NULL)); /* no flow known */
}
END_TEST

START_TEST(flow_facts_come_from_the_flow_or_the_flow_item)
{
    ck_assert(matches("technique == ws", tcp_ack(), &ws_flow));
    ck_assert(!matches("technique == poll", tcp_ack(), &ws_flow));
    /* the response's own exchange technique comes first */
    ck_assert(matches("technique == poll", response(), &ws_flow));
    ck_assert(matches("port == 8007", tcp_ack(), &ws_flow));
    ck_assert(matches("port == 40000", tcp_ack(), &ws_flow));
    ck_assert(!matches("port == 8001", tcp_ack(), &ws_flow));
    ck_assert(matches("port != 8001", tcp_ack(), &ws_flow));
    ck_assert(!matches("port != 8007", tcp_ack(), &ws_flow)); /* one of its ports is 8007 */
    ck_assert(matches("host == 127.0.0.1", tcp_ack(), &ws_flow));
    ck_assert(matches("host == ::1 and port == 8001", request(), &poll_flow));
    ck_assert(matches("flow == 1", tcp_ack(), &ws_flow));
    ck_assert(matches("flow > 1", request(), &poll_flow));
    /* only a filter that names host or port needs the flow's endpoints */
    struct filter_error err;
    const char *needs[] = {"port == 8007", "type == tcp or not host == ::1", "port"};
    const char *needs_not[] = {"technique == ws", "text ~ port", "flow == 2 and type == tcp"};
    for (size_t i = 0; i < sizeof needs / sizeof *needs; i++) {
        struct filter *f = filter_compile(needs[i], &err);
        ck_assert_msg(f && filter_needs_endpoints(f), "%s", needs[i]);
        filter_free(f);
        f = filter_compile(needs_not[i], &err);
        ck_assert_msg(f && !filter_needs_endpoints(f), "%s", needs_not[i]);
        filter_free(f);
    }
    /* a flow item carries its own */
    ck_assert(matches("technique == sse and port == 8006 and host == 10.0.0.9", flow_item(), &ws_flow));
    ck_assert(matches("bytes == 1000", flow_item(), NULL));
}
END_TEST

START_TEST(websocket_opcodes_text_and_latency)
{
    ck_assert(matches("opcode == 1", ws_text(), &ws_flow));
    ck_assert(matches("opcode == text", ws_text(), &ws_flow));
    ck_assert(!matches("opcode == binary", ws_text(), &ws_flow));
    ck_assert(matches("opcode < close", ws_text(), &ws_flow));
    /* UTF-8, case-insensitive, and bytes after a NUL are searched too */
    ck_assert(matches("text ~ \"CAF\xc3\xa9\"", ws_text(), NULL));
    ck_assert(matches("text ~ tail", ws_text(), NULL));
    ck_assert(matches("text ~ \"\\\"seq\\\":7\"", ws_text(), NULL)); /* \" inside quotes */
    ck_assert(matches("text ~ \"seq.:[0-9]+\"", ws_text(), NULL));
    ck_assert(!matches("text == tail", ws_text(), NULL));
    ck_assert(matches("latency_ms > 1.5", event(2.25), NULL));
    ck_assert(!matches("latency_ms > 1.5", event(1.0), NULL));
    ck_assert(matches("latency_ms <= 1", event(1.0), NULL));
}
END_TEST

START_TEST(precedence_negation_and_parentheses)
{
    /* and binds tighter than or */
    ck_assert(matches("method == POST and status == 1 or method == GET", request(), NULL));
    ck_assert(!matches("method == POST and (status == 1 or method == GET)", request(), NULL));
    ck_assert(matches("not (method == POST or dir == s2c)", request(), NULL));
    ck_assert(matches("!(method == POST) && dir = c2s", request(), NULL));
    ck_assert(matches("method == POST || not not method == GET", request(), NULL));
    ck_assert(matches("((((dir == c2s))))", request(), NULL));
    ck_assert(matches("  technique==poll  ", response(), NULL)); /* no spaces needed, extra ignored */
}
END_TEST

START_TEST(bad_expressions_point_at_the_token)
{
    refused("methd == GET", "methd", 0, "unknown field 'methd'");
    refused("method == GET and ", "", 18, "expected a field name, found the end");
    refused("method ==", "", 9, "expected a value after '=='");
    refused("method == GET status == 200", "status", 0, "expected 'and', 'or' or the end");
    refused("(method == GET", "(", 0, "'(' is not closed");
    refused("method == GET)", ")", 0, "expected 'and', 'or' or the end, found ')'");
    refused("status == OK", "OK", 0, "'OK' is not");
    refused("opcode == texte", "texte", 0, "nor text, binary");
    refused("method < GET", "<", 0, "compares numbers; method is text");
    refused("status ~ 40", "~", 0, "'~' matches text");
    refused("text ~ \"(unclosed\"", "\"(unclosed\"", 0, "bad regular expression");
    refused("text == \"abc", "\"", 0, "quote is not closed");
    refused("dir == c2s and # x", "#", 0, "unknown field '#'");
    refused("method == GET && && dir == c2s", "&&", 15, "expected a field name");
    refused("", "", 0, "empty filter");
    refused("   ", "", 0, "empty filter");
    refused("not", "", 3, "expected a field name, found the end");
    refused("== GET", "==", 0, "expected a field name");
}
END_TEST

START_TEST(limits_hold)
{
    /* nesting deeper than the parser allows is refused, not a stack overflow */
    char deep[400];
    memset(deep, '(', 300);
    strcpy(deep + 300, "dir == c2s");
    struct filter_error err;
    ck_assert_ptr_null(filter_compile(deep, &err));
    ck_assert_msg(strstr(err.message, "nested too deeply"), "%s", err.message);
    /* longer than FILTER_MAX */
    char *big = malloc(FILTER_MAX + 10);
    memset(big, ' ', FILTER_MAX + 9);
    big[FILTER_MAX + 9] = '\0';
    ck_assert_ptr_null(filter_compile(big, &err));
    free(big);
    /* a long chain within the limits is fine */
    char chain[FILTER_MAX + 1] = "dir == c2s";
    while (strlen(chain) + 16 < FILTER_MAX)
        strcat(chain, " or flow == 999");
    struct filter *f = filter_compile(chain, &err);
    ck_assert_ptr_nonnull(f);
    ck_assert(filter_match(f, request(), NULL));
    filter_free(f);
}
END_TEST

/* The input fuzz_filter found: a run of `+` made glibc's regcomp ask for
 * more than 2 GB (each doubles the tree). */
static char fuzz_oom[512];

static void make_fuzz_oom(void)
{
    strcpy(fuzz_oom, "not (method =eat0s0u/&& text\t~\xd2\xd2" "at0\x01\x07u) && text ~\xd2t0s0u/ && text\t~\xd2\xd2" "at05");
    size_t at = strlen(fuzz_oom);
    memset(fuzz_oom + at, '+', 118);
    fuzz_oom[at + 118] = '\0';
    strcat(fuzz_oom, "555555\xd2x}rt or host ='t");
}

/* regex_cost of re, which must not be refused for its form. */
static size_t cost(const char *re, size_t limit)
{
    const char *refused;
    size_t n = regex_cost(re, limit, &refused);
    ck_assert_msg(refused == NULL, "'%s' refused: %s", re, refused);
    return n;
}

/* re must be refused for its form, saying `says`. */
static void refused_form(const char *re, const char *says)
{
    const char *refused;
    regex_cost(re, 100000, &refused);
    ck_assert_msg(refused && strstr(refused, says), "'%s': %s", re, refused ? refused : "not refused");
}

START_TEST(regular_expressions_are_priced_before_they_compile)
{
    /* what regcomp would build: pieces, repeats multiplying them */
    ck_assert_uint_eq(cost("abc", 1000), 3);
    ck_assert_uint_eq(cost("a{1000}", 100000), 1001);
    ck_assert_uint_eq(cost("(a{100}){100}", 100000), 10201);
    ck_assert_uint_eq(cost("a++++++++++", 100000), 2047); /* each + doubles */
    ck_assert_uint_eq(cost("[]a{]{5}", 1000), 6);        /* a bracket is one piece, '{' in it too */
    ck_assert_uint_eq(cost("x\\\\{3}", 1000), 5);        /* an escaped backslash is a piece that repeats */
    ck_assert_uint_eq(cost("x\\{3}", 1000), 4);          /* an escaped '{' starts no interval */
    ck_assert_uint_eq(cost("a{,30000}", 100000), 30001); /* glibc reads {,n} as {0,n} */
    ck_assert_uint_eq(cost("a{x}", 1000), 4);            /* not an interval: '{' is itself */
    ck_assert_uint_lt(cost("^(get|post) /[a-z]+\\b", 1000), 30); /* anchors, once each, are fine */
    /* saturates at limit + 1, whatever the input */
    ck_assert_uint_eq(cost("((a{32767}){32767}){32767}{32767}", 1000), 1001);
    char deep[600];
    memset(deep, '(', 300);
    strcpy(deep + 300, "a");
    ck_assert_uint_eq(cost(deep, 1000), 1001); /* deeper than priced: as dear as can be */

    /* what glibc compiles in exponential time, whatever the size: a
     * repeat of what can match nothing (it never means more than the
     * piece alone), many anchors, back-references */
    refused_form("((^)*){40}", "can match nothing");         /* more than a minute */
    refused_form("^a*+++++", "can match nothing");           /* 8 s */
    refused_form("$[ab]{,9}{0,3}++{2}+", "can match nothing"); /* minutes */
    refused_form("(a|\\b)+", "can match nothing");
    refused_form("(a|){3}", "can match nothing");
    refused_form("(()){5}", "can match nothing");
    refused_form("x$?", "can match nothing");
    refused_form("\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b", "more than 16 anchors");
    refused_form("(a)\\1", "back-references");
    /* fuzz_filter's third find: stars on stars, 2.9 GB before this rule */
    refused_form("ke(q******************************++++++++++**********|)", "can match nothing");
    /* repeats of what always reads a byte are fine, whatever is inside */
    ck_assert_uint_lt(cost("(ab*)+([0-9]+\\.){3}(a|b)*(x?y){2,}", 1000), 100);

    struct filter_error err;
    make_fuzz_oom();
    ck_assert_ptr_null(filter_compile(fuzz_oom, &err));
    ck_assert_msg(strstr(err.message, "regular expression too complex"), "%s", err.message);
    refused("text ~ \"((a{100}){100}){100}\"", "\"((a{100}){100}){100}\"", 7, "too complex");
    /* fuzz_filter's second find: 34,815 pieces, most of them able to
     * match nothing, took glibc 28 s and 720 MB */
    refused("text ~ \\++++*+++++++++++", "\\++++*+++++++++++", 7, "can match nothing");
    refused("text ~ \"((^)*){40}\"", "\"((^)*){40}\"", 7, "bad regular expression: a repeat of what can match");
    /* the budget is the filter's: two that fit alone may not fit together */
    struct filter *f = filter_compile("text ~ \"x{2000}\"", &err);
    ck_assert_ptr_nonnull(f);
    filter_free(f);
    refused("text ~ \"x{2000}\" or text ~ \"y{2000}\"", "\"y{2000}\"", 0, "too complex");
    /* the everyday ones still work */
    ck_assert(matches("text ~ \"[0-9]{1,3}(\\.[0-9]{1,3}){3}\" or text ~ \"^/poll[?]since=[0-9]{1,3}$\"", request(), NULL));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("filter");
    TCase *tc = tcase_create("filter");
    tcase_add_test(tc, fields_of_http_items);
    tcase_add_test(tc, missing_fields_never_match);
    tcase_add_test(tc, flow_facts_come_from_the_flow_or_the_flow_item);
    tcase_add_test(tc, websocket_opcodes_text_and_latency);
    tcase_add_test(tc, precedence_negation_and_parentheses);
    tcase_add_test(tc, bad_expressions_point_at_the_token);
    tcase_add_test(tc, limits_hold);
    tcase_add_test(tc, regular_expressions_are_priced_before_they_compile);
    suite_add_tcase(s, tc);
    return check_run(s);
}
