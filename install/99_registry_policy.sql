-- SPEC §8 (0.3.0), per TLD: the time zone in which a registry's dates
-- without a zone are read, and the registry's own namespaces for commands. XML Schema's dateTime allows a date-time without a zone and some
-- registries send one; apply_registry_message reads it in the TLD's
-- registry_time_zone and the message row and the transfer's event say that
-- the zone was assumed. (After 93_guards.sql, which adds the 0.2.0 column
-- test_auto_approve_minutes: an upgraded table gets this column last too.)

ALTER TABLE domxfer.tld_policy
	ADD COLUMN registry_time_zone text NOT NULL DEFAULT 'UTC'
		CONSTRAINT tld_policy_registry_time_zone_valid
		CHECK (domxfer._is_time_zone(registry_time_zone));

-- The namespaces commands are written in, when the registry uses its own
-- (NASK's http://www.dns.pl/nask-epp-schema/epp-2.1 and .../domain-2.1,
-- the pre-RFC urn:iana:xml:ns:epp-1.0 family): NULL learns them from the
-- registry's messages for the transfer (IETF's when there are none).
ALTER TABLE domxfer.tld_policy
	ADD COLUMN registry_epp_namespace text
		CONSTRAINT tld_policy_registry_epp_namespace_form
		CHECK (registry_epp_namespace OPERATOR(pg_catalog.~) '^[A-Za-z][A-Za-z0-9+.-]*:[^[:space:][:cntrl:]"<>&]{1,250}$'),
	ADD COLUMN registry_domain_namespace text
		CONSTRAINT tld_policy_registry_domain_namespace_form
		CHECK (registry_domain_namespace OPERATOR(pg_catalog.~) '^[A-Za-z][A-Za-z0-9+.-]*:[^[:space:][:cntrl:]"<>&]{1,250}$');

COMMENT ON COLUMN domxfer.tld_policy.registry_epp_namespace IS 'text, an absolute URI (scheme:..., no white space, at most 250 characters after the scheme); SPEC §8 (0.3.0): the namespace of the root <epp> of commands to this TLD''s registry when it uses its own EPP schema (e.g. http://www.dns.pl/nask-epp-schema/epp-2.1); NULL (default): the one of the registry''s latest message for the transfer, else urn:ietf:params:xml:ns:epp-1.0';
COMMENT ON COLUMN domxfer.tld_policy.registry_domain_namespace IS 'text, an absolute URI as registry_epp_namespace; SPEC §8 (0.3.0): the domain namespace of commands to this TLD''s registry (e.g. http://www.dns.pl/nask-epp-schema/domain-2.1); NULL (default): the one of the registry''s latest notice for the transfer, else urn:ietf:params:xml:ns:domain-1.0';

COMMENT ON COLUMN domxfer.tld_policy.registry_time_zone IS 'text, a zone name as SET TIME ZONE accepts it (default UTC); SPEC §8 (0.3.0): the zone in which apply_registry_message reads the registry''s dates that have none (XML Schema dateTime without Z or an offset); registry_messages.time_zone_assumed and the transfer''s event name it';

-- A shipped row restored from a dump brings these columns back too (as
-- _tld_policy_registry_columns does for the registry's other columns).
CREATE FUNCTION domxfer._tld_policy_registry_policy() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NEW.shipped THEN
		UPDATE domxfer.tld_policy AS p
		   SET registry_time_zone = NEW.registry_time_zone,
			   registry_epp_namespace = NEW.registry_epp_namespace,
			   registry_domain_namespace = NEW.registry_domain_namespace
		 WHERE p.tld OPERATOR(pg_catalog.=) NEW.tld AND p.shipped
		   AND (p.registry_time_zone, p.registry_epp_namespace, p.registry_domain_namespace)
			   IS DISTINCT FROM (NEW.registry_time_zone, NEW.registry_epp_namespace, NEW.registry_domain_namespace);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_registry_policy() IS
	'Trigger of tld_policy: an inserted row with shipped = true also sets registry_time_zone, registry_epp_namespace and registry_domain_namespace of the shipped row it replaces (restoring a dump)';

CREATE TRIGGER tld_policy_00_registry_policy
	BEFORE INSERT ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_registry_policy();

REVOKE EXECUTE ON FUNCTION domxfer._tld_policy_registry_policy() FROM PUBLIC;
