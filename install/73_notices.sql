-- Notices to the holder: a transactional outbox (SPEC §9).
--
-- One writer: the statement trigger transfer_events_owe_notices. Every state
-- change of every path (the lifecycle functions, the worker's set-based
-- batch, the manual .hk process, and anything added later) writes exactly
-- one row of domxfer.transfer_events in its transaction; the trigger turns
-- the rows a statement inserted into the notices they owe, with one INSERT
-- per statement, in the same transaction. A path cannot forget its notice,
-- and a rollback takes the notice with it.
--
-- This fragment comes after 70_roles.sql so that it can grant its objects
-- itself; upgrade/0.1.0--0.2.0/75_notices.sql is the same script.

-- The two delays, per TLD (ICANN's revised Transfer Policy: the code within
-- 10 minutes, the other notices within 24 hours).
ALTER TABLE domxfer.tld_policy
	ADD COLUMN code_notice_minutes integer NOT NULL DEFAULT 10
		CONSTRAINT tld_policy_code_notice_minutes_range
		CHECK (code_notice_minutes OPERATOR(pg_catalog.>=) 1
			   AND code_notice_minutes OPERATOR(pg_catalog.<=) 1440),
	ADD COLUMN notice_hours integer NOT NULL DEFAULT 24
		CONSTRAINT tld_policy_notice_hours_range
		CHECK (notice_hours OPERATOR(pg_catalog.>=) 1
			   AND notice_hours OPERATOR(pg_catalog.<=) 720);

COMMENT ON COLUMN domxfer.tld_policy.code_notice_minutes IS 'integer, minutes (1 to 1440): an auth_code_issued notice is due this long after the code is issued (SPEC §9; ICANN Transfer Policy revision: 10 minutes)';
COMMENT ON COLUMN domxfer.tld_policy.notice_hours IS 'integer, hours (1 to 720): every other notice to the holder is due this long after the state change that owes it (SPEC §9; ICANN Transfer Policy revision: 24 hours)';

-- A restored dump brings changed numbers of a shipped row back: the shipped
-- row takes them before tld_policy_before_insert (which fires after this
-- trigger, by name) replaces the rest of the row and drops the new one.
CREATE FUNCTION domxfer._tld_policy_adopt_notice_numbers() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NEW.shipped THEN
		UPDATE domxfer.tld_policy AS p
		   SET (code_notice_minutes, notice_hours) = (NEW.code_notice_minutes, NEW.notice_hours)
		 WHERE p.tld OPERATOR(pg_catalog.=) NEW.tld AND p.shipped;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_adopt_notice_numbers() IS
	'Trigger of tld_policy: an inserted row with shipped = true gives its notice delays to the shipped row of its TLD (the rest of the row is replaced by tld_policy_before_insert)';

CREATE TRIGGER tld_policy_adopt_notice_numbers BEFORE INSERT ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_adopt_notice_numbers();

CREATE TYPE domxfer.notice_kind AS ENUM (
	'auth_code_issued',
	'transfer_requested',
	'transfer_completed',
	'transfer_rejected',
	'transfer_cancelled',
	'auth_code_expired'
);

COMMENT ON TYPE domxfer.notice_kind IS 'Kind of a notice to the holder (SPEC §9): auth_code_issued, transfer_requested, transfer_completed, transfer_rejected, transfer_cancelled, auth_code_expired';

CREATE TABLE domxfer.notices (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- no foreign key: the writer copies it from the event, whose own key
	-- checks it, and a check per notice would cost the writer a query per row
	transfer_id bigint NOT NULL,
	event_id bigint NOT NULL
		CONSTRAINT notices_one_per_event UNIQUE,
	kind domxfer.notice_kind NOT NULL,
	recipient text,
	payload jsonb NOT NULL,
	code_ciphertext bytea,
	due_by timestamptz NOT NULL,
	created_at timestamptz NOT NULL,
	sent_at timestamptz,
	attempts integer NOT NULL DEFAULT 0
		CHECK (attempts OPERATOR(pg_catalog.>=) 0),
	last_error text,
	next_attempt_at timestamptz NOT NULL,
	claimed_until timestamptz,
	superseded_at timestamptz,
	CONSTRAINT notices_due_after_created CHECK (due_by OPERATOR(pg_catalog.>) created_at),
	CONSTRAINT notices_code_only_with_code_notice
		CHECK (code_ciphertext IS NULL OR kind OPERATOR(pg_catalog.=) 'auth_code_issued'),
	CONSTRAINT notices_sent_keeps_no_code
		CHECK (sent_at IS NULL OR code_ciphertext IS NULL),
	CONSTRAINT notices_sent_is_not_claimed
		CHECK (sent_at IS NULL OR claimed_until IS NULL),
	CONSTRAINT notices_superseded_keeps_no_code
		CHECK (superseded_at IS NULL OR code_ciphertext IS NULL)
)
-- room on each page for a claim to update its notices in place (HOT: the
-- claim changes no indexed column). A mailer claims and marks in one
-- transaction, so a page holds three versions of each notice it claimed
-- until that commits (none can be pruned before): at 70 most claims found
-- no room and became non-HOT updates with three index entries each; at 30
-- they stay HOT (bench/50_notices.sh: drain 25% faster). The table is a
-- queue, so the space is reused as notices are sent and vacuumed.
WITH (fillfactor = 30);

COMMENT ON TABLE domxfer.notices IS 'Transactional outbox (SPEC §9): one row per notice the holder is owed, written by the trigger transfer_events_owe_notices in the transaction of the state change; mailers take them with claim_notices() and close them with mark_notice_sent() / mark_notice_failed()';
COMMENT ON COLUMN domxfer.notices.id IS 'bigint: notice identifier, increasing in insertion order';
COMMENT ON COLUMN domxfer.notices.transfer_id IS 'bigint: the transfer the notice is about (domxfer.transfers.id, copied from the event)';
COMMENT ON COLUMN domxfer.notices.event_id IS 'bigint: the audit event (domxfer.transfer_events.id) that owes this notice; at most one notice per event';
COMMENT ON COLUMN domxfer.notices.kind IS 'domxfer.notice_kind: what the notice tells the holder (SPEC §9)';
COMMENT ON COLUMN domxfer.notices.recipient IS 'text: the domain''s registrant_email at the moment of the state change; NULL if the domain had none then or registrant_email_usable was false (R8''s strict check failed, e.g. demoted to a warning by the TLD''s rule set): the notice stays owed, unsendable, and shows in overdue_notices';
COMMENT ON COLUMN domxfer.notices.payload IS 'jsonb: everything the mail needs (SPEC §9): kind, transfer_id, domain (A-label), domain_unicode, dates as RFC 3339 UTC text, gaining_registrar, deadline, reasons with meaning_en/meaning_zh, how_to_cancel/how_to_approve/how_to_void, code_encrypted; never the auth code or its hash';
COMMENT ON COLUMN domxfer.notices.code_ciphertext IS 'bytea: the auth code encrypted with pgcrypto''s pgp_pub_encrypt to the mailer''s OpenPGP key (domxfer.notice_key) when one is configured, only in auth_code_issued notices; wiped when the notice is marked sent. Not readable by domxfer_reader';
COMMENT ON COLUMN domxfer.notices.due_by IS 'timestamptz: when the notice must have been sent: created_at + tld_policy.code_notice_minutes for auth_code_issued, + tld_policy.notice_hours otherwise (SPEC §9, ICANN Transfer Policy revision)';
COMMENT ON COLUMN domxfer.notices.created_at IS 'timestamptz: when the state change that owes it happened (the transfer_events row''s at)';
COMMENT ON COLUMN domxfer.notices.sent_at IS 'timestamptz: when a mailer reported it sent (mark_notice_sent); NULL while owed';
COMMENT ON COLUMN domxfer.notices.attempts IS 'integer: how many times a mailer has claimed it (each claim is one delivery attempt)';
COMMENT ON COLUMN domxfer.notices.last_error IS 'text: the last error a mailer reported (mark_notice_failed), at most 1000 characters; NULL if none';
COMMENT ON COLUMN domxfer.notices.next_attempt_at IS 'timestamptz: from when claim_notices() may hand it out: created_at at first, the end of the backoff after a failure (and not while claimed_until is in the future); infinity once superseded';
COMMENT ON COLUMN domxfer.notices.superseded_at IS 'timestamptz: when claim_notices() found the notice no longer true (domxfer._notice_still_true: its code was revoked, reissued or expired unused, or its transfer left the state it announces) and superseded it instead of handing it out; such a notice is never given to a mailer (next_attempt_at is infinity, code_ciphertext wiped), is not overdue and is not counted as unsent; sent_at stays NULL unless a mailer that had claimed it earlier reports it sent. NULL otherwise (SPEC §9, issue 19 finding 6)';
COMMENT ON COLUMN domxfer.notices.claimed_until IS 'timestamptz: end of the current claim''s lease; NULL when not claimed or after a failure. After it the notice is handed out again';

CREATE INDEX notices_unsent ON domxfer.notices (next_attempt_at, id)
	WHERE sent_at IS NULL;

-- The mailer's OpenPGP public key, if auth codes travel in the notices.
CREATE TABLE domxfer.notice_key (
	singleton boolean PRIMARY KEY DEFAULT true
		CONSTRAINT notice_key_one_row CHECK (singleton),
	public_key text NOT NULL,
	key_id text NOT NULL,
	set_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE domxfer.notice_key IS 'At most one row: the mailer''s OpenPGP public key (ASCII-armored); while set, auth_code_issued notices carry the code encrypted to it (SPEC §9). Set with domxfer.set_notice_public_key(); readable only by domxfer_admin';
COMMENT ON COLUMN domxfer.notice_key.singleton IS 'boolean: always true (the table has at most one row)';
COMMENT ON COLUMN domxfer.notice_key.public_key IS 'text: the OpenPGP public key, ASCII-armored (RFC 4880 §6.2)';
COMMENT ON COLUMN domxfer.notice_key.key_id IS 'text: the key''s ID as pgcrypto''s pgp_key_id() reports it (16 hex digits)';
COMMENT ON COLUMN domxfer.notice_key.set_at IS 'timestamptz: when the key was set';

SELECT pg_catalog.pg_extension_config_dump('domxfer.notices', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.notices_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.notice_key', '');

COMMENT ON SEQUENCE domxfer.notices_id_seq IS 'Identity sequence of domxfer.notices.id';

CREATE FUNCTION domxfer._take_issued_auth_code()
RETURNS text
AS 'MODULE_PATHNAME', 'domxfer_take_issued_auth_code'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._take_issued_auth_code() IS 'Internal: the auth code domxfer._auth_code_new() made last in this transaction, returned once and then wiped (it is also wiped at the end of the transaction); NULL if none. Only the notice writer calls it';

-- Which notice an event owes: a code issued (first, after the documents,
-- or reissued), or a change into pending or a final state. Same-state events
-- (code revoked, documents received) and a manual request owe none.
-- Typed constants (no text-to-enum cast, which is only STABLE) keep it
-- inlinable into the writer's statement.
CREATE FUNCTION domxfer._notice_kind(from_state domxfer.transfer_state, to_state domxfer.transfer_state, detail jsonb)
RETURNS domxfer.notice_kind
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
	WHEN to_state OPERATOR(pg_catalog.=) 'auth_code_issued'
		 AND (from_state IS DISTINCT FROM to_state
			  OR (detail OPERATOR(pg_catalog.->>) 'action') OPERATOR(pg_catalog.=) 'auth_code_reissued')
		THEN 'auth_code_issued'::domxfer.notice_kind
	WHEN from_state IS NOT DISTINCT FROM to_state THEN NULL
	WHEN to_state OPERATOR(pg_catalog.=) 'pending' THEN 'transfer_requested'::domxfer.notice_kind
	WHEN to_state OPERATOR(pg_catalog.=) 'completed' THEN 'transfer_completed'::domxfer.notice_kind
	WHEN to_state OPERATOR(pg_catalog.=) 'rejected' THEN 'transfer_rejected'::domxfer.notice_kind
	WHEN to_state OPERATOR(pg_catalog.=) 'cancelled' THEN 'transfer_cancelled'::domxfer.notice_kind
	WHEN to_state OPERATOR(pg_catalog.=) 'expired' THEN 'auth_code_expired'::domxfer.notice_kind
END;

COMMENT ON FUNCTION domxfer._notice_kind(domxfer.transfer_state, domxfer.transfer_state, jsonb) IS 'Internal: the kind of notice a transfer_events row owes (SPEC §9), NULL if none: auth_code_issued for a code issued or reissued, transfer_requested for pending, transfer_completed/rejected/cancelled, auth_code_expired for expired';

-- The code, encrypted to the mailer's key; NULL (with a WARNING) if
-- pgcrypto is gone since the key was set: the notice then goes without it,
-- and the application still has the code request_transfer_out returned.
CREATE FUNCTION domxfer._encrypt_code(code text, public_key text)
RETURNS bytea
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_schema name;
	v_cipher bytea;
BEGIN
	SELECT n.nspname INTO v_schema
	  FROM pg_catalog.pg_extension x
	  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) x.extnamespace
	 WHERE x.extname OPERATOR(pg_catalog.=) 'pgcrypto';
	IF NOT FOUND THEN
		RAISE WARNING 'auth code notice sent without the encrypted code: pgcrypto is not installed'
			USING HINT = 'CREATE EXTENSION pgcrypto, or remove the key with domxfer.set_notice_public_key(NULL).';
		RETURN NULL;
	END IF;
	EXECUTE pg_catalog.format('SELECT %I.pgp_pub_encrypt($1, %I.dearmor($2))', v_schema, v_schema)
	   INTO v_cipher USING code, public_key;
	RETURN v_cipher;
END
$$;

COMMENT ON FUNCTION domxfer._encrypt_code(text, text) IS 'Internal: pgcrypto''s pgp_pub_encrypt of an auth code to an ASCII-armored OpenPGP public key (pgcrypto loaded lazily, from whatever schema it is installed in); NULL with a WARNING if pgcrypto is not installed';

-- The code for an auth_code_issued notice: the one this transaction issued
-- last, if it is this transfer's current code (its salted hash matches), so
-- that no notice can ever carry another transfer's code.
CREATE FUNCTION domxfer._notice_ciphertext(salt bytea, hash bytea, public_key text)
RETURNS bytea
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_code text := domxfer._take_issued_auth_code();
	v_cipher bytea;
BEGIN
	IF v_code IS NULL OR salt IS NULL OR hash IS NULL OR public_key IS NULL
	   OR NOT domxfer._auth_code_matches(v_code, salt, hash) THEN
		RETURN NULL;
	END IF;
	v_cipher := domxfer._encrypt_code(v_code, public_key);
	v_code := NULL;
	RETURN v_cipher;
END
$$;

COMMENT ON FUNCTION domxfer._notice_ciphertext(bytea, bytea, text) IS 'Internal: takes the auth code issued last in this transaction (domxfer._take_issued_auth_code) and, if it is the code of the transfer whose salt and hash are given, returns it encrypted to public_key; else NULL';

-- The one writer.
CREATE FUNCTION domxfer._owe_notices()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- Events dated before their transaction began come from a restored dump:
	-- their notices are restored with it.
	INSERT INTO domxfer.notices (transfer_id, event_id, kind, recipient, payload, code_ciphertext,
								 due_by, created_at, next_attempt_at)
	SELECT e.transfer_id, e.id, k.kind,
		   CASE WHEN d.registrant_email_usable THEN d.registrant_email END,	-- an unusable address is no recipient
		   pg_catalog.jsonb_build_object(
			'kind', k.kind,
			'transfer_id', t.id,
			'domain', t.domain_name,
			'domain_unicode', domxfer.domain_to_unicode(t.domain_name),
			'manual', t.manual,
			'at', domxfer._rfc3339(e.at))
		   OPERATOR(pg_catalog.||) CASE k.kind
			WHEN 'auth_code_issued' THEN pg_catalog.jsonb_build_object(
				'auth_code_expires_at', domxfer._rfc3339(t.auth_code_expires_at),
				'how_to_void', pg_catalog.jsonb_build_object(
					'cancel', 'domxfer.cancel_transfer_out(' OPERATOR(pg_catalog.||) t.id OPERATOR(pg_catalog.||) ')',
					'reissue', 'domxfer.reissue_auth_code(' OPERATOR(pg_catalog.||) t.id OPERATOR(pg_catalog.||) ')'),
				'how_to_cancel', pg_catalog.jsonb_build_object(
					'call', 'domxfer.cancel_transfer_out(' OPERATOR(pg_catalog.||) t.id OPERATOR(pg_catalog.||) ')',
					'until', domxfer._rfc3339(t.auth_code_expires_at)),
				'code_encrypted', ck.cipher IS NOT NULL)
			WHEN 'transfer_requested' THEN pg_catalog.jsonb_build_object(
				'gaining_registrar', t.gaining_registrar,
				'requested_at', domxfer._rfc3339(t.requested_at),
				'deadline', domxfer._rfc3339(t.deadline),
				'how_to_cancel', pg_catalog.jsonb_build_object(
					'call', 'domxfer.cancel_transfer_out(' OPERATOR(pg_catalog.||) t.id OPERATOR(pg_catalog.||) ')',
					'until', domxfer._rfc3339(t.deadline)))
				OPERATOR(pg_catalog.||) CASE WHEN p.early_approval THEN pg_catalog.jsonb_build_object(
					'how_to_approve', pg_catalog.jsonb_build_object(
						'call', 'domxfer.approve_transfer_out(' OPERATOR(pg_catalog.||) t.id OPERATOR(pg_catalog.||) ')',
						'until', domxfer._rfc3339(t.deadline))) ELSE '{}' END
			ELSE pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
				'gaining_registrar', t.gaining_registrar,
				'requested_at', domxfer._rfc3339(t.requested_at),
				'deadline', domxfer._rfc3339(t.deadline),
				'decided_at', domxfer._rfc3339(t.decided_at),
				'note', t.cancel_note,
				'transfer_back_from', CASE WHEN k.kind OPERATOR(pg_catalog.=) 'transfer_completed'
										   THEN domxfer._rfc3339(x.back_from) END,
				-- the outcome's codes with their meanings, in order: rule
				-- codes from domxfer.reason_codes, outcome codes here
				'reasons', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
									'code', c.code,
									'meaning_en', COALESCE(r.meaning_en, o.en),
									'meaning_zh', COALESCE(r.meaning_zh, o.zh)) ORDER BY c.n)
							  FROM pg_catalog.unnest(t.outcome_reason) WITH ORDINALITY AS c(code, n)
							  LEFT JOIN domxfer.reason_codes r ON r.code OPERATOR(pg_catalog.=) c.code
							  LEFT JOIN (VALUES
								('auto_approved', 'approved automatically at the deadline', '期限届满自动批准'),
								('holder_approved', 'approved early by the holder', '持有人提前批准'),
								('holder_cancelled', 'cancelled by the holder', '持有人已取消'),
								('auth_code_expired', 'the auth code expired unused', '转移密码过期未使用')) AS o(code, en, zh)
								ON o.code OPERATOR(pg_catalog.=) c.code)))
		   END,
		   ck.cipher,
		   e.at OPERATOR(pg_catalog.+) CASE WHEN k.kind OPERATOR(pg_catalog.=) 'auth_code_issued'
											THEN pg_catalog.make_interval(mins => p.code_notice_minutes)
											ELSE pg_catalog.make_interval(hours => p.notice_hours) END,
		   e.at, e.at
	  FROM owed e
	 CROSS JOIN LATERAL (SELECT domxfer._notice_kind(e.from_state, e.to_state, e.detail) AS kind OFFSET 0) k
	 -- The planner knows nothing of the transition table's size (a few
	 -- rows, a batch at most): as plain joins it would hash all of
	 -- transfers and domains for every statement. Lateral subqueries that
	 -- are not pulled up (OFFSET 0) make them index lookups per event.
	 CROSS JOIN LATERAL (SELECT tr.* FROM domxfer.transfers tr
						  WHERE tr.id OPERATOR(pg_catalog.=) e.transfer_id OFFSET 0) t
	 CROSS JOIN LATERAL (SELECT dm.registrant_email, dm.registrant_email_usable
						   FROM domxfer._domain_row(t.domain_name) dm OFFSET 0) d
	 -- the TLD's policy row, else the default row
	 CROSS JOIN LATERAL (SELECT pl.early_approval, pl.min_days_after_transfer, pl.code_notice_minutes, pl.notice_hours
						   FROM domxfer._policy_for(t.domain_name) pl) p
	 -- the first instant a transfer back is allowed (R4)
	 CROSS JOIN LATERAL (SELECT t.decided_at OPERATOR(pg_catalog.+) domxfer._days(p.min_days_after_transfer) AS back_from
						 OFFSET 0) x
	 -- the code, encrypted to the mailer's key, only while one is set
	 CROSS JOIN LATERAL (SELECT CASE WHEN k.kind OPERATOR(pg_catalog.=) 'auth_code_issued' THEN
							(SELECT domxfer._notice_ciphertext(t.auth_code_salt, t.auth_code_hash, nk.public_key)
							   FROM domxfer.notice_key nk) END AS cipher
						 OFFSET 0) ck
	 WHERE k.kind IS NOT NULL
	   AND e.at OPERATOR(pg_catalog.>=) pg_catalog.now();
	RETURN NULL;
END
$$;

COMMENT ON FUNCTION domxfer._owe_notices() IS 'Statement trigger of transfer_events, the one writer of domxfer.notices: inserts, in the same transaction, the notice each new event owes (SPEC §9; kind by domxfer._notice_kind), with recipient, payload and due_by; events dated before their transaction began (a restored dump) owe nothing';

CREATE TRIGGER transfer_events_owe_notices
	AFTER INSERT ON domxfer.transfer_events
	REFERENCING NEW TABLE AS owed
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._owe_notices();

-- The mailer's side.

CREATE FUNCTION domxfer.claim_notices(max integer DEFAULT 10, lease interval DEFAULT '5 minutes')
RETURNS TABLE (id bigint, transfer_id bigint, kind domxfer.notice_kind, recipient text, payload jsonb,
			   code_ciphertext bytea, due_by timestamptz, created_at timestamptz, attempts integer)
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- one plan for every claim: a custom plan for each max (what the plan cache
-- chooses, the generic LIMIT looking costlier) planned the query again on
-- every call, 0.2 ms per claim of 100 (bench/80_notify.sh's drain)
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
BEGIN
	IF claim_notices.max IS NULL OR claim_notices.lease IS NULL THEN
		RAISE EXCEPTION 'max and lease must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF claim_notices.max OPERATOR(pg_catalog.<) 1 OR claim_notices.max OPERATOR(pg_catalog.>) 10000 THEN
		RAISE EXCEPTION 'max must be between 1 and 10000'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('max is %s.', claim_notices.max);
	END IF;
	IF claim_notices.lease OPERATOR(pg_catalog.<) interval '1 second'
	   OR claim_notices.lease OPERATOR(pg_catalog.>) interval '1 day' THEN
		RAISE EXCEPTION 'lease must be between 1 second and 1 day'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('lease is %s.', claim_notices.lease);
	END IF;
	RETURN QUERY
	WITH c AS (
		-- whether each is no longer true is read with the row (the test
		-- reads only what a notice never changes, and the transfer and its
		-- events). Only a code's or a request's notice can stop being true
		-- (the outcomes are final), and only a code's can be held: the kind
		-- is tested first, each function runs a query per notice (a body
		-- with a subquery is never inlined)
		SELECT n.id,
			   n.kind OPERATOR(pg_catalog.=) ANY ('{auth_code_issued,transfer_requested}'::domxfer.notice_kind[])
			   AND domxfer._notice_still_true(n) IS FALSE AS lapsed
		  FROM domxfer.notices n
		 WHERE n.sent_at IS NULL
		   AND n.next_attempt_at OPERATOR(pg_catalog.<=) v_now
		   AND (n.claimed_until IS NULL OR n.claimed_until OPERATOR(pg_catalog.<=) v_now)
		   -- SPEC §8 0.3.0: the code not yet at the registry
		   AND (n.kind OPERATOR(pg_catalog.<>) 'auth_code_issued'::domxfer.notice_kind
				OR NOT domxfer._notice_held(n.kind, n.transfer_id, n.created_at))
		 ORDER BY n.next_attempt_at, n.id
		 LIMIT claim_notices.max
		   FOR UPDATE SKIP LOCKED
	),
	-- a notice no longer true is superseded, never handed out
	s AS (
		UPDATE domxfer.notices n
		   SET superseded_at = v_now, next_attempt_at = 'infinity', claimed_until = NULL, code_ciphertext = NULL
		  FROM c
		 WHERE c.lapsed
		   AND n.id OPERATOR(pg_catalog.=) c.id
	)
	UPDATE domxfer.notices n
	   SET claimed_until = v_now OPERATOR(pg_catalog.+) claim_notices.lease,
		   claimed_by = domxfer._mailer_session_id(),
		   attempts = n.attempts OPERATOR(pg_catalog.+) 1
	  FROM c
	 WHERE NOT c.lapsed
	   AND n.id OPERATOR(pg_catalog.=) c.id
	RETURNING n.id, n.transfer_id, n.kind, n.recipient, n.payload, n.code_ciphertext,
			  n.due_by, n.created_at, n.attempts;
END
$$;

COMMENT ON FUNCTION domxfer.claim_notices(integer, interval) IS 'The mailer takes up to max (1 to 10000) unsent notices that are free (never claimed, lease over, or backoff over), earliest first, skipping rows other mailers hold (FOR UPDATE SKIP LOCKED); each is leased to the caller''s session for lease (1 s to 1 day): unless marked sent or failed by then, it is handed out again, and while a lease runs only its session''s marks count. Counts an attempt per notice. A notice no longer true (domxfer._notice_still_true) is superseded instead (superseded_at set, never handed out), so a claim may return fewer than max. 22004 for NULL, 22023 out of range (SPEC §9; superseding: issue 19 finding 6)';

CREATE FUNCTION domxfer._find_notice(id bigint)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF id IS NULL THEN
		RAISE EXCEPTION 'notice id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT EXISTS (SELECT FROM domxfer.notices n WHERE n.id OPERATOR(pg_catalog.=) _find_notice.id) THEN
		RAISE EXCEPTION 'notice % does not exist', id USING ERRCODE = 'no_data_found';
	END IF;
END
$$;

COMMENT ON FUNCTION domxfer._find_notice(bigint) IS 'Internal: raises 22004 for a NULL notice id and P0002 for an unknown one';

CREATE FUNCTION domxfer.mark_notice_sent(id bigint)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	v_me bigint := domxfer._mailer_session_id();
BEGIN
	UPDATE domxfer.notices n
	   SET sent_at = v_now,
		   claimed_until = NULL,
		   code_ciphertext = NULL
	 WHERE n.id OPERATOR(pg_catalog.=) mark_notice_sent.id
	   AND n.sent_at IS NULL
	   -- not while another session's claim runs
	   AND (n.claimed_until IS NULL OR n.claimed_until OPERATOR(pg_catalog.<=) v_now
			OR n.claimed_by IS NULL OR n.claimed_by OPERATOR(pg_catalog.=) v_me);
	IF FOUND THEN
		RETURN true;
	END IF;
	PERFORM domxfer._find_notice(mark_notice_sent.id);
	IF EXISTS (SELECT FROM domxfer.notices n
				WHERE n.id OPERATOR(pg_catalog.=) mark_notice_sent.id AND n.sent_at IS NULL) THEN
		PERFORM domxfer._warn_held_by_another_mailer(ARRAY[mark_notice_sent.id]);
	END IF;
	RETURN false;
END
$$;

COMMENT ON FUNCTION domxfer.mark_notice_sent(bigint) IS 'The mailer reports a notice sent: sets sent_at, ends its claim and wipes its code_ciphertext; true if that closed it, false if it was already sent (a second mailer after a lease expired: harmless) or if another mailer holds it now (claimed again after this session''s lease ended; a WARNING, SQLSTATE 01000, says so: a stale mailer never voids a live claim). Otherwise accepted whatever the lease: the mail went out, so no further copy should. 22004 for NULL, P0002 for an unknown id (SPEC §9)';

CREATE FUNCTION domxfer.mark_notice_failed(id bigint, error text)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	v_me bigint := domxfer._mailer_session_id();
	v_next timestamptz;
BEGIN
	IF error IS NULL THEN
		RAISE EXCEPTION 'error must not be NULL' USING ERRCODE = 'null_value_not_allowed',
			HINT = 'Say why the notice could not be sent.';
	END IF;
	-- 30 s after the first attempt, doubling per attempt, at most 1 hour
	UPDATE domxfer.notices n
	   SET last_error = pg_catalog.left(error, 1000),
		   claimed_until = NULL,
		   next_attempt_at = v_now OPERATOR(pg_catalog.+)
			   LEAST(interval '1 hour',
								interval '30 seconds' OPERATOR(pg_catalog.*)
								pg_catalog.power(2, LEAST(GREATEST(n.attempts, 1), 20) OPERATOR(pg_catalog.-) 1))
	 WHERE n.id OPERATOR(pg_catalog.=) mark_notice_failed.id
	   AND n.sent_at IS NULL
	   -- not while another session's claim runs
	   AND (n.claimed_until IS NULL OR n.claimed_until OPERATOR(pg_catalog.<=) v_now
			OR n.claimed_by IS NULL OR n.claimed_by OPERATOR(pg_catalog.=) v_me)
	RETURNING n.next_attempt_at INTO v_next;
	IF FOUND THEN
		RETURN v_next;
	END IF;
	PERFORM domxfer._find_notice(mark_notice_failed.id);
	IF EXISTS (SELECT FROM domxfer.notices n
				WHERE n.id OPERATOR(pg_catalog.=) mark_notice_failed.id AND n.sent_at IS NULL) THEN
		PERFORM domxfer._warn_held_by_another_mailer(ARRAY[mark_notice_failed.id]);
	END IF;
	RETURN NULL;
END
$$;

COMMENT ON FUNCTION domxfer.mark_notice_failed(bigint, text) IS 'The mailer reports that sending failed: records the error (first 1000 characters), ends the claim and backs off: the notice is handed out again after 30 s x 2^(attempts-1), at most 1 hour; returns that instant. NULL (nothing changed) if the notice was already sent or another mailer holds it now (claimed again after this session''s lease ended; a WARNING, SQLSTATE 01000, says so: a stale mailer never voids a live claim); a report after the lease ended still counts while no other mailer holds it. 22004 for NULL, P0002 for an unknown id (SPEC §9)';

CREATE FUNCTION domxfer.set_notice_public_key(public_key text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_schema name;
	v_key_id text;
BEGIN
	IF public_key IS NULL THEN
		DELETE FROM domxfer.notice_key;
		RETURN NULL;
	END IF;
	SELECT n.nspname INTO v_schema
	  FROM pg_catalog.pg_extension x
	  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) x.extnamespace
	 WHERE x.extname OPERATOR(pg_catalog.=) 'pgcrypto';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'encrypted auth codes in notices need the extension pgcrypto'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'CREATE EXTENSION pgcrypto (it ships with PostgreSQL''s contrib modules).';
	END IF;
	BEGIN
		EXECUTE pg_catalog.format('SELECT %I.pgp_key_id(%I.dearmor($1))', v_schema, v_schema)
		   INTO v_key_id USING public_key;
		-- a key that can be read but not encrypted to (a secret key, a
		-- signing-only key) fails here too
		PERFORM domxfer._encrypt_code('test', public_key);
	EXCEPTION WHEN OTHERS THEN
		RAISE EXCEPTION 'invalid OpenPGP public key'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = SQLERRM,
				  HINT = 'Give the ASCII-armored public key (gpg --armor --export KEYID) of a key that can encrypt.';
	END;
	IF v_key_id OPERATOR(pg_catalog.=) 'SYMKEY' OR v_key_id OPERATOR(pg_catalog.=) 'ANYKEY' THEN
		RAISE EXCEPTION 'invalid OpenPGP public key'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('pgp_key_id() says %s.', v_key_id);
	END IF;
	INSERT INTO domxfer.notice_key (singleton, public_key, key_id, set_at)
	VALUES (true, public_key, v_key_id, pg_catalog.now())
	ON CONFLICT (singleton) DO UPDATE
	   SET public_key = EXCLUDED.public_key, key_id = EXCLUDED.key_id, set_at = EXCLUDED.set_at;
	RETURN v_key_id;
END
$$;

COMMENT ON FUNCTION domxfer.set_notice_public_key(text) IS 'domxfer_admin: sets (or with NULL removes) the mailer''s OpenPGP public key (ASCII-armored); while set, every auth_code_issued notice carries the code encrypted to it with pgcrypto (which must be installed: 55000 otherwise); returns the key ID. 22023 for a key pgcrypto cannot encrypt to (SPEC §9)';

CREATE VIEW domxfer.overdue_notices AS
SELECT n.id,
	   n.transfer_id,
	   n.kind,
	   n.recipient,
	   n.created_at,
	   n.due_by,
	   pg_catalog.now() OPERATOR(pg_catalog.-) n.due_by AS overdue_by,
	   n.attempts,
	   n.last_error,
	   n.next_attempt_at,
	   n.claimed_until
  FROM domxfer.notices n
 WHERE n.sent_at IS NULL
   AND n.superseded_at IS NULL
   AND n.due_by OPERATOR(pg_catalog.<) pg_catalog.now();

COMMENT ON VIEW domxfer.overdue_notices IS 'Notices to the holder past their due_by, not sent and not superseded (SPEC §9): each one is a deadline of the Transfer Policy missed. A superseded notice (no longer true when claimed, notices.superseded_at) is owed no more and is not listed';
COMMENT ON COLUMN domxfer.overdue_notices.id IS 'bigint: the notice (domxfer.notices.id)';
COMMENT ON COLUMN domxfer.overdue_notices.transfer_id IS 'bigint: the transfer it is about';
COMMENT ON COLUMN domxfer.overdue_notices.kind IS 'domxfer.notice_kind: what it tells the holder';
COMMENT ON COLUMN domxfer.overdue_notices.recipient IS 'text: the holder''s e-mail address it goes to (NULL: the domain had none, or registrant_email_usable was false)';
COMMENT ON COLUMN domxfer.overdue_notices.created_at IS 'timestamptz: when the state change that owes it happened';
COMMENT ON COLUMN domxfer.overdue_notices.due_by IS 'timestamptz: when it had to be sent';
COMMENT ON COLUMN domxfer.overdue_notices.overdue_by IS 'interval: how long past due_by it is now (transaction time)';
COMMENT ON COLUMN domxfer.overdue_notices.attempts IS 'integer: how many times a mailer has claimed it';
COMMENT ON COLUMN domxfer.overdue_notices.last_error IS 'text: the last error a mailer reported, NULL if none';
COMMENT ON COLUMN domxfer.overdue_notices.next_attempt_at IS 'timestamptz: from when a mailer may claim it again';
COMMENT ON COLUMN domxfer.overdue_notices.claimed_until IS 'timestamptz: end of the current claim''s lease, NULL if no mailer holds it';

CREATE VIEW domxfer.notice_status AS
SELECT pg_catalog.count(*) AS unsent,
	   pg_catalog.count(*) FILTER (WHERE n.due_by OPERATOR(pg_catalog.<) pg_catalog.now()) AS overdue,
	   pg_catalog.count(*) FILTER (WHERE n.last_error IS NOT NULL) AS failing,
	   pg_catalog.count(*) FILTER (WHERE n.claimed_until OPERATOR(pg_catalog.>) pg_catalog.now()) AS claimed,
	   pg_catalog.min(n.created_at) AS oldest_unsent_created_at,
	   pg_catalog.min(n.due_by) AS earliest_due_by
  FROM domxfer.notices n
 WHERE n.sent_at IS NULL
   AND n.superseded_at IS NULL;

COMMENT ON VIEW domxfer.notice_status IS 'One row for monitoring (poll it): counts of unsent, overdue, failing and claimed notices to the holder (SPEC §9); superseded notices (notices.superseded_at) are owed no more and counted nowhere';
COMMENT ON COLUMN domxfer.notice_status.unsent IS 'bigint: notices owed and not sent (superseded ones are not owed)';
COMMENT ON COLUMN domxfer.notice_status.overdue IS 'bigint: unsent notices past due_by (alert when > 0)';
COMMENT ON COLUMN domxfer.notice_status.failing IS 'bigint: unsent notices whose last attempt a mailer reported failed';
COMMENT ON COLUMN domxfer.notice_status.claimed IS 'bigint: unsent notices a mailer holds now (lease not over)';
COMMENT ON COLUMN domxfer.notice_status.oldest_unsent_created_at IS 'timestamptz: when the oldest unsent notice became owed; NULL if none';
COMMENT ON COLUMN domxfer.notice_status.earliest_due_by IS 'timestamptz: the earliest due_by of an unsent notice; NULL if none';

REVOKE EXECUTE ON FUNCTION
	domxfer._tld_policy_adopt_notice_numbers(),
	domxfer._take_issued_auth_code(),
	domxfer._notice_kind(domxfer.transfer_state, domxfer.transfer_state, jsonb),
	domxfer._encrypt_code(text, text),
	domxfer._notice_ciphertext(bytea, bytea, text),
	domxfer._owe_notices(),
	domxfer._find_notice(bigint),
	domxfer.claim_notices(integer, interval),
	domxfer.mark_notice_sent(bigint),
	domxfer.mark_notice_failed(bigint, text),
	domxfer.set_notice_public_key(text)
FROM PUBLIC;

-- domxfer_reader: the notices without the ciphertext, and the views;
-- domxfer_app (the mailer): claims and marks; domxfer_admin: the key.
GRANT SELECT (id, transfer_id, event_id, kind, recipient, payload, due_by, created_at, sent_at,
			  attempts, last_error, next_attempt_at, claimed_until, superseded_at)
	ON domxfer.notices TO domxfer_reader;
GRANT SELECT ON domxfer.overdue_notices, domxfer.notice_status TO domxfer_reader;
GRANT EXECUTE ON FUNCTION
	domxfer.claim_notices(integer, interval),
	domxfer.mark_notice_sent(bigint),
	domxfer.mark_notice_failed(bigint, text)
	TO domxfer_app;
GRANT SELECT ON domxfer.notices TO domxfer_admin;
GRANT SELECT ON domxfer.notice_key TO domxfer_admin;
GRANT EXECUTE ON FUNCTION domxfer.set_notice_public_key(text) TO domxfer_admin;
