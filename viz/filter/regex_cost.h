/* regex_cost.h -- how big a POSIX extended regular expression grows
 * when it is compiled, before it is handed to regcomp(3).
 *
 * glibc's regcomp builds a tree and copies a repeated piece once per
 * repetition: `a{100}` becomes 100 nodes, `a+` becomes `aa*` (two), so
 * repeats of repeats multiply.  `((a{100}){100}){100}` asks for a million
 * nodes (about 200 MB), and a run of `+` doubles the size at each one.
 * Then, for each node, it lists the nodes reachable without reading a
 * byte, so pieces that can match nothing (`a*`, `a?`, `()`) cost memory
 * and time with the square of their number: measured, at most some 3
 * bytes times the square of the nodes.  And anchors (^ $ \b \< \>) are
 * worse: each repeated or added one multiplies the work ((^)* twenty
 * times takes half a second, forty times more than a minute).
 *
 * So the filter prices an expression with regex_cost and refuses one
 * that is too dear, or that repeats an anchor, holds more than sixteen,
 * or uses a back-reference (whose matching can take exponential time),
 * instead of letting a typo exhaust the machine.
 */
#ifndef VIZ_FILTER_REGEX_COST_H
#define VIZ_FILTER_REGEX_COST_H

#include <stddef.h>

/* The number of tree nodes regcomp would make of the NUL-terminated ERE
 * re, as an upper estimate; any value above limit is returned as
 * limit + 1 (so the sum of several never overflows).  *refused is set to
 * why re must be refused whatever its size (a static string), or NULL.
 * It reads the syntax only as far as these need: a malformed expression
 * gets some cost and is then refused by regcomp itself. */
size_t regex_cost(const char *re, size_t limit, const char **refused);

#endif
