/* url.h -- the URL argument of pushlab-client: "http://HOST:PORT/path",
 * "ws://...", "tcp://HOST:PORT" or a bare "HOST:PORT". */
#ifndef CLIENT_URL_H
#define CLIENT_URL_H

#include "pushlab.h"

#define URL_HOST_MAX 256

struct url {
    char scheme[8];               /* "http", "ws", "tcp"; "" when none was written */
    char host[URL_HOST_MAX];      /* a name or an address; IPv6 without its brackets */
    int port;                     /* 1..65535, or -1 when none was written */
    char target[MAX_TARGET_BYTES];/* path and query ("/poll?x=1"); "" when none */
};

/* Split text into *u.  0, or -1 with a reason in *why (a static string)
 * for an unknown scheme, an empty host, a bad port, or parts too long. */
int url_parse(const char *text, struct url *u, const char **why);

#endif
