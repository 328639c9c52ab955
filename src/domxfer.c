/*
 * domxfer.c
 *	  Module entry point: _PG_init only calls the init helpers of each concern.
 */
#include "postgres.h"

#include "fmgr.h"

#include "check_service.h"
#include "domxfer.h"
#include "transfer_worker.h"

PG_MODULE_MAGIC;

bool		domxfer_in_worker = false;

void		_PG_init(void);

/* Defines the settings and, when preloaded, registers the background workers. */
void
_PG_init(void)
{
	domxfer_init_settings();
	domxfer_init_worker();
	domxfer_init_check_service();
}
