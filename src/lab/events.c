/* events.c -- a run of backlog events as a JSON array (see events.h). */
#include "lab/events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *events_json_array(const struct hub *hub, uint64_t since, const char *prefix,
                        const char *suffix, size_t *len)
{
    uint64_t lost;
    uint64_t first = hub_resume(hub, since, &lost);
    uint64_t last = hub_last_seq(hub);
    size_t need = strlen(prefix) + strlen(suffix) + 2;
    for (uint64_t seq = first; seq <= last; seq++)
        need += hub_get(hub, seq)->json_len + 1;
    char *out = malloc(need);
    if (!out)
        return NULL;
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    out[n++] = '[';
    for (uint64_t seq = first; seq <= last; seq++) {
        const struct hub_event *ev = hub_get(hub, seq);
        if (seq != first)
            out[n++] = ',';
        memcpy(out + n, ev->json, ev->json_len);
        n += ev->json_len;
    }
    out[n++] = ']';
    memcpy(out + n, suffix, strlen(suffix));
    n += strlen(suffix);
    *len = n;
    return out;
}

void events_respond(struct peer *p, uint64_t since, const char *content_type,
                    const char *prefix, const char *suffix)
{
    size_t len;
    char *body = events_json_array(p->server->hub, since, prefix, suffix, &len);
    if (!body) {
        http_error(p, 503, "out of memory");
        return;
    }
    http_respond(p, 200, content_type, "Cache-Control: no-store\r\n", body, len);
    free(body);
}

bool events_parse_seq(const char *text, size_t len, uint64_t *seq)
{
    if (len == 0 || text[0] < '0' || text[0] > '9')
        return false; /* strtoull would take a sign or leading space */
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end != text + len)
        return false;
    *seq = v;
    return true;
}

bool events_since_param(struct peer *p, const struct http_request *req, uint64_t *since)
{
    char text[24];
    long n = http_query_get(req->query, "since", text, sizeof text);
    *since = 0;
    if (n == HTTP_QUERY_ABSENT)
        return true;
    if (n <= 0 || !events_parse_seq(text, (size_t)n, since)) {
        http_error(p, 400, "since must be a whole number (the last seq you saw)");
        return false;
    }
    *since = hub_since(p->server->hub, *since);
    return true;
}
