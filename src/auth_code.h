/*
 * auth_code.h
 *	  RFC 9154 auth codes: generation, salted hashing and comparison.
 *
 * Floor: plain C (no PostgreSQL header; fuzz/fuzz_auth_code.c uses it
 * outside the server); auth_code.c, its server side, stands on
 * notice_code.h and nothing else of ours.
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
#include <string.h>

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

/*
 * Whether the UTF-8 character cp is removed from a presented code before it
 * is compared (SPEC §1c): every Unicode White_Space character (PropList.txt)
 * and the zero-width characters U+200B..U+200D, U+2060 and U+FEFF.
 */
static inline bool
auth_code_ignorable(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0
		|| cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200D) || cp == 0x2028
		|| cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x2060
		|| cp == 0x3000 || cp == 0xFEFF;
}

/*
 * Decodes the UTF-8 character at s (len bytes left) into *cp; returns its
 * length, or 0 when the bytes there are not well-formed UTF-8 (overlong
 * forms and surrogates included).
 */
static inline size_t
auth_code_utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t		n;
	uint32_t	c;

	if (s[0] < 0x80)
	{
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, c = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, c = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF)))
		|| (n == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	*cp = c;
	return n;
}

/*
 * Copies the len bytes of a presented code (UTF-8) at in to out (room for
 * len bytes), leaving out every character auth_code_ignorable() names;
 * returns the length written. Codes are pasted by people, so a code with a
 * trailing newline, a no-break space or a zero-width space is still the
 * code. Text that is not well-formed UTF-8 is copied unchanged (it cannot
 * be a code, and removing bytes from it could form new characters). The
 * time taken depends on the presented text only, never on the stored code.
 */
static inline size_t
auth_code_strip(const char *in, size_t len, char *out)
{
	const unsigned char *s = (const unsigned char *) in;
	size_t		kept = 0;
	size_t		i;
	uint32_t	cp;

	for (i = 0; i < len;)
	{
		size_t		n = auth_code_utf8_next(s + i, len - i, &cp);

		if (n == 0)
		{
			memcpy(out, in, len);
			return len;
		}
		i += n;
	}
	for (i = 0; i < len;)
	{
		size_t		n = auth_code_utf8_next(s + i, len - i, &cp);

		if (!auth_code_ignorable(cp))
			memcpy(out + kept, in + i, n), kept += n;
		i += n;
	}
	return kept;
}

#endif							/* AUTH_CODE_H */
