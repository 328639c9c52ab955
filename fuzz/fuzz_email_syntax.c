/*
 * fuzz_email_syntax.c
 *	  libFuzzer target for the e-mail syntax check of rule R8
 *	  (src/email_syntax.c).
 *
 * The checker is a one-pass class-table scanner; this harness compares it
 * with a slow, obviously-written reading of the rule in email_syntax.h, so a
 * difference is a finding even when nothing crashes. The same for
 * email_address_text_clean (valid UTF-8 without white space, zero-width or
 * control characters), against a decoder written out sequence by sequence.
 */
#include <stdint.h>
#include <string.h>

#include "email_syntax.h"
#include "fuzz_check.h"

/* RFC 5322 atext, plus every non-ASCII octet (RFC 6532). */
static bool
reference_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c >= 0x80 ||
		(c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* A domain label: 1-63 letters, digits, hyphens or non-ASCII, no edge hyphen. */
static bool
reference_label(const unsigned char *s, size_t len)
{
	if (len < 1 || len > EMAIL_MAX_LABEL_LENGTH || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			  (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] >= 0x80))
			return false;
	return true;
}

/* The rule as header email_syntax.h states it, one condition at a time. */
static bool
reference_ok(const unsigned char *s, size_t len)
{
	size_t		at = 0;
	size_t		ats = 0;
	size_t		start;
	size_t		labels = 0;
	bool		tld_all_digits = true;

	if (len < 1 || len > EMAIL_MAX_LENGTH)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '@')
			at = (ats++ == 0) ? i : at;
	if (ats != 1 || at < 1 || at > EMAIL_MAX_LOCAL_LENGTH)
		return false;

	/* local part: atoms of atext joined by single dots */
	if (s[0] == '.' || s[at - 1] == '.')
		return false;
	for (size_t i = 0; i < at; i++)
	{
		if (s[i] == '.' ? s[i + 1] == '.' : !reference_atext(s[i]))
			return false;
	}

	/* domain: two or more labels, the last not all digits */
	start = at + 1;
	for (size_t i = start; i <= len; i++)
	{
		if (i < len && s[i] != '.')
			continue;
		if (!reference_label(s + start, i - start))
			return false;
		labels++;
		tld_all_digits = true;
		for (size_t k = start; k < i; k++)
			if (s[k] < '0' || s[k] > '9')
				tld_all_digits = false;
		start = i + 1;
	}
	return labels >= 2 && !tld_all_digits;
}

/* A code point email_syntax.h lists as unusable in an address. */
static bool
reference_unusable(uint32_t cp)
{
	static const uint32_t listed[] = {
		0x0085, 0x00a0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x2060, 0x3000, 0xfeff
	};

	if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f))
		return true;			/* C0, DEL, C1 */
	if (cp >= 0x2000 && cp <= 0x200a)
		return true;			/* spaces */
	if (cp >= 0x200b && cp <= 0x200d)
		return true;			/* zero-width */
	if (cp >= 0xd800 && cp <= 0xdfff)
		return true;			/* surrogates */
	if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xffff) == 0xfffe || (cp & 0xffff) == 0xffff)
		return true;			/* noncharacters */
	for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++)
		if (cp == listed[i])
			return true;
	return false;
}

/* Valid UTF-8 (shortest form, at most U+10FFFF) with no unusable code point. */
static bool
reference_clean(const unsigned char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		uint32_t	cp;
		size_t		n;

		if (s[i] < 0x80)
			cp = s[i], n = 1;
		else if (s[i] >= 0xc2 && s[i] <= 0xdf)
			cp = s[i] & 0x1f, n = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			cp = s[i] & 0x0f, n = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			cp = s[i] & 0x07, n = 4;
		else
			return false;
		if (i + n > len)
			return false;
		for (size_t k = 1; k < n; k++)
		{
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		if (reference_unusable(cp))
			return false;
		i += n;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool		got = email_address_syntax_ok((const char *) data, size);
	bool		want = reference_ok(data, size);

	FUZZ_CHECK(got == want, "checker says %s, the rule says %s (%zu bytes)",
			   got ? "valid" : "invalid", want ? "valid" : "invalid", size);
	got = email_address_text_clean((const char *) data, size);
	want = reference_clean(data, size);
	FUZZ_CHECK(got == want, "text check says %s, the rule says %s (%zu bytes)",
			   got ? "clean" : "not clean", want ? "clean" : "not clean", size);
	return 0;
}
