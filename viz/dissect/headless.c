/* headless.c -- an answer's body joined in the middle, told from its
 * own bytes.
 *
 * A live capture started after a page opened its stream joins that
 * connection inside the answer's body: no request, no status line, no
 * Content-Type -- only the server's bytes, from wherever the capture
 * began.  A teacher who starts pushviz once the demo pages are open sees
 * exactly this.  The technique still shows in the bytes, by shapes that
 * other text does not take by chance:
 *  - an event stream: lines of its fields (data:, id:, event:, retry:) or
 *    comments, then the blank line that ends their block (WHATWG HTML,
 *    "Server-sent events");
 *  - multipart parts: a delimiter line, two dashes and the boundary
 *    (RFC 2046 §5.1.1), right before a part's Content-Type;
 *  - chunks (RFC 9112 §7.1): a line of hex digits, exactly that many
 *    bytes, CRLF and the next size line -- a streamed page when they carry
 *    HTML (the forever frame's markup, its <script> elements), else an
 *    XHR stream; unless the last chunk comes in the same write (the same
 *    burst of segments, PSH on its last) as the first ones: that was a
 *    resource sent in chunks (a script, a page), as a head would show when
 *    its body ends with the write that carried it (http.c, body_open).
 * Anything else (the middle of a download, another protocol) is not
 * guessed at: it stays unread, searched only for pushlab events.  A
 * segment may end anywhere, so a shape begun and not finished is waited
 * for (a few KiB at most).
 *
 * Such a body is then read as one whose start a gap took
 * (http_body_joined): its chunk framing and its content's reader each
 * begin at the first place they can trust, and what came before that is
 * passed over and said.  A `joined` item says what it was named and why;
 * SockJS, whose streaming transports no request names here, is named by
 * its first array of strings (library_of_joined_body).
 */
#include "dissect/headless.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "dissect/http.h"
#include "dissect/library.h"

/* A shape is waited for in at most this many bytes held at the start: a
 * stream's first events and chunks are small, and the rest of what is
 * held waits to be shown (its pushlab events are shown as they come). */
#define HEADLESS_WAIT_MAX 4096

static bool line_start(const char *p, size_t i)
{
    return i == 0 || p[i - 1] == '\n';
}

/* Each shape is looked for from every line start: 1 when the bytes show
 * it, PROTO_PARTIAL when they may once more come (a segment may end
 * anywhere, a block or a part's head with it), else 0. */
static int either(int shape, int from_here)
{
    return shape == 1 || from_here == 1 ? 1 : shape == PROTO_PARTIAL || from_here == PROTO_PARTIAL ? PROTO_PARTIAL : 0;
}

/* An event-stream line: a field the WHATWG parser acts on ("data", "event",
 * "id", "retry", with a colon or alone) or a comment (a colon first);
 * `whole` false: p[0..n) is the start of a line still coming, which may
 * become one. */
static bool event_stream_line(const char *p, size_t n, bool whole)
{
    static const char *const fields[] = {"data", "event", "id", "retry"};
    if (n && p[0] == ':')
        return true;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t k = strlen(fields[i]);
        if (n < k) {
            if (!whole && memcmp(p, fields[i], n) == 0) /* its name still coming */
                return true;
        } else if (memcmp(p, fields[i], k) == 0 && (n == k || p[k] == ':')) {
            return true;
        }
    }
    return false;
}

/* From a line start: event-stream lines, then the blank line that ends
 * their block (dispatching its event, if it had data). */
static int event_stream_block_at(const char *p, size_t n)
{
    size_t lines = 0;
    for (size_t i = 0;; lines++) {
        const char *eol = memchr(p + i, '\n', n - i);
        if (!eol && i < n) /* the bytes end inside a line */
            return event_stream_line(p + i, n - i, false) ? PROTO_PARTIAL : 0;
        if (!eol) /* right after one: a block begun, or nothing yet */
            return lines > 0 ? PROTO_PARTIAL : 0;
        size_t len = (size_t)(eol - (p + i));
        if (len && p[i + len - 1] == '\r')
            len--;
        if (len == 0)
            return lines > 0;
        if (!event_stream_line(p + i, len, true))
            return 0;
        i = (size_t)(eol - p) + 1;
    }
}

static int shows_event_stream(const char *p, size_t n)
{
    int shown = 0;
    for (size_t i = 0; i < n && shown != 1; i++)
        if (line_start(p, i))
            shown = either(shown, event_stream_block_at(p + i, n - i));
    return shown;
}

/* RFC 2046 §5.1.1's bchars (a space only inside). */
static bool boundary_char(char c)
{
    return isalnum((unsigned char)c) || (c && strchr("'()+_,-./:=? ", c));
}

/* A part's Content-Type field line, or (whole false) the start of one.
 * (A form's parts, which a client uploads, start with Content-Disposition.) */
static bool content_type_line(const char *p, size_t n, bool whole)
{
    return n >= 13 ? strncasecmp(p, "Content-Type:", 13) == 0 : !whole && strncasecmp(p, "Content-Type:", n) == 0;
}

/* From a line start: a delimiter line, its boundary's length in *len,
 * followed by a Content-Type line. */
static int delimiter_at(const char *p, size_t n, size_t *len)
{
    if (n < 2 || p[0] != '-' || p[1] != '-')
        return n < 2 && memcmp(p, "--", n) == 0 && n > 0 ? PROTO_PARTIAL : 0;
    const char *b = p + 2, *eol = memchr(b, '\n', n - 2);
    size_t k = 0, end = eol ? (size_t)(eol - b) : n - 2;
    while (k < end && boundary_char(b[k]))
        k++;
    if (!eol) /* the delimiter line still coming */
        return k == end && k <= BOUNDARY_MAX ? PROTO_PARTIAL : 0;
    *len = end && b[end - 1] == '\r' ? end - 1 : end;
    if (*len == 0 || *len > BOUNDARY_MAX || k < *len || b[*len - 1] == ' ')
        return 0;
    size_t rest = (size_t)(p + n - (eol + 1));
    if (content_type_line(eol + 1, rest, true))
        return 1;
    return !memchr(eol + 1, '\n', rest) && content_type_line(eol + 1, rest, false) ? PROTO_PARTIAL : 0;
}

/* A delimiter line before a Content-Type line; *boundary: where its
 * boundary is in p, and how long. */
static int shows_boundary(const char *p, size_t n, struct slice *boundary)
{
    int shown = 0;
    for (size_t i = 0; i < n && shown != 1; i++) {
        size_t len = 0;
        int r = line_start(p, i) ? delimiter_at(p + i, n - i, &len) : 0;
        if (r == 1)
            *boundary = (struct slice){p + i + 2, len};
        shown = either(shown, r);
    }
    return shown;
}

/* A chunk at a line start (or the first byte) that the bytes prove
 * (http_chunk_at). */
static int shows_chunks(const char *p, size_t n)
{
    int shown = 0;
    for (size_t i = 0; i < n && shown != 1; i++)
        if (line_start(p, i))
            shown = either(shown, http_chunk_at(p + i, n - i, true));
    return shown;
}

/* HTML: the page of a forever frame starts with its markup (and padding
 * that gets browsers to render early), then sends a <script> a message. */
static bool shows_html(const char *p, size_t n)
{
    static const char *const tags[] = {"<script", "<html", "<body", "<!doctype"};
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '<')
            continue;
        for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
            size_t k = strlen(tags[t]);
            if (n - i >= k && strncasecmp(p + i, tags[t], k) == 0)
                return true;
        }
    }
    return false;
}

enum body_shape body_shape(const char *p, size_t n, struct slice *boundary)
{
    int sse = shows_event_stream(p, n);
    if (sse == 1)
        return SHAPE_EVENT_STREAM;
    *boundary = (struct slice){NULL, 0};
    int multipart = shows_boundary(p, n, boundary);
    if (multipart == 1)
        return SHAPE_MULTIPART;
    int chunks = shows_chunks(p, n);
    if (chunks == 1)
        return shows_html(p, n) ? SHAPE_HTML_CHUNKS : SHAPE_CHUNKS;
    bool may = sse == PROTO_PARTIAL || multipart == PROTO_PARTIAL || chunks == PROTO_PARTIAL;
    return may && n < HEADLESS_WAIT_MAX ? SHAPE_PARTIAL : SHAPE_NONE;
}

/* How each shape is read: its technique, its content, how SockJS would
 * wrap its frames in it, and why it was named so. */
static const struct reading {
    enum technique technique;
    enum content_kind content;
    enum lib_wrap wrap;
    const char *why;
} readings[] = {
    [SHAPE_EVENT_STREAM] = {TECH_SSE, CONTENT_SSE, WRAP_MESSAGE,
                            "event-stream blocks: field lines (data:, id:, event:) or comments, each ended by a "
                            "blank line"},
    [SHAPE_MULTIPART] = {TECH_MULTIPART, CONTENT_MULTIPART, WRAP_NONE,
                         "multipart parts: a delimiter line, --boundary, before each part's Content-Type"},
    [SHAPE_CHUNKS] = {TECH_XHR, CONTENT_PLAIN, WRAP_LINES,
                      "chunks: a size line in hex, that many bytes, CRLF, and the next size line (a stream "
                      "if they go on past the write that brought them, else a resource)"},
    [SHAPE_HTML_CHUNKS] = {TECH_IFRAME, CONTENT_PLAIN, WRAP_SCRIPT,
                           "chunks of HTML: a page that streams a <script> a message (the forever frame), if "
                           "they go on past the write that brought them, else a page"},
};

int headless_body_start(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    struct slice boundary = {NULL, 0};
    enum body_shape shape = body_shape(h->buf.data, h->buf.len, &boundary);
    if (shape == SHAPE_NONE || shape == SHAPE_PARTIAL)
        return shape == SHAPE_PARTIAL ? PROTO_PARTIAL : 0;
    const struct reading *r = &readings[shape];
    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_JOINED, h->buf.offset, 0);
    item_add_str(it, "technique", technique_name(r->technique));
    item_add_str(it, "why", r->why);
    emit_item(env->emitter, it);
    if (r->wrap != WRAP_NONE)
        library_of_joined_body(h, r->wrap);
    http_body_joined(env, h, r->content, boundary); /* (the boundary is copied before a byte is read) */
    d->traits.exchanges[r->technique]++;
    d->traits.headless = shape == SHAPE_CHUNKS        ? HEADLESS_XHR_CHUNKS
                         : shape == SHAPE_HTML_CHUNKS ? HEADLESS_HTML_CHUNKS
                                                      : HEADLESS_BY_CONTENT;
    return 1;
}

void headless_body_read(struct dissect *d, const struct dissect_env *env, const struct half *h)
{
    uint8_t *how = &d->traits.headless;
    if ((*how != HEADLESS_XHR_CHUNKS && *how != HEADLESS_HTML_CHUNKS) || h->dir != DIR_S2C)
        return;
    if (h->mode == MODE_HTTP_BODY) {
        if (!env->write_continues) /* the write ended and the body goes on: a stream */
            *how = HEADLESS_STREAM;
        return;
    }
    /* Its last chunk came in the write that brought the first ones seen (or
     * a gap took it, and the next head was found): a resource sent in
     * chunks (a script, a page), not a stream of messages. */
    d->traits.exchanges[*how == HEADLESS_XHR_CHUNKS ? TECH_XHR : TECH_IFRAME]--;
    d->traits.exchanges[TECH_HTTP]++;
    *how = HEADLESS_ENDED;
}
