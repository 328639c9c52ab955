/*
 * settings.c
 *	  The domxfer.* configuration parameters.
 *
 * Floor: server C above domxfer.h (the settings it defines) and client_id.h
 * (the check hook of domxfer.registrar_id); init.c calls it.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "client_id.h"
#include "domxfer.h"

char	   *domxfer_registrar_id = NULL;
char	   *domxfer_database = NULL;
int			domxfer_naptime_ms = 1000;
int			domxfer_batch_size = 100;
bool		domxfer_batch_checks_links = false;
int			domxfer_auth_check_workers = 2;
int			domxfer_notify_mode = DOMXFER_NOTIFY_AUTO;

static const struct config_enum_entry notify_mode_options[] = {
	{"auto", DOMXFER_NOTIFY_AUTO, false},
	{"coalesced", DOMXFER_NOTIFY_COALESCED, false},
	{"each", DOMXFER_NOTIFY_EACH, false},
	{NULL, 0, false}
};

/* Defines every domxfer.* setting and reserves the prefix. */
void
domxfer_init_settings(void)
{
	/*
	 * PostgreSQL refuses to define a PGC_POSTMASTER setting once the server
	 * runs (FATAL), which is when a library that is not preloaded is loaded.
	 * Then there is no worker, so the setting is only informative and reload
	 * is as strict as can be.
	 */
	GucContext	database_context = process_shared_preload_libraries_in_progress ?
		PGC_POSTMASTER : PGC_SIGHUP;

	DefineCustomStringVariable("domxfer.registrar_id",
							   "Identifier of this registrar (rule R1: the domain is sponsored by us).",
							   "Only superusers can change it, so an application cannot pose as another registrar. "
							   "An EPP client identifier (RFC 5730 clIDType), or empty for unset.",
							   &domxfer_registrar_id,
							   "",
							   PGC_SUSET,
							   0,
							   client_id_check_registrar_id, NULL, NULL);

	DefineCustomStringVariable("domxfer.database",
							   "Database whose transfers the background worker decides.",
							   NULL,
							   &domxfer_database,
							   "postgres",
							   database_context,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("domxfer.naptime",
							"Longest sleep of the background worker between checks for due transfers.",
							"The worker also wakes at the earliest deadline.",
							&domxfer_naptime_ms,
							1000,
							10,
							3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("domxfer.batch_size",
							"Transfers the background worker decides per transaction.",
							NULL,
							&domxfer_batch_size,
							100,
							1,
							100000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	/*
	 * Set (transaction-locally) only by domxfer._decide_due_batch, which
	 * checks the domain links of the transfers it decides itself, set-based,
	 * so the deferred per-row check need not run for them. PGC_SUSET: an
	 * application cannot switch the check off.
	 */
	DefineCustomBoolVariable("domxfer.batch_checks_links",
							 "Internal: the running batch checks its transfers' domain links itself.",
							 NULL,
							 &domxfer_batch_checks_links,
							 false,
							 PGC_SUSET,
							 GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL,
							 NULL, NULL, NULL);

	/* the resident check service's pool (check_service.c) */
	DefineCustomIntVariable("domxfer.auth_check_workers",
							"Long-lived background workers that check auth codes and decide overdue transfers for callers.",
							"0 turns the service off: every check then starts a short-lived background worker. "
							"Takes effect only when domxfer is in shared_preload_libraries.",
							&domxfer_auth_check_workers,
							2,
							0,
							8,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	/*
	 * How lifecycle commits wake listeners (doorbell.c). Any role may choose
	 * 'each' for its own session: it only costs that session's commits.
	 */
	DefineCustomEnumVariable("domxfer.notify",
							 "How lifecycle changes wake listeners of NOTIFY domxfer_transfer.",
							 "each: one NOTIFY with a JSON payload per state change (0.2.0). "
							 "coalesced: no NOTIFY per change; the background worker sends one payload-less NOTIFY "
							 "for any number of commits (read them with domxfer.transfer_events_since). "
							 "auto: coalesced in the database the running worker serves, each elsewhere.",
							 &domxfer_notify_mode,
							 DOMXFER_NOTIFY_AUTO,
							 notify_mode_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("domxfer");
#else
	EmitWarningsOnPlaceholders("domxfer");
#endif
}

/* Returns domxfer.registrar_id, raising an error when it is not set. */
const char *
domxfer_require_registrar_id(void)
{
	if (domxfer_registrar_id == NULL || domxfer_registrar_id[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("parameter \"domxfer.registrar_id\" is not set"),
				 errdetail("Rule R1 compares each domain's sponsoring registrar with this registrar's identifier."),
				 errhint("Set domxfer.registrar_id in postgresql.conf or with ALTER DATABASE ... SET.")));
	return domxfer_registrar_id;
}

PG_FUNCTION_INFO_V1(domxfer_batch_checks_links_now);

/*
 * domxfer._batch_checks_links(): the setting, read through the library so
 * that the trigger's WHEN clause never sees a placeholder an unprivileged
 * session set before the library was loaded.
 */
Datum
domxfer_batch_checks_links_now(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(domxfer_batch_checks_links);
}
