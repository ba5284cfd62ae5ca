/* tuple_hash.h -- a connection's hash, keyed with a secret drawn for each
 * flow table.
 *
 * Why keyed: the index (flow_index.h) puts a connection at the top bits
 * of its hash, and by linear probing connections whose places crowd
 * together share one run of slots, which a lookup walks.  With fixed
 * multipliers anybody can compute the hash, so a capture can be crafted
 * whose connections all fall into one run: each new one then walks all
 * the others, and 60,000 such connections (a 3 MB file, or SYNs sent
 * into a network pushviz captures live) took 8.5 s where 60,000 ordinary
 * ones take 0.02 s; the time grows with the square of their number.
 * Here every multiplier is drawn at random when the table is made, so
 * which connections crowd together cannot be known beforehand: for two
 * different connections the chance that their places coincide is about
 * the same as for random places (multiply-shift hashing, Dietzfelbinger
 * et al. 1997).  Nothing shown depends on the hash, so output is the same
 * from one run to the next.
 */
#ifndef VIZ_TUPLE_HASH_H
#define VIZ_TUPLE_HASH_H

#include <stdint.h>

#include "capture/decode.h"

struct tuple_key {
    uint64_t word[4]; /* odd multipliers of an address's four 32-bit words */
    uint64_t port;    /* and of the port */
    uint64_t mix;     /* the two endpoints' sum is multiplied by this */
};

/* A seed nobody can guess: the kernel's random bytes, or (where the
 * kernel has none yet) the clock and this process's addresses mixed. */
uint64_t tuple_key_seed(void);

/* The key that seed makes (every multiplier odd). */
void tuple_key_make(struct tuple_key *k, uint64_t seed);

/* The hash of the connection between a:pa and b:pb.  Symmetric: both
 * directions of a connection have one hash.  The top bits are the best
 * mixed (the last step is a multiplication), which the index uses. */
uint64_t tuple_hash(const struct tuple_key *k, const struct ip_addr *a, uint16_t pa,
                    const struct ip_addr *b, uint16_t pb);

#endif
