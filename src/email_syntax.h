/*
 * email_syntax.h
 *	  Syntax check of an e-mail address (rule R8). Pure C: no PostgreSQL
 *	  headers, no allocation, no error reporting, so it can be fuzzed alone.
 *
 * Floor: plain C, the lowest (no PostgreSQL header; fuzzed outside the
 * server); used by email_address.c.
 */
#ifndef EMAIL_SYNTAX_H
#define EMAIL_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>

/* Longest address (RFC 5321 path limit minus the angle brackets), octets. */
#define EMAIL_MAX_LENGTH		254
/* Longest local part (RFC 5321 §4.5.3.1.1), octets. */
#define EMAIL_MAX_LOCAL_LENGTH	64
/* Longest domain label, octets. */
#define EMAIL_MAX_LABEL_LENGTH	63

/*
 * True when the len octets at s (not NUL-terminated) form an address
 * local@domain whose local part is a dot-atom (RFC 5322, with the UTF-8 of
 * RFC 6532 allowed) and whose domain has at least two labels of letters,
 * digits and inner hyphens, or non-ASCII (IDN) octets, and a TLD that is not
 * all digits. Quoted local parts, comments and address literals are refused:
 * mailers and registries do not accept them for a holder contact.
 */
extern bool email_address_syntax_ok(const char *s, size_t len);

/*
 * True when the len octets at s are valid UTF-8 and contain no code point
 * that cannot be part of an address typed or pasted by a person: C0 and C1
 * controls, DEL, Unicode White_Space (U+0085, U+00A0, U+1680, U+2000-U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000), the zero-width characters
 * U+200B-U+200D, U+2060 and U+FEFF, and the surrogates and noncharacters.
 * (A no-break space pasted after an address is the typical case.)
 */
extern bool email_address_text_clean(const char *s, size_t len);

#endif							/* EMAIL_SYNTAX_H */
