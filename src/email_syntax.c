/*
 * email_syntax.c
 *	  Syntax check of an e-mail address (rule R8), in pure C.
 *
 * Floor: plain C, the lowest (no PostgreSQL header; fuzzed outside the
 * server); used by email_address.c.
 *
 * One pass over the octets with a class table, because the rule functions
 * run it on every row of reports over millions of domains.
 */
#include "email_syntax.h"

#include <stdint.h>

/* Octet classes, combinable bits. */
#define EC_ATEXT	0x01		/* allowed in a dot-atom of the local part */
#define EC_LETDIG	0x02		/* ASCII letter or digit */
#define EC_DIGIT	0x04		/* ASCII digit */
#define EC_NONASCII	0x08		/* part of a UTF-8 sequence */

/* Class of each octet; filled once, on first use. */
static uint8_t email_class[256];
static bool email_class_ready = false;

/* Fills email_class (idempotent, so a race between threads is harmless). */
static void
email_class_init(void)
{
	const char *specials = "!#$%&'*+-/=?^_`{|}~";
	int			c;

	for (c = 'a'; c <= 'z'; c++)
		email_class[c] |= EC_ATEXT | EC_LETDIG;
	for (c = 'A'; c <= 'Z'; c++)
		email_class[c] |= EC_ATEXT | EC_LETDIG;
	for (c = '0'; c <= '9'; c++)
		email_class[c] |= EC_ATEXT | EC_LETDIG | EC_DIGIT;
	for (; *specials; specials++)
		email_class[(unsigned char) *specials] |= EC_ATEXT;
	for (c = 0x80; c <= 0xff; c++)
		email_class[c] |= EC_ATEXT | EC_NONASCII;
	email_class_ready = true;
}

/* True when [s, s+len) is a dot-atom: atoms of atext joined by single dots. */
static inline bool
dot_atom_ok(const unsigned char *s, size_t len)
{
	size_t		i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] == '.')
		{
			if (s[i - 1] == '.')
				return false;
		}
		else if (!(email_class[s[i]] & EC_ATEXT))
			return false;
	}
	return true;
}

/* True when one label is 1-63 octets of letters, digits, inner hyphens or UTF-8. */
static inline bool
label_ok(const unsigned char *s, size_t len)
{
	size_t		i;

	if (len == 0 || len > EMAIL_MAX_LABEL_LENGTH ||
		s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (s[i] != '-' && !(email_class[s[i]] & (EC_LETDIG | EC_NONASCII)))
			return false;
	return true;
}

/* True when [s, s+len) has two or more valid labels and a TLD not all digits. */
static inline bool
domain_ok(const unsigned char *s, size_t len)
{
	size_t		start = 0;
	size_t		i;
	int			labels = 0;
	bool		last_all_digits = false;

	for (i = 0; i <= len; i++)
	{
		if (i == len || s[i] == '.')
		{
			size_t		j;

			if (!label_ok(s + start, i - start))
				return false;
			labels++;
			last_all_digits = true;
			for (j = start; j < i; j++)
				if (!(email_class[s[j]] & EC_DIGIT))
					last_all_digits = false;
			start = i + 1;
		}
	}
	return labels >= 2 && !last_all_digits;
}

/* True when s is a usable holder address (see email_syntax.h). */
bool
email_address_syntax_ok(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		at;

	if (!email_class_ready)
		email_class_init();
	if (s == NULL || len == 0 || len > EMAIL_MAX_LENGTH)
		return false;
	/* A dot-atom has no '@', so the separator is the only one. */
	for (at = 0; at < len && u[at] != '@'; at++)
		;
	if (at == len || at > EMAIL_MAX_LOCAL_LENGTH)
		return false;
	return dot_atom_ok(u, at) && domain_ok(u + at + 1, len - at - 1);
}

/* True when the code point cannot appear in a person's e-mail address. */
static inline bool
unusable_code_point(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0))
		return true;			/* C0, DEL, C1, U+00A0 */
	switch (cp)
	{
		case 0x1680:
		case 0x2028:
		case 0x2029:
		case 0x202f:
		case 0x205f:
		case 0x2060:
		case 0x3000:
		case 0xfeff:
			return true;
	}
	if (cp >= 0x2000 && cp <= 0x200d)
		return true;			/* U+2000-U+200A spaces, U+200B-U+200D */
	if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
		return true;			/* noncharacters */
	return false;
}

/* True when s is clean UTF-8 text for an address (see email_syntax.h). */
bool
email_address_text_clean(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		i = 0;

	while (i < len)
	{
		uint32_t	cp;
		int			n;
		uint32_t	min;

		if (u[i] < 0x80)
		{
			if (unusable_code_point(u[i]))
				return false;
			i++;
			continue;
		}
		if ((u[i] & 0xe0) == 0xc0)
		{
			cp = u[i] & 0x1f;
			n = 1;
			min = 0x80;
		}
		else if ((u[i] & 0xf0) == 0xe0)
		{
			cp = u[i] & 0x0f;
			n = 2;
			min = 0x800;
		}
		else if ((u[i] & 0xf8) == 0xf0)
		{
			cp = u[i] & 0x07;
			n = 3;
			min = 0x10000;
		}
		else
			return false;
		if (len - i < (size_t) n + 1)
			return false;		/* truncated sequence */
		for (int k = 1; k <= n; k++)
		{
			if ((u[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (u[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
			unusable_code_point(cp))
			return false;
		i += n + 1;
	}
	return true;
}
