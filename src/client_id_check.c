/*
 * client_id_check.c
 *	  The strict check of EPP client identifiers (RFC 5730 clIDType), in
 *	  pure C; the SQL-callable functions and the setting's check hook are in
 *	  client_id.c.
 *
 * Floor: plain C, the lowest (no PostgreSQL header; fuzzed outside the
 * server); used by client_id.c.
 *
 * The character classes are fixed lists from the Unicode Character Database
 * (Cc, White_Space, Default_Ignorable_Code_Point, noncharacters) rather than
 * ICU calls, so that whether a stored identifier is valid never changes with
 * the ICU version of the server it is restored on.
 */
#include "client_id_check.h"

/* An inclusive range of code points. */
typedef struct CodeRange
{
	uint32_t	first;
	uint32_t	last;
} CodeRange;

/* White_Space (PropList.txt) other than U+0020 and the C0/C1 controls. */
static const CodeRange other_white_space[] = {
	{0x00A0, 0x00A0}, {0x1680, 0x1680}, {0x2000, 0x200A}, {0x2028, 0x2029},
	{0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
};

/* Default_Ignorable_Code_Point (DerivedCoreProperties.txt): invisible. */
static const CodeRange default_ignorable[] = {
	{0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x061C, 0x061C}, {0x115F, 0x1160},
	{0x17B4, 0x17B5}, {0x180B, 0x180F}, {0x200B, 0x200F}, {0x202A, 0x202E},
	{0x2060, 0x206F}, {0x3164, 0x3164}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF},
	{0xFFA0, 0xFFA0}, {0xFFF0, 0xFFF8}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
	{0xE0000, 0xE0FFF},
};

/* Whether cp lies in one of n ranges (the lists are short). */
static inline bool
in_ranges(uint32_t cp, const CodeRange *ranges, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cp >= ranges[i].first && cp <= ranges[i].last)
			return true;
	return false;
}

/* General category Cc: C0 controls, DEL and the C1 controls. */
static inline bool
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* The 66 noncharacters: U+FDD0..U+FDEF and the last two of every plane. */
static inline bool
is_noncharacter(uint32_t cp)
{
	return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

/* Decodes one UTF-8 character strictly (no overlong forms, no surrogates). */
size_t
client_id_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t	c;
	size_t		n;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
	{
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
	{
		n = 2;
		c = s[0] & 0x1F;
	}
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
	{
		n = 3;
		c = s[0] & 0x0F;
	}
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
	{
		n = 4;
		c = s[0] & 0x07;
	}
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

/* One pass: character classes and spaces in order, then the length. */
ClientIdCheck
client_id_check(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	ClientIdCheck result = {CLIENT_ID_OK, 0, 0, 0};
	bool		previous_space = false;
	size_t		i = 0;

	while (i < len)
	{
		uint32_t	cp = 0;
		size_t		n = client_id_utf8_decode(p + i, len - i, &cp);
		ClientIdError error = CLIENT_ID_OK;

		result.chars++;
		if (n == 0)
			error = CLIENT_ID_BAD_UTF8;
		else if (is_control(cp))
			error = CLIENT_ID_CONTROL;
		else if (in_ranges(cp, other_white_space, sizeof(other_white_space) / sizeof(other_white_space[0])))
			error = CLIENT_ID_OTHER_SPACE;
		else if (in_ranges(cp, default_ignorable, sizeof(default_ignorable) / sizeof(default_ignorable[0])))
			error = CLIENT_ID_INVISIBLE;
		else if (is_noncharacter(cp))
			error = CLIENT_ID_NONCHARACTER;
		else if (cp == ' ' && result.chars == 1)
			error = CLIENT_ID_LEADING_SPACE;
		else if (cp == ' ' && previous_space)
			error = CLIENT_ID_REPEATED_SPACE;
		if (error != CLIENT_ID_OK)
		{
			result.error = error;
			result.position = result.chars;
			result.code_point = cp;
			return result;
		}
		previous_space = (cp == ' ');
		i += n;
	}
	if (previous_space)
	{
		result.error = CLIENT_ID_TRAILING_SPACE;
		result.position = result.chars;
		result.code_point = ' ';
	}
	else if (result.chars < CLIENT_ID_MIN_CHARS)
		result.error = CLIENT_ID_TOO_SHORT;
	else if (result.chars > CLIENT_ID_MAX_CHARS)
		result.error = CLIENT_ID_TOO_LONG;
	return result;
}

/* The failed check in words, for messages. */
const char *
client_id_error_text(ClientIdError error)
{
	switch (error)
	{
		case CLIENT_ID_OK:
			return "valid";
		case CLIENT_ID_BAD_UTF8:
			return "is not valid UTF-8";
		case CLIENT_ID_CONTROL:
			return "contains a control character";
		case CLIENT_ID_OTHER_SPACE:
			return "contains white space other than the space character";
		case CLIENT_ID_INVISIBLE:
			return "contains an invisible character";
		case CLIENT_ID_NONCHARACTER:
			return "contains a Unicode noncharacter";
		case CLIENT_ID_LEADING_SPACE:
			return "starts with white space";
		case CLIENT_ID_REPEATED_SPACE:
			return "contains two spaces in a row";
		case CLIENT_ID_TRAILING_SPACE:
			return "ends with white space";
		case CLIENT_ID_TOO_SHORT:
			return "is shorter than 3 characters";
		case CLIENT_ID_TOO_LONG:
			return "is longer than 16 characters";
	}
	return "is invalid";
}
