-- Fixtures of the bad-input catalogue (test/bad_input/catalogue.sql): domains
-- and transfers in every state, committed (the auth-code check and the
-- deadline decisions run in side transactions that only see committed rows).
-- The ids go to bad_input.fixture, for the {placeholders} of the catalogue.
-- Run by test/t/230_bad_input.pl on a server with
-- domxfer.registrar_id = 'tap-registrar'.
\set ON_ERROR_STOP 1
SET search_path = pg_catalog, pg_temp;

CREATE SCHEMA bad_input;
CREATE TABLE bad_input.fixture (name text PRIMARY KEY, id bigint NOT NULL);
-- a role with no privilege on anything of domxfer
CREATE ROLE bad_input_nobody NOLOGIN;

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n, 'tap-registrar', now() - interval '400 days', now() + interval '400 days', 'holder@example.org'
  FROM unnest(ARRAY['bi-free.example', 'bi-issued.example', 'bi-pending.example', 'bi-completed.example',
					'bi-cancelled.example', 'bi-rejected.example', 'bi-expired.example',
					'bi-manual.hk', 'bi-manual-docs.hk', 'bi-free.hk', 'xn--fiq228c.xn--j6w193g']) AS n;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('bi-renewing.example', 'tap-registrar', now() - interval '400 days', now() + interval '400 days', 'holder@example.org'),
	   ('bi-young.example', 'tap-registrar', now() - interval '10 days', now() + interval '355 days', 'holder@example.org'),
	   ('bi-other.example', 'other-registrar', now() - interval '400 days', now() + interval '400 days', 'holder@example.org');

-- final states decided as of a future instant (deciding all that is due by
-- then); each call a statement of its own, as an application makes them
SELECT auth_code AS code FROM domxfer.request_transfer_out('bi-rejected.example') \gset
SELECT domxfer.receive_transfer_request('bi-rejected.example', :'code', 'gaining-reg') IS NOT NULL AS received;
SELECT auth_code AS code FROM domxfer.request_transfer_out('bi-completed.example') \gset
SELECT domxfer.receive_transfer_request('bi-completed.example', :'code', 'gaining-reg') IS NOT NULL AS received;
SELECT transfer_id IS NOT NULL AS requested FROM domxfer.request_transfer_out('bi-expired.example');
UPDATE domxfer.domains SET unpaid = true WHERE name = 'bi-rejected.example';
SELECT domxfer.process_due_transfers(now() + interval '30 days') AS decided_in_advance;
UPDATE domxfer.domains SET unpaid = false WHERE name = 'bi-rejected.example';

-- a cancelled one, and the open ones
SELECT domxfer.cancel_transfer_out(transfer_id) FROM domxfer.request_transfer_out('bi-cancelled.example');
SELECT transfer_id IS NOT NULL AS requested FROM domxfer.request_transfer_out('bi-issued.example');
SELECT auth_code AS code FROM domxfer.request_transfer_out('bi-pending.example') \gset
SELECT domxfer.receive_transfer_request('bi-pending.example', :'code', 'gaining-reg') IS NOT NULL AS received;
SELECT domxfer.open_manual_transfer('bi-manual.hk') IS NOT NULL AS opened;
SELECT domxfer.record_documents_received(domxfer.open_manual_transfer('bi-manual-docs.hk')) IS NOT NULL AS documents;

INSERT INTO bad_input.fixture (name, id)
SELECT CASE WHEN t.domain_name = 'bi-manual-docs.hk' THEN 'awaiting_docs' ELSE t.state::text END, t.id
  FROM domxfer.transfers t;
INSERT INTO bad_input.fixture (name, id)
SELECT 'unknown', max(id) + 1000000 FROM domxfer.transfers;
INSERT INTO domxfer.holidays (day, tld, name) VALUES ('2030-01-01', '*', 'New Year');

SELECT string_agg(name || '=' || id, ' ' ORDER BY name) AS fixtures FROM bad_input.fixture;

UPDATE domxfer.domains SET status = 'pendingRenew' WHERE name = 'bi-renewing.example';

-- a domains row that is not in the table (for the rule functions), with any
-- values the table's constraints would refuse
CREATE FUNCTION bad_input.row(name text, registered_at timestamptz, expires_at timestamptz,
							  last_transferred_at timestamptz DEFAULT NULL, late_renewed_at timestamptz DEFAULT NULL,
							  sponsoring_registrar text DEFAULT 'tap-registrar', registrant_email text DEFAULT 'a@example.org',
							  status domxfer.domain_status DEFAULT 'ok')
RETURNS domxfer.domains
LANGUAGE sql IMMUTABLE
RETURN ROW(name, sponsoring_registrar, registered_at, expires_at, last_transferred_at, late_renewed_at,
		   status, false, false, false, true, registrant_email, false, false, NULL,
		   NULL, false, domxfer._email_usable(registrant_email))::domxfer.domains;
GRANT USAGE ON SCHEMA bad_input TO PUBLIC;
GRANT EXECUTE ON FUNCTION bad_input.row TO PUBLIC;

-- binary COPY files for domain_status_recv (the server's binary input),
-- written into the data directory: header, one tuple of one field, trailer
CREATE TABLE bad_input.status_sink (s domxfer.domain_status);
CREATE TEMP TABLE copy_file AS
SELECT f.name, lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
							   || '\x0001'::bytea || int4send(octet_length(f.value)) || f.value
							   || '\xffff'::bytea) AS oid
  FROM (VALUES ('all_bits', '\xffffffff'::bytea),
			   ('high_bit', '\x80000000'::bytea),
			   ('forbidden', decode(lpad(to_hex((
					('x' || encode(domxfer.domain_status_send('pendingDelete'), 'hex'))::bit(32)
					| ('x' || encode(domxfer.domain_status_send('clientDeleteProhibited'), 'hex'))::bit(32))::int4),
					8, '0'), 'hex')),
			   ('short', '\x000000'::bytea),
			   ('long', '\x0000000000'::bytea),
			   ('valid', domxfer.domain_status_send('clientHold,serverTransferProhibited'))) AS f(name, value);
SELECT count(lo_export(oid, 'bad_input_status_' || name || '.copy')) AS copy_files FROM copy_file;
SELECT count(lo_unlink(oid)) AS removed FROM copy_file;
