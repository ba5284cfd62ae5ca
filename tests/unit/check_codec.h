/* check_codec.h -- what the tests of the message codecs share
 * (check_engineio.c, check_sockjs.c): parsing a C string that must be
 * accepted, a list of strings that must each be refused with a reason,
 * and comparing a slice the codec returned with the text expected.
 *
 * The codecs' parsers have one shape, whatever they fill in:
 *   int parse(const char *text, size_t len, T *out, struct proto_err *err)
 * returning 0, or PROTO_ERROR with err->why set; so these are macros over
 * the parser and its T.
 */
#ifndef CHECK_CODEC_H
#define CHECK_CODEC_H

#include <check.h>
#include <string.h>

#include "proto/proto.h"

/* Parse the C string s into *out; the test fails, naming s and the
 * parser's reason, unless it is accepted. */
#define CHECK_PARSES(parse, s, out)                                                               \
    do {                                                                                          \
        struct proto_err check_err_ = {0};                                                        \
        ck_assert_msg(parse((s), strlen(s), (out), &check_err_) == 0, "%s: %s", (s),            \
                      check_err_.why);                                                            \
    } while (0)

/* Every string of the array bad (const char *[]) is refused, with a reason. */
#define CHECK_ALL_REFUSED(parse, type, bad)                                                       \
    for (size_t check_i_ = 0; check_i_ < sizeof(bad) / sizeof(bad)[0]; check_i_++) {             \
        type check_out_;                                                                          \
        struct proto_err check_err_ = {0};                                                        \
        ck_assert_msg(parse((bad)[check_i_], strlen((bad)[check_i_]), &check_out_, &check_err_) ==   \
                          PROTO_ERROR,                                                            \
                      "accepted %s", (bad)[check_i_]);                                            \
        ck_assert_ptr_nonnull(check_err_.why);                                                    \
    }

/* The slice holds exactly the text want. */
static inline void check_slice_is(struct slice s, const char *want)
{
    ck_assert_msg(s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0, "got %.*s, want %s",
                  (int)s.len, s.ptr ? s.ptr : "", want);
}

#endif
