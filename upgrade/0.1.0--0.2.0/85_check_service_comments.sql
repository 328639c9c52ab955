-- The resident auth-code check service (issue 12): the new comments of the
-- side-transaction functions of install/50_transfers.sql (the service's own
-- objects come from 85_check_service.sql, a link to the install fragment).

COMMENT ON FUNCTION domxfer._check_auth_code_in_side_transaction(bigint, bytea, text, timestamptz) IS 'Internal: compares a presented auth code in a separate committed transaction that counts a wrong one (domxfer._check_auth_code, run by the resident check service, see domxfer.auth_check_service, else by a short-lived background worker), so the count survives the caller''s 28P01 error; 0 if right, the new failed-attempt count if wrong, NULL if the code identified by salt is no longer current. Raises without any comparison on a standby (25006), when the service cannot take it and no worker slot frees up within 1 s (53000) or the transfer cannot be locked within 1 s (55P03)';
COMMENT ON FUNCTION domxfer._decide_in_side_transaction(bigint, timestamptz) IS 'Internal: decides an overdue transfer in a separate committed transaction (the resident check service, else a short-lived background worker); false if that could not run (always on a standby)';
