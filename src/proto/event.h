/* event.h -- the pushlab event object, the one payload every technique
 * carries (DESIGN.md, "Event"):
 *
 *   {"seq":N,"ts":UNIX_MS,"kind":"tick"|"chat","text":"..."}
 *
 * Keys always in this order and no white space, so pushviz can find an
 * event byte by byte inside JSON, JSONP, a <script> chunk, an SSE data line,
 * a WebSocket frame or a Flash message, with one strict reader.
 */
#ifndef PROTO_EVENT_H
#define PROTO_EVENT_H

#include "proto.h"

enum event_kind { EVENT_TICK, EVENT_CHAT };

/* "tick" or "chat". */
const char *event_kind_name(enum event_kind kind);

/* Write the event object into out[0..cap).  The text is escaped as JSON,
 * and '<', '>', '&', U+2028 and U+2029 as \uXXXX as well, so the same
 * bytes are safe inside an HTML <script> and a JSONP callback.  Returns the
 * length needed (no NUL); written only if that is <= cap.
 * text must be valid UTF-8 (invalid bytes are written as U+FFFD). */
size_t event_write(char *out, size_t cap, uint64_t seq, int64_t ts_ms, enum event_kind kind,
                   const char *text, size_t text_len);

/* An event read back from bytes. */
struct event_view {
    uint64_t seq;
    int64_t ts_ms;
    enum event_kind kind;
    size_t text_len;      /* decoded text bytes in the caller's text buffer */
    size_t start;         /* offset of '{' in the searched buffer */
    size_t end;           /* offset just past '}' */
};

/* Find the first event object in buf[0..len) and decode its text into
 * text[0..text_cap) (NUL-terminated; cut to fit, text_len tells the full
 * decoded length).  Returns:
 *   > 0            found; the offset just past it (= ev->end)
 *   PROTO_PARTIAL  an event may start at ev->start but is not complete:
 *                  keep the bytes from there and call again with more
 *   0              no event here, and none can start in these bytes
 * Anything that starts like an event but breaks the strict form is skipped
 * (it is not an event), never half-read. */
long event_find(const char *buf, size_t len, struct event_view *ev, char *text, size_t text_cap);

/* Called by event_scan for each event it finds: ev->start and ev->end are
 * offsets in the whole scanned buffer, text the event's decoded text (in
 * event_scan's text buffer, valid until the next event).  Return false to
 * stop the scan after this event. */
typedef bool event_scan_fn(void *arg, const struct event_view *ev, const char *text);

/* Find every event in buf[0..len) in order, decoding each one's text into
 * text[0..text_cap) and handing it to fn(arg, ...).  Returns how many
 * leading bytes the caller may drop: up to where an incomplete event
 * starts (keep the rest and scan again when more bytes arrive), just past
 * the event where fn stopped the scan, or else all of them.  This is the
 * streaming loop around event_find every reader of events needs. */
size_t event_scan(const char *buf, size_t len, char *text, size_t text_cap, event_scan_fn *fn,
                  void *arg);

#endif
