-- The code at the registry (SPEC §8 0.3.0, RFC 9154 §4): set_auth_info
-- with the code encrypted to the EPP client's OpenPGP key (a key pair made
-- with gpg now; this test plays the EPP client and decrypts), unset_auth_info
-- when the code is withdrawn, a domain's commands in order, the notice hold,
-- the discrepancy of a refused code. Ids, codes and instants are never printed.
SET TimeZone = 'UTC';

CREATE FUNCTION pg_temp.try(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v_state text; v_msg text; v_detail text; v_hint text;
BEGIN
	EXECUTE cmd;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
		v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
	RETURN regexp_replace(v_state || ': ' || v_msg
		|| coalesce(' | ' || nullif(regexp_replace(v_detail, '^(Failing row contains|pgp|Wrong key|Corrupt).*', '<pgcrypto>'), ''), '')
		|| coalesce(' | ' || nullif(v_hint, ''), ''), '(transfer) \d+', '\1 <id>', 'g');
END $$;

-- a poll message of the shape of google/nomulus's poll_response_domain_transfer.xml
CREATE FUNCTION pg_temp.poll(msgq text, name text, status text, re_date timestamptz) RETURNS text
LANGUAGE sql AS $$
	SELECT format($x$<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <response>
    <result code="1301"><msg>Command completed successfully; ack to dequeue</msg></result>
    <msgQ count="1" id="%1$s"><qDate>2026-01-01T00:00:00Z</qDate><msg>Transfer %3$s.</msg></msgQ>
    <resData>
      <domain:trnData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
        <domain:name>%2$s</domain:name>
        <domain:trStatus>%3$s</domain:trStatus>
        <domain:reID>gainer</domain:reID>
        <domain:reDate>%4$s</domain:reDate>
        <domain:acID>regress-us</domain:acID>
        <domain:acDate>%5$s</domain:acDate>
      </domain:trnData>
    </resData>
    <trID><clTRID>ABC-12345</clTRID><svTRID>server-trid</svTRID></trID>
  </response>
</epp>
$x$, msgq, name, status, to_char(re_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
	   to_char((re_date + interval '5 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

-- a domain's set/unset commands, oldest first: op, reasons, state, whether
-- it holds a ciphertext
CREATE FUNCTION pg_temp.commands(name text) RETURNS SETOF text LANGUAGE sql AS $$
	SELECT concat_ws(' ', c.op, c.reason_codes::text, c.state, CASE WHEN c.auth_info IS NULL THEN 'no-ciphertext' ELSE 'ciphertext' END)
	  FROM domxfer.registry_commands c WHERE c.domain_name = name ORDER BY c.id
$$;

-- how many rows of every table of the schema hold the code (in any column,
-- as text, or as the hex of its bytes)
CREATE FUNCTION pg_temp.rows_with(code text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	r record; n bigint; total bigint := 0;
BEGIN
	FOR r IN SELECT c.oid::regclass AS tbl FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
			  WHERE s.nspname = 'domxfer' AND c.relkind IN ('r', 'p')
	LOOP
		EXECUTE format('SELECT count(*) FROM %s x WHERE strpos(x::text, $1) > 0 OR strpos(x::text, $2) > 0', r.tbl)
		   INTO n USING code, encode(convert_to(code, 'UTF8'), 'hex');
		total := total + n;
	END LOOP;
	RETURN total;
END $$;

INSERT INTO domxfer.tld_policy (tld, registry_transfers) VALUES ('test', true);
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n || '.test', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net'
  FROM unnest(ARRAY['ai-nokey', 'ai-one', 'ai-cancel', 'ai-refused', 'ai-order', 'ai-done', 'ai-gone']) AS n;

-- 1. the key: pgcrypto needed (55000), an armored public key that can encrypt (22023), domxfer_admin only
DROP EXTENSION IF EXISTS pgcrypto;
SELECT pg_temp.try($$SELECT domxfer.set_registry_client_public_key('x')$$) AS without_pgcrypto;
CREATE EXTENSION pgcrypto;
\set gpghome `mktemp -d`
\setenv GNUPGHOME :gpghome
\! printf '%%no-protection\nKey-Type: RSA\nKey-Length: 2048\nSubkey-Type: RSA\nSubkey-Length: 2048\nName-Real: domxfer EPP client\nName-Email: epp@example.net\nExpire-Date: 0\n%%commit\n' > "$GNUPGHOME/params"
\! gpg --batch --quiet --gen-key "$GNUPGHOME/params" >/dev/null 2>&1
\set public_key `gpg --batch --armor --export epp@example.net`
\set secret_key `gpg --batch --armor --export-secret-keys epp@example.net`
\! rm -rf "$GNUPGHOME"
SELECT pg_temp.try($$SELECT domxfer.set_registry_client_public_key('not a key')$$) AS bad_key;
SELECT pg_temp.try(format('SELECT domxfer.set_registry_client_public_key(%L)', :'secret_key')) AS secret_key_refused;
SET ROLE domxfer_app;
SELECT pg_temp.try(format('SELECT domxfer.set_registry_client_public_key(%L)', :'public_key')) AS app_sets_key;
SELECT pg_temp.try($$SELECT * FROM domxfer.registry_client_key$$) AS app_reads_key;
SET ROLE domxfer_reader;
SELECT pg_temp.try($$SELECT * FROM domxfer.registry_client_key$$) AS reader_reads_key;
SELECT pg_temp.try($$SELECT auth_info FROM domxfer.registry_commands$$) AS reader_reads_ciphertext;
SELECT pg_temp.try($$SELECT op, state FROM domxfer.registry_commands$$) AS reader_reads_commands;
RESET ROLE;

-- 2. no key: no code is issued for a registry-managed TLD (55000), nothing changes
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('ai-nokey.test')$$) AS issue_without_key;
SELECT (SELECT count(*) FROM domxfer.transfers WHERE domain_name = 'ai-nokey.test') AS transfers,
	   (SELECT count(*) FROM domxfer.registry_commands WHERE domain_name = 'ai-nokey.test') AS commands,
	   (SELECT open_transfer_id IS NULL FROM domxfer.domains WHERE name = 'ai-nokey.test') AS no_open_transfer,
	   (SELECT status::text FROM domxfer.domains WHERE name = 'ai-nokey.test') AS status;

SET ROLE domxfer_admin;
SELECT domxfer.set_registry_client_public_key(:'public_key') IS NULL AS key_set;
SELECT key_id ~ '^[0-9A-F]{16}$' AS key_id_read FROM domxfer.registry_client_key;
RESET ROLE;

-- 3. a code issued: set_auth_info queued, only its ciphertext kept, the
-- EPP client decrypts it to the code the application got
SET ROLE domxfer_app;
SELECT transfer_id AS t1, auth_code AS code1 FROM domxfer.request_transfer_out('ai-one.test') \gset
RESET ROLE;
SELECT pg_temp.commands('ai-one.test');
SELECT c.ac_date IS NULL AS no_ac_date,
	   pgp_pub_decrypt_bytea(c.auth_info, dearmor(:'secret_key')) = convert_to(:'code1', 'UTF8') AS client_decrypts,
	   strpos(domxfer.registry_command_xml(c.id), '<domain:pw>@domxfer.auth_info@</domain:pw>') > 0 AS placeholder,
	   strpos(domxfer.registry_command_xml(c.id), :'code1') = 0 AS no_code_in_xml
  FROM domxfer.registry_commands c WHERE c.domain_name = 'ai-one.test';
SELECT regexp_replace(domxfer.registry_command_xml(c.id), 'domxfer-\d+', 'domxfer-<id>')
  FROM domxfer.registry_commands c WHERE c.domain_name = 'ai-one.test';
-- the database holds only the public key: it cannot decrypt
SELECT pg_temp.try(format('SELECT pgp_pub_decrypt_bytea(c.auth_info, dearmor(k.public_key)) FROM domxfer.registry_commands c, domxfer.registry_client_key k WHERE c.transfer_id = %s', :t1)) AS database_decrypts;
-- the plain code is in no row of any table (commands, messages, notices, events, ...)
SELECT pg_temp.rows_with(:'code1') AS rows_with_code;
-- control: the search finds what is there
SELECT pg_temp.rows_with('ai-one.test') > 0 AS search_finds_name;

-- 4. the notice hold: not handed to a mailer before the registry accepted the code
BEGIN;
SELECT count(*) AS claimed_held FROM domxfer.claim_notices(10000) n WHERE n.transfer_id = :t1;
ROLLBACK;
-- an operator still sees it past due_by
BEGIN;
UPDATE domxfer.notices SET due_by = created_at + interval '1 microsecond' WHERE transfer_id = :t1;
SELECT count(*) AS overdue_held FROM domxfer.overdue_notices o WHERE o.transfer_id = :t1;
ROLLBACK;

-- 5. the EPP client claims it: XML and ciphertext
SET ROLE domxfer_app;
SELECT c.command_id AS set1, c.op, pgp_pub_decrypt_bytea(c.auth_info, dearmor(:'secret_key')) = convert_to(:'code1', 'UTF8') AS decrypts,
	   strpos(c.xml, '@domxfer.auth_info@') > 0 AS placeholder
  FROM domxfer.claim_registry_commands(100, '1 hour') c WHERE c.domain_name = 'ai-one.test' \gset
SELECT :'op' AS op, :'decrypts' AS decrypts, :'placeholder' AS placeholder;
-- a reissue queues a new set_auth_info; it waits for the claimed one (one domain's commands in order)
SELECT domxfer.reissue_auth_code(:t1) AS code2 \gset
RESET ROLE;
SELECT pg_temp.commands('ai-one.test');
SET ROLE domxfer_app;
SELECT count(*) AS handed_out_before_first_closed FROM domxfer.claim_registry_commands(100) c WHERE c.domain_name = 'ai-one.test';
-- the registry accepts the first: its ciphertext is wiped
SELECT domxfer.record_registry_response(:set1, 1000, 'SRV-AI-1');
RESET ROLE;
SELECT pg_temp.commands('ai-one.test');
-- the first code's notice is no longer held, but its code was replaced, so
-- claim_notices supersedes it (never mailed); the reissued code's is held
BEGIN;
SELECT n.kind, n.code_ciphertext IS NULL AS no_mailer_key FROM domxfer.claim_notices(10000) n WHERE n.transfer_id = :t1 ORDER BY n.id;
ROLLBACK;
SET ROLE domxfer_app;
SELECT c.command_id AS set2, pgp_pub_decrypt_bytea(c.auth_info, dearmor(:'secret_key')) = convert_to(:'code2', 'UTF8') AS decrypts2
  FROM domxfer.claim_registry_commands(100) c WHERE c.domain_name = 'ai-one.test' \gset
SELECT :'decrypts2' AS reissued_code_decrypts;
SELECT domxfer.record_registry_response(:set2, 1001, 'SRV-AI-2');
RESET ROLE;
BEGIN;
-- the reissued code's notice is released once the registry accepted it
SELECT count(*) AS released FROM domxfer.claim_notices(10000) n WHERE n.transfer_id = :t1;
ROLLBACK;
SELECT pg_temp.rows_with(:'code2') AS rows_with_code2;

-- 6. a reissue while a set_auth_info is still queued supersedes it (wiped)
SELECT domxfer.reissue_auth_code(:t1) IS NOT NULL AS reissued;
SELECT domxfer.reissue_auth_code(:t1) IS NOT NULL AS reissued_again;
SELECT pg_temp.commands('ai-one.test');

-- 7. expiry: unset_auth_info (<domain:null/>), the queued set is superseded
SELECT domxfer.process_due_transfers(now() + interval '30 days') >= 1 AS decided;
SELECT state FROM domxfer.transfers WHERE id = :t1;
SELECT pg_temp.commands('ai-one.test');
SELECT regexp_replace(domxfer.registry_command_xml(c.id), 'domxfer-\d+', 'domxfer-<id>')
  FROM domxfer.registry_commands c WHERE c.domain_name = 'ai-one.test' AND c.op = 'unset_auth_info';

-- 8. the holder cancels: unset_auth_info
SELECT transfer_id AS t2 FROM domxfer.request_transfer_out('ai-cancel.test') \gset
SELECT domxfer.cancel_transfer_out(:t2, 'changed my mind') IS NOT NULL AS cancelled;
SELECT pg_temp.commands('ai-cancel.test');

-- 9. the registry refuses the code (2xxx): failed with the error, the
-- notice held, a discrepancy an operator can close; later commands of the
-- domain are not held back by it
SELECT transfer_id AS t3, auth_code AS code3 FROM domxfer.request_transfer_out('ai-refused.test') \gset
SET ROLE domxfer_app;
SELECT c.command_id AS set3 FROM domxfer.claim_registry_commands(100) c WHERE c.domain_name = 'ai-refused.test' \gset
SELECT domxfer.record_registry_response(:set3, 2306, 'SRV-AI-3');
RESET ROLE;
SELECT pg_temp.commands('ai-refused.test');
SELECT error FROM domxfer.registry_commands WHERE id = :set3;
BEGIN;
SELECT count(*) AS claimed_held FROM domxfer.claim_notices(10000) n WHERE n.transfer_id = :t3;
ROLLBACK;
SELECT kind, asked, regexp_replace(detail, '\d+', 'N', 'g') AS detail, discrepancy_id = :set3 AS names_command
  FROM domxfer.registry_discrepancies WHERE domain_name = 'ai-refused.test';
SET ROLE domxfer_admin;
SELECT domxfer.acknowledge_registry_discrepancy('auth_info_not_set', :set3, 'code set by hand at the registry''s portal') IS NOT NULL AS acknowledged;
RESET ROLE;
SELECT count(*) AS open_discrepancies FROM domxfer.registry_discrepancies WHERE domain_name = 'ai-refused.test';
SELECT pg_temp.rows_with(:'code3') AS rows_with_code3;
-- the holder cancels: the unset goes out although the set failed
SELECT domxfer.cancel_transfer_out(:t3) IS NOT NULL AS cancelled;
SELECT pg_temp.commands('ai-refused.test');
SET ROLE domxfer_app;
SELECT c.op FROM domxfer.claim_registry_commands(100) c WHERE c.domain_name = 'ai-refused.test';
RESET ROLE;

-- 10. order: a reject queued after a set_auth_info waits for it; the
-- registry's rejection then queues unset_auth_info after the reject
SELECT transfer_id AS t4 FROM domxfer.request_transfer_out('ai-order.test') \gset
SELECT result FROM domxfer.apply_registry_message(pg_temp.poll('ai-1', 'ai-order.test', 'pending', now()));
SELECT state FROM domxfer.transfers WHERE id = :t4;
SELECT domxfer.cancel_transfer_out(:t4, 'holder objects') IS NOT NULL AS cancel_asked;
SELECT pg_temp.commands('ai-order.test');
SET ROLE domxfer_app;
SELECT c.command_id AS set4, c.op FROM domxfer.claim_registry_commands(100) c WHERE c.domain_name = 'ai-order.test' \gset
SELECT :'op' AS first_out;
SELECT count(*) AS reject_before_set_closed FROM domxfer.claim_registry_commands(100) c WHERE c.domain_name = 'ai-order.test';
SELECT domxfer.record_registry_response(:set4, 1000, 'SRV-AI-4');
SELECT c.command_id AS reject4, c.op FROM domxfer.claim_registry_commands(100) c WHERE c.domain_name = 'ai-order.test' \gset
SELECT :'op' AS then_out;
SELECT domxfer.record_registry_response(:reject4, 1000, 'SRV-AI-5');
RESET ROLE;
SELECT result FROM domxfer.apply_registry_message(pg_temp.poll('ai-2', 'ai-order.test', 'clientRejected',
	(SELECT requested_at FROM domxfer.transfers WHERE id = :t4)));
SELECT state FROM domxfer.transfers WHERE id = :t4;
SELECT pg_temp.commands('ai-order.test');
SELECT count(*) AS set_discrepancies FROM domxfer.registry_discrepancies WHERE domain_name = 'ai-order.test';

-- 11. the registry's completion: no unset (RFC 9154 §4.4: the registry unsets it)
SELECT transfer_id AS t5 FROM domxfer.request_transfer_out('ai-done.test') \gset
SET ROLE domxfer_app;
SELECT c.command_id AS set5 FROM domxfer.claim_registry_commands(100) c WHERE c.domain_name = 'ai-done.test' \gset
SELECT domxfer.record_registry_response(:set5, 1000, 'SRV-AI-6');
RESET ROLE;
SELECT result FROM domxfer.apply_registry_message(pg_temp.poll('ai-3', 'ai-done.test', 'pending', now()));
SELECT result FROM domxfer.apply_registry_message(pg_temp.poll('ai-4', 'ai-done.test', 'serverApproved',
	(SELECT requested_at FROM domxfer.transfers WHERE id = :t5)));
SELECT state FROM domxfer.transfers WHERE id = :t5;
SELECT pg_temp.commands('ai-done.test');
-- a set_auth_info never sent is abandoned at the registry's outcome:
-- superseded, its ciphertext wiped; no unset either
SELECT transfer_id AS t6 FROM domxfer.request_transfer_out('ai-gone.test') \gset
SELECT result FROM domxfer.apply_registry_message(pg_temp.poll('ai-5', 'ai-gone.test', 'pending', now()));
SELECT result FROM domxfer.apply_registry_message(pg_temp.poll('ai-6', 'ai-gone.test', 'serverApproved',
	(SELECT requested_at FROM domxfer.transfers WHERE id = :t6)));
SELECT state FROM domxfer.transfers WHERE id = :t6;
SELECT pg_temp.commands('ai-gone.test');


-- clean up: a superuser can bypass the append-only triggers in replica mode
SET session_replication_role = replica;
DELETE FROM domxfer.registry_commands;
DELETE FROM domxfer.registry_messages;
DELETE FROM domxfer.registry_discrepancy_acks;
DELETE FROM domxfer.notices n USING domxfer.transfers t WHERE n.transfer_id = t.id AND t.domain_name LIKE 'ai-%.test';
DELETE FROM domxfer.transfer_events e USING domxfer.transfers t
 WHERE e.transfer_id = t.id AND t.domain_name LIKE 'ai-%.test';
DELETE FROM domxfer.transfers WHERE domain_name LIKE 'ai-%.test';
DELETE FROM domxfer.domains WHERE name LIKE 'ai-%.test';
DELETE FROM domxfer.tld_policy WHERE tld = 'test';
RESET session_replication_role;
SELECT domxfer.set_registry_client_public_key(NULL);
DROP EXTENSION pgcrypto;
