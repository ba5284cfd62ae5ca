/* flash.c -- the Flash XMLSocket wire format: the socket policy file
 * exchange and NUL-terminated messages (Adobe, "Setting up a socket policy
 * file server"; the cross-domain-policy DTD).
 *
 * A Flash movie could not open a raw TCP socket until the player had asked
 * the host for permission.  It sent the 23 bytes "<policy-file-request/>"
 * plus NUL, and the server answered with a <cross-domain-policy> document
 * plus NUL and closed.  The player then opened the movie's own connection,
 * where every message, in both directions, ends with one NUL byte (so a
 * message can never contain one).
 *
 * Left out on purpose: the master policy on port 843 and meta-policies
 * beyond "master-only"; a full XML parser (a policy is recognised by its
 * root element, after the prolog an XML document may have).
 */
#include "proto/flash.h"

#include <string.h>

#include "proto/outbuf.h"

long flash_parse_policy_request(const char *buf, size_t len)
{
    /* sizeof a string literal counts its NUL: exactly the bytes on the wire */
    static const char request[] = FLASH_POLICY_REQUEST;
    _Static_assert(sizeof request == FLASH_POLICY_REQUEST_LEN, "request is 22 bytes + NUL");
    size_t n = len < sizeof request ? len : sizeof request;
    if (n > 0 && memcmp(buf, request, n) != 0)
        return PROTO_ERROR;
    return n == sizeof request ? FLASH_POLICY_REQUEST_LEN : PROTO_PARTIAL;
}

size_t flash_build_policy(char *out, size_t cap, unsigned port)
{
    struct outbuf o = outbuf_start(out, cap);
    outbuf_str(&o, "<?xml version=\"1.0\"?>\n"
                   "<!DOCTYPE cross-domain-policy SYSTEM "
                   "\"http://www.adobe.com/xml/dtds/cross-domain-policy.dtd\">\n"
                   "<cross-domain-policy>\n"
                   /* only this document counts, not files the server may also serve */
                   "<site-control permitted-cross-domain-policies=\"master-only\"/>\n"
                   /* any page's movie may connect, but only to this one port */
                   "<allow-access-from domain=\"*\" to-ports=\"");
    outbuf_u64(&o, port);
    outbuf_str(&o, "\"/>\n"
                   "</cross-domain-policy>\n");
    outbuf_byte(&o, '\0');
    return o.len;
}

/* ---- recognising a policy document ---- */

static bool starts_with(const char *p, const char *end, const char *prefix)
{
    size_t n = strlen(prefix);
    return (size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

static bool is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Just past the first `closer` at or after p, or NULL when there is none. */
static const char *past(const char *p, const char *end, const char *closer)
{
    size_t n = strlen(closer);
    for (; (size_t)(end - p) >= n; p++)
        if (memcmp(p, closer, n) == 0)
            return p + n;
    return NULL;
}

bool flash_is_policy(struct slice msg)
{
    if (msg.len == 0)
        return false;
    const char *p = msg.ptr, *end = msg.ptr + msg.len;
    /* The prolog: white space, the XML declaration and processing
     * instructions, comments and the DOCTYPE, in any order, before the
     * root element. */
    for (;;) {
        while (p < end && is_xml_space(*p))
            p++;
        if (starts_with(p, end, "<?"))
            p = past(p + 2, end, "?>");
        else if (starts_with(p, end, "<!--"))
            p = past(p + 4, end, "-->");
        else if (starts_with(p, end, "<!"))
            p = past(p + 2, end, ">");
        else
            break;
        if (!p)
            return false;
    }
    static const char root[] = "<cross-domain-policy";
    if (!starts_with(p, end, root))
        return false;
    p += sizeof root - 1;
    /* the name must end here: "<cross-domain-policyX" is another element */
    return p < end && (*p == '>' || *p == '/' || is_xml_space(*p));
}

/* ---- messages ---- */

long flash_next_message(const char *buf, size_t len, size_t max, struct slice *msg,
                        struct proto_err *err)
{
    /* A message holds at most max bytes, so its NUL is within max + 1. */
    size_t look = len <= max ? len : max + 1;
    const char *nul = look > 0 ? memchr(buf, '\0', look) : NULL;
    if (!nul) {
        msg->ptr = NULL;
        msg->len = 0;
        if (len > max)
            return proto_fail(err, 0, "Flash message longer than the limit with no NUL");
        return PROTO_PARTIAL;
    }
    msg->ptr = buf;
    msg->len = (size_t)(nul - buf);
    return (long)msg->len + 1;
}
