/*
 * domain_status.h
 *	  The domxfer.domain_status type's fmgr glue: a set of EPP statuses as a
 *	  bit mask passed by value (a uint32 in a Datum).
 *
 * Floor: stands on domain_status_parse.h (the value, its bits and its
 * text, plain C); domain_status.c is the type's SQL face above it. The
 * bits (DS_*) are defined there, so the parser, the fuzzer and the rule
 * functions share one definition.
 */
#ifndef DOMAIN_STATUS_H
#define DOMAIN_STATUS_H

#include "domain_status_parse.h"

/*
 * Internal mark, never produced by the type's input: a registrar's status
 * column (SPEC §10) that the type cannot read. The rules report it as
 * status_unreadable instead of stopping a report with an error.
 */
#define DS_UNREADABLE					(UINT32_C(1) << 31)

/* fmgr glue, only for server code */
#ifdef PG_VERSION_NUM
#define DatumGetDomainStatus(X)		((DomainStatus) DatumGetUInt32(X))
#define DomainStatusGetDatum(X)		UInt32GetDatum(X)
#define PG_GETARG_DOMAIN_STATUS(n)	DatumGetDomainStatus(PG_GETARG_DATUM(n))
#define PG_RETURN_DOMAIN_STATUS(x)	return DomainStatusGetDatum(x)
#endif

#endif							/* DOMAIN_STATUS_H */
