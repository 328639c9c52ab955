-- Issue 17 (SPEC §8, 0.3.0): privileges of the registry loop's new and
-- re-created functions and table, as install/75_registry.sql grants them,
-- and the comments of the re-created view.

REVOKE EXECUTE ON FUNCTION
	domxfer._read_registry_message(text),
	domxfer._registry_time_has_zone(text),
	domxfer._registry_time(text, text),
	domxfer._apply_transfer_notice(domxfer.registry_messages, timestamptz),
	domxfer.acknowledge_registry_discrepancy(text, bigint, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION domxfer.acknowledge_registry_discrepancy(text, bigint, text) TO domxfer_admin;
GRANT SELECT ON domxfer.registry_discrepancy_acks TO domxfer_reader;
GRANT SELECT (time_zone_assumed, note, epp_namespace) ON domxfer.registry_messages TO domxfer_reader;

COMMENT ON VIEW domxfer.registry_discrepancies IS 'SPEC §8: where domxfer and the registry disagree or a message could not be used, one row each: outcome_differs, left_while_reject_unsent, no_outcome_past_ac_date, command_unanswered_past_ac_date, invalid_message; without those an operator closed with acknowledge_registry_discrepancy (kept in registry_discrepancy_acks)';
COMMENT ON COLUMN domxfer.registry_discrepancies.kind IS 'text; outcome_differs (the registry''s outcome is not what a sent command asked for), left_while_reject_unsent (SPEC §8 0.3.0: the domain left while domxfer''s reject was still queued or claimed), no_outcome_past_ac_date (registry-managed transfer still pending after acDate), command_unanswered_past_ac_date (a command queued, claimed or failed after acDate while its transfer is open), invalid_message (a stored message answered invalid)';
COMMENT ON COLUMN domxfer.registry_discrepancies.transfer_id IS 'bigint; the transfer concerned, if any';
COMMENT ON COLUMN domxfer.registry_discrepancies.domain_name IS 'text; the domain (canonical A-label), if known';
COMMENT ON COLUMN domxfer.registry_discrepancies.command_id IS 'bigint; the registry command concerned (registry_commands.id), if any';
COMMENT ON COLUMN domxfer.registry_discrepancies.message_id IS 'bigint; the registry message concerned (registry_messages.id): the invalid one, or the last one of the transfer';
COMMENT ON COLUMN domxfer.registry_discrepancies.asked IS 'text; what domxfer asked the registry: approve or reject';
COMMENT ON COLUMN domxfer.registry_discrepancies.registry_outcome IS 'text; the transfer''s state after the registry''s outcome (completed, rejected, cancelled), or the trStatus of an invalid message';
COMMENT ON COLUMN domxfer.registry_discrepancies.ac_date IS 'timestamptz; the acDate concerned (RFC 5731): the transfer''s deadline or the command''s';
COMMENT ON COLUMN domxfer.registry_discrepancies.since IS 'timestamptz; since when the discrepancy exists: the outcome''s decided_at, the acDate, or when the message arrived';
COMMENT ON COLUMN domxfer.registry_discrepancies.detail IS 'text; the discrepancy in words (English), with reason codes and UTC instants';
COMMENT ON COLUMN domxfer.registry_discrepancies.discrepancy_id IS 'bigint; with kind, what acknowledge_registry_discrepancy(kind, id, note) takes: the command (outcome_differs, left_while_reject_unsent, command_unanswered_past_ac_date), the transfer (no_outcome_past_ac_date) or the message (invalid_message)';
