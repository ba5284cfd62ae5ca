/* tuple_hash.c -- a connection's hash, keyed (see tuple_hash.h for why). */
#include "flows/tuple_hash.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* SplitMix64 (Steele, Lea and Flood 2014): each call a well-mixed 64-bit
 * value from a counter, so one seed gives the key's six multipliers. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

uint64_t tuple_key_seed(void)
{
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
        return seed;
    /* Early in boot the kernel may not have its random bytes yet: the
     * clock's nanoseconds and where this process's stack lies (address
     * space layout randomisation) still vary from run to run. */
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    uint64_t state = (uint64_t)t.tv_nsec ^ (uint64_t)t.tv_sec << 32 ^ (uint64_t)(uintptr_t)&t ^
                     (uint64_t)getpid() << 48;
    return splitmix64(&state);
}

void tuple_key_make(struct tuple_key *k, uint64_t seed)
{
    uint64_t state = seed;
    for (int i = 0; i < 4; i++)
        k->word[i] = splitmix64(&state) | 1;
    k->port = splitmix64(&state) | 1;
    k->mix = splitmix64(&state) | 1;
}

/* One endpoint: each 32-bit word of the address and the port times its
 * own multiplier.  The products do not depend on one another, so the
 * processor computes them side by side; a byte-at-a-time hash (FNV) is a
 * chain of 17 multiplications per endpoint, every packet. */
static uint64_t endpoint_hash(const struct tuple_key *k, const struct ip_addr *a, uint16_t port)
{
    uint32_t w[4];
    memcpy(w, a->bytes, sizeof w);
    return w[0] * k->word[0] ^ w[1] * k->word[1] ^ w[2] * k->word[2] ^ w[3] * k->word[3] ^
           port * k->port;
}

uint64_t tuple_hash(const struct tuple_key *k, const struct ip_addr *a, uint16_t pa,
                    const struct ip_addr *b, uint16_t pb)
{
    /* A sum, so the order of the endpoints does not matter. */
    return (endpoint_hash(k, a, pa) + endpoint_hash(k, b, pb)) * k->mix;
}
