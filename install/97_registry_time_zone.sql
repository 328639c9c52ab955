-- SPEC §8 (0.3.0): the time zone in which a registry's dates without a zone
-- are read. XML Schema's dateTime allows a date-time without a zone and some
-- registries send one; apply_registry_message reads it in the TLD's
-- registry_time_zone and the message row and the transfer's event say that
-- the zone was assumed. (After 93_guards.sql, which adds the 0.2.0 column
-- test_auto_approve_minutes: an upgraded table gets this column last too.)

ALTER TABLE domxfer.tld_policy
	ADD COLUMN registry_time_zone text NOT NULL DEFAULT 'UTC'
		CONSTRAINT tld_policy_registry_time_zone_valid
		CHECK (domxfer._is_time_zone(registry_time_zone));

COMMENT ON COLUMN domxfer.tld_policy.registry_time_zone IS 'text, a zone name as SET TIME ZONE accepts it (default UTC); SPEC §8 (0.3.0): the zone in which apply_registry_message reads the registry''s dates that have none (XML Schema dateTime without Z or an offset); registry_messages.time_zone_assumed and the transfer''s event name it';

-- A shipped row restored from a dump brings this column back too (as
-- _tld_policy_registry_columns does for the registry's other columns).
CREATE FUNCTION domxfer._tld_policy_registry_time_zone() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NEW.shipped THEN
		UPDATE domxfer.tld_policy AS p
		   SET registry_time_zone = NEW.registry_time_zone
		 WHERE p.tld OPERATOR(pg_catalog.=) NEW.tld AND p.shipped
		   AND p.registry_time_zone OPERATOR(pg_catalog.<>) NEW.registry_time_zone;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_registry_time_zone() IS
	'Trigger of tld_policy: an inserted row with shipped = true also sets registry_time_zone of the shipped row it replaces (restoring a dump)';

CREATE TRIGGER tld_policy_00_registry_time_zone
	BEFORE INSERT ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_registry_time_zone();

REVOKE EXECUTE ON FUNCTION domxfer._tld_policy_registry_time_zone() FROM PUBLIC;
