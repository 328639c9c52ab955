/*
 * fuzz_domain_name.c
 *	  libFuzzer target for the domain-name checks (src/domain_name_check.c,
 *	  ICU UTS #46 plus the RFC 5892 derived property).
 *
 * Besides crashes and sanitizer findings it checks:
 *  - normalize_domain, domain_to_unicode and domain_tld accept exactly the
 *    same names and reject the others for the same reason;
 *  - no input makes ICU itself "fail" or overflows an output buffer;
 *  - an accepted name normalizes to itself (idempotence), its A-label form
 *    is lower-case LDH within the DNS limits, its U-label form converts to
 *    the same A-label form and to itself, and the TLD is its last label;
 *  - the error DETAIL fits any buffer, is ASCII when asked to be, and is
 *    valid UTF-8 otherwise (the server sends it to clients as is).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain_name_check.h"
#include "fuzz_check.h"

/* True when s[0..len) is well-formed UTF-8 (no surrogates, no overlongs). */
static bool
valid_utf8(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *) text;
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = s[i];
		size_t		n;
		uint32_t	cp;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, cp = c & 0x07;
		else
			return false;
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++)
		{
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
			(cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

/* The stored form: 2+ labels of 1-63 of [a-z0-9-], at most 253 octets. */
static void
check_ascii_form(const char *ascii, int len)
{
	int			label_len = 0;
	int			labels = 1;

	FUZZ_CHECK(len > 0 && len <= DOMAIN_NAME_MAX_NAME && (int) strlen(ascii) == len,
			   "A-label form \"%s\" of length %d", ascii, len);
	for (int i = 0; i < len; i++)
	{
		char		c = ascii[i];

		if (c == '.')
		{
			FUZZ_CHECK(label_len > 0, "empty label in \"%s\"", ascii);
			labels++;
			label_len = 0;
			continue;
		}
		FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-',
				   "byte 0x%02X in \"%s\"", (unsigned char) c, ascii);
		label_len++;
		FUZZ_CHECK(label_len <= DOMAIN_NAME_MAX_LABEL, "long label in \"%s\"", ascii);
	}
	FUZZ_CHECK(label_len > 0 && labels >= 2, "\"%s\" has %d labels", ascii, labels);
}

/* The DETAIL of a rejection, into a buffer of exactly bufsize bytes. */
static void
check_detail(const DomainNameError *err, bool ascii_only, size_t bufsize)
{
	char	   *buf = malloc(bufsize);
	size_t		n;

	if (buf == NULL)
		return;
	n = domain_name_error_detail(err, ascii_only, buf, bufsize);
	if (bufsize > 0)
	{
		FUZZ_CHECK(n < bufsize && buf[n] == '\0' && strlen(buf) == n,
				   "detail length %zu in %zu bytes", n, bufsize);
		if (ascii_only)
			for (size_t i = 0; i < n; i++)
				FUZZ_CHECK((unsigned char) buf[i] < 0x80, "non-ASCII detail: %s", buf);
		else if (bufsize > 1024)
			FUZZ_CHECK(valid_utf8(buf, n), "detail is not UTF-8: %s", buf);
	}
	else
		FUZZ_CHECK(n == 0, "wrote %zu bytes into nothing", n);
	free(buf);
}

/* A rejection must be one of the kinds a name (not ICU) can cause. */
static void
check_rejection(const uint8_t *data, size_t size, const DomainNameError *err)
{
	FUZZ_CHECK(err->kind != DOMAIN_NAME_OK && err->kind != DOMAIN_NAME_ICU_FAILURE &&
			   err->kind != DOMAIN_NAME_OUTPUT_TOO_SMALL,
			   "error kind %d (ICU status %d)", (int) err->kind, (int) err->icu_status);
	FUZZ_CHECK(memchr(err->label, '\0', sizeof(err->label)) != NULL, "label unterminated");
	if (err->kind != DOMAIN_NAME_INVALID_UTF8)
		FUZZ_CHECK(valid_utf8(err->label, strlen(err->label)), "label not UTF-8");
	check_detail(err, true, 2048);
	check_detail(err, false, 2048);
	/* a buffer size chosen by the input: cut short, never overrun */
	check_detail(err, size > 0 && data[0] % 2, size > 1 ? data[1] : 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data;
	char		ascii[DOMAIN_NAME_BUFSIZE];
	char		unicode[DOMAIN_NAME_BUFSIZE];
	char		tld[DOMAIN_NAME_BUFSIZE];
	char		again[DOMAIN_NAME_BUFSIZE];
	DomainNameError err_a;
	DomainNameError err_u;
	DomainNameError err_t;
	DomainNameError err;
	int			a = domain_name_to_ascii(in, size, ascii, sizeof(ascii), &err_a);
	int			u = domain_name_to_unicode(in, size, unicode, sizeof(unicode), &err_u);
	int			t = domain_name_tld(in, size, tld, sizeof(tld), &err_t);
	int			n;
	int32_t		cp;

	FUZZ_CHECK((a >= 0) == (u >= 0) && (a >= 0) == (t >= 0),
			   "to_ascii %d, to_unicode %d, tld %d (kinds %d, %d, %d)",
			   a, u, t, (int) err_a.kind, (int) err_u.kind, (int) err_t.kind);
	if (a < 0)
	{
		FUZZ_CHECK(err_a.kind == err_u.kind && err_a.kind == err_t.kind,
				   "kinds %d, %d, %d", (int) err_a.kind, (int) err_u.kind,
				   (int) err_t.kind);
		check_rejection(data, size, &err_a);
		check_rejection(data, size, &err_u);
	}
	else
	{
		const char *last_dot;

		check_ascii_form(ascii, a);
		FUZZ_CHECK(u > 0 && (int) strlen(unicode) == u && valid_utf8(unicode, u),
				   "U-label form of \"%s\"", ascii);

		/* idempotence: the stored form normalizes to itself */
		n = domain_name_to_ascii(ascii, a, again, sizeof(again), &err);
		FUZZ_CHECK(n == a && strcmp(again, ascii) == 0,
				   "\"%s\" normalizes to \"%s\" (kind %d)", ascii, n < 0 ? "" : again,
				   (int) err.kind);
		n = domain_name_to_unicode(ascii, a, again, sizeof(again), &err);
		FUZZ_CHECK(n == u && strcmp(again, unicode) == 0,
				   "U-label form of \"%s\" is \"%s\", not \"%s\"", ascii,
				   n < 0 ? "" : again, unicode);

		/* the display form leads back to the same stored form */
		n = domain_name_to_ascii(unicode, u, again, sizeof(again), &err);
		FUZZ_CHECK(n == a && strcmp(again, ascii) == 0,
				   "\"%s\" normalizes to \"%s\", not \"%s\" (kind %d)", unicode,
				   n < 0 ? "" : again, ascii, (int) err.kind);
		n = domain_name_to_unicode(unicode, u, again, sizeof(again), &err);
		FUZZ_CHECK(n == u && strcmp(again, unicode) == 0,
				   "\"%s\" displays as \"%s\"", unicode, n < 0 ? "" : again);

		last_dot = strrchr(ascii, '.');
		FUZZ_CHECK(last_dot != NULL && t == (int) strlen(last_dot + 1) &&
				   strcmp(tld, last_dot + 1) == 0,
				   "TLD of \"%s\" is \"%s\"", ascii, tld);
	}

	/* the derived property of any 32-bit value is one of the five */
	if (size >= sizeof(cp))
	{
		memcpy(&cp, data, sizeof(cp));
		FUZZ_CHECK((unsigned) idna2008_derived_property(cp) <= IDNA2008_UNASSIGNED,
				   "property of %d", (int) cp);
	}
	return 0;
}
