/*
 * domain_name_check.h
 *	  Domain-name validation and conversion with ICU's UTS #46 API plus the
 *	  IDNA2008 (RFC 5892) derived property.
 *
 * Floor: plain C with ICU, the lowest (no PostgreSQL header; fuzzed outside
 * the server); used by domain_name.c, email_address.c and
 * registry_message.c.
 *
 * Pure C (ICU only): no PostgreSQL headers, no palloc, no ereport, so the
 * checks can be fuzzed outside the server.  Every function takes UTF-8 text
 * with an explicit length (no terminator needed), writes a NUL-terminated
 * result into a caller-supplied buffer and returns its length, or -1 with
 * *err describing the failure.
 */
#ifndef DOMAIN_NAME_CHECK_H
#define DOMAIN_NAME_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest input examined at all; longer input is refused before ICU sees it. */
#define DOMAIN_NAME_MAX_INPUT	1024

/* DNS limits on the ASCII form (RFC 1034/1035, without the trailing dot). */
#define DOMAIN_NAME_MAX_LABEL	63
#define DOMAIN_NAME_MAX_NAME	253

/* An output buffer of this size holds every result the functions return. */
#define DOMAIN_NAME_BUFSIZE		2048

/* Which check a name failed. */
typedef enum DomainNameErrorKind
{
	DOMAIN_NAME_OK = 0,
	DOMAIN_NAME_EMPTY,			/* nothing but (at most) a root dot */
	DOMAIN_NAME_INPUT_TOO_LONG, /* more than DOMAIN_NAME_MAX_INPUT bytes */
	DOMAIN_NAME_INVALID_UTF8,
	DOMAIN_NAME_EMPTY_LABEL,
	DOMAIN_NAME_LABEL_TOO_LONG,
	DOMAIN_NAME_NAME_TOO_LONG,
	DOMAIN_NAME_LEADING_HYPHEN,
	DOMAIN_NAME_TRAILING_HYPHEN,
	DOMAIN_NAME_HYPHEN_3_4,
	DOMAIN_NAME_LEADING_COMBINING_MARK,
	DOMAIN_NAME_DISALLOWED,		/* UTS #46 (with STD3 rules) disallows it */
	DOMAIN_NAME_NOT_IDNA2008,	/* RFC 5892 derived property DISALLOWED */
	DOMAIN_NAME_UNASSIGNED,		/* RFC 5892 derived property UNASSIGNED */
	DOMAIN_NAME_PUNYCODE,
	DOMAIN_NAME_INVALID_ACE_LABEL,
	DOMAIN_NAME_LABEL_HAS_DOT,
	DOMAIN_NAME_BIDI,
	DOMAIN_NAME_CONTEXTJ,
	DOMAIN_NAME_CONTEXTO_PUNCTUATION,
	DOMAIN_NAME_CONTEXTO_DIGITS,
	DOMAIN_NAME_TOO_FEW_LABELS,
	DOMAIN_NAME_ICU_FAILURE,	/* ICU itself failed (out of memory, ...) */
	DOMAIN_NAME_OUTPUT_TOO_SMALL	/* caller's buffer < DOMAIN_NAME_BUFSIZE */
} DomainNameErrorKind;

/* A failure: its kind and, where known, the label and code point at fault. */
typedef struct DomainNameError
{
	DomainNameErrorKind kind;
	char		label[DOMAIN_NAME_MAX_INPUT + 1];	/* as given, UTF-8; "" if
													 * none */
	int32_t		code_point;		/* offending code point, -1 if none */
	int32_t		length;			/* octets measured by a length check */
	int32_t		icu_status;		/* UErrorCode of an ICU failure */
} DomainNameError;

/* RFC 5892 §3 derived property values. */
typedef enum Idna2008Property
{
	IDNA2008_PVALID,
	IDNA2008_CONTEXTJ,
	IDNA2008_CONTEXTO,
	IDNA2008_DISALLOWED,
	IDNA2008_UNASSIGNED
} Idna2008Property;

/* The registrable lower-case A-label form, without the trailing dot. */
extern int	domain_name_to_ascii(const char *in, size_t len,
								 char *out, size_t outcap,
								 DomainNameError *err);

/* The display (U-label) form of a name that domain_name_to_ascii accepts. */
extern int	domain_name_to_unicode(const char *in, size_t len,
								   char *out, size_t outcap,
								   DomainNameError *err);

/* The A-label of the last label of a name that domain_name_to_ascii accepts. */
extern int	domain_name_tld(const char *in, size_t len,
							char *out, size_t outcap,
							DomainNameError *err);

/* RFC 5892 §3 derived property of one code point, from ICU's properties. */
extern Idna2008Property idna2008_derived_property(int32_t cp);

/*
 * English sentence(s) saying which check failed, for an error's DETAIL.
 * With ascii_only, characters outside ASCII are written as U+XXXX so the
 * text survives any server encoding.  Returns the length written.
 */
extern size_t domain_name_error_detail(const DomainNameError *err,
									   bool ascii_only,
									   char *buf, size_t bufsize);

#endif							/* DOMAIN_NAME_CHECK_H */
