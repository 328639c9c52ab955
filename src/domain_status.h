/*
 * domain_status.h
 *	  The domxfer.domain_status type: a set of EPP statuses as a bit mask.
 *
 * Bit i is the i-th value in SPEC §2's list order, which is also the text
 * output order. Pass by value: a uint32 in a Datum. Every stored value is
 * canonical: DS_OK is set exactly when no other RFC 5731 value is.
 */
#ifndef DOMAIN_STATUS_H
#define DOMAIN_STATUS_H

#include <stdint.h>

typedef uint32_t DomainStatus;

#define DS_OK							(UINT32_C(1) << 0)
#define DS_CLIENT_DELETE_PROHIBITED		(UINT32_C(1) << 1)
#define DS_SERVER_DELETE_PROHIBITED		(UINT32_C(1) << 2)
#define DS_CLIENT_HOLD					(UINT32_C(1) << 3)
#define DS_SERVER_HOLD					(UINT32_C(1) << 4)
#define DS_CLIENT_RENEW_PROHIBITED		(UINT32_C(1) << 5)
#define DS_SERVER_RENEW_PROHIBITED		(UINT32_C(1) << 6)
#define DS_CLIENT_TRANSFER_PROHIBITED	(UINT32_C(1) << 7)
#define DS_SERVER_TRANSFER_PROHIBITED	(UINT32_C(1) << 8)
#define DS_CLIENT_UPDATE_PROHIBITED		(UINT32_C(1) << 9)
#define DS_SERVER_UPDATE_PROHIBITED		(UINT32_C(1) << 10)
#define DS_INACTIVE						(UINT32_C(1) << 11)
#define DS_PENDING_CREATE				(UINT32_C(1) << 12)
#define DS_PENDING_DELETE				(UINT32_C(1) << 13)
#define DS_PENDING_RENEW				(UINT32_C(1) << 14)
#define DS_PENDING_TRANSFER				(UINT32_C(1) << 15)
#define DS_PENDING_UPDATE				(UINT32_C(1) << 16)
/* RFC 3915 grace-period values */
#define DS_ADD_PERIOD					(UINT32_C(1) << 17)
#define DS_AUTO_RENEW_PERIOD			(UINT32_C(1) << 18)
#define DS_RENEW_PERIOD					(UINT32_C(1) << 19)
#define DS_TRANSFER_PERIOD				(UINT32_C(1) << 20)
#define DS_REDEMPTION_PERIOD			(UINT32_C(1) << 21)
#define DS_PENDING_RESTORE				(UINT32_C(1) << 22)

#define DS_NVALUES						23
#define DS_ALL_BITS						((UINT32_C(1) << DS_NVALUES) - 1)
/* the RFC 5731 values (bits 0..16) */
#define DS_RFC5731_BITS					((UINT32_C(1) << 17) - 1)

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
