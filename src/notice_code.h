/*
 * notice_code.h
 *	  The auth code just issued in this transaction, held in memory only until
 *	  the notice writer encrypts it into the auth_code_issued notice.
 *
 * Floor: server C, the lowest: it uses no other pair; auth_code.c hands it
 * each new code.
 */
#ifndef NOTICE_CODE_H
#define NOTICE_CODE_H

#include <stddef.h>

/* The longest code kept; auth_code.c asserts that its codes fit. */
#define NOTICE_CODE_MAX_LENGTH	22

/* Remembers the code just generated (replacing any earlier one). */
extern void notice_code_remember(const char *code, size_t len);

#endif							/* NOTICE_CODE_H */
