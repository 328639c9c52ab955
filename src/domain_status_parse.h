/*
 * domain_status_parse.h
 *	  Pure C text handling of domxfer.domain_status: parsing, combination
 *	  rules, canonical form, formatting and the EPP / RDAP name tables.
 *
 * Floor: plain C, the lowest (no PostgreSQL header; fuzzed and tested
 * outside the server); it defines the value itself (DomainStatus, DS_*),
 * which domain_status.h and transfer_rules.c use.
 *
 * No PostgreSQL headers, no allocation, no error reporting: a failure is
 * described in a DomainStatusParseError so the caller (the fmgr wrappers,
 * or a fuzzer) decides how to report it.
 */
#ifndef DOMAIN_STATUS_PARSE_H
#define DOMAIN_STATUS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The value: bit i is the i-th value in SPEC §2's list order, which is also
 * the text output order. Every stored value is canonical: DS_OK is set
 * exactly when no other RFC 5731 value is.
 */
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

/* Longest text input accepted; no valid spelling comes near it. */
#define DS_INPUT_MAX_BYTES		4096

/* Enough for every value in EPP or RDAP spelling, comma-separated, and NUL. */
#define DS_TEXT_BUFSIZE			512

/* The bits of the five RFC 5731 pending* values, which exclude each other. */
#define DS_PENDING_5731_BITS \
	(DS_PENDING_CREATE | DS_PENDING_DELETE | DS_PENDING_RENEW | \
	 DS_PENDING_TRANSFER | DS_PENDING_UPDATE)

/* The RFC 5731 rule a forbidden combination breaks. */
typedef enum DomainStatusConflictKind
{
	DS_CONFLICT_NONE = 0,
	DS_CONFLICT_OK,				/* ok with an RFC 5731 value but inactive */
	DS_CONFLICT_PENDING_PROHIBITED, /* pendingX with client/serverXProhibited */
	DS_CONFLICT_TWO_PENDING		/* two of the five pending* values */
} DomainStatusConflictKind;

/* Why a parse failed (DS_PARSE_OK when it did not). */
typedef enum DomainStatusParseErrorKind
{
	DS_PARSE_OK = 0,
	DS_PARSE_TOO_LONG,			/* input longer than DS_INPUT_MAX_BYTES */
	DS_PARSE_EMPTY_ELEMENT,		/* "a,,b", "a,", "{,}": offset of the gap */
	DS_PARSE_UNBALANCED_BRACE,	/* "{a" or "a}": offset of the brace/end */
	DS_PARSE_UNEXPECTED_CHAR,	/* nested "{", text after "}", stray quote */
	DS_PARSE_UNTERMINATED_QUOTE,	/* offset of the opening quote */
	DS_PARSE_UNKNOWN_VALUE,		/* offset/length of the token as written */
	DS_PARSE_FORBIDDEN_COMBINATION	/* bit_a, bit_b: the conflicting values */
} DomainStatusParseErrorKind;

/* Where and why a parse failed. */
typedef struct DomainStatusParseError
{
	DomainStatusParseErrorKind kind;
	size_t		offset;			/* byte offset into the input */
	size_t		length;			/* bytes of the offending token */
	DomainStatusConflictKind conflict;	/* for DS_PARSE_FORBIDDEN_COMBINATION: */
	int			bit_a;			/* "ok" or the pending* value ... */
	int			bit_b;			/* ... and the value it cannot take */
} DomainStatusParseError;

/* EPP spelling of bit i (RFC 5731 / RFC 3915), e.g. "clientHold". */
extern const char *const ds_epp_names[DS_NVALUES];

/* RDAP spelling of bit i (RFC 8056), e.g. "client hold"; bit 0 is "active". */
extern const char *const ds_rdap_names[DS_NVALUES];

extern bool ds_parse(const char *input, size_t len, DomainStatus *result,
					 DomainStatusParseError *error);
extern bool ds_parse_value(const char *input, size_t len, DomainStatus *bit,
						   DomainStatusParseError *error);
extern DomainStatusConflictKind ds_find_conflict(DomainStatus mask,
												 int *bit_a, int *bit_b);
extern bool ds_from_bits(DomainStatus bits, DomainStatus *result,
						 DomainStatusParseError *error);
extern DomainStatus ds_canonical(DomainStatus mask);
extern bool ds_is_canonical(DomainStatus mask);
extern int	ds_count(DomainStatus mask);
extern size_t ds_format(DomainStatus mask, const char *const *names,
						char *buf, size_t bufsize);

#endif							/* DOMAIN_STATUS_PARSE_H */
