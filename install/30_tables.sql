-- Per-TLD policy numbers (SPEC §1) and the domains table (SPEC §2).

-- Helpers of tld_policy (src/tld_policy.c).
CREATE FUNCTION domxfer._is_time_zone(name text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'domxfer_is_time_zone'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._is_time_zone(text) IS
	'True when the text names a time zone the server knows (as SET TIME ZONE accepts it); the check of tld_policy.business_time_zone';

CREATE FUNCTION domxfer._tld_policy_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'domxfer_tld_policy_changed'
	LANGUAGE C;
COMMENT ON FUNCTION domxfer._tld_policy_changed() IS
	'Statement trigger of tld_policy: tells every session''s policy cache that the table changed';

CREATE TABLE domxfer.tld_policy (
	tld text PRIMARY KEY
		CONSTRAINT tld_policy_tld_canonical
		CHECK (CASE WHEN tld OPERATOR(pg_catalog.=) '*' THEN true
					-- only then ask the name functions (they raise errors on bad input)
					WHEN tld OPERATOR(pg_catalog.!~) '^[a-z0-9-]{1,63}$' THEN false
					ELSE tld OPERATOR(pg_catalog.=) domxfer.domain_tld('x.' OPERATOR(pg_catalog.||) tld) END),
	min_days_after_registration integer NOT NULL DEFAULT 60
		CONSTRAINT tld_policy_min_days_after_registration_range
		CHECK (min_days_after_registration OPERATOR(pg_catalog.>=) 0
			   AND min_days_after_registration OPERATOR(pg_catalog.<=) 3650),
	min_days_before_expiry integer NOT NULL DEFAULT 15
		CONSTRAINT tld_policy_min_days_before_expiry_range
		CHECK (min_days_before_expiry OPERATOR(pg_catalog.>=) 0
			   AND min_days_before_expiry OPERATOR(pg_catalog.<=) 3650),
	min_days_after_transfer integer NOT NULL DEFAULT 60
		CONSTRAINT tld_policy_min_days_after_transfer_range
		CHECK (min_days_after_transfer OPERATOR(pg_catalog.>=) 0
			   AND min_days_after_transfer OPERATOR(pg_catalog.<=) 3650),
	min_days_after_late_renewal integer NOT NULL DEFAULT 45
		CONSTRAINT tld_policy_min_days_after_late_renewal_range
		CHECK (min_days_after_late_renewal OPERATOR(pg_catalog.>=) 0
			   AND min_days_after_late_renewal OPERATOR(pg_catalog.<=) 3650),
	expiry_warning_days integer NOT NULL DEFAULT 30
		CONSTRAINT tld_policy_expiry_warning_days_range
		CHECK (expiry_warning_days OPERATOR(pg_catalog.>=) 0
			   AND expiry_warning_days OPERATOR(pg_catalog.<=) 3650),
	auto_approve_days integer NOT NULL DEFAULT 5
		CONSTRAINT tld_policy_auto_approve_days_range
		CHECK (auto_approve_days OPERATOR(pg_catalog.>=) 5
			   AND auto_approve_days OPERATOR(pg_catalog.<=) 7),
	auth_code_lifetime_days integer NOT NULL DEFAULT 14
		CONSTRAINT tld_policy_auth_code_lifetime_days_range
		CHECK (auth_code_lifetime_days OPERATOR(pg_catalog.>=) 1
			   AND auth_code_lifetime_days OPERATOR(pg_catalog.<=) 365),
	manual_answer_working_days integer NOT NULL DEFAULT 3
		CONSTRAINT tld_policy_manual_answer_working_days_range
		CHECK (manual_answer_working_days OPERATOR(pg_catalog.>=) 1
			   AND manual_answer_working_days OPERATOR(pg_catalog.<=) 60),
	business_time_zone text NOT NULL DEFAULT 'UTC'
		CONSTRAINT tld_policy_business_time_zone_valid
		CHECK (domxfer._is_time_zone(business_time_zone)),
	manual_process boolean NOT NULL DEFAULT false,
	early_approval boolean NOT NULL DEFAULT true,
	shipped boolean NOT NULL DEFAULT false
);

COMMENT ON TABLE domxfer.tld_policy IS 'Transfer-out policy numbers per TLD (A-label); the row ''*'' applies to TLDs without their own row';
COMMENT ON COLUMN domxfer.tld_policy.tld IS 'The TLD in lower-case A-label form (e.g. hk, xn--j6w193g), or ''*'' for the default row';
COMMENT ON COLUMN domxfer.tld_policy.min_days_after_registration IS 'R2: a domain can leave when at least this many days (of 86,400 s) have passed since its registration';
COMMENT ON COLUMN domxfer.tld_policy.min_days_before_expiry IS 'R3: a domain can leave only while more than this many days remain before it expires';
COMMENT ON COLUMN domxfer.tld_policy.min_days_after_transfer IS 'R4: a domain can leave only when more than this many days have passed since its last registrar transfer';
COMMENT ON COLUMN domxfer.tld_policy.min_days_after_late_renewal IS 'R6: a domain can leave only when more than this many days have passed since a renewal after expiry or a redemption restore';
COMMENT ON COLUMN domxfer.tld_policy.expiry_warning_days IS 'The warning expires_within_30_days is given when fewer than this many days remain before expiry';
COMMENT ON COLUMN domxfer.tld_policy.auto_approve_days IS 'Days after the gaining registrar''s request at which a pending transfer completes automatically (5 to 7)';
COMMENT ON COLUMN domxfer.tld_policy.auth_code_lifetime_days IS 'Days an issued auth code stays valid';
COMMENT ON COLUMN domxfer.tld_policy.manual_answer_working_days IS 'Working days within which a manual (document-based) request must be answered';
COMMENT ON COLUMN domxfer.tld_policy.business_time_zone IS 'Time zone whose calendar defines the working days of manual requests (a zone name as SET TIME ZONE accepts)';
COMMENT ON COLUMN domxfer.tld_policy.manual_process IS 'R9: true when the TLD needs a manual, document-based transfer process instead of self-service';
COMMENT ON COLUMN domxfer.tld_policy.early_approval IS 'True when the holder may approve a pending transfer before its deadline';
COMMENT ON COLUMN domxfer.tld_policy.shipped IS 'True for the rows the extension installs (''*'', hk, xn--j6w193g); such a row cannot be deleted, only updated; an INSERT with shipped = true replaces it (this is how a restored dump brings back its numbers)';

INSERT INTO domxfer.tld_policy (tld, shipped) VALUES ('*', true);
INSERT INTO domxfer.tld_policy (tld, manual_process, business_time_zone, shipped) VALUES
	('hk', true, 'Asia/Hong_Kong', true),
	('xn--j6w193g', true, 'Asia/Hong_Kong', true);

-- The shipped rows are inserted above, before the triggers exist: from here
-- on, an INSERT with shipped = true replaces a shipped row. A pg_dump of the
-- extension's data holds every row (changed shipped rows included) and is
-- restored after CREATE EXTENSION has inserted the shipped rows again.
-- The UPDATE below copies every column but tld and shipped, whichever
-- columns later fragments and upgrades add.
CREATE FUNCTION domxfer._tld_policy_before_insert() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_columns text;
	v_values text;
	v_rows bigint;
BEGIN
	IF NEW.shipped THEN
		SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum),
			   pg_catalog.string_agg('($1).' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(a.attname), ', '
									 ORDER BY a.attnum)
		  INTO v_columns, v_values
		  FROM pg_catalog.pg_attribute a
		 WHERE a.attrelid OPERATOR(pg_catalog.=) 'domxfer.tld_policy'::pg_catalog.regclass
		   AND a.attnum OPERATOR(pg_catalog.>) 0
		   AND NOT a.attisdropped
		   AND a.attgenerated OPERATOR(pg_catalog.=) ''
		   AND a.attname OPERATOR(pg_catalog.<>) ALL (ARRAY['tld', 'shipped']::name[]);
		EXECUTE pg_catalog.format('UPDATE domxfer.tld_policy AS p SET (%s) = ROW(%s) '
								  'WHERE p.tld OPERATOR(pg_catalog.=) ($1).tld AND p.shipped',
								  v_columns, v_values)
			USING NEW;
		GET DIAGNOSTICS v_rows = ROW_COUNT;
		IF v_rows OPERATOR(pg_catalog.>) 0 THEN
			RETURN NULL;
		END IF;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_before_insert() IS
	'Trigger of tld_policy: an inserted row with shipped = true replaces the shipped row of its TLD (so restoring a dump keeps changed numbers without a key conflict)';

CREATE FUNCTION domxfer._tld_policy_before_update() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NEW.shipped IS DISTINCT FROM OLD.shipped THEN
		RAISE EXCEPTION 'cannot change column "shipped" of domxfer.tld_policy'
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = 'The extension marks the rows it installs; the mark decides how a restored dump treats the row.';
	END IF;
	IF NEW.tld OPERATOR(pg_catalog.<>) OLD.tld
	   AND (OLD.shipped OR OLD.tld OPERATOR(pg_catalog.=) '*') THEN
		RAISE EXCEPTION 'cannot change the tld of the policy row "%"', OLD.tld
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = CASE WHEN OLD.tld OPERATOR(pg_catalog.=) '*'
							   THEN 'The row ''*'' holds the default numbers for every TLD without a row of its own.'
							   ELSE 'The extension installs this row; it would come back with a restored dump.' END,
				  HINT = 'Insert a row for the other TLD instead.';
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_before_update() IS
	'Trigger of tld_policy: the default row and the shipped rows keep their tld, and no row changes its shipped mark';

CREATE FUNCTION domxfer._tld_policy_before_delete() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF OLD.shipped OR OLD.tld OPERATOR(pg_catalog.=) '*' THEN
		RAISE EXCEPTION 'cannot delete the policy row "%"', OLD.tld
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = CASE WHEN OLD.tld OPERATOR(pg_catalog.=) '*'
							   THEN 'The row ''*'' holds the default numbers for every TLD without a row of its own.'
							   ELSE 'The extension installs this row; it would come back with a restored dump.' END,
				  HINT = 'Update its numbers instead.';
	END IF;
	RETURN OLD;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_before_delete() IS
	'Trigger of tld_policy: the default row and the shipped rows cannot be deleted';

CREATE TRIGGER tld_policy_before_insert BEFORE INSERT ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_before_insert();
CREATE TRIGGER tld_policy_before_update BEFORE UPDATE ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_before_update();
CREATE TRIGGER tld_policy_before_delete BEFORE DELETE ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_before_delete();
CREATE TRIGGER tld_policy_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON domxfer.tld_policy
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._tld_policy_changed();

SELECT pg_catalog.pg_extension_config_dump('domxfer.tld_policy', '');

CREATE TABLE domxfer.domains (
	name text PRIMARY KEY
		CONSTRAINT domains_name_canonical
		CHECK (name OPERATOR(pg_catalog.=) domxfer.normalize_domain(name)),
	sponsoring_registrar text NOT NULL
		CONSTRAINT domains_sponsoring_registrar_client_id
		CHECK (domxfer._client_id_column_check(sponsoring_registrar, 'sponsoring_registrar')),
	registered_at timestamptz NOT NULL
		CONSTRAINT domains_registered_at_finite
		CHECK (pg_catalog.isfinite(registered_at)),
	expires_at timestamptz NOT NULL
		CONSTRAINT domains_expires_at_finite
		CHECK (pg_catalog.isfinite(expires_at)),
	last_transferred_at timestamptz
		CONSTRAINT domains_last_transferred_at_finite
		CHECK (pg_catalog.isfinite(last_transferred_at)),
	late_renewed_at timestamptz
		CONSTRAINT domains_late_renewed_at_finite
		CHECK (pg_catalog.isfinite(late_renewed_at)),
	status domxfer.domain_status NOT NULL DEFAULT 'ok',
	unpaid boolean NOT NULL DEFAULT false,
	legal_hold boolean NOT NULL DEFAULT false,
	holder_disputed boolean NOT NULL DEFAULT false,
	contacts_complete boolean NOT NULL DEFAULT true,
	registrant_email text,
	real_name_verified boolean NOT NULL DEFAULT false,
	uses_registrar_dns boolean NOT NULL DEFAULT false,
	open_transfer_id bigint,
	CONSTRAINT domains_expiry_after_registration
		CHECK (expires_at OPERATOR(pg_catalog.>) registered_at),
	CONSTRAINT domains_transfer_after_registration
		CHECK (last_transferred_at OPERATOR(pg_catalog.>=) registered_at),
	CONSTRAINT domains_late_renewal_after_registration
		CHECK (late_renewed_at OPERATOR(pg_catalog.>=) registered_at)
);

COMMENT ON TABLE domxfer.domains IS 'One row per domain this registrar knows; name is the canonical A-label form';
COMMENT ON COLUMN domxfer.domains.name IS 'The domain name in canonical form: lower-case A-labels, no trailing dot (see domxfer.normalize_domain)';
COMMENT ON COLUMN domxfer.domains.sponsoring_registrar IS 'Identifier of the registrar that sponsors the domain, an EPP client identifier (RFC 5730 clIDType; anything else is refused with 22P02); R1 compares it exactly with the setting domxfer.registrar_id';
COMMENT ON COLUMN domxfer.domains.registered_at IS 'When the domain was registered (R2)';
COMMENT ON COLUMN domxfer.domains.expires_at IS 'When the current registration period ends (R3 and the expiry warning)';
COMMENT ON COLUMN domxfer.domains.last_transferred_at IS 'When the last successful registrar transfer took effect, NULL if never (R4)';
COMMENT ON COLUMN domxfer.domains.late_renewed_at IS 'When the domain was last renewed after expiry or restored from redemption, NULL if never (R6)';
COMMENT ON COLUMN domxfer.domains.status IS 'The EPP statuses of the domain (R5a, R5b, R5c)';
COMMENT ON COLUMN domxfer.domains.unpaid IS 'True while fees for the domain are unpaid (R5d)';
COMMENT ON COLUMN domxfer.domains.legal_hold IS 'True while the domain is subject to arbitration or legal proceedings (R5e)';
COMMENT ON COLUMN domxfer.domains.holder_disputed IS 'True while the holder''s identity is unclear or disputed (R5f)';
COMMENT ON COLUMN domxfer.domains.contacts_complete IS 'False while the holder''s contact fields are incomplete, e.g. some pre-2016 registrations (R7)';
COMMENT ON COLUMN domxfer.domains.registrant_email IS 'The holder''s e-mail address, where the auth code is sent (R8)';
COMMENT ON COLUMN domxfer.domains.real_name_verified IS 'The holder''s real-name verification status; informational, never a transfer rule';
COMMENT ON COLUMN domxfer.domains.uses_registrar_dns IS 'True while the domain resolves through this registrar''s DNS (the warning uses_registrar_dns)';
COMMENT ON COLUMN domxfer.domains.open_transfer_id IS 'The domain''s open transfer-out, kept by the lifecycle functions; NULL when none (R5b)';

-- Reports look for domains by expiry ("expiring within N days").
CREATE INDEX domains_expires_at_idx ON domxfer.domains (expires_at);

SELECT pg_catalog.pg_extension_config_dump('domxfer.domains', '');
