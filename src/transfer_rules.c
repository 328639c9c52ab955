/*
 * transfer_rules.c
 *	  The transfer-out rules (SPEC §1): blockers, warnings and the window.
 *
 * The SQL-callable functions here take the columns of domxfer.domains one
 * by one, not the row: the public functions over a row are inlinable SQL
 * wrappers that pass d.col, which the planner turns into plain column
 * references, so no whole-row value is ever formed (that alone would cost
 * about as much as the scan). A "day" is exactly USECS_PER_DAY microseconds
 * added to a timestamp: no interval or calendar arithmetic, so the session's
 * TimeZone and daylight-saving changes never matter.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"

#include "domain_status.h"
#include "domxfer.h"
#include "email_syntax.h"
#include "tld_policy.h"
#include "transfer_rules.h"

/* Reason codes in the rules table's order (bit i is code i). */
const char *const transfer_rule_codes[TR_NRULES] = {
	"not_sponsored",
	"too_soon_after_registration",
	"too_close_to_expiry",
	"too_soon_after_transfer",
	"transfer_prohibited",
	"transfer_pending",
	"deletion_pending",
	"unpaid",
	"legal_proceedings",
	"holder_disputed",
	"too_soon_after_late_renewal",
	"contacts_incomplete",
	"registrant_email_invalid",
	"manual_process_required",
};

const char *const transfer_warning_codes[TW_NWARNINGS] = {
	"uses_registrar_dns",
	"expires_within_30_days",
};

#define DS_TRANSFER_PROHIBITED_BITS \
	(DS_CLIENT_TRANSFER_PROHIBITED | DS_SERVER_TRANSFER_PROHIBITED)
#define DS_DELETION_BITS \
	(DS_PENDING_DELETE | DS_REDEMPTION_PERIOD | DS_PENDING_RESTORE)

/*
 * Argument positions of the column-wise rule functions, in the column
 * order of domxfer.domains; `at` comes last.
 */
enum RuleArg
{
	ARG_NAME,
	ARG_SPONSORING_REGISTRAR,
	ARG_REGISTERED_AT,
	ARG_EXPIRES_AT,
	ARG_LAST_TRANSFERRED_AT,
	ARG_LATE_RENEWED_AT,
	ARG_STATUS,
	ARG_UNPAID,
	ARG_LEGAL_HOLD,
	ARG_HOLDER_DISPUTED,
	ARG_CONTACTS_COMPLETE,
	ARG_REGISTRANT_EMAIL,
	ARG_OPEN_TRANSFER_ID,
	ARG_AT,
	RULE_NARGS
};

/* Columns that are NOT NULL in domxfer.domains (a NULL one gives NULL). */
static const int required_rule_args[] = {
	ARG_NAME, ARG_SPONSORING_REGISTRAR, ARG_REGISTERED_AT, ARG_EXPIRES_AT,
	ARG_STATUS, ARG_UNPAID, ARG_LEGAL_HOLD, ARG_HOLDER_DISPUTED,
	ARG_CONTACTS_COMPLETE, ARG_AT
};

/* One domain's columns, as the rules need them. */
typedef struct RuleRow
{
	text	   *name;
	text	   *sponsoring_registrar;
	TimestampTz registered_at;
	TimestampTz expires_at;
	bool		has_last_transfer;
	TimestampTz last_transferred_at;
	bool		has_late_renewal;
	TimestampTz late_renewed_at;
	DomainStatus status;
	bool		unpaid;
	bool		legal_hold;
	bool		holder_disputed;
	bool		contacts_complete;
	text	   *registrant_email;	/* NULL when the column is NULL */
	bool		has_open_transfer;
	TimestampTz at;
} RuleRow;

PG_FUNCTION_INFO_V1(domxfer_transfer_out_blocker_mask);
PG_FUNCTION_INFO_V1(domxfer_transfer_out_eligible_columns);
PG_FUNCTION_INFO_V1(domxfer_transfer_out_blockers_columns);
PG_FUNCTION_INFO_V1(domxfer_transfer_out_warnings_columns);
PG_FUNCTION_INFO_V1(domxfer_transfer_window_columns);

/* Raises 22008 for an infinite timestamp: day counts are undefined there. */
static inline void
require_finite(TimestampTz ts, const char *what)
{
	if (unlikely(TIMESTAMP_NOT_FINITE(ts)))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite timestamp", what),
				 errdetail("The transfer-out rules count days from the domain's dates, which is undefined at %s.",
						   TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" : "infinity")));
}

/* ts + usecs, or PG_INT64_MAX ("never") when that is past any timestamp. */
static inline TimestampTz
add_usecs(TimestampTz ts, int64 usecs)
{
	TimestampTz result;

	if (pg_add_s64_overflow(ts, usecs, &result))
		return PG_INT64_MAX;
	return result;
}

/* ts - usecs, or PG_INT64_MIN when that is before any timestamp. */
static inline TimestampTz
sub_usecs(TimestampTz ts, int64 usecs)
{
	TimestampTz result;

	if (pg_sub_s64_overflow(ts, usecs, &result))
		return PG_INT64_MIN;
	return result;
}

/* A nullable timestamp argument; false when it is NULL. */
static inline bool
get_optional_timestamp(FunctionCallInfo fcinfo, int argno, const char *column,
					   TimestampTz *value)
{
	if (PG_ARGISNULL(argno))
		return false;
	*value = PG_GETARG_TIMESTAMPTZ(argno);
	require_finite(*value, column);
	return true;
}

/*
 * Reads the column-wise arguments. False when `at` or a NOT NULL column is
 * NULL (e.g. the all-NULL row of an outer join): the answer is then NULL.
 */
static bool
read_rule_row(FunctionCallInfo fcinfo, RuleRow *row)
{
	int			i;

	for (i = 0; i < lengthof(required_rule_args); i++)
		if (PG_ARGISNULL(required_rule_args[i]))
			return false;

	row->at = PG_GETARG_TIMESTAMPTZ(ARG_AT);
	require_finite(row->at, "the instant \"at\"");
	row->name = PG_GETARG_TEXT_PP(ARG_NAME);
	row->sponsoring_registrar = PG_GETARG_TEXT_PP(ARG_SPONSORING_REGISTRAR);
	row->registered_at = PG_GETARG_TIMESTAMPTZ(ARG_REGISTERED_AT);
	require_finite(row->registered_at, "registered_at");
	row->expires_at = PG_GETARG_TIMESTAMPTZ(ARG_EXPIRES_AT);
	require_finite(row->expires_at, "expires_at");
	row->has_last_transfer = get_optional_timestamp(fcinfo, ARG_LAST_TRANSFERRED_AT,
													"last_transferred_at",
													&row->last_transferred_at);
	row->has_late_renewal = get_optional_timestamp(fcinfo, ARG_LATE_RENEWED_AT,
												   "late_renewed_at",
												   &row->late_renewed_at);
	row->status = PG_GETARG_DOMAIN_STATUS(ARG_STATUS);
	row->unpaid = PG_GETARG_BOOL(ARG_UNPAID);
	row->legal_hold = PG_GETARG_BOOL(ARG_LEGAL_HOLD);
	row->holder_disputed = PG_GETARG_BOOL(ARG_HOLDER_DISPUTED);
	row->contacts_complete = PG_GETARG_BOOL(ARG_CONTACTS_COMPLETE);
	row->registrant_email = PG_ARGISNULL(ARG_REGISTRANT_EMAIL) ? NULL :
		PG_GETARG_TEXT_PP(ARG_REGISTRANT_EMAIL);
	row->has_open_transfer = !PG_ARGISNULL(ARG_OPEN_TRANSFER_ID);
	return true;
}

/* The policy of the row's TLD. */
static inline const TldPolicy *
row_policy(const text *name)
{
	return tld_policy_for_domain(VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name));
}

/* R1: the sponsoring registrar is domxfer.registrar_id (errors when unset). */
static inline bool
sponsored_by_us(const text *sponsoring_registrar)
{
	const char *us = domxfer_require_registrar_id();
	size_t		len = strlen(us);

	return VARSIZE_ANY_EXHDR(sponsoring_registrar) == len &&
		memcmp(VARDATA_ANY(sponsoring_registrar), us, len) == 0;
}

/* R8: the holder's e-mail is present and syntactically valid. */
static inline bool
registrant_email_usable(const text *email)
{
	return email != NULL &&
		email_address_syntax_ok(VARDATA_ANY(email), VARSIZE_ANY_EXHDR(email));
}

/*
 * The failing rules as a mask of TR_* bits. With stop_early, returns as
 * soon as one fails (for the boolean answer), skipping the costlier checks.
 */
static int32
blocker_mask(const RuleRow *row, bool stop_early)
{
	const TldPolicy *policy = row_policy(row->name);
	TimestampTz at = row->at;
	int32		mask = 0;

	if (!sponsored_by_us(row->sponsoring_registrar))
		mask |= TR_NOT_SPONSORED;
	/* R2: at >= registered_at + N days */
	if (at < add_usecs(row->registered_at, policy->after_registration))
		mask |= TR_TOO_SOON_AFTER_REGISTRATION;
	/* R3: expires_at - at > N days */
	if (at >= sub_usecs(row->expires_at, policy->before_expiry))
		mask |= TR_TOO_CLOSE_TO_EXPIRY;
	/* R4: at - last_transferred_at > N days */
	if (row->has_last_transfer &&
		at <= add_usecs(row->last_transferred_at, policy->after_transfer))
		mask |= TR_TOO_SOON_AFTER_TRANSFER;
	if (row->status & DS_TRANSFER_PROHIBITED_BITS)
		mask |= TR_TRANSFER_PROHIBITED;
	if ((row->status & DS_PENDING_TRANSFER) || row->has_open_transfer)
		mask |= TR_TRANSFER_PENDING;
	if (row->status & DS_DELETION_BITS)
		mask |= TR_DELETION_PENDING;
	if (row->unpaid)
		mask |= TR_UNPAID;
	if (row->legal_hold)
		mask |= TR_LEGAL_PROCEEDINGS;
	if (row->holder_disputed)
		mask |= TR_HOLDER_DISPUTED;
	/* R6: at - late_renewed_at > N days */
	if (row->has_late_renewal &&
		at <= add_usecs(row->late_renewed_at, policy->after_late_renewal))
		mask |= TR_TOO_SOON_AFTER_LATE_RENEWAL;
	if (!row->contacts_complete)
		mask |= TR_CONTACTS_INCOMPLETE;
	if (policy->manual_process)
		mask |= TR_MANUAL_PROCESS_REQUIRED;
	if (stop_early && mask != 0)
		return mask;
	if (!registrant_email_usable(row->registrant_email))
		mask |= TR_REGISTRANT_EMAIL_INVALID;
	return mask;
}

/* A text[] of the codes whose bits are set in mask, in bit order. */
static ArrayType *
codes_array(int32 mask, const char *const *codes, int ncodes)
{
	Datum		elems[TR_NRULES];
	int			n = 0;
	int			i;

	for (i = 0; i < ncodes; i++)
		if (mask & (1 << i))
			elems[n++] = CStringGetTextDatum(codes[i]);
	if (n == 0)
		return construct_empty_array(TEXTOID);
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * domxfer._transfer_out_blocker_mask(columns..., at) → int4: bit i set when
 * the i-th rule of SPEC §1 fails (for callers that ignore some rules).
 */
Datum
domxfer_transfer_out_blocker_mask(PG_FUNCTION_ARGS)
{
	RuleRow		row;

	if (!read_rule_row(fcinfo, &row))
		PG_RETURN_NULL();
	PG_RETURN_INT32(blocker_mask(&row, false));
}

/* domxfer._transfer_out_eligible(columns..., at) → boolean. */
Datum
domxfer_transfer_out_eligible_columns(PG_FUNCTION_ARGS)
{
	RuleRow		row;

	if (!read_rule_row(fcinfo, &row))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(blocker_mask(&row, true) == 0);
}

/* domxfer._transfer_out_blockers(columns..., at) → text[] of reason codes. */
Datum
domxfer_transfer_out_blockers_columns(PG_FUNCTION_ARGS)
{
	RuleRow		row;

	if (!read_rule_row(fcinfo, &row))
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(codes_array(blocker_mask(&row, false),
									  transfer_rule_codes, TR_NRULES));
}

/*
 * domxfer._transfer_out_warnings(name, expires_at, uses_registrar_dns, at)
 * → text[]: the advice that never blocks a transfer.
 */
Datum
domxfer_transfer_out_warnings_columns(PG_FUNCTION_ARGS)
{
	const TldPolicy *policy;
	TimestampTz expires_at;
	TimestampTz at;
	int32		mask = 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	at = PG_GETARG_TIMESTAMPTZ(3);
	require_finite(at, "the instant \"at\"");
	expires_at = PG_GETARG_TIMESTAMPTZ(1);
	require_finite(expires_at, "expires_at");
	policy = row_policy(PG_GETARG_TEXT_PP(0));

	if (PG_GETARG_BOOL(2))
		mask |= TW_USES_REGISTRAR_DNS;
	/* the policy recommends at least N days before expiry: warn below that */
	if (at > sub_usecs(expires_at, policy->expiry_warning))
		mask |= TW_EXPIRES_WITHIN_DAYS;
	PG_RETURN_ARRAYTYPE_P(codes_array(mask, transfer_warning_codes, TW_NWARNINGS));
}

/*
 * Moves the window's lower bound up to `bound` (inclusive or not) when that
 * is later; at an equal instant the exclusive bound is the stronger one.
 */
static inline void
raise_lower_bound(RangeBound *lower, TimestampTz bound, bool inclusive)
{
	TimestampTz current = DatumGetTimestampTz(lower->val);

	if (bound > current || (bound == current && !inclusive))
	{
		lower->val = TimestampTzGetDatum(bound);
		lower->inclusive = inclusive;
	}
}

/*
 * domxfer._transfer_window(name, registered_at, expires_at,
 * last_transferred_at, late_renewed_at) → tstzrange: the instants at which
 * R2, R3, R4 and R6 all hold; 'empty' when no microsecond qualifies.
 */
Datum
domxfer_transfer_window_columns(PG_FUNCTION_ARGS)
{
	TypeCacheEntry *typcache = range_get_typcache(fcinfo, TSTZRANGEOID);
	const TldPolicy *policy;
	RangeBound	lower = {0};
	RangeBound	upper = {0};
	TimestampTz ts;
	TimestampTz first;
	TimestampTz last;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	policy = row_policy(PG_GETARG_TEXT_PP(0));

	/* R2: [registered_at + N days */
	ts = PG_GETARG_TIMESTAMPTZ(1);
	require_finite(ts, "registered_at");
	lower.val = TimestampTzGetDatum(add_usecs(ts, policy->after_registration));
	lower.inclusive = true;
	lower.lower = true;
	/* R4: (last_transferred_at + N days */
	if (get_optional_timestamp(fcinfo, 3, "last_transferred_at", &ts))
		raise_lower_bound(&lower, add_usecs(ts, policy->after_transfer), false);
	/* R6: (late_renewed_at + N days */
	if (get_optional_timestamp(fcinfo, 4, "late_renewed_at", &ts))
		raise_lower_bound(&lower, add_usecs(ts, policy->after_late_renewal), false);
	/* R3: expires_at - N days) */
	ts = PG_GETARG_TIMESTAMPTZ(2);
	require_finite(ts, "expires_at");
	upper.val = TimestampTzGetDatum(sub_usecs(ts, policy->before_expiry));
	upper.inclusive = false;
	upper.lower = false;

	/* the first and last microsecond inside; a saturated bound means never */
	first = DatumGetTimestampTz(lower.val);
	if (!lower.inclusive)
		first = add_usecs(first, 1);
	last = sub_usecs(DatumGetTimestampTz(upper.val), 1);
	if (first == PG_INT64_MAX || first > last)
		PG_RETURN_RANGE_P(make_empty_range(typcache));
#if PG_VERSION_NUM >= 160000
	PG_RETURN_RANGE_P(make_range(typcache, &lower, &upper, false, NULL));
#else
	PG_RETURN_RANGE_P(make_range(typcache, &lower, &upper, false));
#endif
}
