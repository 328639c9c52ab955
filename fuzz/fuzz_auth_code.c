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

/*
 * The removal of pasted white space and zero-width characters (SPEC §1c):
 * never longer, idempotent, leaves no ASCII white space and no UTF-8
 * sequence of a removed character in UTF-8 text, keeps other text as it is,
 * and keeps a plain code as it is.
 */
static void
check_strip(const uint8_t *data, size_t size)
{
	char	   *in = malloc(size ? size : 1);
	char	   *once = malloc(size ? size : 1);
	char	   *twice = malloc(size ? size : 1);
	size_t		n1,
				n2;
	bool		plain = true;

	if (in == NULL || once == NULL || twice == NULL)
	{
		free(in);
		free(once);
		free(twice);
		return;
	}
	memcpy(in, data, size);
	n1 = auth_code_strip(in, size, once);
	FUZZ_CHECK(n1 <= size, "stripping made %zu bytes of %zu", n1, size);
	n2 = auth_code_strip(once, n1, twice);
	FUZZ_CHECK(n2 == n1 && memcmp(once, twice, n1) == 0, "stripping is not idempotent");
	for (size_t i = 0; i < size;)
	{
		uint32_t	cp;
		size_t		n = auth_code_utf8_next(data + i, size - i, &cp);

		if (n == 0)
		{
			/* not UTF-8: kept as it is */
			FUZZ_CHECK(n1 == size && memcmp(in, once, size) == 0, "text that is not UTF-8 changed");
			n1 = 0;
			break;
		}
		i += n;
	}
	for (size_t i = 0; i < n1; i++)
	{
		unsigned char c = (unsigned char) once[i];

		FUZZ_CHECK(c != ' ' && !(c >= 0x09 && c <= 0x0D), "white space 0x%02X left at %zu", c, i);
		FUZZ_CHECK(!(c == 0xC2 && i + 1 < n1 && ((unsigned char) once[i + 1] == 0xA0 || (unsigned char) once[i + 1] == 0x85)),
				   "U+00A0 or U+0085 left at %zu", i);
		FUZZ_CHECK(!(c == 0xEF && i + 2 < n1 && (unsigned char) once[i + 1] == 0xBB && (unsigned char) once[i + 2] == 0xBF),
				   "U+FEFF left at %zu", i);
		FUZZ_CHECK(!(c == 0xE2 && i + 2 < n1 && (unsigned char) once[i + 1] == 0x80 && (unsigned char) once[i + 2] >= 0x80 && (unsigned char) once[i + 2] <= 0x8D),
				   "U+2000..U+200D left at %zu", i);
	}
	for (size_t i = 0; i < size; i++)
		if (!((data[i] >= '0' && data[i] <= '9') || (data[i] >= 'A' && data[i] <= 'Z') || (data[i] >= 'a' && data[i] <= 'z')))
			plain = false;
	if (plain)
		FUZZ_CHECK(n1 == size && memcmp(in, once, size) == 0, "a plain code changed");
	free(in);
	free(once);
	free(twice);
}

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
	check_strip(data, size);
	free(a);
	free(b);
	return 0;
}
