/* xhr.c -- pushlab-xhr: XHR streaming, one response read while it arrives.
 *
 * A script reads a response that never ends, piece by piece: XHR's
 * onprogress hands it responseText as it grows, fetch() hands it a
 * ReadableStream.  Two ways to say where one event ends:
 *
 *   GET /stream[?since=SEQ]     -> chunked application/x-ndjson:
 *     one JSON object per line, one chunk per line.  The chunk boundaries
 *     are how HTTP/1.1 frames a body of unknown length (RFC 9112 §7.1);
 *     the reader splits on the newlines, since proxies may re-chunk.
 *
 *   GET /multipart[?since=SEQ]  -> multipart/x-mixed-replace (RFC 2046 §5.1):
 *     one application/json part per event, each starting with the
 *     boundary line.  Netscape's "server push" of 1995, meant to replace
 *     an image with each new part; the boundary frames the body itself, so
 *     it needs no chunked coding and runs until the connection closes.
 *
 * X-Content-Type-Options: nosniff, because a browser that sniffs the type
 * holds the first bytes back until it has seen enough of them.
 */
#include <stdio.h>

#include "lab/peer.h"
#include "lab/server.h"
#include "lab/stream.h"
#include "pushlab.h"
#include "servers/stdio_sinks.h"

#define BOUNDARY "pushlab-event"

/* NDJSON: the event object and a newline. */
static size_t format_line(char *out, size_t cap, const struct hub_event *ev)
{
    int n = snprintf(out, cap, "%.*s\n", (int)ev->json_len, ev->json);
    return n < 0 ? 0 : (size_t)n;
}

/* A multipart part: delimiter, part headers, blank line, the event, and
 * the CRLF that belongs to the next delimiter.  Content-Length lets the
 * reader take the part without searching for the boundary. */
static size_t format_part(char *out, size_t cap, const struct hub_event *ev)
{
    int n = snprintf(out, cap,
                     "--" BOUNDARY "\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: %zu\r\n"
                     "\r\n"
                     "%.*s\r\n",
                     ev->json_len, (int)ev->json_len, ev->json);
    return n < 0 ? 0 : (size_t)n;
}

/* Each event framed once per format, shared by its streams (lab/framed.h). */
static struct framed ndjson_framed, multipart_framed;

static const struct stream_format ndjson_format = {
    .content_type = "application/x-ndjson",
    .headers = "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
    .chunked = true,
    .event = format_line,
    .shared = &ndjson_framed,
};

static const struct stream_format multipart_format = {
    .content_type = "multipart/x-mixed-replace; boundary=" BOUNDARY,
    .headers = "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
    .chunked = false,
    .event = format_part,
    .shared = &multipart_framed,
};

/* GET /stream or /multipart: the skeleton has checked the path and the
 * method. */
static void xhr_request(struct peer *p, const struct http_request *req)
{
    const struct stream_format *format =
        slice_eq(req->path, "/multipart") ? &multipart_format : &ndjson_format;
    uint64_t since;
    if (stream_since_param(p, req, &since))
        stream_open(p, format, NULL, 0, since, 0);
}

static const struct technique_path xhr_paths[] = {{"/stream", "GET"}, {"/multipart", "GET"}, {0}};

static const struct technique xhr_technique = {
    .name = "xhr",
    .summary = "XHR streaming: one long response read progressively (NDJSON or multipart).",
    .default_port = PORT_XHR,
    .page = "/xhr.html",
    .endpoints = "  GET  /stream[?since=SEQ]     chunked application/x-ndjson, a line per event\n"
                 "  GET  /multipart[?since=SEQ]  multipart/x-mixed-replace, a part per event\n",
    .paths = xhr_paths,
    .request = xhr_request,
};

int main(int argc, char **argv)
{
    return server_main(argc, argv, &xhr_technique, &stdio_sinks);
}
