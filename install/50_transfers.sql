-- Transfers, their append-only audit log and the holiday calendar (SPEC §2).

CREATE TYPE domxfer.transfer_state AS ENUM (
	'awaiting_documents',
	'auth_code_issued',
	'pending',
	'completed',
	'cancelled',
	'rejected',
	'expired'
);

COMMENT ON TYPE domxfer.transfer_state IS 'State of a transfer-out: awaiting_documents, auth_code_issued and pending are open; completed, cancelled, rejected and expired are final';

CREATE TABLE domxfer.transfers (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- no foreign key: the domain may live in the registrar's own table (SPEC
	-- §10); the lifecycle opens transfers only for domains it has read
	domain_name text NOT NULL,
	state domxfer.transfer_state NOT NULL,
	manual boolean NOT NULL DEFAULT false,
	gaining_registrar text
		CONSTRAINT transfers_gaining_registrar_client_id
		CHECK (domxfer._client_id_column_check(gaining_registrar, 'gaining_registrar')),
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	requested_at timestamptz,
	deadline timestamptz,
	decided_at timestamptz,
	outcome_reason text[]
		CHECK (pg_catalog.cardinality(outcome_reason) OPERATOR(pg_catalog.>) 0),
	cancel_note text,
	auth_code_hash bytea
		CHECK (pg_catalog.octet_length(auth_code_hash) OPERATOR(pg_catalog.=) 32),
	auth_code_salt bytea
		CHECK (pg_catalog.octet_length(auth_code_salt) OPERATOR(pg_catalog.>=) 16),
	auth_code_issued_at timestamptz,
	auth_code_expires_at timestamptz,
	failed_attempts integer NOT NULL DEFAULT 0
		CHECK (failed_attempts BETWEEN 0 AND 5),
	documents_received_at timestamptz,
	answer_deadline timestamptz,
	-- when the transfer is decided without anyone acting: the deadline of a
	-- pending transfer, the code's expiry of an auth_code_issued one
	due_at timestamptz GENERATED ALWAYS AS (
		CASE state
			WHEN 'pending' THEN deadline
			WHEN 'auth_code_issued' THEN auth_code_expires_at
		END) STORED,
	CONSTRAINT transfers_hash_with_salt
		CHECK ((auth_code_hash IS NULL) OPERATOR(pg_catalog.=) (auth_code_salt IS NULL)),
	CONSTRAINT transfers_hash_only_while_issued
		CHECK (auth_code_hash IS NULL OR state OPERATOR(pg_catalog.=) 'auth_code_issued'),
	CONSTRAINT transfers_issued_code_expires
		CHECK (state OPERATOR(pg_catalog.<>) 'auth_code_issued'
			   OR (auth_code_issued_at IS NOT NULL
				   AND auth_code_expires_at OPERATOR(pg_catalog.>) auth_code_issued_at)),
	CONSTRAINT transfers_pending_has_request
		CHECK (state OPERATOR(pg_catalog.<>) 'pending'
			   OR (gaining_registrar IS NOT NULL
				   AND requested_at IS NOT NULL
				   AND deadline OPERATOR(pg_catalog.>) requested_at)),
	CONSTRAINT transfers_completed_has_gaining_registrar
		CHECK (state OPERATOR(pg_catalog.<>) 'completed'
			   OR (gaining_registrar IS NOT NULL AND requested_at IS NOT NULL)),
	CONSTRAINT transfers_final_iff_decided
		CHECK ((state OPERATOR(pg_catalog.>=) 'completed')
			   OPERATOR(pg_catalog.=) (decided_at IS NOT NULL)),
	CONSTRAINT transfers_decided_has_outcome
		CHECK ((decided_at IS NULL) OPERATOR(pg_catalog.=) (outcome_reason IS NULL)),
	CONSTRAINT transfers_manual_only_awaits_documents
		CHECK (manual OR (state OPERATOR(pg_catalog.<>) 'awaiting_documents'
						  AND documents_received_at IS NULL)),
	CONSTRAINT transfers_answer_after_documents
		CHECK ((answer_deadline IS NULL) OPERATOR(pg_catalog.=) (documents_received_at IS NULL)
			   AND (answer_deadline IS NULL
					OR answer_deadline OPERATOR(pg_catalog.>) documents_received_at))
);

COMMENT ON TABLE domxfer.transfers IS 'One row per transfer-out attempt; changed only by the lifecycle functions';
COMMENT ON COLUMN domxfer.transfers.id IS 'Transfer identifier';
COMMENT ON COLUMN domxfer.transfers.domain_name IS 'The domain being transferred out (canonical A-label name)';
COMMENT ON COLUMN domxfer.transfers.state IS 'Current state; see domxfer.transfer_state';
COMMENT ON COLUMN domxfer.transfers.manual IS 'True for the document-based process of .hk and .香港 (opened by open_manual_transfer)';
COMMENT ON COLUMN domxfer.transfers.gaining_registrar IS 'The registrar the domain moves to, known once its request arrives; an EPP client identifier (RFC 5730 clIDType; anything else is refused with 22P02)';
COMMENT ON COLUMN domxfer.transfers.created_at IS 'When the holder asked to transfer out';
COMMENT ON COLUMN domxfer.transfers.requested_at IS 'When the gaining registrar''s request with the right auth code arrived';
COMMENT ON COLUMN domxfer.transfers.deadline IS 'When a pending transfer is decided automatically: requested_at plus the policy''s auto_approve_days';
COMMENT ON COLUMN domxfer.transfers.decided_at IS 'When the outcome took effect: the deadline for an automatic outcome, the code''s expiry for an expired one, else the moment of the decision';
COMMENT ON COLUMN domxfer.transfers.outcome_reason IS 'Why the transfer ended: {auto_approved}, {holder_approved}, {holder_cancelled}, {auth_code_expired}, or the failing reason codes of a rejection';
COMMENT ON COLUMN domxfer.transfers.cancel_note IS 'Free text given with a cancellation';
COMMENT ON COLUMN domxfer.transfers.auth_code_hash IS 'SHA-256 of salt and auth code; NULL once the code is used, revoked or the transfer ends (the code itself is never stored)';
COMMENT ON COLUMN domxfer.transfers.auth_code_salt IS 'Random per-code salt (16 bytes) of auth_code_hash';
COMMENT ON COLUMN domxfer.transfers.auth_code_issued_at IS 'When the current auth code was issued';
COMMENT ON COLUMN domxfer.transfers.auth_code_expires_at IS 'When the current auth code stops working (issued plus the policy''s auth_code_lifetime_days)';
COMMENT ON COLUMN domxfer.transfers.failed_attempts IS 'Wrong auth codes received for the current code; at 5 the code is revoked';
COMMENT ON COLUMN domxfer.transfers.documents_received_at IS 'Manual process: when the holder''s documents arrived';
COMMENT ON COLUMN domxfer.transfers.answer_deadline IS 'Manual process: the end of the last working day the registrar has to answer';
COMMENT ON COLUMN domxfer.transfers.due_at IS 'When this open transfer is decided without anyone acting (deadline or code expiry); NULL otherwise';

-- at most one open transfer per domain, whatever the application does
CREATE UNIQUE INDEX transfers_one_open_per_domain ON domxfer.transfers (domain_name)
	WHERE state OPERATOR(pg_catalog.<) 'completed';
-- the worker's lookup of due transfers, in due order
CREATE INDEX transfers_due ON domxfer.transfers (due_at, id)
	WHERE due_at IS NOT NULL;
-- a domain's transfer history
CREATE INDEX transfers_domain_history ON domxfer.transfers (domain_name, created_at);
-- the report of manual requests past their answer deadline
CREATE INDEX transfers_awaiting_answer ON domxfer.transfers (answer_deadline)
	WHERE state OPERATOR(pg_catalog.=) 'awaiting_documents';

-- domains.open_transfer_id must name the domain's open transfer, and only
-- while it is open. This is checked from the transfers side at commit rather
-- than by a foreign key from domains: with foreign keys both ways pg_dump
-- could not order the two tables' data, and a dump would not restore.
-- (Applications cannot write open_transfer_id at all; see 70_roles.sql.)
CREATE FUNCTION domxfer._check_open_transfer_link()
RETURNS trigger
LANGUAGE plpgsql
-- It runs at commit as whoever commits; the trigger's WHEN keeps it from
-- running while a source is attached, when that may be a registrar's role
-- that knows nothing of domxfer (66_decide_before_change_source.sql). Not
-- SECURITY DEFINER: set up afresh for every call at commit, that cost 0.6 ms
-- per transaction writing a transfer (bench/60_registry.sh).
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_state domxfer.transfer_state;
	v_linked bigint;
BEGIN
	-- the row as it is at commit, not as this (possibly superseded) event saw it
	SELECT t.state INTO v_state FROM domxfer.transfers t WHERE t.id OPERATOR(pg_catalog.=) NEW.id;
	-- an attached source keeps no link: the open transfer is domxfer's own record
	IF NOT FOUND OR domxfer._source_attached() THEN
		RETURN NULL;
	END IF;
	SELECT d.open_transfer_id INTO v_linked FROM domxfer.domains d
	 WHERE d.name OPERATOR(pg_catalog.=) NEW.domain_name;
	IF (v_state OPERATOR(pg_catalog.<) 'completed') IS DISTINCT FROM (v_linked IS NOT DISTINCT FROM NEW.id) THEN
		RAISE EXCEPTION 'domain "%" and its transfer disagree about whether the transfer is open', NEW.domain_name
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = pg_catalog.format('Transfer %s is %s; the domain''s open_transfer_id is %s.',
											 NEW.id, v_state, COALESCE(v_linked::text, 'NULL')),
				  HINT = 'Change transfers only through the domxfer lifecycle functions.';
	END IF;
	RETURN NULL;
END
$$;

COMMENT ON FUNCTION domxfer._check_open_transfer_link() IS 'Constraint trigger: at commit, a transfer is open exactly when its domain''s open_transfer_id names it (not queued while a source is attached: the trigger''s WHEN); 23000 when they disagree';

CREATE FUNCTION domxfer._batch_checks_links()
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_batch_checks_links_now'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION domxfer._batch_checks_links() IS 'Internal: true while domxfer._decide_due_batch runs, which checks its transfers'' domain links itself (the setting domxfer.batch_checks_links, only superusers can set it)';

-- Not for the rows of a worker batch (domxfer._decide_due_batch), which
-- checks them itself in one query: per row, this check cost as much as the
-- rest of the decision. Not while a source is attached (SPEC §10: the open
-- transfer is then domxfer's own record): the WHEN is evaluated when the
-- lifecycle writes the row, as the lifecycle, so the function never runs
-- at commit as a registrar's role that has no privileges on domxfer.
CREATE CONSTRAINT TRIGGER transfers_open_transfer_link
	AFTER INSERT OR UPDATE OF state, domain_name ON domxfer.transfers
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW
	WHEN (NOT domxfer._batch_checks_links() AND NOT domxfer._source_attached())
	EXECUTE FUNCTION domxfer._check_open_transfer_link();

-- The background worker sleeps until the earliest deadline it knows of; a
-- committed deadline that is earlier wakes it (src/deadline_signal.c).
CREATE FUNCTION domxfer._note_due_at()
RETURNS trigger
AS 'MODULE_PATHNAME', 'domxfer_note_due_at'
LANGUAGE C;

COMMENT ON FUNCTION domxfer._note_due_at() IS 'Trigger: after commit, tells the background worker the earliest due_at the transaction wrote, so it wakes for a deadline earlier than the one it sleeps towards';

CREATE TRIGGER transfers_wake_worker_on_insert
	AFTER INSERT ON domxfer.transfers
	FOR EACH ROW WHEN (NEW.due_at IS NOT NULL)
	EXECUTE FUNCTION domxfer._note_due_at();
CREATE TRIGGER transfers_wake_worker_on_update
	AFTER UPDATE ON domxfer.transfers
	FOR EACH ROW WHEN (NEW.due_at IS NOT NULL AND NEW.due_at IS DISTINCT FROM OLD.due_at)
	EXECUTE FUNCTION domxfer._note_due_at();

COMMENT ON COLUMN domxfer.domains.open_transfer_id IS 'The domain''s open transfer (set and cleared only by the lifecycle functions); rule R5b fails while it is set';

CREATE TABLE domxfer.transfer_events (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	transfer_id bigint NOT NULL REFERENCES domxfer.transfers (id),
	at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	from_state domxfer.transfer_state,
	to_state domxfer.transfer_state NOT NULL,
	actor text NOT NULL,
	detail jsonb NOT NULL DEFAULT '{}'
);

COMMENT ON TABLE domxfer.transfer_events IS 'Append-only audit log: one row per state change of a transfer (plus same-state rows for code reissue, code revocation and documents received)';
COMMENT ON COLUMN domxfer.transfer_events.id IS 'Event identifier, increasing in commit-independent insertion order';
COMMENT ON COLUMN domxfer.transfer_events.transfer_id IS 'The transfer that changed';
COMMENT ON COLUMN domxfer.transfer_events.at IS 'When the change was recorded (transaction time); the outcome''s own instant is transfers.decided_at';
COMMENT ON COLUMN domxfer.transfer_events.from_state IS 'State before the change; NULL for the first event of a transfer';
COMMENT ON COLUMN domxfer.transfer_events.to_state IS 'State after the change';
COMMENT ON COLUMN domxfer.transfer_events.actor IS 'The role the caller acted as, or ''worker'' for the background worker';
COMMENT ON COLUMN domxfer.transfer_events.detail IS 'What else happened: action, outcome_reason, deadline, decided_at, ... (never an auth code)';

CREATE INDEX transfer_events_by_transfer ON domxfer.transfer_events (transfer_id, id);

CREATE FUNCTION domxfer._refuse_event_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION 'domxfer.transfer_events is append-only'
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = pg_catalog.format('%s of audit events is not allowed.', TG_OP),
			  HINT = 'The audit log keeps every state change of every transfer.';
END
$$;

COMMENT ON FUNCTION domxfer._refuse_event_change() IS 'Trigger: refuses UPDATE, DELETE and TRUNCATE of domxfer.transfer_events';

CREATE TRIGGER transfer_events_no_update_delete
	BEFORE UPDATE OR DELETE ON domxfer.transfer_events
	FOR EACH ROW EXECUTE FUNCTION domxfer._refuse_event_change();
CREATE TRIGGER transfer_events_no_truncate
	BEFORE TRUNCATE ON domxfer.transfer_events
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._refuse_event_change();

CREATE TABLE domxfer.holidays (
	day date NOT NULL,
	tld text NOT NULL DEFAULT '*'
		CONSTRAINT holidays_tld_canonical
		CHECK (tld OPERATOR(pg_catalog.=) '*'
			   OR tld OPERATOR(pg_catalog.=) domxfer.domain_tld('x.' OPERATOR(pg_catalog.||) tld)),
	name text NOT NULL
		CHECK (name OPERATOR(pg_catalog.<>) ''),
	PRIMARY KEY (tld, day)
);

COMMENT ON TABLE domxfer.holidays IS 'Days that are not working days for the manual process''s answer deadline';
COMMENT ON COLUMN domxfer.holidays.day IS 'The holiday (a calendar day in the TLD''s business_time_zone)';
COMMENT ON COLUMN domxfer.holidays.tld IS 'The TLD (A-label) it applies to, or ''*'' for every TLD';
COMMENT ON COLUMN domxfer.holidays.name IS 'Name of the holiday';

SELECT pg_catalog.pg_extension_config_dump('domxfer.transfers', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.transfers_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.transfer_events', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.transfer_events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.holidays', '');

-- Auth codes (src/auth_code.c). Internal: only the lifecycle functions call them.

CREATE FUNCTION domxfer._auth_code_new()
RETURNS text
AS 'MODULE_PATHNAME', 'domxfer_auth_code_new'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._auth_code_new() IS 'Internal: a fresh auth code, 22 characters of [A-Za-z0-9] from pg_strong_random (131 bits)';

CREATE FUNCTION domxfer._auth_code_salt()
RETURNS bytea
AS 'MODULE_PATHNAME', 'domxfer_auth_code_salt'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._auth_code_salt() IS 'Internal: a fresh 16-byte random salt for an auth code';

CREATE FUNCTION domxfer._auth_code_hash(code text, salt bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'domxfer_auth_code_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION domxfer._auth_code_hash(text, bytea) IS 'Internal: SHA-256(salt || code), the stored form of an auth code';

CREATE FUNCTION domxfer._auth_code_matches(code text, salt bytea, hash bytea)
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_auth_code_matches'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION domxfer._auth_code_matches(text, bytea, bytea) IS 'Internal: whether code hashes to hash with salt, compared in constant time; an empty code never matches';

CREATE FUNCTION domxfer._actor()
RETURNS text
AS 'MODULE_PATHNAME', 'domxfer_actor'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._actor() IS 'Internal: the actor written to transfer_events: ''worker'' in the background worker, else the role the caller acts as (SET ROLE counts, SECURITY DEFINER does not)';

CREATE FUNCTION domxfer._outer_role()
RETURNS oid
AS 'MODULE_PATHNAME', 'domxfer_outer_role'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._outer_role() IS 'Internal: the role the caller acts as, seen from inside a SECURITY DEFINER function';

CREATE FUNCTION domxfer._check_auth_code_in_side_transaction(transfer_id bigint, salt bytea, code text, at timestamptz)
RETURNS integer
AS 'MODULE_PATHNAME', 'domxfer_check_auth_code_in_side_transaction'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION domxfer._check_auth_code_in_side_transaction(bigint, bytea, text, timestamptz) IS 'Internal: compares a presented auth code in a separate committed transaction that counts a wrong one (domxfer._check_auth_code, run by the resident check service, see domxfer.auth_check_service, else by a short-lived background worker), so the count survives the caller''s 28P01 error; 0 if right, the new failed-attempt count if wrong, NULL if the code identified by salt is no longer current. Raises without any comparison on a standby (25006), when the service cannot take it and no worker slot frees up within 1 s (53000) or the transfer cannot be locked within 1 s (55P03)';

CREATE FUNCTION domxfer._written_by_this_transaction(xid xid)
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_written_by_this_transaction'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._written_by_this_transaction(xid) IS 'Internal: whether a row version''s xmin is the calling transaction or one of its live subtransactions, i.e. whether this very transaction wrote it';

CREATE FUNCTION domxfer._decide_in_side_transaction(transfer_id bigint, at timestamptz)
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_decide_in_side_transaction'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION domxfer._decide_in_side_transaction(bigint, timestamptz) IS 'Internal: decides an overdue transfer in a separate committed transaction (the resident check service, else a short-lived background worker); false if that could not run (always on a standby)';

REVOKE EXECUTE ON FUNCTION
	domxfer._refuse_event_change(),
	domxfer._check_open_transfer_link(),
	domxfer._note_due_at(),
	domxfer._batch_checks_links(),
	domxfer._auth_code_new(),
	domxfer._auth_code_salt(),
	domxfer._auth_code_hash(text, bytea),
	domxfer._auth_code_matches(text, bytea, bytea),
	domxfer._actor(),
	domxfer._outer_role(),
	domxfer._check_auth_code_in_side_transaction(bigint, bytea, text, timestamptz),
	domxfer._written_by_this_transaction(xid),
	domxfer._decide_in_side_transaction(bigint, timestamptz)
FROM PUBLIC;
