/* flow_index.c -- the flow table's index, by linear probing (see
 * flow_index.h for why). */
#include "flows/flow_index.h"

#include "flows/pool.h"

/* 64 KiB: a small capture keeps a small array; it doubles as flows come. */
#define INDEX_FIRST_SLOTS 4096
#define INDEX_FIRST_SHIFT 52 /* 64 - log2(INDEX_FIRST_SLOTS) */

bool index_init(struct flow_index *ix)
{
    ix->slots = pool_map(INDEX_FIRST_SLOTS * sizeof *ix->slots);
    ix->n_slots = INDEX_FIRST_SLOTS;
    ix->shift = INDEX_FIRST_SHIFT;
    ix->count = 0;
    return ix->slots != NULL;
}

void index_free(struct flow_index *ix)
{
    pool_unmap(ix->slots, ix->n_slots * sizeof *ix->slots);
    ix->slots = NULL;
}

/* The top bits of a hash are its best mixed (tuple_hash.c multiplies last). */
size_t index_home(const struct flow_index *ix, uint64_t hash)
{
    return (size_t)(hash >> ix->shift);
}

void *index_next(const struct flow_index *ix, uint64_t hash, size_t *at)
{
    size_t mask = ix->n_slots - 1;
    for (size_t i = *at;; i = (i + 1) & mask) {
        const struct index_slot *s = &ix->slots[i];
        if (!s->record) { /* the end of the run: no more */
            *at = i;
            return NULL;
        }
        if (s->hash == hash) {
            *at = (i + 1) & mask;
            return s->record;
        }
    }
}

void index_prefetch(const struct flow_index *ix, uint64_t hash)
{
    __builtin_prefetch(&ix->slots[index_home(ix, hash)]);
}

/* Put a slot's contents in the first free slot from its home (there is
 * one: the array is never full). */
static void place(struct index_slot *slots, size_t n_slots, unsigned shift, struct index_slot s)
{
    size_t i = (size_t)(s.hash >> shift);
    while (slots[i].record)
        i = (i + 1) & (n_slots - 1);
    slots[i] = s;
}

/* Twice the slots, each record placed again from its stored hash: the
 * records themselves are not read.  Out of memory the array stays. */
static void grow(struct flow_index *ix)
{
    size_t n = ix->n_slots * 2;
    struct index_slot *fresh = pool_map(n * sizeof *fresh);
    if (!fresh)
        return;
    for (size_t i = 0; i < ix->n_slots; i++)
        if (ix->slots[i].record)
            place(fresh, n, ix->shift - 1, ix->slots[i]);
    pool_unmap(ix->slots, ix->n_slots * sizeof *ix->slots);
    ix->slots = fresh;
    ix->n_slots = n;
    ix->shift--;
}

bool index_insert(struct flow_index *ix, uint64_t hash, void *record)
{
    if ((ix->count + 1) * 2 > ix->n_slots)
        grow(ix);
    if (ix->count + 1 >= ix->n_slots) /* could not grow: keep a free slot, runs must end */
        return false;
    place(ix->slots, ix->n_slots, ix->shift, (struct index_slot){hash, record});
    ix->count++;
    return true;
}

/* Is home cyclically within (hole, i]?  Then the record at i, whose home
 * that is, may not move back into the hole: a lookup from its home would
 * not pass there. */
static bool home_between(size_t hole, size_t home, size_t i)
{
    return hole <= i ? hole < home && home <= i : hole < home || home <= i;
}

void index_remove(struct flow_index *ix, uint64_t hash, const void *record)
{
    size_t mask = ix->n_slots - 1;
    size_t hole = index_home(ix, hash);
    for (; ix->slots[hole].record != record; hole = (hole + 1) & mask)
        if (!ix->slots[hole].record)
            return; /* not in the index */
    /* Backward shift: each later record of the run that may move into
     * the hole does, and leaves its own slot as the hole. */
    for (size_t i = (hole + 1) & mask; ix->slots[i].record; i = (i + 1) & mask) {
        if (home_between(hole, index_home(ix, ix->slots[i].hash), i))
            continue;
        ix->slots[hole] = ix->slots[i];
        hole = i;
    }
    ix->slots[hole] = (struct index_slot){0, NULL};
    ix->count--;
}
