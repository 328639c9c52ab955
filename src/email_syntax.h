/*
 * email_syntax.h
 *	  Syntax check of an e-mail address (rule R8). Pure C: no PostgreSQL
 *	  headers, no allocation, no error reporting, so it can be fuzzed alone.
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

#endif							/* EMAIL_SYNTAX_H */
