/* fuzz_filter.c -- libFuzzer target for the display filter language.
 *
 * The input up to its first NUL byte is an expression; the bytes after it
 * are a WebSocket payload.  Checks, on arbitrary bytes:
 *   - filter_compile either compiles or refuses with a message and a
 *     position inside the expression (never past its end);
 *   - a compiled filter gives back its text, and evaluates against a
 *     request, a frame carrying the payload and a flow item, with and
 *     without flow facts, without reading outside them;
 *   - compiling the same text twice gives the same answers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"

#include "fuzz_check.h"


static unsigned answers(const struct filter *f, const struct item *const *its, size_t n,
                        const struct filter_flow *ff)
{
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++) {
        bits = bits << 2 | (unsigned)filter_match(f, its[i], NULL) << 1 | (unsigned)filter_match(f, its[i], ff);
    }
    return bits;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * FILTER_MAX)
        return 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t elen = nul ? (size_t)(nul - data) : size;
    char *expr = malloc(elen + 1);
    if (!expr)
        return 0;
    memcpy(expr, data, elen);
    expr[elen] = '\0';
    const uint8_t *payload = nul ? nul + 1 : data + size;
    size_t plen = (size_t)(data + size - payload);

    static struct item_builder b1, b2, b3;
    struct item *req = item_start(&b1, ITEM_HTTP_REQUEST, 1, DIR_C2S, 0);
    item_add_str(req, "method", "GET");
    item_add_str(req, "target", "/events?x=1");
    item_add_pairs(req, "headers");
    item_pairs_append(req, "Last-Event-ID", 13, payload, plen);
    struct item *ws = item_start(&b2, ITEM_WS_FRAME, 2, DIR_S2C, 0);
    item_set_range(ws, 0, plen);
    item_add_int(ws, "opcode", 1);
    item_add_text(ws, "payload", payload, plen);
    struct item *flow = item_start(&b3, ITEM_FLOW, 3, DIR_NONE, 0);
    item_add_text(flow, "client", payload, plen); /* hostile "ip:port" too */
    item_add_str(flow, "server", "[::1]:8007");
    const struct item *its[] = {req, ws, flow};
    const struct filter_flow ff = {"sse", "127.0.0.1:5", ":"};

    struct filter_error err;
    struct filter *f = filter_compile(expr, &err);
    if (!f) {
        CHECK(err.message[0]);
        CHECK(err.pos <= elen || elen > FILTER_MAX);
        CHECK(err.len >= 1);
    } else {
        CHECK(strcmp(filter_text(f), expr) == 0);
        unsigned a = answers(f, its, 3, &ff);
        struct filter *g = filter_compile(expr, &err);
        CHECK(g != NULL);
        CHECK(answers(g, its, 3, &ff) == a);
        filter_free(g);
        filter_free(f);
    }
    free(expr);
    return 0;
}
