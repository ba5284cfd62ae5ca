/* fuzz_check.h -- the two things every fuzz target here needs besides its
 * codec.
 *
 * CHECK stops the run at a broken promise: abort() is a crash to
 * libFuzzer, which then saves the input that broke it.
 *
 * exact_copy puts the input, or a piece of it, in a heap block of exactly
 * its size.  libFuzzer's own buffer may have room after the input, so a
 * parser reading one byte too far would go unseen there; in an exact
 * block AddressSanitizer reports it.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdlib.h>
#include <string.h>

#define CHECK(cond) \
    do { \
        if (!(cond)) \
            abort(); \
    } while (0)

/* `size` bytes from `bytes` in a block of exactly that size (one byte for
 * none, which no parser may read); free() it. */
static inline void *exact_copy(const void *bytes, size_t size)
{
    void *copy = malloc(size ? size : 1);
    CHECK(copy);
    if (size)
        memcpy(copy, bytes, size);
    return copy;
}

#endif
