/* item.c -- building and reading items (see item.h).
 *
 * An item's text lives in its arena: a FIELD_TEXT field is (offset, length)
 * into it, a FIELD_PAIRS field a run of length-prefixed strings.  Offsets
 * rather than pointers make a copy a plain memcpy (item_dup).
 */
#include "items/item.h"

#include <stdlib.h>
#include <string.h>

#include "proto/utf8.h"

static const char *const type_names[ITEM_TYPE_COUNT] = {
    [ITEM_FLOW] = "flow",
    [ITEM_TCP] = "tcp",
    [ITEM_HTTP_REQUEST] = "http_request",
    [ITEM_HTTP_RESPONSE] = "http_response",
    [ITEM_CHUNK] = "chunk",
    [ITEM_PART] = "part",
    [ITEM_BODY] = "body",
    [ITEM_SSE_EVENT] = "sse_event",
    [ITEM_SSE_COMMENT] = "sse_comment",
    [ITEM_WS_FRAME] = "ws_frame",
    [ITEM_FLASH] = "flash",
    [ITEM_EVENT] = "event",
    [ITEM_ERROR] = "error",
    [ITEM_MESSAGE] = "message",
    [ITEM_TLS] = "tls",
    [ITEM_HTTP2] = "http2",
    [ITEM_JOINED] = "joined",
    [ITEM_CAPTURE_STATS] = "capture_stats",
};

const char *item_type_name(enum item_type type)
{
    return (unsigned)type < ITEM_TYPE_COUNT ? type_names[type] : "?";
}

const char *item_dir_name(enum item_dir dir)
{
    return dir == DIR_C2S ? "c2s" : dir == DIR_S2C ? "s2c" : "";
}

struct item *item_start(struct item_builder *b, enum item_type type, unsigned flow,
                        enum item_dir dir, int64_t ts_ns)
{
    /* Every member but the field slots is set here.  The slots are not
     * cleared: only fields[0..nfields) are ever read, and clearing all
     * VIZ_ITEM_FIELDS of them cost more than filling the few an item has
     * (this runs for every item, millions of times in a large replay). */
    struct item *it = &b->item;
    it->type = type;
    it->flow = flow;
    it->dir = dir;
    it->ts_ns = ts_ns;
    it->t = 0;
    it->has_range = false;
    it->offset = 0;
    it->length = 0;
    it->nfields = 0;
    it->arena = b->storage;
    it->arena_len = 0;
    it->arena_cap = sizeof b->storage;
    it->cut = false;
    return it;
}

void item_set_range(struct item *it, uint64_t offset, uint64_t length)
{
    it->has_range = true;
    it->offset = offset;
    it->length = length;
}

void item_add_ms(struct item *it, const char *name, double ms)
{
    struct item_field *f = item_new_field(it, name, FIELD_MS);
    if (f)
        f->v.ms = ms;
}

void item_add_bool(struct item *it, const char *name, bool v)
{
    struct item_field *f = item_new_field(it, name, FIELD_BOOL);
    if (f)
        f->v.b = v;
}

void item_add_null(struct item *it, const char *name)
{
    item_new_field(it, name, FIELD_NULL);
}

/* Copy up to len bytes into the arena; returns how many fit. */
static size_t arena_put(struct item *it, const void *p, size_t len)
{
    size_t room = it->arena_cap - it->arena_len;
    if (len > room) {
        len = room;
        it->cut = true;
    }
    if (len)
        memcpy(it->arena + it->arena_len, p, len);
    it->arena_len += len;
    return len;
}

void item_add_text(struct item *it, const char *name, const void *text, size_t len)
{
    struct item_field *f = item_new_field(it, name, FIELD_TEXT);
    if (!f)
        return;
    f->v.text.off = (uint32_t)it->arena_len;
    f->v.text.len = (uint32_t)arena_put(it, text, len);
}

void item_add_shown(struct item *it, const char *name, const void *text, size_t len, uint64_t total)
{
    if (len > VIZ_PAYLOAD_SHOWN)
        len = VIZ_PAYLOAD_SHOWN;
    if (len < total)
        len = utf8_cut(text, len);
    item_add_text(it, name, text, len);
}

void item_add_str(struct item *it, const char *name, const char *s)
{
    item_add_text(it, name, s, strlen(s));
}

void item_add_pairs(struct item *it, const char *name)
{
    struct item_field *f = item_new_field(it, name, FIELD_PAIRS);
    if (!f)
        return;
    f->v.text.off = (uint32_t)it->arena_len;
    f->v.text.len = 0; /* item_pairs_append adds to both */
    f->v.text.count = 0;
}

/* A pair is stored as: uint32 name length, name, uint32 value length, value.
 * Only whole pairs are stored; one that does not fit is dropped. */
void item_pairs_append(struct item *it, const void *name, size_t name_len, const void *value,
                       size_t value_len)
{
    if (it->nfields == 0 || it->fields[it->nfields - 1].kind != FIELD_PAIRS)
        return;
    struct item_field *f = &it->fields[it->nfields - 1];
    size_t need = 8 + name_len + value_len;
    if (need > it->arena_cap - it->arena_len) {
        it->cut = true;
        return;
    }
    uint32_t n = (uint32_t)name_len, v = (uint32_t)value_len;
    arena_put(it, &n, 4);
    arena_put(it, name, name_len);
    arena_put(it, &v, 4);
    arena_put(it, value, value_len);
    f->v.text.len += (uint32_t)need;
    f->v.text.count++;
}

const struct item_field *item_field(const struct item *it, const char *name)
{
    for (unsigned i = 0; i < it->nfields; i++)
        if (strcmp(it->fields[i].name, name) == 0)
            return &it->fields[i];
    return NULL;
}

const char *item_text(const struct item *it, const struct item_field *f, size_t *len)
{
    *len = f->v.text.len;
    return it->arena + f->v.text.off;
}

const char *item_text_of(const struct item *it, const char *name, size_t *len)
{
    const struct item_field *f = item_field(it, name);
    *len = 0;
    return f && f->kind == FIELD_TEXT ? item_text(it, f, len) : "";
}

bool item_pair(const struct item *it, const struct item_field *f, uint32_t i, const char **name,
               size_t *name_len, const char **value, size_t *value_len)
{
    if (f->kind != FIELD_PAIRS || i >= f->v.text.count)
        return false;
    const char *p = it->arena + f->v.text.off;
    uint32_t n, v;
    for (;;) {
        memcpy(&n, p, 4);
        memcpy(&v, p + 4 + n, 4);
        if (i-- == 0)
            break;
        p += 8 + n + v;
    }
    *name = p + 4;
    *name_len = n;
    *value = p + 8 + n;
    *value_len = v;
    return true;
}

int64_t item_int(const struct item *it, const char *name, int64_t def)
{
    const struct item_field *f = item_field(it, name);
    return f && f->kind == FIELD_INT ? f->v.i : def;
}

struct item *item_dup(const struct item *it, size_t room)
{
    struct item *copy = malloc(sizeof *copy + it->arena_len + room);
    if (!copy)
        return NULL;
    *copy = *it;
    copy->arena = (char *)(copy + 1);
    copy->arena_cap = it->arena_len + room;
    if (it->arena_len)
        memcpy(copy->arena, it->arena, it->arena_len);
    return copy;
}

void item_set_text(struct item *it, const char *name, const void *text, size_t len)
{
    for (unsigned i = 0; i < it->nfields; i++) {
        struct item_field *f = &it->fields[i];
        if (f->kind == FIELD_TEXT && strcmp(f->name, name) == 0) {
            f->v.text.off = (uint32_t)it->arena_len;
            f->v.text.len = (uint32_t)arena_put(it, text, len);
            return;
        }
    }
}
