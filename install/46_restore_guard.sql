-- Restores (issue 18, faults 1 and 2): a dump's data loads into domxfer's
-- tables in any order (pg_restore -j), and nothing is decided while it
-- loads. The triggers that use these functions are in 96_restore_guard.sql.

CREATE FUNCTION domxfer._restore_copy()
RETURNS trigger
AS 'MODULE_PATHNAME', 'domxfer_restore_copy'
LANGUAGE C;

COMMENT ON FUNCTION domxfer._restore_copy() IS 'Trigger (BEFORE INSERT FOR EACH STATEMENT): a COPY ... FROM into this table sent by a superuser session as a statement of its own (a dump''s data, from pg_restore or psql) loads with session_replication_role = replica until the end of its transaction, as pg_restore --disable-triggers would load it, so pg_restore -j can load the tables in any order; the backend is noted so that nothing is decided in the database until it disconnects';

CREATE FUNCTION domxfer._in_restore_copy()
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_in_restore_copy'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._in_restore_copy() IS 'Internal: boolean, true while the client''s statement is a COPY ... FROM into a table of schema domxfer sent by a superuser session (a dump being restored); the WHEN clause of cross-table checks of tables that must keep their other triggers during a restore (tld_policy, whose rule set may arrive later)';

CREATE FUNCTION domxfer._restore_in_progress()
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_restore_in_progress'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._restore_in_progress() IS 'Internal: boolean, true while a session that loaded a dump''s rows into domxfer''s tables (pg_restore, psql -f) is still connected to this database; the background worker and process_due_transfers decide nothing then (the dump''s events and sequence values may still be on the way). Known only where domxfer is in shared_preload_libraries; false otherwise';
