/*
 * rfc3339.c
 *	  An instant as an RFC 3339 date-time in UTC, for every JSON domxfer
 *	  writes (notice payloads, RDAP, the reporting views).
 *
 * Floor: server C at the bottom; uses nothing of ours, and nothing of ours
 * uses it (the SQL calls domxfer._rfc3339()).
 *
 * The text is what the SQL expression of 0.2.0 gave, to_char's
 * 'YYYY-MM-DD"T"HH24:MI:SS' of the instant at UTC, then its microseconds
 * with trailing zeros (and a bare point) dropped, then 'Z'; NULL for
 * infinity. Two to_char calls per instant cost a notice up to ten, about
 * 20 µs of each lifecycle call; this is a few hundred nanoseconds.
 */
#include "postgres.h"

#include "fmgr.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(domxfer_rfc3339);

/* The year as to_char's YYYY prints it: BC years as their positive number. */
static inline int
rfc3339_year(int tm_year)
{
	return tm_year > 0 ? tm_year : -(tm_year - 1);
}

/* domxfer._rfc3339(timestamptz) → text: 2025-01-31T12:00:00.5Z; NULL for infinity. */
Datum
domxfer_rfc3339(PG_FUNCTION_ARGS)
{
	TimestampTz at = PG_GETARG_TIMESTAMPTZ(0);
	struct pg_tm tm;
	fsec_t		fsec;
	char		buf[64];
	int			len;

	if (TIMESTAMP_NOT_FINITE(at))
		PG_RETURN_NULL();
	/* no time zone given: the instant's fields at UTC */
	if (timestamp2tm(at, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	len = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d",
				   rfc3339_year(tm.tm_year), tm.tm_mon, tm.tm_mday,
				   tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (fsec != 0)
	{
		len += snprintf(buf + len, sizeof(buf) - len, ".%06d", (int) fsec);
		while (buf[len - 1] == '0')
			len--;
	}
	buf[len++] = 'Z';
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, len));
}
