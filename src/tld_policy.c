/*
 * tld_policy.c
 *	  Per-backend cache of domxfer.tld_policy, and the table's helper
 *	  functions (its change trigger and its time zone check).
 *
 * Floor: server C above reason_codes.h and domain_name_check.h (a TLD
 * spelled in upper case or as a U-label); used by transfer_rules.c.
 *
 * The cache is an open-addressing hash table keyed by TLD, built from one
 * scan of the table in a memory context under CacheMemoryContext. DML does
 * not invalidate relcache entries by itself, so the table has statement and
 * row triggers (domxfer._tld_policy_changed, enabled ALWAYS so that they also
 * fire under session_replication_role = replica and in logical replication's
 * apply worker, which fires row triggers only) that queue a relcache
 * invalidation for it; our relcache callback then marks the cache stale, in this backend
 * at the next command and in the others when the change commits (and here
 * again if it rolls back). TRUNCATE and DROP invalidate the relation anyway.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "parser/parse_relation.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "domain_name_check.h"
#include "domxfer.h"
#include "reason_codes.h"
#include "tld_policy.h"

#define DEFAULT_TLD			"*"
/* Longest TLD we can hold: one DNS label. */
#define TLD_MAX_LENGTH		63

/* One TLD's row in the cache. */
typedef struct TldPolicyEntry
{
	const char *tld;			/* NULL marks a free slot */
	size_t		len;
	uint32		hash;
	TldPolicy	policy;
} TldPolicyEntry;

/* The cache; valid only while policy_cache_valid. */
static MemoryContext policy_context = NULL;
static TldPolicyEntry *policy_slots = NULL;
static uint32 policy_slot_mask = 0;
static TldPolicy default_policy;
static bool policy_cache_valid = false;

/* The tables' OIDs, which the relcache callback watches. */
static Oid	policy_relid = InvalidOid;
static Oid	rule_sets_relid = InvalidOid;
static bool policy_callback_registered = false;
/* Bumped by every invalidation, to detect one that arrives during a load. */
static uint64 policy_invalidations = 0;

/* The last TLD looked up: rows of one TLD often come in runs. */
static char last_tld[TLD_MAX_LENGTH];
static size_t last_tld_len = 0;
static const TldPolicy *last_policy = NULL;

PG_FUNCTION_INFO_V1(domxfer_tld_policy_changed);
PG_FUNCTION_INFO_V1(domxfer_is_time_zone);
PG_FUNCTION_INFO_V1(domxfer_policy_for_tld);

/* FNV-1a: TLDs are a few octets, so a simple hash is the fastest. */
static inline uint32
tld_hash(const char *s, size_t len)
{
	uint32		h = 2166136261u;

	while (len-- > 0)
	{
		h ^= (unsigned char) *s++;
		h *= 16777619u;
	}
	return h;
}

/* Marks the cache stale when tld_policy (or every relation) is invalidated. */
static void
tld_policy_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == policy_relid ||
		(relid == rule_sets_relid && OidIsValid(relid)))
	{
		policy_cache_valid = false;
		policy_invalidations++;
	}
}

/* Reads an integer day count of the current row as microseconds. */
static inline int64
slot_days_as_usecs(TupleTableSlot *slot, AttrNumber attnum)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	/* NOT NULL and CHECK constraints keep the value in 0..3650 */
	return isnull ? 0 : (int64) DatumGetInt32(d) * USECS_PER_DAY;
}

/* Column number of a tld_policy column, by name (robust to column order). */
static inline AttrNumber
policy_attnum(Relation rel, const char *column)
{
	int			attnum = attnameAttNum(rel, column, false);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table domxfer.tld_policy does not exist", column),
				 errhint("Reinstall the extension domxfer.")));
	return (AttrNumber) attnum;
}

/* One rule set's effects, folded into masks while the cache loads. */
typedef struct RuleSetMasks
{
	char	   *name;
	int32		block;
	int32		warn;
} RuleSetMasks;

/*
 * Reads domxfer.rule_sets into a list of RuleSetMasks (an empty list when
 * the table does not exist: a 0.1.0 database whose library is already the
 * new one). Every rule starts as 'block'; each row sets its code's effect.
 */
static List *
rule_sets_load(Snapshot snapshot)
{
	List	   *sets = NIL;
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	att_set,
				att_code,
				att_effect;

	rule_sets_relid = get_relname_relid("rule_sets", get_namespace_oid("domxfer", false));
	if (!OidIsValid(rule_sets_relid))
		return NIL;
	rel = table_open(rule_sets_relid, AccessShareLock);
	att_set = attnameAttNum(rel, "rule_set", false);
	att_code = attnameAttNum(rel, "code", false);
	att_effect = attnameAttNum(rel, "effect", false);
	if (att_set == InvalidAttrNumber || att_code == InvalidAttrNumber ||
		att_effect == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table domxfer.rule_sets lacks a column the rule functions need"),
				 errhint("Reinstall the extension domxfer.")));
	scan = table_beginscan(rel, snapshot, 0, NULL);
	slot = table_slot_create(rel, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		char	   *set_name = TextDatumGetCString(slot_getattr(slot, att_set, &isnull));
		char	   *code = TextDatumGetCString(slot_getattr(slot, att_code, &isnull));
		char	   *effect = TextDatumGetCString(slot_getattr(slot, att_effect, &isnull));
		int			bit = transfer_rule_bit(code);
		RuleSetMasks *set = NULL;
		ListCell   *lc;

		if (bit < 0)
			continue;			/* the table's CHECK admits only rule codes */
		foreach(lc, sets)
		{
			RuleSetMasks *s = lfirst(lc);

			if (strcmp(s->name, set_name) == 0)
			{
				set = s;
				break;
			}
		}
		if (set == NULL)
		{
			set = palloc(sizeof(RuleSetMasks));
			set->name = set_name;
			set->block = TR_ALL;
			set->warn = 0;
			sets = lappend(sets, set);
		}
		set->block &= ~(1 << bit);
		set->warn &= ~(1 << bit);
		if (strcmp(effect, "block") == 0)
			set->block |= 1 << bit;
		else if (strcmp(effect, "warn") == 0)
			set->warn |= 1 << bit;
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return sets;
}

/* Sets a policy's masks from its rule set (every rule blocks when unknown). */
static void
policy_apply_rule_set(TldPolicy *policy, const char *set_name, List *sets)
{
	ListCell   *lc;

	policy->block = TR_ALL;
	policy->warn = 0;
	if (set_name == NULL)
		return;
	foreach(lc, sets)
	{
		RuleSetMasks *s = lfirst(lc);

		if (strcmp(s->name, set_name) == 0)
		{
			policy->block = s->block;
			policy->warn = s->warn;
			return;
		}
	}
}

/* Puts one row into the open-addressing table (the TLD is already copied). */
static void
policy_slot_insert(TldPolicyEntry *slots, uint32 mask, const TldPolicyEntry *entry)
{
	uint32		i = entry->hash & mask;

	while (slots[i].tld != NULL)
		i = (i + 1) & mask;
	slots[i] = *entry;
}

/*
 * Loads the whole table into a new cache. The snapshot is a fresh one (as
 * for catalog reads), not the transaction's: a cache loaded with an old
 * REPEATABLE READ snapshot would outlive the transaction with stale numbers.
 */
static void
tld_policy_cache_load(void)
{
	MemoryContext context;
	MemoryContext oldcontext;
	Relation	rel;
	Snapshot	snapshot;
	TableScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	att_tld,
				att_registration,
				att_expiry,
				att_transfer,
				att_late_renewal,
				att_warning,
				att_manual,
				att_registrant_change,
				att_rule_set;
	List	   *rows = NIL;
	List	   *sets;
	ListCell   *lc;
	bool		have_default = false;
	uint32		nslots = 8;
	TldPolicyEntry *slots;
	uint64		invalidations_before;

	if (!policy_callback_registered)
	{
		CacheRegisterRelcacheCallback(tld_policy_relcache_callback, (Datum) 0);
		policy_callback_registered = true;
	}

	policy_relid = get_relname_relid("tld_policy", get_namespace_oid("domxfer", false));
	if (!OidIsValid(policy_relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"domxfer.tld_policy\" does not exist"),
				 errhint("Reinstall the extension domxfer.")));

	/* Built under the caller's context, so an error frees it. */
	context = AllocSetContextCreate(CurrentMemoryContext,
									"domxfer tld_policy cache",
									ALLOCSET_SMALL_SIZES);
	oldcontext = MemoryContextSwitchTo(context);

	rel = table_open(policy_relid, AccessShareLock);
	invalidations_before = policy_invalidations;
	att_tld = policy_attnum(rel, "tld");
	att_registration = policy_attnum(rel, "min_days_after_registration");
	att_expiry = policy_attnum(rel, "min_days_before_expiry");
	att_transfer = policy_attnum(rel, "min_days_after_transfer");
	att_late_renewal = policy_attnum(rel, "min_days_after_late_renewal");
	att_warning = policy_attnum(rel, "expiry_warning_days");
	att_manual = policy_attnum(rel, "manual_process");
	/* absent in a 0.1.0 database: R10's default and registrar_policy apply */
	att_registrant_change = attnameAttNum(rel, "min_days_after_registrant_change", false);
	att_rule_set = attnameAttNum(rel, "rule_set", false);

	snapshot = RegisterSnapshot(GetCatalogSnapshot(policy_relid));
	sets = rule_sets_load(snapshot);
	scan = table_beginscan(rel, snapshot, 0, NULL);
	slot = table_slot_create(rel, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		TldPolicyEntry *entry = palloc0(sizeof(TldPolicyEntry));
		bool		isnull;
		HeapTuple	tuple;
		Datum		d;

		/*
		 * The whole row, for domxfer._policy_for: formed again from every
		 * attribute, since a row stored before ALTER TABLE ... ADD COLUMN
		 * lacks the new columns, whose values (the defaults) only the
		 * table's descriptor knows; toasted values are put inline.
		 */
		slot_getallattrs(slot);
		tuple = heap_form_tuple(RelationGetDescr(rel), slot->tts_values, slot->tts_isnull);
		entry->policy.row = heap_copy_tuple_as_datum(tuple, RelationGetDescr(rel));
		heap_freetuple(tuple);

		d = slot_getattr(slot, att_tld, &isnull);
		entry->tld = TextDatumGetCString(d);
		entry->len = strlen(entry->tld);
		entry->hash = tld_hash(entry->tld, entry->len);
		entry->policy.after_registration = slot_days_as_usecs(slot, att_registration);
		entry->policy.before_expiry = slot_days_as_usecs(slot, att_expiry);
		entry->policy.after_transfer = slot_days_as_usecs(slot, att_transfer);
		entry->policy.after_late_renewal = slot_days_as_usecs(slot, att_late_renewal);
		entry->policy.expiry_warning = slot_days_as_usecs(slot, att_warning);
		d = slot_getattr(slot, att_manual, &isnull);
		entry->policy.manual_process = !isnull && DatumGetBool(d);
		if (att_registrant_change != InvalidAttrNumber)
			entry->policy.after_registrant_change =
				slot_days_as_usecs(slot, att_registrant_change);
		else
			entry->policy.after_registrant_change = (int64) 60 * USECS_PER_DAY;
		d = (att_rule_set != InvalidAttrNumber) ?
			slot_getattr(slot, att_rule_set, &isnull) : (isnull = true, (Datum) 0);
		policy_apply_rule_set(&entry->policy,
							  isnull ? NULL : TextDatumGetCString(d), sets);
		if (strcmp(entry->tld, DEFAULT_TLD) == 0)
		{
			default_policy = entry->policy;
			have_default = true;
		}
		else
			rows = lappend(rows, entry);
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);

	if (!have_default)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("domxfer.tld_policy has no default row '*'"),
				 errdetail("The transfer-out rules take the policy numbers of TLDs without a row of their own from the row '*'."),
				 errhint("Put the shipped rows back with SELECT domxfer.restore_shipped_policy(), then adjust their numbers.")));

	while (nslots < 2 * (uint32) list_length(rows))
		nslots *= 2;
	slots = palloc0(nslots * sizeof(TldPolicyEntry));
	foreach(lc, rows)
		policy_slot_insert(slots, nslots - 1, lfirst(lc));
	MemoryContextSwitchTo(oldcontext);

	/* Only now replace the old cache. */
	MemoryContextSetParent(context, CacheMemoryContext);
	if (policy_context != NULL)
		MemoryContextDelete(policy_context);
	policy_context = context;
	policy_slots = slots;
	policy_slot_mask = nslots - 1;
	last_tld_len = 0;
	last_policy = NULL;
	/* an invalidation that came in while we scanned means: reload next time */
	policy_cache_valid = (policy_invalidations == invalidations_before);
}

/* The policy of a TLD: its own row's, or the default row's. */
static inline const TldPolicy *
tld_policy_lookup(const char *tld, size_t len)
{
	uint32		hash = tld_hash(tld, len);
	uint32		i = hash & policy_slot_mask;

	for (;; i = (i + 1) & policy_slot_mask)
	{
		const TldPolicyEntry *e = &policy_slots[i];

		if (e->tld == NULL)
			return &default_policy;
		if (e->hash == hash && e->len == len && memcmp(e->tld, tld, len) == 0)
			return &e->policy;
	}
}

static const TldPolicy *tld_policy_for_spelling(const char *tld, size_t len);

/* True when a TLD label is lower-case ASCII, as tld_policy keys are. */
static inline bool
tld_is_canonical(const char *tld, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) tld[i];

		if (c >= 0x80 || (c >= 'A' && c <= 'Z'))
			return false;
	}
	return true;
}

/* The policy of a canonical domain name's TLD (see tld_policy.h). */
const TldPolicy *
tld_policy_for_domain(const char *name, size_t len)
{
	const char *tld = name + len;
	size_t		tld_len;
	const TldPolicy *policy;

	if (unlikely(!policy_cache_valid))
		tld_policy_cache_load();

	/* a registrar's own table may spell the name with a trailing dot */
	if (len > 0 && name[len - 1] == '.')
	{
		len--;
		tld--;
	}
	while (tld > name && tld[-1] != '.')
		tld--;
	tld_len = name + len - tld;
	if (unlikely(!tld_is_canonical(tld, tld_len)))
		return tld_policy_for_spelling(tld, tld_len);
	/* no TLD has a longer name: not in the table, so the default applies */
	if (tld_len > TLD_MAX_LENGTH)
		return &default_policy;

	if (last_policy != NULL && tld_len == last_tld_len &&
		memcmp(tld, last_tld, tld_len) == 0)
		return last_policy;

	policy = tld_policy_lookup(tld, tld_len);
	memcpy(last_tld, tld, tld_len);
	last_tld_len = tld_len;
	last_policy = policy;
	return policy;
}

/* The policy of a canonical TLD (see tld_policy.h). */
const TldPolicy *
tld_policy_for_tld(const char *tld, size_t len)
{
	if (unlikely(!policy_cache_valid))
		tld_policy_cache_load();
	if (len > TLD_MAX_LENGTH)
		return &default_policy;
	return tld_policy_lookup(tld, len);
}

/*
 * domxfer._policy_for_tld(tld text) → domxfer.tld_policy: the row of a
 * canonical TLD, else the default row, from the cache (as a query, planned
 * again by every caller's transaction, it cost 0.1 ms).
 */
Datum
domxfer_policy_for_tld(PG_FUNCTION_ARGS)
{
	text	   *tld = PG_GETARG_TEXT_PP(0);
	const TldPolicy *policy = tld_policy_for_tld(VARDATA_ANY(tld), VARSIZE_ANY_EXHDR(tld));

	PG_RETURN_DATUM(datumCopy(policy->row, false, -1));
}

/*
 * The policy of a TLD spelled in upper case or as a U-label (a registrar's
 * own table, SPEC §10): the policy of its canonical A-label, so X.HK and
 * .香港 still meet R9.
 */
static const TldPolicy *
tld_policy_for_spelling(const char *tld, size_t len)
{
	char		label[DOMAIN_NAME_BUFSIZE];
	char		ascii[DOMAIN_NAME_BUFSIZE];
	DomainNameError *err;
	int			n;

	if (len == 0 || len > DOMAIN_NAME_MAX_INPUT - 2)
		return &default_policy;
	/* "x." + the label: a name of two labels whose TLD is the A-label */
	label[0] = 'x';
	label[1] = '.';
	memcpy(label + 2, tld, len);
	err = palloc(sizeof(DomainNameError));
	n = domain_name_to_ascii(label, len + 2, ascii, sizeof(ascii), err);
	pfree(err);
	if (n < 2 || n - 2 > TLD_MAX_LENGTH)
		return &default_policy;
	return tld_policy_for_domain(ascii, n);
}

/*
 * domxfer._tld_policy_changed(): AFTER trigger on tld_policy and rule_sets;
 * every backend caches the policy, so a change invalidates it (domxfer.c).
 */
Datum
domxfer_tld_policy_changed(PG_FUNCTION_ARGS)
{
	return domxfer_invalidate_trigger_relation(fcinfo);
}

/*
 * domxfer._is_time_zone(text): true when the text names a time zone the
 * server knows (what SET TIME ZONE and AT TIME ZONE accept as a zone name).
 */
Datum
domxfer_is_time_zone(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	pg_tz	   *tz;

	if (name[0] == '\0' || strlen(name) >= TZ_STRLEN_MAX)
		PG_RETURN_BOOL(false);
	tz = pg_tzset(name);
	PG_RETURN_BOOL(tz != NULL && pg_tz_acceptable(tz));
}
