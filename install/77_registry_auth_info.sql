-- The code at the registry (SPEC §8 0.3.0, RFC 9154 §4; issue 17). For a
-- registry-managed TLD the registry checks the auth code, so it must hold
-- it: every code issued or reissued queues a set_auth_info command whose
-- code only the EPP client can read (encrypted with pgcrypto to its OpenPGP
-- key), and a code that expires, is revoked or whose transfer ends other
-- than by the registry's completion queues an unset_auth_info command.
--
-- Where the code is written: a trigger on domxfer.transfers (the code's
-- table) sees every code issued (auth_code_hash set) and withdrawn, whatever
-- lifecycle function, worker pass or lazy expiry wrote it; the plain code is
-- read from the issuing transaction's memory (src/notice_code.c), never
-- from a table. Choices where the SPEC is silent (docs/registry.md):
--  * a newer set_auth_info or unset_auth_info of a domain supersedes its
--    still-queued set_auth_info commands (the registry would only be told a
--    code that no longer works) and wipes the ciphertext of a failed one;
--  * a failed (2xxx) command does not hold back the domain's later
--    commands: only queued and claimed ones do (a retry, 2400 or 2500-2502,
--    is queued again and so holds them back);
--  * the holder's auth_code_issued notice is held while its code's
--    set_auth_info still has its ciphertext (queued, claimed or failed and
--    not overtaken); a superseded one no longer holds it.

-- The EPP client's OpenPGP public key.
CREATE TABLE domxfer.registry_client_key (
	singleton boolean PRIMARY KEY DEFAULT true
		CONSTRAINT registry_client_key_one_row CHECK (singleton),
	public_key text NOT NULL,
	key_id text NOT NULL,
	set_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE domxfer.registry_client_key IS 'SPEC §8 (0.3.0): at most one row: the EPP client''s OpenPGP public key (ASCII-armored); every auth code issued for a registry-managed TLD is encrypted to it in its set_auth_info command (registry_commands.auth_info). Set with domxfer.set_registry_client_public_key(); readable only by domxfer_admin';
COMMENT ON COLUMN domxfer.registry_client_key.singleton IS 'boolean: always true (the table has at most one row)';
COMMENT ON COLUMN domxfer.registry_client_key.public_key IS 'text: the OpenPGP public key, ASCII-armored (RFC 4880 §6.2)';
COMMENT ON COLUMN domxfer.registry_client_key.key_id IS 'text: the key''s ID as pgcrypto''s pgp_key_id() reports it (16 hex digits)';
COMMENT ON COLUMN domxfer.registry_client_key.set_at IS 'timestamptz: when the key was set';

SELECT pg_catalog.pg_extension_config_dump('domxfer.registry_client_key', '');

-- a domain's commands still to go out, in order (claim_registry_commands)
CREATE INDEX registry_commands_domain_to_send ON domxfer.registry_commands (domain_name, id)
	WHERE state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed']);
-- a transfer's set_auth_info and unset_auth_info (the trigger, the notice hold)
CREATE INDEX registry_commands_auth_info_commands ON domxfer.registry_commands (transfer_id, id)
	WHERE op OPERATOR(pg_catalog.=) ANY (ARRAY['set_auth_info', 'unset_auth_info']);

CREATE FUNCTION domxfer._peek_issued_auth_code()
RETURNS text
AS 'MODULE_PATHNAME', 'domxfer_peek_issued_auth_code'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._peek_issued_auth_code() IS 'Internal: the auth code domxfer._auth_code_new() made last in this transaction, left in place for the notice writer; NULL if none. Only the set_auth_info trigger calls it';

-- pgcrypto's schema, or 55000 when it is not installed.
CREATE FUNCTION domxfer._pgcrypto_schema()
RETURNS name
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_schema name;
BEGIN
	SELECT n.nspname INTO v_schema
	  FROM pg_catalog.pg_extension x
	  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) x.extnamespace
	 WHERE x.extname OPERATOR(pg_catalog.=) 'pgcrypto';
	IF NOT FOUND THEN
		RAISE EXCEPTION 'auth codes for the registry need the extension pgcrypto'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'For a registry-managed TLD the auth code is sent to the EPP client encrypted to its OpenPGP key (SPEC §8).',
				  HINT = 'CREATE EXTENSION pgcrypto (it ships with PostgreSQL''s contrib modules).';
	END IF;
	RETURN v_schema;
END
$$;

COMMENT ON FUNCTION domxfer._pgcrypto_schema() IS 'Internal: the schema pgcrypto is installed in; 55000 with a HINT when it is not';

-- The code, encrypted to the EPP client's key: a binary OpenPGP message.
CREATE FUNCTION domxfer._encrypt_auth_info(code text, public_key text)
RETURNS bytea
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_schema name := domxfer._pgcrypto_schema();
	v_cipher bytea;
	v_explain text := pg_catalog.current_setting('auto_explain.log_min_duration', true);
BEGIN
	-- auto_explain (log_nested_statements; since PostgreSQL 16 with the
	-- statement's parameters) would log this statement with the code: not
	-- for it (the caller's transaction is explained again afterwards)
	IF v_explain IS NOT NULL THEN
		PERFORM pg_catalog.set_config('auto_explain.log_min_duration', '-1', true);
	END IF;
	EXECUTE pg_catalog.format('SELECT %I.pgp_pub_encrypt_bytea(pg_catalog.convert_to($1, ''UTF8''), %I.dearmor($2))',
							  v_schema, v_schema)
	   INTO v_cipher USING code, public_key;
	IF v_explain IS NOT NULL THEN
		PERFORM pg_catalog.set_config('auto_explain.log_min_duration', v_explain, true);
	END IF;
	RETURN v_cipher;
END
$$;

COMMENT ON FUNCTION domxfer._encrypt_auth_info(text, text) IS 'Internal: pgcrypto''s pgp_pub_encrypt_bytea of an auth code (UTF-8) to an ASCII-armored OpenPGP public key: the binary OpenPGP message of registry_commands.auth_info (RFC 4880), with auto_explain off for that one statement (its parameters would show the code); 55000 if pgcrypto is not installed';

CREATE FUNCTION domxfer.set_registry_client_public_key(key text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_schema name;
	v_key_id text;
BEGIN
	IF key IS NULL THEN
		DELETE FROM domxfer.registry_client_key;
		RETURN;
	END IF;
	v_schema := domxfer._pgcrypto_schema();
	BEGIN
		EXECUTE pg_catalog.format('SELECT %I.pgp_key_id(%I.dearmor($1))', v_schema, v_schema)
		   INTO v_key_id USING key;
		-- a key that can be read but not encrypted to (a secret key, a
		-- signing-only key) fails here too
		PERFORM domxfer._encrypt_auth_info('test', key);
	EXCEPTION WHEN OTHERS THEN
		RAISE EXCEPTION 'invalid OpenPGP public key for the EPP client'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = SQLERRM,
				  HINT = 'Give the ASCII-armored public key (gpg --armor --export KEYID) of a key that can encrypt with RSA or Elgamal: pgcrypto reads no elliptic-curve (ed25519, cv25519) keys.';
	END;
	IF v_key_id OPERATOR(pg_catalog.=) ANY (ARRAY['SYMKEY', 'ANYKEY']) THEN
		RAISE EXCEPTION 'invalid OpenPGP public key for the EPP client'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('pgp_key_id() says %s.', v_key_id);
	END IF;
	INSERT INTO domxfer.registry_client_key (singleton, public_key, key_id, set_at)
	VALUES (true, key, v_key_id, pg_catalog.now())
	ON CONFLICT (singleton) DO UPDATE
	   SET public_key = EXCLUDED.public_key, key_id = EXCLUDED.key_id, set_at = EXCLUDED.set_at;
END
$$;

COMMENT ON FUNCTION domxfer.set_registry_client_public_key(text) IS 'SPEC §8 (0.3.0, RFC 9154 §4), domxfer_admin: sets (or with NULL removes) the EPP client''s OpenPGP public key (ASCII-armored, RFC 4880); every auth code issued for a registry-managed TLD is encrypted to it with pgcrypto in its set_auth_info command, and without it such a code is not issued (55000). Returns void. 55000 pgcrypto not installed (HINT: CREATE EXTENSION pgcrypto), 22023 a key pgcrypto cannot encrypt to (a secret key, not a key)';

-- Queues a set_auth_info (with its ciphertext) or unset_auth_info command
-- for a transfer, in the registry's own namespaces; supersedes the domain's
-- still-queued set_auth_info commands and wipes failed ones' ciphertext.
CREATE FUNCTION domxfer._queue_auth_info_command(t domxfer.transfers, op text, reason_codes text[], auth_info bytea)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p domxfer.tld_policy := domxfer._policy_for(t.domain_name);
	v_tld text := domxfer.domain_tld(t.domain_name);
	v_ns text;
	v_epp text;
	v_id bigint;
BEGIN
	-- the namespaces: the TLD's policy, else those of the registry's latest
	-- message for the transfer, else for the TLD (SPEC §8 0.3.0), else IETF's
	IF p.registry_domain_namespace IS NULL OR p.registry_epp_namespace IS NULL THEN
		SELECT m.xml_namespace, m.epp_namespace INTO v_ns, v_epp FROM domxfer.registry_messages m
		 WHERE m.transfer_id OPERATOR(pg_catalog.=) t.id AND m.xml_namespace IS NOT NULL
		 ORDER BY m.id DESC LIMIT 1;
		IF NOT FOUND THEN
			SELECT m.xml_namespace, m.epp_namespace INTO v_ns, v_epp FROM domxfer.registry_messages m
			 WHERE m.domain_name OPERATOR(pg_catalog.~~) ('%.' OPERATOR(pg_catalog.||) v_tld)
			   AND m.xml_namespace IS NOT NULL
			 ORDER BY m.id DESC LIMIT 1;
		END IF;
	END IF;
	UPDATE domxfer.registry_commands c
	   SET state = 'superseded', superseded_from = 'queued', lease_until = NULL
	 WHERE c.domain_name OPERATOR(pg_catalog.=) t.domain_name
	   AND c.op OPERATOR(pg_catalog.=) 'set_auth_info' AND c.state OPERATOR(pg_catalog.=) 'queued';
	UPDATE domxfer.registry_commands c
	   SET auth_info = NULL
	 WHERE c.domain_name OPERATOR(pg_catalog.=) t.domain_name
	   AND c.op OPERATOR(pg_catalog.=) 'set_auth_info' AND c.state OPERATOR(pg_catalog.=) 'failed'
	   AND c.auth_info IS NOT NULL;
	INSERT INTO domxfer.registry_commands (transfer_id, domain_name, op, reason_codes, xml_namespace, ac_date,
										   epp_namespace, auth_info)
	VALUES (t.id, t.domain_name, op, reason_codes,
			COALESCE(p.registry_domain_namespace, v_ns, 'urn:ietf:params:xml:ns:domain-1.0'), NULL,
			COALESCE(p.registry_epp_namespace, v_epp, 'urn:ietf:params:xml:ns:epp-1.0'), auth_info)
	RETURNING id INTO v_id;
	RETURN v_id;
END
$$;

COMMENT ON FUNCTION domxfer._queue_auth_info_command(domxfer.transfers, text, text[], bytea) IS 'Internal: queues a set_auth_info (with the encrypted code) or unset_auth_info command for a transfer (SPEC §8 0.3.0, RFC 9154 §4) in the registry''s EPP and domain namespaces (tld_policy, else its latest message for the transfer, else for the TLD, else IETF''s); the domain''s queued set_auth_info commands become superseded and failed ones lose their ciphertext; returns its id';

-- The trigger on the code's table: a code issued, or withdrawn.
CREATE FUNCTION domxfer._registry_auth_info_on_transfer()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_key text;
	v_code text;
	v_cipher bytea;
	v_last text;
BEGIN
	-- a code issued now (a row restored from a dump carries an older one)
	IF NEW.auth_code_hash IS NOT NULL
	   AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR OLD.auth_code_hash IS DISTINCT FROM NEW.auth_code_hash)
	   AND NEW.auth_code_issued_at OPERATOR(pg_catalog.>=) pg_catalog.now() THEN
		IF NOT (domxfer._policy_for(NEW.domain_name)).registry_transfers THEN
			RETURN NULL;
		END IF;
		SELECT k.public_key INTO v_key FROM domxfer.registry_client_key k;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'cannot issue an auth code for "%": the EPP client''s OpenPGP key is not set', NEW.domain_name
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = pg_catalog.format('TLD "%s" is registry-managed (tld_policy.registry_transfers): the registry checks the code, so the EPP client must set it there, and it is handed to the client only encrypted to its key (SPEC §8, RFC 9154 §4.1).',
												 domxfer.domain_tld(NEW.domain_name)),
					  HINT = 'As domxfer_admin: SELECT domxfer.set_registry_client_public_key(''<the EPP client''''s ASCII-armored OpenPGP public key>'').';
		END IF;
		v_code := domxfer._peek_issued_auth_code();
		IF v_code IS NULL OR NOT domxfer._auth_code_matches(v_code, NEW.auth_code_salt, NEW.auth_code_hash) THEN
			RAISE EXCEPTION 'cannot send the auth code of transfer % to the registry', NEW.id
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = 'The code was not issued by domxfer in this transaction, so it cannot be encrypted for the EPP client.',
					  HINT = 'Issue codes with domxfer.request_transfer_out or domxfer.reissue_auth_code.';
		END IF;
		v_cipher := domxfer._encrypt_auth_info(v_code, v_key);
		v_code := NULL;
		PERFORM domxfer._queue_auth_info_command(NEW, 'set_auth_info',
			CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND OLD.auth_code_issued_at IS NOT NULL
				 THEN ARRAY['auth_code_reissued'] ELSE ARRAY['auth_code_issued'] END, v_cipher);
		RETURN NULL;
	END IF;
	IF TG_OP OPERATOR(pg_catalog.<>) 'UPDATE' OR NEW.state OPERATOR(pg_catalog.=) 'completed' THEN
		RETURN NULL;		-- after the registry's completion the registry unsets it (RFC 9154 §4.4)
	END IF;
	-- withdrawn: the code expired or was revoked (not used: pending keeps
	-- it at the registry), or the transfer ended other than by completion
	IF (OLD.auth_code_hash IS NOT NULL AND NEW.auth_code_hash IS NULL
		AND NEW.state OPERATOR(pg_catalog.<>) 'pending')
	   OR (OLD.state OPERATOR(pg_catalog.<) 'completed' AND NEW.state OPERATOR(pg_catalog.>) 'completed') THEN
		SELECT c.op INTO v_last FROM domxfer.registry_commands c
		 WHERE c.transfer_id OPERATOR(pg_catalog.=) NEW.id
		   AND c.op OPERATOR(pg_catalog.=) ANY (ARRAY['set_auth_info', 'unset_auth_info'])
		 ORDER BY c.id DESC LIMIT 1;
		IF v_last OPERATOR(pg_catalog.=) 'set_auth_info' THEN
			PERFORM domxfer._queue_auth_info_command(NEW, 'unset_auth_info',
				CASE WHEN NEW.state OPERATOR(pg_catalog.>) 'completed' AND pg_catalog.cardinality(NEW.outcome_reason) OPERATOR(pg_catalog.>) 0
					 THEN NEW.outcome_reason ELSE ARRAY['auth_code_revoked'] END, NULL);
		END IF;
	END IF;
	RETURN NULL;
END
$$;

COMMENT ON FUNCTION domxfer._registry_auth_info_on_transfer() IS 'Trigger of transfers (SPEC §8 0.3.0, RFC 9154 §4): for a registry-managed TLD, a code issued or reissued queues set_auth_info with the code encrypted to the EPP client''s key (55000 without the key: nothing is issued); a code that expires or is revoked, or a transfer that ends other than by completion after a set_auth_info, queues unset_auth_info; the registry''s completion queues nothing (§4.4)';

CREATE TRIGGER transfers_registry_auth_info_on_insert
	AFTER INSERT ON domxfer.transfers
	FOR EACH ROW WHEN (NEW.auth_code_hash IS NOT NULL)
	EXECUTE FUNCTION domxfer._registry_auth_info_on_transfer();
-- only the changes the function acts on: a new code; a code gone other
-- than by use (pending) or completion; an end other than completion (the
-- worker's batch of completions and receive_transfer_request skip it)
CREATE TRIGGER transfers_registry_auth_info_on_update
	AFTER UPDATE OF auth_code_hash, state ON domxfer.transfers
	FOR EACH ROW WHEN ((NEW.auth_code_hash IS NOT NULL AND OLD.auth_code_hash IS DISTINCT FROM NEW.auth_code_hash)
					   OR (OLD.auth_code_hash IS NOT NULL AND NEW.auth_code_hash IS NULL
						   AND NEW.state OPERATOR(pg_catalog.<>) ALL (ARRAY['pending', 'completed']::domxfer.transfer_state[]))
					   OR (OLD.state OPERATOR(pg_catalog.<) 'completed'::domxfer.transfer_state
						   AND NEW.state OPERATOR(pg_catalog.>) 'completed'::domxfer.transfer_state))
	EXECUTE FUNCTION domxfer._registry_auth_info_on_transfer();

-- The ciphertext is wiped when the registry has the code (done) or the
-- command is abandoned (superseded), whatever function closes it.
CREATE FUNCTION domxfer._registry_command_wipe_auth_info()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	NEW.auth_info := NULL;
	RETURN NEW;
END
$$;

COMMENT ON FUNCTION domxfer._registry_command_wipe_auth_info() IS 'Trigger of registry_commands (SPEC §8 0.3.0): wipes auth_info (the encrypted code) of a command that becomes done (the registry accepted it, 1000/1001) or superseded (abandoned)';

CREATE TRIGGER registry_commands_wipe_auth_info
	BEFORE UPDATE ON domxfer.registry_commands
	FOR EACH ROW WHEN (NEW.auth_info IS NOT NULL AND NEW.state OPERATOR(pg_catalog.=) ANY (ARRAY['done', 'superseded']))
	EXECUTE FUNCTION domxfer._registry_command_wipe_auth_info();

-- The notice hold: claim_notices does not hand out an auth_code_issued
-- notice while its code's set_auth_info has not been accepted (a command
-- queued in the same transaction as the notice that still holds its
-- ciphertext).
CREATE FUNCTION domxfer._notice_held(kind domxfer.notice_kind, transfer_id bigint, created_at timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN kind OPERATOR(pg_catalog.=) 'auth_code_issued'::domxfer.notice_kind
	   AND EXISTS (SELECT FROM domxfer.registry_commands c
					WHERE c.transfer_id OPERATOR(pg_catalog.=) _notice_held.transfer_id
					  -- (the op twice: the partial index's predicate)
					  AND c.op OPERATOR(pg_catalog.=) ANY (ARRAY['set_auth_info', 'unset_auth_info'])
					  AND c.op OPERATOR(pg_catalog.=) 'set_auth_info'
					  AND c.created_at OPERATOR(pg_catalog.=) _notice_held.created_at
					  AND c.auth_info IS NOT NULL);

COMMENT ON FUNCTION domxfer._notice_held(domxfer.notice_kind, bigint, timestamptz) IS 'Internal (SPEC §8 0.3.0): true for an auth_code_issued notice (kind, transfer, created_at) whose code the registry has not accepted yet: its set_auth_info, queued in the same transaction, still holds its ciphertext (queued, claimed, or failed and not overtaken by a newer command of the domain); claim_notices does not hand it out, overdue_notices still shows it after due_by';

REVOKE EXECUTE ON FUNCTION
	domxfer._peek_issued_auth_code(),
	domxfer._pgcrypto_schema(),
	domxfer._encrypt_auth_info(text, text),
	domxfer.set_registry_client_public_key(text),
	domxfer._queue_auth_info_command(domxfer.transfers, text, text[], bytea),
	domxfer._registry_auth_info_on_transfer(),
	domxfer._registry_command_wipe_auth_info(),
	domxfer._notice_held(domxfer.notice_kind, bigint, timestamptz)
FROM PUBLIC;

GRANT EXECUTE ON FUNCTION domxfer.set_registry_client_public_key(text) TO domxfer_admin;
GRANT SELECT ON domxfer.registry_client_key TO domxfer_admin;
