/* fuzz_flash.c -- libFuzzer target for the Flash socket codec.
 *
 * The first input byte picks the message limit; the rest is a stream.
 * Checks, on arbitrary bytes:
 *   - the policy-request answer agrees with a plain comparison, and the
 *     request is found again whatever follows it;
 *   - splitting messages never consumes more than it was given, every
 *     message lies inside the input, holds no NUL and respects the limit,
 *     and the messages joined back with NULs are the input's prefix;
 *   - flash_is_policy runs on every message (ASan watches its reads), and a
 *     built policy for a port taken from the input is recognised.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/flash.h"

#include "fuzz_check.h"


static const char request[] = FLASH_POLICY_REQUEST; /* + its NUL */

static void check_policy_request(const char *in, size_t len)
{
    long r = flash_parse_policy_request(in, len);
    size_t n = len < sizeof request ? len : sizeof request;
    bool prefix = memcmp(in, request, n) == 0;
    if (!prefix)
        CHECK(r == PROTO_ERROR);
    else
        CHECK(r == (n == sizeof request ? FLASH_POLICY_REQUEST_LEN : PROTO_PARTIAL));
}

static void check_messages(const char *in, size_t len, size_t max)
{
    size_t pos = 0;
    for (;;) {
        struct slice msg;
        struct proto_err err = {0};
        long n = flash_next_message(in + pos, len - pos, max, &msg, &err);
        if (n == PROTO_PARTIAL) {
            CHECK(len - pos <= max && memchr(in + pos, '\0', len - pos) == NULL);
            return;
        }
        if (n == PROTO_ERROR) {
            CHECK(err.why != NULL && len - pos > max);
            CHECK(memchr(in + pos, '\0', max + 1) == NULL);
            return;
        }
        CHECK(n >= 1 && (size_t)n <= len - pos);
        CHECK(msg.ptr == in + pos && msg.len == (size_t)n - 1 && msg.len <= max);
        CHECK(memchr(msg.ptr, '\0', msg.len) == NULL && in[pos + msg.len] == '\0');
        (void)flash_is_policy(msg);
        pos += (size_t)n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    if (size < 1)
        return 0;
    size_t max = (size_t)bytes[0] * 4;
    size_t len = size - 1;
    char *in = exact_copy(bytes + 1, len);

    check_policy_request(in, len);
    char *with_request = malloc(sizeof request + len);
    CHECK(with_request);
    memcpy(with_request, request, sizeof request);
    memcpy(with_request + sizeof request, in, len);
    CHECK(flash_parse_policy_request(with_request, sizeof request + len) == FLASH_POLICY_REQUEST_LEN);
    free(with_request);

    check_messages(in, len, max);
    (void)flash_is_policy((struct slice){in, len});

    unsigned port = len >= 2 ? (unsigned)((uint8_t)in[0] << 8 | (uint8_t)in[1]) : 843;
    size_t need = flash_build_policy(NULL, 0, port);
    char *policy = malloc(need);
    CHECK(policy && flash_build_policy(policy, need, port) == need);
    struct slice msg;
    CHECK(flash_next_message(policy, need, need, &msg, NULL) == (long)need);
    CHECK(flash_is_policy(msg));
    free(policy);
    free(in);
    return 0;
}
