/* detail.c -- the detail pane: one item, field by field, with notes.
 *
 * The notes are the lab's teaching: what an Upgrade header asks for, why
 * a poll says Cache-Control: no-cache, how a WebSocket frame encoded its
 * length.  The Sec-WebSocket-Accept check is recomputed here with the
 * same codec the server uses (ws_accept_for_key, RFC 6455 §4.2.2): the
 * accept value is base64(SHA-1(key + GUID)) of the request's key in the
 * same flow.  Everything else is read from the items' fields.
 */
#include "ui/detail.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "proto/hex.h"
#include "proto/ws.h"

/* ---- helpers that add one line ---- */

static void label(struct ui_lines *l, const char *name)
{
    ui_lines_new(l);
    ui_lines_addf(l, ui_attr(ROLE_HEADING) & ~A_UNDERLINE, "%-10s ", name);
}

static void note(struct ui_lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct ui_lines *l, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ui_lines_new(l);
    ui_lines_addf(l, ui_attr(ROLE_NOTE), "           | %s", buf);
}

/* A field's text as a line: "name  value". */
static void text_line(struct ui_lines *l, const struct item *it, const char *field, const char *name)
{
    const struct item_field *f = item_field(it, field);
    if (!f)
        return;
    label(l, name);
    size_t len;
    if (f->kind == FIELD_TEXT) {
        const char *s = item_text(it, f, &len);
        ui_lines_add(l, A_NORMAL, s, len);
    } else if (f->kind == FIELD_INT) {
        ui_lines_addf(l, A_NORMAL, "%lld", (long long)f->v.i);
    } else if (f->kind == FIELD_MS) {
        ui_lines_addf(l, A_NORMAL, "%.3f ms", f->v.ms);
    } else if (f->kind == FIELD_BOOL) {
        ui_lines_addf(l, A_NORMAL, "%s", f->v.b ? "yes" : "no");
    } else if (f->kind == FIELD_NULL) {
        ui_lines_str(l, ui_attr(ROLE_DIM), "(none)");
    }
}

/* Long text (a payload, SSE data) split over lines of at most 64
 * columns, never inside a character or an escape, and at its own
 * newlines, so a student can read it. */
static void block(struct ui_lines *l, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const char *end = memchr(s + i, '\n', len - i);
        size_t line = end ? (size_t)(end - (s + i)) : len - i;
        size_t n = ui_fit(s + i, line, 64);
        if (n == 0 && line > 0)
            n = 1; /* (64 columns hold any character or escape) */
        bool newline = n == line && end;
        ui_lines_new(l);
        ui_lines_str(l, A_NORMAL, "           ");
        ui_lines_add(l, ui_attr(ROLE_HEX_PAYLOAD), s + i, n + (newline ? 1 : 0));
        i += n + (newline ? 1 : 0);
    }
}

/* A sentence or two for people, as note lines of at most 64 columns,
 * broken between words as the status line's notices are (ui_wrap). */
static void prose(struct ui_lines *l, const char *s)
{
    size_t len = strlen(s), next;
    while (len > 0) {
        size_t n = ui_wrap(s, len, 64, &next);
        if (next == 0)
            break; /* (nothing fits: cannot happen in 64 columns) */
        note(l, "%.*s", (int)n, s);
        s += next;
        len -= next;
    }
}

static bool text_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

static bool text_has(const char *s, size_t len, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= len; i++)
        if (strncasecmp(s + i, word, w) == 0)
            return true;
    return false;
}

/* ---- HTTP ---- */

/* The Sec-WebSocket-Key of the request this response answers: the latest
 * request in the flow before it. */
static bool request_key(struct ui *ui, const struct item *resp, char *key, size_t cap)
{
    struct ui_flow *f = ui_model_flow(&ui->model, resp->flow);
    if (!f)
        return false;
    for (size_t i = f->items.n; i-- > 0;) {
        const struct item *it = ui->model.items[f->items.v[i]];
        if (it->type != ITEM_HTTP_REQUEST || it->t > resp->t)
            continue;
        const struct item_field *h = item_field(it, "headers");
        const char *n, *v;
        size_t nl, vl;
        for (uint32_t k = 0; h && item_pair(it, h, k, &n, &nl, &v, &vl); k++)
            if (text_is(n, nl, "Sec-WebSocket-Key") && vl < cap) {
                memcpy(key, v, vl);
                key[vl] = '\0';
                return true;
            }
        return false;
    }
    return false;
}

/* A header or trailer line, name: value, as the head has it. */
static void field_line(struct ui_lines *l, const char *n, size_t nl, const char *v, size_t vl)
{
    ui_lines_new(l);
    ui_lines_add(l, ui_attr(ROLE_HEX_HEAD), n, nl);
    ui_lines_str(l, A_NORMAL, ": ");
    ui_lines_add(l, A_NORMAL, v, vl);
}

/* An h2c upgrade's HTTP2-Settings field: what its base64url says, one
 * setting a line, from the request's `settings` (dissect/h2c_settings.c). */
static void http2_settings_note(struct ui_lines *l, const struct item *it)
{
    size_t len;
    const char *s = item_text_of(it, "settings", &len);
    if (!len) { /* (the error item after the request says why) */
        note(l, "the client's first SETTINGS frame in base64url (RFC 7540 §3.2.1): not decoded");
        return;
    }
    note(l, "the client's first SETTINGS frame, its payload in base64url (RFC 7540 §3.2.1):");
    while (len) {
        const char *comma = memchr(s, ',', len);
        size_t one = comma ? (size_t)(comma - s) : len;
        note(l, "  %.*s", (int)one, s);
        s += one + (comma ? 1 : 0);
        len -= one + (comma ? 1 : 0);
    }
}

static void header_note(struct ui *ui, struct ui_lines *l, const struct item *it, const char *n,
                        size_t nl, const char *v, size_t vl)
{
    if (text_is(n, nl, "Upgrade"))
        note(l, "asks to switch this connection to another protocol (RFC 9110 §7.8)");
    else if (text_is(n, nl, "HTTP2-Settings"))
        http2_settings_note(l, it);
    else if (text_is(n, nl, "Connection"))
        note(l, text_has(v, vl, "upgrade") ? "must name Upgrade for the switch to happen"
                : text_has(v, vl, "close") ? "the connection ends after this message"
                                           : "hop-by-hop options of this connection");
    else if (text_is(n, nl, "Sec-WebSocket-Key"))
        note(l, "16 random bytes in base64; the server proves it read them (RFC 6455 §4.1)");
    else if (text_is(n, nl, "Sec-WebSocket-Version"))
        note(l, "13 is the version RFC 6455 defines");
    else if (text_is(n, nl, "Sec-WebSocket-Accept")) {
        char key[128], accept[29];
        if (!request_key(ui, it, key, sizeof key)) {
            note(l, "base64(SHA-1(key + GUID)); the request's key was not captured");
            return;
        }
        ws_accept_for_key(key, strlen(key), accept);
        note(l, "= base64(SHA-1(\"%s\" + \"%s\"))", key, WS_GUID);
        bool ok = strlen(accept) == vl && memcmp(accept, v, vl) == 0;
        ui_lines_new(l);
        ui_lines_addf(l, ui_attr(ok ? ROLE_GOOD : ROLE_ERROR), "           | = %s  %s", accept,
                      ok ? "matches: the server read the key" : "DOES NOT MATCH: a client must fail the connection");
    } else if (text_is(n, nl, "Transfer-Encoding"))
        note(l, text_has(v, vl, "chunked")
                    ? "chunked: size-prefixed pieces, no length known ahead; the stream can stay open"
                    : "how the body is encoded for transfer (RFC 9112 §6.1)");
    else if (text_is(n, nl, "Content-Type")) {
        if (text_has(v, vl, "text/event-stream"))
            note(l, "an event stream: Server-Sent Events follow (WHATWG HTML §9.2)");
        else if (text_has(v, vl, "multipart/x-mixed-replace"))
            note(l, "each part replaces the one before: one part per event");
        else if (text_has(v, vl, "javascript"))
            note(l, "JSONP: the body is a call of the page's callback with the data");
        else if (text_has(v, vl, "ndjson"))
            note(l, "one JSON object per line, read as the response streams in");
        else if (text_has(v, vl, "text/html"))
            note(l, "HTML; streamed, each <script> chunk runs as it arrives (forever frame)");
        else
            note(l, "the media type of the body");
    } else if (text_is(n, nl, "Content-Length"))
        note(l, "the body is exactly this many bytes, then the message ends");
    else if (text_is(n, nl, "Cache-Control"))
        note(l, "no-cache / no-store: no cache may answer a poll with an old response");
    else if (text_is(n, nl, "Last-Event-ID"))
        note(l, "an SSE reconnection: the server resumes after this event id");
    else if (text_is(n, nl, "Accept") && text_has(v, vl, "text/event-stream"))
        note(l, "an EventSource asks for an event stream");
    else if (text_is(n, nl, "X-Content-Type-Options"))
        note(l, "nosniff: the browser takes Content-Type as sent, without guessing");
    else if (text_is(n, nl, "Origin"))
        note(l, "the page that opened the connection; servers check it against cross-site use");
}

static void http_detail(struct ui *ui, struct ui_lines *l, const struct item *it)
{
    size_t len;
    const struct item_field *f;
    ui_lines_new(l);
    if (it->type == ITEM_HTTP_REQUEST) {
        const char *fields[] = {"method", "target", "version"};
        for (int i = 0; i < 3; i++)
            if ((f = item_field(it, fields[i])) && f->kind == FIELD_TEXT) {
                const char *s = item_text(it, f, &len);
                ui_lines_add(l, A_BOLD, s, len);
                ui_lines_str(l, A_BOLD, i < 2 ? " " : "");
            }
    } else {
        if ((f = item_field(it, "version")) && f->kind == FIELD_TEXT) {
            const char *s = item_text(it, f, &len);
            ui_lines_add(l, A_BOLD, s, len);
        }
        long long status = (long long)item_int(it, "status", 0);
        ui_lines_addf(l, A_BOLD, " %lld ", status);
        if ((f = item_field(it, "reason")) && f->kind == FIELD_TEXT) {
            const char *s = item_text(it, f, &len);
            ui_lines_add(l, A_BOLD, s, len);
        }
        if (status == 101)
            note(l, "Switching Protocols: from the next byte on, the connection speaks the protocol Upgrade names");
        else if (status == 204)
            note(l, "No Content: accepted, nothing to say");
    }
    const struct item_field *h = item_field(it, "headers");
    const char *n, *v;
    size_t nl, vl;
    for (uint32_t k = 0; h && item_pair(it, h, k, &n, &nl, &v, &vl); k++) {
        field_line(l, n, nl, v, vl);
        header_note(ui, l, it, n, nl, v, vl);
    }
    label(l, "head");
    const struct item_field *cut = item_field(it, "cut");
    if (cut && cut->kind == FIELD_BOOL && cut->v.b)
        ui_lines_addf(l, A_NORMAL, "%lld bytes came, the rest was lost in a capture gap",
                      (long long)item_int(it, "head_bytes", 0));
    else
        ui_lines_addf(l, A_NORMAL, "%lld bytes of request line / status line and headers",
                      (long long)item_int(it, "head_bytes", 0));
    const struct item_field *rt = item_field(it, "response_ms");
    if (rt && rt->kind == FIELD_MS) {
        label(l, "answered");
        ui_lines_addf(l, A_NORMAL, "%.3f ms after the request was sent", rt->v.ms);
    }
    const struct item_field *lib = item_field(it, "library");
    const struct item_field *session = item_field(it, "session");
    if (lib && lib->kind == FIELD_TEXT) {
        const char *s = item_text(it, lib, &len);
        label(l, "library");
        ui_lines_add(l, A_NORMAL, s, len);
        if (session && session->kind == FIELD_TEXT) {
            s = item_text(it, session, &len);
            ui_lines_str(l, A_NORMAL, "  session ");
            ui_lines_add(l, A_BOLD, s, len);
            ui_lines_str(l, ui_attr(ROLE_DIM), "  (the same on every connection of the session)");
        }
    }
    long long exchange = (long long)item_int(it, "exchange", 0);
    if (exchange > 0) {
        label(l, "exchange");
        ui_lines_addf(l, A_NORMAL, "%lld of this connection", exchange);
    }
    /* The exchange's technique, and why classify_exchange named it so. */
    const struct item_field *tech = item_field(it, "technique");
    const struct item_field *why = item_field(it, "why");
    if (tech && tech->kind == FIELD_TEXT) {
        char name[16];
        const char *s = item_text(it, tech, &len);
        snprintf(name, sizeof name, "%.*s", (int)len, s);
        label(l, "technique");
        ui_lines_addf(l, ui_badge_attr(name), " %s ", name);
        if (why && why->kind == FIELD_TEXT) {
            s = item_text(it, why, &len);
            ui_lines_str(l, A_NORMAL, "  why: ");
            ui_lines_add(l, A_NORMAL, s, len);
        }
    }
}

/* ---- WebSocket ---- */

static const char *length_encoding(long long header_len, bool masked)
{
    switch (header_len - (masked ? 4 : 0)) {
    case 2:
        return "7-bit length in the second byte (0-125)";
    case 4:
        return "126, then a 16-bit length";
    case 10:
        return "127, then a 64-bit length";
    default:
        return "?";
    }
}

/* Is a continuation frame's payload the hex that dissect/ws.c writes for
 * binary data (pairs of lowercase digits), or text?  The item does not
 * say which kind of message the frame continues, so the shape decides.
 * (Every byte is looked at: text that only starts like hex, "cafe bar",
 * is text, and hex_byte is never handed a byte that is not a digit.) */
static bool payload_is_hex(const char *s, size_t len)
{
    if (len == 0 || len % 2 != 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (hex_digit_value((unsigned char)s[i]) < 0 || (s[i] >= 'A' && s[i] <= 'F'))
            return false;
    return true;
}

/* The byte that two hex digits of a mask key or a binary payload, as
 * pushviz writes them, stand for. */
static uint8_t hex_byte(const char *two)
{
    return (uint8_t)(hex_digit_value((unsigned char)two[0]) << 4 | hex_digit_value((unsigned char)two[1]));
}

static void ws_detail(struct ui_lines *l, const struct item *it)
{
    const struct item_field *f;
    bool fin = (f = item_field(it, "fin")) && f->kind == FIELD_BOOL && f->v.b;
    bool masked = (f = item_field(it, "masked")) && f->kind == FIELD_BOOL && f->v.b;
    long long opcode = (long long)item_int(it, "opcode", 0), rsv = (long long)item_int(it, "rsv", 0);
    long long len = (long long)item_int(it, "len", 0), header_len = (long long)item_int(it, "header_len", 0);
    label(l, "FIN");
    ui_lines_addf(l, A_NORMAL, "%d  %s", fin, fin ? "the last frame of its message" : "more fragments follow");
    bool compressed = (f = item_field(it, "compressed")) && f->kind == FIELD_BOOL && f->v.b;
    const struct item_field *inflated = item_field(it, "inflated_len");
    bool inflated_known = inflated && inflated->kind == FIELD_INT;
    label(l, "RSV1-3");
    ui_lines_addf(l, A_NORMAL, "%lld%lld%lld  %s", rsv >> 2 & 1, rsv >> 1 & 1, rsv & 1,
                  compressed ? "RSV1: a permessage-deflate message (RFC 7692 §6)"
                  : rsv ? "set: only an extension may do that" : "no extension in use");
    label(l, "opcode");
    size_t nlen = 0;
    const char *name = (f = item_field(it, "opcode_name")) && f->kind == FIELD_TEXT ? item_text(it, f, &nlen) : "";
    ui_lines_addf(l, A_NORMAL, "0x%llx ", opcode);
    ui_lines_add(l, A_BOLD, name, nlen);
    if (opcode >= 8)
        ui_lines_str(l, ui_attr(ROLE_NOTE), "  (a control frame: at most 125 bytes, never fragmented)");
    label(l, "MASK");
    ui_lines_addf(l, A_NORMAL, "%d  %s", masked,
                  masked ? "client frames are masked (RFC 6455 §5.3)" : "server frames are never masked");
    label(l, "length");
    ui_lines_addf(l, A_NORMAL, "%lld  (%s; %lld-byte header)", len, length_encoding(header_len, masked),
                  header_len);
    text_line(l, it, "mask_key", "mask key");
    const struct item_field *code = item_field(it, "close_code");
    if (code) {
        text_line(l, it, "close_code", "close code");
        text_line(l, it, "close_reason", "reason");
    }
    text_line(l, it, "pong_ms", "pong after");
    if (compressed) {
        label(l, "deflate");
        if (inflated_known && inflated->v.i > 0)
            ui_lines_addf(l, A_NORMAL, "%lld bytes on the wire -> %lld inflated (%.1f%% of it; %lld saved)",
                          len, (long long)inflated->v.i, 100.0 * (double)len / (double)inflated->v.i,
                          (long long)inflated->v.i - len);
        else if (inflated_known)
            ui_lines_addf(l, A_NORMAL, "%lld bytes on the wire -> nothing (the end of a message)", len);
        else
            ui_lines_addf(l, A_NORMAL, "%lld compressed bytes that could not be inflated", len);
    }
    const struct item_field *p = item_field(it, "payload");
    if (!p || p->kind != FIELD_TEXT)
        return;
    size_t plen;
    const char *s = item_text(it, p, &plen);
    bool text = opcode == 1 || (opcode == 0 && !payload_is_hex(s, plen));
    long long shown_of = compressed && inflated_known ? (long long)inflated->v.i : len;
    label(l, compressed && inflated_known ? "inflated" : masked ? "unmasked" : "payload");
    ui_lines_addf(l, A_NORMAL, "%s, %zu of %lld bytes shown:", text ? "text" : "binary, in hex",
                  text ? plen : plen / 2, shown_of);
    block(l, s, plen);
    if (!masked || compressed)
        return; /* (inflated bytes were never XORed on the wire as they are shown) */
    /* What the same bytes looked like on the wire: payload XOR key. */
    const struct item_field *k = item_field(it, "mask_key");
    size_t klen;
    const char *ks = k && k->kind == FIELD_TEXT ? item_text(it, k, &klen) : "";
    if (!k || k->kind != FIELD_TEXT || klen != 8)
        return;
    uint8_t key[4];
    for (int i = 0; i < 4; i++)
        key[i] = hex_byte(ks + 2 * i);
    label(l, "on wire");
    size_t n = text ? plen : plen / 2;
    for (size_t i = 0; i < n && i < 16; i++) {
        uint8_t b = text ? (uint8_t)s[i] : hex_byte(s + 2 * i);
        ui_lines_addf(l, ui_attr(ROLE_HEX_FRAMING), "%02x ", b ^ key[i % 4]);
    }
    ui_lines_str(l, ui_attr(ROLE_DIM), n > 16 ? "..." : "");
    note(l, "byte i on the wire = payload byte i XOR key[i %% 4]");
}

/* ---- the other item types ---- */

static void events_inside(struct ui *ui, struct ui_lines *l, const struct item *msg)
{
    /* pushlab events whose bytes lie inside this message's range */
    struct ui_flow *f = ui_model_flow(&ui->model, msg->flow);
    if (!f || !msg->has_range || msg->type == ITEM_EVENT)
        return;
    for (size_t i = 0; i < f->items.n; i++) {
        const struct item *ev = ui->model.items[f->items.v[i]];
        if (ev->type != ITEM_EVENT || ev->dir != msg->dir || !ev->has_range ||
            ev->offset < msg->offset || ev->offset >= msg->offset + msg->length)
            continue;
        const struct item_field *lat = item_field(ev, "latency_ms");
        label(l, "event");
        ui_lines_addf(l, ui_attr(ROLE_NOTE), "pushlab event seq=%lld delivered %.3f ms after the server made it",
                      (long long)item_int(ev, "seq", 0), lat && lat->kind == FIELD_MS ? lat->v.ms : 0.0);
    }
}

static void event_detail(struct ui_lines *l, const struct item *it)
{
    text_line(l, it, "seq", "seq");
    text_line(l, it, "kind", "kind");
    text_line(l, it, "text", "text");
    long long ts = (long long)item_int(it, "ts", 0);
    time_t secs = (time_t)(ts / 1000);
    struct tm tm;
    char when[64] = "?";
    if (gmtime_r(&secs, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    label(l, "made");
    ui_lines_addf(l, A_NORMAL, "%s.%03lld UTC (ts %lld, server clock)", when, ts % 1000, ts);
    text_line(l, it, "latency_ms", "latency");
    note(l, "capture time of the packet that completed the event minus its ts");
}

/* What each TCP analysis flag of a segment tells (the names are
 * Wireshark's tcp.analysis flags), one short line each. */
static const struct {
    const char *name;
    const char *what;
} tcp_analysis_text[] = {
    {"retransmission", "bytes sent before: the first copy was lost, or its ACK was slow"},
    {"fast_retransmission", "resent where duplicate ACKs asked, without waiting for the timer"},
    {"spurious_retransmission", "resent though the receiver had acknowledged them: for nothing"},
    {"out_of_order", "came after bytes that follow it: overtaken on the way"},
    {"previous_segment_not_captured", "starts past the bytes seen so far: one before it was lost"},
    {"ack_lost_segment", "acknowledges bytes of the peer the capture never saw (or not in order)"},
    {"reused_ports", "a SYN on the ports of an earlier connection: a new connection starts"},
    {"keep_alive", "one old byte or none: asks an idle peer for an ACK (RFC 9293 3.8.4)"},
    {"keep_alive_ack", "the ACK that answers a keep-alive"},
    {"zero_window_probe", "one byte sent into a closed window, to learn when it opens"},
    {"zero_window_probe_ack", "the answer to a zero-window probe: the window is still closed"},
    {"duplicate_ack", "the same ACK again: data past a hole arrived; after 3 the sender resends"},
    {"zero_window", "window 0: the receiver's buffer is full (a slow reader); the sender waits"},
    {"window_full", "ends at the edge of the window offered: no more until the peer ACKs"},
    {"window_update", "the same ACK with a new window: the reader made room"},
};

/* The notes for the flags in `analysis` and the comma-separated
 * `analysis_more`. */
static void tcp_analysis_notes(struct ui_lines *l, const struct item *it)
{
    size_t len, more_len;
    const char *first = item_text_of(it, "analysis", &len);
    const char *more = item_text_of(it, "analysis_more", &more_len);
    if (!len)
        return;
    note(l, "TCP analysis, as Wireshark's tcp.analysis flags name it:");
    for (size_t i = 0; i < sizeof tcp_analysis_text / sizeof tcp_analysis_text[0]; i++) {
        const char *name = tcp_analysis_text[i].name;
        size_t n = strlen(name);
        bool has = (len == n && memcmp(first, name, n) == 0);
        for (size_t at = 0; !has && at < more_len;) { /* one name of more per turn */
            const char *comma = memchr(more + at, ',', more_len - at);
            size_t end = comma ? (size_t)(comma - more) : more_len;
            has = end - at == n && memcmp(more + at, name, n) == 0;
            at = end + 1;
        }
        if (has)
            note(l, "%s: %s", name, tcp_analysis_text[i].what);
    }
    if (item_field(it, "dup_ack_num"))
        note(l, "duplicate number %lld of the ACK in frame %lld", (long long)item_int(it, "dup_ack_num", 0),
             (long long)item_int(it, "dup_ack_frame", 0));
}

static void generic_detail(struct ui_lines *l, const struct item *it)
{
    for (unsigned i = 0; i < it->nfields; i++) {
        const struct item_field *f = &it->fields[i];
        if (f->kind == FIELD_PAIRS) {
            const char *n, *v;
            size_t nl, vl;
            label(l, f->name);
            for (uint32_t k = 0; item_pair(it, f, k, &n, &nl, &v, &vl); k++) {
                ui_lines_new(l);
                ui_lines_str(l, A_NORMAL, "           ");
                ui_lines_add(l, ui_attr(ROLE_HEX_HEAD), n, nl);
                ui_lines_str(l, A_NORMAL, ": ");
                ui_lines_add(l, A_NORMAL, v, vl);
            }
        } else if (f->kind == FIELD_TEXT && (strcmp(f->name, "data") == 0 || strcmp(f->name, "text") == 0)) {
            size_t len;
            const char *s = item_text(it, f, &len);
            label(l, f->name);
            ui_lines_addf(l, A_NORMAL, "%zu bytes:", len);
            block(l, s, len);
        } else {
            text_line(l, it, f->name, f->name);
        }
    }
}

/* What ended a body, and what its content coding did to it. */
static void body_notes(struct ui_lines *l, const struct item *it)
{
    size_t len;
    const char *end = item_text_of(it, "end", &len);
    long long announced = (long long)item_int(it, "content_length", -1);
    if (announced >= 0)
        note(l, "a body cut short: Content-Length said %lld bytes, %lld came before the %s", announced,
             (long long)item_int(it, "size", 0), len == 7 && memcmp(end, "capture", 7) == 0
                 ? "capture ended" : "connection closed");
    else if (len)
        note(l, "a whole body: the close (%.*s) ended it, as it had neither length nor chunks"
                " (RFC 9112 §6.3)", (int)len, end);
    else
        note(l, "a whole body: Content-Length said how many bytes, so it is one message (RFC 9112 §6.2)");
    note(l, "a poll's or long poll's answer, or the data a client sent");
    const char *coding = item_text_of(it, "coding", &len);
    if (!len)
        return;
    const struct item_field *f = item_field(it, "decoded_size");
    long long wire = (long long)item_int(it, "size", 0);
    if (f && f->kind == FIELD_INT && f->v.i > 0)
        note(l, "Content-Encoding %.*s: %lld bytes on the wire -> %lld decoded (%.1f%% of it; %lld saved)",
             (int)len, coding, wire, (long long)f->v.i, 100.0 * (double)wire / (double)f->v.i,
             (long long)f->v.i - wire);
    else if (f && f->kind == FIELD_INT)
        note(l, "Content-Encoding %.*s: %lld bytes on the wire -> nothing decoded", (int)len, coding, wire);
    else
        note(l, "Content-Encoding %.*s: not decoded (no decoder for it); the text is the bytes as sent",
             (int)len, coding);
}

/* A chunk or HTTP/2 DATA frame whose data a content reader reads: the
 * transport's framing carries the content's, and the messages are the
 * content's (stats count those). */
static void content_note(struct ui_lines *l, const struct item *it)
{
    size_t len;
    const char *kind = item_text_of(it, "content", &len);
    if (len == 3 && memcmp(kind, "sse", 3) == 0)
        note(l, "its data is a piece of an event stream: the sse_event items are the messages");
    else if (len)
        note(l, "its data is a piece of a multipart body: the part items are the messages");
}

/* The last chunk ends the body; the fields a server sends after the data
 * (a checksum, Server-Timing) come with it. */
static void last_chunk_notes(struct ui_lines *l, const struct item *it)
{
    const struct item_field *t = item_field(it, "trailers");
    note(l, "the last chunk: size 0 ends the body; trailer fields, if any, then an empty line");
    note(l, "(RFC 9112 §7.1.2): what the server could say only once the data was sent");
    const char *n, *v;
    size_t nl, vl;
    for (uint32_t k = 0; t && item_pair(it, t, k, &n, &nl, &v, &vl); k++)
        field_line(l, n, nl, v, vl);
}

static void type_notes(struct ui_lines *l, const struct item *it)
{
    switch (it->type) {
    case ITEM_CHUNK:
        note(l, "a chunk: its size in hex, CRLF, the data, CRLF (RFC 9112 §7.1)");
        note(l, "framing = %llu bytes of %llu", (unsigned long long)(it->length - (uint64_t)item_int(it, "size", 0)),
             (unsigned long long)it->length);
        content_note(l, it);
        if (item_int(it, "size", -1) == 0)
            last_chunk_notes(l, it);
        break;
    case ITEM_PART:
        note(l, "a multipart part: --boundary, its own headers, a blank line, the data");
        break;
    case ITEM_BODY:
        body_notes(l, it);
        break;
    case ITEM_SSE_COMMENT:
        note(l, "a block with no data: \":\" comment lines (heartbeats that keep proxies from");
        note(l, "closing an idle stream) or \"retry:\" (the reconnection delay); nothing is dispatched");
        break;
    case ITEM_SSE_EVENT:
        note(l, "\"id:\", \"event:\", \"data:\" lines; a blank line dispatches the event");
        note(l, "the id is what the browser sends back as Last-Event-ID when it reconnects");
        break;
    case ITEM_FLASH:
        note(l, "Flash socket: not HTTP; every message ends with a NUL byte");
        break;
    case ITEM_HTTP2:
        note(l, "an HTTP/2 frame: 9 bytes of header (length, type, flags, stream), then its payload");
        note(l, "each exchange is a stream of its own on one connection; a push is one stream's DATA");
        note(l, "frames. Header blocks are HPACK-compressed (RFC 7541) against a table each side");
        note(l, "builds as it sends: decoded here, but only while no earlier block was missed");
        content_note(l, it);
        break;
    case ITEM_JOINED:
        note(l, "the capture began inside this answer's body: its request and status line, and");
        note(l, "so its Content-Type and framing, were not captured; the body's own bytes show");
        note(l, "what it is, and it is read from the first place its framing can be trusted");
        break;
    case ITEM_TLS:
        note(l, "a TLS record: a 5-byte header (type, version, length), then sealed bytes");
        note(l, "encrypted: what anyone on the path still sees is each record's size and time,");
        note(l, "and in the hellos the server name (SNI) and the protocols offered (ALPN)");
        break;
    case ITEM_TCP:
        tcp_analysis_notes(l, it);
        break;
    default:
        break;
    }
}

void ui_detail_build(struct ui *ui, const struct item *it, struct ui_lines *l)
{
    if (!it) {
        ui_lines_new(l);
        ui_lines_str(l, ui_attr(ROLE_DIM), "select a message (Tab to the messages pane, arrows)");
        return;
    }
    ui_lines_new(l);
    ui_lines_addf(l, A_BOLD, "%s ", item_type_name(it->type));
    ui_lines_addf(l, ui_dir_attr(it->dir), "%s ", it->dir == DIR_C2S ? "client -> server"
                                                 : it->dir == DIR_S2C ? "server -> client" : "");
    ui_lines_addf(l, A_NORMAL, " t=%.6f s  flow %u", it->t, it->flow);
    if (it->has_range)
        ui_lines_addf(l, ui_attr(ROLE_DIM), "  stream bytes %llu..%llu (%llu B)",
                      (unsigned long long)it->offset, (unsigned long long)(it->offset + it->length),
                      (unsigned long long)it->length);
    if (it->cut)
        ui_lines_str(l, ui_attr(ROLE_NOTE), "  (text shortened)");
    switch (it->type) {
    case ITEM_HTTP_REQUEST:
    case ITEM_HTTP_RESPONSE:
        http_detail(ui, l, it);
        break;
    case ITEM_WS_FRAME:
        ws_detail(l, it);
        break;
    case ITEM_EVENT:
        event_detail(l, it);
        break;
    default:
        generic_detail(l, it);
        break;
    }
    type_notes(l, it);
    events_inside(ui, l, it);
}

/* While the flows pane has the focus, the detail pane describes the flow. */
static void flow_detail(const struct ui_model *m, const struct ui_flow *f, struct ui_lines *l)
{
    ui_lines_new(l);
    ui_lines_addf(l, A_BOLD, "flow %u ", f->id);
    ui_lines_addf(l, ui_badge_attr(f->technique), " %s ", f->technique[0] ? f->technique : "...");
    ui_lines_addf(l, ui_attr(ROLE_DIM), "  %s", f->technique_final ? "" : "(so far: the flow is open)");
    label(l, "client");
    ui_lines_str(l, ui_attr(ROLE_C2S), f->client);
    label(l, "server");
    ui_lines_str(l, ui_attr(ROLE_S2C), f->server);
    if (f->session_no) { /* one conversation over several connections */
        label(l, "session");
        ui_lines_addf(l, A_NORMAL, "s%u, %s ", f->session_no, f->library);
        ui_lines_str(l, A_BOLD, f->session);
        ui_lines_str(l, A_NORMAL, ": flows");
        for (size_t i = 0; i < m->nflows; i++)
            if (m->flows[i].session_no == f->session_no)
                ui_lines_addf(l, m->flows[i].id == f->id ? A_BOLD : A_NORMAL, " %u", m->flows[i].id);
        note(l, "the library's session id, the same on each of its connections (its polls and");
        note(l, "sends, and the WebSocket an Engine.IO session upgrades to)");
    }
    label(l, "time");
    ui_lines_addf(l, A_NORMAL, "%.6f .. %.6f s (%.3f s)", f->first_t, f->last_t, f->last_t - f->first_t);
    label(l, "packets");
    ui_lines_addf(l, A_NORMAL, "%llu, %llu payload bytes up, %llu down", (unsigned long long)f->packets,
                  (unsigned long long)f->bytes[DIR_C2S], (unsigned long long)f->bytes[DIR_S2C]);
    double pct = ui_flow_overhead_pct(f);
    label(l, "overhead");
    if (pct >= 0)
        ui_lines_addf(l, A_NORMAL, "%llu bytes of HTTP heads and framing = %.1f%% of the payload",
                      (unsigned long long)f->overhead, pct);
    else
        ui_lines_str(l, ui_attr(ROLE_DIM), "(no payload yet)");
    if (f->nkinds) {
        label(l, "exchanges");
        bool named_by_one = false;
        for (unsigned k = 0; k < f->nkinds; k++) {
            ui_lines_addf(l, A_NORMAL, "%s%u %s", k ? ", " : "", f->kinds[k].n, f->kinds[k].name);
            named_by_one |= strcmp(f->kinds[k].name, f->technique) == 0;
        }
        if (named_by_one || !f->technique_final)
            ui_lines_str(l, ui_attr(ROLE_DIM), "  (the flow is named by those that bring news)");
        else { /* the held flow item's rule (flows.c): repetition across connections */
            note(l, "named %s: its path was asked for again on another connection", f->technique);
            note(l, "(a poller that opens a connection per request)");
        }
    }
    label(l, "handshake");
    if (f->handshake_ms >= 0)
        ui_lines_addf(l, A_NORMAL, "%.3f ms from SYN to the ACK of the SYN/ACK", f->handshake_ms);
    else
        ui_lines_str(l, ui_attr(ROLE_DIM), "(not captured)");
    if (f->library[0] && !f->session_no) {
        label(l, "library");
        ui_lines_str(l, A_NORMAL, f->library);
        note(l, "named by its messages: the request that names it was not captured");
    }
    if (f->note) { /* what pushviz could not read of it, and why */
        label(l, "note");
        prose(l, f->note);
    }
    note(l, "Enter: its messages   l: its ladder   x: bytes of a message");
}

void ui_detail_draw(struct ui *ui, int y, int h)
{
    bool focused = ui->screen == SCREEN_MAIN && ui->focus == PANE_DETAIL;
    ui->pane_y[PANE_DETAIL] = y + 1;
    ui->pane_h[PANE_DETAIL] = h - 1;
    ui_lines_clear(&ui->lines);
    struct ui_flow *f = ui_selected_flow(ui);
    if (ui->focus == PANE_FLOWS && f)
        flow_detail(&ui->model, f, &ui->lines);
    else
        ui_detail_build(ui, ui_selected_item(ui), &ui->lines);
    ui->detail_top = ui_scroll_clamp(ui->detail_top, ui->lines.n, h - 1);
    attr_t head = ui_attr(focused ? ROLE_HEADING : ROLE_DIM) | A_BOLD;
    ui_fill(y, 0, ui_attr(ROLE_HEADING));
    ui_putf(y, 0, COLS, head, "detail%s", ui->lines.n > (size_t)(h - 1) ? "  (more: Tab here, then arrows)" : "");
    ui_lines_draw(&ui->lines, ui->detail_top, y + 1, 0, h - 1, COLS);
}
