/* hpack.c -- HPACK's integers, strings, tables and field representations
 * (hpack.h; the Huffman code is in hpack_huffman.c).
 *
 * A block is a run of representations, each told by its first bits:
 *   1xxxxxxx  an indexed field: the whole field from a table (§6.1)
 *   01xxxxxx  a literal added to the dynamic table (§6.2.1)
 *   001xxxxx  a dynamic table size update (§6.3), only at a block's start
 *   0000xxxx  a literal not added (§6.2.2)
 *   0001xxxx  a literal never to be added, even by a proxy (§6.2.3)
 * A literal's name is an index when the prefix integer is not 0, else a
 * string; its value is always a string.
 *
 * Both the dynamic table and the decoded list live in a bytebuf as
 * records: the name's length and the value's (4 bytes each), then the
 * name and the value.  The table keeps its oldest entry first, so
 * eviction consumes from the front and a new entry is appended.  A
 * second bytebuf holds where each entry starts (its stream offset in the
 * table, which moving the bytes does not change), so the entry an index
 * names is found at once, not by walking every entry older than it: a
 * 64 KiB table holds up to 2,048, and a block may name one per byte.
 */
#include "proto/hpack.h"

#include <string.h>

#define RECORD_HEAD 8 /* two 32-bit lengths */

static const char *const static_table[HPACK_STATIC_ENTRIES][2] = {
    {":authority", ""},
    {":method", "GET"},
    {":method", "POST"},
    {":path", "/"},
    {":path", "/index.html"},
    {":scheme", "http"},
    {":scheme", "https"},
    {":status", "200"},
    {":status", "204"},
    {":status", "206"},
    {":status", "304"},
    {":status", "400"},
    {":status", "404"},
    {":status", "500"},
    {"accept-charset", ""},
    {"accept-encoding", "gzip, deflate"},
    {"accept-language", ""},
    {"accept-ranges", ""},
    {"accept", ""},
    {"access-control-allow-origin", ""},
    {"age", ""},
    {"allow", ""},
    {"authorization", ""},
    {"cache-control", ""},
    {"content-disposition", ""},
    {"content-encoding", ""},
    {"content-language", ""},
    {"content-length", ""},
    {"content-location", ""},
    {"content-range", ""},
    {"content-type", ""},
    {"cookie", ""},
    {"date", ""},
    {"etag", ""},
    {"expect", ""},
    {"expires", ""},
    {"from", ""},
    {"host", ""},
    {"if-match", ""},
    {"if-modified-since", ""},
    {"if-none-match", ""},
    {"if-range", ""},
    {"if-unmodified-since", ""},
    {"last-modified", ""},
    {"link", ""},
    {"location", ""},
    {"max-forwards", ""},
    {"proxy-authenticate", ""},
    {"proxy-authorization", ""},
    {"range", ""},
    {"referer", ""},
    {"refresh", ""},
    {"retry-after", ""},
    {"server", ""},
    {"set-cookie", ""},
    {"strict-transport-security", ""},
    {"transfer-encoding", ""},
    {"user-agent", ""},
    {"vary", ""},
    {"via", ""},
    {"www-authenticate", ""},
};

void hpack_decoder_init(struct hpack_decoder *d, size_t allowed)
{
    if (allowed > HPACK_TABLE_MAX)
        allowed = HPACK_TABLE_MAX;
    d->entries = 0;
    d->size = 0;
    d->max_size = allowed < HPACK_TABLE_DEFAULT ? allowed : HPACK_TABLE_DEFAULT;
    d->allowed = allowed;
    bytebuf_init(&d->table, allowed); /* a record is never longer than the size it counts */
    bytebuf_init(&d->starts, (allowed / HPACK_ENTRY_OVERHEAD + 1) * sizeof(uint64_t));
    bytebuf_init(&d->list, HPACK_LIST_MAX);
}

void hpack_decoder_free(struct hpack_decoder *d)
{
    bytebuf_free(&d->table);
    bytebuf_free(&d->starts);
    bytebuf_free(&d->list);
}

long hpack_read_int(const uint8_t *p, size_t len, unsigned prefix, uint32_t *value)
{
    if (len == 0)
        return PROTO_PARTIAL;
    uint32_t max_prefix = (1u << prefix) - 1;
    uint64_t v = p[0] & max_prefix;
    if (v < max_prefix) {
        *value = (uint32_t)v;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        unsigned shift = 7 * (unsigned)(i - 1);
        if (shift > 28)
            return PROTO_ERROR; /* a sixth continuation byte: past 32 bits */
        v += (uint64_t)(p[i] & 0x7f) << shift;
        if (v > UINT32_MAX)
            return PROTO_ERROR;
        if (!(p[i] & 0x80)) {
            *value = (uint32_t)v;
            return (long)i + 1;
        }
    }
    return PROTO_PARTIAL;
}

/* The record at rec: its field, and the record's whole length. */
static size_t record_field(const char *rec, struct hpack_field *f)
{
    uint32_t name_len, value_len;
    memcpy(&name_len, rec, 4);
    memcpy(&value_len, rec + 4, 4);
    f->name = (struct slice){rec + RECORD_HEAD, name_len};
    f->value = (struct slice){rec + RECORD_HEAD + name_len, value_len};
    return RECORD_HEAD + (size_t)name_len + value_len;
}

bool hpack_list_next(const struct hpack_decoder *d, size_t *pos, struct hpack_field *f)
{
    if (*pos >= d->list.len)
        return false;
    *pos += record_field(d->list.data + *pos, f);
    return true;
}

bool hpack_table_entry(const struct hpack_decoder *d, size_t i, struct hpack_field *f)
{
    if (i >= d->entries)
        return false;
    uint64_t start;
    memcpy(&start, d->starts.data + (d->entries - 1 - i) * sizeof start, sizeof start);
    record_field(d->table.data + (start - d->table.offset), f);
    return true;
}

/* Append field f to b as a record; false when b's cap or memory refuses. */
static bool append_record(struct bytebuf *b, const struct hpack_field *f)
{
    uint32_t lens[2] = {(uint32_t)f->name.len, (uint32_t)f->value.len};
    return bytebuf_reserve(b, sizeof lens + f->name.len + f->value.len) &&
           bytebuf_append(b, lens, sizeof lens) && bytebuf_append(b, f->name.ptr, f->name.len) &&
           bytebuf_append(b, f->value.ptr, f->value.len);
}

/* The field at index (1-based, static table first, §2.3.3). */
static bool lookup(const struct hpack_decoder *d, uint32_t index, struct hpack_field *f)
{
    if (index == 0)
        return false;
    if (index <= HPACK_STATIC_ENTRIES) {
        const char *const *e = static_table[index - 1];
        f->name = (struct slice){e[0], strlen(e[0])};
        f->value = (struct slice){e[1], strlen(e[1])};
        return true;
    }
    return hpack_table_entry(d, index - HPACK_STATIC_ENTRIES - 1, f);
}

static void evict_oldest(struct hpack_decoder *d)
{
    struct hpack_field f;
    bytebuf_consume(&d->table, record_field(d->table.data, &f));
    bytebuf_consume(&d->starts, sizeof(uint64_t));
    d->size -= f.name.len + f.value.len + HPACK_ENTRY_OVERHEAD;
    d->entries--;
}

/* Make room for `need` bytes under the bound (§4.4): evict from the oldest. */
static void evict_for(struct hpack_decoder *d, size_t need)
{
    while (d->entries > 0 && d->size + need > d->max_size)
        evict_oldest(d);
}

/* Add a field to the dynamic table (§4.4): one larger than the bound
 * empties the table and is not added.  The records never pass the
 * table's cap (each is shorter than the size it counts), so only memory
 * running out can make an append fail. */
static const char *table_add(struct hpack_decoder *d, const struct hpack_field *f)
{
    size_t need = f->name.len + f->value.len + HPACK_ENTRY_OVERHEAD;
    evict_for(d, need);
    if (need > d->max_size)
        return NULL;
    uint64_t start = d->table.offset + d->table.len; /* the stream offset of its first byte */
    if (!append_record(&d->table, f) || !bytebuf_append(&d->starts, &start, sizeof start))
        return "out of memory for the dynamic table";
    d->size += need;
    d->entries++;
    return NULL;
}

/* A string literal (§5.2) at block[*at..len), appended to the list. */
static const char *read_string(struct hpack_decoder *d, const uint8_t *block, size_t len, size_t *at)
{
    uint32_t n;
    long r = hpack_read_int(block + *at, len - *at, 7, &n);
    if (r == PROTO_ERROR)
        return "string length too large";
    if (r == PROTO_PARTIAL)
        return "block ends inside a string length";
    bool huffman = block[*at] & 0x80;
    *at += (size_t)r;
    if (n > len - *at)
        return "string longer than the block";
    const uint8_t *s = block + *at;
    *at += n;
    if (huffman)
        return hpack_huffman_decode(s, n, &d->list);
    return bytebuf_append(&d->list, s, n) ? NULL : "header list too long";
}

/* Set the lengths of the list record that starts at `start` and holds
 * name_len bytes of name and the rest value. */
static void close_record(struct hpack_decoder *d, size_t start, size_t name_len)
{
    uint32_t lens[2] = {(uint32_t)name_len, (uint32_t)(d->list.len - start - RECORD_HEAD - name_len)};
    memcpy(d->list.data + start, lens, sizeof lens);
}

/* A literal field (§6.2) whose first byte is at block[*at]: its index
 * has `prefix` bits. */
static const char *read_literal(struct hpack_decoder *d, const uint8_t *block, size_t len, size_t *at,
                                unsigned prefix)
{
    uint32_t index;
    long r = hpack_read_int(block + *at, len - *at, prefix, &index);
    if (r < 0)
        return r == PROTO_ERROR ? "index too large" : "block ends inside an index";
    *at += (size_t)r;
    size_t start = d->list.len;
    static const uint8_t no_lengths_yet[RECORD_HEAD];
    if (!bytebuf_append(&d->list, no_lengths_yet, sizeof no_lengths_yet))
        return "header list too long";
    const char *why;
    if (index) {
        struct hpack_field named;
        if (!lookup(d, index, &named))
            return "name index beyond the tables";
        if (!bytebuf_append(&d->list, named.name.ptr, named.name.len))
            return "header list too long";
    } else if ((why = read_string(d, block, len, at)))
        return why;
    size_t name_len = d->list.len - start - RECORD_HEAD;
    if ((why = read_string(d, block, len, at)))
        return why;
    close_record(d, start, name_len);
    return NULL;
}

/* An indexed field (§6.1) at block[*at], copied to the list. */
static const char *read_indexed(struct hpack_decoder *d, const uint8_t *block, size_t len, size_t *at)
{
    uint32_t index;
    long r = hpack_read_int(block + *at, len - *at, 7, &index);
    if (r < 0)
        return r == PROTO_ERROR ? "index too large" : "block ends inside an index";
    *at += (size_t)r;
    struct hpack_field f;
    if (index == 0)
        return "index 0";
    if (!lookup(d, index, &f))
        return "index beyond the tables";
    return append_record(&d->list, &f) ? NULL : "header list too long";
}

/* A size update (§6.3) at block[*at]: the encoder's new bound. */
static const char *read_size_update(struct hpack_decoder *d, const uint8_t *block, size_t len, size_t *at)
{
    uint32_t size;
    long r = hpack_read_int(block + *at, len - *at, 5, &size);
    if (r < 0)
        return r == PROTO_ERROR ? "table size too large" : "block ends inside a table size";
    *at += (size_t)r;
    if (size > d->allowed)
        return "table size update above the size allowed";
    d->max_size = size;
    evict_for(d, 0);
    return NULL;
}

/* The fields of block, into the list; why not (the list half written). */
static const char *decode_fields(struct hpack_decoder *d, const uint8_t *block, size_t len)
{
    bool field_seen = false;
    size_t at = 0;
    while (at < len) {
        uint8_t first = block[at];
        const char *why;
        if (first & 0x80) {
            why = read_indexed(d, block, len, &at);
        } else if ((first & 0xe0) == 0x20) {
            if (field_seen)
                return "table size update after a field";
            why = read_size_update(d, block, len, &at);
            if (why)
                return why;
            continue;
        } else if (first & 0x40) {
            size_t start = d->list.len;
            why = read_literal(d, block, len, &at, 6);
            if (!why) {
                struct hpack_field f;
                record_field(d->list.data + start, &f);
                why = table_add(d, &f);
            }
        } else {
            why = read_literal(d, block, len, &at, 4); /* 0000 and 0001 differ only to proxies */
        }
        if (why)
            return why;
        field_seen = true;
    }
    return NULL;
}

const char *hpack_decode(struct hpack_decoder *d, const uint8_t *block, size_t len)
{
    bytebuf_reset(&d->list, 0);
    const char *why = decode_fields(d, block, len);
    if (why)
        bytebuf_reset(&d->list, 0); /* a record may be cut short: no list */
    return why;
}
