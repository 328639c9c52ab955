/*
 * reason_codes.h
 *	  The reason codes of the transfer-out rules (SPEC §1) and of the
 *	  warnings, as bit numbers and as text.
 *
 * Floor: the lowest; plain C (no PostgreSQL header), used by the policy
 * cache (tld_policy.c, to fold a rule set into masks) and by the rule
 * functions (transfer_rules.c).
 *
 * Bit order is the rules table's order, which is also the order of the
 * reason codes transfer_out_blockers() returns.
 */
#ifndef REASON_CODES_H
#define REASON_CODES_H

#define TR_NOT_SPONSORED				(1 << 0)	/* R1 */
#define TR_TOO_SOON_AFTER_REGISTRATION	(1 << 1)	/* R2 */
#define TR_TOO_CLOSE_TO_EXPIRY			(1 << 2)	/* R3 */
#define TR_TOO_SOON_AFTER_TRANSFER		(1 << 3)	/* R4 */
#define TR_TRANSFER_PROHIBITED			(1 << 4)	/* R5a */
#define TR_TRANSFER_PENDING				(1 << 5)	/* R5b */
#define TR_DELETION_PENDING				(1 << 6)	/* R5c */
#define TR_UNPAID						(1 << 7)	/* R5d */
#define TR_LEGAL_PROCEEDINGS			(1 << 8)	/* R5e */
#define TR_HOLDER_DISPUTED				(1 << 9)	/* R5f */
#define TR_TOO_SOON_AFTER_LATE_RENEWAL	(1 << 10)	/* R6 */
#define TR_CONTACTS_INCOMPLETE			(1 << 11)	/* R7 */
#define TR_REGISTRANT_EMAIL_INVALID		(1 << 12)	/* R8 */
#define TR_MANUAL_PROCESS_REQUIRED		(1 << 13)	/* R9 */
/* added in 0.2.0, after R9, so the bits above keep their meaning */
#define TR_TOO_SOON_AFTER_REGISTRANT_CHANGE	(1 << 14)	/* R10 */
#define TR_OPERATION_PENDING			(1 << 15)	/* R11 */
/* added in 0.3.0: a registrar's status column the type cannot read (§10) */
#define TR_STATUS_UNREADABLE			(1 << 16)
#define TR_NRULES						17
#define TR_ALL							((1 << TR_NRULES) - 1)
/* the rules of 0.1.0 (R1-R9), which its C functions still evaluate */
#define TR_RULES_0_1					((1 << 14) - 1)

/* Warnings, reported separately and never blocking. */
#define TW_USES_REGISTRAR_DNS			(1 << 0)
#define TW_EXPIRES_WITHIN_DAYS			(1 << 1)
#define TW_NWARNINGS					2

/* Reason codes, indexed by bit number. */
extern const char *const transfer_rule_codes[TR_NRULES];
extern const char *const transfer_warning_codes[TW_NWARNINGS];

/* The bit number of a rule's reason code, or -1 when it is not one. */
extern int	transfer_rule_bit(const char *code);

#endif							/* REASON_CODES_H */
