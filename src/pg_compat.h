/*
 * pg_compat.h: what differs between the PostgreSQL major versions domxfer
 * builds on (15 to 18), in one place, so the rest of src/ is written once.
 * Include it right after postgres.h.
 *
 * Floor: the lowest; PostgreSQL's own headers only.
 */
#ifndef DOMXFER_PG_COMPAT_H
#define DOMXFER_PG_COMPAT_H

#include "postgres.h"

/* PostgreSQL 16 moved the varlena macros (VARSIZE_ANY_EXHDR, ...) out of postgres.h. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * PostgreSQL 18 replaced pg_attribute_noreturn(), written after the return
 * type, by pg_noreturn (C11 _Noreturn), written before the declaration.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

#endif							/* DOMXFER_PG_COMPAT_H */
