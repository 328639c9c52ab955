/*
 * client_id.h
 *	  Registrar identifiers from outside (SPEC §1b): the SQL-callable check,
 *	  the check hook of domxfer.registrar_id and the column check, all over
 *	  the pure check of client_id_check.h.
 *
 * Floor: server C above client_id_check.h; used by settings.c.
 */
#ifndef CLIENT_ID_H
#define CLIENT_ID_H

#include "postgres.h"

#include "utils/guc.h"

/* Raises sqlstate (22023 or 22P02) unless the text is an EPP client identifier. */
extern void client_id_require(const char *s, size_t len, int sqlstate, const char *column);

/* Check hook of domxfer.registrar_id: '' (unset) or an EPP client identifier. */
extern bool client_id_check_registrar_id(char **newval, void **extra, GucSource source);

#endif							/* CLIENT_ID_H */
