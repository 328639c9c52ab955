-- 0.1.0 -> 0.2.0: rule sets per TLD, the reason codes, R10, R11 and R8's
-- write-time check (SPEC §1, §1a). Mirrors install/35_rule_sets.sql (same
-- statements, so the columns come in the same order), then replaces what
-- install/30_tables.sql, 40_rules.sql and 60_lifecycle.sql changed.

-- Reason codes (SPEC §1, §1a): every rule and warning code with its rule
-- number, its bit in the blocker mask and its meaning in English and Chinese,
-- for reports and applications. Maintained by the extension (not dumped: a
-- new CREATE EXTENSION brings the rows of its version).

CREATE TABLE domxfer.reason_codes (
	code text PRIMARY KEY,
	kind text NOT NULL
		CONSTRAINT reason_codes_kind_valid
		CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['rule', 'warning']::text[])),
	rule text,
	bit integer
		CONSTRAINT reason_codes_bit_unique UNIQUE,
	meaning_en text NOT NULL,
	meaning_zh text NOT NULL,
	CONSTRAINT reason_codes_rule_has_bit
		CHECK ((kind OPERATOR(pg_catalog.=) 'rule') OPERATOR(pg_catalog.=)
			   (rule IS NOT NULL AND bit IS NOT NULL AND bit OPERATOR(pg_catalog.>=) 0
				AND bit OPERATOR(pg_catalog.<) 31))
);
COMMENT ON TABLE domxfer.reason_codes IS
	'Every transfer-out reason code (SPEC §1 rules R1-R11 and the two warnings) with its rule number, its bit in transfer_out_blocker_mask and its meaning in English and Chinese; rows installed by the extension, read-only';
COMMENT ON COLUMN domxfer.reason_codes.code IS
	'The reason code (text, lower_snake_case ASCII) as transfer_out_blockers, transfer_out_warnings and transfers.outcome_reason report it';
COMMENT ON COLUMN domxfer.reason_codes.kind IS
	'text: ''rule'' for a rule of SPEC §1 (a blocker, or a warning when the TLD''s rule set demotes it), ''warning'' for advice that never blocks';
COMMENT ON COLUMN domxfer.reason_codes.rule IS
	'text: the rule''s number in the rules table of SPEC §1 (R1, R2, ..., R5a, ..., R11); NULL for a warning';
COMMENT ON COLUMN domxfer.reason_codes.bit IS
	'integer: the bit of the rule in transfer_out_blocker_mask (value 2^bit; R1 is bit 0, R10 bit 14, R11 bit 15); NULL for a warning';
COMMENT ON COLUMN domxfer.reason_codes.meaning_en IS
	'text: what the code means, in English (the README''s rules table)';
COMMENT ON COLUMN domxfer.reason_codes.meaning_zh IS
	'text: what the code means, in Chinese (the README''s rules table; 中文说明)';

INSERT INTO domxfer.reason_codes (code, kind, rule, bit, meaning_en, meaning_zh) VALUES
	('not_sponsored', 'rule', 'R1', 0,
	 'we are not the sponsoring registrar', '域名不在本注册商管理'),
	('too_soon_after_registration', 'rule', 'R2', 1,
	 'registered less than 60 days ago', '注册未满60天'),
	('too_close_to_expiry', 'rule', 'R3', 2,
	 '15 days or less before expiry, or expired', '距到期日不足15天（或已过期）'),
	('too_soon_after_transfer', 'rule', 'R4', 3,
	 'transferred between registrars 60 days ago or less', '上次转移注册商未满60天'),
	('transfer_prohibited', 'rule', 'R5a', 4,
	 'locked against transfer', '域名处于禁止转移状态'),
	('transfer_pending', 'rule', 'R5b', 5,
	 'another transfer is in progress', '已有转移正在进行'),
	('deletion_pending', 'rule', 'R5c', 6,
	 'being deleted or redeemed', '域名处于删除或赎回期'),
	('unpaid', 'rule', 'R5d', 7,
	 'fees are unpaid', '存在欠费'),
	('legal_proceedings', 'rule', 'R5e', 8,
	 'in arbitration or legal proceedings', '处于仲裁或法律程序中'),
	('holder_disputed', 'rule', 'R5f', 9,
	 'holder identity unclear or disputed', '持有人身份不明或存在争议'),
	('too_soon_after_late_renewal', 'rule', 'R6', 10,
	 'renewed after expiry (or restored) 45 days ago or less', '过期后续费或赎回未超过45天'),
	('contacts_incomplete', 'rule', 'R7', 11,
	 'holder contact fields incomplete', '持有人联系信息不完整'),
	('registrant_email_invalid', 'rule', 'R8', 12,
	 'the auth code cannot be e-mailed: the holder''s e-mail is missing or not a usable address', '持有人邮箱无效，无法发送转移密码'),
	('manual_process_required', 'rule', 'R9', 13,
	 '.hk / .香港 need the manual, document-based process', '该后缀须人工办理'),
	('too_soon_after_registrant_change', 'rule', 'R10', 14,
	 'the registrant changed 60 days ago or less and did not opt out of the transfer lock', '持有人变更未满60天（且变更时未选择解除转移锁定）'),
	('operation_pending', 'rule', 'R11', 15,
	 'another EPP operation (create, renew or update) is pending', '域名有其他待处理的操作（注册、续费或更新）'),
	('uses_registrar_dns', 'warning', NULL, NULL,
	 'the domain still resolves through our DNS: move DNS first', '仍使用本注册商DNS，请先迁移解析'),
	('expires_within_30_days', 'warning', NULL, NULL,
	 'fewer than the policy''s days (default 30) remain before expiry: transfer earlier', '距到期不足30天');

-- Rule sets (SPEC §1a): the effect of every rule per named set.

CREATE FUNCTION domxfer._rule_bit(code text) RETURNS integer
	AS 'MODULE_PATHNAME', 'domxfer_rule_bit'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._rule_bit(text) IS
	'Internal: the bit (integer, 0-15) of a rule''s reason code in transfer_out_blocker_mask, NULL for any other text; the check of rule_sets.code';

CREATE TABLE domxfer.rule_sets (
	rule_set text NOT NULL
		CONSTRAINT rule_sets_rule_set_name
		CHECK (rule_set OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
	code text NOT NULL
		CONSTRAINT rule_sets_code_fkey REFERENCES domxfer.reason_codes (code)
		CONSTRAINT rule_sets_code_is_rule CHECK (domxfer._rule_bit(code) IS NOT NULL),
	effect text NOT NULL
		CONSTRAINT rule_sets_effect_valid
		CHECK (effect OPERATOR(pg_catalog.=) ANY (ARRAY['block', 'warn', 'off']::text[])),
	shipped boolean NOT NULL DEFAULT false,
	CONSTRAINT rule_sets_pkey PRIMARY KEY (rule_set, code),
	-- the lifecycle itself cannot work around these: a transfer of a domain
	-- we do not sponsor, or beside a status RFC 5731 forbids with
	-- pendingTransfer (client/serverTransferProhibited, pendingDelete,
	-- pendingCreate, pendingRenew, pendingUpdate, another transfer)
	CONSTRAINT rule_sets_lifecycle_rules_block
		CHECK (effect OPERATOR(pg_catalog.=) 'block'
			   OR code OPERATOR(pg_catalog.<>) ALL (ARRAY['not_sponsored', 'transfer_prohibited',
							'transfer_pending', 'deletion_pending', 'operation_pending']::text[]))
);
COMMENT ON TABLE domxfer.rule_sets IS
	'Rule sets (SPEC §1a): one row per rule set and rule reason code with its effect; tld_policy.rule_set names the set of a TLD. A rule without a row in the set blocks. Shipped sets: registrar_policy, icann_2024, icann_tpr (restore them with restore_shipped_rule_sets())';
COMMENT ON COLUMN domxfer.rule_sets.rule_set IS
	'text: the rule set''s name (lower-case letters, digits, underscores; 1-63 characters), as tld_policy.rule_set names it';
COMMENT ON COLUMN domxfer.rule_sets.code IS
	'text: a rule''s reason code (a row of reason_codes with kind ''rule''); warnings cannot be given effects';
COMMENT ON COLUMN domxfer.rule_sets.effect IS
	'text: block (the rule is a blocker), warn (reported by transfer_out_warnings under its code, never blocks) or off (not evaluated); not_sponsored, transfer_prohibited, transfer_pending, deletion_pending and operation_pending always block (23514)';
COMMENT ON COLUMN domxfer.rule_sets.shipped IS
	'boolean: true for the rows the extension installs; such a row cannot be deleted nor renamed, only its effect changed; an INSERT with shipped = true replaces it (this is how a restored dump brings back its effects)';

-- The shipped rule sets, as the SPEC's table gives them.
CREATE FUNCTION domxfer._shipped_rule_sets()
	RETURNS TABLE (rule_set text, code text, effect text)
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp AS
$$
	SELECT s.rule_set, c.code,
		   CASE WHEN s.rule_set OPERATOR(pg_catalog.=) 'registrar_policy' THEN 'block'
				-- ICANN Transfer Policy I.A.3.8: expiry, late renewal, contact data are not grounds to deny
				WHEN c.code OPERATOR(pg_catalog.=) ANY (ARRAY['too_close_to_expiry', 'too_soon_after_late_renewal',
								'contacts_incomplete', 'registrant_email_invalid']::text[]) THEN 'warn'
				WHEN c.code OPERATOR(pg_catalog.=) 'manual_process_required' THEN 'off'
				-- the adopted revision (TPR) drops the change-of-registrant lock
				WHEN c.code OPERATOR(pg_catalog.=) 'too_soon_after_registrant_change'
					 AND s.rule_set OPERATOR(pg_catalog.=) 'icann_tpr' THEN 'off'
				ELSE 'block' END
	  FROM (VALUES ('registrar_policy'), ('icann_2024'), ('icann_tpr')) AS s (rule_set)
	 CROSS JOIN domxfer.reason_codes c
	 WHERE c.kind OPERATOR(pg_catalog.=) 'rule'
	 ORDER BY s.rule_set, c.bit
$$;
COMMENT ON FUNCTION domxfer._shipped_rule_sets() IS
	'Internal: the rows (rule_set, code, effect) of the shipped rule sets registrar_policy, icann_2024 and icann_tpr (SPEC §1a)';

INSERT INTO domxfer.rule_sets (rule_set, code, effect, shipped)
SELECT s.rule_set, s.code, s.effect, true FROM domxfer._shipped_rule_sets() s;

-- As for tld_policy: from here on an INSERT with shipped = true replaces a
-- shipped row, so a restored dump keeps changed effects.
CREATE FUNCTION domxfer._rule_sets_before_insert() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NEW.shipped THEN
		UPDATE domxfer.rule_sets AS r
		   SET effect = NEW.effect
		 WHERE r.rule_set OPERATOR(pg_catalog.=) NEW.rule_set
		   AND r.code OPERATOR(pg_catalog.=) NEW.code AND r.shipped;
		IF FOUND THEN
			RETURN NULL;
		END IF;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._rule_sets_before_insert() IS
	'Trigger of rule_sets: an inserted row with shipped = true replaces the shipped row of its rule set and code (so restoring a dump keeps changed effects without a key conflict)';

CREATE FUNCTION domxfer._rule_sets_before_update() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NEW.shipped IS DISTINCT FROM OLD.shipped THEN
		RAISE EXCEPTION 'cannot change column "shipped" of domxfer.rule_sets'
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = 'The extension marks the rows it installs; the mark decides how a restored dump treats the row.';
	END IF;
	IF OLD.shipped AND (NEW.rule_set OPERATOR(pg_catalog.<>) OLD.rule_set
						OR NEW.code OPERATOR(pg_catalog.<>) OLD.code) THEN
		RAISE EXCEPTION 'cannot change the rule set or code of the shipped row (%, %)', OLD.rule_set, OLD.code
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = 'The extension installs this row; it would come back with a restored dump.',
				  HINT = 'Change its effect, or insert a row of your own rule set.';
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._rule_sets_before_update() IS
	'Trigger of rule_sets: shipped rows keep their rule set and code, and no row changes its shipped mark';

CREATE FUNCTION domxfer._rule_sets_before_delete() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF OLD.shipped THEN
		RAISE EXCEPTION 'cannot delete the shipped row (%, %) of domxfer.rule_sets', OLD.rule_set, OLD.code
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = 'The extension installs this row; it would come back with a restored dump.',
				  HINT = 'Update its effect instead (domxfer.restore_shipped_rule_sets() brings back the shipped effects).';
	END IF;
	RETURN OLD;
END
$$;
COMMENT ON FUNCTION domxfer._rule_sets_before_delete() IS
	'Trigger of rule_sets: the shipped rows cannot be deleted';

CREATE TRIGGER rule_sets_before_insert BEFORE INSERT ON domxfer.rule_sets
	FOR EACH ROW EXECUTE FUNCTION domxfer._rule_sets_before_insert();
CREATE TRIGGER rule_sets_before_update BEFORE UPDATE ON domxfer.rule_sets
	FOR EACH ROW EXECUTE FUNCTION domxfer._rule_sets_before_update();
CREATE TRIGGER rule_sets_before_delete BEFORE DELETE ON domxfer.rule_sets
	FOR EACH ROW EXECUTE FUNCTION domxfer._rule_sets_before_delete();
-- the policy cache (src/tld_policy.c) folds the rule sets into its masks
COMMENT ON FUNCTION domxfer._tld_policy_changed() IS
	'Statement trigger of tld_policy and rule_sets: tells every session''s policy cache that the table changed';
CREATE TRIGGER rule_sets_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON domxfer.rule_sets
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._tld_policy_changed();

SELECT pg_catalog.pg_extension_config_dump('domxfer.rule_sets', '');

CREATE FUNCTION domxfer.restore_shipped_rule_sets() RETURNS integer
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_updated integer;
	v_inserted integer;
BEGIN
	UPDATE domxfer.rule_sets AS r
	   SET effect = s.effect
	  FROM domxfer._shipped_rule_sets() AS s
	 WHERE r.rule_set OPERATOR(pg_catalog.=) s.rule_set
	   AND r.code OPERATOR(pg_catalog.=) s.code
	   AND r.shipped
	   AND r.effect OPERATOR(pg_catalog.<>) s.effect;
	GET DIAGNOSTICS v_updated = ROW_COUNT;
	-- rows gone (TRUNCATE): back as shipped rows
	INSERT INTO domxfer.rule_sets (rule_set, code, effect, shipped)
	SELECT s.rule_set, s.code, s.effect, true
	  FROM domxfer._shipped_rule_sets() AS s
	 WHERE NOT EXISTS (SELECT FROM domxfer.rule_sets r
						WHERE r.rule_set OPERATOR(pg_catalog.=) s.rule_set
						  AND r.code OPERATOR(pg_catalog.=) s.code);
	GET DIAGNOSTICS v_inserted = ROW_COUNT;
	RETURN v_updated OPERATOR(pg_catalog.+) v_inserted;
END
$$;
COMMENT ON FUNCTION domxfer.restore_shipped_rule_sets() IS
	'Gives the shipped rule sets (registrar_policy, icann_2024, icann_tpr) their shipped effects again, and brings back shipped rows that are gone; returns how many rows changed (integer). Rule sets of your own are left alone. Needs domxfer_admin (42501 otherwise)';

-- R8, decided when the address is written (ICU is too slow for every row of a report).
CREATE FUNCTION domxfer._email_usable(email text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'domxfer_email_usable'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._email_usable(text) IS
	'R8''s one strict check (boolean; NULL gives false): a dot-atom address (RFC 5322/6532) with no white space, no-break or zero-width space or control character anywhere, whose domain part passes normalize_domain''s checks (SPEC §4) written as U-labels or A-labels (RFC 6531); the expression of domains.registrant_email_usable';

-- New columns of 0.2.0 (the same statements in the upgrade script keep the column order).
ALTER TABLE domxfer.tld_policy
	ADD COLUMN rule_set text NOT NULL DEFAULT 'registrar_policy'
		CONSTRAINT tld_policy_rule_set_name
		CHECK (rule_set OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
	ADD COLUMN min_days_after_registrant_change integer NOT NULL DEFAULT 60
		CONSTRAINT tld_policy_min_days_after_registrant_change_range
		CHECK (min_days_after_registrant_change OPERATOR(pg_catalog.>=) 0
			   AND min_days_after_registrant_change OPERATOR(pg_catalog.<=) 3650);
COMMENT ON COLUMN domxfer.tld_policy.rule_set IS
	'text: the rule set of the TLD (SPEC §1a), a rule_set of domxfer.rule_sets: registrar_policy (default, every rule blocks), icann_2024 or icann_tpr for gTLDs, or your own; 23503 when no such set exists';
COMMENT ON COLUMN domxfer.tld_policy.min_days_after_registrant_change IS
	'R10 (integer, days of 86,400 s): a domain can leave only when more than this many days have passed since a change of registrant it did not opt out of (ICANN Transfer Policy Part II)';

CREATE FUNCTION domxfer._tld_policy_rule_set_exists() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NOT EXISTS (SELECT FROM domxfer.rule_sets r WHERE r.rule_set OPERATOR(pg_catalog.=) NEW.rule_set) THEN
		RAISE EXCEPTION 'rule set "%" does not exist', NEW.rule_set
			USING ERRCODE = 'foreign_key_violation',
				  DETAIL = pg_catalog.format('No row of domxfer.rule_sets has the rule set %L (policy row %L).', NEW.rule_set, NEW.tld),
				  HINT = 'Use registrar_policy, icann_2024 or icann_tpr, or insert the rows of your rule set into domxfer.rule_sets first.';
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_rule_set_exists() IS
	'Trigger of tld_policy: the rule set a row names has rows in domxfer.rule_sets (23503 otherwise)';
CREATE TRIGGER tld_policy_rule_set_exists AFTER INSERT OR UPDATE OF rule_set ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_rule_set_exists();

-- Computing a column for every existing row rewrites domxfer.domains,
-- which PostgreSQL refuses while a function with a SQL-standard body
-- (RETURN) uses its row type: the five functions over a row get a string
-- body until their 0.2.0 definitions below.
CREATE OR REPLACE FUNCTION domxfer.transfer_out_eligible(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS 'SELECT NULL::pg_catalog.bool';
CREATE OR REPLACE FUNCTION domxfer.transfer_out_blockers(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS 'SELECT NULL::pg_catalog.text[]';
CREATE OR REPLACE FUNCTION domxfer.transfer_out_warnings(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS 'SELECT NULL::pg_catalog.text[]';
CREATE OR REPLACE FUNCTION domxfer.transfer_window(d domxfer.domains)
	RETURNS tstzrange LANGUAGE sql STABLE PARALLEL SAFE AS 'SELECT NULL::pg_catalog.tstzrange';
CREATE OR REPLACE FUNCTION domxfer.transfer_out_blocker_mask(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS 'SELECT NULL::pg_catalog.int4';

ALTER TABLE domxfer.domains
	ADD COLUMN registrant_changed_at timestamptz
		CONSTRAINT domains_registrant_changed_at_finite
		CHECK (pg_catalog.isfinite(registrant_changed_at)),
	ADD COLUMN registrant_change_lock_opt_out boolean NOT NULL DEFAULT false,
	ADD COLUMN registrant_email_usable boolean
		GENERATED ALWAYS AS (domxfer._email_usable(registrant_email)) STORED,
	ADD CONSTRAINT domains_registrant_change_after_registration
		CHECK (registrant_changed_at OPERATOR(pg_catalog.>=) registered_at);
COMMENT ON COLUMN domxfer.domains.registrant_changed_at IS
	'timestamptz: when the registrant (holder) last changed, NULL if never recorded (R10; ICANN Transfer Policy Part II); finite, not before registered_at';
COMMENT ON COLUMN domxfer.domains.registrant_change_lock_opt_out IS
	'boolean: true when the holder opted out of the 60-day transfer lock when the registrant changed (R10 then holds)';
COMMENT ON COLUMN domxfer.domains.registrant_email_usable IS
	'boolean, generated and stored: domxfer._email_usable(registrant_email), R8''s strict check decided when the address is written; the rule functions read it';

-- install/30_tables.sql: the shipped-row trigger of tld_policy copies every column
CREATE OR REPLACE FUNCTION domxfer._tld_policy_before_insert() RETURNS trigger
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

-- install/40_rules.sql: the column-wise rule functions take R10's columns and
-- R8's stored boolean (new C symbols; the 0.1.0 ones stay in the library)
CREATE FUNCTION domxfer._transfer_out_blocker_mask(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email_usable boolean, open_transfer_id bigint,
	registrant_changed_at timestamptz, registrant_change_lock_opt_out boolean,
	at timestamptz)
	RETURNS integer
	AS 'MODULE_PATHNAME', 'domxfer_rules_blocker_mask'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_blocker_mask(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, boolean, bigint, timestamptz, boolean, timestamptz) IS
	'The failing blocking transfer-out rules of a domain''s columns as a bit mask (integer), bit i for the i-th reason code of transfer_out_reason_codes() (the body of transfer_out_blocker_mask)';

CREATE FUNCTION domxfer._transfer_out_eligible(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email_usable boolean, open_transfer_id bigint,
	registrant_changed_at timestamptz, registrant_change_lock_opt_out boolean,
	at timestamptz)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'domxfer_rules_eligible'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_eligible(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, boolean, bigint, timestamptz, boolean, timestamptz) IS
	'True (boolean) when every blocking transfer-out rule holds for a domain''s columns at the instant at (the body of transfer_out_eligible)';

CREATE FUNCTION domxfer._transfer_out_blockers(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email_usable boolean, open_transfer_id bigint,
	registrant_changed_at timestamptz, registrant_change_lock_opt_out boolean,
	at timestamptz)
	RETURNS text[]
	AS 'MODULE_PATHNAME', 'domxfer_rules_blockers'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_blockers(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, boolean, bigint, timestamptz, boolean, timestamptz) IS
	'The reason codes (text[]) of the failing blocking transfer-out rules for a domain''s columns (the body of transfer_out_blockers)';

CREATE FUNCTION domxfer._transfer_out_warnings(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email_usable boolean, open_transfer_id bigint,
	registrant_changed_at timestamptz, registrant_change_lock_opt_out boolean,
	uses_registrar_dns boolean, at timestamptz)
	RETURNS text[]
	AS 'MODULE_PATHNAME', 'domxfer_rules_warnings'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_warnings(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, boolean, bigint, timestamptz, boolean, boolean, timestamptz) IS
	'The transfer-out warnings (text[]) for a domain''s columns: failing rules the TLD''s rule set demotes to warn, then uses_registrar_dns and expires_within_30_days (the body of transfer_out_warnings)';

CREATE FUNCTION domxfer._transfer_window(
	name text, registered_at timestamptz, expires_at timestamptz,
	last_transferred_at timestamptz, late_renewed_at timestamptz,
	registrant_changed_at timestamptz, registrant_change_lock_opt_out boolean)
	RETURNS tstzrange
	AS 'MODULE_PATHNAME', 'domxfer_rules_window'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_window(text, timestamptz, timestamptz, timestamptz, timestamptz, timestamptz, boolean) IS
	'The instants (tstzrange) at which the blocking time rules among R2, R3, R4, R6 and R10 hold for a domain''s columns (the body of transfer_window)';

CREATE OR REPLACE FUNCTION domxfer.transfer_out_eligible(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_eligible(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, at);
COMMENT ON FUNCTION domxfer.transfer_out_eligible(domxfer.domains, timestamptz) IS
	'True (boolean) when the domain may be transferred out at the instant at: every rule R1-R11 that its TLD''s rule set makes a blocker holds (exactly when transfer_out_blockers is empty); 22008 for an infinite at, 55000 when domxfer.registrar_id is unset';

CREATE OR REPLACE FUNCTION domxfer.transfer_out_blockers(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_blockers(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, at);
COMMENT ON FUNCTION domxfer.transfer_out_blockers(domxfer.domains, timestamptz) IS
	'The reason codes (text[]) of the blocking rules (per the TLD''s rule set, SPEC §1a) that fail at the instant at, in the order of the rules table; empty when the domain may be transferred out';

CREATE OR REPLACE FUNCTION domxfer.transfer_out_warnings(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_warnings(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, d.uses_registrar_dns, at);
COMMENT ON FUNCTION domxfer.transfer_out_warnings(domxfer.domains, timestamptz) IS
	'Advice that never blocks a transfer (text[]): the failing rules the TLD''s rule set demotes to warn, under their own reason codes in table order, then uses_registrar_dns (move DNS first) and expires_within_30_days (fewer days than the policy recommends remain)';

CREATE OR REPLACE FUNCTION domxfer.transfer_window(d domxfer.domains)
	RETURNS tstzrange
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_window(d.name, d.registered_at, d.expires_at,
		d.last_transferred_at, d.late_renewed_at, d.registrant_changed_at,
		d.registrant_change_lock_opt_out);
COMMENT ON FUNCTION domxfer.transfer_window(domxfer.domains) IS
	'The span of instants (tstzrange) at which the blocking time rules among R2, R3, R4, R6 and R10 all hold: t <@ transfer_window(d) exactly when they hold at t; empty when never, unbounded on a side no blocking rule limits';

CREATE OR REPLACE FUNCTION domxfer.transfer_out_blocker_mask(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS integer
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_blocker_mask(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, at);
COMMENT ON FUNCTION domxfer.transfer_out_blocker_mask(domxfer.domains, timestamptz) IS
	'The failing blocking rules as a bit mask (integer): bit i (value 2^i) for the i-th reason code of domxfer.transfer_out_reason_codes() (reason_codes.bit)';

CREATE OR REPLACE FUNCTION domxfer.transfer_out_reason_codes()
	RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ARRAY['not_sponsored', 'too_soon_after_registration',
		'too_close_to_expiry', 'too_soon_after_transfer', 'transfer_prohibited',
		'transfer_pending', 'deletion_pending', 'unpaid', 'legal_proceedings',
		'holder_disputed', 'too_soon_after_late_renewal', 'contacts_incomplete',
		'registrant_email_invalid', 'manual_process_required',
		'too_soon_after_registrant_change', 'operation_pending']::text[];
COMMENT ON FUNCTION domxfer.transfer_out_reason_codes() IS
	'Every transfer-out rule reason code (text[]), in the order of the rules table (R1 to R11; R10 and R11 after R9 so the bits of 0.1.0 keep their meaning); domxfer.reason_codes has their meanings';

DROP FUNCTION domxfer._transfer_out_blocker_mask(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz);
DROP FUNCTION domxfer._transfer_out_eligible(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz);
DROP FUNCTION domxfer._transfer_out_blockers(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz);
DROP FUNCTION domxfer._transfer_out_warnings(text, timestamptz, boolean, timestamptz);
DROP FUNCTION domxfer._transfer_window(text, timestamptz, timestamptz, timestamptz, timestamptz);

-- install/60_lifecycle.sql: the batch decision passes the new columns
CREATE OR REPLACE FUNCTION domxfer._decide_due_batch(at timestamptz, max_rows integer, skip_ids bigint[])
RETURNS integer
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_decided integer;
	v_ids bigint[];
	v_names text[];
BEGIN
	PERFORM pg_catalog.set_config('domxfer.batch_checks_links', 'on', true);
	WITH due AS (
		-- a pending transfer's domain is judged as it is at the deadline,
		-- without the transfer itself (R5b) and, for the manual process,
		-- without R9; the domain is locked for the update below
		SELECT t.id, t.state AS from_state,
			   CASE WHEN t.state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN t.auth_code_expires_at
					ELSE t.deadline END AS decided_at,
			   CASE WHEN t.state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN NULL
					WHEN t.manual THEN pg_catalog.array_remove(b.blockers, 'manual_process_required')
					ELSE b.blockers END AS blockers
		  FROM domxfer.transfers t
		  JOIN domxfer.domains d ON d.name OPERATOR(pg_catalog.=) t.domain_name
		 CROSS JOIN LATERAL domxfer._transfer_out_blockers(d.name, d.sponsoring_registrar,
				d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
				d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status,
				d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
				d.registrant_email_usable, NULL, d.registrant_changed_at,
				d.registrant_change_lock_opt_out, t.deadline) AS b(blockers)
		 WHERE t.due_at OPERATOR(pg_catalog.<=) _decide_due_batch.at
		   AND t.id OPERATOR(pg_catalog.<>) ALL (skip_ids)
		 ORDER BY t.due_at, t.id
		 LIMIT max_rows
		   FOR UPDATE OF t SKIP LOCKED
		   FOR UPDATE OF d
	), decided AS (
		UPDATE domxfer.transfers tr
		   SET state = CASE WHEN due.from_state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN 'expired'
							WHEN pg_catalog.cardinality(due.blockers) OPERATOR(pg_catalog.=) 0 THEN 'completed'
							ELSE 'rejected' END::domxfer.transfer_state,
			   decided_at = due.decided_at,
			   outcome_reason = CASE WHEN due.from_state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN '{auth_code_expired}'
									 WHEN pg_catalog.cardinality(due.blockers) OPERATOR(pg_catalog.=) 0 THEN '{auto_approved}'
									 ELSE due.blockers END::text[],
			   cancel_note = NULL,
			   auth_code_hash = NULL,
			   auth_code_salt = NULL
		  FROM due
		 WHERE tr.id OPERATOR(pg_catalog.=) due.id
		RETURNING tr.id, tr.domain_name, tr.state, tr.gaining_registrar, tr.decided_at,
				  tr.outcome_reason, due.from_state
	), domains_changed AS (
		UPDATE domxfer.domains d
		   SET sponsoring_registrar = CASE WHEN x.state OPERATOR(pg_catalog.=) 'completed'
										   THEN x.gaining_registrar ELSE d.sponsoring_registrar END,
			   last_transferred_at = CASE WHEN x.state OPERATOR(pg_catalog.=) 'completed'
										  THEN x.decided_at ELSE d.last_transferred_at END,
			   status = CASE WHEN x.from_state OPERATOR(pg_catalog.=) 'pending'
							 THEN d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status
							 ELSE d.status END,
			   open_transfer_id = NULL
		  FROM decided x
		 WHERE d.name OPERATOR(pg_catalog.=) x.domain_name
		   AND (x.state OPERATOR(pg_catalog.=) 'completed'
				OR d.open_transfer_id OPERATOR(pg_catalog.=) x.id)
	), logged AS (
		INSERT INTO domxfer.transfer_events (transfer_id, from_state, to_state, actor, detail)
		SELECT x.id, x.from_state, x.state, domxfer._actor(),
			   pg_catalog.jsonb_build_object('outcome_reason', x.outcome_reason, 'decided_at', x.decided_at)
		  FROM decided x
	)
	SELECT pg_catalog.count(pg_catalog.pg_notify('domxfer_transfer',
			   pg_catalog.jsonb_build_object('transfer_id', x.id, 'domain', x.domain_name,
											 'state', x.state)::text) IS NULL),
		   pg_catalog.array_agg(x.id), pg_catalog.array_agg(x.domain_name)
	  INTO v_decided, v_ids, v_names
	  FROM decided x;
	PERFORM pg_catalog.set_config('domxfer.batch_checks_links', 'off', true);

	-- what transfers_open_transfer_link checks per row: no domain names a
	-- transfer that is no longer open
	IF EXISTS (SELECT FROM ROWS FROM (pg_catalog.unnest(v_names), pg_catalog.unnest(v_ids)) AS x(name, id)
				 JOIN domxfer.domains d ON d.name OPERATOR(pg_catalog.=) x.name
				WHERE d.open_transfer_id OPERATOR(pg_catalog.=) x.id) THEN
		RAISE EXCEPTION 'a domain and its decided transfer disagree about whether the transfer is open'
			USING ERRCODE = 'integrity_constraint_violation',
				  HINT = 'Change transfers only through the domxfer lifecycle functions.';
	END IF;
	RETURN v_decided;
END
$$;

-- install/90_reporting.sql: the eligibility view's comments name the rule sets
COMMENT ON COLUMN domxfer.eligibility.blockers IS 'Reason codes of the blocking rules (per the TLD''s rule set) that fail now, in the order of the rules table; empty when eligible; meanings in domxfer.reason_codes';
COMMENT ON COLUMN domxfer.eligibility.warnings IS 'Codes that never block a transfer: failing rules the TLD''s rule set demotes to warn, then uses_registrar_dns, expires_within_30_days';
COMMENT ON COLUMN domxfer.eligibility.transfer_window IS 'The span of instants in which the blocking time rules among R2, R3, R4, R6 and R10 all hold (tstzrange; empty when none, unbounded on a side no blocking rule limits); see window_start and window_end for tools without range support';

-- install/70_roles.sql
GRANT SELECT ON domxfer.reason_codes, domxfer.rule_sets TO domxfer_reader;
GRANT INSERT (registrant_changed_at, registrant_change_lock_opt_out),
	  UPDATE (registrant_changed_at, registrant_change_lock_opt_out)
	ON domxfer.domains TO domxfer_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON domxfer.rule_sets TO domxfer_admin;
REVOKE EXECUTE ON FUNCTION domxfer.restore_shipped_rule_sets() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION domxfer.restore_shipped_rule_sets() TO domxfer_admin;
