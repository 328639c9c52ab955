-- The one-domain reader of install/86_deadline_readers.sql (created by
-- 60_domain_source.replace): the privileges a fresh install gives it there.
REVOKE EXECUTE ON FUNCTION domxfer._domain_as_decided(domxfer.domains, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION domxfer._domain_as_decided(domxfer.domains, timestamptz) TO domxfer_reader;
