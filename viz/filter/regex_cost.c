/* regex_cost.c -- prices an extended regular expression as regcomp
 * would build it, and refuses the forms glibc compiles in exponential
 * time (see regex_cost.h for why).
 *
 * One pass over the text with a stack of open groups.  Within a group,
 * `done` is the cost of the pieces already closed and `last` the cost of
 * the piece a quantifier would repeat (0: none yet).  A quantifier turns
 * `last` into last * copies + 1; a closing parenthesis makes the whole
 * group the `last` piece of the group around it.  Sums saturate at
 * limit + 1, so no input can overflow them.
 *
 * Beside its cost, each piece knows whether it can match nothing (an
 * anchor, `a*`, `a?`, `a{0,3}`, `()`, a group with such a branch): a
 * quantifier over such a piece is refused.  It never means more than the
 * piece without it (`(a*)+` is `a*`), and it is what makes glibc slow:
 * `^a*+++++` takes 8 seconds to compile, one more `+` minutes.
 */
#include "filter/regex_cost.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define GROUPS_MAX 256  /* open parentheses priced; deeper is refused as too dear */
#define COUNT_MAX 32768 /* one above RE_DUP_MAX: a larger count is an error for regcomp */
#define ANCHORS_MAX 16  /* \b sixteen times compiles in 13 ms, twenty-four times in 90: each more multiplies */

struct group {
    size_t done;          /* closed pieces and alternatives */
    size_t last;          /* the piece a quantifier applies to; 0: none */
    bool last_empty;      /* ...it can match nothing */
    bool branch_empty;    /* every closed piece of the branch being read can match nothing */
    bool some_branch_empty; /* a closed branch of the group can match nothing */
};

/* An anchor matches a place, not a byte: ^ $ and GNU's \b \B \< \> \` \'. */
static bool is_anchor(char c, bool escaped)
{
    return escaped ? strchr("bB<>`'", c) != NULL : (c == '^' || c == '$');
}

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
 * makes (`{m}`: m, `{m,}`: m and a star, `{m,n}`: n), *end just past its
 * '}', and *none whether it allows none (m = 0).  0 when s is not an
 * interval (glibc then reads '{' as itself). */
static size_t interval_copies(const char *s, const char **end, bool *none)
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
    *none = m == 0;
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

static void close_piece(struct group *g, size_t cap)
{
    if (g->last) {
        g->done = add(g->done, g->last, cap);
        g->branch_empty = g->branch_empty && g->last_empty;
    }
    g->last = 0;
    g->last_empty = false;
}

/* The branch being read ends (at '|' or ')'). */
static void close_branch(struct group *g, size_t cap)
{
    close_piece(g, cap);
    g->some_branch_empty = g->some_branch_empty || g->branch_empty;
    g->branch_empty = true;
}

static const struct group empty_group = {0, 0, false, true, false};

size_t regex_cost(const char *re, size_t limit, const char **refused)
{
    const size_t cap = limit + 1;
    struct group stack[GROUPS_MAX];
    size_t depth = 0, anchors = 0;
    struct group g = empty_group;
    const char *s = re;
    *refused = NULL;
    while (*s) {
        char c = *s++;
        size_t copies = 0;
        bool none = c == '*' || c == '?'; /* the quantifier allows no copy at all */
        const char *after = s;
        if (c == '*' || c == '?')
            copies = 1; /* one copy under a star or an alternative: a node more */
        else if (c == '+')
            copies = 2; /* a+ is built as aa* */
        else if (c == '{')
            copies = interval_copies(s, &after, &none);
        if (copies && g.last) {
            if (g.last_empty) {
                *refused = "a repeat of what can match nothing, like (a*)+ or ^*: "
                           "glibc can take exponential time to compile it";
                return cap;
            }
            g.last = add(times(g.last, copies, cap), 1, cap);
            g.last_empty = none;
            s = after;
            continue;
        }
        if (c == '|') {
            close_branch(&g, cap);
            g.done = add(g.done, 1, cap); /* the alternation's node */
            continue;
        }
        if (c == '(') {
            if (depth == GROUPS_MAX)
                return cap;
            close_piece(&g, cap);
            stack[depth++] = g;
            g = empty_group;
            continue;
        }
        if (c == ')' && depth) {
            close_branch(&g, cap);
            size_t inner = add(g.done, 1, cap);
            bool empty = g.some_branch_empty;
            g = stack[--depth];
            g.last = inner;
            g.last_empty = empty;
            continue;
        }
        /* Anything else is a new piece of one node (a quantifier with
         * nothing before it is taken as itself). */
        close_piece(&g, cap);
        g.last = 1;
        bool escaped = c == '\\' && *s;
        if (escaped)
            c = *s++;
        if (escaped && c >= '1' && c <= '9') {
            *refused = "back-references (\\1 to \\9) are not supported: they can take exponential time";
            return cap;
        }
        if (is_anchor(c, escaped)) {
            g.last_empty = true;
            if (++anchors > ANCHORS_MAX) {
                *refused = "more than 16 anchors (^ $ \\b \\< \\>): "
                           "glibc takes exponential time to compile that";
                return cap;
            }
        } else if (!escaped && c == '[') {
            s = skip_bracket(s);
        }
    }
    close_piece(&g, cap);
    size_t total = g.done;
    while (depth) /* unclosed groups: regcomp refuses them, but price them all the same */
        total = add(total, stack[--depth].done, cap);
    return total;
}
