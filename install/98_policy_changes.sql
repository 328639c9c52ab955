-- A change to tld_policy or rule_sets is seen by every session and the
-- worker however it is made (issue 18, fault 5; SPEC §5 0.3.0). The policy
-- cache (src/tld_policy.c) is marked stale by a relcache invalidation that
-- these triggers queue. Enabled ALWAYS, they also fire with
-- session_replication_role = replica, which is how logical replication's
-- apply worker writes; it fires row triggers only, hence the row triggers.
-- A restore with --disable-triggers disables and re-enables the triggers,
-- and ALTER TABLE invalidates the relation by itself.
ALTER TABLE domxfer.tld_policy ENABLE ALWAYS TRIGGER tld_policy_changed;
ALTER TABLE domxfer.rule_sets ENABLE ALWAYS TRIGGER rule_sets_changed;

CREATE TRIGGER tld_policy_changed_row
	AFTER INSERT OR UPDATE OR DELETE ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_changed();
ALTER TABLE domxfer.tld_policy ENABLE ALWAYS TRIGGER tld_policy_changed_row;

CREATE TRIGGER rule_sets_changed_row
	AFTER INSERT OR UPDATE OR DELETE ON domxfer.rule_sets
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_changed();
ALTER TABLE domxfer.rule_sets ENABLE ALWAYS TRIGGER rule_sets_changed_row;

COMMENT ON FUNCTION domxfer._tld_policy_changed() IS
	'Trigger of tld_policy and rule_sets (statement and row, enabled ALWAYS: also with session_replication_role = replica and in logical replication''s apply worker): tells every session''s policy cache and the worker that the table changed';
