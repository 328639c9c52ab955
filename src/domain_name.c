/*
 * domain_name.c
 *	  SQL-callable domain-name functions: thin wrappers around the pure C
 *	  checks of domain_name_check.c.
 *
 * Floor: server C above domain_name_check.h; nothing of ours uses it (SQL
 * calls it).
 *
 * The checks work on UTF-8; in a database with another encoding the
 * argument is converted to UTF-8 first and the result back.
 */
#include "postgres.h"
#include "pg_compat.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "domain_name_check.h"

/* Bytes of an oversized input (see DOMAIN_NAME_MAX_INPUT) quoted in errors. */
#define QUOTED_OVERSIZED_INPUT	64

/* One of the conversions of domain_name_check.h. */
typedef int (*DomainNameConversion) (const char *in, size_t len,
									 char *out, size_t outcap,
									 DomainNameError *err);

PG_FUNCTION_INFO_V1(domxfer_normalize_domain);
PG_FUNCTION_INFO_V1(domxfer_domain_to_unicode);
PG_FUNCTION_INFO_V1(domxfer_domain_tld);

/* Raises SQLSTATE 22023 for a rejected name, with the failed check as DETAIL. */
pg_noreturn static void
report_invalid_domain_name(const char *input, int input_len,
						   const DomainNameError *err)
{
	char		detail[2048];
	bool		ascii_only = GetDatabaseEncoding() != PG_UTF8;
	int			quoted_len = input_len;
	const char *ellipsis = "";

	if (input_len > DOMAIN_NAME_MAX_INPUT)
	{
		quoted_len = pg_mbcliplen(input, input_len, QUOTED_OVERSIZED_INPUT);
		ellipsis = "...";
	}
	domain_name_error_detail(err, ascii_only, detail, sizeof(detail));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid domain name \"%.*s%s\"",
					quoted_len, input, ellipsis),
			 errdetail_internal("%s", detail)));
}

/* Applies a conversion to a text argument and returns the converted text. */
static text *
convert_domain_name(text *arg, DomainNameConversion conversion)
{
	const char *input = VARDATA_ANY(arg);
	int			input_len = VARSIZE_ANY_EXHDR(arg);
	const char *utf8 = input;
	size_t		utf8_len = input_len;
	char		out[DOMAIN_NAME_BUFSIZE];
	DomainNameError err;
	int			out_len;
	char	   *result;

	/* oversized input is refused unconverted: conversion costs O(n) */
	if (input_len <= DOMAIN_NAME_MAX_INPUT && GetDatabaseEncoding() != PG_UTF8)
	{
		utf8 = pg_server_to_any(input, input_len, PG_UTF8);
		/* unconverted (SQL_ASCII) input comes back as is: not terminated */
		if (utf8 != input)
			utf8_len = strlen(utf8);
	}
	out_len = conversion(utf8, utf8_len, out, sizeof(out), &err);
	if (out_len < 0)
		report_invalid_domain_name(input, input_len, &err);
	result = pg_any_to_server(out, out_len, PG_UTF8);
	return cstring_to_text(result);
}

/* normalize_domain(text): the lower-case A-label form. */
Datum
domxfer_normalize_domain(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(convert_domain_name(PG_GETARG_TEXT_PP(0),
										 domain_name_to_ascii));
}

/* domain_to_unicode(text): the display (U-label) form. */
Datum
domxfer_domain_to_unicode(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(convert_domain_name(PG_GETARG_TEXT_PP(0),
										 domain_name_to_unicode));
}

/* domain_tld(text): the A-label of the last label. */
Datum
domxfer_domain_tld(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(convert_domain_name(PG_GETARG_TEXT_PP(0),
										 domain_name_tld));
}
