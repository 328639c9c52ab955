-- How errors name a domain (first-day finding 7): one wording for an
-- unknown domain (P0002) whichever function looks it up; a known domain in
-- its Unicode display form, never as an A-label; record_registry_response
-- looks at the command first. NULL: the
-- functions that answer a question return NULL for NULL (STRICT, SQL's
-- rule), the lifecycle functions, which act, raise 22004.
SET TimeZone = 'UTC';

CREATE FUNCTION pg_temp.err(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v_state text; v_msg text; v_detail text;
BEGIN
	EXECUTE cmd;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
	RETURN v_state || ': ' || v_msg || coalesce(' | ' || v_detail, '');
END $$;

-- 1. an unknown domain: the same words from every lookup by name
SELECT f, pg_temp.err(format('SELECT domxfer.%s(%L)', f, 'Nowhere.例子.Example')) AS error
  FROM unnest(ARRAY['request_transfer_out', 'transfer_out_eligible', 'transfer_out_blockers',
					'transfer_out_warnings', 'transfer_window', 'rdap_domain', 'open_manual_transfer']) AS f
 ORDER BY f;
SELECT count(DISTINCT pg_temp.err(format('SELECT domxfer.%s(%L)', f, 'nowhere.example'))) AS wordings
  FROM unnest(ARRAY['request_transfer_out', 'transfer_out_eligible', 'transfer_out_blockers',
					'transfer_out_warnings', 'transfer_window', 'rdap_domain', 'open_manual_transfer']) AS f;
SELECT pg_temp.err($$SELECT domxfer.receive_transfer_request('nowhere.example', 'code', 'gaining-reg')$$) AS receive;

-- 2. a known IDN: named in Unicode, however it was given
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email, unpaid)
VALUES (domxfer.normalize_domain('例子.msg-test.example'), 'regress-us', now() - interval '400 days',
		now() + interval '300 days', 'holder@example.net', true),
	   (domxfer.normalize_domain('代码.msg-test.example'), 'regress-us', now() - interval '400 days',
		now() + interval '300 days', 'holder@example.net', false);
SELECT pg_temp.err($$SELECT domxfer.request_transfer_out('例子.msg-test.example')$$) AS not_eligible;
SELECT pg_temp.err($$SELECT domxfer.request_transfer_out('XN--FSQU00A.msg-test.example')$$) AS not_eligible_a_label_given;
SELECT count(*) FROM domxfer.request_transfer_out('代码.msg-test.example');
SELECT pg_temp.err($$SELECT domxfer.receive_transfer_request('代码.msg-test.example', 'AAAAAAAAAAAAAAAAAAAAAA', 'gaining-reg')$$) AS wrong_code;
SELECT pg_temp.err($$SELECT domxfer.open_manual_transfer('代码.msg-test.example')$$) AS not_manual;
-- an ASCII name is shown as it is
SELECT domxfer._shown_name('plain.example') AS ascii, domxfer._shown_name('xn--fsqu00a.example') AS idn;

-- 3. record_registry_response: an unknown command is reported as that,
-- even when the answer is malformed too
SELECT pg_temp.err($$SELECT domxfer.record_registry_response(-99, 9999, E'bad\ttrid')$$) AS unknown_command;
SELECT pg_temp.err($$SELECT domxfer.record_registry_response(-99, 1000, 'svtrid-1')$$) AS unknown_command_good_answer;

-- 4. NULL: questions answer NULL, actions raise 22004
SELECT domxfer.transfer_out_eligible(NULL::text) IS NULL AS eligible_null,
	   domxfer.transfer_out_blockers(NULL::text) IS NULL AS blockers_null,
	   domxfer.rdap_domain(NULL) IS NULL AS rdap_null;
SELECT pg_temp.err('SELECT domxfer.request_transfer_out(NULL)') AS request_null,
	   pg_temp.err('SELECT domxfer.open_manual_transfer(NULL)') AS manual_null,
	   pg_temp.err('SELECT domxfer.cancel_transfer_out(NULL)') AS cancel_null;
