/*
 * notice_code.c
 *	  A transaction-local stash of the auth code issued last, for the notice
 *	  writer (SPEC §9: the code may travel to the mailer encrypted to its
 *	  OpenPGP key).
 *
 * Floor: server C, the lowest: it uses no other pair; auth_code.c hands it
 * each new code.
 *
 * The lifecycle functions never store a code; they hand it to their caller.
 * So that the notice writer (a trigger on transfer_events, install/73_notices.sql)
 * can encrypt it without any lifecycle function passing it on,
 * domxfer._auth_code_new() leaves a copy here. domxfer._take_issued_auth_code()
 * returns it once and wipes it; the end of the transaction or of the
 * subtransaction that made it wipes it too. It is never written anywhere.
 * For a registry-managed TLD the trigger that queues the set_auth_info
 * command (install/77_registry_auth_info.sql) reads it first with
 * domxfer._peek_issued_auth_code(), which leaves it for the notice writer.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "notice_code.h"

static char stash[NOTICE_CODE_MAX_LENGTH + 1];
static size_t stash_len = 0;
static SubTransactionId stash_subxact = InvalidSubTransactionId;
static bool callbacks_registered = false;

static inline void
stash_wipe(void)
{
	explicit_bzero(stash, sizeof(stash));
	stash_len = 0;
	stash_subxact = InvalidSubTransactionId;
}

/* Any end of the top transaction wipes the code. */
static void
notice_code_xact_callback(XactEvent event, void *arg)
{
	if (stash_len > 0)
		stash_wipe();
}

/* The abort of the subtransaction that issued it wipes it too. */
static void
notice_code_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
							 SubTransactionId parentSubid, void *arg)
{
	if (stash_len == 0)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB && mySubid == stash_subxact)
		stash_wipe();
	else if (event == SUBXACT_EVENT_COMMIT_SUB && mySubid == stash_subxact)
		stash_subxact = parentSubid;
}

void
notice_code_remember(const char *code, size_t len)
{
	if (!callbacks_registered)
	{
		RegisterXactCallback(notice_code_xact_callback, NULL);
		RegisterSubXactCallback(notice_code_subxact_callback, NULL);
		callbacks_registered = true;
	}
	if (len > NOTICE_CODE_MAX_LENGTH)
		len = NOTICE_CODE_MAX_LENGTH;
	stash_wipe();
	memcpy(stash, code, len);
	stash_len = len;
	stash_subxact = GetCurrentSubTransactionId();
}

PG_FUNCTION_INFO_V1(domxfer_take_issued_auth_code);
/* domxfer._take_issued_auth_code() → text: the code issued last in this transaction, once; NULL if none. */
Datum
domxfer_take_issued_auth_code(PG_FUNCTION_ARGS)
{
	text	   *result;

	if (stash_len == 0)
		PG_RETURN_NULL();
	result = cstring_to_text_with_len(stash, stash_len);
	stash_wipe();
	PG_RETURN_TEXT_P(result);
}

PG_FUNCTION_INFO_V1(domxfer_peek_issued_auth_code);
/* domxfer._peek_issued_auth_code() → text: the code issued last, not wiped, so the registry's set_auth_info can encrypt it before the notice writer takes it. */
Datum
domxfer_peek_issued_auth_code(PG_FUNCTION_ARGS)
{
	if (stash_len == 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(stash, stash_len));
}
