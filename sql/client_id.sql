-- Registrar identifiers are EPP client identifiers (SPEC §1b, RFC 5730
-- clIDType): one check (domxfer.check_client_id, src/client_id_check.c)
-- wherever one enters: the setting domxfer.registrar_id, the gaining
-- registrar of receive_transfer_request (22023) and the registrar columns
-- of domains and transfers (22P02). The server runs with
-- domxfer.registrar_id = 'regress-us'.
SET TimeZone = 'UTC';

-- try(sql): 'ok', or the error's SQLSTATE, message and DETAIL
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

-- accepted: 3 and 16 characters, single inner spaces, any letters
SELECT id, domxfer.check_client_id(id) = id AS accepted_unchanged
  FROM unnest(ARRAY['abc', 'regress-us', repeat('x', 16), 'a b-c.d_e', 'ClientX', '例子注册商', 'reg-123']) AS id;
SELECT domxfer.check_client_id(NULL) IS NULL AS null_gives_null;

-- refused, each with the check that failed (22023)
SELECT note, pg_temp.try(format('SELECT domxfer.check_client_id(%L)', id)) AS result
  FROM (VALUES
	('our id plus a space', 'regress-us '),
	('leading space', ' regress-us'),
	('two spaces inside', 'regress  us'),
	('two characters', 'ab'),
	('empty', ''),
	('17 characters', repeat('x', 17)),
	('1 MB', repeat('g', 1048576)),
	('tab', E'regress\tus'),
	('trailing newline', E'regress-us\n'),
	('carriage return', E'regress-us\r'),
	('C0 control U+0001', E'reg\u0001us'),
	('escape U+001B', E'reg\u001b[0mus'),
	('DEL U+007F', E'reg\u007fus'),
	('C1 control U+0085', E'reg\u0085us'),
	('no-break space U+00A0', E'regress\u00a0us'),
	('trailing no-break space', E'regress-us\u00a0'),
	('ideographic space U+3000', E'regress\u3000us'),
	('zero-width space U+200B', E'regress\u200bus'),
	('byte order mark U+FEFF', E'\ufeffregress-us'),
	('right-to-left override U+202E', E'reg\u202eus'),
	('soft hyphen U+00AD', E'regress\u00adus'),
	('noncharacter U+FFFF', E'reg\uffffus')
  ) AS v(note, id);

-- the setting: a bad value is refused (22023) and the old one stays
SHOW domxfer.registrar_id;
SELECT pg_temp.try($$SET domxfer.registrar_id = 'regress-us '$$) AS trailing_space,
	   pg_temp.try($$SET domxfer.registrar_id = E'regress-us\t'$$) AS tab,
	   pg_temp.try($$SET domxfer.registrar_id = 'this-is-seventeen'$$) AS too_long;
SHOW domxfer.registrar_id;

-- the column of domains: 22P02 naming the column, on INSERT and UPDATE
SELECT pg_temp.try($$INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
	VALUES ('cid-space.example', 'regress-us ', now() - interval '400 days', now() + interval '300 days')$$) AS insert_our_id_plus_space;
SELECT pg_temp.try($$INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
	VALUES ('cid-space.example', E'regress\u00a0us', now() - interval '400 days', now() + interval '300 days')$$) AS insert_nbsp;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('cid-move.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net'),
	   ('cid-other.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net');
SELECT pg_temp.try($$UPDATE domxfer.domains SET sponsoring_registrar = 'ab' WHERE name = 'cid-move.example'$$) AS update_too_short;
-- '' stays allowed for the setting: it means "not set" (the rules raise 55000)
BEGIN;
SET LOCAL domxfer.registrar_id = '';
SELECT pg_temp.try($$SELECT domxfer.transfer_out_eligible(d) FROM domxfer.domains d WHERE name = 'cid-other.example'$$) AS unset;
ROLLBACK;
SELECT sponsoring_registrar FROM domxfer.domains WHERE name = 'cid-move.example';

-- the gaining registrar: checked before anything else (22023), so a bad
-- identifier neither uses nor counts the code
SELECT transfer_id AS move_id, auth_code AS move_code FROM domxfer.request_transfer_out('cid-move.example') \gset
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('cid-move.example', %L, 'regress-us ')$$, :'move_code')) AS our_id_plus_space;
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('cid-move.example', %L, E'gainer\n')$$, :'move_code')) AS trailing_newline;
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('cid-move.example', %L, 'gain  er')$$, :'move_code')) AS two_spaces;
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('cid-move.example', %L, 'regress-us')$$, :'move_code')) AS us;
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('cid-move.example', 'wrong-code', %L)$$, repeat('g', 17))) AS wrong_code_bad_gainer;
SELECT state, failed_attempts, auth_code_hash IS NOT NULL AS code_still_set
  FROM domxfer.transfers WHERE id = :move_id;
-- a good identifier with the right code: pending, then completed with the
-- gaining registrar as sponsor, an identifier the column accepts
SELECT domxfer.receive_transfer_request('cid-move.example', :'move_code', 'gaining-reg') = :move_id AS accepted;
SELECT domxfer.approve_transfer_out(:move_id);
SELECT d.sponsoring_registrar, t.gaining_registrar, t.state,
	   domxfer.transfer_out_blockers(d) AS blockers_now
  FROM domxfer.domains d JOIN domxfer.transfers t ON t.domain_name = d.name
 WHERE t.id = :move_id;

-- the transfers column too (only the extension writes it; a superuser
-- writing it directly gets 22P02)
SELECT pg_temp.try(format($$UPDATE domxfer.transfers SET gaining_registrar = 'gaining-reg ' WHERE id = %s$$, :move_id)) AS transfers_column;
