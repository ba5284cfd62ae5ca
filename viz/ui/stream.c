/* stream.c -- follow stream: the whole conversation of the selected flow
 * as text, both directions in their colours, as Wireshark's "Follow TCP
 * Stream" shows it.
 *
 * The bytes are the TCP payloads of the flow's segments, in capture
 * order, taken from the UI's frame copies (model.c) and located in each
 * frame with the engine's decoder.  Each byte is shown once, with the
 * first segment captured that carried it: a segment's place in the stream
 * (its item's offset) says which of its bytes are new -- all of an
 * ordinary one, none of a plain retransmission, the tail of one that goes
 * on past what was sent, the late bytes of an out-of-order one or of a
 * retransmission of data whose first copy was not captured (they fill a
 * hole; one hole per direction is remembered, the latest: bytes of an
 * older one count as shown).  A segment whose frame copy was not kept
 * (the memory cap) or that
 * the snap length cut shows as a note, never as guessed bytes.  Each
 * direction change starts a new block headed by its arrow; lines are cut
 * at LF, and controls, CR and bytes that are not UTF-8 are shown as dim
 * escapes by the drawing code (draw.c), so a binary WebSocket frame
 * cannot garble the screen.
 */
#include "ui/stream.h"

#include <string.h>

#include "capture/decode.h"

/* What of one direction's stream has been shown: every byte before
 * `end` but those of the latest hole, [hole_from, hole_to). */
struct shown {
    uint64_t end, hole_from, hole_to;
};

/* The new bytes of a segment at stream offset off, len bytes long: at
 * most two pieces, the part in the hole and the part past end, each as
 * [from, to) relative to the segment (empty: from == to).  Records them
 * as shown. */
static void take_new(struct shown *sh, uint64_t off, uint64_t len, uint64_t piece[2][2])
{
    uint64_t stop = off + len;
    uint64_t a = off > sh->hole_from ? off : sh->hole_from, b = stop < sh->hole_to ? stop : sh->hole_to;
    if (a < b) {
        piece[0][0] = a - off, piece[0][1] = b - off;
        if (a == sh->hole_from)
            sh->hole_from = b; /* filled from its start (the usual case) */
        else
            sh->hole_to = a;   /* from the middle or its end: what is after counts as shown */
    } else {
        piece[0][0] = piece[0][1] = 0;
    }
    uint64_t c = off > sh->end ? off : sh->end;
    piece[1][0] = c < stop ? c - off : 0, piece[1][1] = c < stop ? len : 0;
    if (off > sh->end)
        sh->hole_from = sh->end, sh->hole_to = off; /* jumps past bytes not seen (yet) */
    if (stop > sh->end)
        sh->end = stop;
}

/* Append payload bytes, starting a new line at each LF. */
static void add_bytes(struct ui_lines *out, attr_t attr, const uint8_t *p, size_t len, bool *at_line_start)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '\n')
            continue;
        if (*at_line_start)
            ui_lines_new(out);
        ui_lines_add(out, attr, (const char *)p + start, i - start);
        *at_line_start = true;
        start = i + 1;
    }
    if (start < len) {
        if (*at_line_start)
            ui_lines_new(out);
        ui_lines_add(out, attr, (const char *)p + start, len - start);
        *at_line_start = false;
    }
}

void ui_stream_build(struct ui *ui, struct ui_lines *out)
{
    struct ui_flow *f = ui_selected_flow(ui);
    if (!f) {
        ui_lines_new(out);
        ui_lines_str(out, ui_attr(ROLE_DIM), "select a flow first");
        return;
    }
    enum item_dir last = DIR_NONE;
    bool at_line_start = true;
    uint64_t bytes[2] = {0, 0};
    struct shown shown[2] = {{0, 0, 0}, {0, 0, 0}};
    for (size_t k = 0; k < f->items.n; k++) {
        const struct item *it = ui->model.items[f->items.v[k]];
        if (it->type != ITEM_TCP || item_int(it, "len", 0) <= 0 || !it->has_range)
            continue;
        uint64_t piece[2][2];
        take_new(&shown[it->dir == DIR_S2C], it->offset, it->length, piece);
        if (piece[0][0] == piece[0][1] && piece[1][0] == piece[1][1])
            continue; /* every byte was shown before: sent again */
        const struct ui_frame *fr = ui_model_frame(&ui->model, (uint64_t)item_int(it, "frame", 0));
        struct packet pkt;
        const char *why;
        bool ok = fr && fr->bytes &&
                  decode_packet(ui->model.dlt, fr->bytes, fr->caplen, fr->wirelen, &pkt, &why) == DECODE_TCP;
        if (it->dir != last) {
            ui_lines_new(out);
            ui_lines_new(out);
            ui_lines_addf(out, ui_dir_attr(it->dir) | A_BOLD, "%s %s  (t=%.6f)", ui_dir_arrow(it->dir),
                          it->dir == DIR_C2S ? "client to server" : "server to client", it->t);
            last = it->dir;
            at_line_start = true;
        }
        if (!ok) {
            ui_lines_new(out);
            ui_lines_addf(out, ui_attr(ROLE_ERROR), "[%lld bytes not kept]", (long long)item_int(it, "len", 0));
            at_line_start = true;
            continue;
        }
        for (int i = 0; i < 2; i++) { /* what was captured of each new piece */
            uint64_t from = piece[i][0];
            uint64_t to = piece[i][1] < pkt.payload_caplen ? piece[i][1] : pkt.payload_caplen;
            if (from < to) {
                add_bytes(out, ui_dir_attr(it->dir), pkt.payload + from, (size_t)(to - from), &at_line_start);
                bytes[it->dir == DIR_S2C] += to - from;
            }
        }
        if (pkt.payload_caplen < pkt.payload_len) {
            ui_lines_new(out);
            ui_lines_addf(out, ui_attr(ROLE_ERROR), "[%u bytes cut by the snap length]",
                          pkt.payload_len - pkt.payload_caplen);
            at_line_start = true;
        }
    }
    ui_lines_new(out);
    ui_lines_new(out);
    ui_lines_addf(out, ui_attr(ROLE_NOTE), "%llu bytes client to server, %llu bytes server to client",
                  (unsigned long long)bytes[0], (unsigned long long)bytes[1]);
}
