/*
 * email_syntax.c
 *	  Syntax check of an e-mail address (rule R8), in pure C.
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
