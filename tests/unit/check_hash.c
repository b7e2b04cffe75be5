/*
 * Unit tests for daemon/hash.c: SipHash-1-3 against values from an
 * independent implementation (the reference algorithm with c = 1, d = 3,
 * checked on SipHash-2-4's published vector), and FNV-1a 64 against its
 * published values, whole and in pieces.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "hash.h"
#include "suite_run.h"

/* Key 00 01 .. 0f; input 00 01 .. n-1, as SipHash's reference vectors. */
static uint64_t
sip_ref(size_t n)
{
	uint8_t k[16], in[32] = {0};
	size_t i;

	for (i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)i;
	for (i = 0; i < n; i++)
		in[i] = (uint8_t)i;
	return hash_siphash(k, in, n);
}

START_TEST(test_siphash_vectors)
{
	/* Every tail length path: empty, partial word, whole words, both. */
	ck_assert_uint_eq(sip_ref(0), 0xabac0158050fc4dcULL);
	ck_assert_uint_eq(sip_ref(1), 0xc9f49bf37d57ca93ULL);
	ck_assert_uint_eq(sip_ref(7), 0xd3927d989bb11140ULL);
	ck_assert_uint_eq(sip_ref(8), 0x369095118d299a8eULL);
	ck_assert_uint_eq(sip_ref(15), 0xd320d86d2a519956ULL);
	ck_assert_uint_eq(sip_ref(18), 0x8ffc389cb473e63eULL);
	ck_assert_uint_eq(sip_ref(20), 0xc0dc2f46a6cce040ULL);
}
END_TEST

START_TEST(test_siphash_keyed)
{
	uint8_t k1[16] = {1}, k2[16] = {2};
	const char *a = "192.0.2.1";

	/* The same bytes under another seed hash elsewhere; same seed, same. */
	ck_assert_uint_ne(hash_siphash(k1, a, strlen(a)),
	    hash_siphash(k2, a, strlen(a)));
	ck_assert_uint_eq(hash_siphash(k1, a, strlen(a)),
	    hash_siphash(k1, a, strlen(a)));
	/* The length is hashed: a trailing NUL changes the value. */
	ck_assert_uint_ne(hash_siphash(k1, a, strlen(a)),
	    hash_siphash(k1, a, strlen(a) + 1));
}
END_TEST

START_TEST(test_fnv1a_vectors)
{
	ck_assert_uint_eq(hash_fnv1a(HASH_FNV_BASIS, "", 0),
	    0xcbf29ce484222325ULL);
	ck_assert_uint_eq(hash_fnv1a(HASH_FNV_BASIS, "a", 1),
	    0xaf63dc4c8601ec8cULL);
	ck_assert_uint_eq(hash_fnv1a(HASH_FNV_BASIS, "foobar", 6),
	    0x85944171f73967e8ULL);
}
END_TEST

START_TEST(test_fnv1a_pieces)
{
	const char *s = "dominoban-state 1\n\xff\x80 bytes";
	size_t n = strlen(s), cut;
	uint64_t whole = hash_fnv1a(HASH_FNV_BASIS, s, n);

	/* Carried over any cut, as the tailer hashes a line read in parts. */
	for (cut = 0; cut <= n; cut++)
		ck_assert_uint_eq(hash_fnv1a(hash_fnv1a(HASH_FNV_BASIS, s, cut),
		    s + cut, n - cut), whole);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hash");
	TCase *tc;

	tc = tcase_create("siphash");
	tcase_add_test(tc, test_siphash_vectors);
	tcase_add_test(tc, test_siphash_keyed);
	suite_add_tcase(s, tc);
	tc = tcase_create("fnv1a");
	tcase_add_test(tc, test_fnv1a_vectors);
	tcase_add_test(tc, test_fnv1a_pieces);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
