/*
 * client_id.c
 *	  Registrar identifiers from outside (SPEC §1b): every place one enters
 *	  (the setting domxfer.registrar_id, the gaining registrar of a request,
 *	  the registrar columns) goes through client_id_require(), which runs the
 *	  pure check of client_id_check.c and raises the error.
 *
 * Floor: server C above client_id_check.h; used by settings.c.
 */
#include "postgres.h"
#include "pg_compat.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "client_id.h"
#include "client_id_check.h"

/* Characters of an offending value shown in a message. */
#define CLIENT_ID_SHOWN_CHARS	24

#define CLIENT_ID_HINT \
	"A registrar identifier is an EPP client identifier (RFC 5730 clIDType): 3 to 16 characters, " \
	"no control, invisible or other white space characters, and spaces only singly between other characters."

/* The value converted to UTF-8 (palloc'd unless it already was). */
static const char *
client_id_utf8(const char *s, size_t len)
{
	if (GetDatabaseEncoding() == PG_UTF8 || GetDatabaseEncoding() == PG_SQL_ASCII)
		return s;
	return pg_server_to_any(s, len, PG_UTF8);
}

/*
 * The value for a message: its first characters, with every character the
 * check refuses (and, outside UTF-8 databases, every non-ASCII one) shown as
 * <U+XXXX>, so a message never carries control or invisible characters.
 */
static char *
client_id_shown(const char *utf8, size_t len)
{
	StringInfoData buf;
	size_t		i = 0;
	size_t		shown = 0;
	bool		utf8_db = GetDatabaseEncoding() == PG_UTF8;

	initStringInfo(&buf);
	while (i < len && shown < CLIENT_ID_SHOWN_CHARS)
	{
		uint32_t	cp = 0;
		size_t		n = client_id_utf8_decode((const unsigned char *) utf8 + i, len - i, &cp);
		ClientIdCheck one;

		if (n == 0)
		{
			appendStringInfo(&buf, "<0x%02X>", (unsigned char) utf8[i]);
			i++;
			shown++;
			continue;
		}
		one = client_id_check(utf8 + i, n);
		if ((one.error != CLIENT_ID_OK && one.error != CLIENT_ID_TOO_SHORT
			 && one.error != CLIENT_ID_LEADING_SPACE && one.error != CLIENT_ID_TRAILING_SPACE)
			|| (cp >= 0x80 && !utf8_db))
			appendStringInfo(&buf, "<U+%04X>", cp);
		else
			appendBinaryStringInfo(&buf, utf8 + i, n);
		i += n;
		shown++;
	}
	if (i < len)
		appendStringInfoString(&buf, "...");
	return buf.data;
}

/* The DETAIL of a failed check: where it failed. */
static char *
client_id_detail(ClientIdCheck check)
{
	if (check.error == CLIENT_ID_TOO_SHORT || check.error == CLIENT_ID_TOO_LONG)
		return psprintf("The identifier has %zu characters.", check.chars);
	if (check.error == CLIENT_ID_BAD_UTF8)
		return psprintf("Character %zu is not valid UTF-8.", check.position);
	return psprintf("Character %zu is U+%04X.", check.position, (unsigned int) check.code_point);
}

/*
 * Raises sqlstate unless the len bytes at s (server encoding) are an EPP
 * client identifier; column names the column for a column check (22P02).
 */
void
client_id_require(const char *s, size_t len, int sqlstate, const char *column)
{
	const char *utf8 = client_id_utf8(s, len);
	size_t		utf8_len = utf8 == s ? len : strlen(utf8);
	ClientIdCheck check = client_id_check(utf8, utf8_len);

	if (check.error == CLIENT_ID_OK)
		return;
	if (column != NULL)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid EPP client identifier \"%s\" in column \"%s\": it %s",
						client_id_shown(utf8, utf8_len), column,
						client_id_error_text(check.error)),
				 errdetail_internal("%s", client_id_detail(check)),
				 errhint(CLIENT_ID_HINT)));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("invalid EPP client identifier \"%s\": it %s",
					client_id_shown(utf8, utf8_len), client_id_error_text(check.error)),
			 errdetail_internal("%s", client_id_detail(check)),
			 errhint(CLIENT_ID_HINT)));
}

/*
 * Check hook of domxfer.registrar_id: a bad value is refused (22023), so R1
 * and every "is this us?" compare only identifiers in the checked form. The
 * empty string stays allowed: it means "not set" (the rules then raise 55000).
 */
bool
client_id_check_registrar_id(char **newval, void **extra, GucSource source)
{
	const char *utf8;
	size_t		len;
	ClientIdCheck check;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	len = strlen(*newval);
	utf8 = client_id_utf8(*newval, len);
	check = client_id_check(utf8, utf8 == *newval ? len : strlen(utf8));
	if (check.error == CLIENT_ID_OK)
		return true;
	GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
	GUC_check_errdetail("The value is not an EPP client identifier: it %s. %s",
						client_id_error_text(check.error), client_id_detail(check));
	GUC_check_errhint(CLIENT_ID_HINT);
	return false;
}

PG_FUNCTION_INFO_V1(domxfer_check_client_id);
/* domxfer.check_client_id(text) → text: the identifier itself, or 22023 naming the failed check. */
Datum
domxfer_check_client_id(PG_FUNCTION_ARGS)
{
	text	   *id = PG_GETARG_TEXT_PP(0);

	client_id_require(VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id), ERRCODE_INVALID_PARAMETER_VALUE, NULL);
	PG_RETURN_TEXT_P(id);
}

PG_FUNCTION_INFO_V1(domxfer_client_id_column_check);
/* domxfer._client_id_column_check(text, column) → true, or 22P02 naming the column (a CHECK constraint's body). */
Datum
domxfer_client_id_column_check(PG_FUNCTION_ARGS)
{
	text	   *id = PG_GETARG_TEXT_PP(0);
	char	   *column = text_to_cstring(PG_GETARG_TEXT_PP(1));

	client_id_require(VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id), ERRCODE_INVALID_TEXT_REPRESENTATION, column);
	PG_RETURN_BOOL(true);
}
