/*
 * epp_notice.h
 *	  Pure C reading of EPP transfer notices (RFC 5730 §2.9.2.3 poll and
 *	  responses, RFC 5731 §3.2.4 <trnData>) with libxml2.
 *
 * Floor: plain C with libxml2, the lowest (no PostgreSQL header; fuzzed
 * outside the server); used by registry_message.c.
 *
 * No PostgreSQL headers, no palloc, no error reporting: bytes go in, an
 * EppNotice with the fields (malloc'd, freed by epp_notice_free) or the kind
 * of failure comes out, so the reader can be fuzzed outside the server.
 *
 * Safety: the document is parsed with XML_PARSE_NONET and without
 * XML_PARSE_NOENT, XML_PARSE_DTDLOAD and XML_PARSE_DTDATTR, and the parser
 * is stopped as soon as it meets a <!DOCTYPE>: no DTD, internal or external,
 * is read, no entity is declared, expanded or loaded.
 */
#ifndef EPP_NOTICE_H
#define EPP_NOTICE_H

#include <stdbool.h>
#include <stddef.h>

/* What a message is. */
typedef enum EppNoticeKind
{
	EPP_NOTICE_TRANSFER = 0,	/* a domain <trnData> in <resData>: fields set */
	EPP_NOTICE_OTHER,			/* a well-formed EPP message that is not one */
	EPP_NOTICE_MALFORMED,		/* not well-formed, a DOCTYPE, not UTF-8 */
	EPP_NOTICE_NOT_EPP,			/* well-formed, but the root is not <epp> */
	EPP_NOTICE_UNUSABLE			/* a domain <trnData> that cannot be used */
} EppNoticeKind;

/* The six RFC 5731 transfer statuses, in the RFC's order. */
#define EPP_TR_STATUS_COUNT 6
extern const char *const epp_tr_status_names[EPP_TR_STATUS_COUNT];

typedef struct EppNotice
{
	EppNoticeKind kind;
	char		error[256];		/* why, for MALFORMED, NOT_EPP, UNUSABLE */
	int			result_code;	/* <result code>, -1 if absent */
	char	   *msgq_id;		/* <msgQ id>, NULL if absent */
	char	   *ns_uri;			/* the namespace of the <trnData> */
	char	   *epp_ns_uri;		/* the namespace of the root <epp> */
	/* the <trnData> children, white space trimmed; NULL if absent */
	char	   *name;
	char	   *tr_status;
	char	   *re_id;
	char	   *re_date;		/* RFC 3339, checked, 't'/'z' upper-cased */
	char	   *ac_id;
	char	   *ac_date;
	char	   *ex_date;
	bool		re_id_valid;	/* reID is an EPP clIDType token */
	/* Canonical XML (C14N 1.0, no comments, blank text nodes dropped) of
	 * the document after <authInfo> removal: the content compared for
	 * idempotency.  NULL for MALFORMED and NOT_EPP. */
	char	   *canonical;
	size_t		canonical_len;
	/* The document without the content of its <authInfo>, <pw> and <newPW>
	 * elements (secrets), set only when it had any (authinfo_removed > 0). */
	char	   *stripped;
	size_t		stripped_len;
	int			authinfo_removed;
} EppNotice;

/* Reads one message; always fills *out (free it with epp_notice_free). */
extern void epp_notice_parse(const char *buf, size_t len, EppNotice *out);
extern void epp_notice_free(EppNotice *notice);

/* RFC 3339 date-time with a zone (Z or ±hh:mm), optional fraction. */
extern bool epp_time_is_rfc3339(const char *s);

/* The same, or an XML Schema dateTime without a zone (*has_zone false). */
extern bool epp_time_is_readable(const char *s, bool *has_zone);

/* RFC 5730 clIDType: a token of 3 to 16 characters. */
extern bool epp_clid_is_valid(const char *s);

/* The index of an RFC 5731 trStatus value (exact spelling), -1 if none. */
extern int	epp_tr_status_index(const char *s);

#endif							/* EPP_NOTICE_H */
