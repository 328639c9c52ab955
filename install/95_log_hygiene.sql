-- Auth codes kept out of the server log (README, "Log hygiene").
--
-- PostgreSQL logs the statement of every failing call at the default
-- log_min_error_statement = error, and a client that writes the code as a
-- literal puts it in that statement. The functions that take a code (or a
-- registry message, which may carry one in <authInfo><pw>) run with
-- log_min_error_statement = panic: an error raised while they run (any
-- SQLSTATE: a wrong code, an unknown domain, a bad registrar, a lock or
-- statement timeout, a cancel) is logged with its message, DETAIL and
-- CONTEXT (which name the function and line, never argument values) but
-- without the statement. The setting is superuser-only (PGC_SUSET); a
-- SECURITY DEFINER function owned by the superuser that created the
-- extension may set it for any caller, and an internal function owned by
-- that superuser sets it when called from such a function. Kept as
-- ALTER FUNCTION in a fragment of its own, after every fragment that
-- (re)creates these functions, so that no CREATE OR REPLACE drops it.

ALTER FUNCTION domxfer.receive_transfer_request(text, text, text)
	SET log_min_error_statement = panic;
ALTER FUNCTION domxfer._check_auth_code(bigint, bytea, text, timestamptz)
	SET log_min_error_statement = panic;
ALTER FUNCTION domxfer._check_auth_code_in_side_transaction(bigint, bytea, text, timestamptz)
	SET log_min_error_statement = panic;
-- a registry message may carry <authInfo><pw> (its errors: 22004, 54000)
ALTER FUNCTION domxfer.apply_registry_message(text)
	SET log_min_error_statement = panic;
