/*
 * fuzz_auth_code.c
 *	  libFuzzer target for the pure part of the auth-code handling
 *	  (src/auth_code.h): the constant-time digest comparison that decides
 *	  whether a presented code matches the stored hash.
 *
 * The rest of auth_code.c needs the server (pg_strong_random, the
 * cryptohash API) and takes no parsed input.  The comparison must agree
 * with memcmp for any two digests and any length, and must not read past
 * them: the input is split into two exact-size heap copies so the address
 * sanitizer sees every out-of-bounds byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth_code.h"
#include "fuzz_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		len = size / 2;
	uint8_t    *a = malloc(len ? len : 1);
	uint8_t    *b = malloc(len ? len : 1);

	if (a == NULL || b == NULL)
	{
		free(a);
		free(b);
		return 0;
	}
	memcpy(a, data, len);
	memcpy(b, data + len, len);
	FUZZ_CHECK(auth_code_digests_equal(a, b, len) == (memcmp(a, b, len) == 0),
			   "comparison of %zu bytes disagrees with memcmp", len);
	FUZZ_CHECK(auth_code_digests_equal(a, a, len), "a digest differs from itself");
	free(a);
	free(b);
	return 0;
}
