/*
 * domxfer.h
 *	  Module-wide declarations: settings and per-concern init helpers.
 *
 * Floor: the lowest: settings and flags (defined in settings.c and
 * domxfer.c), and the body the caches' change triggers share (domxfer.c);
 * any pair may use it.
 */
#ifndef DOMXFER_H
#define DOMXFER_H

#include "fmgr.h"

/* Settings (domxfer.*), defined in settings.c */
extern char *domxfer_registrar_id;
extern char *domxfer_database;
extern int	domxfer_naptime_ms;
extern int	domxfer_batch_size;
extern bool domxfer_batch_checks_links;
extern int	domxfer_auth_check_workers;	/* pool size, check_service.c */

/* domxfer.notify (doorbell.c) */
#define DOMXFER_NOTIFY_AUTO			0
#define DOMXFER_NOTIFY_COALESCED	1
#define DOMXFER_NOTIFY_EACH			2
extern int	domxfer_notify_mode;

extern void domxfer_init_settings(void);

/* True in the background worker's process (its actor name is 'worker'). */
extern bool domxfer_in_worker;

/* Returns domxfer.registrar_id, raising an error when it is not set. */
extern const char *domxfer_require_registrar_id(void);

extern Datum domxfer_invalidate_trigger_relation(FunctionCallInfo fcinfo);

#endif							/* DOMXFER_H */
