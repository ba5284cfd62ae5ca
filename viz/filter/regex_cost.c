/* regex_cost.c -- prices an extended regular expression as regcomp
 * would build it (see regex_cost.h for why).
 *
 * One pass over the text with a stack of open groups.  Within a group,
 * `done` is the cost of the pieces already closed and `last` the cost of
 * the piece a quantifier would repeat (0: none yet).  A quantifier turns
 * `last` into last * copies + 1; a closing parenthesis makes the whole
 * group the `last` piece of the group around it.  Sums saturate at
 * limit + 1, so no input can overflow them.
 */
#include "filter/regex_cost.h"

#include <ctype.h>
#include <stdbool.h>

#define GROUPS_MAX 256  /* open parentheses priced; deeper is refused as too dear */
#define COUNT_MAX 32768 /* one above RE_DUP_MAX: a larger count is an error for regcomp */

struct group {
    size_t done; /* closed pieces and alternatives */
    size_t last; /* the piece a quantifier applies to; 0: none */
};

static size_t add(size_t a, size_t b, size_t cap)
{
    return a + b >= cap ? cap : a + b;
}

static size_t times(size_t a, size_t n, size_t cap)
{
    return n && a > cap / n ? cap : (a * n >= cap ? cap : a * n);
}

/* A count of an interval {m,n} at *s: its value, at most COUNT_MAX;
 * -1 when there are no digits. */
static long read_count(const char **s)
{
    if (!isdigit((unsigned char)**s))
        return -1;
    long v = 0;
    for (; isdigit((unsigned char)**s); (*s)++)
        if (v < COUNT_MAX)
            v = v * 10 + (**s - '0');
    return v > COUNT_MAX ? COUNT_MAX : v;
}

/* An interval at s (just after its '{'): the copies of the piece it
 * makes (`{m}`: m, `{m,}`: m and a star, `{m,n}`: n), and *end just past
 * its '}'.  0 when s is not an interval (glibc then reads '{' as itself). */
static size_t interval_copies(const char *s, const char **end)
{
    long m = read_count(&s), n = m;
    if (m < 0 && *s != ',')
        return 0;
    if (m < 0)
        m = 0; /* glibc reads {,n} as {0,n} */
    if (*s == ',') {
        s++;
        n = read_count(&s);
        if (n < 0)
            n = m + 1; /* {m,}: m copies, then a star over one more */
    }
    if (*s != '}')
        return 0;
    *end = s + 1;
    return n > 0 ? (size_t)n : 1; /* {0}: the piece goes, its node stays */
}

/* Past a bracket expression that starts at s (just after its '['). */
static const char *skip_bracket(const char *s)
{
    if (*s == '^')
        s++;
    if (*s == ']')
        s++; /* a ']' first is a member, not the end */
    while (*s && *s != ']') {
        if (*s == '[' && (s[1] == ':' || s[1] == '=' || s[1] == '.')) {
            char kind = s[1];
            s += 2;
            while (*s && !(*s == kind && s[1] == ']'))
                s++;
            if (*s)
                s += 2;
        } else {
            s++;
        }
    }
    return *s ? s + 1 : s;
}

size_t regex_cost(const char *re, size_t limit)
{
    const size_t cap = limit + 1;
    struct group stack[GROUPS_MAX];
    size_t depth = 0;
    struct group g = {0, 0};
    const char *s = re;
    while (*s) {
        char c = *s++;
        size_t copies = 0;
        const char *after = s;
        if (c == '*' || c == '?')
            copies = 1; /* one copy under a star or an alternative: a node more */
        else if (c == '+')
            copies = 2; /* a+ is built as aa* */
        else if (c == '{')
            copies = interval_copies(s, &after);
        if (copies && g.last) {
            g.last = add(times(g.last, copies, cap), 1, cap);
            s = after;
            continue;
        }
        /* Anything else is a new piece (a quantifier with nothing before
         * it is taken as itself, one node). */
        g.done = add(g.done, g.last, cap);
        g.last = 1;
        if (c == '\\' && *s) {
            s++;
        } else if (c == '[') {
            s = skip_bracket(s);
        } else if (c == '|') {
            g.last = 0;
            g.done = add(g.done, 1, cap);
        } else if (c == '(') {
            if (depth == GROUPS_MAX)
                return cap;
            g.last = 0;
            stack[depth++] = g;
            g = (struct group){0, 0};
        } else if (c == ')' && depth) {
            size_t inner = add(add(g.done, g.last, cap), 1, cap);
            g = stack[--depth];
            g.last = inner;
        }
    }
    size_t total = add(g.done, g.last, cap);
    while (depth) /* unclosed groups: regcomp refuses them, but price them all the same */
        total = add(total, stack[--depth].done, cap);
    return total;
}
