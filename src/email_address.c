/*
 * email_address.c
 *	  The one strict check of the holder's e-mail address (rule R8), and its
 *	  SQL function domxfer._email_usable(text).
 *
 * Floor: server C above email_syntax.h and domain_name_check.h; used by
 * transfer_rules.c.
 *
 * The domain part goes through the same ICU checks as normalize_domain
 * (domain_name_check.c). ICU is far too slow to run on every row of a
 * report, so the check runs when the address is written: the generated
 * column domains.registrant_email_usable stores its answer, and the rule
 * functions read that boolean.
 */
#include "postgres.h"
#include "pg_compat.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "domain_name_check.h"
#include "email_address.h"
#include "email_syntax.h"

PG_FUNCTION_INFO_V1(domxfer_email_usable);

/* ASCII lower case of one octet (other octets unchanged). */
static inline char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/*
 * True when the label [in, in+len) is, ignoring ASCII case, the A-label or
 * the U-label given: RFC 6531 allows only those forms, not the ones UTS #46
 * maps (full-width letters, ideographic full stops, upper-case non-ASCII).
 */
static inline bool
label_is_one_of(const char *in, size_t len, const char *a, size_t alen,
				const char *u, size_t ulen)
{
	size_t		i;
	bool		same_a = (len == alen);
	bool		same_u = (len == ulen);

	for (i = 0; i < len && (same_a || same_u); i++)
	{
		char		c = ascii_lower(in[i]);

		if (same_a && c != a[i])
			same_a = false;
		if (same_u && c != u[i])
			same_u = false;
	}
	return same_a || same_u;
}

/*
 * True when the domain part is plain lower-case LDH ASCII that every check
 * of normalize_domain accepts as written: labels of 1 to 63 letters, digits
 * and inner hyphens, none an A-label or with "--" in positions 3-4, at
 * least two, 253 octets at most. Most addresses are; they skip ICU, so R8
 * costs little over a registrar's own table read row by row (SPEC §10).
 */
static bool
email_domain_plain_ok(const char *domain, size_t len)
{
	size_t		start = 0;
	int			labels = 0;

	if (len == 0 || len > DOMAIN_NAME_MAX_NAME)
		return false;
	for (size_t i = 0; i <= len; i++)
	{
		if (i == len || domain[i] == '.')
		{
			size_t		n = i - start;
			const char *l = domain + start;

			if (n == 0 || n > DOMAIN_NAME_MAX_LABEL || l[0] == '-' || l[n - 1] == '-' ||
				(n >= 4 && l[2] == '-' && l[3] == '-'))
				return false;
			labels++;
			start = i + 1;
		}
		else if (!((domain[i] >= 'a' && domain[i] <= 'z') ||
				   (domain[i] >= '0' && domain[i] <= '9') || domain[i] == '-'))
			return false;
	}
	return labels >= 2;
}

/* True when the domain part passes normalize_domain's checks, as written. */
static bool
email_domain_ok(const char *domain, size_t len)
{
	char		ascii[DOMAIN_NAME_BUFSIZE];
	char		uni[DOMAIN_NAME_BUFSIZE];
	DomainNameError *err = palloc(sizeof(DomainNameError));
	int			alen;
	int			ulen;
	size_t		i = 0,
				a = 0,
				u = 0;
	bool		ok = true;

	alen = domain_name_to_ascii(domain, len, ascii, sizeof(ascii), err);
	if (alen < 0)
		ok = false;
	else
	{
		ulen = domain_name_to_unicode(ascii, alen, uni, sizeof(uni), err);
		if (ulen < 0)
			ok = false;
		/* label by label: the input's label is the A-label or the U-label */
		while (ok)
		{
			size_t		ie = i,
						ae = a,
						ue = u;

			while (ie < len && domain[ie] != '.')
				ie++;
			while (ae < (size_t) alen && ascii[ae] != '.')
				ae++;
			while (ue < (size_t) ulen && uni[ue] != '.')
				ue++;
			if (!label_is_one_of(domain + i, ie - i, ascii + a, ae - a, uni + u, ue - u))
				ok = false;
			else if (ie == len || ae == (size_t) alen || ue == (size_t) ulen)
			{
				ok = (ie == len && ae == (size_t) alen && ue == (size_t) ulen);
				break;
			}
			i = ie + 1;
			a = ae + 1;
			u = ue + 1;
		}
	}
	pfree(err);
	return ok;
}

/* True when s is a usable holder address (see email_address.h). */
bool
email_address_usable(const char *s, size_t len)
{
	const char *at;

	if (!email_address_syntax_ok(s, len) || !email_address_text_clean(s, len))
		return false;
	at = memchr(s, '@', len);
	return email_domain_plain_ok(at + 1, len - (at + 1 - s)) ||
		email_domain_ok(at + 1, len - (at + 1 - s));
}

/*
 * domxfer._email_usable(text) → boolean: R8's one strict check, IMMUTABLE
 * so that domains.registrant_email_usable can store it at write time. NULL
 * is not usable. In a database whose encoding is not UTF-8 the text is
 * converted first (the checks work on UTF-8).
 */
Datum
domxfer_email_usable(PG_FUNCTION_ARGS)
{
	text	   *email;
	char	   *s;
	size_t		len;

	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	email = PG_GETARG_TEXT_PP(0);
	s = VARDATA_ANY(email);
	len = VARSIZE_ANY_EXHDR(email);
	/* longer than any address: refused unconverted (conversion is O(n)) */
	if (len > EMAIL_MAX_LENGTH)
		PG_RETURN_BOOL(false);
	if (GetDatabaseEncoding() != PG_UTF8)
	{
		char	   *utf8 = pg_server_to_any(s, len, PG_UTF8);

		/* unconverted (SQL_ASCII) input comes back as is: not terminated */
		if (utf8 != s)
		{
			s = utf8;
			len = strlen(utf8);
		}
	}
	PG_RETURN_BOOL(email_address_usable(s, len));
}
