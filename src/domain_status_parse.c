/*
 * domain_status_parse.c
 *	  Pure C text handling of domxfer.domain_status (see domain_status_parse.h).
 *
 * Floor: plain C, the lowest (no PostgreSQL header; fuzzed and tested
 * outside the server); it defines the value itself (DomainStatus, DS_*),
 * which domain_status.h and transfer_rules.c use.
 *
 * Grammar of the text form (white space is ignored everywhere, names are
 * matched case-insensitively in their EPP or RDAP spelling, or as the
 * upper-case enum names with underscores that registry software stores,
 * e.g. CLIENT_TRANSFER_PROHIBITED):
 *
 *	 input   := list | "{" list "}"
 *	 list    := <nothing> | element ("," element)*
 *	 element := bare | '"' (char | "\" char)* '"'
 *
 * Duplicates are allowed; the empty list is the status "ok".
 */
#include "domain_status_parse.h"

#include <string.h>

/* Longest name once white space is dropped ("servertransferprohibited"). */
#define DS_NAME_MAXLEN	32

const char *const ds_epp_names[DS_NVALUES] = {
	"ok",
	"clientDeleteProhibited",
	"serverDeleteProhibited",
	"clientHold",
	"serverHold",
	"clientRenewProhibited",
	"serverRenewProhibited",
	"clientTransferProhibited",
	"serverTransferProhibited",
	"clientUpdateProhibited",
	"serverUpdateProhibited",
	"inactive",
	"pendingCreate",
	"pendingDelete",
	"pendingRenew",
	"pendingTransfer",
	"pendingUpdate",
	"addPeriod",
	"autoRenewPeriod",
	"renewPeriod",
	"transferPeriod",
	"redemptionPeriod",
	"pendingRestore",
};

const char *const ds_rdap_names[DS_NVALUES] = {
	"active",
	"client delete prohibited",
	"server delete prohibited",
	"client hold",
	"server hold",
	"client renew prohibited",
	"server renew prohibited",
	"client transfer prohibited",
	"server transfer prohibited",
	"client update prohibited",
	"server update prohibited",
	"inactive",
	"pending create",
	"pending delete",
	"pending renew",
	"pending transfer",
	"pending update",
	"add period",
	"auto renew period",
	"renew period",
	"transfer period",
	"redemption period",
	"pending restore",
};

/*
 * Each pending operation of RFC 5731 and the two prohibitions of that same
 * operation, which it must not be combined with.
 */
static const struct
{
	DomainStatus pending;
	DomainStatus client_prohibited;
	DomainStatus server_prohibited;
}			pending_prohibitions[] = {
	{DS_PENDING_DELETE, DS_CLIENT_DELETE_PROHIBITED, DS_SERVER_DELETE_PROHIBITED},
	{DS_PENDING_RENEW, DS_CLIENT_RENEW_PROHIBITED, DS_SERVER_RENEW_PROHIBITED},
	{DS_PENDING_TRANSFER, DS_CLIENT_TRANSFER_PROHIBITED, DS_SERVER_TRANSFER_PROHIBITED},
	{DS_PENDING_UPDATE, DS_CLIENT_UPDATE_PROHIBITED, DS_SERVER_UPDATE_PROHIBITED},
};

/* ASCII white space only: the C library's isspace() depends on the locale. */
static inline bool
is_white_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\f' || c == '\v';
}

/* ASCII lower-casing that leaves every other byte alone, whatever the locale. */
static inline char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

/* Bytes that end a bare element. */
static inline bool
is_delimiter(char c)
{
	return c == ',' || c == '{' || c == '}' || c == '"';
}

/* Position of the first non-white-space byte at or after pos. */
static size_t
skip_white_space(const char *s, size_t len, size_t pos)
{
	while (pos < len && is_white_space(s[pos]))
		pos++;
	return pos;
}

/* Number of the lowest set bit; mask must not be zero. */
static int
lowest_bit(DomainStatus mask)
{
	int			bit = 0;

	while ((mask & 1) == 0)
	{
		mask >>= 1;
		bit++;
	}
	return bit;
}

/* Fills in error and returns false, so a failing parse step is one line. */
static bool
fail(DomainStatusParseError *error, DomainStatusParseErrorKind kind,
	 size_t offset, size_t length)
{
	error->kind = kind;
	error->offset = offset;
	error->length = length;
	error->conflict = DS_CONFLICT_NONE;
	error->bit_a = -1;
	error->bit_b = -1;
	return false;
}

/* Does name, without white space and lower-cased, equal the normalised token? */
static bool
name_matches(const char *name, const char *token, size_t token_len)
{
	size_t		i = 0;

	for (; *name != '\0'; name++)
	{
		if (is_white_space(*name))
			continue;
		if (i >= token_len || ascii_lower(*name) != token[i])
			return false;
		i++;
	}
	return i == token_len;
}

/*
 * The bit named by a token as written, or -1. White space is dropped and
 * ASCII letters lower-cased first; inside a quoted element a backslash takes
 * the next byte literally (as in PostgreSQL's array syntax).
 */
static int
lookup_token(const char *token, size_t len, bool quoted)
{
	char		norm[DS_NAME_MAXLEN];
	size_t		norm_len = 0;

	for (size_t i = 0; i < len; i++)
	{
		char		c = token[i];

		if (quoted && c == '\\' && i + 1 < len)
			c = token[++i];
		/* white space, and the underscores of Java enum names (CLIENT_HOLD) */
		else if (is_white_space(c) || c == '_')
			continue;
		if (norm_len == sizeof(norm))
			return -1;			/* longer than any name */
		norm[norm_len++] = ascii_lower(c);
	}
	for (int bit = 0; bit < DS_NVALUES; bit++)
	{
		if (name_matches(ds_epp_names[bit], norm, norm_len) ||
			name_matches(ds_rdap_names[bit], norm, norm_len))
			return bit;
	}
	return -1;
}

/*
 * Parses the element that starts at *pos (white space allowed around it),
 * leaving *pos on the first byte after the element and its trailing white
 * space: a ',', a '}' or the end. With resolve, also adds its value to *bits.
 */
static bool
parse_element(const char *s, size_t len, bool braced, size_t *pos,
			  bool resolve, DomainStatus *bits, DomainStatusParseError *error)
{
	size_t		start = skip_white_space(s, len, *pos);
	size_t		token_start;
	size_t		token_len;
	size_t		after;
	bool		quoted = start < len && s[start] == '"';
	int			bit;

	if (quoted)
	{
		size_t		q = start + 1;

		while (q < len && s[q] != '"')
			q += (s[q] == '\\' && q + 1 < len) ? 2 : 1;
		if (q >= len)
			return fail(error, DS_PARSE_UNTERMINATED_QUOTE, start, 1);
		token_start = start + 1;
		token_len = q - token_start;
		after = skip_white_space(s, len, q + 1);
	}
	else
	{
		size_t		q = start;
		size_t		end;

		while (q < len && !is_delimiter(s[q]))
			q++;
		end = q;
		while (end > start && is_white_space(s[end - 1]))
			end--;
		if (end == start)
		{
			/* nothing before the next delimiter: say which mistake it is */
			if (q == len)
				return fail(error, braced ? DS_PARSE_UNBALANCED_BRACE :
							DS_PARSE_EMPTY_ELEMENT, q, 0);
			if (s[q] == '}')
				return fail(error, braced ? DS_PARSE_EMPTY_ELEMENT :
							DS_PARSE_UNBALANCED_BRACE, q, 1);
			if (s[q] == '{')
				return fail(error, DS_PARSE_UNEXPECTED_CHAR, q, 1);
			return fail(error, DS_PARSE_EMPTY_ELEMENT, q, 1);
		}
		token_start = start;
		token_len = end - start;
		after = q;
	}

	/* an element ends at a ',', a '}' or the end: "a{", "\"a\"b" do not */
	if (after < len && s[after] != ',' && s[after] != '}')
		return fail(error, DS_PARSE_UNEXPECTED_CHAR, after, 1);

	if (resolve)
	{
		bit = lookup_token(s + token_start, token_len, quoted);
		if (bit < 0)
			return fail(error, DS_PARSE_UNKNOWN_VALUE, token_start, token_len);
		*bits |= UINT32_C(1) << bit;
	}
	*pos = after;
	return true;
}

/*
 * Walks the whole list syntax; with resolve, also looks every element up
 * and collects the values in *bits.
 */
static bool
scan_list(const char *input, size_t len, bool resolve, DomainStatus *bits,
		  DomainStatusParseError *error)
{
	size_t		pos;
	bool		braced;

	pos = skip_white_space(input, len, 0);
	braced = pos < len && input[pos] == '{';
	if (braced)
		pos++;

	pos = skip_white_space(input, len, pos);
	if (braced && pos < len && input[pos] == '}')
		pos++;					/* "{}": the empty set */
	else if (pos < len || braced)
	{
		for (;;)
		{
			if (!parse_element(input, len, braced, &pos, resolve, bits, error))
				return false;
			if (pos == len)
			{
				if (braced)
					return fail(error, DS_PARSE_UNBALANCED_BRACE, len, 0);
				break;
			}
			if (input[pos] == '}')
			{
				if (!braced)
					return fail(error, DS_PARSE_UNBALANCED_BRACE, pos, 1);
				pos++;
				break;
			}
			pos++;				/* the ',' */
		}
	}

	pos = skip_white_space(input, len, pos);
	if (pos < len)
		return fail(error, input[pos] == '}' ? DS_PARSE_UNBALANCED_BRACE :
					DS_PARSE_UNEXPECTED_CHAR, pos, 1);
	return true;
}

/*
 * Parses the text form of a domain status into its canonical mask.
 * On failure returns false with *error saying where and why. The syntax
 * is checked over the whole input before any name is looked up, so
 * "a,,b" is reported as the empty element it contains.
 */
bool
ds_parse(const char *input, size_t len, DomainStatus *result,
		 DomainStatusParseError *error)
{
	DomainStatus bits = 0;

	if (len > DS_INPUT_MAX_BYTES)
		return fail(error, DS_PARSE_TOO_LONG, 0, len);
	if (!scan_list(input, len, false, &bits, error) ||
		!scan_list(input, len, true, &bits, error))
		return false;
	return ds_from_bits(bits, result, error);
}

/*
 * Parses exactly one status value (an element of a text[]) into its bit.
 * No list syntax: "clientHold,serverHold" is one unknown value.
 */
bool
ds_parse_value(const char *input, size_t len, DomainStatus *bit,
			   DomainStatusParseError *error)
{
	int			found;

	if (len > DS_INPUT_MAX_BYTES)
		return fail(error, DS_PARSE_TOO_LONG, 0, len);
	found = lookup_token(input, len, false);
	if (found < 0)
		return fail(error, DS_PARSE_UNKNOWN_VALUE, 0, len);
	*bit = UINT32_C(1) << found;
	return true;
}

/*
 * The first combination in mask that RFC 5731 section 2.3 forbids, or
 * DS_CONFLICT_NONE. *bit_a is the value that cannot take *bit_b: "ok" or
 * the pending* value.
 */
DomainStatusConflictKind
ds_find_conflict(DomainStatus mask, int *bit_a, int *bit_b)
{
	DomainStatus with_ok = mask & DS_RFC5731_BITS & ~(DS_OK | DS_INACTIVE);
	DomainStatus pending = mask & DS_PENDING_5731_BITS;

	if ((mask & DS_OK) && with_ok != 0)
	{
		*bit_a = 0;
		*bit_b = lowest_bit(with_ok);
		return DS_CONFLICT_OK;
	}
	for (size_t i = 0; i < sizeof(pending_prohibitions) / sizeof(pending_prohibitions[0]); i++)
	{
		DomainStatus prohibited = mask & (pending_prohibitions[i].client_prohibited |
										  pending_prohibitions[i].server_prohibited);

		if ((mask & pending_prohibitions[i].pending) && prohibited != 0)
		{
			*bit_a = lowest_bit(pending_prohibitions[i].pending);
			*bit_b = lowest_bit(prohibited);
			return DS_CONFLICT_PENDING_PROHIBITED;
		}
	}
	if (ds_count(pending) >= 2)
	{
		*bit_a = lowest_bit(pending);
		*bit_b = lowest_bit(pending & ~(UINT32_C(1) << *bit_a));
		return DS_CONFLICT_TWO_PENDING;
	}
	return DS_CONFLICT_NONE;
}

/*
 * Turns a set of named values into a stored value: rejects the forbidden
 * combinations, then canonicalises ("ok,inactive" becomes "inactive").
 */
bool
ds_from_bits(DomainStatus bits, DomainStatus *result,
			 DomainStatusParseError *error)
{
	DomainStatusConflictKind conflict;
	int			bit_a;
	int			bit_b;

	conflict = ds_find_conflict(bits, &bit_a, &bit_b);
	if (conflict != DS_CONFLICT_NONE)
	{
		fail(error, DS_PARSE_FORBIDDEN_COMBINATION, 0, 0);
		error->conflict = conflict;
		error->bit_a = bit_a;
		error->bit_b = bit_b;
		return false;
	}
	*result = ds_canonical(bits);
	return true;
}

/*
 * The canonical form: "ok" is derived, present exactly when no other
 * RFC 5731 value is; unknown bits are dropped.
 */
DomainStatus
ds_canonical(DomainStatus mask)
{
	mask &= DS_ALL_BITS;
	if (mask & DS_RFC5731_BITS & ~DS_OK)
		return mask & ~DS_OK;
	return mask | DS_OK;
}

/* Is mask a value the type can store (known bits, canonical "ok")? */
bool
ds_is_canonical(DomainStatus mask)
{
	return (mask & ~DS_ALL_BITS) == 0 && ds_canonical(mask) == mask;
}

/* Number of values in mask. */
int
ds_count(DomainStatus mask)
{
	int			n = 0;

	for (; mask != 0; mask &= mask - 1)
		n++;
	return n;
}

/*
 * Writes the values of mask in bit order, comma-separated, spelt from names
 * (ds_epp_names or ds_rdap_names), NUL-terminated; returns the length.
 * Output is cut short rather than overflow a buffer under DS_TEXT_BUFSIZE.
 */
size_t
ds_format(DomainStatus mask, const char *const *names, char *buf,
		  size_t bufsize)
{
	size_t		len = 0;

	if (bufsize == 0)
		return 0;
	for (int bit = 0; bit < DS_NVALUES; bit++)
	{
		size_t		name_len;

		if ((mask & (UINT32_C(1) << bit)) == 0)
			continue;
		name_len = strlen(names[bit]);
		if (len + (len > 0) + name_len >= bufsize)
			break;
		if (len > 0)
			buf[len++] = ',';
		memcpy(buf + len, names[bit], name_len);
		len += name_len;
	}
	buf[len] = '\0';
	return len;
}
