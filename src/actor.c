/*
 * actor.c
 *	  domxfer._actor() and domxfer._outer_role(): who is calling.
 *
 * Floor: server C above domxfer.h (domxfer_in_worker); used by
 * side_transaction.c and check_service.c.
 *
 * Inside a SECURITY DEFINER function the current user is the function's
 * owner; the role the application is acting as (its login role or the role
 * it SET ROLE to) is the "outer" user, which is what the audit log names.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "actor.h"
#include "domxfer.h"

char		domxfer_actor_override[NAMEDATALEN] = "";

/* 'worker' in the background worker, else the role the caller acts as. */
char *
domxfer_actor_name(void)
{
	char	   *name;

	if (domxfer_in_worker)
		return pstrdup("worker");
	if (domxfer_actor_override[0] != '\0')
		return pstrdup(domxfer_actor_override);
	name = GetUserNameFromId(GetOuterUserId(), true);
	if (name == NULL)
		name = psprintf("role %u", GetOuterUserId());
	return name;
}

PG_FUNCTION_INFO_V1(domxfer_actor);
/* domxfer._actor() → text: who is making the change being logged. */
Datum
domxfer_actor(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(domxfer_actor_name()));
}

PG_FUNCTION_INFO_V1(domxfer_outer_role);
/* domxfer._outer_role() → oid: the role outside any SECURITY DEFINER call. */
Datum
domxfer_outer_role(PG_FUNCTION_ARGS)
{
	PG_RETURN_OID(GetOuterUserId());
}
