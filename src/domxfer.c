/*
 * domxfer.c
 *	  The module's magic block, the flags every concern may read
 *	  (declared in domxfer.h with the settings, which settings.c defines),
 *	  and the one trigger body the caches of floor 2 share.
 *
 * Floor: the lowest; domxfer.h declares settings, flags and that trigger
 * body, and this file uses nothing of the project's. _PG_init, which calls
 * every concern, is in init.c, the top floor.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"

#include "domxfer.h"

PG_MODULE_MAGIC;

bool		domxfer_in_worker = false;

/*
 * The body of every cache's change trigger (_tld_policy_changed,
 * _domain_source_changed): row changes do not invalidate the relcache by
 * themselves, so it queues an invalidation of the trigger's table, which
 * every backend's cache of that table listens to.
 */
Datum
domxfer_invalidate_trigger_relation(FunctionCallInfo fcinfo)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function domxfer.%s() must be called as a trigger",
						get_func_name(fcinfo->flinfo->fn_oid))));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
