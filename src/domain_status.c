/*
 * domain_status.c
 *	  fmgr wrappers of the domxfer.domain_status base type: text and binary
 *	  I/O, comparison and hashing, set operators, casts and RDAP spellings.
 *
 * Floor: server C above domain_status.h and domain_status_parse.h; nothing
 * of ours uses it (SQL calls it).
 *
 * All text handling lives in domain_status_parse.c (pure C); this file only
 * turns its results and errors into Datums and ereports.
 */
#include "postgres.h"
#include "pg_compat.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "nodes/nodes.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "domain_status.h"
#include "domain_status_parse.h"

/* Before PostgreSQL 16 there are no soft input errors: raise them. */
#if PG_VERSION_NUM < 160000
#define errsave(context, ...)	ereport(ERROR, __VA_ARGS__)
#endif

/* Longest piece of user input quoted back in an error message. */
#define DS_QUOTE_MAX_BYTES		64

PG_FUNCTION_INFO_V1(domain_status_in);
PG_FUNCTION_INFO_V1(domain_status_out);
PG_FUNCTION_INFO_V1(domain_status_recv);
PG_FUNCTION_INFO_V1(domain_status_send);
PG_FUNCTION_INFO_V1(domain_status_eq);
PG_FUNCTION_INFO_V1(domain_status_ne);
PG_FUNCTION_INFO_V1(domain_status_lt);
PG_FUNCTION_INFO_V1(domain_status_le);
PG_FUNCTION_INFO_V1(domain_status_gt);
PG_FUNCTION_INFO_V1(domain_status_ge);
PG_FUNCTION_INFO_V1(domain_status_cmp);
PG_FUNCTION_INFO_V1(domain_status_hash);
PG_FUNCTION_INFO_V1(domain_status_hash_extended);
PG_FUNCTION_INFO_V1(domain_status_contains);
PG_FUNCTION_INFO_V1(domain_status_contained);
PG_FUNCTION_INFO_V1(domain_status_overlaps);
PG_FUNCTION_INFO_V1(domain_status_union);
PG_FUNCTION_INFO_V1(domain_status_difference);
PG_FUNCTION_INFO_V1(domain_status_from_text_array);
PG_FUNCTION_INFO_V1(domain_status_to_text_array);
PG_FUNCTION_INFO_V1(domain_status_rdap);
PG_FUNCTION_INFO_V1(domain_status_has);

/* 1-based character position of a byte offset, as users count. */
static inline int
char_position(const char *input, size_t offset)
{
	return pg_mbstrlen_with_len(input, (int) offset) + 1;
}

/* A token of user input, cut to a readable length on a character boundary. */
static char *
quote_token(const char *token, size_t len)
{
	if (len <= DS_QUOTE_MAX_BYTES)
		return pnstrdup(token, len);
	return psprintf("%s...",
					pnstrdup(token, pg_mbcliplen(token, (int) len,
												 DS_QUOTE_MAX_BYTES)));
}

/* The errdetail() that says which RFC 5731 rule a combination breaks. */
static int
errdetail_conflict(DomainStatusConflictKind conflict)
{
	switch (conflict)
	{
		case DS_CONFLICT_OK:
			return errdetail("RFC 5731, section 2.3, allows \"ok\" only alone or with \"inactive\".");
		case DS_CONFLICT_PENDING_PROHIBITED:
			return errdetail("RFC 5731, section 2.3, forbids a pending operation together with a status that prohibits that operation.");
		case DS_CONFLICT_TWO_PENDING:
			return errdetail("RFC 5731, section 2.3, forbids combining two of pendingCreate, pendingDelete, pendingRenew, pendingTransfer and pendingUpdate.");
		case DS_CONFLICT_NONE:
			break;
	}
	return 0;
}

/* The errdetail() that says where a text input's syntax goes wrong. */
static int
errdetail_syntax(const char *input, size_t len,
				 const DomainStatusParseError *error)
{
	int			position = char_position(input, error->offset);

	switch (error->kind)
	{
		case DS_PARSE_EMPTY_ELEMENT:
			return errdetail("Empty element at position %d.", position);
		case DS_PARSE_UNBALANCED_BRACE:
			if (error->offset >= len)
				return errdetail("Missing \"}\" at the end.");
			return errdetail("Unmatched \"}\" at position %d.", position);
		case DS_PARSE_UNEXPECTED_CHAR:
			return errdetail("Unexpected \"%s\" character at position %d.",
							 pnstrdup(input + error->offset,
									  pg_mblen(input + error->offset)),
							 position);
		case DS_PARSE_UNTERMINATED_QUOTE:
			return errdetail("Unterminated quoted element at position %d.",
							 position);
		default:
			break;
	}
	return 0;
}

/*
 * Reports a failed parse of input with SQLSTATE 22P02 (softly where the
 * caller supplied an error-saving context).
 */
static void
report_parse_error(const char *input, size_t len,
				   const DomainStatusParseError *error, Node *escontext)
{
	switch (error->kind)
	{
		case DS_PARSE_TOO_LONG:
			errsave(escontext,
					errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					errmsg("domain status input is too long"),
					errdetail("The input has %zu bytes; at most %d are accepted.",
							  len, DS_INPUT_MAX_BYTES));
			break;
		case DS_PARSE_UNKNOWN_VALUE:
			errsave(escontext,
					errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					errmsg("unknown domain status value \"%s\"",
						   quote_token(input + error->offset, error->length)),
					errhint("Use an EPP status of RFC 5731 or RFC 3915 such as \"clientTransferProhibited\", or its RDAP spelling such as \"client transfer prohibited\"."));
			break;
		case DS_PARSE_FORBIDDEN_COMBINATION:
			errsave(escontext,
					errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					errmsg("domain status \"%s\" cannot be combined with \"%s\"",
						   ds_epp_names[error->bit_a], ds_epp_names[error->bit_b]),
					errdetail_conflict(error->conflict));
			break;
		default:
			errsave(escontext,
					errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					errmsg("invalid input syntax for type %s: \"%s\"",
						   "domain_status", quote_token(input, len)),
					errdetail_syntax(input, len, error));
			break;
	}
}

/* Raises the error of a combination RFC 5731 forbids, with the given SQLSTATE. */
static inline void
check_combination(DomainStatus mask, int sqlstate)
{
	int			bit_a;
	int			bit_b;
	DomainStatusConflictKind conflict = ds_find_conflict(mask, &bit_a, &bit_b);

	if (conflict != DS_CONFLICT_NONE)
		ereport(ERROR,
				errcode(sqlstate),
				errmsg("domain status \"%s\" cannot be combined with \"%s\"",
					   ds_epp_names[bit_a], ds_epp_names[bit_b]),
				errdetail_conflict(conflict));
}

/* Rejects binary input that no text input could have produced. */
static inline void
check_received(DomainStatus mask)
{
	if (mask & ~DS_ALL_BITS)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				errmsg("invalid domain status bits 0x%08X in binary input",
					   (unsigned int) (mask & ~DS_ALL_BITS)),
				errdetail("Only the low %d bits name status values.",
						  DS_NVALUES));
	check_combination(mask, ERRCODE_INVALID_BINARY_REPRESENTATION);
	if (!ds_is_canonical(mask))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				errmsg("non-canonical domain status 0x%08X in binary input",
					   (unsigned int) mask),
				errdetail("The \"ok\" bit must be set exactly when no other RFC 5731 value is."));
}

/* Rejects NULL elements in an array cast to domain_status. */
static inline void
check_no_null_element(bool isnull)
{
	if (isnull)
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("domain status array must not contain null values"));
}

/* Three-way comparison of the masks: a total order for btree. */
static inline int
compare(DomainStatus a, DomainStatus b)
{
	return (a > b) - (a < b);
}

/* A text[] of the values of mask, spelt from names (EPP or RDAP). */
static ArrayType *
names_array(DomainStatus mask, const char *const *names)
{
	Datum		elems[DS_NVALUES];
	int			n = 0;

	for (int bit = 0; bit < DS_NVALUES; bit++)
		if (mask & (UINT32_C(1) << bit))
			elems[n++] = CStringGetTextDatum(names[bit]);
	if (n == 0)
		return construct_empty_array(TEXTOID);
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/* The bit of one value given as text; 22P02 when it names none. */
static DomainStatus
text_value_bit(text *value)
{
	const char *data = VARDATA_ANY(value);
	size_t		len = VARSIZE_ANY_EXHDR(value);
	DomainStatus bit = 0;
	DomainStatusParseError error;

	if (!ds_parse_value(data, len, &bit, &error))
		report_parse_error(data, len, &error, NULL);
	return bit;
}

/* Text input: any spelling, canonical result (soft errors on PG 16+). */
Datum
domain_status_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	size_t		len = strlen(input);
	DomainStatus mask = 0;
	DomainStatusParseError error;

	if (!ds_parse(input, len, &mask, &error))
	{
		report_parse_error(input, len, &error, fcinfo->context);
		PG_RETURN_NULL();
	}
	PG_RETURN_DOMAIN_STATUS(mask);
}

/* Text output: EPP spellings in bit order, comma-separated. */
Datum
domain_status_out(PG_FUNCTION_ARGS)
{
	char		buf[DS_TEXT_BUFSIZE];

	ds_format(PG_GETARG_DOMAIN_STATUS(0), ds_epp_names, buf, sizeof(buf));
	PG_RETURN_CSTRING(pstrdup(buf));
}

/* Binary input: a uint32 mask, checked like text input. */
Datum
domain_status_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	DomainStatus mask = (DomainStatus) pq_getmsgint(buf, sizeof(DomainStatus));

	check_received(mask);
	PG_RETURN_DOMAIN_STATUS(mask);
}

/* Binary output: the mask as a network-order uint32. */
Datum
domain_status_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, PG_GETARG_DOMAIN_STATUS(0));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* a = b */
Datum
domain_status_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_DOMAIN_STATUS(0) == PG_GETARG_DOMAIN_STATUS(1));
}

/* a <> b */
Datum
domain_status_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_DOMAIN_STATUS(0) != PG_GETARG_DOMAIN_STATUS(1));
}

/* a < b in the mask order */
Datum
domain_status_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_DOMAIN_STATUS(0) < PG_GETARG_DOMAIN_STATUS(1));
}

/* a <= b in the mask order */
Datum
domain_status_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_DOMAIN_STATUS(0) <= PG_GETARG_DOMAIN_STATUS(1));
}

/* a > b in the mask order */
Datum
domain_status_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_DOMAIN_STATUS(0) > PG_GETARG_DOMAIN_STATUS(1));
}

/* a >= b in the mask order */
Datum
domain_status_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_DOMAIN_STATUS(0) >= PG_GETARG_DOMAIN_STATUS(1));
}

/* btree support function 1: -1, 0 or 1. */
Datum
domain_status_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(compare(PG_GETARG_DOMAIN_STATUS(0),
							PG_GETARG_DOMAIN_STATUS(1)));
}

/* hash support function 1. */
Datum
domain_status_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32(PG_GETARG_DOMAIN_STATUS(0));
}

/* hash support function 2 (seeded, 64-bit). */
Datum
domain_status_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended(PG_GETARG_DOMAIN_STATUS(0), PG_GETARG_INT64(1));
}

/* a @> b: every value of b is in a. */
Datum
domain_status_contains(PG_FUNCTION_ARGS)
{
	DomainStatus b = PG_GETARG_DOMAIN_STATUS(1);

	PG_RETURN_BOOL((PG_GETARG_DOMAIN_STATUS(0) & b) == b);
}

/* a <@ b: every value of a is in b. */
Datum
domain_status_contained(PG_FUNCTION_ARGS)
{
	DomainStatus a = PG_GETARG_DOMAIN_STATUS(0);

	PG_RETURN_BOOL((a & PG_GETARG_DOMAIN_STATUS(1)) == a);
}

/* a && b: the sets share a value. */
Datum
domain_status_overlaps(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL((PG_GETARG_DOMAIN_STATUS(0) &
					PG_GETARG_DOMAIN_STATUS(1)) != 0);
}

/*
 * a + b: the values of both. "ok" is recomputed, not carried over, so
 * 'ok' + 'clientHold' is 'clientHold'; a forbidden result raises 22023.
 */
Datum
domain_status_union(PG_FUNCTION_ARGS)
{
	DomainStatus bits = (PG_GETARG_DOMAIN_STATUS(0) |
						 PG_GETARG_DOMAIN_STATUS(1)) & ~DS_OK;

	check_combination(bits, ERRCODE_INVALID_PARAMETER_VALUE);
	PG_RETURN_DOMAIN_STATUS(ds_canonical(bits));
}

/* a - b: the values of a not in b; "ok" again once no RFC 5731 value is left. */
Datum
domain_status_difference(PG_FUNCTION_ARGS)
{
	DomainStatus bits = PG_GETARG_DOMAIN_STATUS(0) &
		~PG_GETARG_DOMAIN_STATUS(1) & ~DS_OK;

	PG_RETURN_DOMAIN_STATUS(ds_canonical(bits));
}

/* Cast text[] -> domain_status: each element is one value in any spelling. */
Datum
domain_status_from_text_array(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	DomainStatus bits = 0;

	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		check_no_null_element(nulls[i]);
		bits |= text_value_bit(DatumGetTextPP(elems[i]));
	}
	check_combination(bits, ERRCODE_INVALID_TEXT_REPRESENTATION);
	PG_RETURN_DOMAIN_STATUS(ds_canonical(bits));
}

/* Cast domain_status -> text[]: EPP spellings in bit order. */
Datum
domain_status_to_text_array(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(names_array(PG_GETARG_DOMAIN_STATUS(0), ds_epp_names));
}

/* rdap_status(): RFC 8056 spellings in bit order ("ok" is "active"). */
Datum
domain_status_rdap(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(names_array(PG_GETARG_DOMAIN_STATUS(0), ds_rdap_names));
}

/* domain_status_has(s, value): is the one value (any spelling) in s? */
Datum
domain_status_has(PG_FUNCTION_ARGS)
{
	DomainStatus bit = text_value_bit(PG_GETARG_TEXT_PP(1));

	PG_RETURN_BOOL((PG_GETARG_DOMAIN_STATUS(0) & bit) != 0);
}
