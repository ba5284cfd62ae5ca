/* filter.c -- the display filter language: tokenizer, recursive-descent
 * parser to a small tree, and an evaluator over items.
 *
 * Modelled on Wireshark's display filters (the `-Y` of tshark, whose
 * letter pushviz takes), cut down to what a class asks of push traffic:
 * a dozen fields named as the JSON lines name them, six comparisons,
 * and, or, not, parentheses (grammar in filter.h).  Pure: no I/O, no
 * globals; the tree owns its strings and compiled regular expressions.
 *
 * Fields are looked up in the item first and in its flow second, so a
 * `flow` item's own technique, client and server count, and every other
 * item gets those of its flow.  Some fields have two values (port and
 * host: the client's and the server's; text: every text field of the
 * item): ==, <, >, ~ hold when one value does, != when none is equal.
 *
 * `~` is a POSIX extended regular expression (regcomp(3)), case-
 * insensitive; it is matched over the bytes with glibc's REG_STARTEND,
 * so a payload holding NUL bytes is searched whole.  An expression is
 * priced before it is compiled (regex_cost.h): one whose repeats of
 * repeats would take more memory than a display filter should is refused.
 */
#include "filter/filter.h"
#include "filter/regex_cost.h"

#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fields ---- */

enum field_id {
    F_TECHNIQUE, F_FLOW, F_PORT, F_HOST, F_METHOD, F_PATH, F_STATUS, F_OPCODE, F_DIR, F_TEXT,
    F_LATENCY, F_BYTES, F_TYPE, F_COUNT
};

static const struct {
    const char *name;
    bool numeric;
} fields[F_COUNT] = {
    [F_TECHNIQUE] = {"technique", false}, [F_FLOW] = {"flow", true},     [F_PORT] = {"port", true},
    [F_HOST] = {"host", false},           [F_METHOD] = {"method", false}, [F_PATH] = {"path", false},
    [F_STATUS] = {"status", true},        [F_OPCODE] = {"opcode", true},  [F_DIR] = {"dir", false},
    [F_TEXT] = {"text", false},           [F_LATENCY] = {"latency_ms", true}, [F_BYTES] = {"bytes", true},
    [F_TYPE] = {"type", false},
};

/* WebSocket opcode names (RFC 6455 §5.2) that `opcode` accepts for numbers. */
static const struct {
    const char *name;
    int value;
} opcodes[] = {{"continuation", 0}, {"text", 1}, {"binary", 2}, {"close", 8}, {"ping", 9}, {"pong", 10}};

/* ---- tokens ---- */

enum tok_kind { T_END, T_LPAREN, T_RPAREN, T_AND, T_OR, T_NOT, T_OP, T_WORD, T_STRING, T_BAD };
enum op { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_MATCH };
static const char *const op_names[] = {"==", "!=", "<", ">", "<=", ">=", "~"};

struct token {
    enum tok_kind kind;
    enum op op;      /* T_OP */
    size_t pos, len; /* where in the expression */
};

/* ---- the tree ---- */

enum node_kind { N_AND, N_OR, N_NOT, N_HAS, N_CMP };

struct node {
    enum node_kind kind;
    int a, b;              /* children (N_AND, N_OR: both; N_NOT: a) */
    enum field_id field;   /* N_HAS, N_CMP */
    enum op op;            /* N_CMP */
    double num;            /* the value, for numeric fields */
    char *str;             /* the value, for text fields (owned) */
    size_t str_len;
    regex_t re;            /* OP_MATCH */
    bool re_ok;            /* re needs regfree */
};

struct filter {
    char *text;         /* the expression (owned) */
    struct node *nodes; /* nodes[root] is the top */
    int nnodes, cap, root;
};

/* The parser's state: the expression, one token of look-ahead. */
struct parser {
    const char *s;
    size_t at;            /* next byte to tokenize */
    struct token tok;     /* the current token */
    struct filter *f;
    struct filter_error *err;
    int depth;            /* of parentheses and nots, bounded */
    size_t regex_cost;    /* of the regular expressions compiled so far (regex_cost.h) */
    bool failed;
};

enum { MAX_DEPTH = 64 };

/* What all of a filter's regular expressions may cost together, in the
 * tree nodes glibc's regcomp makes: at worst some 25 MB and a third of a
 * second to compile (regex_cost.h).  Room for `x{2000}` or `(a*){500}`;
 * not for a run of `+`, each of which doubles it. */
enum { REGEX_COST_MAX = 3000 };

static int fail(struct parser *p, size_t pos, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct parser *p, size_t pos, size_t len, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
        va_end(ap);
        p->err->pos = pos;
        p->err->len = len ? len : 1;
        p->failed = true;
    }
    return -1;
}

/* A bare word runs to white space or a character of the syntax. */
static bool word_char(char c)
{
    return c && !isspace((unsigned char)c) && !strchr("()=!<>~\"&|", c);
}

static void next(struct parser *p)
{
    const char *s = p->s;
    size_t i = p->at;
    while (isspace((unsigned char)s[i]))
        i++;
    struct token t = {T_END, OP_EQ, i, 0};
    char c = s[i];
    char d = c ? s[i + 1] : '\0';
    if (!c) {
        t.kind = T_END;
    } else if (c == '(' || c == ')') {
        t.kind = c == '(' ? T_LPAREN : T_RPAREN;
        t.len = 1;
    } else if ((c == '&' && d == '&') || (c == '|' && d == '|')) {
        t.kind = c == '&' ? T_AND : T_OR;
        t.len = 2;
    } else if (c == '=' || c == '<' || c == '>' || c == '~' || (c == '!' && d == '=')) {
        t.kind = T_OP;
        t.len = d == '=' && c != '~' ? 2 : 1;
        t.op = c == '~' ? OP_MATCH : c == '!' ? OP_NE : c == '=' ? OP_EQ
             : c == '<' ? (t.len == 2 ? OP_LE : OP_LT) : (t.len == 2 ? OP_GE : OP_GT);
    } else if (c == '!') {
        t.kind = T_NOT;
        t.len = 1;
    } else if (c == '"') {
        size_t j = i + 1;
        while (s[j] && s[j] != '"')
            j += s[j] == '\\' && s[j + 1] ? 2 : 1;
        t.kind = s[j] == '"' ? T_STRING : T_BAD;
        t.len = s[j] == '"' ? j + 1 - i : 1;
    } else if (word_char(c)) {
        size_t j = i;
        while (word_char(s[j]))
            j++;
        t.kind = T_WORD;
        t.len = j - i;
        if (t.len == 3 && strncmp(s + i, "and", 3) == 0)
            t.kind = T_AND;
        else if (t.len == 2 && strncmp(s + i, "or", 2) == 0)
            t.kind = T_OR;
        else if (t.len == 3 && strncmp(s + i, "not", 3) == 0)
            t.kind = T_NOT;
    } else {
        t.kind = T_BAD;
        t.len = 1;
    }
    p->tok = t;
    p->at = i + t.len;
}

static int new_node(struct parser *p, enum node_kind kind)
{
    struct filter *f = p->f;
    if (f->nnodes == f->cap)
        return fail(p, p->tok.pos, p->tok.len, "expression too long");
    struct node *n = &f->nodes[f->nnodes];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->a = n->b = -1;
    return f->nnodes++;
}

static const char *describe(const struct parser *p, char *buf, size_t cap)
{
    if (p->tok.kind == T_END)
        return "the end";
    snprintf(buf, cap, "'%.*s'", (int)(p->tok.len > 40 ? 40 : p->tok.len), p->s + p->tok.pos);
    return buf;
}

/* The value token's text, unquoted (owned copy), or NULL. */
static char *value_text(const struct parser *p, size_t *len)
{
    const char *v = p->s + p->tok.pos;
    size_t n = p->tok.len;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    if (p->tok.kind == T_STRING) {
        for (size_t i = 1; i + 1 < n; i++) {
            if (v[i] == '\\' && i + 2 < n)
                i++;
            out[k++] = v[i];
        }
    } else {
        memcpy(out, v, n);
        k = n;
    }
    out[k] = '\0';
    *len = k;
    return out;
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    if (!*s)
        return false;
    *out = strtod(s, &end);
    return *end == '\0';
}

static int parse_or(struct parser *p);

/* FIELD [OP VALUE] */
static int parse_comparison(struct parser *p)
{
    char buf[64];
    if (p->tok.kind != T_WORD)
        return fail(p, p->tok.pos, p->tok.len, "expected a field name, found %s", describe(p, buf, sizeof buf));
    struct token ft = p->tok;
    int field = -1;
    for (int i = 0; i < F_COUNT; i++)
        if (strlen(fields[i].name) == ft.len && strncmp(fields[i].name, p->s + ft.pos, ft.len) == 0)
            field = i;
    if (field < 0)
        return fail(p, ft.pos, ft.len,
                    "unknown field '%.*s' (fields: technique flow port host method path status opcode dir "
                    "text latency_ms bytes type)", (int)(ft.len > 40 ? 40 : ft.len), p->s + ft.pos);
    next(p);
    if (p->tok.kind != T_OP) {
        int n = new_node(p, N_HAS);
        if (n >= 0)
            p->f->nodes[n].field = (enum field_id)field;
        return n;
    }
    struct token ot = p->tok;
    next(p);
    if (p->tok.kind == T_BAD && p->s[p->tok.pos] == '"')
        return fail(p, p->tok.pos, 1, "this quote is not closed");
    if (p->tok.kind != T_WORD && p->tok.kind != T_STRING)
        return fail(p, p->tok.pos, p->tok.len, "expected a value after '%s', found %s", op_names[ot.op],
                    describe(p, buf, sizeof buf));
    bool numeric = fields[field].numeric;
    if (ot.op == OP_MATCH && numeric)
        return fail(p, ot.pos, ot.len, "'~' matches text; %s is a number (use == < >)", fields[field].name);
    if ((ot.op == OP_LT || ot.op == OP_GT || ot.op == OP_LE || ot.op == OP_GE) && !numeric)
        return fail(p, ot.pos, ot.len, "'%s' compares numbers; %s is text (use == != ~)", op_names[ot.op],
                    fields[field].name);
    int n = new_node(p, N_CMP);
    if (n < 0)
        return -1;
    struct node *nd = &p->f->nodes[n];
    nd->field = (enum field_id)field;
    nd->op = ot.op;
    if (!(nd->str = value_text(p, &nd->str_len)))
        return fail(p, p->tok.pos, p->tok.len, "out of memory");
    if (numeric) {
        bool ok = parse_number(nd->str, &nd->num);
        for (size_t i = 0; !ok && field == F_OPCODE && i < sizeof opcodes / sizeof opcodes[0]; i++)
            if (strcmp(nd->str, opcodes[i].name) == 0) {
                nd->num = opcodes[i].value;
                ok = true;
            }
        if (!ok)
            return fail(p, p->tok.pos, p->tok.len, "%s is a number: '%s' is not%s", fields[field].name,
                        nd->str, field == F_OPCODE ? " (nor text, binary, close, ping, pong, continuation)" : "");
    } else if (ot.op == OP_MATCH) {
        const char *refused;
        p->regex_cost += regex_cost(nd->str, REGEX_COST_MAX, &refused);
        if (refused)
            return fail(p, p->tok.pos, p->tok.len, "bad regular expression: %s", refused);
        if (p->regex_cost > REGEX_COST_MAX)
            return fail(p, p->tok.pos, p->tok.len,
                        "regular expression too complex: it would compile to more than %d pieces "
                        "(a repeat of a repeat multiplies)", REGEX_COST_MAX);
        int rc = regcomp(&nd->re, nd->str, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc != 0) {
            char why[100];
            regerror(rc, &nd->re, why, sizeof why);
            return fail(p, p->tok.pos, p->tok.len, "bad regular expression: %s", why);
        }
        nd->re_ok = true;
    }
    next(p);
    return n;
}

static int parse_unary(struct parser *p)
{
    if (++p->depth > MAX_DEPTH)
        return fail(p, p->tok.pos, p->tok.len, "nested too deeply");
    int n;
    if (p->tok.kind == T_NOT) {
        next(p);
        int a = parse_unary(p);
        n = a < 0 ? -1 : new_node(p, N_NOT);
        if (n >= 0)
            p->f->nodes[n].a = a;
    } else if (p->tok.kind == T_LPAREN) {
        struct token open = p->tok;
        next(p);
        n = parse_or(p);
        if (n >= 0 && p->tok.kind != T_RPAREN)
            n = fail(p, open.pos, 1, "this '(' is not closed");
        if (n >= 0)
            next(p);
    } else if (p->tok.kind == T_BAD) {
        n = fail(p, p->tok.pos, p->tok.len, p->s[p->tok.pos] == '"' ? "this quote is not closed"
                                                                     : "unexpected character '%c'",
                 p->s[p->tok.pos]);
    } else {
        n = parse_comparison(p);
    }
    p->depth--;
    return n;
}

/* and binds tighter than or, as in C and Wireshark. */
static int parse_binary(struct parser *p, enum tok_kind kind)
{
    int a = kind == T_OR ? parse_binary(p, T_AND) : parse_unary(p);
    while (a >= 0 && p->tok.kind == kind) {
        next(p);
        int b = kind == T_OR ? parse_binary(p, T_AND) : parse_unary(p);
        int n = b < 0 ? -1 : new_node(p, kind == T_OR ? N_OR : N_AND);
        if (n < 0)
            return -1;
        p->f->nodes[n].a = a;
        p->f->nodes[n].b = b;
        a = n;
    }
    return a;
}

static int parse_or(struct parser *p)
{
    return parse_binary(p, T_OR);
}

struct filter *filter_compile(const char *expr, struct filter_error *err)
{
    memset(err, 0, sizeof *err);
    size_t len = strlen(expr);
    if (len > FILTER_MAX) {
        snprintf(err->message, sizeof err->message, "longer than %d bytes", FILTER_MAX);
        err->pos = FILTER_MAX;
        err->len = 1;
        return NULL;
    }
    struct filter *f = calloc(1, sizeof *f);
    if (f) {
        f->text = strdup(expr);
        f->cap = (int)len + 1; /* a node per token at most, and a token is a byte at least */
        f->nodes = calloc((size_t)f->cap, sizeof *f->nodes);
    }
    if (!f || !f->text || !f->nodes) {
        filter_free(f);
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    struct parser p = {.s = expr, .tok = {T_END, OP_EQ, 0, 0}, .f = f, .err = err};
    next(&p);
    if (p.tok.kind == T_END) {
        fail(&p, 0, 1, "empty filter");
    } else {
        f->root = parse_or(&p);
        char buf[64];
        if (f->root >= 0 && p.tok.kind != T_END)
            fail(&p, p.tok.pos, p.tok.len, "expected 'and', 'or' or the end, found %s",
                 describe(&p, buf, sizeof buf));
    }
    if (p.failed) {
        filter_free(f);
        return NULL;
    }
    return f;
}

void filter_free(struct filter *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->nnodes; i++) {
        free(f->nodes[i].str);
        if (f->nodes[i].re_ok)
            regfree(&f->nodes[i].re);
    }
    free(f->nodes);
    free(f->text);
    free(f);
}

bool filter_needs_endpoints(const struct filter *f)
{
    for (int i = 0; i < f->nnodes; i++) {
        const struct node *n = &f->nodes[i];
        if ((n->kind == N_CMP || n->kind == N_HAS) && (n->field == F_HOST || n->field == F_PORT))
            return true;
    }
    return false;
}

const char *filter_text(const struct filter *f)
{
    return f->text;
}

/* ---- evaluation ---- */

/* Up to this many values of one field: text fields of an item, at most. */
enum { MAX_VALUES = VIZ_ITEM_FIELDS * 2 };

/* One value of a field: a number, or text (not NUL-terminated). */
struct value {
    bool numeric;
    double num;
    const char *s;
    size_t len;
};

struct values {
    struct value v[MAX_VALUES];
    int n;
};

static void add_text(struct values *vs, const char *s, size_t len)
{
    if (s && vs->n < MAX_VALUES)
        vs->v[vs->n++] = (struct value){false, 0, s, len};
}

static void add_num(struct values *vs, double x)
{
    if (vs->n < MAX_VALUES)
        vs->v[vs->n++] = (struct value){true, x, NULL, 0};
}

/* An item's own text field, else NULL. */
static const char *own_text(const struct item *it, const char *name, size_t *len)
{
    const struct item_field *f = item_field(it, name);
    return f && f->kind == FIELD_TEXT ? item_text(it, f, len) : NULL;
}

/* "ip:port" of the item (flow items) or of its flow. */
static const char *endpoint(const struct item *it, const char *name, const char *from_flow, size_t *len)
{
    const char *s = own_text(it, name, len);
    if (!s && from_flow) {
        s = from_flow;
        *len = strlen(s);
    }
    return s;
}

static void add_endpoint(struct values *vs, const char *ep, size_t len, bool want_port)
{
    if (!ep)
        return;
    size_t colon = len;
    while (colon > 0 && ep[colon - 1] != ':')
        colon--;
    if (colon == 0)
        return;
    if (want_port) {
        char digits[8];
        size_t n = len - colon < sizeof digits - 1 ? len - colon : sizeof digits - 1;
        memcpy(digits, ep + colon, n);
        digits[n] = '\0';
        double port;
        if (parse_number(digits, &port))
            add_num(vs, port);
    } else {
        size_t start = ep[0] == '[' ? 1 : 0, end = colon - 1;
        if (end > start && ep[end - 1] == ']')
            end--;
        add_text(vs, ep + start, end - start);
    }
}

static void collect(const struct item *it, const struct filter_flow *ff, enum field_id id, struct values *vs)
{
    const struct item_field *f;
    size_t len = 0;
    const char *s;
    vs->n = 0;
    switch (id) {
    case F_TECHNIQUE:
        if ((s = own_text(it, "technique", &len)))
            add_text(vs, s, len);
        else if (ff && ff->technique && ff->technique[0])
            add_text(vs, ff->technique, strlen(ff->technique));
        break;
    case F_FLOW:
        add_num(vs, it->flow);
        break;
    case F_PORT:
    case F_HOST:
        s = endpoint(it, "client", ff ? ff->client : NULL, &len);
        add_endpoint(vs, s, len, id == F_PORT);
        s = endpoint(it, "server", ff ? ff->server : NULL, &len);
        add_endpoint(vs, s, len, id == F_PORT);
        break;
    case F_METHOD:
        if ((s = own_text(it, "method", &len)))
            add_text(vs, s, len);
        break;
    case F_PATH:
        if ((s = own_text(it, "target", &len))) {
            const char *q = memchr(s, '?', len);
            add_text(vs, s, q ? (size_t)(q - s) : len);
        }
        break;
    case F_STATUS:
    case F_OPCODE:
        if ((f = item_field(it, id == F_STATUS ? "status" : "opcode")) && f->kind == FIELD_INT)
            add_num(vs, (double)f->v.i);
        break;
    case F_DIR:
        if (it->dir != DIR_NONE)
            add_text(vs, item_dir_name(it->dir), 3);
        break;
    case F_TEXT:
        for (unsigned i = 0; i < it->nfields; i++) {
            f = &it->fields[i];
            if (f->kind == FIELD_TEXT) {
                s = item_text(it, f, &len);
                add_text(vs, s, len);
            } else if (f->kind == FIELD_PAIRS) {
                const char *name, *value;
                size_t nl, vl;
                for (uint32_t k = 0; item_pair(it, f, k, &name, &nl, &value, &vl); k++) {
                    add_text(vs, name, nl);
                    add_text(vs, value, vl);
                }
            }
        }
        break;
    case F_LATENCY:
        if ((f = item_field(it, "latency_ms")) && (f->kind == FIELD_MS || f->kind == FIELD_INT))
            add_num(vs, f->kind == FIELD_MS ? f->v.ms : (double)f->v.i); /* null: not known */
        break;
    case F_BYTES:
        if (it->type == ITEM_FLOW)
            add_num(vs, (double)(item_int(it, "bytes_c2s", 0) + item_int(it, "bytes_s2c", 0)));
        else if (it->has_range)
            add_num(vs, (double)it->length);
        else if ((f = item_field(it, "len")) && f->kind == FIELD_INT)
            add_num(vs, (double)f->v.i);
        break;
    case F_TYPE:
        s = item_type_name(it->type);
        add_text(vs, s, strlen(s));
        break;
    case F_COUNT:
        break;
    }
}

static bool compare_one(const struct node *n, const struct value *v)
{
    if (v->numeric) {
        switch (n->op) {
        case OP_EQ: case OP_NE: return v->num == n->num;
        case OP_LT: return v->num < n->num;
        case OP_GT: return v->num > n->num;
        case OP_LE: return v->num <= n->num;
        case OP_GE: return v->num >= n->num;
        case OP_MATCH: return false;
        }
        return false;
    }
    if (n->op == OP_MATCH) {
        regmatch_t m = {0, (regoff_t)v->len};
        return regexec(&n->re, v->s, 1, &m, REG_STARTEND) == 0;
    }
    return v->len == n->str_len && memcmp(v->s, n->str, v->len) == 0; /* == and != */
}

static bool eval(const struct filter *f, int i, const struct item *it, const struct filter_flow *ff)
{
    const struct node *n = &f->nodes[i];
    switch (n->kind) {
    case N_AND: return eval(f, n->a, it, ff) && eval(f, n->b, it, ff);
    case N_OR: return eval(f, n->a, it, ff) || eval(f, n->b, it, ff);
    case N_NOT: return !eval(f, n->a, it, ff);
    case N_HAS:
    case N_CMP:
        break;
    }
    struct values vs;
    collect(it, ff, n->field, &vs);
    if (n->kind == N_HAS)
        return vs.n > 0;
    bool any = false;
    for (int k = 0; k < vs.n && !any; k++)
        any = compare_one(n, &vs.v[k]);
    return n->op == OP_NE ? vs.n > 0 && !any : any;
}

bool filter_match(const struct filter *f, const struct item *it, const struct filter_flow *flow)
{
    return eval(f, f->root, it, flow);
}
