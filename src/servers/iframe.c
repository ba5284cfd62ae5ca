/* iframe.c -- pushlab-iframe: iframe streaming, the "forever frame".
 *
 * The demo page holds a hidden <iframe src="/stream">.  The server answers
 * with an HTML document that never ends: browsers run each <script> as
 * soon as it has arrived, even while the page is still loading, so every
 * event is sent as one more script that calls into the parent page:
 *
 *   GET /stream[?since=SEQ]  -> chunked text/html:
 *     a prelude (document head and padding), then one chunk per event:
 *     <script>parent.push({"seq":...});</script>
 *
 * It worked in every browser of the 2000s, with no XHR at all.  Its faults
 * are what the next techniques fixed: the page shows as "loading" forever,
 * each event carries script tags, errors cannot be seen, and the document
 * keeps growing.  Old Internet Explorer clicked and spun its throbber for
 * as long as the frame loaded; Gmail's chat hid that by putting the frame
 * in an ActiveXObject("htmlfile") -- an invisible document outside the
 * window -- the "htmlfile trick".
 *
 * The event JSON escapes '<', '>' and '&' (proto/event.h), so no chat text
 * can close the script element early and inject markup.
 */
#include <stdio.h>
#include <string.h>

#include "lab/peer.h"
#include "lab/server.h"
#include "lab/stream.h"
#include "pushlab.h"
#include "servers/stdio_sinks.h"

#define PRELUDE_HEAD                                                                   \
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"                            \
    "<title>pushlab iframe stream</title></head>\n<body>\n<!-- padding"
#define PRELUDE_TAIL "-->\n"

/* The program's state. */
static struct {
    /* Sent first on every stream: the document head, then padding.  Why
     * pad: browsers do not start parsing (and running scripts in) a page
     * whose first bytes are few -- old IE waited for 256 bytes, Safari and
     * Chrome sniff up to 1024 bytes to decide what the document is -- so
     * without the padding the first events would sit in the browser's
     * buffer until enough others had followed. */
    char prelude[sizeof PRELUDE_HEAD + IFRAME_PADDING_BYTES + sizeof PRELUDE_TAIL];
    size_t prelude_len;
} iframe;

static int iframe_start(struct server *s)
{
    (void)s;
    size_t n = strlen(PRELUDE_HEAD);
    memcpy(iframe.prelude, PRELUDE_HEAD, n);
    memset(iframe.prelude + n, ' ', IFRAME_PADDING_BYTES);
    n += IFRAME_PADDING_BYTES;
    memcpy(iframe.prelude + n, PRELUDE_TAIL, strlen(PRELUDE_TAIL));
    iframe.prelude_len = n + strlen(PRELUDE_TAIL);
    return 0;
}

/* One event: a script that hands it to the parent page's push(). */
static size_t format_event(char *out, size_t cap, const struct hub_event *ev)
{
    int n = snprintf(out, cap, "<script>parent.push(%.*s);</script>\n", (int)ev->json_len,
                     ev->json);
    return n < 0 ? 0 : (size_t)n;
}

/* Each event framed once, shared by every stream (lab/framed.h). */
static struct framed iframe_framed;

static const struct stream_format iframe_format = {
    .content_type = "text/html; charset=utf-8",
    .headers = "Cache-Control: no-store\r\n",
    .chunked = true,
    .event = format_event,
    .shared = &iframe_framed,
};

/* GET /stream: the skeleton has checked the path and the method. */
static void iframe_request(struct peer *p, const struct http_request *req)
{
    uint64_t since;
    if (stream_since_param(p, req, &since))
        stream_open(p, &iframe_format, iframe.prelude, iframe.prelude_len, since, 0);
}

static const struct technique_path iframe_paths[] = {{"/stream", "GET"}, {0}};

static const struct technique iframe_technique = {
    .name = "iframe",
    .summary = "Iframe streaming: a hidden frame loads a never-ending page of <script> chunks.",
    .default_port = PORT_IFRAME,
    .page = "/iframe.html",
    .endpoints = "  GET  /stream[?since=SEQ]  chunked text/html, one <script> per event\n",
    .start = iframe_start,
    .paths = iframe_paths,
    .request = iframe_request,
};

int main(int argc, char **argv)
{
    return server_main(argc, argv, &iframe_technique, &stdio_sinks);
}
