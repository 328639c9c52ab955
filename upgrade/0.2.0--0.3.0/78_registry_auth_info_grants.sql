-- Issue 17 (SPEC §8 0.3.0): claim_registry_commands was dropped and
-- re-created (its result gained auth_info): its privileges as
-- install/75_registry.sql grants them.

REVOKE EXECUTE ON FUNCTION domxfer.claim_registry_commands(integer, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION domxfer.claim_registry_commands(integer, interval) TO domxfer_app;
