/* url.c -- splitting pushlab-client's URL argument (RFC 3986 §3, the small
 * part of it a lab needs).
 *
 *   [scheme "://"] host [":" port] [path-and-query]
 *
 * host may be a name, an IPv4 address or an IPv6 address in brackets
 * ("[::1]:8007").  Left out on purpose: user info, fragments, percent
 * decoding (the path is sent exactly as written) and https/wss, which
 * pushlab does not speak.
 */
#include "client/url.h"

#include <stdbool.h>
#include <string.h>

/* Copy src[0..len) into dst[0..cap) with a NUL; false when it does not fit. */
static bool copy_part(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap)
        return false;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return true;
}

int url_parse(const char *text, struct url *u, const char **why)
{
    memset(u, 0, sizeof *u);
    u->port = -1;
    const char *p = text;
    const char *sep = strstr(p, "://");
    if (sep) {
        size_t len = (size_t)(sep - p);
        if (!copy_part(u->scheme, sizeof u->scheme, p, len) ||
            (strcmp(u->scheme, "http") && strcmp(u->scheme, "ws") && strcmp(u->scheme, "tcp"))) {
            *why = "unknown scheme (use http://, ws:// or tcp://)";
            return -1;
        }
        p = sep + 3;
    }

    /* The authority runs to the first '/' or '?' (or the end). */
    size_t auth_len = strcspn(p, "/?");
    const char *auth_end = p + auth_len;
    const char *host = p;
    size_t host_len;
    const char *port_text = NULL;
    if (*p == '[') { /* an IPv6 literal: the port colon comes after ']' */
        const char *close = memchr(p, ']', auth_len);
        if (!close) {
            *why = "IPv6 address without its closing ']'";
            return -1;
        }
        host = p + 1;
        host_len = (size_t)(close - host);
        if (close + 1 < auth_end) {
            if (close[1] != ':') {
                *why = "expected ':' after the IPv6 address";
                return -1;
            }
            port_text = close + 2;
        }
    } else {
        const char *colon = memchr(p, ':', auth_len);
        host_len = colon ? (size_t)(colon - p) : auth_len;
        if (colon)
            port_text = colon + 1;
    }
    if (host_len == 0) {
        *why = "no host in the URL";
        return -1;
    }
    if (!copy_part(u->host, sizeof u->host, host, host_len)) {
        *why = "host name too long";
        return -1;
    }
    if (port_text) {
        long port = 0;
        const char *q = port_text;
        if (q == auth_end) {
            *why = "empty port after ':'";
            return -1;
        }
        for (; q < auth_end; q++) {
            if (*q < '0' || *q > '9' || port > 65535) {
                *why = "the port must be a number from 1 to 65535";
                return -1;
            }
            port = port * 10 + (*q - '0');
        }
        if (port < 1 || port > 65535) {
            *why = "the port must be a number from 1 to 65535";
            return -1;
        }
        u->port = (int)port;
    }
    if (!copy_part(u->target, sizeof u->target, auth_end, strlen(auth_end))) {
        *why = "path too long";
        return -1;
    }
    if (u->target[0] == '?') { /* "host:port?x=1": the path is "/" */
        if (strlen(u->target) + 1 >= sizeof u->target) {
            *why = "path too long";
            return -1;
        }
        memmove(u->target + 1, u->target, strlen(u->target) + 1);
        u->target[0] = '/';
    }
    return 0;
}
