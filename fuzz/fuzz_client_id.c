/*
 * fuzz_client_id.c
 *	  libFuzzer target for the check of EPP client identifiers
 *	  (src/client_id_check.c), the one check every registrar identifier from
 *	  outside goes through.
 *
 * Besides crashes and sanitizer reports it checks the contract: an accepted
 * identifier is valid UTF-8 of 3 to 16 characters with no control byte, no
 * leading, trailing or doubled space, and every prefix-free refusal names a
 * position inside the input; the result does not depend on bytes after the
 * input (the input is an exact-size heap copy).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client_id_check.h"
#include "fuzz_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size ? size : 1);
	ClientIdCheck check;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	check = client_id_check(s, size);
	FUZZ_CHECK(check.chars <= size, "%zu characters in %zu bytes", check.chars, size);
	if (check.error == CLIENT_ID_OK)
	{
		size_t		chars = 0;

		FUZZ_CHECK(check.position == 0, "an accepted identifier names position %zu", check.position);
		FUZZ_CHECK(size >= 3, "accepted %zu bytes", size);
		FUZZ_CHECK(s[0] != ' ' && s[size - 1] != ' ', "accepted a leading or trailing space");
		for (size_t i = 0; i < size;)
		{
			uint32_t	cp;
			size_t		n = client_id_utf8_decode((const unsigned char *) s + i, size - i, &cp);

			FUZZ_CHECK(n > 0, "accepted invalid UTF-8 at byte %zu", i);
			FUZZ_CHECK(cp >= 0x20 && !(cp >= 0x7F && cp <= 0x9F), "accepted control U+%04X", (unsigned) cp);
			FUZZ_CHECK(!(cp == ' ' && i + 1 < size && s[i + 1] == ' '), "accepted two spaces");
			FUZZ_CHECK(cp != 0xA0 && cp != 0x200B && cp != 0xFEFF && cp != 0x3000,
					   "accepted U+%04X", (unsigned) cp);
			i += n;
			chars++;
		}
		FUZZ_CHECK(chars == check.chars && chars >= CLIENT_ID_MIN_CHARS && chars <= CLIENT_ID_MAX_CHARS,
				   "accepted %zu characters (counted %zu)", chars, check.chars);
	}
	else if (check.error == CLIENT_ID_TOO_SHORT)
		FUZZ_CHECK(check.chars < CLIENT_ID_MIN_CHARS, "too short with %zu characters", check.chars);
	else if (check.error == CLIENT_ID_TOO_LONG)
		FUZZ_CHECK(check.chars > CLIENT_ID_MAX_CHARS, "too long with %zu characters", check.chars);
	else
		FUZZ_CHECK(check.position >= 1 && check.position <= check.chars,
				   "error %d at position %zu of %zu", (int) check.error, check.position, check.chars);
	free(s);
	return 0;
}
