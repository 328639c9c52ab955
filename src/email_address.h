/*
 * email_address.h
 *	  The one strict check of the holder's e-mail address (rule R8).
 *
 * Floor: server C above email_syntax.h and domain_name_check.h; used by
 * transfer_rules.c.
 */
#ifndef EMAIL_ADDRESS_H
#define EMAIL_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when the len octets at s are a usable holder address: the syntax of
 * email_syntax.h, clean text (no white space, no-break or zero-width space,
 * control character anywhere) and a domain part that normalize_domain would
 * accept, written as U-labels or A-labels (RFC 6531).
 */
extern bool email_address_usable(const char *s, size_t len);

#endif							/* EMAIL_ADDRESS_H */
