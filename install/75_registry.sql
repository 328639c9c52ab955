-- The registry link (SPEC §8; RFC 5730 §2.9.2.3, RFC 5731 §3.2.4): the
-- registrar's EPP client hands the registry's transfer notices to
-- apply_registry_message() and takes domxfer's answers (EPP transfer
-- approve/reject commands) from claim_registry_commands().
--
-- Choices where the SPEC is silent (README "Connecting to a registry"):
--  * a transfer that a registry message opened or advanced is
--    registry_managed: the worker never decides it at its deadline (acDate);
--    only the registry's outcome ends it;
--  * registry outcomes end a transfer with the outcome_reason
--    registry_<trStatus in snake case>, e.g. {registry_server_approved};
--  * a message is a duplicate when the SHA-256 of its canonical XML (C14N,
--    blank text nodes dropped, <authInfo> emptied) equals a stored one's:
--    the same msgQ id and content with other white space is a duplicate;
--    duplicates are answered with the stored message's id, not stored again.

ALTER TABLE domxfer.tld_policy
	ADD COLUMN registry_transfers boolean NOT NULL DEFAULT false,
	ADD COLUMN registry_answer_lead interval NOT NULL DEFAULT '1 hour'
		CONSTRAINT tld_policy_registry_answer_lead_range
		CHECK (registry_answer_lead OPERATOR(pg_catalog.>=) '0'::interval
			   AND registry_answer_lead OPERATOR(pg_catalog.<=) '4 days'::interval);

COMMENT ON COLUMN domxfer.tld_policy.registry_transfers IS 'boolean; SPEC §8: true when the registry checks auth codes and decides transfers (gTLDs, .cn): receive_transfer_request is refused (55000) and the registry''s messages go to apply_registry_message; false: this registrar checks codes and apply_registry_message answers invalid (55000) for the TLD''s domains';
COMMENT ON COLUMN domxfer.tld_policy.registry_answer_lead IS 'interval (0 to 4 days, default 1 hour); SPEC §8: the latest point before acDate at which the worker checks a registry-managed pending transfer''s blocking rules (as of acDate) and queues a reject command';

-- A shipped row restored from a dump brings back these columns too (the
-- trigger of 30_tables.sql copies the columns it knows; this one, which
-- fires before it, the registry's).
CREATE FUNCTION domxfer._tld_policy_registry_columns() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NEW.shipped THEN
		UPDATE domxfer.tld_policy AS p
		   SET registry_transfers = NEW.registry_transfers,
			   registry_answer_lead = NEW.registry_answer_lead
		 WHERE p.tld OPERATOR(pg_catalog.=) NEW.tld AND p.shipped
		   AND (p.registry_transfers, p.registry_answer_lead)
			   IS DISTINCT FROM (NEW.registry_transfers, NEW.registry_answer_lead);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_registry_columns() IS
	'Trigger of tld_policy: an inserted row with shipped = true also sets registry_transfers and registry_answer_lead of the shipped row it replaces (restoring a dump)';

CREATE TRIGGER tld_policy_00_registry_columns
	BEFORE INSERT ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_registry_columns();

CREATE TABLE domxfer.registry_messages (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	message text,
	authinfo_removed boolean NOT NULL DEFAULT false,
	content_hash bytea NOT NULL
		CONSTRAINT registry_messages_content_hash_sha256
		CHECK (pg_catalog.octet_length(content_hash) OPERATOR(pg_catalog.=) 32),
	msgq_id text,
	epp_result_code integer,
	xml_namespace text,
	domain_name text,
	tr_status text,
	re_id text,
	re_date timestamptz,
	ac_id text,
	ac_date timestamptz,
	ex_date timestamptz,
	transfer_id bigint REFERENCES domxfer.transfers (id),
	result text NOT NULL
		CONSTRAINT registry_messages_result_valid
		CHECK (result OPERATOR(pg_catalog.=) ANY (ARRAY['applied', 'not_ours', 'ignored', 'invalid'])),
	sqlstate text
		CONSTRAINT registry_messages_sqlstate_form
		CHECK (sqlstate OPERATOR(pg_catalog.~) '^[0-9A-Z]{5}$'),
	error text,
	time_zone_assumed text,
	note text,
	epp_namespace text,
	CONSTRAINT registry_messages_invalid_has_error
		CHECK ((result OPERATOR(pg_catalog.=) 'invalid') OPERATOR(pg_catalog.=) (sqlstate IS NOT NULL AND error IS NOT NULL)),
	CONSTRAINT registry_messages_content_hash_unique UNIQUE (content_hash)
);

COMMENT ON TABLE domxfer.registry_messages IS 'SPEC §8: every EPP message a registry sent (poll messages, transfer query and request responses) as handed to apply_registry_message, with what was read from it and what it did; written only by apply_registry_message';
COMMENT ON COLUMN domxfer.registry_messages.id IS 'bigint; the message_id apply_registry_message returns';
COMMENT ON COLUMN domxfer.registry_messages.received_at IS 'timestamptz; when apply_registry_message stored it (transaction time)';
COMMENT ON COLUMN domxfer.registry_messages.message IS 'text; the message verbatim (RFC 5730 XML), except that the content of any <authInfo>, <pw> or <newPW> element is removed first (authinfo_removed); NULL only for a malformed message that mentions authInfo or pw (it cannot be cleaned, so it is not kept)';
COMMENT ON COLUMN domxfer.registry_messages.authinfo_removed IS 'boolean; true when the content of <authInfo>, <pw> or <newPW> elements (auth codes, passwords) was removed before storing';
COMMENT ON COLUMN domxfer.registry_messages.content_hash IS 'bytea (32 bytes); SHA-256 of the canonical XML (C14N 1.0 without comments, blank text nodes dropped, <authInfo> emptied) of a well-formed message, else of its bytes: equal hashes are duplicates';
COMMENT ON COLUMN domxfer.registry_messages.msgq_id IS 'text; RFC 5730 §2.9.2.3 <msgQ id> of a poll message (the id the EPP client acknowledges), NULL for other responses';
COMMENT ON COLUMN domxfer.registry_messages.epp_result_code IS 'integer; RFC 5730 §3 <result code> (1301 for a poll message, 1000/1001 for responses)';
COMMENT ON COLUMN domxfer.registry_messages.xml_namespace IS 'text; namespace URI of the <trnData> (urn:ietf:params:xml:ns:domain-1.0 or a registry''s own domain schema); commands answer in it';
COMMENT ON COLUMN domxfer.registry_messages.domain_name IS 'text; RFC 5731 <domain:name>, canonical A-label (SPEC §4), NULL when unusable';
COMMENT ON COLUMN domxfer.registry_messages.tr_status IS 'text; RFC 5731 <domain:trStatus> as sent (pending, clientApproved, clientCancelled, clientRejected, serverApproved, serverCancelled)';
COMMENT ON COLUMN domxfer.registry_messages.re_id IS 'text; RFC 5731 <domain:reID>: the registrar that requested the transfer (the gaining one)';
COMMENT ON COLUMN domxfer.registry_messages.re_date IS 'timestamptz; RFC 5731 <domain:reDate>: when the transfer was requested (RFC 3339, any offset)';
COMMENT ON COLUMN domxfer.registry_messages.ac_id IS 'text; RFC 5731 <domain:acID>: the registrar that must act (the losing one) on a pending notice; on outcome notices whatever the registry puts there';
COMMENT ON COLUMN domxfer.registry_messages.ac_date IS 'timestamptz; RFC 5731 <domain:acDate>: when the registry approves by itself (pending) or when it acted (outcomes)';
COMMENT ON COLUMN domxfer.registry_messages.ex_date IS 'timestamptz; RFC 5731 <domain:exDate>: the expiry after the transfer, if sent';
COMMENT ON COLUMN domxfer.registry_messages.transfer_id IS 'bigint; the transfer the message opened, advanced or ended (or found already ended), NULL otherwise';
COMMENT ON COLUMN domxfer.registry_messages.result IS 'text; SPEC §8: applied, not_ours, ignored or invalid (duplicates are answered, not stored again)';
COMMENT ON COLUMN domxfer.registry_messages.sqlstate IS 'text; SQLSTATE of an invalid message: 2200M malformed XML, a DOCTYPE or a non-UTF-8 encoding; 2200N not an EPP <epp> document; 22023 an unusable notice (bad name, unknown trStatus, bad date, missing element)';
COMMENT ON COLUMN domxfer.registry_messages.error IS 'text; why an invalid message could not be used, in PostgreSQL''s message style';
COMMENT ON COLUMN domxfer.registry_messages.time_zone_assumed IS 'text; SPEC §8 (0.3.0): the time zone its dates were read in because they had none (the TLD''s tld_policy.registry_time_zone, default UTC); NULL when every date had a zone';
COMMENT ON COLUMN domxfer.registry_messages.epp_namespace IS 'text; SPEC §8 (0.3.0): namespace URI of the message''s root <epp> (urn:ietf:params:xml:ns:epp-1.0 or a registry''s own EPP schema); commands of its transfer are written in it';
COMMENT ON COLUMN domxfer.registry_messages.note IS 'text; SPEC §8 (0.3.0): what an applied notice did beyond its trStatus, in words (English): a notice for an older transfer than the open one, a transfer that had already ended, a reject queued again after the holder''s cancellation; NULL otherwise';

CREATE INDEX registry_messages_msgq_id ON domxfer.registry_messages (msgq_id) WHERE msgq_id IS NOT NULL;
CREATE INDEX registry_messages_transfer ON domxfer.registry_messages (transfer_id) WHERE transfer_id IS NOT NULL;
CREATE INDEX registry_messages_invalid ON domxfer.registry_messages (id) WHERE result OPERATOR(pg_catalog.=) 'invalid';

CREATE TABLE domxfer.registry_commands (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	transfer_id bigint NOT NULL REFERENCES domxfer.transfers (id),
	domain_name text NOT NULL,
	op text NOT NULL
		CONSTRAINT registry_commands_op_valid
		CHECK (op OPERATOR(pg_catalog.=) ANY (ARRAY['approve', 'reject', 'set_auth_info', 'unset_auth_info'])),
	reason_codes text[] NOT NULL
		CONSTRAINT registry_commands_has_reason
		CHECK (pg_catalog.cardinality(reason_codes) OPERATOR(pg_catalog.>) 0),
	xml_namespace text NOT NULL DEFAULT 'urn:ietf:params:xml:ns:domain-1.0',
	ac_date timestamptz,
	state text NOT NULL DEFAULT 'queued'
		CONSTRAINT registry_commands_state_valid
		CHECK (state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed', 'done', 'failed', 'superseded'])),
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	claimed_at timestamptz,
	lease_until timestamptz,
	attempts integer NOT NULL DEFAULT 0
		CHECK (attempts OPERATOR(pg_catalog.>=) 0),
	result_code integer
		CONSTRAINT registry_commands_result_code_range
		CHECK (result_code BETWEEN 1000 AND 2599),
	sv_trid text,
	answered_at timestamptz,
	error text,
	superseded_from text
		CONSTRAINT registry_commands_superseded_from_valid
		CHECK (superseded_from OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed'])),
	epp_namespace text NOT NULL DEFAULT 'urn:ietf:params:xml:ns:epp-1.0',
	auth_info bytea,
	-- at most one approve and one reject per transfer (0.3.0: as many
	-- set_auth_info and unset_auth_info as codes issued and withdrawn)
	CONSTRAINT registry_commands_one_per_op
		EXCLUDE USING btree (transfer_id WITH OPERATOR(pg_catalog.=), op WITH OPERATOR(pg_catalog.=))
		WHERE (op OPERATOR(pg_catalog.=) ANY (ARRAY['approve', 'reject'])),
	CONSTRAINT registry_commands_answer_has_ac_date
		CHECK (ac_date IS NOT NULL OR op OPERATOR(pg_catalog.=) ANY (ARRAY['set_auth_info', 'unset_auth_info'])),
	CONSTRAINT registry_commands_auth_info_only_set
		CHECK (auth_info IS NULL OR (op OPERATOR(pg_catalog.=) 'set_auth_info'
									 AND state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed', 'failed']))),
	CONSTRAINT registry_commands_claim_has_lease
		CHECK ((state OPERATOR(pg_catalog.=) 'claimed') OPERATOR(pg_catalog.<=) (lease_until IS NOT NULL)),
	CONSTRAINT registry_commands_superseded_from_only_superseded
		CHECK (superseded_from IS NULL OR state OPERATOR(pg_catalog.=) 'superseded')
);

COMMENT ON TABLE domxfer.registry_commands IS 'SPEC §8: domxfer''s commands to the registry (EPP <transfer op="approve"|"reject">, RFC 5731 §3.2.4; 0.3.0: <update> setting or unsetting the auth code, RFC 9154 §4), for the EPP client: claim_registry_commands, registry_command_xml, record_registry_response; never holds a plain auth code (set_auth_info: only its ciphertext, auth_info)';
COMMENT ON COLUMN domxfer.registry_commands.id IS 'bigint; the command; its EPP clTRID is domxfer-<id>';
COMMENT ON COLUMN domxfer.registry_commands.transfer_id IS 'bigint; the registry-managed transfer it answers';
COMMENT ON COLUMN domxfer.registry_commands.domain_name IS 'text; the domain (canonical A-label)';
COMMENT ON COLUMN domxfer.registry_commands.op IS 'text; approve (the holder''s approve_transfer_out) or reject (the holder''s cancel_transfer_out, or blocking rules failing as of acDate); 0.3.0 (RFC 9154 §4): set_auth_info (a code issued or reissued: <domain:update><domain:chg><domain:authInfo><domain:pw>) or unset_auth_info (the code expired or was revoked, or the transfer ended other than by the registry''s completion: <domain:null/>)';
COMMENT ON COLUMN domxfer.registry_commands.reason_codes IS 'text[]; why: {holder_approved}, {holder_cancelled} or the failing blocking reason codes (SPEC §1); set_auth_info: {auth_code_issued} or {auth_code_reissued}; unset_auth_info: the transfer''s outcome_reason, or {auth_code_revoked}';
COMMENT ON COLUMN domxfer.registry_commands.xml_namespace IS 'text; the domain namespace the command is written in: the TLD''s tld_policy.registry_domain_namespace (0.3.0), else the one the registry''s latest notice for the transfer used, else urn:ietf:params:xml:ns:domain-1.0';
COMMENT ON COLUMN domxfer.registry_commands.ac_date IS 'timestamptz; the transfer''s acDate when the command was queued: an answer after it is too late; NULL for set_auth_info and unset_auth_info (no acDate concerns them)';
COMMENT ON COLUMN domxfer.registry_commands.state IS 'text; queued, claimed (by an EPP client, until lease_until), done (1000/1001), failed (another 2xxx: an operator decides), superseded (the registry''s outcome arrived first, a reject replaced an unsent approve, or 0.3.0 a newer set_auth_info or unset_auth_info of the domain replaced an unsent set_auth_info). A domain''s commands are handed out in the order they were queued: none while an earlier one of the domain is queued or claimed';
COMMENT ON COLUMN domxfer.registry_commands.created_at IS 'timestamptz; when it was queued';
COMMENT ON COLUMN domxfer.registry_commands.claimed_at IS 'timestamptz; when an EPP client last claimed it';
COMMENT ON COLUMN domxfer.registry_commands.lease_until IS 'timestamptz; a claimed command not answered by then is handed out again';
COMMENT ON COLUMN domxfer.registry_commands.attempts IS 'integer; how many times it was claimed';
COMMENT ON COLUMN domxfer.registry_commands.result_code IS 'integer; RFC 5730 §3 result code of the registry''s answer (1000 done; 2xxx e.g. 2301 object not pending transfer)';
COMMENT ON COLUMN domxfer.registry_commands.sv_trid IS 'text; RFC 5730 <svTRID> of the registry''s answer';
COMMENT ON COLUMN domxfer.registry_commands.answered_at IS 'timestamptz; when record_registry_response recorded the answer';
COMMENT ON COLUMN domxfer.registry_commands.error IS 'text; the last 2xxx answer, in words';
COMMENT ON COLUMN domxfer.registry_commands.epp_namespace IS 'text; SPEC §8 (0.3.0): the EPP namespace of the command''s root <epp>: the TLD''s tld_policy.registry_epp_namespace, else the one of the registry''s latest message for the transfer, else urn:ietf:params:xml:ns:epp-1.0';
COMMENT ON COLUMN domxfer.registry_commands.auth_info IS 'bytea; SPEC §8 (0.3.0, RFC 9154 §4): set_auth_info only: the auth code encrypted with pgcrypto''s pgp_pub_encrypt_bytea to the EPP client''s OpenPGP key (set_registry_client_public_key), a binary OpenPGP message the database cannot decrypt; claim_registry_commands hands it out beside the XML, whose <domain:pw> holds the placeholder @domxfer.auth_info@. Wiped (NULL) when the registry accepts (1000/1001) and when the command is superseded or its failure is overtaken by a newer set_auth_info or unset_auth_info of the domain; NULL otherwise';
COMMENT ON COLUMN domxfer.registry_commands.superseded_from IS 'text; SPEC §8 (0.3.0): queued or claimed, the state the command was in when the registry''s outcome (or a notice for a newer request) superseded it: a reject still unsent when the domain left is a discrepancy (left_while_reject_unsent); NULL otherwise';

CREATE INDEX registry_commands_to_send ON domxfer.registry_commands (id)
	WHERE state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed']);

COMMENT ON SEQUENCE domxfer.registry_messages_id_seq IS 'Identity sequence of domxfer.registry_messages.id';
COMMENT ON SEQUENCE domxfer.registry_commands_id_seq IS 'Identity sequence of domxfer.registry_commands.id';

SELECT pg_catalog.pg_extension_config_dump('domxfer.registry_messages', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.registry_messages_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.registry_commands', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.registry_commands_id_seq', '');

-- The pure C reader (src/epp_notice.c) behind a SQL face (src/registry_message.c).
CREATE FUNCTION domxfer._read_registry_message(message text,
	OUT kind text, OUT sqlstate text, OUT error text, OUT msgq_id text, OUT result_code integer,
	OUT xml_namespace text, OUT domain_name text, OUT name_as_sent text, OUT tr_status text,
	OUT re_id text, OUT re_id_valid boolean, OUT re_date text, OUT ac_id text, OUT ac_date text,
	OUT ex_date text, OUT canonical bytea, OUT stripped text, OUT epp_namespace text)
RETURNS record
AS 'MODULE_PATHNAME', 'domxfer_read_registry_message'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION domxfer._read_registry_message(text) IS 'Internal: reads an EPP message with libxml2 (no DTD, no entities, no network): kind notice, ignored or invalid (with sqlstate 2200M, 2200N or 22023 and error), the <trnData> fields (name checked by normalize_domain''s core, dates RFC 3339), the canonical XML, when it had <authInfo>, the message without its content, and (0.3.0) the namespace of its root <epp>';

-- Typed constants (a text-to-enum cast is only STABLE) and no STRICT (the
-- CASE gives NULL for NULL) keep it inlinable: called as a function it was
-- 0.04 ms per registry message
CREATE FUNCTION domxfer._registry_outcome(tr_status text)
RETURNS domxfer.transfer_state
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE tr_status
		   WHEN 'clientApproved' THEN 'completed'::domxfer.transfer_state
		   WHEN 'serverApproved' THEN 'completed'::domxfer.transfer_state
		   WHEN 'clientRejected' THEN 'rejected'::domxfer.transfer_state
		   WHEN 'clientCancelled' THEN 'cancelled'::domxfer.transfer_state
		   WHEN 'serverCancelled' THEN 'cancelled'::domxfer.transfer_state
	   END;

COMMENT ON FUNCTION domxfer._registry_outcome(text) IS 'Internal: the final state an RFC 5731 trStatus outcome means (SPEC §8), NULL for pending';

CREATE FUNCTION domxfer._registry_reason(tr_status text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN 'registry_' OPERATOR(pg_catalog.||)
	   pg_catalog.lower(pg_catalog.regexp_replace(tr_status, '([a-z])([A-Z])', '\1_\2', 'g'));

COMMENT ON FUNCTION domxfer._registry_reason(text) IS 'Internal: the outcome_reason of a registry outcome, e.g. serverApproved → registry_server_approved';

CREATE FUNCTION domxfer._xml_escape(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
	value, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;');

COMMENT ON FUNCTION domxfer._xml_escape(text) IS 'Internal: text escaped for an XML attribute or element';

-- SPEC §8 (0.3.0): XML Schema allows a dateTime without a zone and some
-- registries send one; it is read in the TLD's registry_time_zone.
CREATE FUNCTION domxfer._registry_time_has_zone(value text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN value IS NULL OR value OPERATOR(pg_catalog.~) '([Zz]|[-+][0-9]{2}:[0-9]{2})$';

COMMENT ON FUNCTION domxfer._registry_time_has_zone(text) IS 'Internal: true when a date-time the reader checked has a zone (Z or ±hh:mm), or is NULL';

CREATE FUNCTION domxfer._registry_time(value text, time_zone text)
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN domxfer._registry_time_has_zone(value) THEN value::timestamptz
			ELSE pg_catalog.timezone(time_zone, value::timestamp) END;

COMMENT ON FUNCTION domxfer._registry_time(text, text) IS 'Internal: a date-time the reader checked (RFC 3339, or an XML Schema dateTime without a zone) as timestamptz; one without a zone is read in time_zone (SPEC §8 0.3.0: the TLD''s registry_time_zone), never in the session''s TimeZone';

-- Queues a command (idempotent: one per transfer and op). A reject
-- supersedes an approve that no EPP client has claimed yet.
CREATE FUNCTION domxfer._queue_registry_command(t domxfer.transfers, op text, reason_codes text[])
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_id bigint;
	v_ns text;
	v_epp text;
	p domxfer.tld_policy;
BEGIN
	IF t.id IS NULL THEN
		RAISE EXCEPTION 'transfer must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- SPEC §8 (0.3.0): in the registry's own namespaces: set in tld_policy,
	-- else learned from its latest message for the transfer, else IETF's
	SELECT m.xml_namespace, m.epp_namespace INTO v_ns, v_epp FROM domxfer.registry_messages m
	 WHERE m.transfer_id OPERATOR(pg_catalog.=) t.id AND m.xml_namespace IS NOT NULL
	 ORDER BY m.id DESC LIMIT 1;
	p := domxfer._policy_for(t.domain_name);
	INSERT INTO domxfer.registry_commands (transfer_id, domain_name, op, reason_codes, xml_namespace, ac_date,
										   epp_namespace)
	VALUES (t.id, t.domain_name, op, reason_codes,
			COALESCE(p.registry_domain_namespace, v_ns, 'urn:ietf:params:xml:ns:domain-1.0'), t.deadline,
			COALESCE(p.registry_epp_namespace, v_epp, 'urn:ietf:params:xml:ns:epp-1.0'))
	ON CONFLICT ON CONSTRAINT registry_commands_one_per_op DO NOTHING
	RETURNING id INTO v_id;
	IF v_id IS NULL THEN
		SELECT c.id INTO v_id FROM domxfer.registry_commands c
		 WHERE c.transfer_id OPERATOR(pg_catalog.=) t.id AND c.op OPERATOR(pg_catalog.=) _queue_registry_command.op;
	END IF;
	IF op OPERATOR(pg_catalog.=) 'reject' THEN
		UPDATE domxfer.registry_commands c SET state = 'superseded', lease_until = NULL
		 WHERE c.transfer_id OPERATOR(pg_catalog.=) t.id AND c.op OPERATOR(pg_catalog.=) 'approve'
		   AND c.state OPERATOR(pg_catalog.=) 'queued';
	END IF;
	RETURN v_id;
END
$$;

COMMENT ON FUNCTION domxfer._queue_registry_command(domxfer.transfers, text, text[]) IS 'Internal: queues an approve or reject command for a registry-managed transfer (at most one of each), in the registry''s own EPP and domain namespaces (tld_policy, else its latest message for the transfer, else IETF''s: SPEC §8 0.3.0); returns its id';

-- The holder's approval or cancellation of a registry-managed pending
-- transfer: a command; the transfer stays pending until the registry's
-- outcome. Called by approve_transfer_out and cancel_transfer_out.
CREATE FUNCTION domxfer._registry_answer(t domxfer.transfers, op text, reason_codes text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF t.id IS NULL THEN
		RAISE EXCEPTION 'transfer must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF op OPERATOR(pg_catalog.=) 'approve' AND EXISTS (
		SELECT FROM domxfer.registry_commands c
		 WHERE c.transfer_id OPERATOR(pg_catalog.=) t.id AND c.op OPERATOR(pg_catalog.=) 'reject'
		   AND c.state OPERATOR(pg_catalog.<>) 'superseded') THEN
		RAISE EXCEPTION 'cannot approve the transfer: domxfer has asked the registry to reject it'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s of "%s" has a reject command; the registry decides.', t.id, t.domain_name);
	END IF;
	PERFORM domxfer._queue_registry_command(t, op, reason_codes);
END
$$;

COMMENT ON FUNCTION domxfer._registry_answer(domxfer.transfers, text, text[]) IS 'Internal: the holder''s approve or cancel of a registry-managed pending transfer becomes an approve or reject command (SPEC §8); an approve after a reject is refused (55000)';

-- Blocking rules as of acDate: a reject command for every registry-managed
-- pending transfer whose domain fails one (the worker calls this on every
-- pass, process_due_transfers on every call). One bad row never stops the
-- others.
CREATE FUNCTION domxfer._queue_registry_commands(at timestamptz)
RETURNS integer
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
	d domxfer.domains;
	v_blockers text[];
	v_queued integer := 0;
	v_message text;
BEGIN
	FOR t IN
		SELECT tr.* FROM domxfer.transfers tr
		 WHERE tr.registry_managed AND tr.state OPERATOR(pg_catalog.=) 'pending'
		   AND tr.deadline OPERATOR(pg_catalog.>) at
		   AND NOT EXISTS (SELECT FROM domxfer.registry_commands c
							WHERE c.transfer_id OPERATOR(pg_catalog.=) tr.id
							  AND c.op OPERATOR(pg_catalog.=) 'reject')
		 ORDER BY tr.deadline, tr.id
	LOOP
		BEGIN
			d := domxfer._domain_row(t.domain_name);
			v_blockers := domxfer._blockers_ignoring_own(d, t.deadline, t.manual);
			IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
				-- lock and look again: the registry's outcome may have come meanwhile
				SELECT * INTO t FROM domxfer.transfers tr WHERE tr.id OPERATOR(pg_catalog.=) t.id FOR UPDATE SKIP LOCKED;
				IF FOUND AND t.state OPERATOR(pg_catalog.=) 'pending' THEN
					PERFORM domxfer._queue_registry_command(t, 'reject', v_blockers);
					v_queued := v_queued OPERATOR(pg_catalog.+) 1;
				END IF;
			END IF;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT;
			RAISE WARNING 'could not check registry transfer %: %', t.id, v_message;
		END;
	END LOOP;
	RETURN v_queued;
END
$$;

COMMENT ON FUNCTION domxfer._queue_registry_commands(timestamptz) IS 'Internal (worker contract): queues a reject command (with the failing reason codes) for every registry-managed pending transfer whose domain fails a blocking rule as of its acDate; returns how many it queued';

-- When the worker must look next for registry-managed transfers: the
-- earliest acDate minus the TLD's registry_answer_lead still to come.
CREATE FUNCTION domxfer._next_registry_check_at(at timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN (SELECT pg_catalog.min(t.deadline OPERATOR(pg_catalog.-) (domxfer._policy_for(t.domain_name)).registry_answer_lead)
			  FROM domxfer.transfers t
			 WHERE t.registry_managed AND t.state OPERATOR(pg_catalog.=) 'pending'
			   AND t.deadline OPERATOR(pg_catalog.>) at
			   AND t.deadline OPERATOR(pg_catalog.-) (domxfer._policy_for(t.domain_name)).registry_answer_lead
				   OPERATOR(pg_catalog.>) at);
END
$$;

COMMENT ON FUNCTION domxfer._next_registry_check_at(timestamptz) IS 'Internal (worker contract): the earliest acDate minus registry_answer_lead after "at" of a registry-managed pending transfer, when the worker checks its blocking rules at the latest; NULL if none';

-- A registry notice applied to the database (the message row is built but
-- not stored yet; the caller holds the domain's notice lock). Returns the
-- result, the transfer concerned, a note for the message row and, for the
-- same outcome again, the message that applied it first.
--
-- Sequencing (SPEC §8, 0.3.0): a notice belongs to the transfer its reID and
-- reDate name. An open registry transfer of another request is older (the
-- notice's reDate is later: the registry has moved on, so it ended there
-- unseen: cancelled with {registry_superseded}) or newer (the notice is
-- late: the open transfer is left as it is).
CREATE FUNCTION domxfer._apply_transfer_notice(m domxfer.registry_messages, at timestamptz,
											   OUT result text, OUT transfer_id bigint, OUT note text,
											   OUT duplicate_of bigint)
RETURNS record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_us text := pg_catalog.current_setting('domxfer.registrar_id');
	v_outcome domxfer.transfer_state := domxfer._registry_outcome(m.tr_status);
	v_open bigint;
	v_sponsor text;
	v_decided_at timestamptz;
	v_reason text := domxfer._registry_reason(m.tr_status);
	v_note text;
	v_detail jsonb;
	t domxfer.transfers;
	v_ended domxfer.transfers;
	v_prev domxfer.transfers;
	v_from domxfer.transfer_state;
	v_order text;
	v_requeue boolean := false;
	v_command bigint;
BEGIN
	v_note := pg_catalog.format('registry %s (message %s%s)', m.tr_status, m.id,
								CASE WHEN m.msgq_id IS NULL THEN '' ELSE ', msgQ id ' OPERATOR(pg_catalog.||) m.msgq_id END);
	v_detail := pg_catalog.jsonb_build_object('action', 'registry_' OPERATOR(pg_catalog.||) m.tr_status,
											  'message_id', m.id, 'msgq_id', m.msgq_id,
											  'reID', m.re_id, 'reDate', m.re_date, 'acID', m.ac_id, 'acDate', m.ac_date);
	IF m.time_zone_assumed IS NOT NULL THEN
		-- SPEC §8 (0.3.0): the event says that the zone was assumed
		v_detail := v_detail OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('time_zone_assumed', m.time_zone_assumed);
	END IF;

	SELECT dm.open_transfer_id, dm.sponsoring_registrar INTO v_open, v_sponsor
	  FROM domxfer._domain_row(m.domain_name) dm;
	IF v_sponsor IS NULL THEN
		result := 'not_ours';
		RETURN;
	END IF;
	IF m.tr_status OPERATOR(pg_catalog.=) 'pending' AND m.ac_id IS NOT NULL
	   AND m.ac_id OPERATOR(pg_catalog.<>) v_us THEN
		result := 'not_ours';			-- a transfer in, or between two others
		RETURN;
	END IF;
	-- SPEC §8: only a registry-managed TLD takes registry notices; for the
	-- others the losing registrar checks codes itself (receive_transfer_request)
	IF NOT (domxfer._policy_for(m.domain_name)).registry_transfers THEN
		RAISE EXCEPTION 'TLD "%" is not registry-managed', domxfer.domain_tld(m.domain_name)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Its tld_policy row has registry_transfers = false: this registrar checks auth codes itself and a registry notice opens or ends no transfer there (SPEC §8).',
				  HINT = 'If the registry manages transfers of this TLD, set registry_transfers = true in its tld_policy row.';
	END IF;
	IF m.tr_status OPERATOR(pg_catalog.=) 'pending' AND m.re_id OPERATOR(pg_catalog.=) v_us THEN
		RAISE EXCEPTION 'gaining registrar "%" is this registrar', m.re_id
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A domain cannot be transferred to the registrar that already sponsors it.';
	END IF;

	-- an ended transfer this message names (a late or repeated notice)
	SELECT * INTO v_ended FROM domxfer.transfers tr
	 WHERE tr.domain_name OPERATOR(pg_catalog.=) m.domain_name
	   AND tr.state OPERATOR(pg_catalog.>=) 'completed'
	   AND tr.registry_managed
	   AND tr.gaining_registrar OPERATOR(pg_catalog.=) m.re_id
	   AND tr.requested_at OPERATOR(pg_catalog.=) m.re_date
	 ORDER BY tr.id DESC LIMIT 1;
	IF FOUND THEN
		transfer_id := v_ended.id;
		IF v_outcome IS NOT NULL THEN
			-- the same outcome in another message (a poll message and a
			-- transfer query response, or two EPP clients at once)
			SELECT pg_catalog.min(rm.id) INTO duplicate_of FROM domxfer.registry_messages rm
			 WHERE rm.transfer_id OPERATOR(pg_catalog.=) v_ended.id
			   AND rm.tr_status OPERATOR(pg_catalog.=) m.tr_status
			   AND rm.result OPERATOR(pg_catalog.=) 'applied';
			IF duplicate_of IS NOT NULL THEN
				result := 'duplicate';
				RETURN;
			END IF;
		END IF;
		result := 'applied';			-- nothing changes: the outcome is known
		note := pg_catalog.format('transfer %s of this request had already ended (%s, %s): nothing changed',
								  v_ended.id, v_ended.state, pg_catalog.array_to_string(v_ended.outcome_reason, ', '));
		RETURN;
	END IF;

	IF v_open IS NOT NULL THEN
		-- a registry-managed transfer is never decided at its deadline
		-- (SPEC §8): locked as it is. Settling it first (_lock_transfer)
		-- would start a side transaction for nothing whenever its acDate
		-- has passed, i.e. for nearly every registry outcome
		SELECT * INTO t FROM domxfer.transfers tr WHERE tr.id OPERATOR(pg_catalog.=) v_open FOR UPDATE;
		IF NOT t.registry_managed THEN
			t := domxfer._lock_transfer(v_open, at);
		END IF;
		IF t.state OPERATOR(pg_catalog.>=) 'completed' THEN
			t := NULL;
		END IF;
	END IF;

	-- sequencing: does the open registry transfer belong to this request?
	IF t.id IS NOT NULL AND m.re_id IS NOT NULL AND t.registry_managed
	   AND t.state OPERATOR(pg_catalog.=) 'pending' THEN
		PERFORM domxfer.check_client_id(m.re_id);	-- it names the request
		IF t.gaining_registrar OPERATOR(pg_catalog.=) m.re_id
		   AND (m.re_date IS NULL OR t.requested_at OPERATOR(pg_catalog.=) m.re_date) THEN
			v_order := 'same';
		ELSIF m.re_date IS NOT NULL AND m.re_date OPERATOR(pg_catalog.>) t.requested_at THEN
			v_order := 'newer';
		ELSE
			v_order := 'older';
		END IF;
	END IF;
	IF v_order OPERATOR(pg_catalog.=) 'older' THEN
		-- an outcome (or a late pending) for an older request never ends or
		-- changes a newer transfer
		result := 'applied';
		note := pg_catalog.format('for an older request (reID %s, reDate %s) than the open transfer %s (reID %s, reDate %s): the open transfer was left as it is',
								  m.re_id, COALESCE(domxfer._utc_text(m.re_date), 'missing'), t.id,
								  t.gaining_registrar, domxfer._utc_text(t.requested_at));
		RETURN;
	END IF;
	IF v_order OPERATOR(pg_catalog.=) 'newer' THEN
		-- the registry has moved on to a newer request: the open one ended
		-- there without its outcome reaching us
		UPDATE domxfer.registry_commands c
		   SET superseded_from = c.state, state = 'superseded', lease_until = NULL
		 WHERE c.transfer_id OPERATOR(pg_catalog.=) t.id
		   AND c.state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed']);
		PERFORM domxfer._finish_transfer(t, 'cancelled', at, '{registry_superseded}',
			pg_catalog.format('the registry sent %s for a newer request (reID %s, reDate %s, message %s); its outcome for this request was not seen',
							  m.tr_status, m.re_id, domxfer._utc_text(m.re_date), m.id));
		note := pg_catalog.format('transfer %s (reID %s, reDate %s) was for an older request: ended as cancelled {registry_superseded}',
								  t.id, t.gaining_registrar, domxfer._utc_text(t.requested_at));
		t := NULL;
	END IF;

	IF t.id IS NULL AND v_sponsor OPERATOR(pg_catalog.<>) v_us THEN
		result := 'not_ours';
		RETURN;
	END IF;
	-- reID becomes gaining_registrar: the one check of registrar ids (SPEC §1b)
	IF m.tr_status OPERATOR(pg_catalog.=) 'pending' OR v_outcome OPERATOR(pg_catalog.=) 'completed' OR t.id IS NULL THEN
		IF m.re_id IS NULL THEN
			RAISE EXCEPTION 'registry notice has no reID'
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = 'RFC 5731 <domain:reID> names the gaining registrar.';
		END IF;
		PERFORM domxfer.check_client_id(m.re_id);
	END IF;

	IF m.tr_status OPERATOR(pg_catalog.=) 'pending' THEN
		IF m.re_date IS NULL OR m.ac_date IS NULL OR m.ac_date OPERATOR(pg_catalog.<=) m.re_date THEN
			RAISE EXCEPTION 'registry pending notice needs reDate and a later acDate'
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = pg_catalog.format('reDate %s, acDate %s.', COALESCE(domxfer._utc_text(m.re_date), 'missing'),
												 COALESCE(domxfer._utc_text(m.ac_date), 'missing'));
		END IF;
		IF t.id IS NOT NULL AND t.state OPERATOR(pg_catalog.=) 'pending' AND t.registry_managed
		   AND t.gaining_registrar OPERATOR(pg_catalog.=) m.re_id
		   AND t.requested_at OPERATOR(pg_catalog.=) m.re_date
		   AND t.deadline OPERATOR(pg_catalog.=) m.ac_date THEN
			result := 'applied';		-- already known (e.g. a transfer query response)
			transfer_id := t.id;
			RETURN;
		END IF;
		IF t.id IS NULL THEN
			-- SPEC §8 (0.3.0): a request for a transfer the holder already
			-- cancelled (the latest attempt, cancelled by the holder before
			-- the registry's pending notice, whose code was still valid at
			-- reDate) is answered with a reject again, not silently reopened
			SELECT * INTO v_prev FROM domxfer.transfers tr
			 WHERE tr.domain_name OPERATOR(pg_catalog.=) m.domain_name
			 ORDER BY tr.id DESC LIMIT 1;
			v_requeue := FOUND AND v_prev.state OPERATOR(pg_catalog.=) 'cancelled'
						 AND 'holder_cancelled' OPERATOR(pg_catalog.=) ANY (v_prev.outcome_reason)
						 AND v_prev.auth_code_issued_at IS NOT NULL
						 AND m.re_date OPERATOR(pg_catalog.<=) COALESCE(v_prev.auth_code_expires_at, m.re_date);
			INSERT INTO domxfer.transfers (domain_name, state, gaining_registrar, created_at, requested_at,
										   deadline, registry_managed)
			VALUES (m.domain_name, 'pending', m.re_id, at, m.re_date, m.ac_date, true)
			RETURNING * INTO t;
			v_from := NULL;
			IF v_requeue THEN
				v_detail := v_detail OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
					'auth_code_issued_here', false,
					'holder_cancelled_transfer_id', v_prev.id,
					'note', pg_catalog.format('the holder cancelled transfer %s at %s, before the registry''s pending notice: a reject is queued again',
											  v_prev.id, domxfer._utc_text(v_prev.decided_at)));
			ELSE
				v_detail := v_detail OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
					'auth_code_issued_here', false,
					'note', 'no auth code was issued through domxfer for this transfer: the registrar may have given it out another way');
			END IF;
		ELSE
			v_from := t.state;
			v_detail := v_detail OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
				'auth_code_issued_here', t.auth_code_issued_at IS NOT NULL);
			UPDATE domxfer.transfers tr
			   SET state = 'pending', registry_managed = true, gaining_registrar = m.re_id,
				   requested_at = m.re_date, deadline = m.ac_date,
				   auth_code_hash = NULL, auth_code_salt = NULL
			 WHERE tr.id OPERATOR(pg_catalog.=) t.id
			RETURNING * INTO t;
		END IF;
		PERFORM domxfer._domain_transfer_pending(t.domain_name, t.id);
		PERFORM domxfer._log_transfer_event(t, v_from, v_detail);
		IF v_requeue THEN
			v_command := domxfer._queue_registry_command(t, 'reject', '{holder_cancelled}');
			-- written in the namespaces of this notice (not stored yet),
			-- unless the TLD's policy sets them
			UPDATE domxfer.registry_commands c
			   SET xml_namespace = COALESCE((domxfer._policy_for(m.domain_name)).registry_domain_namespace, m.xml_namespace, c.xml_namespace),
				   epp_namespace = COALESCE((domxfer._policy_for(m.domain_name)).registry_epp_namespace, m.epp_namespace, c.epp_namespace)
			 WHERE c.id OPERATOR(pg_catalog.=) v_command;
			note := pg_catalog.concat_ws('; ', note, pg_catalog.format(
				'the holder had cancelled transfer %s: reject command %s queued again', v_prev.id, v_command));
		END IF;
		result := 'applied';
		transfer_id := t.id;
		RETURN;
	END IF;

	-- an outcome: the registry is the truth, whatever domxfer had asked for
	v_decided_at := CASE WHEN m.ac_date IS NOT NULL AND m.ac_date OPERATOR(pg_catalog.<=) at
							  AND m.ac_date OPERATOR(pg_catalog.>=) COALESCE(t.requested_at, m.re_date, m.ac_date)
						 THEN m.ac_date ELSE at END;
	IF t.id IS NULL THEN
		-- the pending notice was never seen: the outcome opens and ends it
		INSERT INTO domxfer.transfers (domain_name, state, gaining_registrar, created_at, requested_at,
									   decided_at, outcome_reason, registry_managed)
		VALUES (m.domain_name, v_outcome, m.re_id, at, COALESCE(m.re_date, v_decided_at), v_decided_at,
				ARRAY[v_reason], true)
		RETURNING * INTO t;
		IF v_outcome OPERATOR(pg_catalog.=) 'completed' THEN
			PERFORM domxfer._domain_transfer_ended(t.domain_name, t.id, false, t.gaining_registrar, t.decided_at);
		END IF;
		PERFORM domxfer._log_transfer_event(t, NULL,
			v_detail OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
				'outcome_reason', t.outcome_reason, 'decided_at', t.decided_at,
				'note', 'the registry''s pending notice was never seen'));
	ELSE
		IF t.gaining_registrar IS NULL OR t.requested_at IS NULL OR NOT t.registry_managed THEN
			UPDATE domxfer.transfers tr
			   SET gaining_registrar = COALESCE(tr.gaining_registrar, m.re_id),
				   requested_at = COALESCE(tr.requested_at, m.re_date, v_decided_at),
				   registry_managed = true
			 WHERE tr.id OPERATOR(pg_catalog.=) t.id;
			t.gaining_registrar := COALESCE(t.gaining_registrar, m.re_id);
			t.requested_at := COALESCE(t.requested_at, m.re_date, v_decided_at);
		END IF;
		-- commands not yet answered are moot; remember whether a reject
		-- was still unsent (SPEC §8 0.3.0: a discrepancy if the domain left)
		UPDATE domxfer.registry_commands c
		   SET superseded_from = c.state, state = 'superseded', lease_until = NULL
		 WHERE c.transfer_id OPERATOR(pg_catalog.=) t.id
		   AND c.state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed']);
		-- a rejection or cancellation the holder asked for keeps the holder's reason
		t := domxfer._finish_transfer(t, v_outcome, v_decided_at, ARRAY[v_reason],
			CASE WHEN v_outcome OPERATOR(pg_catalog.<>) 'completed' AND t.cancel_note IS NOT NULL
				 THEN t.cancel_note ELSE v_note END);
	END IF;
	result := 'applied';
	transfer_id := t.id;
END
$$;

COMMENT ON FUNCTION domxfer._apply_transfer_notice(domxfer.registry_messages, timestamptz) IS 'Internal: the state change of SPEC §8 for one registry notice (built, not yet stored; the caller holds the domain''s notice lock): pending opens or advances the transfer of its reID and reDate (deadline = acDate), an outcome ends it as the registry says (one transfer_events row each); a notice for an older request than the open transfer changes nothing, one for a newer request ends the open one as cancelled {registry_superseded}; a pending after the holder cancelled queues the reject again; the same outcome again is a duplicate (duplicate_of: the message that applied it). Returns result (applied, duplicate, not_ours), the transfer and a note';

CREATE FUNCTION domxfer.apply_registry_message(message text,
	OUT message_id bigint, OUT domain_name text, OUT tr_status text, OUT transfer_id bigint, OUT result text)
RETURNS record
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	p record;
	m domxfer.registry_messages;
	v_result text;
	v_sqlstate text;
	v_error text;
	v_transfer bigint;
	v_hash bytea;
	v_note text;
	v_duplicate_of bigint;
BEGIN
	IF message IS NULL THEN
		RAISE EXCEPTION 'registry message must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF pg_catalog.octet_length(message) OPERATOR(pg_catalog.>) 1048576 THEN
		RAISE EXCEPTION 'registry message is too long'
			USING ERRCODE = 'program_limit_exceeded',
				  DETAIL = pg_catalog.format('The message has %s bytes; the limit is 1 MB (1,048,576 bytes).',
											 pg_catalog.octet_length(message)),
				  HINT = 'EPP messages are a few kilobytes: this is not one.';
	END IF;

	p := domxfer._read_registry_message(message);
	v_hash := pg_catalog.sha256(COALESCE(p.canonical, pg_catalog.convert_to(apply_registry_message.message, 'UTF8')));

	-- the same content is applied once: a session with the same message
	-- waits here for the first to end, then finds its row (a duplicate)
	PERFORM pg_catalog.pg_advisory_xact_lock(1685217650,	-- 'domx'
		('x' OPERATOR(pg_catalog.||) pg_catalog.encode(pg_catalog.substr(v_hash, 1, 4), 'hex'))::bit(32)::integer);
	SELECT * INTO m FROM domxfer.registry_messages rm WHERE rm.content_hash OPERATOR(pg_catalog.=) v_hash;
	IF FOUND THEN
		message_id := m.id;
		domain_name := m.domain_name;
		tr_status := m.tr_status;
		transfer_id := m.transfer_id;
		result := 'duplicate';
		RETURN;
	END IF;
	-- SPEC §8 (0.3.0): one notice of a domain at a time, so that two
	-- sessions applying notices of one transfer (pending in one, its
	-- outcome in another) each see the other's work: the second waits here
	-- and then reads what the first committed (after the content lock, in
	-- the same order in every session)
	IF p.kind OPERATOR(pg_catalog.=) 'notice' AND p.domain_name IS NOT NULL THEN
		PERFORM pg_catalog.pg_advisory_xact_lock(1685217651,	-- 'domy'
			pg_catalog.hashtext(p.domain_name));
	END IF;

	-- the row as it will be stored (its id first: the transfer's event names it)
	m.id := pg_catalog.nextval('domxfer.registry_messages_id_seq'::pg_catalog.regclass);
	m.received_at := v_now;
	m.message := COALESCE(p.stripped, message);
	IF p.canonical IS NULL AND message OPERATOR(pg_catalog.~*) '(authinfo|pw)' THEN
		m.message := NULL;				-- unreadable and may hold a code: not kept
	END IF;
	m.authinfo_removed := p.stripped IS NOT NULL;
	m.content_hash := v_hash;
	m.msgq_id := p.msgq_id;
	m.epp_result_code := p.result_code;
	m.xml_namespace := p.xml_namespace;
	m.epp_namespace := p.epp_namespace;
	m.domain_name := p.domain_name;
	m.tr_status := p.tr_status;
	m.re_id := p.re_id;
	-- dates without a zone are read in the TLD's registry_time_zone (SPEC §8 0.3.0)
	IF NOT domxfer._registry_time_has_zone(p.re_date) OR NOT domxfer._registry_time_has_zone(p.ac_date)
	   OR NOT domxfer._registry_time_has_zone(p.ex_date) THEN
		m.time_zone_assumed := COALESCE((domxfer._policy_for(p.domain_name)).registry_time_zone, 'UTC');
	END IF;
	m.re_date := domxfer._registry_time(p.re_date, m.time_zone_assumed);
	m.ac_id := p.ac_id;
	m.ac_date := domxfer._registry_time(p.ac_date, m.time_zone_assumed);
	m.ex_date := domxfer._registry_time(p.ex_date, m.time_zone_assumed);
	v_result := CASE p.kind WHEN 'notice' THEN 'applied' ELSE p.kind END;
	v_sqlstate := p.sqlstate;
	v_error := p.error;

	IF p.kind OPERATOR(pg_catalog.=) 'notice' THEN
		BEGIN
			SELECT a.result, a.transfer_id, a.note, a.duplicate_of INTO v_result, v_transfer, v_note, v_duplicate_of
			  FROM domxfer._apply_transfer_notice(m, v_now) a;
		EXCEPTION WHEN data_exception OR integrity_constraint_violation OR object_not_in_prerequisite_state
					   OR no_data_found THEN
			GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_error = MESSAGE_TEXT;
			v_result := 'invalid';
			v_transfer := NULL;
			v_note := NULL;
		END;
	END IF;
	IF v_result OPERATOR(pg_catalog.=) 'duplicate' THEN
		-- the same outcome another message applied: answered with that one
		SELECT * INTO m FROM domxfer.registry_messages rm WHERE rm.id OPERATOR(pg_catalog.=) v_duplicate_of;
		message_id := m.id;
		domain_name := m.domain_name;
		tr_status := m.tr_status;
		transfer_id := m.transfer_id;
		result := 'duplicate';
		RETURN;
	END IF;

	INSERT INTO domxfer.registry_messages
		(id, received_at, message, authinfo_removed, content_hash, msgq_id, epp_result_code, xml_namespace,
		 domain_name, tr_status, re_id, re_date, ac_id, ac_date, ex_date, transfer_id, result, sqlstate, error,
		 time_zone_assumed, note, epp_namespace)
	OVERRIDING SYSTEM VALUE
	VALUES (m.id, m.received_at, m.message, m.authinfo_removed, m.content_hash, m.msgq_id, m.epp_result_code,
			m.xml_namespace, m.domain_name, m.tr_status, m.re_id, m.re_date, m.ac_id, m.ac_date, m.ex_date,
			v_transfer, v_result, v_sqlstate, v_error, m.time_zone_assumed, v_note, m.epp_namespace);
	message_id := m.id;
	domain_name := m.domain_name;
	tr_status := m.tr_status;
	transfer_id := v_transfer;
	result := v_result;
END
$$;

COMMENT ON FUNCTION domxfer.apply_registry_message(text) IS 'SPEC §8: stores one EPP message of a registry (poll message or transfer response, RFC 5730/5731) in registry_messages and applies it: result applied, duplicate (same msgQ id and content again: nothing changes), not_ours, ignored (not a domain transfer notice) or invalid (stored with its SQLSTATE: 2200M, 2200N or 22023, also for a pending notice whose reID is this registrar; 55000 for a domain whose TLD has registry_transfers = false; no error is raised, so the EPP client can ack it). Raises only for NULL (22004) and over 1 MB (54000). No DTD or external entity is ever read';

CREATE FUNCTION domxfer.claim_registry_commands(max integer DEFAULT 10, lease interval DEFAULT '5 minutes')
RETURNS TABLE (command_id bigint, transfer_id bigint, domain_name text, op text, xml text, auth_info bytea)
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
BEGIN
	IF max IS NULL OR lease IS NULL THEN
		RAISE EXCEPTION 'max and lease must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF max OPERATOR(pg_catalog.<) 1 OR max OPERATOR(pg_catalog.>) 1000 THEN
		RAISE EXCEPTION 'max must be between 1 and 1000' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF lease OPERATOR(pg_catalog.<) '1 second'::interval OR lease OPERATOR(pg_catalog.>) '1 day'::interval THEN
		RAISE EXCEPTION 'lease must be between 1 second and 1 day' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY
	WITH claimable AS (
		SELECT c.id FROM domxfer.registry_commands c
		 WHERE (c.state OPERATOR(pg_catalog.=) 'queued'
				OR (c.state OPERATOR(pg_catalog.=) 'claimed' AND c.lease_until OPERATOR(pg_catalog.<=) v_now))
		   -- SPEC §8 (0.3.0): a domain's commands go out in the order they
		   -- were queued: none while an earlier one is queued or claimed
		   AND NOT EXISTS (SELECT FROM domxfer.registry_commands e
							WHERE e.domain_name OPERATOR(pg_catalog.=) c.domain_name
							  AND e.id OPERATOR(pg_catalog.<) c.id
							  AND e.state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed']))
		 ORDER BY c.id
		 LIMIT max
		   FOR UPDATE SKIP LOCKED
	), claimed AS (
		UPDATE domxfer.registry_commands c
		   SET state = 'claimed', claimed_at = v_now, lease_until = v_now OPERATOR(pg_catalog.+) lease,
			   attempts = c.attempts OPERATOR(pg_catalog.+) 1
		  FROM claimable
		 WHERE c.id OPERATOR(pg_catalog.=) claimable.id
		RETURNING c.*
	)
	SELECT c.id, c.transfer_id, c.domain_name, c.op, domxfer._registry_command_xml(c), c.auth_info
	  FROM claimed c
	 ORDER BY c.id;
END
$$;

COMMENT ON FUNCTION domxfer.claim_registry_commands(integer, interval) IS 'SPEC §8: hands up to max (1 to 1000) queued commands, and claimed ones whose lease ran out, to the EPP client (FOR UPDATE SKIP LOCKED), each with its RFC 5731 command XML (<transfer>, or 0.3.0 <update> for set_auth_info/unset_auth_info) and auth_info (bytea: for set_auth_info the code encrypted to the EPP client''s OpenPGP key, which the client decrypts and puts, XML-escaped, in place of the placeholder @domxfer.auth_info@ in <domain:pw>; NULL otherwise); a domain''s commands in the order they were queued (none while an earlier one of the domain is queued or claimed, 0.3.0); they come back after lease (1 s to 1 day) unless record_registry_response closes them. 22004 for NULL, 22023 out of range';

CREATE FUNCTION domxfer._registry_command_xml(c domxfer.registry_commands)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.format(
'<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="%5$s">
  <command>
%1$s    <clTRID>domxfer-%4$s</clTRID>
  </command>
</epp>
', CASE WHEN c.op OPERATOR(pg_catalog.=) ANY (ARRAY['approve', 'reject']) THEN pg_catalog.format(
'    <transfer op="%1$s">
      <domain:transfer xmlns:domain="%2$s">
        <domain:name>%3$s</domain:name>
      </domain:transfer>
    </transfer>
', c.op, domxfer._xml_escape(c.xml_namespace), domxfer._xml_escape(c.domain_name))
   -- RFC 5731 §3.2.5 <update>, RFC 9154 §4.1 (set) and §4.3 (unset)
   ELSE pg_catalog.format(
'    <update>
      <domain:update xmlns:domain="%1$s">
        <domain:name>%2$s</domain:name>
        <domain:chg>
          <domain:authInfo>
            %3$s
          </domain:authInfo>
        </domain:chg>
      </domain:update>
    </update>
', domxfer._xml_escape(c.xml_namespace), domxfer._xml_escape(c.domain_name),
   CASE c.op WHEN 'set_auth_info' THEN '<domain:pw>@domxfer.auth_info@</domain:pw>' ELSE '<domain:null/>' END) END,
   NULL, NULL, c.id, domxfer._xml_escape(c.epp_namespace));

COMMENT ON FUNCTION domxfer._registry_command_xml(domxfer.registry_commands) IS 'Internal: the RFC 5731 §3.2.4 <transfer op="approve"|"reject"> command of a registry command in its EPP and domain namespaces (0.3.0), clTRID domxfer-<id>; 0.3.0: set_auth_info and unset_auth_info as RFC 5731 §3.2.5 <update> with <domain:chg><domain:authInfo> holding <domain:pw>@domxfer.auth_info@</domain:pw> (the placeholder the EPP client replaces with the decrypted code, RFC 9154 §4.1) or <domain:null/> (§4.3); never a code';

CREATE FUNCTION domxfer.registry_command_xml(id bigint)
RETURNS text
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	c domxfer.registry_commands;
BEGIN
	IF id IS NULL THEN
		RAISE EXCEPTION 'command id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO c FROM domxfer.registry_commands rc WHERE rc.id OPERATOR(pg_catalog.=) registry_command_xml.id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'registry command % does not exist', id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN domxfer._registry_command_xml(c);
END
$$;

COMMENT ON FUNCTION domxfer.registry_command_xml(bigint) IS 'SPEC §8: text, the RFC 5731 EPP command (transfer approve or reject; 0.3.0 update setting the code, with the placeholder @domxfer.auth_info@ in <domain:pw>, or unsetting it with <domain:null/>; clTRID domxfer-<id>, never an auth code) of a registry command; 22004 for NULL, P0002 if unknown';

CREATE FUNCTION domxfer.record_registry_response(id bigint, result_code integer, sv_trid text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	c domxfer.registry_commands;
	v_state text;
	v_error text;
BEGIN
	IF id IS NULL OR result_code IS NULL THEN
		RAISE EXCEPTION 'command id and result code must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- the command first: an answer to a command that does not exist is
	-- reported as that, whatever else is wrong with it (finding 7)
	SELECT * INTO c FROM domxfer.registry_commands rc WHERE rc.id OPERATOR(pg_catalog.=) record_registry_response.id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'registry command % does not exist', id USING ERRCODE = 'no_data_found';
	END IF;
	IF result_code NOT BETWEEN 1000 AND 2599 OR result_code BETWEEN 1600 AND 1999 THEN
		RAISE EXCEPTION 'invalid EPP result code %', result_code
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'RFC 5730 §3 result codes are 1000 to 1599 (success) and 2000 to 2599 (failure).';
	END IF;
	IF sv_trid IS NOT NULL AND (pg_catalog.char_length(sv_trid) NOT BETWEEN 3 AND 64
								OR sv_trid OPERATOR(pg_catalog.~) '[[:cntrl:]]|^ | $|  ') THEN
		RAISE EXCEPTION 'invalid svTRID'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'RFC 5730 trIDStringType: a token of 3 to 64 characters.';
	END IF;
	-- a final answer stays: a stale or second report must not erase what the
	-- registry said (a failed command waits for an operator)
	IF c.state OPERATOR(pg_catalog.=) ANY (ARRAY['done', 'failed']) THEN
		IF c.result_code OPERATOR(pg_catalog.=) result_code AND c.sv_trid IS NOT DISTINCT FROM sv_trid THEN
			RETURN c.state;				-- the same answer again
		END IF;
		RAISE EXCEPTION 'registry command % was already answered', id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Result %s, svTRID %s, at %s.', c.result_code, c.sv_trid, domxfer._utc_text(c.answered_at));
	END IF;
	IF result_code OPERATOR(pg_catalog.<) 2000 THEN
		v_state := 'done';
	ELSE
		v_error := pg_catalog.format('EPP result %s%s', result_code,
			CASE result_code
				WHEN 2201 THEN ': authorization error'
				WHEN 2301 THEN ': object not pending transfer'
				WHEN 2303 THEN ': object does not exist'
				WHEN 2304 THEN ': object status prohibits operation'
				WHEN 2400 THEN ': command failed (will be retried)'
				WHEN 2500 THEN ': command failed; server closing connection (will be retried)'
				WHEN 2501 THEN ': authentication error; server closing connection (will be retried)'
				WHEN 2502 THEN ': session limit exceeded; server closing connection (will be retried)'
				ELSE '' END);
		-- the server or the connection failed: send it again; else an operator decides
		v_state := CASE WHEN result_code OPERATOR(pg_catalog.=) ANY (ARRAY[2400, 2500, 2501, 2502])
							 AND c.state OPERATOR(pg_catalog.<>) 'superseded'
						THEN 'queued' ELSE 'failed' END;
	END IF;
	IF c.state OPERATOR(pg_catalog.=) 'superseded' AND v_state OPERATOR(pg_catalog.=) 'failed' THEN
		v_state := 'superseded';
	END IF;
	UPDATE domxfer.registry_commands rc
	   SET state = v_state, result_code = record_registry_response.result_code,
		   sv_trid = record_registry_response.sv_trid, answered_at = v_now, error = v_error,
		   lease_until = NULL
	 WHERE rc.id OPERATOR(pg_catalog.=) c.id;
	RETURN v_state;
END
$$;

COMMENT ON FUNCTION domxfer.record_registry_response(bigint, integer, text) IS 'SPEC §8: records the registry''s answer to a command (RFC 5730 result code, svTRID) and returns the command''s state: 1000-1599 done; 2400, 2500-2502 queued again for a retry; other 2xxx failed with the error kept for an operator. 22004 NULL, P0002 unknown command (checked before the answer), 22023 bad code or svTRID, 55000 a different answer to a done or failed command (the same answer again returns its state)';

CREATE VIEW domxfer.registry_discrepancies AS
SELECT d.kind, d.transfer_id, d.domain_name, d.command_id, d.message_id, d.asked, d.registry_outcome,
	   d.ac_date, d.since, d.detail, d.discrepancy_id
  FROM (
SELECT 'outcome_differs'::text AS kind,
	   t.id AS transfer_id, t.domain_name, c.id AS command_id,
	   (SELECT pg_catalog.max(rm.id) FROM domxfer.registry_messages rm
		 WHERE rm.transfer_id OPERATOR(pg_catalog.=) t.id) AS message_id,
	   c.op AS asked, t.state::text AS registry_outcome, t.deadline AS ac_date,
	   t.decided_at AS since,
	   pg_catalog.format('domxfer asked the registry to %s (%s); the registry''s outcome: %s',
						 c.op, pg_catalog.array_to_string(c.reason_codes, ', '),
						 pg_catalog.array_to_string(t.outcome_reason, ', ')) AS detail,
	   c.id AS discrepancy_id
  FROM domxfer.transfers t
  JOIN domxfer.registry_commands c ON c.transfer_id OPERATOR(pg_catalog.=) t.id
 WHERE t.registry_managed AND t.state OPERATOR(pg_catalog.>=) 'completed'
   -- sent (or possibly sent) to the registry
   AND (c.state OPERATOR(pg_catalog.=) ANY (ARRAY['claimed', 'done', 'failed'])
		OR (c.state OPERATOR(pg_catalog.=) 'superseded' AND c.attempts OPERATOR(pg_catalog.>) 0
			-- a reject still unsent when the domain left: left_while_reject_unsent
			AND NOT (c.op OPERATOR(pg_catalog.=) 'reject' AND c.superseded_from IS NOT NULL
					 AND t.state OPERATOR(pg_catalog.=) 'completed')))
   AND c.op OPERATOR(pg_catalog.=) ANY (ARRAY['approve', 'reject'])
   AND (c.op OPERATOR(pg_catalog.=) 'approve') OPERATOR(pg_catalog.<>) (t.state OPERATOR(pg_catalog.=) 'completed')
UNION ALL
SELECT 'left_while_reject_unsent', t.id, t.domain_name, c.id,
	   (SELECT pg_catalog.max(rm.id) FROM domxfer.registry_messages rm
		 WHERE rm.transfer_id OPERATOR(pg_catalog.=) t.id),
	   c.op, t.state::text, t.deadline, t.decided_at,
	   pg_catalog.format('domxfer''s reject (%s) was still %s when the registry''s outcome arrived: the domain left (%s)',
						 pg_catalog.array_to_string(c.reason_codes, ', '),
						 CASE c.superseded_from WHEN 'queued' THEN 'queued (never sent)'
												ELSE 'claimed by an EPP client (unanswered)' END,
						 pg_catalog.array_to_string(t.outcome_reason, ', ')),
	   c.id
  FROM domxfer.transfers t
  JOIN domxfer.registry_commands c ON c.transfer_id OPERATOR(pg_catalog.=) t.id
 WHERE t.registry_managed AND t.state OPERATOR(pg_catalog.=) 'completed'
   AND c.op OPERATOR(pg_catalog.=) 'reject' AND c.state OPERATOR(pg_catalog.=) 'superseded'
   AND c.superseded_from IS NOT NULL
UNION ALL
SELECT 'no_outcome_past_ac_date', t.id, t.domain_name, NULL, NULL, NULL, NULL, t.deadline, t.deadline,
	   pg_catalog.format('pending at the registry since %s; acDate %s passed without an outcome from the registry',
						 pg_catalog.to_char(pg_catalog.timezone('UTC', t.requested_at), 'YYYY-MM-DD HH24:MI:SS "UTC"'), pg_catalog.to_char(pg_catalog.timezone('UTC', t.deadline), 'YYYY-MM-DD HH24:MI:SS "UTC"')),
	   t.id
  FROM domxfer.transfers t
 WHERE t.registry_managed AND t.state OPERATOR(pg_catalog.=) 'pending'
   AND t.deadline OPERATOR(pg_catalog.<) pg_catalog.now()
UNION ALL
SELECT 'command_unanswered_past_ac_date', c.transfer_id, c.domain_name, c.id, NULL, c.op, NULL, c.ac_date, c.ac_date,
	   pg_catalog.format('%s command %s is %s%s after acDate %s', c.op, c.id, c.state,
						 COALESCE(' (' OPERATOR(pg_catalog.||) c.error OPERATOR(pg_catalog.||) ')', ''),
						 pg_catalog.to_char(pg_catalog.timezone('UTC', c.ac_date), 'YYYY-MM-DD HH24:MI:SS "UTC"')),
	   c.id
  FROM domxfer.registry_commands c
  JOIN domxfer.transfers t ON t.id OPERATOR(pg_catalog.=) c.transfer_id
 WHERE c.state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed', 'failed'])
   AND c.ac_date OPERATOR(pg_catalog.<) pg_catalog.now()
   -- once the transfer has ended, a command that ended the way it asked is
   -- no discrepancy, and one that did not is outcome_differs
   AND t.state OPERATOR(pg_catalog.<) 'completed'
UNION ALL
-- SPEC §8 (0.3.0): the registry refused the code (2xxx) and no later
-- set_auth_info or unset_auth_info of the domain was queued since
SELECT 'auth_info_not_set', c.transfer_id, c.domain_name, c.id, NULL, c.op, NULL, NULL, c.answered_at,
	   pg_catalog.format('set_auth_info command %s failed (%s): the registry does not hold the code issued at %s, and the holder''s auth_code_issued notice is held',
						 c.id, c.error, pg_catalog.to_char(pg_catalog.timezone('UTC', c.created_at), 'YYYY-MM-DD HH24:MI:SS "UTC"')),
	   c.id
  FROM domxfer.registry_commands c
 WHERE c.op OPERATOR(pg_catalog.=) 'set_auth_info' AND c.state OPERATOR(pg_catalog.=) 'failed'
   AND NOT EXISTS (SELECT FROM domxfer.registry_commands l
					WHERE l.domain_name OPERATOR(pg_catalog.=) c.domain_name AND l.id OPERATOR(pg_catalog.>) c.id
					  AND l.op OPERATOR(pg_catalog.=) ANY (ARRAY['set_auth_info', 'unset_auth_info']))
UNION ALL
SELECT 'invalid_message', m.transfer_id, m.domain_name, NULL, m.id, NULL, m.tr_status, m.ac_date, m.received_at,
	   pg_catalog.format('SQLSTATE %s: %s', m.sqlstate, m.error),
	   m.id
  FROM domxfer.registry_messages m
 WHERE m.result OPERATOR(pg_catalog.=) 'invalid'
	   ) d
 WHERE NOT EXISTS (SELECT FROM domxfer.registry_discrepancy_acks a
					WHERE a.kind OPERATOR(pg_catalog.=) d.kind
					  AND a.discrepancy_id OPERATOR(pg_catalog.=) d.discrepancy_id);

COMMENT ON VIEW domxfer.registry_discrepancies IS 'SPEC §8: where domxfer and the registry disagree or a message could not be used, one row each: outcome_differs, left_while_reject_unsent, no_outcome_past_ac_date, command_unanswered_past_ac_date, invalid_message, auth_info_not_set (0.3.0); without those an operator closed with acknowledge_registry_discrepancy (kept in registry_discrepancy_acks)';
COMMENT ON COLUMN domxfer.registry_discrepancies.kind IS 'text; outcome_differs (the registry''s outcome is not what a sent command asked for), left_while_reject_unsent (SPEC §8 0.3.0: the domain left while domxfer''s reject was still queued or claimed), no_outcome_past_ac_date (registry-managed transfer still pending after acDate), command_unanswered_past_ac_date (a command queued, claimed or failed after acDate while its transfer is open), invalid_message (a stored message answered invalid), auth_info_not_set (0.3.0, RFC 9154 §4.1: the registry answered a set_auth_info command with a 2xxx failure and no later set_auth_info or unset_auth_info of the domain was queued: the code is not at the registry and the holder''s notice is held)';
COMMENT ON COLUMN domxfer.registry_discrepancies.transfer_id IS 'bigint; the transfer concerned, if any';
COMMENT ON COLUMN domxfer.registry_discrepancies.domain_name IS 'text; the domain (canonical A-label), if known';
COMMENT ON COLUMN domxfer.registry_discrepancies.command_id IS 'bigint; the registry command concerned (registry_commands.id), if any';
COMMENT ON COLUMN domxfer.registry_discrepancies.message_id IS 'bigint; the registry message concerned (registry_messages.id): the invalid one, or the last one of the transfer';
COMMENT ON COLUMN domxfer.registry_discrepancies.asked IS 'text; what domxfer asked the registry: approve, reject or (0.3.0) set_auth_info';
COMMENT ON COLUMN domxfer.registry_discrepancies.registry_outcome IS 'text; the transfer''s state after the registry''s outcome (completed, rejected, cancelled), or the trStatus of an invalid message';
COMMENT ON COLUMN domxfer.registry_discrepancies.ac_date IS 'timestamptz; the acDate concerned (RFC 5731): the transfer''s deadline or the command''s';
COMMENT ON COLUMN domxfer.registry_discrepancies.since IS 'timestamptz; since when the discrepancy exists: the outcome''s decided_at, the acDate, or when the message arrived';
COMMENT ON COLUMN domxfer.registry_discrepancies.detail IS 'text; the discrepancy in words (English), with reason codes and UTC instants';
COMMENT ON COLUMN domxfer.registry_discrepancies.discrepancy_id IS 'bigint; with kind, what acknowledge_registry_discrepancy(kind, id, note) takes: the command (outcome_differs, left_while_reject_unsent, command_unanswered_past_ac_date, auth_info_not_set), the transfer (no_outcome_past_ac_date) or the message (invalid_message)';

CREATE FUNCTION domxfer.acknowledge_registry_discrepancy(kind text, id bigint, note text)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_kinds text[] := ARRAY['outcome_differs', 'left_while_reject_unsent', 'no_outcome_past_ac_date',
							'command_unanswered_past_ac_date', 'invalid_message', 'auth_info_not_set'];
	a domxfer.registry_discrepancy_acks;
	v_detail text;
BEGIN
	IF kind IS NULL OR id IS NULL OR note IS NULL THEN
		RAISE EXCEPTION '% must not be NULL', CASE WHEN kind IS NULL THEN 'kind' WHEN id IS NULL THEN 'id' ELSE 'note' END
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Give the discrepancy''s kind and id as domxfer.registry_discrepancies shows them, and a note saying why it is closed.';
	END IF;
	-- free text from an operator: the one check of its kind (58_free_text.sql)
	note := domxfer._check_free_text('discrepancy note', note, 1000);
	IF NOT kind OPERATOR(pg_catalog.=) ANY (v_kinds) THEN
		RAISE EXCEPTION 'unknown registry discrepancy kind "%"', pg_catalog.left(kind, 64)
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'One of ' OPERATOR(pg_catalog.||) pg_catalog.array_to_string(v_kinds, ', ') OPERATOR(pg_catalog.||) '.';
	END IF;
	-- white space around it is not kept
	note := pg_catalog.regexp_replace(note, '^[[:space:]]+|[[:space:]]+$', '', 'g');
	IF note OPERATOR(pg_catalog.!~) '[^[:space:]]' THEN
		RAISE EXCEPTION 'a note of 1 to 1000 characters must say why the discrepancy is closed'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- one operator at a time per discrepancy
	PERFORM pg_catalog.pg_advisory_xact_lock(1685217652, pg_catalog.hashtext(kind OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) id));
	SELECT * INTO a FROM domxfer.registry_discrepancy_acks x
	 WHERE x.kind OPERATOR(pg_catalog.=) acknowledge_registry_discrepancy.kind
	   AND x.discrepancy_id OPERATOR(pg_catalog.=) acknowledge_registry_discrepancy.id;
	IF FOUND THEN
		RAISE EXCEPTION 'registry discrepancy % % was already acknowledged', kind, id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('By %s at %s: %s', a.acknowledged_by, domxfer._utc_text(a.acknowledged_at), a.note);
	END IF;
	SELECT d.detail INTO v_detail FROM domxfer.registry_discrepancies d
	 WHERE d.kind OPERATOR(pg_catalog.=) acknowledge_registry_discrepancy.kind
	   AND d.discrepancy_id OPERATOR(pg_catalog.=) acknowledge_registry_discrepancy.id
	 LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no registry discrepancy % %', kind, id
			USING ERRCODE = 'no_data_found',
				  HINT = 'SELECT kind, discrepancy_id, detail FROM domxfer.registry_discrepancies lists the open ones.';
	END IF;
	INSERT INTO domxfer.registry_discrepancy_acks (kind, discrepancy_id, acknowledged_by, note, detail)
	VALUES (kind, id, domxfer._actor(), note, v_detail)
	RETURNING * INTO a;
	RETURN a.acknowledged_at;
END
$$;

COMMENT ON FUNCTION domxfer.acknowledge_registry_discrepancy(text, bigint, text) IS 'SPEC §8 (0.3.0), domxfer_admin: closes one row of registry_discrepancies (kind and its discrepancy_id), keeping who, when and why (note, 1 to 1000 characters) and the row''s detail in registry_discrepancy_acks; returns when (timestamptz). 22004 NULL, 22023 unknown kind, a blank note or one with a control character, 22001 a note over 1000 characters, P0002 no such open discrepancy, 55000 already acknowledged (DETAIL: by whom, when, why)';

REVOKE EXECUTE ON FUNCTION
	domxfer._tld_policy_registry_columns(),
	domxfer._read_registry_message(text),
	domxfer._registry_outcome(text),
	domxfer._registry_reason(text),
	domxfer._xml_escape(text),
	domxfer._registry_time_has_zone(text),
	domxfer._registry_time(text, text),
	domxfer.acknowledge_registry_discrepancy(text, bigint, text),
	domxfer._queue_registry_command(domxfer.transfers, text, text[]),
	domxfer._registry_answer(domxfer.transfers, text, text[]),
	domxfer._queue_registry_commands(timestamptz),
	domxfer._next_registry_check_at(timestamptz),
	domxfer._apply_transfer_notice(domxfer.registry_messages, timestamptz),
	domxfer.apply_registry_message(text),
	domxfer.claim_registry_commands(integer, interval),
	domxfer._registry_command_xml(domxfer.registry_commands),
	domxfer.registry_command_xml(bigint),
	domxfer.record_registry_response(bigint, integer, text)
FROM PUBLIC;

-- Roles (SPEC §6): the EPP client runs as domxfer_app; the reader sees
-- messages and commands (neither ever holds an auth code).
GRANT EXECUTE ON FUNCTION
	domxfer.apply_registry_message(text),
	domxfer.claim_registry_commands(integer, interval),
	domxfer.registry_command_xml(bigint),
	domxfer.record_registry_response(bigint, integer, text)
	TO domxfer_app;
-- every column of the commands but the encrypted code (0.3.0: auth_info)
GRANT SELECT (id, transfer_id, domain_name, op, reason_codes, xml_namespace, ac_date, state, created_at,
			  claimed_at, lease_until, attempts, result_code, sv_trid, answered_at, error, superseded_from,
			  epp_namespace)
	ON domxfer.registry_commands TO domxfer_reader;
GRANT SELECT ON domxfer.registry_discrepancies TO domxfer_reader;
-- every column but the content hash (no hash is readable by the reader,
-- even one of a message that holds no secret)
GRANT SELECT (id, received_at, message, authinfo_removed, msgq_id, epp_result_code, xml_namespace,
			  domain_name, tr_status, re_id, re_date, ac_id, ac_date, ex_date, transfer_id, result,
			  sqlstate, error, time_zone_assumed, note, epp_namespace)
	ON domxfer.registry_messages TO domxfer_reader;
GRANT SELECT (registry_managed) ON domxfer.transfers TO domxfer_reader;
GRANT SELECT ON domxfer.registry_messages, domxfer.registry_commands TO domxfer_admin;
GRANT SELECT ON domxfer.registry_discrepancy_acks TO domxfer_reader;
GRANT EXECUTE ON FUNCTION domxfer.acknowledge_registry_discrepancy(text, bigint, text) TO domxfer_admin;
