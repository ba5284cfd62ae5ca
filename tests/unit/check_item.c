/* check_item.c -- an item kept back and finished later (viz/items/item.c):
 * item_dup's room, and item_set_text, which a compressed body's chunk or
 * HTTP/2 DATA frame needs (content_coding.c holds its item until the text
 * its data decodes to is known).  The field keeps its place among the
 * others, the copy owns all its bytes, and a text longer than the room is
 * cut and says so, never written past the copy. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "items/item.h"

/* The text of field `name` of it, as a NUL-terminated string in out. */
static const char *text_of(const struct item *it, const char *name, char *out, size_t cap)
{
    size_t len;
    const char *t = item_text_of(it, name, &len);
    ck_assert_uint_lt(len, cap);
    memcpy(out, t, len);
    out[len] = '\0';
    return out;
}

START_TEST(a_copy_with_room_takes_its_text_later_in_place)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_CHUNK, 3, DIR_S2C, 42);
    item_add_int(it, "size", 7);
    item_add_text(it, "text", "\x1f\x8b\x08", 3); /* as sent: a gzip header */
    item_add_str(it, "content", "sse");
    struct item *copy = item_dup(it, 16);
    ck_assert_ptr_nonnull(copy);
    memset(&b, 0, sizeof b); /* the copy owns its bytes */
    item_set_text(copy, "text", "data: 1", 7);
    char buf[64];
    ck_assert_str_eq(text_of(copy, "text", buf, sizeof buf), "data: 1");
    ck_assert_str_eq(text_of(copy, "content", buf, sizeof buf), "sse");
    ck_assert_int_eq(item_int(copy, "size", 0), 7);
    /* The field order is the contract's: text stays second. */
    ck_assert_uint_eq(copy->nfields, 3);
    ck_assert_str_eq(copy->fields[1].name, "text");
    ck_assert(!copy->cut);
    /* A field it does not have: nothing changes. */
    item_set_text(copy, "data", "x", 1);
    ck_assert_uint_eq(copy->nfields, 3);
    ck_assert_ptr_null(item_field(copy, "data"));
    free(copy);
}
END_TEST

START_TEST(a_text_longer_than_the_room_is_cut)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_HTTP2, 1, DIR_S2C, 0);
    item_add_text(it, "text", "abc", 3);
    struct item *copy = item_dup(it, 4);
    ck_assert_ptr_nonnull(copy);
    item_set_text(copy, "text", "0123456789", 10);
    char buf[64];
    ck_assert_str_eq(text_of(copy, "text", buf, sizeof buf), "0123");
    ck_assert(copy->cut);
    ck_assert_uint_eq(copy->arena_len, copy->arena_cap);
    free(copy);
    /* No room: the text is empty, and cut. */
    copy = item_dup(it, 0);
    ck_assert_ptr_nonnull(copy);
    item_set_text(copy, "text", "x", 1);
    ck_assert_str_eq(text_of(copy, "text", buf, sizeof buf), "");
    ck_assert(copy->cut);
    free(copy);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("item");
    TCase *tc = tcase_create("item");
    tcase_add_test(tc, a_copy_with_room_takes_its_text_later_in_place);
    tcase_add_test(tc, a_text_longer_than_the_room_is_cut);
    suite_add_tcase(s, tc);
    return check_run(s);
}
