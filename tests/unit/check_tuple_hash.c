/* check_tuple_hash.c -- the flow table's keyed connection hash: the same
 * for both directions, different for different connections, and with a
 * key of its own for each table, so connections crafted to crowd one run
 * of the index under one key spread out under another. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check_run.h"
#include "flows/flow_index.h"
#include "flows/tuple_hash.h"

static struct ip_addr ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct ip_addr ip = {4, {a, b, c, d}};
    return ip;
}

START_TEST(both_directions_have_one_hash)
{
    struct tuple_key k;
    tuple_key_make(&k, 7);
    struct ip_addr c = ipv4(10, 0, 0, 2), s = ipv4(10, 0, 0, 1);
    ck_assert_uint_eq(tuple_hash(&k, &c, 40000, &s, 8001), tuple_hash(&k, &s, 8001, &c, 40000));
    struct ip_addr c6 = {6, {0x20, 0x01, 0x0d, 0xb8, [15] = 2}}, s6 = {6, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
    ck_assert_uint_eq(tuple_hash(&k, &c6, 40000, &s6, 443), tuple_hash(&k, &s6, 443, &c6, 40000));
}
END_TEST

START_TEST(different_connections_have_different_hashes)
{
    struct tuple_key k;
    tuple_key_make(&k, 7);
    struct ip_addr c = ipv4(10, 0, 0, 2), c2 = ipv4(10, 0, 0, 3), s = ipv4(10, 0, 0, 1);
    uint64_t h = tuple_hash(&k, &c, 40000, &s, 8001);
    ck_assert_uint_ne(h, tuple_hash(&k, &c, 40001, &s, 8001)); /* another client port */
    ck_assert_uint_ne(h, tuple_hash(&k, &c2, 40000, &s, 8001)); /* another client */
    ck_assert_uint_ne(h, tuple_hash(&k, &c, 40000, &s, 8002)); /* another server port */
}
END_TEST

START_TEST(every_table_draws_its_own_key)
{
    struct tuple_key a, b, again;
    tuple_key_make(&a, 1);
    tuple_key_make(&b, 2);
    tuple_key_make(&again, 1);
    ck_assert_mem_eq(&a, &again, sizeof a); /* a key follows from its seed */
    ck_assert_mem_ne(&a, &b, sizeof a);
    const uint64_t *m = &a.word[0];
    for (size_t i = 0; i < sizeof a / sizeof *m; i++)
        ck_assert_uint_eq(m[i] & 1, 1); /* odd: a multiplication that loses no bit */
    /* The seeds the table takes come from the kernel: no two alike. */
    ck_assert_uint_ne(tuple_key_seed(), tuple_key_seed());
}
END_TEST

enum { CROWD = 2000 };

/* The farthest any of n hashes sits from its home, once all are in an
 * index: how long a walk a lookup may take. */
static size_t farthest(const uint64_t *hash, size_t n)
{
    static char records[CROWD];
    struct flow_index ix;
    ck_assert(index_init(&ix));
    for (size_t i = 0; i < n; i++)
        ck_assert(index_insert(&ix, hash[i], &records[i]));
    size_t most = 0;
    for (size_t i = 0; i < n; i++) {
        size_t home = index_home(&ix, hash[i]), at = home;
        const void *r;
        while ((r = index_next(&ix, hash[i], &at)) && r != &records[i])
            ;
        ck_assert_ptr_eq(r, &records[i]);
        size_t distance = (at - 1 - home) & (ix.n_slots - 1);
        if (distance > most)
            most = distance;
    }
    index_free(&ix);
    return most;
}

/* What an attacker who knew the key would send: connections to one
 * server whose hashes all have the same top 12 bits.  Under that key
 * they make one run of the index as long as their number; under any
 * other key they are connections like any others. */
START_TEST(connections_crowded_for_one_key_spread_under_another)
{
    struct tuple_key known, secret;
    tuple_key_make(&known, 1);
    tuple_key_make(&secret, 2);
    static uint64_t under_known[CROWD], under_secret[CROWD];
    struct ip_addr server = ipv4(10, 1, 0, 1);
    size_t n = 0;
    for (uint32_t i = 0; n < CROWD; i++) {
        struct ip_addr client = ipv4(10, 2, (uint8_t)(i >> 16), (uint8_t)(i >> 8));
        uint16_t port = (uint16_t)(1024 + (i & 255));
        uint64_t h = tuple_hash(&known, &client, port, &server, 8001);
        if (h >> 52)
            continue;
        under_known[n] = h;
        under_secret[n++] = tuple_hash(&secret, &client, port, &server, 8001);
    }
    ck_assert_uint_ge(farthest(under_known, CROWD), CROWD / 2);
    ck_assert_uint_le(farthest(under_secret, CROWD), 64);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tuple_hash");
    TCase *tc = tcase_create("tuple_hash");
    tcase_add_test(tc, both_directions_have_one_hash);
    tcase_add_test(tc, different_connections_have_different_hashes);
    tcase_add_test(tc, every_table_draws_its_own_key);
    tcase_add_test(tc, connections_crowded_for_one_key_spread_under_another);
    suite_add_tcase(s, tc);
    return check_run(s);
}
