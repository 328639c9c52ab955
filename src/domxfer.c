/*
 * domxfer.c
 *	  The module's magic block and the flags every concern may read
 *	  (declared in domxfer.h with the settings, which settings.c defines).
 *
 * Floor: the lowest; domxfer.h declares only settings and flags, and this
 * file uses nothing of the project's. _PG_init, which calls every concern,
 * is in init.c, the top floor.
 */
#include "postgres.h"

#include "fmgr.h"

#include "domxfer.h"

PG_MODULE_MAGIC;

bool		domxfer_in_worker = false;
