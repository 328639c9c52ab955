-- The registrar's own domains table (SPEC §10): a transfer's domain may live
-- in the registrar's table, so transfers no longer reference domxfer.domains.
ALTER TABLE domxfer.transfers DROP CONSTRAINT IF EXISTS transfers_domain_name_fkey;
