/* dump.c -- items as human one-liners (--dump), in the spirit of
 * tcpdump's: fixed columns for time, flow, direction and type, then a
 * summary that says what the bytes were.
 *
 *     0.000412   1 c2s http_request  GET /poll?since=0 HTTP/1.1 (head 92 B)
 *
 * item_summary() is shared with the ncurses UI's list.
 */
#include "output/output.h"

#include <stdarg.h>
#include <string.h>

#include "proto/printable.h"

/* A bounded, always NUL-terminated line being written. */
struct line {
    char *buf;
    size_t cap, len;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
    if (l->len + 1 >= l->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < l->cap - l->len ? (size_t)n : l->cap - l->len - 1;
}

/* Text of a field, at most max bytes: UTF-8 characters as they are (a
 * terminal in a UTF-8 locale shows them), controls and bytes that are not
 * UTF-8 as escapes (\n, \x1b: printable_escape), so a line stays one line
 * and a '.' in the text is a '.'. */
static void put_text(struct line *l, const struct item *it, const char *name, size_t max)
{
    const struct item_field *f = item_field(it, name);
    if (!f || f->kind != FIELD_TEXT)
        return;
    size_t len;
    const unsigned char *s = (const unsigned char *)item_text(it, f, &len);
    size_t i = 0;
    while (i < len && i < max) {
        size_t n = printable_char_len(s + i, len - i);
        char esc[5];
        size_t shown = n ? n : printable_escape(s[i], esc);
        if (l->len + shown + 1 > l->cap || i + (n ? n : 1) > max)
            break;
        memcpy(l->buf + l->len, n ? (const char *)s + i : esc, shown);
        l->len += shown;
        i += n ? n : 1;
    }
    l->buf[l->len] = '\0';
    if (i < len)
        put(l, "...");
}

/* " name=value" for an integer, milliseconds or text field that is
 * present; for name and value pairs, how many. */
static void put_field(struct line *l, const struct item *it, const char *name, const char *label)
{
    const struct item_field *f = item_field(it, name);
    if (!f)
        return;
    switch (f->kind) {
    case FIELD_INT:
        put(l, " %s=%lld", label, (long long)f->v.i);
        break;
    case FIELD_MS:
        put(l, " %s=%.3fms", label, f->v.ms);
        break;
    case FIELD_TEXT:
        put(l, " %s=", label);
        put_text(l, it, name, 60);
        break;
    case FIELD_BOOL:
        if (f->v.b)
            put(l, " %s", label);
        break;
    case FIELD_PAIRS:
        put(l, " %s=%u", label, (unsigned)f->v.text.count);
        break;
    case FIELD_NULL:
        break;
    }
}

size_t item_summary(const struct item *it, char *out, size_t cap)
{
    struct line l = {out, cap, 0};
    if (cap)
        out[0] = '\0';
    switch (it->type) {
    case ITEM_FLOW:
        put_text(&l, it, "client", 64);
        put(&l, " > ");
        put_text(&l, it, "server", 64);
        put_field(&l, it, "technique", "technique");
        put_field(&l, it, "packets", "packets");
        put_field(&l, it, "bytes_c2s", "up");
        put_field(&l, it, "bytes_s2c", "down");
        put_field(&l, it, "handshake_rtt_ms", "handshake");
        break;
    case ITEM_TCP:
        put(&l, "[");
        put_text(&l, it, "flags", 32);
        put(&l, "]");
        put_field(&l, it, "seq", "seq");
        put_field(&l, it, "ack", "ack");
        put_field(&l, it, "len", "len");
        put_field(&l, it, "ack_rtt_ms", "ack_rtt");
        put_field(&l, it, "analysis", "!");
        put_field(&l, it, "analysis_more", "!+");
        put_field(&l, it, "dup_ack_num", "dup#");
        put_field(&l, it, "dup_ack_frame", "of_frame");
        put_field(&l, it, "truncated", "truncated");
        break;
    case ITEM_HTTP_REQUEST:
        put_text(&l, it, "method", 16);
        put(&l, " ");
        put_text(&l, it, "target", 80);
        put(&l, " ");
        put_text(&l, it, "version", 16);
        put_field(&l, it, "head_bytes", "head");
        put_field(&l, it, "cut", "cut");
        put_field(&l, it, "settings", "settings"); /* an h2c upgrade's HTTP2-Settings, decoded */
        break;
    case ITEM_HTTP_RESPONSE:
        put_text(&l, it, "version", 16);
        put(&l, " %lld ", (long long)item_int(it, "status", 0));
        put_text(&l, it, "reason", 40);
        put_field(&l, it, "head_bytes", "head");
        put_field(&l, it, "cut", "cut");
        put_field(&l, it, "response_ms", "after");
        put_field(&l, it, "technique", "technique");
        break;
    case ITEM_CHUNK:
        put_field(&l, it, "size", "size");
        put_field(&l, it, "text", "text");
        put_field(&l, it, "trailers", "trailers"); /* the last chunk's (their names and values: detail) */
        break;
    case ITEM_PART:
        put_field(&l, it, "size", "size");
        put_field(&l, it, "boundary", "boundary");
        put_field(&l, it, "text", "text");
        break;
    case ITEM_BODY:
        put_field(&l, it, "size", "size");
        put_field(&l, it, "content_length", "of"); /* a body the close cut short */
        put_field(&l, it, "lost", "lost");
        put_field(&l, it, "end", "end");
        put_field(&l, it, "coding", "coding");
        put_field(&l, it, "decoded_size", "decoded");
        put_field(&l, it, "text", "text");
        break;
    case ITEM_SSE_EVENT:
        put_field(&l, it, "id", "id");
        put_field(&l, it, "event", "event");
        put_field(&l, it, "retry", "retry");
        put_field(&l, it, "data", "data");
        break;
    case ITEM_SSE_COMMENT:
        put_field(&l, it, "bytes", "bytes");
        put_field(&l, it, "retry", "retry");
        put_field(&l, it, "text", "text");
        break;
    case ITEM_WS_FRAME:
        put_text(&l, it, "opcode_name", 16);
        put_field(&l, it, "fin", "fin");
        put_field(&l, it, "masked", "masked");
        put_field(&l, it, "mask_key", "key");
        put_field(&l, it, "len", "len");
        put_field(&l, it, "compressed", "deflated");
        put_field(&l, it, "inflated_len", "inflated");
        put_field(&l, it, "close_code", "code");
        put_field(&l, it, "pong_ms", "pong_after");
        put_field(&l, it, "payload", "payload");
        break;
    case ITEM_FLASH:
        put_text(&l, it, "kind", 16);
        put_field(&l, it, "text", "text");
        break;
    case ITEM_EVENT:
        put_field(&l, it, "seq", "seq");
        put_field(&l, it, "kind", "kind");
        put_field(&l, it, "latency_ms", "latency");
        put_field(&l, it, "text", "text");
        break;
    case ITEM_ERROR:
        put_text(&l, it, "what", 120);
        break;
    case ITEM_MESSAGE:
        put_text(&l, it, "library", 16);
        put(&l, " ");
        put_text(&l, it, "frame", 16);
        put_field(&l, it, "event", "event");
        put_field(&l, it, "ack_id", "ack");
        put_field(&l, it, "text", "text");
        break;
    case ITEM_TLS: /* "handshake server_hello len=80 ...", "application_data len=300" */
        put_text(&l, it, "record", 20);
        if (item_field(it, "handshake")) {
            put(&l, " ");
            put_text(&l, it, "handshake", 60);
        }
        put_field(&l, it, "len", "len");
        put_field(&l, it, "sni", "sni");
        put_field(&l, it, "alpn", "alpn");
        put_field(&l, it, "max_version", "offers");
        put_field(&l, it, "tls_version", "agreed");
        put_field(&l, it, "alert", "alert");
        put_field(&l, it, "hello_error", "error");
        break; /* the record's own version, the same on every record, is in the detail */
    case ITEM_HTTP2: /* "DATA stream=1 END_STREAM len=12 text=...", "HEADERS ... method=GET path=/" */
        put_text(&l, it, "frame", 16);
        put_field(&l, it, "stream", "stream");
        size_t flags_len = 0;
        if (item_text_of(it, "flags", &flags_len) && flags_len) {
            put(&l, " ");
            put_text(&l, it, "flags", 60);
        }
        put_field(&l, it, "len", "len");
        put_field(&l, it, "method", "method");
        put_field(&l, it, "path", "path");
        put_field(&l, it, "status", "status");
        put_field(&l, it, "response_ms", "after");
        put_field(&l, it, "technique", "technique");
        put_field(&l, it, "settings", "settings");
        put_field(&l, it, "increment", "increment");
        put_field(&l, it, "error_code", "error");
        put_field(&l, it, "last_stream", "last_stream");
        put_field(&l, it, "text", "text");
        break;
    case ITEM_JOINED: /* "technique=sse why=..." */
        put_field(&l, it, "technique", "technique");
        put_field(&l, it, "why", "why");
        break;
    case ITEM_CAPTURE_STATS:
        put_field(&l, it, "received", "received");
        put_field(&l, it, "dropped", "dropped");
        put_field(&l, it, "if_dropped", "if_dropped");
        break;
    case ITEM_TYPE_COUNT:
        break;
    }
    if (it->has_range && it->type != ITEM_TCP)
        put(&l, " @%llu", (unsigned long long)it->offset);
    if (l.len && out[0] == ' ') { /* summaries that begin with a field */
        memmove(out, out + 1, l.len);
        l.len--;
    }
    return l.len;
}

void output_dump(FILE *out, const struct item *it)
{
    char summary[512];
    item_summary(it, summary, sizeof summary);
    fprintf(out, "%11.6f %4u %-3s %-13s %s\n", it->t, it->flow, item_dir_name(it->dir),
            item_type_name(it->type), summary);
}
