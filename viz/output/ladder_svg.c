/* ladder_svg.c -- a ladder as an SVG image for slides (SVG 1.1, W3C).
 *
 * Two lanes, the client's on the left and the server's on the right; an
 * arrow per row with its label above it (bold for messages, thin for TCP
 * segments, red for errors), its time on the left and its note (RTTs,
 * held times, latency) on the right.  A request that a long poll held is
 * shaded from the request to its response, and a pause gets a dashed
 * line with "N s pass".  The image has a viewBox and no fixed size, so it
 * scales to a slide; text uses the viewer's sans-serif font, and each
 * arrow's full label is its <title> (a tooltip where the label is cut).
 *
 * Text is escaped for XML: & < > " as entities, controls and bytes that
 * are not UTF-8 as '?', since XML 1.0 forbids most controls.
 */
#include "output/ladder.h"

#include <stdlib.h>
#include <string.h>

#include "proto/utf8.h"

enum {
    TIME_X = 10,       /* the time column */
    CLIENT_X = 170,    /* the client's lane */
    SERVER_X = 730,    /* the server's lane */
    NOTE_X = 750,      /* the notes */
    WIDTH = 1180,
    TOP = 70,          /* first row */
    ROW_H = 28,        /* a row */
    GAP_H = 24,        /* a pause line */
    LABEL_MAX = 90     /* characters of a label drawn (the rest in its title) */
};

/* Write s[0..len) escaped for XML text or attributes, at most max characters. */
static void xml_text(FILE *out, const char *s, size_t len, size_t max)
{
    size_t chars = 0;
    for (size_t i = 0; i < len && chars < max; chars++) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (n > 1 && (n > len - i || !utf8_valid((const uint8_t *)s + i, n)))
            n = 0;
        if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7F))) {
            fputc('?', out);
            i++;
            continue;
        }
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fwrite(s + i, 1, n, out); break;
        }
        i += n;
    }
    if (chars == max && max < len)
        fputs("\xe2\x80\xa6", out); /* … */
}

static const char *colour(const struct ladder_row *r)
{
    if (r->kind == LADDER_ERROR)
        return "#c62828";
    return r->dir == DIR_C2S ? "#1565c0" : "#e65100";
}

int ladder_write_svg(const struct ladder *l, FILE *out)
{
    /* y of each row, gaps included */
    int height = TOP;
    for (size_t i = 0; i < l->n; i++)
        height += (l->rows[i].gap_s > 0 ? GAP_H : 0) + ROW_H;
    height += 30;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 %d %d\" "
                 "font-family=\"sans-serif\" font-size=\"13\">\n", WIDTH, height);
    fputs("<title>pushviz ladder</title>\n<defs>\n", out);
    /* one arrowhead per colour, drawn in the line's direction */
    static const char *const heads[][2] = {{"c2s", "#1565c0"}, {"s2c", "#e65100"}, {"err", "#c62828"}};
    for (size_t i = 0; i < 3; i++)
        fprintf(out, "<marker id=\"head-%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" "
                     "markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>\n",
                heads[i][0], heads[i][1]);
    fputs("</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n", out);
    /* lane headings and lanes */
    fprintf(out, "<text x=\"%d\" y=\"30\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#1565c0\">", CLIENT_X);
    xml_text(out, l->client, strlen(l->client), 64);
    fprintf(out, "</text>\n<text x=\"%d\" y=\"30\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#e65100\">",
            SERVER_X);
    xml_text(out, l->server, strlen(l->server), 64);
    fprintf(out, "</text>\n<text x=\"%d\" y=\"30\" fill=\"#555\">time (s)</text>\n", TIME_X);
    fprintf(out, "<line class=\"lane\" x1=\"%d\" y1=\"40\" x2=\"%d\" y2=\"%d\" stroke=\"#999\" stroke-width=\"2\"/>\n",
            CLIENT_X, CLIENT_X, height - 20);
    fprintf(out, "<line class=\"lane\" x1=\"%d\" y1=\"40\" x2=\"%d\" y2=\"%d\" stroke=\"#999\" stroke-width=\"2\"/>\n",
            SERVER_X, SERVER_X, height - 20);
    /* rows */
    int *ys = NULL;
    int y = TOP;
    if (l->n && !(ys = calloc(l->n, sizeof *ys)))
        return -1;
    for (size_t i = 0; i < l->n; i++) {
        const struct ladder_row *r = &l->rows[i];
        if (r->gap_s > 0) {
            fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#bbb\" stroke-dasharray=\"4 4\"/>\n"
                         "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#777\" font-style=\"italic\">"
                         "%.3f s pass</text>\n",
                    CLIENT_X, y + 4, SERVER_X, y + 4, (CLIENT_X + SERVER_X) / 2, y + 16, r->gap_s);
            y += GAP_H;
        }
        ys[i] = y + 18;
        y += ROW_H;
    }
    for (size_t i = 0; i < l->n; i++) {
        const struct ladder_row *r = &l->rows[i];
        if (r->held_row >= 0 && (size_t)r->held_row < i)
            fprintf(out, "<rect class=\"held\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#ffca28\" "
                         "fill-opacity=\"0.25\"/>\n",
                    CLIENT_X, ys[r->held_row], SERVER_X - CLIENT_X, ys[i] - ys[r->held_row]);
    }
    for (size_t i = 0; i < l->n; i++) {
        const struct ladder_row *r = &l->rows[i];
        int ay = ys[i];
        bool right = r->dir != DIR_S2C;
        const char *head = r->kind == LADDER_ERROR ? "err" : right ? "c2s" : "s2c";
        fprintf(out, "<g class=\"row\"><title>");
        xml_text(out, r->label, strlen(r->label), sizeof r->label);
        fprintf(out, "</title>\n<text x=\"%d\" y=\"%d\" fill=\"#555\">%.6f</text>\n", TIME_X, ay + 4, r->t);
        fprintf(out, "<line class=\"arrow\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                     "stroke-width=\"%s\" marker-end=\"url(#head-%s)\"/>\n",
                right ? CLIENT_X : SERVER_X, ay, right ? SERVER_X - 2 : CLIENT_X + 2, ay, colour(r),
                r->kind == LADDER_SEGMENT ? "1" : "2.5", head);
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\"%s>", (CLIENT_X + SERVER_X) / 2,
                ay - 5, colour(r), r->kind == LADDER_SEGMENT ? " font-size=\"11\"" : " font-weight=\"bold\"");
        xml_text(out, r->label, strlen(r->label), LABEL_MAX);
        fputs("</text>\n", out);
        if (r->note[0]) {
            fprintf(out, "<text class=\"note\" x=\"%d\" y=\"%d\" fill=\"%s\"%s>", NOTE_X, ay + 4,
                    r->strong ? "#c62828" : "#2e7d32", r->strong ? " font-weight=\"bold\"" : "");
            xml_text(out, r->note, strlen(r->note), sizeof r->note);
            fputs("</text>\n", out);
        }
        fputs("</g>\n", out);
    }
    if (l->cut)
        fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#c62828\">more than %d rows: the rest is left out</text>\n",
                TIME_X, height - 8, LADDER_MAX_ROWS);
    fputs("</svg>\n", out);
    free(ys);
    return ferror(out) ? -1 : 0;
}
