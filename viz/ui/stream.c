/* stream.c -- follow stream: the whole conversation of the selected flow
 * as text, both directions in their colours, as Wireshark's "Follow TCP
 * Stream" shows it.
 *
 * The bytes are the TCP payloads of the flow's segments, in capture
 * order, taken from the UI's frame copies (model.c) and located in each
 * frame with the engine's decoder.  Segments the engine marked as
 * retransmissions or overlaps are left out, so bytes sent twice are shown
 * once; a segment whose frame copy was not kept (the memory cap) or that
 * the snap length cut shows as a note, never as guessed bytes.  Each
 * direction change starts a new block headed by its arrow; lines are cut
 * at LF, and controls, CR and bytes that are not UTF-8 are shown as dim
 * escapes by the drawing code (draw.c), so a binary WebSocket frame
 * cannot garble the screen.
 */
#include "ui/stream.h"

#include <string.h>

#include "capture/decode.h"

/* The analysis text of a segment says it carries bytes already seen. */
static bool repeated(const struct item *it)
{
    const struct item_field *f = item_field(it, "analysis");
    size_t len = 0;
    const char *s = f && f->kind == FIELD_TEXT ? item_text(it, f, &len) : "";
    return memmem(s, len, "retransmission", 14) || memmem(s, len, "overlap", 7);
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
    for (size_t k = 0; k < f->items.n; k++) {
        const struct item *it = ui->model.items[f->items.v[k]];
        if (it->type != ITEM_TCP || item_int(it, "len", 0) <= 0 || repeated(it))
            continue;
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
        add_bytes(out, ui_dir_attr(it->dir), pkt.payload, pkt.payload_caplen, &at_line_start);
        bytes[it->dir == DIR_S2C] += pkt.payload_caplen;
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
