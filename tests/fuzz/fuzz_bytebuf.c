/* fuzz_bytebuf.c -- libFuzzer target for the byte buffer (proto/bytebuf.h).
 *
 * The input is a program: each byte picks an operation (append, consume,
 * reserve and write in place, reset, swap with a second buffer, change the
 * cap, free) and the next byte its size.  The same operations run on a
 * plain model (an array and a count), and after each one the buffer must
 * hold exactly the model's bytes at the model's offset, never allocate
 * past its cap when it grows, and never report room past the cap or past
 * its allocation.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/bytebuf.h"

#include "fuzz_check.h"

#define MODEL_MAX 4096 /* the largest cap the program can set */

struct model {
    uint8_t bytes[MODEL_MAX];
    size_t len;
    uint64_t offset;
};

static void agree(const struct bytebuf *b, const struct model *m)
{
    CHECK(b->len == m->len);
    CHECK(b->offset == m->offset);
    CHECK(b->len == 0 || memcmp(b->data, m->bytes, b->len) == 0);
    CHECK(b->mem || (b->data == NULL && b->size == 0));
    if (b->mem)
        CHECK(b->data >= b->mem && (size_t)(b->data - b->mem) + b->len <= b->size);
    size_t room = bytebuf_room(b);
    CHECK(room == 0 || (b->len < b->cap && room <= b->cap - b->len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bytebuf b, other;
    static struct model m;
    bytebuf_init(&b, 1024);
    bytebuf_init(&other, 0);
    m.len = 0;
    m.offset = 0;
    uint8_t fill = 0;
    for (size_t i = 0; i + 1 < size; i += 2) {
        size_t n = (size_t)data[i + 1] * (data[i] & 0x10 ? 16 : 1);
        size_t size_before = b.size;
        switch (data[i] % 8) {
        case 0: { /* append n bytes */
            uint8_t piece[255 * 16];
            for (size_t k = 0; k < n; k++)
                piece[k] = fill++;
            bool fits = m.len <= b.cap && n <= b.cap - m.len;
            bool ok = bytebuf_append(&b, piece, n);
            CHECK(ok == fits); /* malloc does not fail under the fuzzer */
            if (ok) {
                memcpy(m.bytes + m.len, piece, n);
                m.len += n;
            }
            break;
        }
        case 1: { /* consume n */
            size_t k = n < m.len ? n : m.len;
            bytebuf_consume(&b, n);
            memmove(m.bytes, m.bytes + k, m.len - k);
            m.len -= k;
            m.offset += k;
            break;
        }
        case 2: { /* reserve n, then write as much as there is room for */
            CHECK(bytebuf_reserve(&b, n));
            size_t room = bytebuf_room(&b);
            size_t left = m.len < b.cap ? b.cap - m.len : 0;
            CHECK(room >= (n < left ? n : left));
            size_t k = room < n ? room : n;
            for (size_t j = 0; j < k; j++)
                m.bytes[m.len + j] = bytebuf_tail(&b)[j] = (char)fill++;
            bytebuf_commit(&b, k);
            m.len += k;
            break;
        }
        case 3: /* reset */
            bytebuf_reset(&b, n);
            m.len = 0;
            m.offset = n;
            break;
        case 4: /* swap with an empty buffer and back: the bytes come home */
            bytebuf_swap(&b, &other);
            CHECK(b.len == 0 && b.mem == NULL);
            bytebuf_swap(&b, &other);
            break;
        case 5: /* change the cap (it may fall below what is held) */
            b.cap = n;
            break;
        case 6: /* free: nothing held, the offset stays */
            bytebuf_free(&b);
            m.len = 0;
            break;
        default: /* a growing cap, up to the model's size */
            b.cap = b.cap + n < MODEL_MAX ? b.cap + n : MODEL_MAX;
            break;
        }
        agree(&b, &m);
        if (b.size > size_before) /* it grew: never past the cap */
            CHECK(b.size <= b.cap);
    }
    bytebuf_free(&b);
    bytebuf_free(&other);
    return 0;
}
