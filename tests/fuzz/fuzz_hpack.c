/* fuzz_hpack.c -- libFuzzer target for the HPACK decoder.
 *
 * The input is a table bound and a run of header blocks, the way one
 * direction of a connection sends them: the first byte times 64 is the
 * size the decoder allows, then each block is one length byte and that
 * many bytes.  The blocks go to one decoder, until one is refused.
 * Checks, on arbitrary bytes:
 *   - a decoded list stays within HPACK_LIST_MAX and every field in it
 *     lies inside the list;
 *   - the dynamic table's entries add up to its size, which stays within
 *     the encoder's bound, itself within the size allowed;
 *   - a Huffman string never decodes to more bytes than 8/5 of its own
 *     (5 bits is the shortest code).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hpack.h"

#include "fuzz_check.h"


static void check_state(const struct hpack_decoder *d)
{
    size_t pos = 0;
    struct hpack_field f;
    while (hpack_list_next(d, &pos, &f)) {
        CHECK(f.name.ptr >= d->list.data && f.value.ptr + f.value.len <= d->list.data + d->list.len);
    }
    CHECK(pos == d->list.len && d->list.len <= HPACK_LIST_MAX);
    size_t size = 0, i = 0;
    for (; hpack_table_entry(d, i, &f); i++)
        size += f.name.len + f.value.len + HPACK_ENTRY_OVERHEAD;
    CHECK(i == d->entries && size == d->size);
    CHECK(d->size <= d->max_size && d->max_size <= d->allowed && d->allowed <= HPACK_TABLE_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t *in = exact_copy(bytes, size);
    struct hpack_decoder d;
    hpack_decoder_init(&d, (size_t)in[0] * 64);
    size_t pos = 1;
    while (pos < size) {
        size_t len = in[pos++];
        if (len > size - pos)
            len = size - pos;
        const char *why = hpack_decode(&d, in + pos, len);
        check_state(&d);
        pos += len;
        if (why)
            break;
    }
    hpack_decoder_free(&d);
    struct bytebuf out;
    bytebuf_init(&out, HPACK_LIST_MAX);
    if (!hpack_huffman_decode(in + 1, size - 1, &out))
        CHECK(out.len * 5 <= (size - 1) * 8);
    bytebuf_free(&out);
    free(in);
    return 0;
}
