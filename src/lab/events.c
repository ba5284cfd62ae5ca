/* events.c -- a run of backlog events as a JSON array (see events.h). */
#include "lab/events.h"

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

bool events_since_param(struct peer *p, const struct http_request *req, uint64_t *since)
{
    char text[24];
    long n = http_query_get(req->query, "since", text, sizeof text);
    *since = 0;
    if (n == HTTP_QUERY_ABSENT)
        return true;
    char *end = text;
    if (n > 0 && text[0] >= '0' && text[0] <= '9')
        *since = strtoull(text, &end, 10);
    if (n <= 0 || end == text || *end != '\0') {
        http_error(p, 400, "since must be a whole number (the last seq you saw)");
        return false;
    }
    return true;
}
