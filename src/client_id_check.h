/*
 * client_id_check.h
 *	  EPP client identifiers (RFC 5730 clIDType): the one strict check of
 *	  registrar identifiers from outside. Pure C: no PostgreSQL headers, no
 *	  allocation, no error reporting, so it can be fuzzed alone.
 *
 * Floor: plain C, the lowest (no PostgreSQL header; fuzzed outside the
 * server); used by client_id.c.
 *
 * clIDType is an XML Schema token of 3 to 16 characters. domxfer reads the
 * token rule strictly, because identifiers are compared exactly ("is this
 * us?"): the only white space allowed is a single U+0020 between other
 * characters; no control characters (C0, DEL, C1: this covers the tab, CR
 * and LF an XML token excludes), no other white space (U+00A0, U+3000, ...),
 * no invisible default-ignorable characters (zero-width, bidi controls,
 * U+FEFF) and no noncharacters. Input is UTF-8.
 */
#ifndef CLIENT_ID_CHECK_H
#define CLIENT_ID_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLIENT_ID_MIN_CHARS		3
#define CLIENT_ID_MAX_CHARS		16

/* Which check failed; CLIENT_ID_OK when none. */
typedef enum ClientIdError
{
	CLIENT_ID_OK = 0,
	CLIENT_ID_BAD_UTF8,			/* not valid UTF-8 */
	CLIENT_ID_CONTROL,			/* a control character (Cc) */
	CLIENT_ID_OTHER_SPACE,		/* white space other than U+0020 */
	CLIENT_ID_INVISIBLE,		/* a default-ignorable (invisible) character */
	CLIENT_ID_NONCHARACTER,		/* a Unicode noncharacter */
	CLIENT_ID_LEADING_SPACE,	/* starts with a space */
	CLIENT_ID_REPEATED_SPACE,	/* two spaces in a row */
	CLIENT_ID_TRAILING_SPACE,	/* ends with a space */
	CLIENT_ID_TOO_SHORT,		/* fewer than CLIENT_ID_MIN_CHARS characters */
	CLIENT_ID_TOO_LONG			/* more than CLIENT_ID_MAX_CHARS characters */
} ClientIdError;

/* The outcome of a check, with where it failed. */
typedef struct ClientIdCheck
{
	ClientIdError error;
	size_t		chars;			/* characters read (all of them when the
								 * error is OK, TOO_SHORT or TOO_LONG) */
	size_t		position;		/* 1-based character position of the
								 * offending character, 0 if none */
	uint32_t	code_point;		/* the offending character, if any */
} ClientIdCheck;

/* Checks the len octets at s (not NUL-terminated; a NUL is a control character). */
extern ClientIdCheck client_id_check(const char *s, size_t len);

/* English text of the failed check, e.g. "ends with white space". */
extern const char *client_id_error_text(ClientIdError error);

/* Decodes one UTF-8 character at s; returns its length (0 if invalid). */
extern size_t client_id_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

#endif							/* CLIENT_ID_CHECK_H */
