/* output.c -- everything pushlab-client writes to stdout (output.h).
 *
 * Text for people, JSON for scripts, from the same values: every field a
 * text line shows is in the JSON object under the contract's name
 * (DESIGN.md, "Client").  Event text comes from the network, so it is
 * always printed escaped: a server cannot move the cursor or forge a line
 * (print_json_string says which characters that takes).
 */
#include "client/output.h"

#include <stdio.h>

#include "proto/printable.h"

/* Write s[0..len) as a JSON string, quotes included (RFC 8259 §7).
 * Bytes >= 0x80 are UTF-8 (event_find made them so) and pass through,
 * except three kinds of character that are controls to a reader: the C1
 * controls U+0080..U+009F (U+009B is a terminal's CSI, as ESC [ is) and
 * the separators U+2028 and U+2029 (line ends to Python's splitlines and
 * to older JavaScript).  They are escaped like the C0 controls, by the
 * rule pushviz's JSON lines follow (proto/printable.h). */
static void print_json_string(const char *s, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        unsigned cp;
        size_t n = json_extra_escape((const uint8_t *)s + i, len - i, &cp);
        if (n) { /* C1, U+2028, U+2029 */
            printf("\\u%04x", cp);
            i += n - 1;
            continue;
        }
        switch (ch) {
        case '"': fputs("\\\"", stdout); break;
        case '\\': fputs("\\\\", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        default:
            if (ch < 0x20 || ch == 0x7f)
                printf("\\u%04x", ch);
            else
                putchar(ch);
        }
    }
    putchar('"');
}

void output_event(bool json, const struct event_view *ev, const char *text, int64_t latency_ms)
{
    /* The decoded text may have been cut to the buffer: print what we hold. */
    size_t len = 0;
    while (text[len])
        len++;
    if (json) {
        printf("{\"seq\":%llu,\"ts\":%lld,\"kind\":\"%s\",\"text\":", (unsigned long long)ev->seq,
               (long long)ev->ts_ms, event_kind_name(ev->kind));
        print_json_string(text, len);
        printf(",\"latency_ms\":%lld}\n", (long long)latency_ms);
    } else {
        printf("seq=%llu kind=%s latency_ms=%lld text=", (unsigned long long)ev->seq,
               event_kind_name(ev->kind), (long long)latency_ms);
        print_json_string(text, len);
        putchar('\n');
    }
    fflush(stdout);
}

void output_sent(bool json, const char *text, uint64_t seq, double rtt_ms)
{
    size_t len = 0;
    while (text[len])
        len++;
    if (json) {
        fputs("{\"sent\":", stdout);
        print_json_string(text, len);
        printf(",\"seq\":%llu,\"round_trip_ms\":%.3f}\n", (unsigned long long)seq, rtt_ms);
    } else {
        fputs("sent ", stdout);
        print_json_string(text, len);
        printf(": back as seq=%llu after %.3f ms\n", (unsigned long long)seq, rtt_ms);
    }
    fflush(stdout);
}

/* With nothing delivered there is no latency and no cost per event:
 * null in JSON and "none" in text, never a 0 that reads as instant. */
static void json_number(const char *name, double v, bool known, int decimals)
{
    printf("\"%s\":", name);
    if (known)
        printf("%.*f", decimals, v);
    else
        fputs("null", stdout);
}

void output_summary(bool json, const struct load_summary *m)
{
    double rate = m->duration_s > 0 ? (double)m->events_delivered / m->duration_s : 0;
    bool measured = m->latency.samples > 0, per_event = m->header_bytes_known;
    if (json) {
        printf("{\"technique\":\"%s\",\"clients\":%llu,\"connected\":%llu,"
               "\"events_delivered\":%llu,\"events_expected\":%llu,\"latency_ms\":{",
               m->technique, (unsigned long long)m->clients, (unsigned long long)m->connected,
               (unsigned long long)m->events_delivered, (unsigned long long)m->events_expected);
        json_number("p50", m->latency.p50, measured, 3);
        fputc(',', stdout);
        json_number("p90", m->latency.p90, measured, 3);
        fputc(',', stdout);
        json_number("p99", m->latency.p99, measured, 3);
        fputc(',', stdout);
        json_number("max", m->latency.max, measured, 3);
        printf("},\"requests\":%llu,\"bytes_up\":%llu,\"bytes_down\":%llu,",
               (unsigned long long)m->requests, (unsigned long long)m->bytes_up,
               (unsigned long long)m->bytes_down);
        json_number("header_bytes_per_event", m->header_bytes_per_event, per_event, 1);
        printf(",\"errors\":%llu,\"first_error\":", (unsigned long long)m->errors);
        if (m->first_error) {
            size_t len = 0;
            while (m->first_error[len])
                len++;
            print_json_string(m->first_error, len);
        } else {
            fputs("null", stdout);
        }
        printf(",\"duration_s\":%.3f,\"%s\":%.1f,\"drain_s\":%.3f}\n", m->duration_s,
               m->echo ? "round_trips_per_s" : "events_per_s", rate, m->drain_s);
    } else {
        char latency[128] = "none (nothing delivered)", per_event_text[32] = "none";
        if (measured)
            snprintf(latency, sizeof latency, "%.3f / %.3f / %.3f / %.3f ms", m->latency.p50,
                     m->latency.p90, m->latency.p99, m->latency.max);
        if (per_event)
            snprintf(per_event_text, sizeof per_event_text, "%.1f", m->header_bytes_per_event);
        printf("technique                  %s%s\n"
               "clients                    %llu\n"
               "connected                  %llu\n"
               "events delivered           %llu\n"
               "events expected            %llu (missing %lld)\n"
               "%-27s%s\n"
               "requests                   %llu\n"
               "bytes up / down            %llu / %llu\n"
               "header bytes per event     %s\n"
               "%-27s%.1f over %.3f s\n"
               "drained after the end      %.3f s\n"
               "errors                     %llu%s%s\n",
               m->technique, m->echo ? " (echo round trips)" : "",
               (unsigned long long)m->clients, (unsigned long long)m->connected,
               (unsigned long long)m->events_delivered, (unsigned long long)m->events_expected,
               (long long)m->events_expected - (long long)m->events_delivered,
               m->echo ? "round trip p50/p90/p99/max" : "latency p50/p90/p99/max", latency,
               (unsigned long long)m->requests, (unsigned long long)m->bytes_up,
               (unsigned long long)m->bytes_down, per_event_text,
               m->echo ? "round trips per second" : "events per second", rate, m->duration_s,
               m->drain_s, (unsigned long long)m->errors, m->first_error ? ", first: " : "",
               m->first_error ? m->first_error : "");
    }
    fflush(stdout);
}
