/*
 * notice_code.h
 *	  The auth code just issued in this transaction, held in memory only until
 *	  the notice writer encrypts it into the auth_code_issued notice.
 */
#ifndef NOTICE_CODE_H
#define NOTICE_CODE_H

#include <stddef.h>

/* Remembers the code just generated (replacing any earlier one). */
extern void notice_code_remember(const char *code, size_t len);

#endif							/* NOTICE_CODE_H */
