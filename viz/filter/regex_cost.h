/* regex_cost.h -- how big a POSIX extended regular expression grows
 * when it is compiled, before it is handed to regcomp(3).
 *
 * glibc's regcomp builds a tree and copies a repeated piece once per
 * repetition: `a{100}` becomes 100 nodes, `a+` becomes `aa*` (two), so
 * repeats of repeats multiply.  `((a{100}){100}){100}` asks for a million
 * nodes (about 200 MB), and a run of `+` doubles the size at each one:
 * sixty of them would need more memory than any machine has.  The filter
 * prices an expression with regex_cost and refuses one that is too
 * dear, instead of letting a typo exhaust memory.
 */
#ifndef VIZ_FILTER_REGEX_COST_H
#define VIZ_FILTER_REGEX_COST_H

#include <stddef.h>

/* The number of tree nodes regcomp would make of the NUL-terminated ERE
 * re, as an upper estimate; any value above limit is returned as
 * limit + 1 (so the sum of several never overflows).  It reads the
 * syntax only as far as sizing needs: a malformed expression gets some
 * cost and is then refused by regcomp itself. */
size_t regex_cost(const char *re, size_t limit);

#endif
