-- The registry link (SPEC §8): notices in, commands out, discrepancies.
-- Messages are built from the real corpus's shape (test/epp/corpus/) with
-- instants relative to now(); ids and instants are never printed.
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
	RETURN regexp_replace(regexp_replace(
		v_state || ': ' || v_msg
		|| coalesce(' | ' || nullif(regexp_replace(v_detail, '^Failing row contains .*', ''), ''), '')
		|| coalesce(' | ' || nullif(v_hint, ''), ''),
		'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC', '<time>', 'g'),
		'(command|[Tt]ransfer) \d+', '\1 <id>', 'g');
END $$;

-- an RFC 3339 instant as registries write it
CREATE FUNCTION pg_temp.t(at timestamptz, fmt text DEFAULT 'Z') RETURNS text LANGUAGE sql AS $$
	SELECT CASE fmt
			 WHEN 'Z' THEN to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
			 ELSE to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+08:00"') END
$$;

-- a poll message of the shape of google/nomulus's poll_response_domain_transfer.xml
CREATE FUNCTION pg_temp.poll(msgq text, name text, status text, re_id text, re_date timestamptz,
							 ac_id text, ac_date timestamptz, prefix text DEFAULT 'domain') RETURNS text
LANGUAGE sql AS $$
	SELECT format($x$<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <response>
    <result code="1301">
      <msg>Command completed successfully; ack to dequeue</msg>
    </result>
    <msgQ count="1" id="%1$s">
      <qDate>2026-01-01T00:00:00Z</qDate>
      <msg>Transfer %3$s.</msg>
    </msgQ>
    <resData>
      <%8$s:trnData xmlns:%8$s="urn:ietf:params:xml:ns:domain-1.0">
        <%8$s:name>%2$s</%8$s:name>
        <%8$s:trStatus>%3$s</%8$s:trStatus>
        <%8$s:reID>%4$s</%8$s:reID>
        <%8$s:reDate>%5$s</%8$s:reDate>
        <%8$s:acID>%6$s</%8$s:acID>
        <%8$s:acDate>%7$s</%8$s:acDate>
      </%8$s:trnData>
    </resData>
    <trID>
      <clTRID>ABC-12345</clTRID>
      <svTRID>server-trid</svTRID>
    </trID>
  </response>
</epp>
$x$, msgq, name, status, re_id, pg_temp.t(re_date), ac_id, pg_temp.t(ac_date, 'cn'), prefix)
$$;

-- (result, tr_status, domain) of applying a message; ids are not printed
CREATE FUNCTION pg_temp.apply(message text) RETURNS text LANGUAGE sql AS $$
	SELECT concat_ws(' ', a.result, a.tr_status, a.domain_name, CASE WHEN a.transfer_id IS NULL THEN '-' ELSE 'transfer' END)
	  FROM domxfer.apply_registry_message(message) a
$$;

CREATE FUNCTION pg_temp.state(name text) RETURNS text LANGUAGE sql AS $$
	SELECT concat_ws(' ', t.state, t.gaining_registrar, t.registry_managed,
					 t.deadline = (SELECT max(m.ac_date) FROM domxfer.registry_messages m WHERE m.transfer_id = t.id
									  AND m.tr_status = 'pending'),
					 t.outcome_reason::text, d.sponsoring_registrar, d.status::text,
					 (SELECT count(*) FROM domxfer.transfer_events e WHERE e.transfer_id = t.id) || ' events')
	  FROM domxfer.domains d
	  LEFT JOIN domxfer.transfers t ON t.id = (SELECT max(x.id) FROM domxfer.transfers x WHERE x.domain_name = d.name)
	 WHERE d.name = state.name
$$;

-- one instant for the whole test, so that a message sent twice is the same
CREATE TEMP TABLE t0 AS SELECT now() AS t0;
GRANT SELECT ON t0 TO PUBLIC;
CREATE FUNCTION pg_temp.t0() RETURNS timestamptz LANGUAGE sql STABLE AS 'SELECT t0 FROM t0';

INSERT INTO domxfer.tld_policy (tld, registry_transfers) VALUES ('test', true);
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n || '.test', 'regress-us', pg_temp.t0() - interval '400 days', pg_temp.t0() + interval '300 days', 'holder@example.net'
  FROM unnest(ARRAY['rg-open', 'rg-nocode', 'rg-dup', 'rg-ooo', 'rg-cancel', 'rg-late', 'rg-hold', 'rg-approve',
				   'rg-bad', 'rg-late-pending', 'xn--fiq228c']) AS n;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('rg-theirs.test', 'another-reg', pg_temp.t0() - interval '400 days', pg_temp.t0() + interval '300 days', 'holder@example.net');

SELECT p.registry_transfers, p.registry_answer_lead FROM domxfer.tld_policy p WHERE p.tld = 'test';
SELECT pg_temp.try($$UPDATE domxfer.tld_policy SET registry_answer_lead = '-1 hour' WHERE tld = 'test'$$);
SELECT pg_temp.try($$UPDATE domxfer.tld_policy SET registry_answer_lead = '5 days' WHERE tld = 'test'$$);

-- the EPP client's OpenPGP key (0.3.0: codes of these TLDs go to the
-- registry encrypted to it; sql/registry_auth_info.sql tests that)
CREATE EXTENSION pgcrypto;
\set gpghome `mktemp -d`
\setenv GNUPGHOME :gpghome
\! printf '%%no-protection\nKey-Type: RSA\nKey-Length: 2048\nSubkey-Type: RSA\nSubkey-Length: 2048\nName-Real: domxfer EPP client\nName-Email: epp@example.net\nExpire-Date: 0\n%%commit\n' > "$GNUPGHOME/params"
\! gpg --batch --quiet --gen-key "$GNUPGHOME/params" >/dev/null 2>&1
\set epp_public_key `gpg --batch --armor --export epp@example.net`
\! rm -rf "$GNUPGHOME"
SELECT domxfer.set_registry_client_public_key(:'epp_public_key');

-- 1. the registry checks codes for these TLDs: receive_transfer_request is refused
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('rg-open.test')$$);
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('rg-open.test', 'whatever-code-123', 'gainer')$$);

-- 2. pending advances the transfer opened by request_transfer_out
SELECT pg_temp.apply(pg_temp.poll('rg-1', 'RG-OPEN.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT pg_temp.state('rg-open.test');
SELECT e.from_state, e.to_state, e.detail->>'action' AS action, e.detail->>'auth_code_issued_here' AS code_here,
	   e.detail->>'msgq_id' AS msgq_id
  FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
 WHERE t.domain_name = 'rg-open.test' ORDER BY e.id;
SELECT t.auth_code_hash IS NULL AS code_dropped, t.due_at IS NOT NULL AS has_due_at
  FROM domxfer.transfers t WHERE t.domain_name = 'rg-open.test';
-- the deadline (acDate) passes: the batch, the worker's contract and the
-- lifecycle functions leave it pending: the registry decides
SELECT domxfer.process_due_transfers(pg_temp.t0() + interval '10 days');
SELECT domxfer._decide_due_transfer(t.id, pg_temp.t0() + interval '10 days') FROM domxfer.transfers t WHERE t.domain_name = 'rg-open.test';
SELECT count(*) FROM domxfer._due_transfer_ids(pg_temp.t0() + interval '10 days', 100) i
  JOIN domxfer.transfers t ON t.id = i WHERE t.registry_managed;
SELECT pg_temp.state('rg-open.test');
-- the registry approves at acDate
SELECT pg_temp.apply(pg_temp.poll('rg-2', 'rg-open.test', 'serverApproved', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0()));
SELECT pg_temp.state('rg-open.test');

-- 3. pending without a code issued here: opened, and the event says so
SELECT pg_temp.apply(pg_temp.poll('rg-3', '中文.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT pg_temp.state('xn--fiq228c.test');
SELECT e.detail->>'note' FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
 WHERE t.domain_name = 'xn--fiq228c.test';
-- the registry's transfer query response says the same: nothing changes
SELECT pg_temp.apply(replace(replace(pg_temp.poll('rg-3', '中文.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'),
								   '<msgQ count="1" id="rg-3">', '<!--'), '</msgQ>', '-->'));

-- 4. idempotency: the same message, and the same msgQ id with other white space
SELECT pg_temp.poll('rg-4', 'rg-dup.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days') AS m4 \gset
SELECT pg_temp.apply(:'m4');
SELECT pg_temp.apply(:'m4');
SELECT pg_temp.apply(regexp_replace(:'m4', '>\s+<', '><', 'g'));
SELECT pg_temp.apply(replace(:'m4', '<response>', E'<response>\n\n\t  '));
SELECT count(*) AS stored FROM domxfer.registry_messages WHERE msgq_id = 'rg-4';
SELECT pg_temp.state('rg-dup.test');
-- the same msgQ id with other content is another message
SELECT pg_temp.apply(replace(:'m4', 'Transfer pending.', 'Transfer requested.'));

-- 5. out of order: the approval before the pending notice completes the transfer;
--    the pending notice that follows changes nothing
SELECT pg_temp.apply(pg_temp.poll('rg-5b', 'rg-ooo.test', 'clientApproved', 'gainer', pg_temp.t0() - interval '1 day', 'regress-us', pg_temp.t0()));
SELECT pg_temp.state('rg-ooo.test');
SELECT pg_temp.apply(pg_temp.poll('rg-5a', 'rg-ooo.test', 'pending', 'gainer', pg_temp.t0() - interval '1 day', 'regress-us', pg_temp.t0() + interval '4 days'));
SELECT pg_temp.state('rg-ooo.test');

-- 6. not ours: a transfer in (acID is another registrar), a domain we do
--    not sponsor, a domain we do not know
SELECT pg_temp.apply(pg_temp.poll('rg-6a', 'rg-cancel.test', 'pending', 'regress-us', pg_temp.t0(), 'another-reg', pg_temp.t0() + interval '5 days'));
SELECT pg_temp.apply(pg_temp.poll('rg-6b', 'rg-theirs.test', 'serverApproved', 'gainer', pg_temp.t0(), 'another-reg', pg_temp.t0()));
SELECT pg_temp.apply(pg_temp.poll('rg-6c', 'nowhere.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT pg_temp.state('rg-cancel.test');
SELECT pg_temp.state('rg-theirs.test');

-- 7. the holder cancels: a reject command; the registry's clientRejected ends it
SELECT pg_temp.apply(pg_temp.poll('rg-7a', 'rg-cancel.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT t.id AS cancel_id FROM domxfer.transfers t WHERE t.domain_name = 'rg-cancel.test' AND t.state = 'pending' \gset
SELECT pg_temp.try(format('SELECT domxfer.cancel_transfer_out(%s, %L)', :cancel_id, 'holder objects'));
SELECT pg_temp.try(format('SELECT domxfer.cancel_transfer_out(%s)', :cancel_id));
SELECT pg_temp.state('rg-cancel.test');
SELECT c.op, c.reason_codes, c.state, c.xml_namespace FROM domxfer.registry_commands c WHERE c.transfer_id = :cancel_id;
SELECT command_id AS cmd7, op, domain_name, xml LIKE '%<clTRID>domxfer-' || command_id || '</clTRID>%' AS cltrid,
	   xml !~* 'authInfo|<[a-z]*:pw>' AS no_code
  FROM domxfer.claim_registry_commands(10) \gset
SELECT :'op' AS op, :'domain_name' AS domain_name, :'cltrid' AS cltrid, :'no_code' AS no_code;
SELECT regexp_replace(domxfer.registry_command_xml(:cmd7), 'domxfer-\d+', 'domxfer-<id>');
-- a claimed command is not handed out again while its lease runs
SELECT count(*) FROM domxfer.claim_registry_commands(10);
SELECT domxfer.record_registry_response(:cmd7, 1000, 'SRV-7-1000');
SELECT domxfer.record_registry_response(:cmd7, 1000, 'SRV-7-1000');
SELECT pg_temp.try(format('SELECT domxfer.record_registry_response(%s, 2301, %L)', :cmd7, 'SRV-7-2301'));
SELECT pg_temp.apply(pg_temp.poll('rg-7b', 'rg-cancel.test', 'clientRejected', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0()));
SELECT pg_temp.state('rg-cancel.test');
-- the holder's reason (found by a fresh-user trial: it was lost): in the
-- audit log at the request, on the transfer and in the outcome's notice
SELECT e.from_state, e.to_state, e.detail->>'action' AS action, e.detail->>'note' AS note
  FROM domxfer.transfer_events e WHERE e.transfer_id = :cancel_id AND e.detail->>'action' = 'holder_cancel_requested' ORDER BY e.id;
SELECT t.cancel_note, n.kind, n.payload->>'note' AS notice_note
  FROM domxfer.transfers t JOIN domxfer.notices n ON n.transfer_id = t.id AND n.kind = 'transfer_rejected'
 WHERE t.id = :cancel_id;
SELECT count(*) FROM domxfer.registry_discrepancies WHERE transfer_id = :cancel_id;

-- 8. the holder approves: an approve command, and the approval comes
SELECT pg_temp.apply(pg_temp.poll('rg-8a', 'rg-approve.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT t.id AS approve_id FROM domxfer.transfers t WHERE t.domain_name = 'rg-approve.test' AND t.state = 'pending' \gset
SELECT pg_temp.try(format('SELECT domxfer.approve_transfer_out(%s)', :approve_id));
SELECT pg_temp.state('rg-approve.test');
SELECT command_id AS cmd8, op FROM domxfer.claim_registry_commands(10) \gset
SELECT :'op' AS op;
-- the registry fails (2400): the command is queued again; then it works
SELECT domxfer.record_registry_response(:cmd8, 2400, 'SRV-8-2400');
SELECT count(*) FROM domxfer.claim_registry_commands(10);
SELECT domxfer.record_registry_response(:cmd8, 1000, 'SRV-8-1000');
SELECT pg_temp.apply(pg_temp.poll('rg-8b', 'rg-approve.test', 'clientApproved', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0()));
SELECT pg_temp.state('rg-approve.test');
SELECT c.state, c.attempts, c.result_code, c.sv_trid FROM domxfer.registry_commands c WHERE c.id = :cmd8;

-- 9. domxfer asked to reject (legal hold, found as of acDate by
--    process_due_transfers); the registry approves late anyway
SELECT pg_temp.apply(pg_temp.poll('rg-9a', 'rg-hold.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT t.id AS hold_id FROM domxfer.transfers t WHERE t.domain_name = 'rg-hold.test' AND t.state = 'pending' \gset
SELECT count(*) FROM domxfer.registry_commands WHERE transfer_id = :hold_id;
UPDATE domxfer.domains SET legal_hold = true WHERE name = 'rg-hold.test';
SELECT domxfer.process_due_transfers();
SELECT c.op, c.reason_codes, c.state FROM domxfer.registry_commands c WHERE c.transfer_id = :hold_id;
-- approving now is refused: domxfer asked to reject
SELECT pg_temp.try(format('SELECT domxfer.approve_transfer_out(%s)', :hold_id));
SELECT command_id AS cmd9 FROM domxfer.claim_registry_commands(10) \gset
SELECT domxfer.record_registry_response(:cmd9, 2301, 'SRV-9-2301');
-- a failed command keeps the registry's answer: the same report again is
-- taken, another one refused (55000), and nothing changes
SELECT domxfer.record_registry_response(:cmd9, 2301, 'SRV-9-2301') AS same_again;
SELECT regexp_replace(pg_temp.try(format('SELECT domxfer.record_registry_response(%s, 2201, %L)', :cmd9, 'SRV-9-late')),
					  '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? UTC', '<at>') AS other_answer;
SELECT state, result_code, sv_trid FROM domxfer.registry_commands WHERE id = :cmd9;
SELECT pg_temp.apply(pg_temp.poll('rg-9b', 'rg-hold.test', 'serverApproved', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0()));
SELECT pg_temp.state('rg-hold.test');
SELECT kind, asked, registry_outcome, regexp_replace(detail, '\d{4}-\S+', '<time>', 'g') AS detail
  FROM domxfer.registry_discrepancies WHERE transfer_id = :hold_id ORDER BY kind;

-- 10. pending past acDate without an outcome, and a command unanswered past acDate
SELECT pg_temp.apply(pg_temp.poll('rg-10', 'rg-late-pending.test', 'pending', 'gainer', pg_temp.t0() - interval '6 days', 'regress-us', pg_temp.t0() - interval '1 day'));
SELECT pg_temp.state('rg-late-pending.test');
SELECT t.id AS late_id FROM domxfer.transfers t WHERE t.domain_name = 'rg-late-pending.test' AND t.state = 'pending' \gset
SELECT pg_temp.try(format('SELECT domxfer.cancel_transfer_out(%s)', :late_id));
SELECT kind, asked FROM domxfer.registry_discrepancies WHERE transfer_id = :late_id ORDER BY kind;

-- 11. bad messages: stored with their SQLSTATE, answered invalid, nothing else changes
COPY (SELECT 'XXE-CANARY-7f3a') TO '/tmp/domxfer_registry_xxe_canary.txt';
CREATE TEMP TABLE before AS
SELECT (SELECT count(*) FROM domxfer.transfers) AS transfers, (SELECT count(*) FROM domxfer.transfer_events) AS events,
	   (SELECT count(*) FROM domxfer.registry_commands) AS commands,
	   (SELECT md5(string_agg(d::text, ',' ORDER BY d.name)) FROM domxfer.domains d) AS domains;
CREATE TEMP TABLE bad (label text, message text);
INSERT INTO bad VALUES
('malformed', '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1301">'),
('not xml', 'serverApproved rg-bad.test'),
('empty', ''),
('xxe file', '<?xml version="1.0"?><!DOCTYPE epp [<!ENTITY x SYSTEM "file:///etc/passwd">]><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><resData><domain:trnData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>rg-bad.test</domain:name><domain:trStatus>&x;</domain:trStatus></domain:trnData></resData></response></epp>'),
('xxe canary', '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY x SYSTEM "file:///tmp/domxfer_registry_xxe_canary.txt">]><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><msgQ id="&x;"/></response></epp>'),
('external dtd', '<?xml version="1.0"?><!DOCTYPE epp SYSTEM "file:///tmp/domxfer_registry_xxe_canary.txt"><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"/>'),
('parameter entity', '<?xml version="1.0"?><!DOCTYPE epp [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"/>'),
('billion laughs', '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><msgQ id="&lol9;"/></response></epp>'),
('undeclared entity', '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><msgQ id="&lol9;"/></response></epp>'),
('wrong root', '<html xmlns="urn:ietf:params:xml:ns:epp-1.0"><response/></html>'),
('root without namespace', '<epp><response/></epp>'),
('latin-1 declared', '<?xml version="1.0" encoding="ISO-8859-1"?>' || substr(pg_temp.poll('rg-11', 'rg-bad.test', 'serverApproved', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0()), 56)),
('unknown trStatus', replace(pg_temp.poll('rg-12', 'rg-bad.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'), '>pending<', '>Pending<')),
('bad name', pg_temp.poll('rg-13', 'rg_bad.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days')),
('bad reDate', replace(pg_temp.poll('rg-14', 'rg-bad.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'), 'Z</domain:reDate>', '+0800</domain:reDate>')),
('bad exDate (found by fuzz/fuzz_epp_notice.c)', replace(pg_temp.poll('rg-21', 'rg-bad.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'), '</domain:trnData>', '<domain:exDate>r002-09-08T22:00:00.0Z</domain:exDate></domain:trnData>')),
('leap day that is not', regexp_replace(pg_temp.poll('rg-15', 'rg-bad.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'), '<domain:reDate>[^<]*', '<domain:reDate>2027-02-29T00:00:00Z')),
('bad reID', pg_temp.poll('rg-16', 'rg-bad.test', 'pending', 'g', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days')),
('acDate before reDate', pg_temp.poll('rg-17', 'rg-bad.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() - interval '5 days')),
('two names', replace(pg_temp.poll('rg-18', 'rg-bad.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'), '<domain:trStatus>', '<domain:name>rg-open.test</domain:name><domain:trStatus>')),
('unbound prefix, with a code', '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><resData><d:trnData><d:name>rg-bad.test</d:name><d:authInfo><d:pw>SECRET-unbound-1</d:pw></d:authInfo></d:trnData></resData></response></epp>');
CREATE TEMP TABLE bad_applied AS
SELECT b.label, a.* FROM bad b CROSS JOIN LATERAL domxfer.apply_registry_message(b.message) a;
SELECT b.label, b.result, m.sqlstate, m.error
  FROM bad_applied b JOIN domxfer.registry_messages m ON m.id = b.message_id;
-- a code in an element whose prefix has no namespace is not kept either
SELECT count(*) AS stored_with_the_code FROM domxfer.registry_messages WHERE message LIKE '%SECRET-unbound%';
SELECT (SELECT count(*) FROM domxfer.transfers) - b.transfers AS transfers, (SELECT count(*) FROM domxfer.transfer_events) - b.events AS events,
	   (SELECT count(*) FROM domxfer.registry_commands) - b.commands AS commands,
	   (SELECT md5(string_agg(d::text, ',' ORDER BY d.name)) FROM domxfer.domains d) = b.domains AS domains_unchanged
  FROM before b;
-- nothing read from the file system, nothing expanded
SELECT count(*) FROM domxfer.registry_messages m
 WHERE m::text LIKE '%XXE-CANARY%' OR m::text LIKE '%root:x:0%' OR m::text LIKE '%lollollol%';
-- what can only raise: NULL, over 1 MB (10 MB here)
SELECT pg_temp.try($$SELECT domxfer.apply_registry_message(NULL)$$);
SELECT pg_temp.try($$SELECT domxfer.apply_registry_message(pg_temp.poll('rg-19', repeat('a', 10485760) || '.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0()))$$);
SELECT count(*) FROM domxfer.registry_messages WHERE msgq_id = 'rg-19';
-- invalid messages show in the discrepancy view
SELECT count(*) >= 20 AS invalid_listed FROM domxfer.registry_discrepancies WHERE kind = 'invalid_message';

-- 12. the command functions' bad input
SELECT pg_temp.try($$SELECT * FROM domxfer.claim_registry_commands(0)$$);
SELECT pg_temp.try($$SELECT * FROM domxfer.claim_registry_commands(NULL)$$);
SELECT pg_temp.try($$SELECT * FROM domxfer.claim_registry_commands(1, '0 seconds')$$);
SELECT pg_temp.try($$SELECT domxfer.registry_command_xml(NULL)$$);
SELECT pg_temp.try($$SELECT domxfer.registry_command_xml(-1)$$);
SELECT pg_temp.try($$SELECT domxfer.record_registry_response(-1, 1000, 'SRV-1')$$);
SELECT pg_temp.try($$SELECT domxfer.record_registry_response(NULL, 1000, 'SRV-1')$$);
SELECT pg_temp.try(format('SELECT domxfer.record_registry_response(%s, 3000, %L)', :cmd7, 'SRV-1'));
SELECT pg_temp.try(format('SELECT domxfer.record_registry_response(%s, 1000, %L)', :cmd7, E'SRV\n1'));
SELECT pg_temp.try(format('SELECT domxfer.record_registry_response(%s, 1000, %L)', :cmd7, 'S'));

-- 13. roles: the EPP client (domxfer_app) and the reader
SET ROLE domxfer_app;
SELECT pg_temp.apply(pg_temp.poll('rg-20', 'rg-bad.test', 'serverCancelled', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0()));
SELECT count(*) >= 0 FROM domxfer.claim_registry_commands(1);
SELECT pg_temp.try($$INSERT INTO domxfer.registry_commands (transfer_id, domain_name, op, reason_codes, ac_date) VALUES (1, 'x.test', 'approve', '{x}', pg_temp.t0())$$);
SELECT pg_temp.try($$DELETE FROM domxfer.registry_messages$$);
RESET ROLE;
SET ROLE domxfer_reader;
SELECT count(*) > 0 FROM domxfer.registry_messages;
SELECT count(*) > 0 FROM domxfer.registry_commands;
SELECT count(*) > 0 FROM domxfer.registry_discrepancies;
SELECT pg_temp.try($$SELECT domxfer.apply_registry_message('<epp/>')$$);
RESET ROLE;

-- 14. a pending notice naming us as the gaining registrar (reID = our id):
-- invalid (22023), stored, nothing changes
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('rg-self.test', 'regress-us', pg_temp.t0() - interval '400 days', pg_temp.t0() + interval '300 days', 'holder@example.net'),
	   ('rg-plain.example', 'regress-us', pg_temp.t0() - interval '400 days', pg_temp.t0() + interval '300 days', 'holder@example.net');
SELECT pg_temp.apply(pg_temp.poll('rg-30', 'rg-self.test', 'pending', 'regress-us', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT m.result, m.sqlstate, m.error FROM domxfer.registry_messages m WHERE m.msgq_id = 'rg-30';
SELECT pg_temp.state('rg-self.test');
SELECT count(*) AS transfers FROM domxfer.transfers WHERE domain_name = 'rg-self.test';

-- 15. a TLD whose policy has registry_transfers = false (the default row
-- here): the registrar checks codes itself, a registry notice is invalid
-- (55000), stored and listed as a discrepancy; nothing changes
SELECT (domxfer._policy_for('rg-plain.example')).registry_transfers;
SELECT pg_temp.apply(pg_temp.poll('rg-31', 'rg-plain.example', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT pg_temp.apply(pg_temp.poll('rg-32', 'rg-plain.example', 'serverApproved', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0()));
SELECT m.msgq_id, m.result, m.sqlstate, m.error FROM domxfer.registry_messages m
 WHERE m.msgq_id IN ('rg-31', 'rg-32') ORDER BY m.msgq_id;
SELECT d.kind, d.domain_name FROM domxfer.registry_discrepancies d
  JOIN domxfer.registry_messages m ON m.id = d.message_id
 WHERE m.msgq_id IN ('rg-30', 'rg-31', 'rg-32') ORDER BY m.msgq_id;
SELECT pg_temp.state('rg-plain.example');
SELECT count(*) AS transfers FROM domxfer.transfers WHERE domain_name = 'rg-plain.example';

-- ===== 0.3.0 (SPEC §8): sequencing, discrepancies an operator can close, reading =====
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n || '.test', 'regress-us', pg_temp.t0() - interval '400 days', pg_temp.t0() + interval '300 days', 'holder@example.net'
  FROM unnest(ARRAY['rg-seq', 'rg-seq-old', 'rg-seq-new', 'rg-recancel', 'rg-expired', 'rg-failapp', 'rg-unsent',
				   'rg-unsent-claimed', 'rg-ns', 'rg-ns-partial', 'rg-zone', 'rg-zone-utc']) AS n;
-- the transfers of a domain, oldest first: state, gaining registrar, outcome
CREATE FUNCTION pg_temp.history(name text) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(concat_ws(' ', t.state, t.gaining_registrar, t.outcome_reason::text), ' / ' ORDER BY t.id)
	  FROM domxfer.transfers t WHERE t.domain_name = history.name
$$;
-- the note of the last stored message with that msgQ id
CREATE FUNCTION pg_temp.note(msgq text) RETURNS text LANGUAGE sql AS $$
	SELECT regexp_replace(regexp_replace(m.note, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC', '<time>', 'g'),
						  '(transfer|command|message) \d+', '\1 <id>', 'g')
	  FROM domxfer.registry_messages m WHERE m.msgq_id = note.msgq ORDER BY m.id DESC LIMIT 1
$$;

-- 16. sequencing by reID and reDate (issue 17, fault 1): pending(A),
--     pending(B), then A's late serverCancelled: it must not end B's
--     transfer; B's serverApproved then completes B's
SELECT pg_temp.apply(pg_temp.poll('rg-40', 'rg-seq.test', 'pending', 'gainer-a', pg_temp.t0() - interval '2 days', 'regress-us', pg_temp.t0() + interval '3 days'));
SELECT pg_temp.apply(pg_temp.poll('rg-41', 'rg-seq.test', 'pending', 'gainer-b', pg_temp.t0() - interval '1 day', 'regress-us', pg_temp.t0() + interval '4 days'));
SELECT pg_temp.history('rg-seq.test');
SELECT pg_temp.note('rg-41');
SELECT pg_temp.apply(pg_temp.poll('rg-42', 'rg-seq.test', 'serverCancelled', 'gainer-a', pg_temp.t0() - interval '2 days', 'regress-us', pg_temp.t0() - interval '1 day'));
SELECT pg_temp.history('rg-seq.test');
SELECT pg_temp.state('rg-seq.test');
SELECT pg_temp.apply(pg_temp.poll('rg-43', 'rg-seq.test', 'serverApproved', 'gainer-b', pg_temp.t0() - interval '1 day', 'regress-us', pg_temp.t0()));
SELECT pg_temp.history('rg-seq.test');
SELECT pg_temp.state('rg-seq.test');
SELECT count(*) AS discrepancies FROM domxfer.registry_discrepancies WHERE domain_name = 'rg-seq.test';
-- an outcome for an older request whose pending notice was never seen
-- leaves the open (newer) transfer as it is, and says so
SELECT pg_temp.apply(pg_temp.poll('rg-44', 'rg-seq-old.test', 'pending', 'gainer-b', pg_temp.t0() - interval '1 day', 'regress-us', pg_temp.t0() + interval '4 days'));
SELECT pg_temp.apply(pg_temp.poll('rg-45', 'rg-seq-old.test', 'clientCancelled', 'gainer-a', pg_temp.t0() - interval '3 days', 'regress-us', pg_temp.t0() - interval '2 days'));
SELECT pg_temp.note('rg-45');
-- a late pending of the older request changes nothing either
SELECT pg_temp.apply(pg_temp.poll('rg-46', 'rg-seq-old.test', 'pending', 'gainer-a', pg_temp.t0() - interval '3 days', 'regress-us', pg_temp.t0() + interval '2 days'));
SELECT pg_temp.history('rg-seq-old.test');
SELECT pg_temp.state('rg-seq-old.test');
-- an outcome for a newer request (its pending never seen) ends the older
-- open transfer as superseded and records its own
SELECT pg_temp.apply(pg_temp.poll('rg-47', 'rg-seq-new.test', 'pending', 'gainer-a', pg_temp.t0() - interval '2 days', 'regress-us', pg_temp.t0() + interval '3 days'));
SELECT pg_temp.apply(pg_temp.poll('rg-48', 'rg-seq-new.test', 'clientApproved', 'gainer-b', pg_temp.t0() - interval '1 day', 'regress-us', pg_temp.t0()));
SELECT pg_temp.history('rg-seq-new.test');
SELECT pg_temp.state('rg-seq-new.test');
SELECT r.code, r.kind, r.meaning_en FROM domxfer.reason_codes r WHERE r.code = 'registry_superseded';

-- 17. the holder cancels before the registry's pending notice (fault 2):
--     the pending opens the registry's transfer and queues the reject again,
--     and says so (event, message note)
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('rg-recancel.test')$$);
SELECT t.id AS recancel_first FROM domxfer.transfers t WHERE t.domain_name = 'rg-recancel.test' \gset
SELECT pg_temp.try(format('SELECT domxfer.cancel_transfer_out(%s, %L)', :recancel_first, 'changed my mind'));
SELECT pg_temp.apply(pg_temp.poll('rg-50', 'rg-recancel.test', 'pending', 'gainer', pg_temp.t0() + interval '1 minute', 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT pg_temp.history('rg-recancel.test');
SELECT c.op, c.reason_codes, c.state, c.xml_namespace FROM domxfer.registry_commands c
  JOIN domxfer.transfers t ON t.id = c.transfer_id WHERE t.domain_name = 'rg-recancel.test'
   AND c.op IN ('approve', 'reject');  -- (set_auth_info, unset_auth_info: sql/registry_auth_info.sql)
SELECT pg_temp.note('rg-50');
SELECT e.detail->>'holder_cancelled_transfer_id' = :'recancel_first' AS names_cancelled,
	   regexp_replace(e.detail->>'note', '(transfer )\d+( at )[^,]*', '\1<id>\2<time>') AS note
  FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
 WHERE t.domain_name = 'rg-recancel.test' AND e.to_state = 'pending';
-- the same pending again changes nothing and queues nothing more
SELECT pg_temp.apply(replace(pg_temp.poll('rg-51', 'rg-recancel.test', 'pending', 'gainer', pg_temp.t0() + interval '1 minute', 'regress-us', pg_temp.t0() + interval '5 days'), '<msgQ count="1"', '<msgQ count="2"'));
SELECT count(*) AS commands FROM domxfer.registry_commands c
  JOIN domxfer.transfers t ON t.id = c.transfer_id WHERE t.domain_name = 'rg-recancel.test'
   AND c.op IN ('approve', 'reject');
-- control: the latest attempt was not cancelled by the holder (its code
-- expired): a pending is a new transfer, no reject
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('rg-expired.test')$$);
SELECT domxfer.process_due_transfers(pg_temp.t0() + interval '30 days') >= 1 AS decided;
SELECT pg_temp.apply(pg_temp.poll('rg-52', 'rg-expired.test', 'pending', 'gainer', pg_temp.t0() + interval '1 minute', 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT pg_temp.history('rg-expired.test');
SELECT count(*) AS commands FROM domxfer.registry_commands c
  JOIN domxfer.transfers t ON t.id = c.transfer_id WHERE t.domain_name = 'rg-expired.test'
   AND c.op IN ('approve', 'reject');

-- 18. a failed command whose transfer then ended the way it asked is not a
--     discrepancy (fault 4): approve answered 2301, then serverApproved
SELECT pg_temp.apply(pg_temp.poll('rg-60', 'rg-failapp.test', 'pending', 'gainer', pg_temp.t0() - interval '6 days', 'regress-us', pg_temp.t0() - interval '1 day'));
SELECT t.id AS failapp_id FROM domxfer.transfers t WHERE t.domain_name = 'rg-failapp.test' AND t.state = 'pending' \gset
SELECT pg_temp.try(format('SELECT domxfer.approve_transfer_out(%s)', :failapp_id));
SELECT command_id AS cmd60 FROM domxfer.claim_registry_commands(10) c WHERE c.domain_name = 'rg-failapp.test' \gset
SELECT domxfer.record_registry_response(:cmd60, 2301, 'SRV-60-2301');
SELECT kind FROM domxfer.registry_discrepancies WHERE transfer_id = :failapp_id ORDER BY kind;
SELECT pg_temp.apply(pg_temp.poll('rg-61', 'rg-failapp.test', 'serverApproved', 'gainer', pg_temp.t0() - interval '6 days', 'regress-us', pg_temp.t0() - interval '1 day'));
SELECT pg_temp.state('rg-failapp.test');
SELECT count(*) AS discrepancies FROM domxfer.registry_discrepancies WHERE transfer_id = :failapp_id;

-- 19. the domain left while domxfer's reject was unsent (fault 5): queued
--     (never sent), and claimed (not answered)
SELECT pg_temp.apply(pg_temp.poll('rg-70', 'rg-unsent.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT pg_temp.apply(pg_temp.poll('rg-72', 'rg-unsent-claimed.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'));
UPDATE domxfer.domains SET legal_hold = true WHERE name = 'rg-unsent-claimed.test';
SELECT domxfer.process_due_transfers();
SELECT count(*) AS claimed FROM domxfer.claim_registry_commands(1000) c WHERE c.domain_name = 'rg-unsent-claimed.test';
UPDATE domxfer.domains SET legal_hold = true WHERE name = 'rg-unsent.test';
SELECT domxfer.process_due_transfers();
SELECT c.domain_name, c.op, c.reason_codes, c.state FROM domxfer.registry_commands c
 WHERE c.domain_name IN ('rg-unsent.test', 'rg-unsent-claimed.test') ORDER BY c.domain_name;
SELECT pg_temp.apply(pg_temp.poll('rg-71', 'rg-unsent.test', 'serverApproved', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0()));
SELECT pg_temp.apply(pg_temp.poll('rg-73', 'rg-unsent-claimed.test', 'serverApproved', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0()));
SELECT c.domain_name, c.state, c.superseded_from FROM domxfer.registry_commands c
 WHERE c.domain_name IN ('rg-unsent.test', 'rg-unsent-claimed.test') ORDER BY c.domain_name;
SELECT domain_name, kind, asked, registry_outcome, detail, discrepancy_id = command_id AS id_is_command
  FROM domxfer.registry_discrepancies WHERE domain_name IN ('rg-unsent.test', 'rg-unsent-claimed.test')
 ORDER BY domain_name, kind;

-- 20. discrepancies an operator can close (fault 6), with who, when and why
SELECT message_id AS bad_msg FROM bad_applied WHERE label = 'malformed' \gset
SELECT count(*) AS listed FROM domxfer.registry_discrepancies WHERE kind = 'invalid_message' AND discrepancy_id = :bad_msg;
SET ROLE domxfer_app;
SELECT pg_temp.try(format('SELECT domxfer.acknowledge_registry_discrepancy(%L, %s, %L)', 'invalid_message', :bad_msg, 'seen'));
RESET ROLE;
SET ROLE domxfer_admin;
SELECT pg_temp.try(format('SELECT domxfer.acknowledge_registry_discrepancy(%L, %s, %L)', 'invalid_message', :bad_msg, 'registry ticket 4711: their malformed poll message, acknowledged at the registry'));
SELECT regexp_replace(pg_temp.try(format('SELECT domxfer.acknowledge_registry_discrepancy(%L, %s, %L)', 'invalid_message', :bad_msg, 'again')),
					  'invalid_message \d+', 'invalid_message <id>');
SELECT pg_temp.try(format('SELECT domxfer.acknowledge_registry_discrepancy(%L, %s, %L)', 'invalid_mesage', :bad_msg, 'typo'));
SELECT pg_temp.try(format('SELECT domxfer.acknowledge_registry_discrepancy(%L, %s, %L)', 'invalid_message', :bad_msg, '   '));
SELECT pg_temp.try(format('SELECT domxfer.acknowledge_registry_discrepancy(%L, %s, %L)', 'outcome_differs', -1, 'no such'));
SELECT pg_temp.try($$SELECT domxfer.acknowledge_registry_discrepancy('invalid_message', NULL, 'x')$$);
RESET ROLE;
SELECT count(*) AS listed FROM domxfer.registry_discrepancies WHERE kind = 'invalid_message' AND discrepancy_id = :bad_msg;
SELECT a.kind, a.discrepancy_id = :bad_msg AS same_id, a.acknowledged_by, a.acknowledged_at > pg_temp.t0() AS after_t0,
	   a.note, a.detail
  FROM domxfer.registry_discrepancy_acks a;
-- the other kinds close the same way
SELECT c.id AS unsent_cmd FROM domxfer.registry_commands c WHERE c.domain_name = 'rg-unsent.test' \gset
SET ROLE domxfer_admin;
SELECT domxfer.acknowledge_registry_discrepancy('left_while_reject_unsent', :unsent_cmd, 'legal hold lifted by the court the same day') IS NOT NULL AS acknowledged;
RESET ROLE;
SELECT domain_name, kind FROM domxfer.registry_discrepancies WHERE domain_name IN ('rg-unsent.test', 'rg-unsent-claimed.test')
 ORDER BY domain_name, kind;
SET ROLE domxfer_reader;
SELECT count(*) AS acks FROM domxfer.registry_discrepancy_acks;
SELECT pg_temp.try($$DELETE FROM domxfer.registry_discrepancy_acks$$);
RESET ROLE;

-- 21. reading a registry's own domain namespace whatever its URI's shape,
--     when the trnData has RFC 5731's elements
SELECT pg_temp.apply(replace(pg_temp.poll('rg-80', 'rg-ns.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'),
							 'urn:ietf:params:xml:ns:domain-1.0', 'https://epp.tld.ee/schema/domain-eis-1.0.xsd'));
SELECT m.xml_namespace, m.result FROM domxfer.registry_messages m WHERE m.msgq_id = 'rg-80';
SELECT pg_temp.apply(replace(pg_temp.poll('rg-81', 'rg-ns.test', 'serverApproved', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0()),
							 'urn:ietf:params:xml:ns:domain-1.0', 'urn:example:registry:xml:ns:Domain'));
SELECT pg_temp.state('rg-ns.test');
-- without RFC 5731's element set (no reID, reDate, acID, acDate) another
-- namespace is not read as a domain transfer notice
SELECT pg_temp.apply(regexp_replace(replace(pg_temp.poll('rg-82', 'rg-ns-partial.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'),
							 'urn:ietf:params:xml:ns:domain-1.0', 'https://epp.tld.ee/schema/domain-eis-1.0.xsd'), '<domain:(re|ac)[A-Za-z]+>[^<]*</domain:(re|ac)[A-Za-z]+>', '', 'g'));
-- nor is a registry's own object with RFC 5731's elements in a namespace
-- that does not name a domain (NASK's future-2.1: a reservation)
SELECT pg_temp.apply(replace(pg_temp.poll('rg-83', 'rg-ns-partial.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'),
							 'urn:ietf:params:xml:ns:domain-1.0', 'http://www.dns.pl/nask-epp-schema/future-2.1'));
SELECT pg_temp.state('rg-ns-partial.test');

-- 22. dates without a zone are read in the TLD's registry_time_zone, and
--     the message and the event say that the zone was assumed
SELECT pg_temp.try($$UPDATE domxfer.tld_policy SET registry_time_zone = 'Mars/Olympus' WHERE tld = 'test'$$);
UPDATE domxfer.tld_policy SET registry_time_zone = 'Asia/Shanghai' WHERE tld = 'test';
SELECT regexp_replace(regexp_replace(pg_temp.poll('rg-90', 'rg-zone.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'),
	'<domain:reDate>[^<]*', '<domain:reDate>' || to_char(pg_temp.t0() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS')),
	'<domain:acDate>[^<]*', '<domain:acDate>' || to_char((pg_temp.t0() + interval '5 days') AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS.US')) AS m90 \gset
SELECT pg_temp.apply(:'m90');
SELECT m.time_zone_assumed, m.re_date = date_trunc('second', pg_temp.t0()) AS re_date_right,
	   m.ac_date = pg_temp.t0() + interval '5 days' AS ac_date_right
  FROM domxfer.registry_messages m WHERE m.msgq_id = 'rg-90';
SELECT t.requested_at = date_trunc('second', pg_temp.t0()) AS requested_right, t.deadline = pg_temp.t0() + interval '5 days' AS deadline_right,
	   e.detail->>'time_zone_assumed' AS event_says
  FROM domxfer.transfers t JOIN domxfer.transfer_events e ON e.transfer_id = t.id WHERE t.domain_name = 'rg-zone.test';
-- a date with its zone is read as sent, and nothing is assumed
SELECT pg_temp.apply(pg_temp.poll('rg-91', 'rg-zone-utc.test', 'pending', 'gainer', pg_temp.t0(), 'regress-us', pg_temp.t0() + interval '5 days'));
SELECT m.time_zone_assumed IS NULL AS nothing_assumed, m.re_date = pg_temp.t0() AS re_date_right
  FROM domxfer.registry_messages m WHERE m.msgq_id = 'rg-91';
-- the default is UTC
UPDATE domxfer.tld_policy SET registry_time_zone = DEFAULT WHERE tld = 'test';
SELECT pg_temp.apply(replace(:'m90', 'rg-90', 'rg-92'));
SELECT m.time_zone_assumed, m.re_date = date_trunc('second', pg_temp.t0()) + interval '8 hours' AS read_as_utc
  FROM domxfer.registry_messages m WHERE m.msgq_id = 'rg-92';

-- clean up: a superuser can bypass the append-only triggers in replica mode
SET session_replication_role = replica;
DELETE FROM domxfer.registry_commands;
DELETE FROM domxfer.registry_messages;
DELETE FROM domxfer.registry_discrepancy_acks;
DELETE FROM domxfer.transfer_events e USING domxfer.transfers t
 WHERE e.transfer_id = t.id AND t.domain_name LIKE '%.test';
DELETE FROM domxfer.transfers WHERE domain_name LIKE '%.test';
DELETE FROM domxfer.domains WHERE name LIKE '%.test' OR name = 'rg-plain.example';
DELETE FROM domxfer.tld_policy WHERE tld = 'test';
RESET session_replication_role;
SELECT domxfer.set_registry_client_public_key(NULL);
DROP EXTENSION pgcrypto;
