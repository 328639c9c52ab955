-- Forgiving auth-code entry (SPEC §1c): every Unicode white-space character
-- and the zero-width characters U+200B..U+200D, U+2060, U+FEFF are removed
-- from a presented code before it is compared (in _auth_code_matches, which
-- every comparison goes through); such a code is not a wrong attempt. A
-- genuinely wrong code still counts, comparison stays case-sensitive, and
-- the fifth wrong code revokes it. Each statement is a transaction of its
-- own, so every receive below takes the counted path (the side transaction).
SET TimeZone = 'UTC';

CREATE FUNCTION pg_temp.try(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v_state text; v_msg text; v_detail text;
BEGIN
	EXECUTE cmd;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
	RETURN v_state || ': ' || v_msg || coalesce(' | ' || nullif(v_detail, ''), '');
END $$;

CREATE TEMP TABLE ce (name text PRIMARY KEY, paste text NOT NULL, transfer_id bigint, code text);
INSERT INTO ce (name, paste) VALUES
	('ce-newline.example', 'code || E''\n'''),
	('ce-crlf.example', 'code || E''\r\n'''),
	('ce-leading.example', '''   '' || code'),
	('ce-tab.example', 'E''\t'' || code || E''\t'''),
	('ce-nbsp.example', 'code || E''\u00a0'''),
	('ce-zwsp.example', 'left(code, 11) || E''\u200b'' || right(code, 11)'),
	('ce-bom.example', 'E''\ufeff'' || code'),
	('ce-word-joiner.example', 'left(code, 5) || E''\u2060\u200c\u200d'' || right(code, 17)'),
	('ce-ideographic.example', 'E''\u3000'' || code || E''\u3000'''),
	('ce-spaced.example', 'left(code, 4) || '' '' || substr(code, 5, 4) || '' '' || right(code, 14)'),
	('ce-line-sep.example', 'code || E''\u2028\u0085\u202f'''),
	('ce-wrong.example', 'code');
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT name, 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net' FROM ce;

-- one code per domain, each issued and committed in a statement of its own
UPDATE ce SET (transfer_id, code) = (SELECT r.transfer_id, r.auth_code FROM domxfer.request_transfer_out(ce.name) r);
SELECT count(*) AS codes, count(*) FILTER (WHERE length(code) = 22) AS of_22_characters FROM ce;

-- every pasted form is accepted: pending, nothing counted
CREATE TEMP TABLE ce_result AS
SELECT ce.name, ce.paste,
	   pg_temp.try(format('SELECT domxfer.receive_transfer_request(%L, %s, ''gaining-reg'')', ce.name,
						  replace(ce.paste, 'code', quote_literal(ce.code)))) AS result
  FROM ce WHERE ce.name <> 'ce-wrong.example';
SELECT r.name, r.paste, r.result, t.state, t.failed_attempts, t.gaining_registrar
  FROM ce_result r JOIN ce USING (name) JOIN domxfer.transfers t ON t.id = ce.transfer_id
 ORDER BY r.name;

-- a genuinely wrong code still counts; so do a code in another case, with a
-- full-width letter, or with a character of the code removed (white space
-- around a wrong code does not make it right); the 5th revokes the code
SELECT transfer_id AS wrong_id, code AS wrong_code FROM ce WHERE name = 'ce-wrong.example' \gset
SELECT attempt, pg_temp.try(format('SELECT domxfer.receive_transfer_request(''ce-wrong.example'', %L, ''gaining-reg'')', presented)) AS result
  FROM (VALUES
	(1, 'not-the-code'),
	(2, ' ' || lower(:'wrong_code') || E'\n'),
	(3, E'\u00a0' || left(:'wrong_code', 21) || 'Ａ' || E'\u00a0'),
	(4, left(:'wrong_code', 21) || E'\u200b'),
	(5, E'\t\u3000'),
	(6, :'wrong_code')
  ) AS a(attempt, presented)
 ORDER BY attempt;
SELECT state, failed_attempts, auth_code_hash IS NULL AS revoked FROM domxfer.transfers WHERE id = :wrong_id;
SELECT detail->>'action' AS action, detail->>'failed_attempts' AS failed_attempts
  FROM domxfer.transfer_events WHERE transfer_id = :wrong_id ORDER BY id;

-- a code issued in the caller's own transaction is compared there, through
-- the same function: pasted white space is removed there too
BEGIN;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('ce-sametx.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net');
SELECT transfer_id AS same_id, auth_code AS same_code FROM domxfer.request_transfer_out('ce-sametx.example') \gset
SELECT domxfer.receive_transfer_request('ce-sametx.example', E' \u200b' || :'same_code' || E'\r\n', 'gaining-reg') = :same_id AS accepted;
ROLLBACK;
