/* hex.c -- the hex view: the packets that carried a message, byte by
 * byte, so a student sees where messages fall relative to TCP segments.
 *
 * Every segment of the message's direction whose stream bytes overlap the
 * message is shown whole, as its own block (a block edge is a segment
 * edge): the link, IP and TCP headers dim, then the payload coloured by
 * what the items say each byte is -- HTTP head, framing (chunk size lines,
 * WebSocket frame headers, part headers, SSE fields, Flash NULs) or
 * payload -- and the selected message's own bytes in reverse.  A '|'
 * before a byte marks where an item starts; the items starting in a
 * segment are listed under it.
 *
 * The bytes come from the UI's copies of the frames (model.c); the
 * payload's place in the frame is found with the engine's decoder.
 */
#include "ui/hex.h"

#include <stdio.h>
#include <string.h>

#include "capture/decode.h"
#include "output/output.h"

#define HEX_SEGMENTS_MAX 64 /* segments shown for one message */

/* Is the item one that covers stream bytes with a meaning of its own? */
static bool is_region(const struct item *it)
{
    return it->has_range && it->length && it->type != ITEM_TCP && it->type != ITEM_FLOW;
}

/* Where the data of a framing item lies within it: [*lo, *hi) as offsets. */
static void payload_span(const struct item *it, uint64_t *lo, uint64_t *hi)
{
    uint64_t start = it->offset, end = it->offset + it->length;
    uint64_t size;
    *lo = start;
    *hi = end;
    switch (it->type) {
    case ITEM_WS_FRAME:
        *lo = start + (uint64_t)item_int(it, "header_len", 0);
        break;
    case ITEM_CHUNK:
        /* size line, data, CRLF */
        size = (uint64_t)item_int(it, "size", 0);
        if (it->length >= size + 2) {
            *hi = end - 2;
            *lo = *hi - size;
        }
        break;
    case ITEM_PART:
        /* delimiter and headers, then the data to the end */
        size = (uint64_t)item_int(it, "size", 0);
        if (it->length >= size)
            *lo = end - size;
        break;
    case ITEM_FLASH:
        *hi = end - 1; /* the NUL */
        break;
    case ITEM_TLS:
        *lo = start + 5; /* the record header: type, version, length */
        break;
    case ITEM_HTTP2:
        if (it->length > 9 && item_field(it, "stream"))
            *lo = start + 9; /* the frame header: length, type, flags, stream (not the preface) */
        break;
    case ITEM_SSE_EVENT:
        *lo = *hi = start; /* field names and data interleave: events inside mark the data */
        break;
    default:
        break;
    }
    if (*lo > end)
        *lo = end;
    if (*hi < *lo)
        *hi = *lo;
}

/* The role of stream byte `off`, from the regions that cover it. */
static enum ui_role byte_role(const struct item *const *regions, size_t n, uint64_t off)
{
    enum ui_role role = ROLE_HEX_PAYLOAD; /* body bytes no item framed */
    bool framed = false;
    for (size_t i = 0; i < n; i++) {
        const struct item *r = regions[i];
        if (off < r->offset || off >= r->offset + r->length)
            continue;
        if (r->type == ITEM_HTTP_REQUEST || r->type == ITEM_HTTP_RESPONSE)
            return ROLE_HEX_HEAD;
        if (r->type == ITEM_EVENT)
            return ROLE_HEX_PAYLOAD; /* a pushlab event's JSON: data */
        if (r->type == ITEM_ERROR)
            return ROLE_ERROR;
        uint64_t lo, hi;
        payload_span(r, &lo, &hi);
        if (off < lo || off >= hi)
            framed = true;
    }
    return framed ? ROLE_HEX_FRAMING : role;
}

static bool starts_item(const struct item *const *regions, size_t n, uint64_t off)
{
    for (size_t i = 0; i < n; i++)
        if (regions[i]->offset == off && regions[i]->type != ITEM_EVENT)
            return true;
    return false;
}

/* One segment's block. */
static void segment(struct ui *ui, struct ui_lines *l, const struct item *tcp, const struct item *sel,
                    const struct ui_flow *f)
{
    const struct ui_frame *fr = ui_model_frame(&ui->model, (uint64_t)item_int(tcp, "frame", 0));
    ui_lines_new(l);
    ui_lines_addf(l, ui_attr(ROLE_HEADING), "frame %lld  t=%.6f  ", (long long)item_int(tcp, "frame", 0), tcp->t);
    ui_lines_addf(l, ui_dir_attr(tcp->dir) | A_BOLD, "%s ", ui_dir_arrow(tcp->dir));
    char summary[256];
    item_summary(tcp, summary, sizeof summary);
    ui_lines_addf(l, ui_attr(ROLE_HEADING), "%s", summary);
    if (tcp->has_range)
        ui_lines_addf(l, ui_attr(ROLE_DIM), "  stream %llu..%llu", (unsigned long long)tcp->offset,
                      (unsigned long long)(tcp->offset + tcp->length));
    if (!fr || !fr->bytes) {
        ui_lines_new(l);
        ui_lines_str(l, ui_attr(ROLE_DIM), "  (the bytes of this frame were not kept: memory cap)");
        return;
    }
    struct packet p;
    const char *why;
    uint32_t payload_at = fr->caplen;
    if (decode_packet(ui->model.dlt, fr->bytes, fr->caplen, fr->wirelen, &p, &why) == DECODE_TCP &&
        p.payload && p.payload >= fr->bytes && p.payload <= fr->bytes + fr->caplen)
        payload_at = (uint32_t)(p.payload - fr->bytes);

    /* The regions (items with a byte range) of this direction overlapping the segment. */
    const struct item *regions[256];
    size_t nreg = 0;
    uint64_t seg_lo = tcp->has_range ? tcp->offset : 0, seg_hi = seg_lo + (tcp->has_range ? tcp->length : 0);
    for (size_t i = 0; i < f->items.n && nreg < sizeof regions / sizeof regions[0]; i++) {
        const struct item *it = ui->model.items[f->items.v[i]];
        if (it->dir == tcp->dir && is_region(it) && it->offset < seg_hi && it->offset + it->length > seg_lo)
            regions[nreg++] = it;
    }

    for (uint32_t row = 0; row < fr->caplen; row += 16) {
        ui_lines_new(l);
        ui_lines_addf(l, ui_attr(ROLE_DIM), "%04x ", row);
        char ascii[16];
        attr_t ascii_attr[16];
        uint32_t k;
        for (k = 0; k < 16 && row + k < fr->caplen; k++) {
            uint32_t i = row + k;
            attr_t a;
            char sep = ' ';
            if (i < payload_at || !tcp->has_range) {
                a = ui_attr(ROLE_HEX_LOWER);
            } else {
                uint64_t off = tcp->offset + (i - payload_at);
                a = ui_attr(byte_role(regions, nreg, off));
                if (sel && sel->has_range && off >= sel->offset && off < sel->offset + sel->length)
                    a |= A_REVERSE;
                if (i == payload_at || starts_item(regions, nreg, off))
                    sep = '|';
            }
            ui_lines_add(l, sep == '|' ? ui_attr(ROLE_MARK) : A_NORMAL, &sep, 1);
            ui_lines_addf(l, a, "%02x", fr->bytes[i]);
            ascii[k] = fr->bytes[i] >= 0x20 && fr->bytes[i] < 0x7F ? (char)fr->bytes[i] : '.';
            ascii_attr[k] = a;
        }
        for (uint32_t pad = k; pad < 16; pad++)
            ui_lines_str(l, A_NORMAL, "   ");
        ui_lines_str(l, A_NORMAL, "  ");
        for (uint32_t j = 0; j < k; j++)
            ui_lines_add(l, ascii_attr[j], &ascii[j], 1);
    }
    /* The items that start in this segment: the boundaries, named. */
    for (size_t i = 0; i < nreg; i++) {
        const struct item *r = regions[i];
        if (r->offset < seg_lo || r->type == ITEM_EVENT)
            continue;
        item_summary(r, summary, sizeof summary);
        ui_lines_new(l);
        ui_lines_str(l, ui_attr(ROLE_MARK), "|");
        ui_lines_addf(l, r == sel ? A_REVERSE : A_NORMAL, " frame byte %04llx: %s ",
                      (unsigned long long)(payload_at + (r->offset - seg_lo)), item_type_name(r->type));
        ui_lines_add(l, ui_attr(ROLE_DIM), summary, strlen(summary));
    }
    if (tcp->has_range && sel && sel->has_range && sel->offset + sel->length > seg_hi && seg_hi > sel->offset) {
        ui_lines_new(l);
        ui_lines_str(l, ui_attr(ROLE_NOTE), "  ... the message goes on in the next segment");
    }
}

void ui_hex_build(struct ui *ui, const struct item *it, struct ui_lines *l)
{
    struct ui_flow *f = it ? ui_model_flow(&ui->model, it->flow) : NULL;
    if (!it || !f) {
        ui_lines_new(l);
        ui_lines_str(l, ui_attr(ROLE_DIM), "select a message first (Esc, then Tab to the messages pane)");
        return;
    }
    ui_lines_new(l);
    ui_lines_str(l, ui_attr(ROLE_HEX_LOWER), "link/IP/TCP headers  ");
    ui_lines_str(l, ui_attr(ROLE_HEX_HEAD), "HTTP head  ");
    ui_lines_str(l, ui_attr(ROLE_HEX_FRAMING), "framing  ");
    ui_lines_str(l, ui_attr(ROLE_HEX_PAYLOAD), "payload  ");
    ui_lines_str(l, A_REVERSE, "this message");
    ui_lines_str(l, A_NORMAL, "  ");
    ui_lines_str(l, ui_attr(ROLE_MARK), "|");
    ui_lines_str(l, A_NORMAL, " an item starts");
    size_t shown = 0;
    for (size_t i = 0; i < f->items.n; i++) {
        const struct item *seg = ui->model.items[f->items.v[i]];
        if (seg->type != ITEM_TCP)
            continue;
        bool carries = seg == it ||
                       (it->type != ITEM_TCP && it->has_range && seg->has_range && seg->dir == it->dir &&
                        seg->offset < it->offset + (it->length ? it->length : 1) &&
                        seg->offset + seg->length > it->offset);
        if (!carries)
            continue;
        if (shown == HEX_SEGMENTS_MAX) {
            ui_lines_new(l);
            ui_lines_addf(l, ui_attr(ROLE_NOTE), "(more segments carry this message; the first %d are shown)",
                          HEX_SEGMENTS_MAX);
            break;
        }
        ui_lines_new(l);
        segment(ui, l, seg, it->type == ITEM_TCP ? NULL : it, f);
        shown++;
    }
    if (!shown) {
        ui_lines_new(l);
        ui_lines_str(l, ui_attr(ROLE_DIM), "no captured segment carries this item's bytes");
    }
}
