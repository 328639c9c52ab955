/*
 * reason_codes.c
 *	  The reason codes of the rules and warnings as text, and the lookup of
 *	  a rule's bit by its code.
 *
 * Floor: the lowest; plain C (string.h only), see reason_codes.h.
 */
#include <string.h>

#include "reason_codes.h"

/* Reason codes in the rules table's order (bit i is code i). */
const char *const transfer_rule_codes[TR_NRULES] = {
	"not_sponsored",
	"too_soon_after_registration",
	"too_close_to_expiry",
	"too_soon_after_transfer",
	"transfer_prohibited",
	"transfer_pending",
	"deletion_pending",
	"unpaid",
	"legal_proceedings",
	"holder_disputed",
	"too_soon_after_late_renewal",
	"contacts_incomplete",
	"registrant_email_invalid",
	"manual_process_required",
	"too_soon_after_registrant_change",
	"operation_pending",
	"status_unreadable",
};

const char *const transfer_warning_codes[TW_NWARNINGS] = {
	"uses_registrar_dns",
	"expires_within_30_days",
};

/* The bit number of a rule's reason code, or -1 (see reason_codes.h). */
int
transfer_rule_bit(const char *code)
{
	int			i;

	for (i = 0; i < TR_NRULES; i++)
		if (strcmp(code, transfer_rule_codes[i]) == 0)
			return i;
	return -1;
}
