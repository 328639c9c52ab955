/*
 * fuzz_email_syntax.c
 *	  libFuzzer target for the e-mail syntax check of rule R8
 *	  (src/email_syntax.c).
 *
 * The checker is a one-pass class-table scanner; this harness compares it
 * with a slow, obviously-written reading of the rule in email_syntax.h, so a
 * difference is a finding even when nothing crashes.
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool		got = email_address_syntax_ok((const char *) data, size);
	bool		want = reference_ok(data, size);

	FUZZ_CHECK(got == want, "checker says %s, the rule says %s (%zu bytes)",
			   got ? "valid" : "invalid", want ? "valid" : "invalid", size);
	return 0;
}
