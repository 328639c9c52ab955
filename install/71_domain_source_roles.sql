-- The registrar's own domains table (SPEC §10; install/45_domain_source.sql).
-- _source_exec writes the attached source as the role that attached it and
-- _domain_row reads it so: only the lifecycle (and readers, for reading)
-- may call them.
REVOKE EXECUTE ON FUNCTION
	domxfer._domain_row(text),
	domxfer._domain_row_for_update(text),
	domxfer._domain_locked(text),
	domxfer._source_exec(text, text, text, timestamptz, boolean),
	domxfer._source_guard(),
	domxfer._source_truncate_guard(),
	domxfer._source_drop_guards(pg_catalog.regclass),
	domxfer._domain_source_changed(),
	domxfer._drop_guard(),
	domxfer._map_expression(pg_catalog.regclass, text, text),
	domxfer._map_value(pg_catalog.regclass, text, text, text, text),
	domxfer._domain_source_prepare(),
	domxfer._domain_source_generate(),
	domxfer._domain_source_member(text),
	domxfer._domain_source_drop_generated(text),
	domxfer._attach_domains(pg_catalog.regclass, jsonb, text),
	domxfer.attach_domains(pg_catalog.regclass, jsonb),
	domxfer.detach_domains(),
	domxfer._domain_transfer_opened(text, bigint),
	domxfer._domain_transfer_pending(text, bigint),
	domxfer._domain_transfer_ended(text, bigint, boolean, text, timestamptz),
	domxfer._domains_keep_transfers()
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION domxfer._domain_row(text) TO domxfer_reader;
GRANT SELECT ON domxfer.domain_source, domxfer.domain_rows, domxfer.attached_domains TO domxfer_reader;
GRANT EXECUTE ON FUNCTION
	domxfer._attach_domains(pg_catalog.regclass, jsonb, text),
	domxfer.attach_domains(pg_catalog.regclass, jsonb),
	domxfer.detach_domains()
	TO domxfer_admin;
