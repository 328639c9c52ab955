/*
 * registry_message.c
 *	  SQL-callable reading of a registry's EPP message (SPEC §8): a thin
 *	  wrapper around the pure C reader of epp_notice.c plus the project's
 *	  one strict domain-name check (domain_name_check.c).
 *
 * Floor: server C, a top, above epp_notice.h and domain_name_check.h;
 * nothing of ours uses it (SQL calls it).
 *
 * It never raises for the message's content: what is wrong with it comes
 * back as a kind, an SQLSTATE and an error text, for
 * domxfer.apply_registry_message() to store and answer 'invalid'.
 */
#include "postgres.h"
#include "pg_compat.h"

#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "domain_name_check.h"
#include "epp_notice.h"

PG_FUNCTION_INFO_V1(domxfer_read_registry_message);

enum
{
	COL_KIND, COL_SQLSTATE, COL_ERROR, COL_MSGQ_ID, COL_RESULT_CODE,
	COL_NAMESPACE, COL_DOMAIN_NAME, COL_NAME_AS_SENT, COL_TR_STATUS,
	COL_RE_ID, COL_RE_ID_VALID, COL_RE_DATE, COL_AC_ID, COL_AC_DATE,
	COL_EX_DATE, COL_CANONICAL, COL_STRIPPED,
	/* 0.3.0: a 0.2.0 database's definition has the columns above only */
	COL_EPP_NAMESPACE, COL_COUNT
};

/* UTF-8 text from the reader as a server-encoded text Datum. */
static void
put_text(Datum *values, bool *nulls, int col, const char *utf8)
{
	if (utf8 == NULL)
	{
		nulls[col] = true;
		return;
	}
	values[col] = CStringGetTextDatum(pg_any_to_server(utf8, strlen(utf8), PG_UTF8));
	nulls[col] = false;
}

/* A date-time the reader checked (RFC 3339, or without a zone), else NULL. */
static const char *
checked_time(const char *t)
{
	bool		has_zone;

	return t && epp_time_is_readable(t, &has_zone) ? t : NULL;
}

/*
 * Fills the result row from a reader's notice (which may still be freed):
 * natts columns, so that one symbol serves the 0.2.0 definition of
 * _read_registry_message (17 columns) and the 0.3.0 one (18: the EPP
 * namespace, for commands in the registry's own namespaces).
 */
static void
fill_row(EppNotice *n, Datum *values, bool *nulls, int natts)
{
	const char *kind = "ignored";
	const char *sqlstate = NULL;
	char		error[2400];
	char		ascii[DOMAIN_NAME_BUFSIZE];
	bool		has_error = false;

	switch (n->kind)
	{
		case EPP_NOTICE_TRANSFER:
			kind = "notice";
			break;
		case EPP_NOTICE_OTHER:
			kind = "ignored";
			break;
		case EPP_NOTICE_MALFORMED:
			kind = "invalid";
			sqlstate = "2200M";
			break;
		case EPP_NOTICE_NOT_EPP:
			kind = "invalid";
			sqlstate = "2200N";
			break;
		case EPP_NOTICE_UNUSABLE:
			kind = "invalid";
			sqlstate = "22023";
			break;
	}
	if (sqlstate)
	{
		snprintf(error, sizeof(error), "%s", n->error);
		has_error = true;
	}

	/* the name through the one strict check of normalize_domain() */
	nulls[COL_DOMAIN_NAME] = true;
	if (n->name && (n->kind == EPP_NOTICE_TRANSFER || n->kind == EPP_NOTICE_UNUSABLE))
	{
		DomainNameError err;
		int			len = domain_name_to_ascii(n->name, strlen(n->name), ascii, sizeof(ascii), &err);

		if (len >= 0)
			put_text(values, nulls, COL_DOMAIN_NAME, ascii);
		else if (n->kind == EPP_NOTICE_TRANSFER)
		{
			char		detail[2048];

			domain_name_error_detail(&err, GetDatabaseEncoding() != PG_UTF8, detail, sizeof(detail));
			snprintf(error, sizeof(error), "invalid domain name \"%.200s\": %s", n->name, detail);
			has_error = true;
			kind = "invalid";
			sqlstate = "22023";
		}
	}

	put_text(values, nulls, COL_KIND, kind);
	put_text(values, nulls, COL_SQLSTATE, sqlstate);
	put_text(values, nulls, COL_ERROR, has_error ? error : NULL);
	put_text(values, nulls, COL_MSGQ_ID, n->msgq_id);
	values[COL_RESULT_CODE] = Int32GetDatum(n->result_code);
	nulls[COL_RESULT_CODE] = n->result_code < 0;
	put_text(values, nulls, COL_NAMESPACE, n->ns_uri);
	put_text(values, nulls, COL_NAME_AS_SENT, n->name);
	put_text(values, nulls, COL_TR_STATUS, n->tr_status);
	put_text(values, nulls, COL_RE_ID, n->re_id);
	values[COL_RE_ID_VALID] = BoolGetDatum(n->re_id_valid);
	nulls[COL_RE_ID_VALID] = false;
	/* only checked dates: an unusable notice may hold others */
	put_text(values, nulls, COL_RE_DATE, checked_time(n->re_date));
	put_text(values, nulls, COL_AC_ID, n->ac_id);
	put_text(values, nulls, COL_AC_DATE, checked_time(n->ac_date));
	put_text(values, nulls, COL_EX_DATE, checked_time(n->ex_date));
	if (n->canonical)
	{
		bytea	   *b = palloc(VARHDRSZ + n->canonical_len);

		SET_VARSIZE(b, VARHDRSZ + n->canonical_len);
		memcpy(VARDATA(b), n->canonical, n->canonical_len);
		values[COL_CANONICAL] = PointerGetDatum(b);
		nulls[COL_CANONICAL] = false;
	}
	else
		nulls[COL_CANONICAL] = true;
	put_text(values, nulls, COL_STRIPPED, n->stripped);
	if (natts > COL_EPP_NAMESPACE)
		put_text(values, nulls, COL_EPP_NAMESPACE, n->epp_ns_uri);
}

/* _read_registry_message(text): why a message is (not) a transfer notice. */
Datum
domxfer_read_registry_message(PG_FUNCTION_ARGS)
{
	text	   *arg = PG_GETARG_TEXT_PP(0);
	const char *input = VARDATA_ANY(arg);
	int			input_len = VARSIZE_ANY_EXHDR(arg);
	const char *utf8 = input;
	size_t		utf8_len = input_len;
	TupleDesc	tupdesc;
	Datum		values[COL_COUNT];
	bool		nulls[COL_COUNT];
	EppNotice	notice;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != COL_EPP_NAMESPACE && tupdesc->natts != COL_COUNT)
		elog(ERROR, "_read_registry_message must return %d or %d columns, not %d",
			 COL_EPP_NAMESPACE, COL_COUNT, tupdesc->natts);
	tupdesc = BlessTupleDesc(tupdesc);
	if (GetDatabaseEncoding() != PG_UTF8)
	{
		utf8 = pg_server_to_any(input, input_len, PG_UTF8);
		if (utf8 != input)
			utf8_len = strlen(utf8);
	}

	epp_notice_parse(utf8, utf8_len, &notice);
	PG_TRY();
	{
		fill_row(&notice, values, nulls, tupdesc->natts);
	}
	PG_FINALLY();
	{
		epp_notice_free(&notice);
	}
	PG_END_TRY();
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
