/*
 * transfer_rules.c
 *	  The transfer-out rules (SPEC §1): blockers, warnings and the window.
 *
 * Floor: server C, a top: it may use reason_codes.h, tld_policy.h,
 * email_address.h, domain_status.h and domxfer.h; nothing of ours uses it
 * (SQL calls it).
 *
 * The SQL-callable functions here take the columns of domxfer.domains one
 * by one, not the row: the public functions over a row are inlinable SQL
 * wrappers that pass d.col, which the planner turns into plain column
 * references, so no whole-row value is ever formed (that alone would cost
 * about as much as the scan). A "day" is exactly USECS_PER_DAY microseconds
 * added to a timestamp: no interval or calendar arithmetic, so the session's
 * TimeZone and daylight-saving changes never matter.
 *
 * Which rules block, warn or are not evaluated at all comes from the TLD's
 * rule set (SPEC §1a), folded into two masks of the policy cache. R8 reads
 * the stored generated column registrant_email_usable (decided with ICU when
 * the address is written), never the address itself.
 *
 * The functions of 0.1.0 (a 14-column argument list with registrant_email
 * text) stay, under their C names, for a 0.1.0 database served by this
 * library before ALTER EXTENSION UPDATE: they evaluate R1-R9, all blocking.
 */
#include "postgres.h"
#include "pg_compat.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"

#include "domain_status.h"
#include "domxfer.h"
#include "email_address.h"
#include "reason_codes.h"
#include "tld_policy.h"

#define DS_TRANSFER_PROHIBITED_BITS \
	(DS_CLIENT_TRANSFER_PROHIBITED | DS_SERVER_TRANSFER_PROHIBITED)
#define DS_DELETION_BITS \
	(DS_PENDING_DELETE | DS_REDEMPTION_PERIOD | DS_PENDING_RESTORE)
/* R11: the pending* values RFC 5731 forbids beside pendingTransfer (R5b, R5c cover the rest) */
#define DS_OTHER_OPERATION_BITS \
	(DS_PENDING_CREATE | DS_PENDING_RENEW | DS_PENDING_UPDATE)

/*
 * Argument positions of the column-wise rule functions of 0.2.0, in the
 * column order of domxfer.domains; `at` comes last (after
 * uses_registrar_dns for the warnings).
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
	ARG_REGISTRANT_EMAIL_USABLE,	/* 0.1.0: registrant_email text */
	ARG_OPEN_TRANSFER_ID,
	ARG_REGISTRANT_CHANGED_AT,	/* 0.1.0: at */
	ARG_REGISTRANT_CHANGE_LOCK_OPT_OUT,
	ARG_AT,
	ARG_WARN_USES_REGISTRAR_DNS = ARG_AT,
	ARG_WARN_AT
};

/* The 0.1.0 functions' `at` */
#define ARG_AT_0_1	ARG_REGISTRANT_CHANGED_AT

/* Columns that are NOT NULL in domxfer.domains (a NULL one gives NULL). */
static const int required_rule_args[] = {
	ARG_NAME, ARG_SPONSORING_REGISTRAR, ARG_REGISTERED_AT, ARG_EXPIRES_AT,
	ARG_STATUS, ARG_UNPAID, ARG_LEGAL_HOLD, ARG_HOLDER_DISPUTED,
	ARG_CONTACTS_COMPLETE
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
	bool		registrant_email_usable;
	bool		has_open_transfer;
	bool		has_registrant_lock;	/* changed, and no opt-out */
	TimestampTz registrant_changed_at;
	TimestampTz at;
} RuleRow;

/* 0.1.0 C functions (their SQL names and argument lists as 0.1.0 shipped them) */
PG_FUNCTION_INFO_V1(domxfer_transfer_out_blocker_mask);
PG_FUNCTION_INFO_V1(domxfer_transfer_out_eligible_columns);
PG_FUNCTION_INFO_V1(domxfer_transfer_out_blockers_columns);
PG_FUNCTION_INFO_V1(domxfer_transfer_out_warnings_columns);
PG_FUNCTION_INFO_V1(domxfer_transfer_window_columns);
/* 0.2.0: rule sets, R10, R11, R8 from the stored column */
PG_FUNCTION_INFO_V1(domxfer_rules_blocker_mask);
PG_FUNCTION_INFO_V1(domxfer_rules_eligible);
PG_FUNCTION_INFO_V1(domxfer_rules_blockers);
PG_FUNCTION_INFO_V1(domxfer_rules_warnings);
PG_FUNCTION_INFO_V1(domxfer_rules_window);
PG_FUNCTION_INFO_V1(domxfer_rule_bit);

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
 * Reads the columns common to both argument lists (positions 0-10 and 12)
 * and `at`. False when `at` or a NOT NULL column is NULL (e.g. the all-NULL
 * row of an outer join): the answer is then NULL.
 */
static bool
read_common_columns(FunctionCallInfo fcinfo, RuleRow *row, int at_argno)
{
	int			i;

	for (i = 0; i < lengthof(required_rule_args); i++)
		if (PG_ARGISNULL(required_rule_args[i]))
			return false;
	if (PG_ARGISNULL(at_argno))
		return false;

	row->at = PG_GETARG_TIMESTAMPTZ(at_argno);
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
	row->has_open_transfer = !PG_ARGISNULL(ARG_OPEN_TRANSFER_ID);
	return true;
}

/* Reads the 0.2.0 argument list (at_argno: where `at` is). */
static bool
read_rule_row(FunctionCallInfo fcinfo, RuleRow *row, int at_argno)
{
	if (PG_ARGISNULL(ARG_REGISTRANT_CHANGE_LOCK_OPT_OUT) ||
		!read_common_columns(fcinfo, row, at_argno))
		return false;
	row->registrant_email_usable = !PG_ARGISNULL(ARG_REGISTRANT_EMAIL_USABLE) &&
		PG_GETARG_BOOL(ARG_REGISTRANT_EMAIL_USABLE);
	row->has_registrant_lock =
		get_optional_timestamp(fcinfo, ARG_REGISTRANT_CHANGED_AT,
							   "registrant_changed_at", &row->registrant_changed_at) &&
		!PG_GETARG_BOOL(ARG_REGISTRANT_CHANGE_LOCK_OPT_OUT);
	return true;
}

/* Reads the 0.1.0 argument list (registrant_email text; no R10 columns). */
static bool
read_rule_row_0_1(FunctionCallInfo fcinfo, RuleRow *row)
{
	text	   *email;

	if (!read_common_columns(fcinfo, row, ARG_AT_0_1))
		return false;
	email = PG_ARGISNULL(ARG_REGISTRANT_EMAIL_USABLE) ? NULL :
		PG_GETARG_TEXT_PP(ARG_REGISTRANT_EMAIL_USABLE);
	row->registrant_email_usable = email != NULL &&
		email_address_usable(VARDATA_ANY(email), VARSIZE_ANY_EXHDR(email));
	row->has_registrant_lock = false;
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

/*
 * The failing rules among those in `check` (the others are not evaluated),
 * as a mask of TR_* bits. Every test but R1's is a flag or a comparison
 * of the row's own values (R8 reads a stored boolean), so they all run and
 * the mask is applied once: cheaper than a branch per rule.
 */
static int32
failing_rules(const RuleRow *row, const TldPolicy *policy, int32 check)
{
	TimestampTz at = row->at;
	int32		mask = 0;

	if ((check & TR_NOT_SPONSORED) && !sponsored_by_us(row->sponsoring_registrar))
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
	/* R8: decided when the address was written */
	if (!row->registrant_email_usable)
		mask |= TR_REGISTRANT_EMAIL_INVALID;
	if (policy->manual_process)
		mask |= TR_MANUAL_PROCESS_REQUIRED;
	/* R10: at - registrant_changed_at > N days, unless opted out */
	if (row->has_registrant_lock &&
		at <= add_usecs(row->registrant_changed_at, policy->after_registrant_change))
		mask |= TR_TOO_SOON_AFTER_REGISTRANT_CHANGE;
	if (row->status & DS_OTHER_OPERATION_BITS)
		mask |= TR_OPERATION_PENDING;
	/* a registrar's status the type cannot read (SPEC §10) */
	if (unlikely(row->status & DS_UNREADABLE))
		mask |= TR_STATUS_UNREADABLE;
	return mask & check;
}

/* A text[] of the codes of rules in rule_mask, then of warnings in warn_mask. */
static ArrayType *
codes_array(int32 rule_mask, int32 warn_mask)
{
	Datum		elems[TR_NRULES + TW_NWARNINGS];
	int			n = 0;
	int			i;

	for (i = 0; i < TR_NRULES; i++)
		if (rule_mask & (1 << i))
			elems[n++] = CStringGetTextDatum(transfer_rule_codes[i]);
	for (i = 0; i < TW_NWARNINGS; i++)
		if (warn_mask & (1 << i))
			elems[n++] = CStringGetTextDatum(transfer_warning_codes[i]);
	if (n == 0)
		return construct_empty_array(TEXTOID);
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/* The warnings proper (never rules) of a domain at `at`. */
static inline int32
warning_mask(const TldPolicy *policy, TimestampTz expires_at,
			 bool uses_registrar_dns, TimestampTz at)
{
	int32		mask = 0;

	if (uses_registrar_dns)
		mask |= TW_USES_REGISTRAR_DNS;
	/* the policy recommends at least N days before expiry: warn below that */
	if (at > sub_usecs(expires_at, policy->expiry_warning))
		mask |= TW_EXPIRES_WITHIN_DAYS;
	return mask;
}

/*
 * domxfer._transfer_out_blocker_mask(16 columns..., at) → int4: bit i set
 * when the i-th rule of SPEC §1 fails and blocks for the domain's TLD.
 */
Datum
domxfer_rules_blocker_mask(PG_FUNCTION_ARGS)
{
	RuleRow		row;
	const TldPolicy *policy;

	if (!read_rule_row(fcinfo, &row, ARG_AT))
		PG_RETURN_NULL();
	policy = row_policy(row.name);
	PG_RETURN_INT32(failing_rules(&row, policy, policy->block));
}

/* domxfer._transfer_out_eligible(16 columns..., at) → boolean: no blocker fails. */
Datum
domxfer_rules_eligible(PG_FUNCTION_ARGS)
{
	RuleRow		row;
	const TldPolicy *policy;

	if (!read_rule_row(fcinfo, &row, ARG_AT))
		PG_RETURN_NULL();
	policy = row_policy(row.name);
	PG_RETURN_BOOL(failing_rules(&row, policy, policy->block) == 0);
}

/* domxfer._transfer_out_blockers(16 columns..., at) → text[]: the failing blockers. */
Datum
domxfer_rules_blockers(PG_FUNCTION_ARGS)
{
	RuleRow		row;
	const TldPolicy *policy;

	if (!read_rule_row(fcinfo, &row, ARG_AT))
		PG_RETURN_NULL();
	policy = row_policy(row.name);
	PG_RETURN_ARRAYTYPE_P(codes_array(failing_rules(&row, policy, policy->block), 0));
}

/*
 * domxfer._transfer_out_warnings(15 columns..., uses_registrar_dns, at) →
 * text[]: the failing rules the TLD's rule set demotes to warnings, then
 * uses_registrar_dns and expires_within_30_days.
 */
Datum
domxfer_rules_warnings(PG_FUNCTION_ARGS)
{
	RuleRow		row;
	const TldPolicy *policy;

	if (PG_ARGISNULL(ARG_WARN_USES_REGISTRAR_DNS) ||
		!read_rule_row(fcinfo, &row, ARG_WARN_AT))
		PG_RETURN_NULL();
	policy = row_policy(row.name);
	PG_RETURN_ARRAYTYPE_P(codes_array(failing_rules(&row, policy, policy->warn),
									  warning_mask(policy, row.expires_at,
												   PG_GETARG_BOOL(ARG_WARN_USES_REGISTRAR_DNS),
												   row.at)));
}

/* domxfer._rule_bit(code) → integer: the bit of a rule's code, NULL for others. */
Datum
domxfer_rule_bit(PG_FUNCTION_ARGS)
{
	char	   *code = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			bit = transfer_rule_bit(code);

	if (bit < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(bit);
}

/*
 * 0.1.0: domxfer._transfer_out_blocker_mask(14 columns..., at) → int4 of
 * the failing rules R1-R9 (all blocking, as 0.1.0 knew no rule sets).
 */
Datum
domxfer_transfer_out_blocker_mask(PG_FUNCTION_ARGS)
{
	RuleRow		row;

	if (!read_rule_row_0_1(fcinfo, &row))
		PG_RETURN_NULL();
	PG_RETURN_INT32(failing_rules(&row, row_policy(row.name), TR_RULES_0_1));
}

/* 0.1.0: domxfer._transfer_out_eligible(14 columns..., at) → boolean. */
Datum
domxfer_transfer_out_eligible_columns(PG_FUNCTION_ARGS)
{
	RuleRow		row;

	if (!read_rule_row_0_1(fcinfo, &row))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(failing_rules(&row, row_policy(row.name), TR_RULES_0_1) == 0);
}

/* 0.1.0: domxfer._transfer_out_blockers(14 columns..., at) → text[]. */
Datum
domxfer_transfer_out_blockers_columns(PG_FUNCTION_ARGS)
{
	RuleRow		row;

	if (!read_rule_row_0_1(fcinfo, &row))
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(codes_array(failing_rules(&row, row_policy(row.name),
													TR_RULES_0_1), 0));
}

/*
 * 0.1.0: domxfer._transfer_out_warnings(name, expires_at,
 * uses_registrar_dns, at) → text[]: the two warnings.
 */
Datum
domxfer_transfer_out_warnings_columns(PG_FUNCTION_ARGS)
{
	TimestampTz expires_at;
	TimestampTz at;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	at = PG_GETARG_TIMESTAMPTZ(3);
	require_finite(at, "the instant \"at\"");
	expires_at = PG_GETARG_TIMESTAMPTZ(1);
	require_finite(expires_at, "expires_at");
	PG_RETURN_ARRAYTYPE_P(codes_array(0, warning_mask(row_policy(PG_GETARG_TEXT_PP(0)),
													  expires_at, PG_GETARG_BOOL(2), at)));
}

/*
 * Moves the window's lower bound up to `bound` (inclusive or not) when that
 * is later; at an equal instant the exclusive bound is the stronger one.
 */
static inline void
raise_lower_bound(RangeBound *lower, TimestampTz bound, bool inclusive)
{
	TimestampTz current = DatumGetTimestampTz(lower->val);

	if (lower->infinite || bound > current || (bound == current && !inclusive))
	{
		lower->val = TimestampTzGetDatum(bound);
		lower->inclusive = inclusive;
		lower->infinite = false;
	}
}

/* The dates the time rules count from; has_* false when a column is NULL. */
typedef struct WindowDates
{
	TimestampTz registered_at;
	TimestampTz expires_at;
	bool		has_last_transfer;
	TimestampTz last_transferred_at;
	bool		has_late_renewal;
	TimestampTz late_renewed_at;
	bool		has_registrant_lock;
	TimestampTz registrant_changed_at;
} WindowDates;

/*
 * The instants at which the time rules in `check` (R2, R3, R4, R6, R10) all
 * hold: a bound only for a rule that is checked; 'empty' when no
 * microsecond qualifies.
 */
static RangeType *
time_rules_window(FunctionCallInfo fcinfo, const TldPolicy *policy,
				  const WindowDates *w, int32 check)
{
	TypeCacheEntry *typcache = range_get_typcache(fcinfo, TSTZRANGEOID);
	RangeBound	lower = {0};
	RangeBound	upper = {0};
	TimestampTz first;
	TimestampTz last;

	lower.lower = true;
	lower.infinite = true;
	upper.lower = false;
	upper.infinite = true;

	/* R2: [registered_at + N days */
	if (check & TR_TOO_SOON_AFTER_REGISTRATION)
		raise_lower_bound(&lower, add_usecs(w->registered_at, policy->after_registration), true);
	/* R4: (last_transferred_at + N days */
	if ((check & TR_TOO_SOON_AFTER_TRANSFER) && w->has_last_transfer)
		raise_lower_bound(&lower, add_usecs(w->last_transferred_at, policy->after_transfer), false);
	/* R6: (late_renewed_at + N days */
	if ((check & TR_TOO_SOON_AFTER_LATE_RENEWAL) && w->has_late_renewal)
		raise_lower_bound(&lower, add_usecs(w->late_renewed_at, policy->after_late_renewal), false);
	/* R10: (registrant_changed_at + N days */
	if ((check & TR_TOO_SOON_AFTER_REGISTRANT_CHANGE) && w->has_registrant_lock)
		raise_lower_bound(&lower, add_usecs(w->registrant_changed_at,
											policy->after_registrant_change), false);
	/* R3: expires_at - N days) */
	if (check & TR_TOO_CLOSE_TO_EXPIRY)
	{
		upper.val = TimestampTzGetDatum(sub_usecs(w->expires_at, policy->before_expiry));
		upper.inclusive = false;
		upper.infinite = false;
	}

	/* the first and last microsecond inside; a saturated bound means never */
	if (!lower.infinite)
	{
		first = DatumGetTimestampTz(lower.val);
		if (!lower.inclusive)
			first = add_usecs(first, 1);
		if (first == PG_INT64_MAX)
			return make_empty_range(typcache);
		if (!upper.infinite)
		{
			last = sub_usecs(DatumGetTimestampTz(upper.val), 1);
			if (first > last)
				return make_empty_range(typcache);
		}
	}
	else if (!upper.infinite && DatumGetTimestampTz(upper.val) == PG_INT64_MIN)
		return make_empty_range(typcache);
#if PG_VERSION_NUM >= 160000
	return make_range(typcache, &lower, &upper, false, NULL);
#else
	return make_range(typcache, &lower, &upper, false);
#endif
}

/* Reads registered_at and expires_at, required and finite. */
static inline void
read_window_dates(FunctionCallInfo fcinfo, WindowDates *w)
{
	w->registered_at = PG_GETARG_TIMESTAMPTZ(1);
	require_finite(w->registered_at, "registered_at");
	w->has_last_transfer = get_optional_timestamp(fcinfo, 3, "last_transferred_at",
												  &w->last_transferred_at);
	w->has_late_renewal = get_optional_timestamp(fcinfo, 4, "late_renewed_at",
												 &w->late_renewed_at);
	w->expires_at = PG_GETARG_TIMESTAMPTZ(2);
	require_finite(w->expires_at, "expires_at");
	w->has_registrant_lock = false;
}

/*
 * domxfer._transfer_window(name, registered_at, expires_at,
 * last_transferred_at, late_renewed_at, registrant_changed_at,
 * registrant_change_lock_opt_out) → tstzrange: the instants at which the
 * blocking time rules (R2, R3, R4, R6, R10 as the TLD's rule set says) hold.
 */
Datum
domxfer_rules_window(PG_FUNCTION_ARGS)
{
	const TldPolicy *policy;
	WindowDates w;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(6))
		PG_RETURN_NULL();
	policy = row_policy(PG_GETARG_TEXT_PP(0));
	read_window_dates(fcinfo, &w);
	w.has_registrant_lock = get_optional_timestamp(fcinfo, 5, "registrant_changed_at",
												   &w.registrant_changed_at) &&
		!PG_GETARG_BOOL(6);
	PG_RETURN_RANGE_P(time_rules_window(fcinfo, policy, &w, policy->block));
}

/*
 * 0.1.0: domxfer._transfer_window(name, registered_at, expires_at,
 * last_transferred_at, late_renewed_at) → tstzrange of R2, R3, R4 and R6.
 */
Datum
domxfer_transfer_window_columns(PG_FUNCTION_ARGS)
{
	WindowDates w;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	read_window_dates(fcinfo, &w);
	PG_RETURN_RANGE_P(time_rules_window(fcinfo, row_policy(PG_GETARG_TEXT_PP(0)),
										&w, TR_RULES_0_1));
}
