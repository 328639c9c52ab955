-- Issue 17 (SPEC §8, 0.3.0): privileges of the registry loop's new and
-- re-created functions and table, as install/75_registry.sql grants them
-- (76_registry_loop.replace brings the functions' and the view's comments).

REVOKE EXECUTE ON FUNCTION
	domxfer._read_registry_message(text),
	domxfer._registry_time_has_zone(text),
	domxfer._registry_time(text, text),
	domxfer._apply_transfer_notice(domxfer.registry_messages, timestamptz),
	domxfer._registry_command_xml(domxfer.registry_commands),
	domxfer.acknowledge_registry_discrepancy(text, bigint, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION domxfer.acknowledge_registry_discrepancy(text, bigint, text) TO domxfer_admin;
GRANT SELECT ON domxfer.registry_discrepancy_acks TO domxfer_reader;
GRANT SELECT (time_zone_assumed, note, epp_namespace) ON domxfer.registry_messages TO domxfer_reader;
