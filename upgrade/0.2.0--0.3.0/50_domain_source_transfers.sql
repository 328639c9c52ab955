-- The registrar's own domains table (SPEC §10): a transfer's domain may live
-- in the registrar's table, so transfers no longer reference domxfer.domains.
ALTER TABLE domxfer.transfers DROP CONSTRAINT IF EXISTS transfers_domain_name_fkey;

-- The link check is not queued while a source is attached (the trigger's
-- WHEN gains a condition; install/50_transfers.sql has the reason).
DROP TRIGGER transfers_open_transfer_link ON domxfer.transfers;
CREATE CONSTRAINT TRIGGER transfers_open_transfer_link
	AFTER INSERT OR UPDATE OF state, domain_name ON domxfer.transfers
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW
	WHEN (NOT domxfer._batch_checks_links() AND NOT domxfer._source_attached())
	EXECUTE FUNCTION domxfer._check_open_transfer_link();
