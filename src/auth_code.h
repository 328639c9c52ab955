/*
 * auth_code.h
 *	  RFC 9154 auth codes: generation, salted hashing and comparison.
 *
 * A code is AUTH_CODE_LENGTH characters of [A-Za-z0-9] (22 x log2(62) = 131
 * bits). Only SHA-256(salt || code) is stored, with a fresh random salt of
 * AUTH_CODE_SALT_LENGTH bytes per code.
 */
#ifndef AUTH_CODE_H
#define AUTH_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_CODE_LENGTH		22
#define AUTH_CODE_SALT_LENGTH	16
#define AUTH_CODE_HASH_LENGTH	32

/* Fills out[0..AUTH_CODE_LENGTH-1] and NUL-terminates; false if no entropy. */
extern bool auth_code_generate(char *out);

/* Fills salt with AUTH_CODE_SALT_LENGTH strong random bytes; false on failure. */
extern bool auth_code_new_salt(uint8_t *salt);

/* SHA-256(salt || code) into hash; false if the hash could not be computed. */
extern bool auth_code_hash(const char *code, size_t code_len,
						   const uint8_t *salt, size_t salt_len,
						   uint8_t *hash);

/* Compares two digests in time independent of where they differ. */
static inline bool
auth_code_digests_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint8_t		diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= (uint8_t) (a[i] ^ b[i]);
	return diff == 0;
}

#endif							/* AUTH_CODE_H */
