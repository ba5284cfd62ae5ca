/* flow_index.h -- the flow table's index: from a connection's hash to its
 * record, by open addressing with linear probing.
 *
 * Why not a chain through the records (each record pointing to the next
 * of its bucket)?  With 200,000 connections open the records are out of
 * the processor's caches, and each record a lookup passes on its way is
 * a wait for memory: at the load the table ran at, a lookup read almost
 * half a record it did not want, and every doubling of the table read
 * every record again.  Here a slot holds a record's whole 64-bit hash
 * beside its address, all slots in one array: a lookup compares hashes
 * in a line or two of that array and reads only the record whose hash
 * it looks for (another connection with the same 64-bit hash is a chance
 * of one in 2^64 per pair: the caller still compares the endpoints).
 * Growing reads the array alone.  And a packet's slot can be fetched a
 * packet before its turn, then the very record it will want
 * (flows.c, "Prefetching").
 *
 * Linear probing: a record sits in its home slot (the top bits of its
 * hash) or in the first free slot after it.  The array is kept at most
 * half full, so the run of slots a lookup reads is short (1.5 slots on
 * average to find a record, Knuth, TAOCP 6.4).  Taking a record out
 * moves the later records of its run back (backward shift), so no hole
 * cuts a run and no "deleted" markers pile up.
 *
 * Memory: 16 bytes a slot, at most twice as many slots as records (and
 * at least INDEX_FIRST_SLOTS): 8 MiB for the most flows the table holds
 * (VIZ_MAX_FLOWS).
 */
#ifndef VIZ_FLOW_INDEX_H
#define VIZ_FLOW_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct index_slot {
    uint64_t hash;
    void *record; /* NULL: the slot is free */
};

struct flow_index {
    struct index_slot *slots; /* n_slots of them (owned, pool_map) */
    size_t n_slots;           /* a power of two */
    unsigned shift;           /* 64 - log2(n_slots): a hash's home is hash >> shift */
    size_t count;             /* records in it */
};

/* An empty index; false when out of memory. */
bool index_init(struct flow_index *ix);
void index_free(struct flow_index *ix);

/* Store `record` under `hash` (a record not in the index yet).  False
 * when out of memory, with nothing changed. */
bool index_insert(struct flow_index *ix, uint64_t hash, void *record);

/* Take out `record`, stored under `hash`. */
void index_remove(struct flow_index *ix, uint64_t hash, const void *record);

/* The records stored under `hash`, one a call: set *at to
 * index_home(ix, hash), then call index_next until it returns NULL.
 * Inserting or removing in between starts the walk anew. */
size_t index_home(const struct flow_index *ix, uint64_t hash);
void *index_next(const struct flow_index *ix, uint64_t hash, size_t *at);

/* Ask the processor to start loading the slot where `hash` begins
 * (only a hint: it changes nothing). */
void index_prefetch(const struct flow_index *ix, uint64_t hash);

#endif
