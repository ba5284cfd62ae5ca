/* output_json.c -- items as JSON lines (RFC 8259), the form scripts and
 * tests read.
 *
 * Text fields hold wire bytes, which need not be UTF-8: valid UTF-8 is
 * copied through, control characters become \u00XX, and a byte that does
 * not start a valid UTF-8 sequence becomes U+FFFD, so every line is valid
 * JSON whatever was captured.
 */
#include "output.h"

#include "proto/utf8.h"

/* How many bytes the UTF-8 sequence led by byte c claims (0 if c cannot lead). */
static size_t utf8_seq_len(unsigned char c)
{
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0;
}

static void json_string(FILE *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    putc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            putc('\\', out);
            putc(c, out);
        } else if (c == '\n') {
            fputs("\\n", out);
        } else if (c == '\r') {
            fputs("\\r", out);
        } else if (c == '\t') {
            fputs("\\t", out);
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
        } else if (c < 0x80) {
            putc(c, out);
        } else {
            size_t n = utf8_seq_len(c);
            if (n && n <= len - i && utf8_valid((const uint8_t *)s + i, n)) {
                fwrite(s + i, 1, n, out);
                i += n - 1;
            } else {
                fputs("\\ufffd", out);
            }
        }
    }
    putc('"', out);
}

static void json_field(FILE *out, const struct item *it, const struct item_field *f)
{
    fprintf(out, ",\"%s\":", f->name);
    switch (f->kind) {
    case FIELD_INT:
        fprintf(out, "%lld", (long long)f->v.i);
        break;
    case FIELD_MS:
        fprintf(out, "%.6f", f->v.ms);
        break;
    case FIELD_BOOL:
        fputs(f->v.b ? "true" : "false", out);
        break;
    case FIELD_NULL:
        fputs("null", out);
        break;
    case FIELD_TEXT: {
        size_t len;
        const char *s = item_text(it, f, &len);
        json_string(out, s, len);
        break;
    }
    case FIELD_PAIRS: {
        const char *n, *v;
        size_t nl, vl;
        putc('[', out);
        for (uint32_t i = 0; item_pair(it, f, i, &n, &nl, &v, &vl); i++) {
            fputs(i ? ",[" : "[", out);
            json_string(out, n, nl);
            putc(',', out);
            json_string(out, v, vl);
            putc(']', out);
        }
        putc(']', out);
        break;
    }
    }
}

void output_json(FILE *out, const struct item *it)
{
    fprintf(out, "{\"t\":%.6f,\"flow\":%u,\"type\":\"%s\"", it->t, it->flow,
            item_type_name(it->type));
    if (it->dir != DIR_NONE)
        fprintf(out, ",\"dir\":\"%s\"", item_dir_name(it->dir));
    for (unsigned i = 0; i < it->nfields; i++)
        json_field(out, it, &it->fields[i]);
    if (it->has_range)
        fprintf(out, ",\"offset\":%llu", (unsigned long long)it->offset);
    fputs("}\n", out);
}
