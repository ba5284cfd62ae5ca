/* http_method.c -- the request methods pushlab knows: the eight of
 * RFC 9110 §9 and PATCH (RFC 5789), in one list.
 *
 * Two servers ask about them.  Every HTTP server answers a method it
 * knows but a path does not serve with 405 and Allow (§15.5.6), and any
 * other with 501 (§15.6.2).  The Flash-style socket server tells an HTTP
 * request from a policy request or its own protocol by the first bytes on
 * the connection, before any head can be parsed.  One list keeps the two
 * in agreement.  Method names are case-sensitive (§9.1): "get" is not GET.
 */
#include <string.h>

#include "http_internal.h"

static const char *const known_methods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                            "CONNECT", "OPTIONS", "TRACE", "PATCH"};
#define N_KNOWN (sizeof known_methods / sizeof known_methods[0])

bool http_method_known(struct slice method)
{
    for (size_t i = 0; i < N_KNOWN; i++)
        if (slice_eq(method, known_methods[i]))
            return true;
    return false;
}

int http_starts_with_method(const char *buf, size_t len)
{
    int result = 0;
    for (size_t i = 0; i < N_KNOWN; i++) {
        size_t m = strlen(known_methods[i]);
        size_t cmp = len < m ? len : m;
        if (memcmp(buf, known_methods[i], cmp) != 0)
            continue;
        if (len <= m)
            result = PROTO_PARTIAL; /* all of buf matches: more bytes may make it one */
        else if (buf[m] == ' ')
            return 1;
    }
    return result;
}
