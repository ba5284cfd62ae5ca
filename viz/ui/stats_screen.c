/* stats_screen.c -- the stats view: what each technique costs, side by side.
 *
 * The first table sums the flows on screen now, open ones included, by
 * technique: connections, bytes each way and the overhead share.  The
 * next two are the --stats tables (stats.c) of the flows reported so far
 * (ended, or still open when the input ended):
 * requests, events, header and framing bytes per event, delivery latency
 * and handshake RTT; then the messages each way, heartbeats and deflate
 * savings.  The last counts the push libraries' messages by frame type;
 * under them, the frames that are not TCP, when there were any.
 * All follow the capture as it grows, and a --realtime replay as it plays.
 */
#include "ui/stats_screen.h"

#include <stdio.h>
#include <string.h>

/* A table's legend, dim, a row per line: each fits an 80-column screen
 * (rows are not wrapped, and what passes the edge is not seen). */
static void legend(struct ui_lines *l, const char *const lines[])
{
    for (size_t i = 0; lines[i]; i++) {
        ui_lines_new(l);
        ui_lines_str(l, ui_attr(ROLE_DIM), lines[i]);
    }
}

/* One technique's row of the first table. */
struct tech_sum {
    char name[16];               /* technique, or "..." while not known */
    unsigned flows, open;        /* connections, of which not ended */
    uint64_t up, down, overhead; /* payload bytes each way; head and framing bytes */
};

static void live_table(struct ui *ui, struct ui_lines *l)
{
    struct tech_sum sums[16];
    size_t n = 0;
    for (size_t i = 0; i < ui->model.nflows; i++) {
        const struct ui_flow *f = &ui->model.flows[i];
        if (!f->seen)
            continue;
        const char *name = f->technique[0] ? f->technique : "...";
        size_t k;
        for (k = 0; k < n && strcmp(sums[k].name, name) != 0; k++)
            ;
        if (k == n) {
            if (n == sizeof sums / sizeof sums[0])
                continue;
            memset(&sums[n], 0, sizeof sums[n]);
            snprintf(sums[n].name, sizeof sums[n].name, "%s", name);
            n++;
        }
        sums[k].flows++;
        sums[k].open += !f->end[0] || strcmp(f->end, "open") == 0; /* running, or open at the end */
        sums[k].up += f->bytes[DIR_C2S];
        sums[k].down += f->bytes[DIR_S2C];
        sums[k].overhead += f->overhead;
    }
    ui_lines_new(l);
    ui_lines_str(l, A_BOLD, "Flows now (open ones included)");
    ui_lines_new(l);
    ui_lines_addf(l, ui_attr(ROLE_HEADING), "%-11s %6s %6s %10s %10s %6s", "technique", "flows", "open",
                  "bytes up", "bytes down", "ovh%");
    for (size_t k = 0; k < n; k++) {
        uint64_t all = sums[k].up + sums[k].down;
        ui_lines_new(l);
        ui_lines_addf(l, ui_badge_attr(sums[k].name), " %-9s ", sums[k].name);
        ui_lines_addf(l, A_NORMAL, " %6u %6u %10llu %10llu ", sums[k].flows, sums[k].open,
                      (unsigned long long)sums[k].up, (unsigned long long)sums[k].down);
        if (all)
            ui_lines_addf(l, A_NORMAL, "%6.1f", 100.0 * (double)sums[k].overhead / (double)all);
        else
            ui_lines_addf(l, A_NORMAL, "%6s", "-");
    }
    if (!n) {
        ui_lines_new(l);
        ui_lines_str(l, ui_attr(ROLE_DIM), "  (no flows yet)");
    }
    legend(l, (const char *const[]){
                  "  ovh%: HTTP heads and framing bytes as a share of all payload bytes", NULL});
}

/* A number or "-" when the table has none (< 0). */
static void cell(struct ui_lines *l, double v, const char *fmt)
{
    if (v < 0)
        ui_lines_addf(l, A_NORMAL, " %9s", "-");
    else
        ui_lines_addf(l, A_NORMAL, fmt, v);
}

/* What was carried, whatever the server: messages each way, heartbeats, deflate. */
static void messages_table(struct ui *ui, struct ui_lines *l)
{
    ui_lines_new(l);
    ui_lines_new(l);
    ui_lines_addf(l, ui_attr(ROLE_HEADING), "%-11s %8s %10s %8s %10s %10s %10s %10s %7s", "technique",
                  "msgs s2c", "bytes s2c", "msgs c2s", "bytes c2s", "heartbeat", "deflate", "inflated", "saved");
    struct stats_row r;
    unsigned i = 0;
    while (ui->model.stats && stats_row(ui->model.stats, i++, &r)) {
        ui_lines_new(l);
        ui_lines_addf(l, ui_badge_attr(r.technique), " %-9s ", r.technique);
        ui_lines_addf(l, A_NORMAL, " %8llu %10llu %8llu %10llu %10llu %10llu %10llu",
                      (unsigned long long)r.messages[DIR_S2C], (unsigned long long)r.message_bytes[DIR_S2C],
                      (unsigned long long)r.messages[DIR_C2S], (unsigned long long)r.message_bytes[DIR_C2S],
                      (unsigned long long)r.heartbeat_bytes, (unsigned long long)r.deflate_wire,
                      (unsigned long long)r.deflate_inflated);
        if (r.deflate_inflated)
            ui_lines_addf(l, A_NORMAL, " %6.1f%%",
                          100.0 * (1.0 - (double)r.deflate_wire / (double)r.deflate_inflated));
        else
            ui_lines_addf(l, A_NORMAL, " %7s", "-");
    }
    legend(l, (const char *const[]){
                  "  messages: whole bodies, chunks, parts, SSE events, WebSocket and Flash",
                  "  messages, decoded, whatever server sent them; heartbeat: SSE comment blocks;",
                  "  deflate: compressed WebSocket messages and gzip/deflate bodies, bytes on",
                  "  the wire and inflated", NULL});
}

/* The push libraries' messages by frame type, keep-alives apart. */
static void library_table(struct ui *ui, struct ui_lines *l)
{
    struct stats_library_row r;
    if (!ui->model.stats || !stats_library_row(ui->model.stats, 0, &r))
        return;
    ui_lines_new(l);
    ui_lines_new(l);
    ui_lines_str(l, A_BOLD, "Push libraries' messages (all flows), by frame");
    ui_lines_new(l);
    ui_lines_addf(l, ui_attr(ROLE_HEADING), "%-10s %-12s %-9s %8s %10s %8s %10s", "library", "frame", "kind",
                  "msgs s2c", "bytes s2c", "msgs c2s", "bytes c2s");
    for (unsigned i = 0; stats_library_row(ui->model.stats, i, &r); i++) {
        ui_lines_new(l);
        ui_lines_addf(l, r.heartbeat ? ui_attr(ROLE_DIM) : A_NORMAL, "%-10s %-12s %-9s %8llu %10llu %8llu %10llu",
                      r.library, r.frame, r.heartbeat ? "heartbeat" : "data",
                      (unsigned long long)r.messages[DIR_S2C], (unsigned long long)r.bytes[DIR_S2C],
                      (unsigned long long)r.messages[DIR_C2S], (unsigned long long)r.bytes[DIR_C2S]);
    }
    legend(l, (const char *const[]){
                  "  each rides inside a message of the table above: the two count the same",
                  "  bytes twice", NULL});
}

static void ended_table(struct ui *ui, struct ui_lines *l)
{
    ui_lines_new(l);
    ui_lines_new(l);
    ui_lines_str(l, A_BOLD, "Flows reported: ended, or open when the input ended (the --stats table)");
    ui_lines_new(l);
    ui_lines_addf(l, ui_attr(ROLE_HEADING), "%-11s %5s %8s %7s %9s %9s %9s %9s %9s", "technique", "flows",
                  "requests", "events", "head/ev", "frame/ev", "lat mean", "lat p99", "handshake");
    struct stats_row r;
    unsigned i = 0;
    while (ui->model.stats && stats_row(ui->model.stats, i++, &r)) {
        ui_lines_new(l);
        ui_lines_addf(l, ui_badge_attr(r.technique), " %-9s ", r.technique);
        ui_lines_addf(l, A_NORMAL, " %5u %8llu %7llu", r.flows, (unsigned long long)r.requests,
                      (unsigned long long)r.events);
        cell(l, r.header_per_event, " %9.1f");
        cell(l, r.framing_per_event, " %9.1f");
        cell(l, r.latency_mean_ms, " %7.2fms");
        cell(l, r.latency_p99_ms, " %7.2fms");
        cell(l, r.handshake_mean_ms, " %7.3fms");
    }
    if (i == 1) {
        ui_lines_new(l);
        ui_lines_str(l, ui_attr(ROLE_DIM), "  (no flow reported yet)");
    }
    legend(l, (const char *const[]){
                  "  events: pushlab's event objects ({\"seq\":N,\"ts\":MS,...}): their ts gives",
                  "  the latency (what other servers send is counted as messages, next table);",
                  "  head/ev, frame/ev: HTTP head and framing bytes per event; lat: event latency", NULL});
    messages_table(ui, l);
    library_table(ui, l);
}

void ui_stats_build(struct ui *ui, struct ui_lines *l, const char *passed_over)
{
    live_table(ui, l);
    ended_table(ui, l);
    if (passed_over) { /* frames no table counts, as under the --stats tables */
        ui_lines_new(l);
        ui_lines_new(l);
        ui_lines_str(l, A_NORMAL, passed_over);
    }
}
