/*
 * init.c
 *	  Module entry point: _PG_init only calls the init helpers of each concern.
 *
 * Floor: the top; it may use every pair, and no pair uses it. It is also
 * where a lower floor learns of a higher one without including it: the
 * side transaction (side_transaction.c) is handed the resident check
 * service (check_service.c) here.
 */
#include "postgres.h"

#include "fmgr.h"

#include "check_service.h"
#include "domxfer.h"
#include "side_transaction.h"
#include "transfer_worker.h"

void		_PG_init(void);

/* Defines the settings and, when preloaded, registers the background workers. */
void
_PG_init(void)
{
	domxfer_init_settings();
	domxfer_init_worker();
	domxfer_init_check_service();
	side_transaction_set_service(domxfer_check_service_run,
								 domxfer_check_service_count_dynamic);
}
