-- Restores (issue 18, fault 1): pg_restore -j loads the data of domxfer's
-- tables concurrently (pg_dump orders them by foreign key for a serial
-- restore only), so a transfer may arrive before its domain and an event
-- before its transfer. A dump is one consistent snapshot: its COPY into
-- these tables loads as pg_restore --disable-triggers would (foreign keys
-- and domxfer's cross-table checks off for that COPY; see
-- src/restore_guard.c). tld_policy and rule_sets keep their triggers (a
-- restored shipped row replaces the installed one through them); the one
-- check of tld_policy that reads another table waits for the restore.

CREATE TRIGGER domains_restore_copy BEFORE INSERT ON domxfer.domains
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._restore_copy();
CREATE TRIGGER transfers_restore_copy BEFORE INSERT ON domxfer.transfers
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._restore_copy();
CREATE TRIGGER transfer_events_restore_copy BEFORE INSERT ON domxfer.transfer_events
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._restore_copy();
CREATE TRIGGER notices_restore_copy BEFORE INSERT ON domxfer.notices
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._restore_copy();
CREATE TRIGGER registry_messages_restore_copy BEFORE INSERT ON domxfer.registry_messages
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._restore_copy();
CREATE TRIGGER registry_commands_restore_copy BEFORE INSERT ON domxfer.registry_commands
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._restore_copy();

-- a policy row restored before the rows of its own rule set (pg_restore -j)
CREATE OR REPLACE TRIGGER tld_policy_rule_set_exists AFTER INSERT OR UPDATE OF rule_set ON domxfer.tld_policy
	FOR EACH ROW
	WHEN (NOT domxfer._in_restore_copy())
	EXECUTE FUNCTION domxfer._tld_policy_rule_set_exists();
