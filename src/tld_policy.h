/*
 * tld_policy.h
 *	  Per-backend cache of domxfer.tld_policy, looked up by a domain's TLD.
 *
 * Floor: server C above reason_codes.h; used by transfer_rules.c.
 *
 * The rule functions run on every row of reports over millions of domains,
 * so they read the policy numbers from this cache, never from the table.
 * The cache is loaded on first use and dropped whenever the table changes
 * (its statement trigger sends a relcache invalidation for the table).
 * The rule set a TLD names (domxfer.rule_sets, SPEC §1a) is folded into two
 * bit masks per TLD, so rule effects cost nothing extra per row; rule_sets
 * has the same trigger. A rule without a row in its TLD's rule set blocks.
 */
#ifndef TLD_POLICY_H
#define TLD_POLICY_H

#include "datatype/timestamp.h"

/* The numbers the rule functions use, day counts already in microseconds. */
typedef struct TldPolicy
{
	int64		after_registration;		/* R2: min_days_after_registration */
	int64		before_expiry;			/* R3: min_days_before_expiry */
	int64		after_transfer;			/* R4: min_days_after_transfer */
	int64		after_late_renewal;		/* R6: min_days_after_late_renewal */
	int64		expiry_warning;			/* expiry_warning_days */
	int64		after_registrant_change;	/* R10: min_days_after_registrant_change */
	bool		manual_process;			/* R9 */
	int32		block;					/* TR_* bits whose effect is 'block' */
	int32		warn;					/* TR_* bits whose effect is 'warn' */
	Datum		row;					/* the whole row, a domxfer.tld_policy datum */
} TldPolicy;

/*
 * The policy of the TLD of a canonical domain name (the text after its last
 * dot), or the default row's when the TLD has no row of its own. Raises an
 * error when the table has no default row. The result stays valid until the
 * next call.
 */
extern const TldPolicy *tld_policy_for_domain(const char *name, size_t len);

/*
 * The policy of a TLD given as its canonical A-label (domxfer.domain_tld's
 * result), or the default row's. Same lifetime as above.
 */
extern const TldPolicy *tld_policy_for_tld(const char *tld, size_t len);

#endif							/* TLD_POLICY_H */
