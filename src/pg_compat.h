/*
 * pg_compat.h: what differs between the PostgreSQL major versions domxfer
 * builds on (15 to 18), in one place, so the rest of src/ is written once.
 * Include it right after postgres.h.
 */
#ifndef DOMXFER_PG_COMPAT_H
#define DOMXFER_PG_COMPAT_H

#include "postgres.h"

/* PostgreSQL 16 moved the varlena macros (VARSIZE_ANY_EXHDR, ...) out of postgres.h. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

#endif							/* DOMXFER_PG_COMPAT_H */
