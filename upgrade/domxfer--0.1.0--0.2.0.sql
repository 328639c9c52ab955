-- domxfer upgrade 0.1.0 -> 0.2.0, assembled from upgrade/0.1.0--0.2.0/*.sql
-- in name order (one fragment per concern, numbered like install/*.sql).
-- Every name is schema-qualified, as in the install script.

\echo Use "ALTER EXTENSION domxfer UPDATE TO '0.2.0'" to load this file. \quit
-- 0.2.0: registrar identifiers are EPP client identifiers (SPEC §1b);
-- mirrors install/25_client_id.sql and the registrar parts of
-- 30_tables.sql, 50_transfers.sql and 60_lifecycle.sql. The new column
-- constraints check the rows already stored: an update that finds one that
-- is not a client identifier stops with 22P02 naming the column and the
-- value (fix the row, e.g. trim it, and run ALTER EXTENSION again).
CREATE FUNCTION domxfer.check_client_id(id pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'domxfer_check_client_id'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.check_client_id(pg_catalog.text) IS
	'Returns a registrar identifier unchanged if it is an EPP client identifier (RFC 5730 clIDType: 3 to 16 characters; no control, invisible or non-space white space characters; spaces only singly between other characters), else raises 22023 naming the failed check; NULL gives NULL. Identifiers are compared exactly, never trimmed or case-folded';

CREATE FUNCTION domxfer._client_id_column_check(id pg_catalog.text, column_name pg_catalog.text)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domxfer_client_id_column_check'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._client_id_column_check(pg_catalog.text, pg_catalog.text) IS
	'Internal (CHECK constraints of the registrar columns): true when id is an EPP client identifier, else raises 22P02 naming column_name and the failed check; NULL gives NULL';

ALTER TABLE domxfer.domains
	DROP CONSTRAINT domains_sponsoring_registrar_not_empty,
	ADD CONSTRAINT domains_sponsoring_registrar_client_id
		CHECK (domxfer._client_id_column_check(sponsoring_registrar, 'sponsoring_registrar'));
ALTER TABLE domxfer.transfers
	DROP CONSTRAINT transfers_gaining_registrar_check,
	ADD CONSTRAINT transfers_gaining_registrar_client_id
		CHECK (domxfer._client_id_column_check(gaining_registrar, 'gaining_registrar'));
COMMENT ON COLUMN domxfer.domains.sponsoring_registrar IS 'Identifier of the registrar that sponsors the domain, an EPP client identifier (RFC 5730 clIDType; anything else is refused with 22P02); R1 compares it exactly with the setting domxfer.registrar_id';
COMMENT ON COLUMN domxfer.transfers.gaining_registrar IS 'The registrar the domain moves to, known once its request arrives; an EPP client identifier (RFC 5730 clIDType; anything else is refused with 22P02)';

-- receive_transfer_request, which now checks the gaining registrar with
-- check_client_id, gets its 0.2.0 definition in 74_registry_lifecycle.sql.
-- Rule sets (install/35_rule_sets.sql), before it: adding a stored column
-- rewrites domxfer.domains, which PostgreSQL refuses while a function with a
-- SQL-standard body (RETURN) uses its row type, so the five 0.1.0 functions
-- over a row get a string body until 35_rule_sets_upgrade.sql gives them
-- their 0.2.0 definitions.

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

-- Rule sets per TLD and the reason codes (SPEC §1, §1a), R10 and R11's
-- columns, R8's write-time check. Columns are added with ALTER TABLE here
-- (install) and in upgrade/0.1.0--0.2.0/35_rule_sets.sql (upgrade) alike,
-- so a fresh 0.2.0 and an upgraded 0.1.0 have the same column order.

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
-- Rule sets: what 0.1.0 created and 0.2.0 changes, after the rule sets' own
-- objects (35_rule_sets.sql, a link to the install fragment).


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
-- Outcome codes in domxfer.reason_codes: why a transfer ended when no rule
-- failed (transfers.outcome_reason), with their meanings in English and
-- Chinese, so reports, notices and applications read every code a transfer
-- can carry from one table. The same statements are the upgrade fragment
-- upgrade/0.1.0--0.2.0/36_outcome_codes.sql.

ALTER TABLE domxfer.reason_codes
	DROP CONSTRAINT reason_codes_kind_valid,
	ADD CONSTRAINT reason_codes_kind_valid
		CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['rule', 'warning', 'outcome']::text[]));
COMMENT ON TABLE domxfer.reason_codes IS
	'Every transfer-out reason code (SPEC §1 rules R1-R11, the two warnings, and the outcome codes of transfers.outcome_reason) with its rule number, its bit in transfer_out_blocker_mask and its meaning in English and Chinese; rows installed by the extension, read-only';
COMMENT ON COLUMN domxfer.reason_codes.kind IS
	'text: ''rule'' for a rule of SPEC §1 (a blocker, or a warning when the TLD''s rule set demotes it), ''warning'' for advice that never blocks, ''outcome'' for why a transfer ended when no rule failed (SPEC §3 outcome_reason; registry_* from the registry''s trStatus, SPEC §8, RFC 5731 §3.2.4)';

INSERT INTO domxfer.reason_codes (code, kind, rule, bit, meaning_en, meaning_zh) VALUES
	('auto_approved', 'outcome', NULL, NULL,
	 'approved automatically at the deadline', '期限届满自动批准'),
	('holder_approved', 'outcome', NULL, NULL,
	 'approved early by the holder', '持有人提前批准'),
	('holder_cancelled', 'outcome', NULL, NULL,
	 'cancelled by the holder', '持有人已取消'),
	('auth_code_expired', 'outcome', NULL, NULL,
	 'the auth code expired unused', '转移密码过期未使用'),
	('registry_client_approved', 'outcome', NULL, NULL,
	 'the registry reports the transfer approved by the losing registrar (EPP clientApproved)', '注册局通知：原注册商已批准转移'),
	('registry_server_approved', 'outcome', NULL, NULL,
	 'the registry approved the transfer itself, at its automatic-approval time (EPP serverApproved)', '注册局通知：已自动批准转移'),
	('registry_client_rejected', 'outcome', NULL, NULL,
	 'the registry reports the transfer rejected by the losing registrar (EPP clientRejected)', '注册局通知：原注册商已拒绝转移'),
	('registry_client_cancelled', 'outcome', NULL, NULL,
	 'the gaining registrar withdrew its request at the registry (EPP clientCancelled)', '注册局通知：转入注册商已撤回申请'),
	('registry_server_cancelled', 'outcome', NULL, NULL,
	 'the registry cancelled the transfer, e.g. because the domain was deleted (EPP serverCancelled)', '注册局通知：注册局已取消转移');
-- The registry link (SPEC §8), the part the lifecycle fragment needs: which
-- transfers the registry decides. The rest is in 75_registry.sql.

ALTER TABLE domxfer.transfers
	ADD COLUMN registry_managed boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN domxfer.transfers.registry_managed IS 'boolean; SPEC §8: true once a registry message opened or advanced the transfer: the registry decides it (never the deadline), and holder approvals and cancellations become registry commands';

-- Registry-managed pending transfers are not due at their deadline: the
-- worker's lookups skip them by this index's predicate.
CREATE INDEX transfers_registry_pending ON domxfer.transfers (deadline, id)
	WHERE registry_managed AND state OPERATOR(pg_catalog.=) 'pending';
-- The registry link (SPEC §8): the lifecycle functions it changes, as they
-- are in install/60_lifecycle.sql (registry-managed transfers are never
-- decided at their deadline; holder answers become registry commands). The
-- registry's own objects follow in 75_registry.sql, a link to the install
-- fragment.

CREATE OR REPLACE FUNCTION domxfer._decide_due_transfer(transfer_id bigint, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
	d domxfer.domains;
	v_blockers text[];
BEGIN
	SELECT * INTO t FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) _decide_due_transfer.transfer_id
	   FOR UPDATE;
	-- a registry-managed transfer is decided by the registry (SPEC §8), never here
	IF NOT FOUND OR t.due_at IS NULL OR t.due_at OPERATOR(pg_catalog.>) at OR t.registry_managed THEN
		RETURN false;
	END IF;

	IF t.state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN
		PERFORM domxfer._finish_transfer(t, 'expired', t.auth_code_expires_at, '{auth_code_expired}', NULL);
		RETURN true;
	END IF;

	-- pending: eligible at the deadline (not now) completes, else it is rejected
	SELECT * INTO STRICT d FROM domxfer.domains dm
	 WHERE dm.name OPERATOR(pg_catalog.=) t.domain_name
	   FOR UPDATE;
	v_blockers := domxfer._blockers_ignoring_own(d, t.deadline, t.manual);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.=) 0 THEN
		PERFORM domxfer._finish_transfer(t, 'completed', t.deadline, '{auto_approved}', NULL);
	ELSE
		PERFORM domxfer._finish_transfer(t, 'rejected', t.deadline, v_blockers, NULL);
	END IF;
	RETURN true;
END
$$;

COMMENT ON FUNCTION domxfer._decide_due_transfer(bigint, timestamptz) IS 'Internal (worker contract): locks a transfer and, if it is due at "at", decides it as of its own due instant (pending: completed or rejected at the deadline; auth_code_issued: expired at the code''s expiry); false if it was not due or already decided';

CREATE OR REPLACE FUNCTION domxfer._due_transfer_ids(at timestamptz, max_rows integer)
RETURNS SETOF bigint
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT t.id
	  FROM domxfer.transfers t
	 WHERE t.due_at OPERATOR(pg_catalog.<=) at
	   AND NOT t.registry_managed
	 ORDER BY t.due_at, t.id
	 LIMIT max_rows
	   FOR UPDATE SKIP LOCKED
$$;

COMMENT ON FUNCTION domxfer._due_transfer_ids(timestamptz, integer) IS 'Internal (worker contract): locks and returns up to max_rows open transfers due at "at", earliest due first, skipping rows other sessions hold';

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
		   AND NOT t.registry_managed
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

COMMENT ON FUNCTION domxfer._decide_due_batch(timestamptz, integer, bigint[]) IS 'Internal (worker contract): locks up to max_rows open transfers due at "at" (skipping rows other sessions hold and the ids in skip_ids) and decides them all set-based, each as of its own due instant, with the same outcomes, events and notifications as _decide_due_transfer; returns how many it decided';

CREATE OR REPLACE FUNCTION domxfer._next_due_at()
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- registry-managed transfers are not due at their deadline; the worker
	-- looks at them at the latest registry_answer_lead before it (SPEC §8)
	RETURN LEAST(
		(SELECT pg_catalog.min(t.due_at) FROM domxfer.transfers t WHERE NOT t.registry_managed),
		domxfer._next_registry_check_at(pg_catalog.now()));
END
$$;

COMMENT ON FUNCTION domxfer._next_due_at() IS 'Internal (worker contract): the earliest due instant of any open transfer that is not registry-managed, or the earliest acDate minus registry_answer_lead still to come of a registry-managed one, NULL if none';

CREATE OR REPLACE FUNCTION domxfer.receive_transfer_request(name text, auth_code text, gaining_registrar text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	v_name text;
	v_open bigint;
	t domxfer.transfers;
	d domxfer.domains;
	v_salt bytea;
	v_own boolean;
	v_count integer;
	v_blockers text[];
BEGIN
	IF auth_code IS NULL OR gaining_registrar IS NULL THEN
		RAISE EXCEPTION 'auth code and gaining registrar must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- an EPP client identifier (22023 otherwise), compared exactly with ours
	PERFORM domxfer.check_client_id(gaining_registrar);
	IF gaining_registrar OPERATOR(pg_catalog.=) pg_catalog.current_setting('domxfer.registrar_id') THEN
		RAISE EXCEPTION 'gaining registrar "%" is this registrar', gaining_registrar
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A domain cannot be transferred to the registrar that already sponsors it.';
	END IF;
	v_name := domxfer._known_domain(name);
	IF (domxfer._policy_for(v_name)).registry_transfers THEN
		RAISE EXCEPTION 'the registry of .% handles transfer requests', domxfer.domain_tld(v_name)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'The gaining registrar sends its request and the auth code to the registry, which checks the code.',
				  HINT = 'Feed the registry''s message to domxfer.apply_registry_message().';
	END IF;

	SELECT dm.open_transfer_id INTO v_open FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_name;
	IF v_open IS NULL THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password', DETAIL = 'No auth code has been issued for this domain.';
	END IF;

	t := domxfer._settle_transfer(v_open, v_now);
	IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued' THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password',
				  DETAIL = CASE t.state
					WHEN 'expired' THEN pg_catalog.format('The auth code expired at %s.', domxfer._utc_text(t.decided_at))
					WHEN 'pending' THEN 'The auth code has already been used.'
					WHEN 'awaiting_documents' THEN 'No auth code has been issued for this domain yet.'
					ELSE pg_catalog.format('The transfer was %s.', t.state) END;
	END IF;
	IF t.auth_code_hash IS NULL THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password',
				  DETAIL = 'The auth code was revoked after 5 failed attempts.',
				  HINT = pg_catalog.format('Issue a new code with domxfer.reissue_auth_code(%s).', t.id);
	END IF;
	v_salt := t.auth_code_salt;

	-- Where the presented code may be compared. A guess that is compared must
	-- be counted, and the count must survive the 28P01 error, which rolls
	-- back this transaction's writes: so the code is compared only in a
	-- committed side transaction that counts a wrong one (below), and when
	-- that cannot run, not at all.
	--
	-- The one exception: the row version carrying the code was written by
	-- this very transaction (its xmin is ours, see _written_by_this_transaction).
	-- Applications cannot write transfers. Of the functions that can, those
	-- that leave a row in state auth_code_issued with a code in it issue
	-- that code and return it in plain text to the transaction that called
	-- them (request_transfer_out, reissue_auth_code, approve_manual_transfer);
	-- _count_failed_auth_attempt only ever runs in a side transaction. Only
	-- the table's owner or a superuser could write the row otherwise, and
	-- they can read the hash anyway. So a code compared here was handed to
	-- this transaction a moment ago, and nothing can be learnt by guessing
	-- it. No other transaction can use it yet (a side transaction could not
	-- see it, or would wait for our lock), and a wrong code raises 28P01,
	-- which rolls the code itself back; a caller that catches the error
	-- still holds the very code it guessed at. Once committed, the row's
	-- xmin is not current in any transaction, and every later attempt takes
	-- the counted path. This keeps request and receive in one transaction
	-- working, without a worker.
	SELECT domxfer._written_by_this_transaction(tr.xmin) INTO v_own
	  FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	   AND tr.auth_code_salt OPERATOR(pg_catalog.=) v_salt;
	IF v_own THEN
		IF NOT domxfer._auth_code_matches(auth_code, v_salt, t.auth_code_hash) THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code is wrong. It was issued in this same transaction, so the attempt is not counted.';
		END IF;
	ELSE
		-- A transaction that holds the transfer (a concurrent request with
		-- the right code, a reissue, a cancellation) is waited for here,
		-- like any writer would, rather than by the side transaction, which
		-- gives up after 1 s. The lock is taken in a subtransaction and
		-- released at once, so that the side transaction can take it.
		BEGIN
			PERFORM FROM domxfer.transfers tr
			 WHERE tr.id OPERATOR(pg_catalog.=) t.id
			   FOR NO KEY UPDATE;
			RAISE SQLSTATE 'DXW01';
		EXCEPTION WHEN SQLSTATE 'DXW01' THEN
			NULL;
		END;
		SELECT * INTO STRICT t FROM domxfer.transfers tr WHERE tr.id OPERATOR(pg_catalog.=) t.id;
		IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued'
		   OR t.auth_code_salt IS DISTINCT FROM v_salt THEN
			-- nothing compared: the code presented is not current any more
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code has just been used, replaced or revoked, or its transfer has just ended.';
		END IF;

		-- Compared (and a wrong one counted) only in the committed side
		-- transaction; when that cannot run (53000) or cannot lock the
		-- transfer (55P03, e.g. this transaction holds it) it raises without
		-- comparing, so the right and a wrong code get the same error.
		v_count := domxfer._check_auth_code_in_side_transaction(t.id, v_salt, auth_code, v_now);
		IF v_count IS NULL THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code has just been used or replaced.';
		END IF;
		IF v_count OPERATOR(pg_catalog.>=) 5 THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code is wrong. After 5 failed attempts the code has been revoked.',
					  HINT = pg_catalog.format('Issue a new code with domxfer.reissue_auth_code(%s).', t.id);
		END IF;
		IF v_count OPERATOR(pg_catalog.>) 0 THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password', DETAIL = 'The auth code is wrong.';
		END IF;
	END IF;

	-- the right code: lock, and make sure it is still the current code
	t := domxfer._lock_transfer(t.id, v_now);
	IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued'
	   OR t.auth_code_salt IS DISTINCT FROM v_salt THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password',
				  DETAIL = 'The auth code has just been used or replaced.';
	END IF;
	SELECT * INTO STRICT d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_name FOR UPDATE;
	v_blockers := domxfer._blockers_ignoring_own(d, v_now, t.manual);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(v_name, v_blockers);
	END IF;

	UPDATE domxfer.transfers tr
	   SET state = 'pending',
		   gaining_registrar = receive_transfer_request.gaining_registrar,
		   requested_at = v_now,
		   deadline = v_now OPERATOR(pg_catalog.+) domxfer._days((domxfer._policy_for(v_name)).auto_approve_days),
		   auth_code_hash = NULL,
		   auth_code_salt = NULL
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	RETURNING * INTO t;
	UPDATE domxfer.domains dm
	   SET status = dm.status OPERATOR(domxfer.+) 'pendingTransfer'::domxfer.domain_status
	 WHERE dm.name OPERATOR(pg_catalog.=) v_name;
	PERFORM domxfer._log_transfer_event(t, 'auth_code_issued',
		pg_catalog.jsonb_build_object('action', 'request_received',
									  'gaining_registrar', t.gaining_registrar,
									  'deadline', t.deadline));
	RETURN t.id;
END
$$;

COMMENT ON FUNCTION domxfer.receive_transfer_request(text, text, text) IS 'Lifecycle step 2: the gaining registrar''s request (gaining_registrar: an EPP client identifier other than ours, else 22023). White space and zero-width characters pasted with the code are removed before it is compared (SPEC §1c). The right code makes the transfer pending until now + auto_approve_days; a wrong, expired or revoked code fails with 28P01 (a wrong one is counted; the 5th revokes the code). The code is compared only in a committed side transaction (a short-lived background worker) that counts a wrong one; when no worker slot frees up within 1 s (53000) or the worker cannot lock the transfer within 1 s (55P03), nothing is compared or counted and the right and a wrong code get the same error: retry. A code issued in the calling transaction itself is compared in that transaction, without a worker and without counting. Refused (55000) for a TLD whose policy has registry_transfers: the registry checks codes there (SPEC §8)';

CREATE OR REPLACE FUNCTION domxfer.cancel_transfer_out(transfer_id bigint, reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
	v_back_days integer;
BEGIN
	IF t.state OPERATOR(pg_catalog.=) 'completed' THEN
		v_back_days := (domxfer._policy_for(t.domain_name)).min_days_after_transfer;
		RAISE EXCEPTION 'domain "%" has already been transferred out', t.domain_name
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s to %s completed at %s; it can no longer be cancelled.',
											 t.id, t.gaining_registrar, domxfer._utc_text(t.decided_at)),
				  HINT = pg_catalog.format('The domain can be transferred back after %s (%s days after the transfer).',
										   domxfer._utc_text(t.decided_at OPERATOR(pg_catalog.+) domxfer._days(v_back_days)),
										   v_back_days);
	END IF;
	IF t.state OPERATOR(pg_catalog.>=) 'completed' THEN
		PERFORM domxfer._raise_wrong_state(t, 'cancel the transfer');
	END IF;
	-- the registry decides: the holder's objection becomes a reject command
	IF t.registry_managed AND t.state OPERATOR(pg_catalog.=) 'pending' THEN
		PERFORM domxfer._registry_answer(t, 'reject', '{holder_cancelled}');
		RETURN;
	END IF;
	PERFORM domxfer._finish_transfer(t, 'cancelled', v_now, '{holder_cancelled}', reason);
END
$$;

COMMENT ON FUNCTION domxfer.cancel_transfer_out(bigint, text) IS 'Lifecycle step 3: the holder cancels an open transfer; refused (55000) once it is decided, e.g. after its deadline, with the date from which the domain can be transferred back. A registry-managed pending transfer stays pending: the cancellation becomes a reject command for the registry (SPEC §8)';

CREATE OR REPLACE FUNCTION domxfer.approve_transfer_out(transfer_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
	d domxfer.domains;
	v_blockers text[];
BEGIN
	IF t.state OPERATOR(pg_catalog.<>) 'pending' THEN
		PERFORM domxfer._raise_wrong_state(t, 'approve the transfer');
	END IF;
	IF NOT (domxfer._policy_for(t.domain_name)).early_approval THEN
		RAISE EXCEPTION 'early approval is not allowed for .% domains', domxfer.domain_tld(t.domain_name)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s completes or is rejected at its deadline, %s.',
											 t.id, domxfer._utc_text(t.deadline));
	END IF;
	SELECT * INTO STRICT d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) t.domain_name FOR UPDATE;
	v_blockers := domxfer._blockers_ignoring_own(d, v_now, t.manual);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(t.domain_name, v_blockers);
	END IF;
	-- the registry decides: the holder's approval becomes an approve command
	IF t.registry_managed THEN
		PERFORM domxfer._registry_answer(t, 'approve', '{holder_approved}');
		RETURN;
	END IF;
	PERFORM domxfer._finish_transfer(t, 'completed', v_now, '{holder_approved}', NULL);
END
$$;

COMMENT ON FUNCTION domxfer.approve_transfer_out(bigint) IS 'Lifecycle step 4: the holder approves a pending transfer early; it completes now if the TLD''s policy allows early approval and the domain is still eligible. A registry-managed transfer stays pending: the approval becomes an approve command for the registry (SPEC §8); refused (55000) after a reject command';

CREATE OR REPLACE FUNCTION domxfer.process_due_transfers(at timestamptz DEFAULT pg_catalog.now(), max_rows integer DEFAULT 1000)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_ids bigint[];
	v_id bigint;
	v_decided integer := 0;
	v_message text;
	v_state text;
BEGIN
	IF at IS NULL OR max_rows IS NULL THEN
		RAISE EXCEPTION 'at and max_rows must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF max_rows OPERATOR(pg_catalog.<) 1 THEN
		RAISE EXCEPTION 'max_rows must be at least 1' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF at OPERATOR(pg_catalog.>) pg_catalog.clock_timestamp()
	   AND NOT pg_catalog.pg_has_role(domxfer._outer_role(), 'domxfer_admin', 'MEMBER') THEN
		RAISE EXCEPTION 'permission denied to decide transfers as of a future instant'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'Only members of domxfer_admin may decide transfers before their deadline.';
	END IF;

	-- blocking rules as of acDate of registry-managed transfers (SPEC §8)
	PERFORM domxfer._queue_registry_commands(at);

	-- all at once; if any transfer fails, one by one so that the others proceed
	BEGIN
		RETURN domxfer._decide_due_batch(at, max_rows, '{}');
	EXCEPTION WHEN OTHERS THEN
		NULL;
	END;
	v_ids := ARRAY(SELECT domxfer._due_transfer_ids(at, max_rows));
	FOREACH v_id IN ARRAY v_ids LOOP
		BEGIN
			IF domxfer._decide_due_transfer(v_id, at) THEN
				v_decided := v_decided OPERATOR(pg_catalog.+) 1;
			END IF;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT, v_state = RETURNED_SQLSTATE;
			RAISE WARNING 'could not decide transfer %: %', v_id, v_message
				USING DETAIL = pg_catalog.format('SQLSTATE %s; the other transfers were decided.', v_state);
		END;
	END LOOP;
	RETURN v_decided;
END
$$;

COMMENT ON FUNCTION domxfer.process_due_transfers(timestamptz, integer) IS 'Lifecycle steps 5 and 6: decides up to max_rows transfers due at "at", each as of its own deadline or code expiry (the background worker''s work, for pg_cron and tests); returns how many it decided. A future "at" needs domxfer_admin. Also queues reject commands for registry-managed pending transfers failing a blocking rule as of their acDate (SPEC §8); those transfers are never decided here';

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
	CONSTRAINT notices_due_after_created CHECK (due_by OPERATOR(pg_catalog.>) created_at),
	CONSTRAINT notices_code_only_with_code_notice
		CHECK (code_ciphertext IS NULL OR kind OPERATOR(pg_catalog.=) 'auth_code_issued'),
	CONSTRAINT notices_sent_keeps_no_code
		CHECK (sent_at IS NULL OR code_ciphertext IS NULL),
	CONSTRAINT notices_sent_is_not_claimed
		CHECK (sent_at IS NULL OR claimed_until IS NULL)
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
COMMENT ON COLUMN domxfer.notices.next_attempt_at IS 'timestamptz: from when claim_notices() may hand it out: created_at at first, the end of the backoff after a failure (and not while claimed_until is in the future)';
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
	 CROSS JOIN LATERAL (SELECT dm.registrant_email, dm.registrant_email_usable FROM domxfer.domains dm
						  WHERE dm.name OPERATOR(pg_catalog.=) t.domain_name OFFSET 0) d
	 -- the TLD's policy row, else the default row (as domxfer._policy_for,
	 -- which as a function would be planned again for every statement)
	 CROSS JOIN LATERAL (SELECT pl.early_approval, pl.min_days_after_transfer, pl.code_notice_minutes, pl.notice_hours
						   FROM domxfer.tld_policy pl
						  WHERE pl.tld OPERATOR(pg_catalog.=) ANY (ARRAY[domxfer.domain_tld(t.domain_name), '*'])
						  ORDER BY pl.tld OPERATOR(pg_catalog.=) '*'
						  LIMIT 1) p
	 -- a plain column, so that domxfer._rfc3339 is inlined
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
		SELECT n.id
		  FROM domxfer.notices n
		 WHERE n.sent_at IS NULL
		   AND n.next_attempt_at OPERATOR(pg_catalog.<=) v_now
		   AND (n.claimed_until IS NULL OR n.claimed_until OPERATOR(pg_catalog.<=) v_now)
		 ORDER BY n.next_attempt_at, n.id
		 LIMIT claim_notices.max
		   FOR UPDATE SKIP LOCKED
	)
	UPDATE domxfer.notices n
	   SET claimed_until = v_now OPERATOR(pg_catalog.+) claim_notices.lease,
		   attempts = n.attempts OPERATOR(pg_catalog.+) 1
	  FROM c
	 WHERE n.id OPERATOR(pg_catalog.=) c.id
	RETURNING n.id, n.transfer_id, n.kind, n.recipient, n.payload, n.code_ciphertext,
			  n.due_by, n.created_at, n.attempts;
END
$$;

COMMENT ON FUNCTION domxfer.claim_notices(integer, interval) IS 'The mailer takes up to max (1 to 10000) unsent notices that are free (never claimed, lease over, or backoff over), earliest first, skipping rows other mailers hold (FOR UPDATE SKIP LOCKED); each is leased to the caller for lease (1 s to 1 day): unless marked sent or failed by then, it is handed out again. Counts an attempt per notice. 22004 for NULL, 22023 out of range (SPEC §9)';

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
BEGIN
	UPDATE domxfer.notices n
	   SET sent_at = pg_catalog.clock_timestamp(),
		   claimed_until = NULL,
		   code_ciphertext = NULL
	 WHERE n.id OPERATOR(pg_catalog.=) mark_notice_sent.id
	   AND n.sent_at IS NULL;
	IF FOUND THEN
		RETURN true;
	END IF;
	PERFORM domxfer._find_notice(mark_notice_sent.id);
	RETURN false;
END
$$;

COMMENT ON FUNCTION domxfer.mark_notice_sent(bigint) IS 'The mailer reports a notice sent: sets sent_at, ends its claim and wipes its code_ciphertext; true if that closed it, false if it was already sent (a second mailer after a lease expired: harmless). Accepted whatever the lease: the mail went out, so no further copy should. 22004 for NULL, P0002 for an unknown id (SPEC §9)';

CREATE FUNCTION domxfer.mark_notice_failed(id bigint, error text)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
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
	RETURNING n.next_attempt_at INTO v_next;
	IF FOUND THEN
		RETURN v_next;
	END IF;
	PERFORM domxfer._find_notice(mark_notice_failed.id);
	RETURN NULL;
END
$$;

COMMENT ON FUNCTION domxfer.mark_notice_failed(bigint, text) IS 'The mailer reports that sending failed: records the error (first 1000 characters), ends the claim and backs off: the notice is handed out again after 30 s x 2^(attempts-1), at most 1 hour; returns that instant. NULL (nothing changed) if the notice was already sent; a report after the lease ended still counts. 22004 for NULL, P0002 for an unknown id (SPEC §9)';

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
   AND n.due_by OPERATOR(pg_catalog.<) pg_catalog.now();

COMMENT ON VIEW domxfer.overdue_notices IS 'Notices to the holder past their due_by and not sent (SPEC §9): each one is a deadline of the Transfer Policy missed';
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
 WHERE n.sent_at IS NULL;

COMMENT ON VIEW domxfer.notice_status IS 'One row for monitoring (poll it): counts of unsent, overdue, failing and claimed notices to the holder (SPEC §9)';
COMMENT ON COLUMN domxfer.notice_status.unsent IS 'bigint: notices owed and not sent';
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
			  attempts, last_error, next_attempt_at, claimed_until)
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

CREATE INDEX registry_messages_msgq_id ON domxfer.registry_messages (msgq_id) WHERE msgq_id IS NOT NULL;
CREATE INDEX registry_messages_transfer ON domxfer.registry_messages (transfer_id) WHERE transfer_id IS NOT NULL;
CREATE INDEX registry_messages_invalid ON domxfer.registry_messages (id) WHERE result OPERATOR(pg_catalog.=) 'invalid';

CREATE TABLE domxfer.registry_commands (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	transfer_id bigint NOT NULL REFERENCES domxfer.transfers (id),
	domain_name text NOT NULL,
	op text NOT NULL
		CONSTRAINT registry_commands_op_valid
		CHECK (op OPERATOR(pg_catalog.=) ANY (ARRAY['approve', 'reject'])),
	reason_codes text[] NOT NULL
		CONSTRAINT registry_commands_has_reason
		CHECK (pg_catalog.cardinality(reason_codes) OPERATOR(pg_catalog.>) 0),
	xml_namespace text NOT NULL DEFAULT 'urn:ietf:params:xml:ns:domain-1.0',
	ac_date timestamptz NOT NULL,
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
	CONSTRAINT registry_commands_one_per_op UNIQUE (transfer_id, op),
	CONSTRAINT registry_commands_claim_has_lease
		CHECK ((state OPERATOR(pg_catalog.=) 'claimed') OPERATOR(pg_catalog.<=) (lease_until IS NOT NULL))
);

COMMENT ON TABLE domxfer.registry_commands IS 'SPEC §8: domxfer''s answers to the registry (EPP <transfer op="approve"|"reject">, RFC 5731 §3.2.4), for the EPP client: claim_registry_commands, registry_command_xml, record_registry_response; never holds an auth code';
COMMENT ON COLUMN domxfer.registry_commands.id IS 'bigint; the command; its EPP clTRID is domxfer-<id>';
COMMENT ON COLUMN domxfer.registry_commands.transfer_id IS 'bigint; the registry-managed transfer it answers';
COMMENT ON COLUMN domxfer.registry_commands.domain_name IS 'text; the domain (canonical A-label)';
COMMENT ON COLUMN domxfer.registry_commands.op IS 'text; approve (the holder''s approve_transfer_out) or reject (the holder''s cancel_transfer_out, or blocking rules failing as of acDate)';
COMMENT ON COLUMN domxfer.registry_commands.reason_codes IS 'text[]; why: {holder_approved}, {holder_cancelled} or the failing blocking reason codes (SPEC §1)';
COMMENT ON COLUMN domxfer.registry_commands.xml_namespace IS 'text; the domain namespace the command is written in (the one the registry''s notice used)';
COMMENT ON COLUMN domxfer.registry_commands.ac_date IS 'timestamptz; the transfer''s acDate when the command was queued: an answer after it is too late';
COMMENT ON COLUMN domxfer.registry_commands.state IS 'text; queued, claimed (by an EPP client, until lease_until), done (1000/1001), failed (another 2xxx: an operator decides), superseded (the registry''s outcome arrived first, or a reject replaced an unsent approve)';
COMMENT ON COLUMN domxfer.registry_commands.created_at IS 'timestamptz; when it was queued';
COMMENT ON COLUMN domxfer.registry_commands.claimed_at IS 'timestamptz; when an EPP client last claimed it';
COMMENT ON COLUMN domxfer.registry_commands.lease_until IS 'timestamptz; a claimed command not answered by then is handed out again';
COMMENT ON COLUMN domxfer.registry_commands.attempts IS 'integer; how many times it was claimed';
COMMENT ON COLUMN domxfer.registry_commands.result_code IS 'integer; RFC 5730 §3 result code of the registry''s answer (1000 done; 2xxx e.g. 2301 object not pending transfer)';
COMMENT ON COLUMN domxfer.registry_commands.sv_trid IS 'text; RFC 5730 <svTRID> of the registry''s answer';
COMMENT ON COLUMN domxfer.registry_commands.answered_at IS 'timestamptz; when record_registry_response recorded the answer';
COMMENT ON COLUMN domxfer.registry_commands.error IS 'text; the last 2xxx answer, in words';

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
	OUT ex_date text, OUT canonical bytea, OUT stripped text)
RETURNS record
AS 'MODULE_PATHNAME', 'domxfer_read_registry_message'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION domxfer._read_registry_message(text) IS 'Internal: reads an EPP message with libxml2 (no DTD, no entities, no network): kind notice, ignored or invalid (with sqlstate 2200M, 2200N or 22023 and error), the <trnData> fields (name checked by normalize_domain''s core, dates RFC 3339), the canonical XML and, when it had <authInfo>, the message without its content';

CREATE FUNCTION domxfer._registry_outcome(tr_status text)
RETURNS domxfer.transfer_state
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE tr_status
		   WHEN 'clientApproved' THEN 'completed'
		   WHEN 'serverApproved' THEN 'completed'
		   WHEN 'clientRejected' THEN 'rejected'
		   WHEN 'clientCancelled' THEN 'cancelled'
		   WHEN 'serverCancelled' THEN 'cancelled'
	   END::domxfer.transfer_state;

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
BEGIN
	IF t.id IS NULL THEN
		RAISE EXCEPTION 'transfer must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT m.xml_namespace INTO v_ns FROM domxfer.registry_messages m
	 WHERE m.transfer_id OPERATOR(pg_catalog.=) t.id AND m.xml_namespace IS NOT NULL
	 ORDER BY m.id DESC LIMIT 1;
	INSERT INTO domxfer.registry_commands (transfer_id, domain_name, op, reason_codes, xml_namespace, ac_date)
	VALUES (t.id, t.domain_name, op, reason_codes, COALESCE(v_ns, 'urn:ietf:params:xml:ns:domain-1.0'), t.deadline)
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

COMMENT ON FUNCTION domxfer._queue_registry_command(domxfer.transfers, text, text[]) IS 'Internal: queues an approve or reject command for a registry-managed transfer (at most one of each), returns its id';

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
			SELECT * INTO d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) t.domain_name;
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

-- A registry notice applied to the database (the message row is stored and
-- locked by the caller). Returns the result and the transfer concerned.
CREATE FUNCTION domxfer._apply_transfer_notice(m domxfer.registry_messages, at timestamptz,
											   OUT result text, OUT transfer_id bigint)
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
	v_from domxfer.transfer_state;
BEGIN
	v_note := pg_catalog.format('registry %s (message %s%s)', m.tr_status, m.id,
								CASE WHEN m.msgq_id IS NULL THEN '' ELSE ', msgQ id ' OPERATOR(pg_catalog.||) m.msgq_id END);
	v_detail := pg_catalog.jsonb_build_object('action', 'registry_' OPERATOR(pg_catalog.||) m.tr_status,
											  'message_id', m.id, 'msgq_id', m.msgq_id,
											  'reID', m.re_id, 'reDate', m.re_date, 'acID', m.ac_id, 'acDate', m.ac_date);

	SELECT dm.open_transfer_id, dm.sponsoring_registrar INTO v_open, v_sponsor
	  FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) m.domain_name;
	IF NOT FOUND THEN
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

	-- an ended transfer this message speaks of (a late or repeated notice)
	SELECT tr.id INTO transfer_id FROM domxfer.transfers tr
	 WHERE tr.domain_name OPERATOR(pg_catalog.=) m.domain_name
	   AND tr.state OPERATOR(pg_catalog.>=) 'completed'
	   AND tr.registry_managed
	   AND tr.gaining_registrar OPERATOR(pg_catalog.=) m.re_id
	   AND tr.requested_at OPERATOR(pg_catalog.=) m.re_date
	 ORDER BY tr.id DESC LIMIT 1;
	IF FOUND THEN
		result := 'applied';			-- nothing changes: the outcome is known
		RETURN;
	END IF;

	IF v_open IS NOT NULL THEN
		t := domxfer._lock_transfer(v_open, at);
		IF t.state OPERATOR(pg_catalog.>=) 'completed' THEN
			t := NULL;
		END IF;
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
			INSERT INTO domxfer.transfers (domain_name, state, gaining_registrar, created_at, requested_at,
										   deadline, registry_managed)
			VALUES (m.domain_name, 'pending', m.re_id, at, m.re_date, m.ac_date, true)
			RETURNING * INTO t;
			v_from := NULL;
			v_detail := v_detail OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
				'auth_code_issued_here', false,
				'note', 'no auth code was issued through domxfer for this transfer: the registrar may have given it out another way');
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
		UPDATE domxfer.domains dm
		   SET status = dm.status OPERATOR(domxfer.+) 'pendingTransfer'::domxfer.domain_status,
			   open_transfer_id = t.id
		 WHERE dm.name OPERATOR(pg_catalog.=) t.domain_name;
		PERFORM domxfer._log_transfer_event(t, v_from, v_detail);
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
			UPDATE domxfer.domains dm
			   SET sponsoring_registrar = t.gaining_registrar,
				   last_transferred_at = t.decided_at,
				   status = dm.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status
			 WHERE dm.name OPERATOR(pg_catalog.=) t.domain_name;
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
		t := domxfer._finish_transfer(t, v_outcome, v_decided_at, ARRAY[v_reason], v_note);
	END IF;
	UPDATE domxfer.registry_commands c SET state = 'superseded', lease_until = NULL
	 WHERE c.transfer_id OPERATOR(pg_catalog.=) t.id
	   AND c.state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed']);
	result := 'applied';
	transfer_id := t.id;
END
$$;

COMMENT ON FUNCTION domxfer._apply_transfer_notice(domxfer.registry_messages, timestamptz) IS 'Internal: the state change of SPEC §8 for one stored registry notice: pending opens or advances the transfer (deadline = acDate), an outcome ends it as the registry says (one transfer_events row each); returns applied or not_ours and the transfer';

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
	m.domain_name := p.domain_name;
	m.tr_status := p.tr_status;
	m.re_id := p.re_id;
	m.re_date := p.re_date::timestamptz;
	m.ac_id := p.ac_id;
	m.ac_date := p.ac_date::timestamptz;
	m.ex_date := p.ex_date::timestamptz;
	v_result := CASE p.kind WHEN 'notice' THEN 'applied' ELSE p.kind END;
	v_sqlstate := p.sqlstate;
	v_error := p.error;

	IF p.kind OPERATOR(pg_catalog.=) 'notice' THEN
		BEGIN
			SELECT a.result, a.transfer_id INTO v_result, v_transfer
			  FROM domxfer._apply_transfer_notice(m, v_now) a;
		EXCEPTION WHEN data_exception OR integrity_constraint_violation OR object_not_in_prerequisite_state
					   OR no_data_found THEN
			GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_error = MESSAGE_TEXT;
			v_result := 'invalid';
			v_transfer := NULL;
		END;
	END IF;

	INSERT INTO domxfer.registry_messages
		(id, received_at, message, authinfo_removed, content_hash, msgq_id, epp_result_code, xml_namespace,
		 domain_name, tr_status, re_id, re_date, ac_id, ac_date, ex_date, transfer_id, result, sqlstate, error)
	OVERRIDING SYSTEM VALUE
	VALUES (m.id, m.received_at, m.message, m.authinfo_removed, m.content_hash, m.msgq_id, m.epp_result_code,
			m.xml_namespace, m.domain_name, m.tr_status, m.re_id, m.re_date, m.ac_id, m.ac_date, m.ex_date,
			v_transfer, v_result, v_sqlstate, v_error);
	message_id := m.id;
	domain_name := m.domain_name;
	tr_status := m.tr_status;
	transfer_id := v_transfer;
	result := v_result;
END
$$;

COMMENT ON FUNCTION domxfer.apply_registry_message(text) IS 'SPEC §8: stores one EPP message of a registry (poll message or transfer response, RFC 5730/5731) in registry_messages and applies it: result applied, duplicate (same msgQ id and content again: nothing changes), not_ours, ignored (not a domain transfer notice) or invalid (stored with its SQLSTATE: 2200M, 2200N or 22023, also for a pending notice whose reID is this registrar; 55000 for a domain whose TLD has registry_transfers = false; no error is raised, so the EPP client can ack it). Raises only for NULL (22004) and over 1 MB (54000). No DTD or external entity is ever read';

CREATE FUNCTION domxfer.claim_registry_commands(max integer DEFAULT 10, lease interval DEFAULT '5 minutes')
RETURNS TABLE (command_id bigint, transfer_id bigint, domain_name text, op text, xml text)
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
		 WHERE c.state OPERATOR(pg_catalog.=) 'queued'
			OR (c.state OPERATOR(pg_catalog.=) 'claimed' AND c.lease_until OPERATOR(pg_catalog.<=) v_now)
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
	SELECT c.id, c.transfer_id, c.domain_name, c.op, domxfer._registry_command_xml(c)
	  FROM claimed c
	 ORDER BY c.id;
END
$$;

COMMENT ON FUNCTION domxfer.claim_registry_commands(integer, interval) IS 'SPEC §8: hands up to max (1 to 1000) queued commands, and claimed ones whose lease ran out, to the EPP client (FOR UPDATE SKIP LOCKED), each with its RFC 5731 <transfer> command XML; they come back after lease (1 s to 1 day) unless record_registry_response closes them. 22004 for NULL, 22023 out of range';

CREATE FUNCTION domxfer._registry_command_xml(c domxfer.registry_commands)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.format(
'<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <command>
    <transfer op="%s">
      <domain:transfer xmlns:domain="%s">
        <domain:name>%s</domain:name>
      </domain:transfer>
    </transfer>
    <clTRID>domxfer-%s</clTRID>
  </command>
</epp>
', c.op, domxfer._xml_escape(c.xml_namespace), domxfer._xml_escape(c.domain_name), c.id);

COMMENT ON FUNCTION domxfer._registry_command_xml(domxfer.registry_commands) IS 'Internal: the RFC 5731 §3.2.4 <transfer op="approve"|"reject"> command of a registry command, clTRID domxfer-<id>; no authInfo';

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

COMMENT ON FUNCTION domxfer.registry_command_xml(bigint) IS 'SPEC §8: text, the RFC 5731 EPP command (transfer approve or reject, clTRID domxfer-<id>, never an auth code) of a registry command; 22004 for NULL, P0002 if unknown';

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
	SELECT * INTO c FROM domxfer.registry_commands rc WHERE rc.id OPERATOR(pg_catalog.=) record_registry_response.id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'registry command % does not exist', id USING ERRCODE = 'no_data_found';
	END IF;
	IF c.state OPERATOR(pg_catalog.=) 'done' THEN
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

COMMENT ON FUNCTION domxfer.record_registry_response(bigint, integer, text) IS 'SPEC §8: records the registry''s answer to a command (RFC 5730 result code, svTRID) and returns the command''s state: 1000-1599 done; 2400, 2500-2502 queued again for a retry; other 2xxx failed with the error kept for an operator. 22004 NULL, 22023 bad code or svTRID, P0002 unknown, 55000 a different answer to a done command';

CREATE VIEW domxfer.registry_discrepancies AS
SELECT 'outcome_differs'::text AS kind,
	   t.id AS transfer_id, t.domain_name, c.id AS command_id,
	   (SELECT pg_catalog.max(rm.id) FROM domxfer.registry_messages rm
		 WHERE rm.transfer_id OPERATOR(pg_catalog.=) t.id) AS message_id,
	   c.op AS asked, t.state::text AS registry_outcome, t.deadline AS ac_date,
	   t.decided_at AS since,
	   pg_catalog.format('domxfer asked the registry to %s (%s); the registry''s outcome: %s',
						 c.op, pg_catalog.array_to_string(c.reason_codes, ', '),
						 pg_catalog.array_to_string(t.outcome_reason, ', ')) AS detail
  FROM domxfer.transfers t
  JOIN domxfer.registry_commands c ON c.transfer_id OPERATOR(pg_catalog.=) t.id
 WHERE t.registry_managed AND t.state OPERATOR(pg_catalog.>=) 'completed'
   -- sent (or possibly sent) to the registry
   AND (c.state OPERATOR(pg_catalog.=) ANY (ARRAY['claimed', 'done', 'failed'])
		OR (c.state OPERATOR(pg_catalog.=) 'superseded' AND c.attempts OPERATOR(pg_catalog.>) 0))
   AND (c.op OPERATOR(pg_catalog.=) 'approve') OPERATOR(pg_catalog.<>) (t.state OPERATOR(pg_catalog.=) 'completed')
UNION ALL
SELECT 'no_outcome_past_ac_date', t.id, t.domain_name, NULL, NULL, NULL, NULL, t.deadline, t.deadline,
	   pg_catalog.format('pending at the registry since %s; acDate %s passed without an outcome from the registry',
						 pg_catalog.to_char(pg_catalog.timezone('UTC', t.requested_at), 'YYYY-MM-DD HH24:MI:SS "UTC"'), pg_catalog.to_char(pg_catalog.timezone('UTC', t.deadline), 'YYYY-MM-DD HH24:MI:SS "UTC"'))
  FROM domxfer.transfers t
 WHERE t.registry_managed AND t.state OPERATOR(pg_catalog.=) 'pending'
   AND t.deadline OPERATOR(pg_catalog.<) pg_catalog.now()
UNION ALL
SELECT 'command_unanswered_past_ac_date', c.transfer_id, c.domain_name, c.id, NULL, c.op, NULL, c.ac_date, c.ac_date,
	   pg_catalog.format('%s command %s is %s%s after acDate %s', c.op, c.id, c.state,
						 COALESCE(' (' OPERATOR(pg_catalog.||) c.error OPERATOR(pg_catalog.||) ')', ''),
						 pg_catalog.to_char(pg_catalog.timezone('UTC', c.ac_date), 'YYYY-MM-DD HH24:MI:SS "UTC"'))
  FROM domxfer.registry_commands c
 WHERE c.state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed', 'failed'])
   AND c.ac_date OPERATOR(pg_catalog.<) pg_catalog.now()
UNION ALL
SELECT 'invalid_message', m.transfer_id, m.domain_name, NULL, m.id, NULL, m.tr_status, m.ac_date, m.received_at,
	   pg_catalog.format('SQLSTATE %s: %s', m.sqlstate, m.error)
  FROM domxfer.registry_messages m
 WHERE m.result OPERATOR(pg_catalog.=) 'invalid';

COMMENT ON VIEW domxfer.registry_discrepancies IS 'SPEC §8: where domxfer and the registry disagree or a message could not be used, one row each: outcome_differs, no_outcome_past_ac_date, command_unanswered_past_ac_date, invalid_message';
COMMENT ON COLUMN domxfer.registry_discrepancies.kind IS 'text; outcome_differs (the registry''s outcome is not what a sent command asked for), no_outcome_past_ac_date (registry-managed transfer still pending after acDate), command_unanswered_past_ac_date (a command queued, claimed or failed after acDate), invalid_message (a stored message answered invalid)';
COMMENT ON COLUMN domxfer.registry_discrepancies.transfer_id IS 'bigint; the transfer concerned, if any';
COMMENT ON COLUMN domxfer.registry_discrepancies.domain_name IS 'text; the domain (canonical A-label), if known';
COMMENT ON COLUMN domxfer.registry_discrepancies.command_id IS 'bigint; the registry command concerned (registry_commands.id), if any';
COMMENT ON COLUMN domxfer.registry_discrepancies.message_id IS 'bigint; the registry message concerned (registry_messages.id): the invalid one, or the last one of the transfer';
COMMENT ON COLUMN domxfer.registry_discrepancies.asked IS 'text; what domxfer asked the registry: approve or reject';
COMMENT ON COLUMN domxfer.registry_discrepancies.registry_outcome IS 'text; the transfer''s state after the registry''s outcome (completed, rejected, cancelled), or the trStatus of an invalid message';
COMMENT ON COLUMN domxfer.registry_discrepancies.ac_date IS 'timestamptz; the acDate concerned (RFC 5731): the transfer''s deadline or the command''s';
COMMENT ON COLUMN domxfer.registry_discrepancies.since IS 'timestamptz; since when the discrepancy exists: the outcome''s decided_at, the acDate, or when the message arrived';
COMMENT ON COLUMN domxfer.registry_discrepancies.detail IS 'text; the discrepancy in words (English), with reason codes and UTC instants';

REVOKE EXECUTE ON FUNCTION
	domxfer._tld_policy_registry_columns(),
	domxfer._read_registry_message(text),
	domxfer._registry_outcome(text),
	domxfer._registry_reason(text),
	domxfer._xml_escape(text),
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
GRANT SELECT ON domxfer.registry_commands, domxfer.registry_discrepancies TO domxfer_reader;
-- every column but the content hash (no hash is readable by the reader,
-- even one of a message that holds no secret)
GRANT SELECT (id, received_at, message, authinfo_removed, msgq_id, epp_result_code, xml_namespace,
			  domain_name, tr_status, re_id, re_date, ac_id, ac_date, ex_date, transfer_id, result,
			  sqlstate, error)
	ON domxfer.registry_messages TO domxfer_reader;
GRANT SELECT (registry_managed) ON domxfer.transfers TO domxfer_reader;
GRANT SELECT ON domxfer.registry_messages, domxfer.registry_commands TO domxfer_admin;
-- The background worker's report: new states (database-wide conditions),
-- last_error cleared after a successful pass (issue 12, issue 13 point 9).

COMMENT ON FUNCTION domxfer.worker_status() IS
'One row describing the background worker that decides transfers at their deadline: '
'state (text: not loaded, not started, standby, starting, running, extension not installed, database missing, connections not allowed, restarting, stopped; '
'or a database-wide condition the worker waits out, still connected: read only, disk full, out of memory, too many connections, insufficient resources, '
'lock not available, canceled, cannot connect now, permission denied, operator intervention, system error, connection failure, invalid transaction state, error), '
'pid (integer), database (text), started_at, last_run_at (timestamptz, start of the last successful pass), next_due_at (timestamptz, earliest deadline of an open transfer, as of the last pass), '
'decided_total and failed_total (bigint, since the server started), last_error (text, the last error; NULL again once a pass succeeds with no transfer set aside) and last_error_at (timestamptz, when the last error happened, kept), '
'and the naptime_ms (integer, ms) and batch_size (integer, transfers per transaction) the worker currently uses. Raises nothing; SPEC section 5';

-- The resident auth-code check service (issue 12): long-lived background
-- workers that check auth codes and decide overdue transfers for callers in
-- committed transactions of their own, instead of a process per call. The
-- workers are C code (src/check_service.c), started when domxfer is in
-- shared_preload_libraries; this is their report.

CREATE FUNCTION domxfer.auth_check_status(
	OUT state text,
	OUT database text,
	OUT pool_size integer,
	OUT worker_pids integer[],
	OUT serves_this_database boolean,
	OUT service_checks bigint,
	OUT dynamic_checks bigint,
	OUT service_decisions bigint,
	OUT dynamic_decisions bigint,
	OUT fallback_busy bigint,
	OUT fallback_unavailable bigint,
	OUT group_commits bigint,
	OUT largest_group integer,
	OUT in_flight integer)
RETURNS record
AS 'MODULE_PATHNAME', 'domxfer_auth_check_status'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer.auth_check_status() IS
'One row describing the resident auth-code check service (README "Auth codes", issue 12): '
'state text (not loaded, standby, off, starting, running); database text (domxfer.database, which the service serves); '
'pool_size integer (domxfer.auth_check_workers in effect, workers); worker_pids integer[] (the check workers running); '
'serves_this_database boolean (whether calls from the current database are served by the running service); '
'service_checks and dynamic_checks bigint (auth-code checks committed by the service and by a short-lived background worker, since the server started); '
'service_decisions and dynamic_decisions bigint (overdue transfers decided for a caller, likewise); '
'fallback_busy bigint (requests that found no free request slot, or waited 250 ms unserved, and took a short-lived worker); '
'fallback_unavailable bigint (requests from another database, or while the pool was off or down); '
'group_commits bigint (transactions the service committed; each serves up to 16 requests); largest_group integer (requests, most in one commit); '
'in_flight integer (requests queued or being served now, those of callers that stopped waiting included). All counts NULL when domxfer is not preloaded. Raises nothing';

CREATE VIEW domxfer.auth_check_service AS
SELECT s.state, s.database, s.pool_size, s.worker_pids, s.serves_this_database,
	   s.service_checks, s.dynamic_checks, s.service_decisions, s.dynamic_decisions,
	   s.fallback_busy, s.fallback_unavailable, s.group_commits, s.largest_group, s.in_flight
  FROM domxfer.auth_check_status() s;

COMMENT ON VIEW domxfer.auth_check_service IS 'The row of domxfer.auth_check_status(): the resident auth-code check service and how many checks and decisions each path (service, short-lived worker) served since the server started (README "Auth codes", issue 12)';
COMMENT ON COLUMN domxfer.auth_check_service.state IS 'text: not loaded (domxfer not in shared_preload_libraries), standby (recovery: nothing is served), off (domxfer.auth_check_workers = 0), starting, running';
COMMENT ON COLUMN domxfer.auth_check_service.database IS 'text: domxfer.database, the one database the service serves; calls from others take a short-lived worker';
COMMENT ON COLUMN domxfer.auth_check_service.pool_size IS 'integer, workers: domxfer.auth_check_workers in effect (changed by a reload, SIGHUP)';
COMMENT ON COLUMN domxfer.auth_check_service.worker_pids IS 'integer[]: process ids of the running check workers (backend_type "domxfer check worker")';
COMMENT ON COLUMN domxfer.auth_check_service.serves_this_database IS 'boolean: whether a call from the current database is served by the service (it runs, and this is domxfer.database)';
COMMENT ON COLUMN domxfer.auth_check_service.service_checks IS 'bigint, checks: auth codes compared (and counted if wrong) in a committed transaction of the service, since the server started';
COMMENT ON COLUMN domxfer.auth_check_service.dynamic_checks IS 'bigint, checks: auth codes compared (and counted if wrong) by a short-lived background worker (the fallback), since the server started';
COMMENT ON COLUMN domxfer.auth_check_service.service_decisions IS 'bigint, transfers: overdue transfers a refused call had the service decide, since the server started';
COMMENT ON COLUMN domxfer.auth_check_service.dynamic_decisions IS 'bigint, transfers: overdue transfers a refused call had a short-lived background worker decide, since the server started';
COMMENT ON COLUMN domxfer.auth_check_service.fallback_busy IS 'bigint, requests: requests that found no free slot or waited 250 ms unserved, so took the short-lived worker path';
COMMENT ON COLUMN domxfer.auth_check_service.fallback_unavailable IS 'bigint, requests: requests from another database than domxfer.database, or made while the pool was off or down';
COMMENT ON COLUMN domxfer.auth_check_service.group_commits IS 'bigint, transactions: commits of the service, each serving 1 to 16 requests';
COMMENT ON COLUMN domxfer.auth_check_service.largest_group IS 'integer, requests: the most requests served by one commit';
COMMENT ON COLUMN domxfer.auth_check_service.in_flight IS 'integer, requests: queued or being served now (also those whose caller stopped waiting)';

REVOKE ALL ON FUNCTION domxfer.auth_check_status() FROM PUBLIC;
REVOKE ALL ON domxfer.auth_check_service FROM PUBLIC;
-- monitoring is reporting: domxfer_reader (and so domxfer_app, domxfer_admin)
GRANT EXECUTE ON FUNCTION domxfer.auth_check_status() TO domxfer_reader;
GRANT SELECT ON domxfer.auth_check_service TO domxfer_reader;
-- The resident auth-code check service (issue 12): the new comments of the
-- side-transaction functions of install/50_transfers.sql (the service's own
-- objects come from 85_check_service.sql, a link to the install fragment).

COMMENT ON FUNCTION domxfer._check_auth_code_in_side_transaction(bigint, bytea, text, timestamptz) IS 'Internal: compares a presented auth code in a separate committed transaction that counts a wrong one (domxfer._check_auth_code, run by the resident check service, see domxfer.auth_check_service, else by a short-lived background worker), so the count survives the caller''s 28P01 error; 0 if right, the new failed-attempt count if wrong, NULL if the code identified by salt is no longer current. Raises without any comparison on a standby (25006), when the service cannot take it and no worker slot frees up within 1 s (53000) or the transfer cannot be locked within 1 s (55P03)';
COMMENT ON FUNCTION domxfer._decide_in_side_transaction(bigint, timestamptz) IS 'Internal: decides an overdue transfer in a separate committed transaction (the resident check service, else a short-lived background worker); false if that could not run (always on a standby)';
-- 0.2.0: the deadline is the truth for readers too (SPEC §3 item 5);
-- mirrors install/85_deadline_readers.sql and the views and rdap_domain of
-- install/90_reporting.sql (transfer_report gains decision_recorded, at the
-- end).
CREATE FUNCTION domxfer._due_decision(transfer_id bigint, at timestamptz,
	OUT state domxfer.transfer_state, OUT decided_at timestamptz, OUT outcome_reason text[])
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_domain text;
	v_manual boolean;
	v_deadline timestamptz;
	v_expires timestamptz;
	v_due timestamptz;
	d domxfer.domains;
	v_blockers text[];
BEGIN
	SELECT tr.state, tr.decided_at, tr.outcome_reason, tr.domain_name, tr.manual, tr.deadline,
		   tr.auth_code_expires_at, tr.due_at
	  INTO state, decided_at, outcome_reason, v_domain, v_manual, v_deadline, v_expires, v_due
	  FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) _due_decision.transfer_id;
	IF NOT FOUND OR v_due IS NULL OR v_due OPERATOR(pg_catalog.>) at THEN
		RETURN;					-- not due: the transfer as it is stored
	END IF;
	-- what _decide_due_transfer (and _decide_due_batch) will record
	IF state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN
		state := 'expired';
		decided_at := v_expires;
		outcome_reason := '{auth_code_expired}';
		RETURN;
	END IF;
	SELECT * INTO STRICT d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_domain;
	v_blockers := domxfer._blockers_ignoring_own(d, v_deadline, v_manual);
	decided_at := v_deadline;
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.=) 0 THEN
		state := 'completed';
		outcome_reason := '{auto_approved}';
	ELSE
		state := 'rejected';
		outcome_reason := v_blockers;
	END IF;
END
$$;

COMMENT ON FUNCTION domxfer._due_decision(bigint, timestamptz) IS 'Internal (the readers): a transfer''s state, decided_at and outcome_reason as of "at": for a transfer due by then (a pending one past its deadline, an issued code past its expiry) the decision the worker or process_due_transfers will record, judged by the same rule check (_blockers_ignoring_own at the deadline) without writing; otherwise as stored; NULLs for an unknown id';

-- Inlinable (LANGUAGE sql, one query, not STRICT, no SET): a view that
-- reads FROM it gets the table's columns as plain column references, so the
-- rule functions over d stay inlined and get columns, not a whole row. Two
-- arms, so that the usual row costs nothing extra: the domains without a due
-- transfer as they are stored (the NOT EXISTS runs only for the few rows
-- with an open transfer), and the domains whose open transfer is due (found
-- through the transfers_due index; none when the worker keeps up), joined
-- with the decision, one _due_decision call each. A filter on name, tld or
-- expires_at reaches both arms and their indexes.
CREATE FUNCTION domxfer._domains_as_decided(at timestamptz)
RETURNS SETOF domxfer.domains
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT d.*
	  FROM domxfer.domains AS d
	 WHERE d.open_transfer_id IS NULL
		OR NOT EXISTS (SELECT FROM domxfer.transfers AS t
						WHERE t.id OPERATOR(pg_catalog.=) d.open_transfer_id
						  AND t.due_at OPERATOR(pg_catalog.<=) at)
	UNION ALL
	SELECT d.name,
		   CASE WHEN o.state OPERATOR(pg_catalog.=) 'completed'
				THEN t.gaining_registrar ELSE d.sponsoring_registrar END,
		   d.registered_at,
		   d.expires_at,
		   CASE WHEN o.state OPERATOR(pg_catalog.=) 'completed'
				THEN o.decided_at ELSE d.last_transferred_at END,
		   d.late_renewed_at,
		   CASE WHEN t.state OPERATOR(pg_catalog.=) 'pending'
				THEN d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status
				ELSE d.status END,
		   d.unpaid,
		   d.legal_hold,
		   d.holder_disputed,
		   d.contacts_complete,
		   d.registrant_email,
		   d.real_name_verified,
		   d.uses_registrar_dns,
		   NULL::bigint,
		   d.registrant_changed_at,
		   d.registrant_change_lock_opt_out,
		   d.registrant_email_usable
	  FROM domxfer.transfers AS t
	  JOIN domxfer.domains AS d
		ON d.name OPERATOR(pg_catalog.=) t.domain_name
	   AND d.open_transfer_id OPERATOR(pg_catalog.=) t.id
	 CROSS JOIN LATERAL domxfer._due_decision(t.id, at) AS o
	 WHERE t.due_at OPERATOR(pg_catalog.<=) at;
END;

COMMENT ON FUNCTION domxfer._domains_as_decided(timestamptz) IS 'Internal (the readers): every row of domxfer.domains as it is once the transfers due by "at" are decided: after a completion the gaining registrar sponsors it and last_transferred_at is the deadline; pendingTransfer and open_transfer_id are cleared by any decision (see _due_decision). Inlined into the views';

-- Two arms, so that a filter on a stored column (decided_at's day,
-- domain_name, id) reaches the table's indexes in both: the transfers not
-- due as they are stored, and the due ones (the transfers_due index) with
-- their decision joined in, one _due_decision call each.
CREATE FUNCTION domxfer._transfers_as_decided(at timestamptz)
RETURNS TABLE (id bigint, domain_name text, state domxfer.transfer_state, manual boolean,
			   gaining_registrar text, created_at timestamptz, requested_at timestamptz,
			   deadline timestamptz, decided_at timestamptz, outcome_reason text[],
			   cancel_note text, auth_code_expires_at timestamptz, failed_attempts integer,
			   documents_received_at timestamptz, answer_deadline timestamptz,
			   due_at timestamptz, decision_recorded boolean)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT t.id, t.domain_name, t.state, t.manual, t.gaining_registrar, t.created_at,
		   t.requested_at, t.deadline, t.decided_at, t.outcome_reason, t.cancel_note,
		   t.auth_code_expires_at, t.failed_attempts, t.documents_received_at,
		   t.answer_deadline, t.due_at, true
	  FROM domxfer.transfers AS t
	 WHERE t.due_at IS NULL OR t.due_at OPERATOR(pg_catalog.>) at
	UNION ALL
	SELECT t.id, t.domain_name, o.state, t.manual, t.gaining_registrar, t.created_at,
		   t.requested_at, t.deadline, o.decided_at, o.outcome_reason, t.cancel_note,
		   t.auth_code_expires_at, t.failed_attempts, t.documents_received_at,
		   t.answer_deadline, t.due_at, false
	  FROM domxfer.transfers AS t
	 CROSS JOIN LATERAL domxfer._due_decision(t.id, at) AS o
	 WHERE t.due_at OPERATOR(pg_catalog.<=) at;
END;

COMMENT ON FUNCTION domxfer._transfers_as_decided(timestamptz) IS 'Internal (the readers): every transfer (without its code''s hash and salt) as it is once the transfers due by "at" are decided (state, decided_at, outcome_reason from _due_decision); decision_recorded is false for a due transfer whose decision is not written yet. Inlined into the views';

REVOKE EXECUTE ON FUNCTION
	domxfer._due_decision(bigint, timestamptz),
	domxfer._domains_as_decided(timestamptz),
	domxfer._transfers_as_decided(timestamptz)
FROM PUBLIC;
-- the views run these as the reading role (functions in a view run as the
-- caller), with the rule check the decision uses
GRANT EXECUTE ON FUNCTION
	domxfer._due_decision(bigint, timestamptz),
	domxfer._domains_as_decided(timestamptz),
	domxfer._transfers_as_decided(timestamptz),
	domxfer._blockers_ignoring_own(domxfer.domains, timestamptz, boolean)
TO domxfer_reader;

CREATE OR REPLACE VIEW domxfer.eligibility AS
SELECT d.name,
	   domxfer.domain_to_unicode(d.name) AS unicode_name,
	   domxfer.domain_tld(d.name) AS tld,
	   d.sponsoring_registrar,
	   d.sponsoring_registrar OPERATOR(pg_catalog.=)
		   pg_catalog.current_setting('domxfer.registrar_id', true) AS sponsored_by_us,
	   CAST(d.status AS pg_catalog.text) AS status,
	   d.registered_at,
	   d.expires_at,
	   domxfer._seconds_between(pg_catalog.now(), d.expires_at) OPERATOR(pg_catalog./) 86400
		   AS days_until_expiry,
	   d.last_transferred_at,
	   d.late_renewed_at,
	   domxfer.transfer_out_eligible(d, pg_catalog.now()) AS eligible_now,
	   domxfer.transfer_out_blockers(d, pg_catalog.now()) AS blockers,
	   pg_catalog.array_to_string(domxfer.transfer_out_blockers(d, pg_catalog.now()), ',')
		   AS blockers_text,
	   pg_catalog.cardinality(domxfer.transfer_out_blockers(d, pg_catalog.now()))
		   AS blocker_count,
	   domxfer.transfer_out_warnings(d, pg_catalog.now()) AS warnings,
	   pg_catalog.array_to_string(domxfer.transfer_out_warnings(d, pg_catalog.now()), ',')
		   AS warnings_text,
	   domxfer.transfer_window(d) AS transfer_window,
	   pg_catalog.lower(domxfer.transfer_window(d)) AS window_start,
	   pg_catalog.lower_inc(domxfer.transfer_window(d)) AS window_start_inclusive,
	   pg_catalog.upper(domxfer.transfer_window(d)) AS window_end,
	   pg_catalog.upper_inc(domxfer.transfer_window(d)) AS window_end_inclusive,
	   d.open_transfer_id
  FROM domxfer._domains_as_decided(pg_catalog.now()) AS d;

CREATE OR REPLACE VIEW domxfer.transfer_report AS
SELECT t.id AS transfer_id,
	   t.domain_name,
	   domxfer.domain_to_unicode(t.domain_name) AS unicode_name,
	   domxfer.domain_tld(t.domain_name) AS tld,
	   CAST(t.state AS pg_catalog.text) AS state,
	   t.state OPERATOR(pg_catalog.<) 'completed' AS is_open,
	   t.manual,
	   t.gaining_registrar,
	   t.outcome_reason AS outcome_reasons,
	   pg_catalog.array_to_string(t.outcome_reason, ',') AS outcome_reason,
	   t.cancel_note,
	   t.created_at,
	   t.requested_at,
	   t.deadline,
	   t.decided_at,
	   CAST(pg_catalog.timezone('UTC', t.decided_at) AS pg_catalog.date) AS decided_day,
	   t.auth_code_expires_at,
	   t.failed_attempts,
	   t.documents_received_at,
	   t.answer_deadline,
	   t.requested_at OPERATOR(pg_catalog.-) t.created_at AS time_to_request,
	   domxfer._seconds_between(t.created_at, t.requested_at) AS time_to_request_seconds,
	   domxfer._seconds_between(t.created_at, t.requested_at) OPERATOR(pg_catalog./) 86400
		   AS time_to_request_days,
	   t.decided_at OPERATOR(pg_catalog.-) t.requested_at AS time_to_decision,
	   domxfer._seconds_between(t.requested_at, t.decided_at) AS time_to_decision_seconds,
	   domxfer._seconds_between(t.requested_at, t.decided_at) OPERATOR(pg_catalog./) 86400
		   AS time_to_decision_days,
	   t.decided_at OPERATOR(pg_catalog.-) t.created_at AS duration,
	   domxfer._seconds_between(t.created_at, t.decided_at) AS duration_seconds,
	   domxfer._seconds_between(t.created_at, t.decided_at) OPERATOR(pg_catalog./) 86400
		   AS duration_days,
	   t.decision_recorded
  FROM domxfer._transfers_as_decided(pg_catalog.now()) AS t;

CREATE OR REPLACE VIEW domxfer.daily_transfer_outcomes AS
SELECT CAST(pg_catalog.timezone('UTC', t.decided_at) AS pg_catalog.date) AS day,
	   domxfer.domain_tld(t.domain_name) AS tld,
	   CAST(t.state AS pg_catalog.text) AS state,
	   pg_catalog.count(*) AS transfers
  FROM domxfer._transfers_as_decided(pg_catalog.now()) AS t
 WHERE t.decided_at IS NOT NULL
 GROUP BY 1, 2, 3;

COMMENT ON VIEW domxfer.eligibility IS
	'One row per domain: may it be transferred out now (the transaction''s start), which rules block it, the warnings, and the span of time in which its time rules hold. A domain whose open transfer is past its deadline shows as that transfer''s decision leaves it (the deadline is the truth). For BI tools: every array or range column has a text or timestamptz column beside it';
COMMENT ON VIEW domxfer.transfer_report IS
	'One row per transfer-out attempt: its state and outcome, the gaining registrar, its timestamps and durations (as interval and as numeric seconds and days). A transfer past its deadline (or its code''s expiry) shows as decided, with the outcome its decision records (see decision_recorded). Never shows an auth code or its hash';
COMMENT ON COLUMN domxfer.transfer_report.decision_recorded IS 'False for a transfer past its deadline (or its code''s expiry) whose decision the background worker or process_due_transfers has not written yet: state, outcome and decided_at then show what that decision will record (the deadline is the truth); true otherwise';
COMMENT ON VIEW domxfer.daily_transfer_outcomes IS
	'Transfers-out that ended, counted per UTC calendar day of their outcome (decided_at), TLD and final state; a transfer past its deadline whose decision is not written yet counts as that decision will record it; a filter on day uses an index';

CREATE OR REPLACE FUNCTION domxfer.rdap_domain(name text)
	RETURNS jsonb
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	canonical text := domxfer.normalize_domain(rdap_domain.name);
	d domxfer.domains;
	display text;
	events jsonb;
BEGIN
	-- as it is once a transfer past its deadline is decided (the deadline is the truth)
	SELECT * INTO d FROM domxfer._domains_as_decided(pg_catalog.now()) AS dm
	 WHERE dm.name OPERATOR(pg_catalog.=) canonical;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'domain "%" not found', rdap_domain.name
			USING ERRCODE = 'no_data_found',
				  DETAIL = pg_catalog.format('No row of domxfer.domains has the name %s.',
											 pg_catalog.quote_literal(canonical));
	END IF;

	events := pg_catalog.jsonb_build_array(
		pg_catalog.jsonb_build_object('eventAction', 'registration',
									  'eventDate', domxfer._rfc3339(d.registered_at)),
		pg_catalog.jsonb_build_object('eventAction', 'expiration',
									  'eventDate', domxfer._rfc3339(d.expires_at)));
	IF d.last_transferred_at IS NOT NULL THEN
		events := events OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(
			pg_catalog.jsonb_build_object('eventAction', 'transfer',
										  'eventDate', domxfer._rfc3339(d.last_transferred_at)));
	END IF;

	display := domxfer.domain_to_unicode(d.name);
	RETURN pg_catalog.jsonb_build_object(
		'rdapConformance', pg_catalog.jsonb_build_array('rdap_level_0'),
		'objectClassName', 'domain',
		'ldhName', d.name,
		'status', pg_catalog.to_jsonb(domxfer.rdap_status(d.status)),
		'events', events,
		'entities', pg_catalog.jsonb_build_array(
			pg_catalog.jsonb_build_object('objectClassName', 'entity',
										  'handle', d.sponsoring_registrar,
										  'roles', pg_catalog.jsonb_build_array('registrar'))))
		OPERATOR(pg_catalog.||)
		CASE WHEN display OPERATOR(pg_catalog.=) d.name THEN '{}'::pg_catalog.jsonb
			 ELSE pg_catalog.jsonb_build_object('unicodeName', display) END;
END
$$;
-- The registry link (SPEC §8) and the readers after the deadline
-- (85_deadline_readers.sql): a registry-managed transfer is never decided at
-- its deadline, so the readers show it as stored. This is
-- 85_deadline_readers.sql's _due_decision with that one condition added;
-- keep the two in step.

CREATE OR REPLACE FUNCTION domxfer._due_decision(transfer_id bigint, at timestamptz,
	OUT state domxfer.transfer_state, OUT decided_at timestamptz, OUT outcome_reason text[])
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_domain text;
	v_manual boolean;
	v_deadline timestamptz;
	v_expires timestamptz;
	v_due timestamptz;
	d domxfer.domains;
	v_blockers text[];
	v_registry boolean;
BEGIN
	SELECT tr.state, tr.decided_at, tr.outcome_reason, tr.domain_name, tr.manual, tr.deadline,
		   tr.auth_code_expires_at, tr.due_at, tr.registry_managed
	  INTO state, decided_at, outcome_reason, v_domain, v_manual, v_deadline, v_expires, v_due, v_registry
	  FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) _due_decision.transfer_id;
	-- a registry-managed transfer is decided by the registry (SPEC §8), never at its deadline
	IF NOT FOUND OR v_due IS NULL OR v_due OPERATOR(pg_catalog.>) at OR v_registry THEN
		RETURN;					-- not due: the transfer as it is stored
	END IF;
	-- what _decide_due_transfer (and _decide_due_batch) will record
	IF state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN
		state := 'expired';
		decided_at := v_expires;
		outcome_reason := '{auth_code_expired}';
		RETURN;
	END IF;
	SELECT * INTO STRICT d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_domain;
	v_blockers := domxfer._blockers_ignoring_own(d, v_deadline, v_manual);
	decided_at := v_deadline;
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.=) 0 THEN
		state := 'completed';
		outcome_reason := '{auto_approved}';
	ELSE
		state := 'rejected';
		outcome_reason := v_blockers;
	END IF;
END
$$;

COMMENT ON FUNCTION domxfer._due_decision(bigint, timestamptz) IS 'Internal (the readers): a transfer''s state, decided_at and outcome_reason as of "at": for a transfer due by then (a pending one past its deadline, an issued code past its expiry) the decision the worker or process_due_transfers will record, judged by the same rule check (_blockers_ignoring_own at the deadline) without writing; otherwise, and for a registry-managed transfer (SPEC §8: the registry decides it), as stored; NULLs for an unknown id';
-- domxfer._rfc3339 made inlinable; the same definition as install/90_reporting.sql.
--
-- Its 0.1.0 body had a CASE, which is not strict: PostgreSQL never inlines a
-- STRICT SQL function whose body is not strict, so every call planned the
-- body again (about 25 us; the payload of every notice the outbox trigger
-- writes makes up to five calls). The same text for every instant, NULL
-- for NULL, as before.
CREATE OR REPLACE FUNCTION domxfer._rfc3339(at timestamptz)
	RETURNS text
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	RETURN pg_catalog.to_char(pg_catalog.timezone('UTC', at), 'YYYY-MM-DD"T"HH24:MI:SS')
		OPERATOR(pg_catalog.||)
		pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.to_char(pg_catalog.timezone('UTC', at), '.US'), '0'), '.')
		OPERATOR(pg_catalog.||) 'Z';
-- Guards against easy mistakes of a DBA's first hour (issue 13): names in any
-- spelling, the lifecycle's own columns, the shipped policy rows, by-name
-- forms of the rule functions, a reserved test TLD with a short delay, a
-- dry run of the deadline decision. The same text is the upgrade fragment
-- upgrade/0.1.0--0.2.0/93_guards.sql.

-- 1. Names in any spelling ------------------------------------------------

-- A domain inserted or renamed under its Unicode or upper-case name is
-- stored under its canonical A-label (normalize_domain's 22023 stays).
CREATE FUNCTION domxfer._domains_canonical_name() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NEW.name IS NOT NULL THEN
		NEW.name := domxfer.normalize_domain(NEW.name);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._domains_canonical_name() IS
	'Trigger of domains: stores name as its canonical A-label (normalize_domain), so any spelling can be inserted; invalid names raise 22023 (RFC 5890/5891, UTS #46)';

-- Only for names that cannot be canonical as written (a character outside
-- lower-case LDH, or a trailing dot): the CHECK domains_name_canonical
-- validates the others anyway, with normalize_domain's own 22023.
CREATE TRIGGER domains_canonical_name BEFORE INSERT OR UPDATE OF name ON domxfer.domains
	FOR EACH ROW
	WHEN (NEW.name OPERATOR(pg_catalog.~) '[^a-z0-9.-]|[.]$')
	EXECUTE FUNCTION domxfer._domains_canonical_name();

-- A TLD in any spelling (HK, 香港, .hk) is stored as its A-label; '*' stays.
CREATE FUNCTION domxfer._tld_policy_canonical_tld() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_label text;
	v_detail text;
BEGIN
	IF NEW.tld IS NULL OR NEW.tld OPERATOR(pg_catalog.=) '*' THEN
		RETURN NEW;
	END IF;
	-- one label; a leading or trailing dot (".hk", "hk.") is tolerated
	v_label := pg_catalog.regexp_replace(NEW.tld, '^[.。．｡]|[.。．｡]$', '', 'g');
	IF v_label OPERATOR(pg_catalog.~) '[.。．｡]' THEN
		RAISE EXCEPTION 'invalid TLD "%"', NEW.tld
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A TLD is a single label.',
				  HINT = 'Write the last label only, e.g. hk or 香港; ''*'' is the default row.';
	END IF;
	BEGIN
		NEW.tld := domxfer.domain_tld('x.' OPERATOR(pg_catalog.||) v_label);
	EXCEPTION WHEN invalid_parameter_value THEN
		GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
		RAISE EXCEPTION 'invalid TLD "%"', NEW.tld
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = v_detail,
				  HINT = 'A TLD is checked as the last label of a domain name, as domxfer.normalize_domain() does.';
	END;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_canonical_tld() IS
	'Trigger of tld_policy: stores tld as the A-label of its one label (HK, 香港 and xn--j6w193g all become the A-label); ''*'' is kept; an invalid label raises 22023 with normalize_domain''s message';

-- fires before tld_policy_before_insert (names in order), which must see the canonical key
CREATE TRIGGER tld_policy_a_canonical_tld BEFORE INSERT OR UPDATE OF tld ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_canonical_tld();

-- 2. pendingTransfer and open_transfer_id belong to the lifecycle ---------

-- The lifecycle functions change the transfer first and the domain second,
-- so a legitimate change leaves the domain agreeing with its open transfer:
-- open_transfer_id names it, and pendingTransfer is set exactly while it is
-- pending. Anything else is refused, for every role. The worker's
-- set-based batch changes both in one statement (a trigger could not see
-- its transfers' new state) and checks its rows itself; a restore loads
-- domains before transfers, so an INSERT naming a transfer is accepted
-- while domxfer.transfers is empty.
CREATE FUNCTION domxfer._guard_lifecycle_columns() RETURNS trigger
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_id bigint;
	v_state domxfer.transfer_state;
	v_pending boolean := NEW.status OPERATOR(domxfer.@>) 'pendingTransfer'::domxfer.domain_status;
BEGIN
	SELECT t.id, t.state INTO v_id, v_state FROM domxfer.transfers t
	 WHERE t.domain_name OPERATOR(pg_catalog.=) NEW.name
	   AND t.state OPERATOR(pg_catalog.<) 'completed';
	IF NEW.open_transfer_id IS NOT DISTINCT FROM v_id
	   AND v_pending OPERATOR(pg_catalog.=) (v_state IS NOT DISTINCT FROM 'pending') THEN
		RETURN NEW;
	END IF;
	IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND NEW.open_transfer_id IS NOT NULL
	   AND NOT EXISTS (SELECT FROM domxfer.transfers) THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'pendingTransfer and open_transfer_id of domain "%" are kept by the transfer lifecycle', NEW.name
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = CASE WHEN v_id IS NULL
						   THEN 'The domain has no open transfer: its status cannot include pendingTransfer and open_transfer_id must be NULL.'
						   ELSE pg_catalog.format('Transfer %s is open (%s): open_transfer_id must be %s%s.',
												  v_id, v_state, v_id,
												  CASE WHEN v_state OPERATOR(pg_catalog.=) 'pending'
													   THEN ' and its status must include pendingTransfer'
													   ELSE ' and its status cannot include pendingTransfer' END) END,
			  HINT = CASE WHEN v_id IS NULL
						 THEN 'Start a transfer with domxfer.request_transfer_out() and domxfer.receive_transfer_request(); change the other statuses only.'
						 ELSE pg_catalog.format('End the transfer with domxfer.cancel_transfer_out(%s) or domxfer.approve_transfer_out(%s); change the other statuses only.', v_id, v_id) END;
END
$$;
COMMENT ON FUNCTION domxfer._guard_lifecycle_columns() IS
	'Trigger of domains: refuses (55000) any change of pendingTransfer or open_transfer_id that leaves the domain disagreeing with its open transfer (docs/contract.md section 3: only the lifecycle functions change them)';

CREATE TRIGGER domains_lifecycle_columns_insert BEFORE INSERT ON domxfer.domains
	FOR EACH ROW
	WHEN (NEW.open_transfer_id IS NOT NULL
		  OR NEW.status OPERATOR(domxfer.@>) 'pendingTransfer'::domxfer.domain_status)
	EXECUTE FUNCTION domxfer._guard_lifecycle_columns();
CREATE TRIGGER domains_lifecycle_columns_update BEFORE UPDATE ON domxfer.domains
	FOR EACH ROW
	WHEN ((OLD.open_transfer_id IS DISTINCT FROM NEW.open_transfer_id
		   OR (OLD.status OPERATOR(domxfer.@>) 'pendingTransfer'::domxfer.domain_status)
			  OPERATOR(pg_catalog.<>) (NEW.status OPERATOR(domxfer.@>) 'pendingTransfer'::domxfer.domain_status))
		  AND NOT domxfer._batch_checks_links())
	EXECUTE FUNCTION domxfer._guard_lifecycle_columns();

-- While a transfer is open, the sponsoring registrar changes only when the
-- lifecycle ends it: it marks the transfer completed first, then moves the
-- domain, so the trigger finds no open transfer then. The worker's batch
-- checks its rows itself; a restore only inserts.
CREATE FUNCTION domxfer._guard_sponsor_while_open() RETURNS trigger
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_id bigint;
	v_state domxfer.transfer_state;
BEGIN
	SELECT t.id, t.state INTO v_id, v_state FROM domxfer.transfers t
	 WHERE t.domain_name OPERATOR(pg_catalog.=) ANY (ARRAY[OLD.name, NEW.name])
	   AND t.state OPERATOR(pg_catalog.<) 'completed'
	 ORDER BY t.id LIMIT 1;
	IF v_id IS NULL THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'sponsoring_registrar of domain "%" is kept by the transfer lifecycle while a transfer is open', OLD.name
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = pg_catalog.format('Transfer %s is open (%s): the sponsoring registrar changes only when it completes.', v_id, v_state),
			  HINT = pg_catalog.format('End the transfer with domxfer.cancel_transfer_out(%s) first.', v_id);
END
$$;
COMMENT ON FUNCTION domxfer._guard_sponsor_while_open() IS
	'Trigger of domains: refuses (55000) a change of sponsoring_registrar while the domain has an open transfer (state before completed): only the lifecycle moves the domain, when the transfer completes (docs/contract.md section 3)';

CREATE TRIGGER domains_sponsor_while_open BEFORE UPDATE OF sponsoring_registrar ON domxfer.domains
	FOR EACH ROW
	WHEN (OLD.sponsoring_registrar IS DISTINCT FROM NEW.sponsoring_registrar
		  AND NOT domxfer._batch_checks_links())
	EXECUTE FUNCTION domxfer._guard_sponsor_while_open();
REVOKE EXECUTE ON FUNCTION domxfer._guard_sponsor_while_open() FROM PUBLIC;

-- 3. By-name forms of the rule functions ----------------------------------

CREATE FUNCTION domxfer._domain_by_name(name text) RETURNS domxfer.domains
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_canonical text := domxfer.normalize_domain(_domain_by_name.name);
	v_row domxfer.domains;
BEGIN
	SELECT * INTO v_row FROM domxfer.domains d WHERE d.name OPERATOR(pg_catalog.=) v_canonical;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'domain "%" not found', _domain_by_name.name
			USING ERRCODE = 'no_data_found',
				  DETAIL = pg_catalog.format('No row of domxfer.domains has the name %s.',
											 pg_catalog.quote_literal(v_canonical));
	END IF;
	RETURN v_row;
END
$$;
COMMENT ON FUNCTION domxfer._domain_by_name(text) IS
	'Internal: the domains row of a name in any spelling; 22023 for an invalid name, P0002 (naming it) for an unknown one';

CREATE FUNCTION domxfer.transfer_out_blockers(name text, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	RETURN domxfer.transfer_out_blockers(domxfer._domain_by_name(name), at);
COMMENT ON FUNCTION domxfer.transfer_out_blockers(text, timestamptz) IS
	'text[]: the failing reason codes (section "The rules") of the domain of this name (any spelling) at the instant at; P0002 for an unknown name, 22023 for an invalid one';

CREATE FUNCTION domxfer.transfer_out_warnings(name text, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	RETURN domxfer.transfer_out_warnings(domxfer._domain_by_name(name), at);
COMMENT ON FUNCTION domxfer.transfer_out_warnings(text, timestamptz) IS
	'text[]: the warnings (never blocking) of the domain of this name (any spelling) at the instant at; P0002 for an unknown name, 22023 for an invalid one';

CREATE FUNCTION domxfer.transfer_window(name text)
	RETURNS tstzrange
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	RETURN domxfer.transfer_window(domxfer._domain_by_name(name));
COMMENT ON FUNCTION domxfer.transfer_window(text) IS
	'tstzrange: the instants at which the time rules R2, R3, R4, R6 hold for the domain of this name (any spelling), empty when none; P0002 for an unknown name, 22023 for an invalid one';

-- 4. The shipped policy rows ----------------------------------------------

CREATE FUNCTION domxfer.restore_shipped_policy()
	RETURNS integer
	LANGUAGE plpgsql VOLATILE
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_restored integer := 0;
	v_marked integer := 0;
	v_shipped CONSTANT text[] := ARRAY['*', 'hk', 'xn--j6w193g'];
	v_srr text := pg_catalog.current_setting('session_replication_role');
BEGIN
	-- a row a DBA re-created by hand (shipped = false) becomes the shipped
	-- row, numbers kept; the mark cannot change through a trigger-checked UPDATE
	PERFORM pg_catalog.set_config('session_replication_role', 'replica', true);
	UPDATE domxfer.tld_policy p SET shipped = true
	 WHERE p.tld OPERATOR(pg_catalog.=) ANY (v_shipped) AND NOT p.shipped;
	GET DIAGNOSTICS v_marked = ROW_COUNT;
	PERFORM pg_catalog.set_config('session_replication_role', v_srr, true);

	INSERT INTO domxfer.tld_policy (tld, manual_process, business_time_zone, shipped)
	SELECT v.tld, v.manual, v.zone, true
	  FROM (VALUES ('*', false, 'UTC'), ('hk', true, 'Asia/Hong_Kong'),
				   ('xn--j6w193g', true, 'Asia/Hong_Kong')) AS v(tld, manual, zone)
	 WHERE NOT EXISTS (SELECT FROM domxfer.tld_policy p WHERE p.tld OPERATOR(pg_catalog.=) v.tld);
	GET DIAGNOSTICS v_restored = ROW_COUNT;
	-- tell every session's policy cache (the statement trigger did not fire
	-- for the replica-mode UPDATE)
	UPDATE domxfer.tld_policy p SET tld = p.tld WHERE p.tld OPERATOR(pg_catalog.=) ANY (v_shipped);
	RETURN v_restored OPERATOR(pg_catalog.+) v_marked;
END
$$;
COMMENT ON FUNCTION domxfer.restore_shipped_policy() IS
	'integer: puts back the shipped tld_policy rows (''*'', hk, xn--j6w193g) after a TRUNCATE or DELETE, with their shipped numbers; a row re-created by hand for one of them is kept and marked shipped; returns the rows restored or marked; domxfer_admin only';

-- 5. A reserved test TLD with a short auto-approval delay -----------------

-- The policy's 5-7 days hold for every real TLD. The TLDs RFC 2606 and
-- RFC 6761 reserve for testing and examples can never be registered, so a
-- demo or a staging system may give them a delay in minutes.
ALTER TABLE domxfer.tld_policy
	ADD COLUMN test_auto_approve_minutes integer
		CONSTRAINT tld_policy_test_auto_approve_minutes_reserved
		CHECK (test_auto_approve_minutes IS NULL
			   OR (tld OPERATOR(pg_catalog.=) ANY (ARRAY['test', 'example', 'invalid', 'localhost'])
				   AND test_auto_approve_minutes OPERATOR(pg_catalog.>=) 1
				   AND test_auto_approve_minutes OPERATOR(pg_catalog.<=) 10080));
COMMENT ON COLUMN domxfer.tld_policy.test_auto_approve_minutes IS
	'integer, minutes: for the reserved test TLDs only (test, example, invalid, localhost: RFC 2606, RFC 6761), replaces auto_approve_days (1 to 10080); NULL for every other TLD';

CREATE FUNCTION domxfer._test_tld_deadline() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	p domxfer.tld_policy := domxfer._policy_for(NEW.domain_name);
BEGIN
	-- only the deadline receive_transfer_request computed from the policy
	IF p.test_auto_approve_minutes IS NOT NULL
	   AND NEW.deadline OPERATOR(pg_catalog.=) (NEW.requested_at OPERATOR(pg_catalog.+) domxfer._days(p.auto_approve_days)) THEN
		NEW.deadline := NEW.requested_at
			OPERATOR(pg_catalog.+) pg_catalog.make_interval(mins => p.test_auto_approve_minutes);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._test_tld_deadline() IS
	'Trigger of transfers: a transfer of a reserved test TLD whose policy row sets test_auto_approve_minutes gets that deadline instead of auto_approve_days (RFC 2606, RFC 6761)';

CREATE TRIGGER transfers_test_tld_deadline BEFORE UPDATE ON domxfer.transfers
	FOR EACH ROW
	WHEN (NEW.state OPERATOR(pg_catalog.=) 'pending' AND OLD.state OPERATOR(pg_catalog.<>) 'pending')
	EXECUTE FUNCTION domxfer._test_tld_deadline();

-- 6. The transfer_pending refusal names the open transfer -----------------

CREATE OR REPLACE FUNCTION domxfer._raise_not_eligible(domain_name text, blockers text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_id bigint;
	v_state domxfer.transfer_state;
BEGIN
	IF 'manual_process_required' OPERATOR(pg_catalog.=) ANY (blockers) THEN
		RAISE EXCEPTION 'domain "%" cannot be transferred out now', domain_name
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Failing rules: %s.', pg_catalog.array_to_string(blockers, ', ')),
				  HINT = 'This TLD needs the document-based process: use domxfer.open_manual_transfer().';
	END IF;
	IF 'transfer_pending' OPERATOR(pg_catalog.=) ANY (blockers) THEN
		SELECT t.id, t.state INTO v_id, v_state FROM domxfer.transfers t
		 WHERE t.domain_name OPERATOR(pg_catalog.=) _raise_not_eligible.domain_name
		   AND t.state OPERATOR(pg_catalog.<) 'completed';
		IF v_id IS NOT NULL THEN
			RAISE EXCEPTION 'domain "%" cannot be transferred out now', domain_name
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = pg_catalog.format('Failing rules: %s. Transfer %s is open (%s).',
												 pg_catalog.array_to_string(blockers, ', '), v_id, v_state),
					  HINT = CASE WHEN v_state OPERATOR(pg_catalog.=) 'auth_code_issued'
								 THEN pg_catalog.format('To give the holder a new code, use domxfer.reissue_auth_code(%s); to end it, domxfer.cancel_transfer_out(%s).', v_id, v_id)
								 ELSE pg_catalog.format('It must end first: domxfer.cancel_transfer_out(%s) or, when pending, domxfer.approve_transfer_out(%s).', v_id, v_id) END;
		END IF;
	END IF;
	RAISE EXCEPTION 'domain "%" cannot be transferred out now', domain_name
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = pg_catalog.format('Failing rules: %s.', pg_catalog.array_to_string(blockers, ', '));
END
$$;

-- 7. A dry run of the deadline decision -----------------------------------

-- The decision's own code (domxfer._decide_due_batch) runs in a
-- subtransaction that is then rolled back: what it would decide is read in
-- between, nothing is written (no row, no event, no NOTIFY; only the events
-- sequence advances).
CREATE FUNCTION domxfer.process_due_transfers_dry_run(at timestamptz DEFAULT pg_catalog.now(),
													  max_rows integer DEFAULT 1000)
RETURNS TABLE (transfer_id bigint, domain_name text, from_state domxfer.transfer_state,
			   to_state domxfer.transfer_state, decided_at timestamptz, outcome_reason text[])
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_before jsonb;
	v_after jsonb;
BEGIN
	IF at IS NULL OR max_rows IS NULL THEN
		RAISE EXCEPTION 'at and max_rows must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF max_rows OPERATOR(pg_catalog.<) 1 THEN
		RAISE EXCEPTION 'max_rows must be at least 1' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	BEGIN
		SELECT pg_catalog.jsonb_object_agg(t.id, t.state) INTO v_before
		  FROM domxfer.transfers t
		 WHERE t.due_at OPERATOR(pg_catalog.<=) process_due_transfers_dry_run.at;
		PERFORM domxfer._decide_due_batch(process_due_transfers_dry_run.at, max_rows, '{}');
		SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
				   'id', t.id, 'domain_name', t.domain_name, 'from_state', v_before OPERATOR(pg_catalog.->>) t.id::text,
				   'to_state', t.state, 'decided_at', t.decided_at, 'outcome_reason', t.outcome_reason))
		  INTO v_after
		  FROM domxfer.transfers t
		 WHERE v_before OPERATOR(pg_catalog.?) t.id::text AND t.state OPERATOR(pg_catalog.>=) 'completed';
		RAISE EXCEPTION USING ERRCODE = 'DXDRY';
	EXCEPTION WHEN SQLSTATE 'DXDRY' THEN
		NULL;	-- rolled back: nothing written
	END;
	RETURN QUERY
	SELECT (x OPERATOR(pg_catalog.->>) 'id')::bigint, x OPERATOR(pg_catalog.->>) 'domain_name',
		   (x OPERATOR(pg_catalog.->>) 'from_state')::domxfer.transfer_state,
		   (x OPERATOR(pg_catalog.->>) 'to_state')::domxfer.transfer_state,
		   (x OPERATOR(pg_catalog.->>) 'decided_at')::timestamptz,
		   ARRAY(SELECT pg_catalog.jsonb_array_elements_text(x OPERATOR(pg_catalog.->) 'outcome_reason'))
	  FROM pg_catalog.jsonb_array_elements(COALESCE(v_after, '[]')) AS x
	 ORDER BY 5, 1;
END
$$;
COMMENT ON FUNCTION domxfer.process_due_transfers_dry_run(timestamptz, integer) IS
	'What process_due_transfers(at, max_rows) would decide, computed by the same code and rolled back: one row per transfer with its outcome (to_state, decided_at, outcome_reason text[]); writes nothing; 22004 for NULL, 22023 for max_rows < 1; domxfer_admin only';

COMMENT ON TABLE domxfer.transfers IS 'One row per transfer-out attempt; changed only by the lifecycle functions. domxfer_reader reads every column but auth_code_hash and auth_code_salt, so its SELECT * is refused (42501): name the columns or use domxfer.transfer_report';

-- 8. Roles -----------------------------------------------------------------

REVOKE EXECUTE ON FUNCTION domxfer._domains_canonical_name(), domxfer._tld_policy_canonical_tld(),
	domxfer._guard_lifecycle_columns(), domxfer._domain_by_name(text), domxfer._test_tld_deadline(),
	domxfer.restore_shipped_policy(), domxfer.process_due_transfers_dry_run(timestamptz, integer)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION domxfer._domain_by_name(text) TO domxfer_reader;
-- the WHEN clause of domains_lifecycle_columns_update runs as the updating role
GRANT EXECUTE ON FUNCTION domxfer._batch_checks_links() TO domxfer_reader;
GRANT EXECUTE ON FUNCTION domxfer.restore_shipped_policy(),
	domxfer.process_due_transfers_dry_run(timestamptz, integer) TO domxfer_admin;

-- 9. Tell the installer when the worker will not serve this database ------
-- (A WARNING: PostgreSQL runs extension scripts with client_min_messages
-- raised to warning, so a NOTICE would never reach the installer.)

DO $$
BEGIN
	IF pg_catalog.current_setting('shared_preload_libraries') OPERATOR(pg_catalog.!~) '(^|[ ,])"?domxfer"?($|[ ,])' THEN
		RAISE WARNING 'the domxfer background worker is not running: domxfer is not in shared_preload_libraries'
			USING HINT = 'Decide due transfers with SELECT domxfer.process_due_transfers(), e.g. every minute from pg_cron.';
	ELSIF pg_catalog.current_setting('domxfer.database', true) IS DISTINCT FROM pg_catalog.current_database() THEN
		RAISE WARNING 'the domxfer background worker serves database "%", not "%"',
			pg_catalog.current_setting('domxfer.database', true), pg_catalog.current_database()
			USING HINT = 'Set domxfer.database to this database (server restart), or schedule SELECT domxfer.process_due_transfers() here.';
	END IF;
END
$$;
-- Auth codes kept out of the server log (README, "Log hygiene").
--
-- PostgreSQL logs the statement of every failing call at the default
-- log_min_error_statement = error, and a client that writes the code as a
-- literal puts it in that statement. The functions that take a code (or a
-- registry message, which may carry one in <authInfo><pw>) run with
-- log_min_error_statement = panic: an error raised while they run (any
-- SQLSTATE: a wrong code, an unknown domain, a bad registrar, a lock or
-- statement timeout, a cancel) is logged with its message, DETAIL and
-- CONTEXT (which name the function and line, never argument values) but
-- without the statement. The setting is superuser-only (PGC_SUSET); a
-- SECURITY DEFINER function owned by the superuser that created the
-- extension may set it for any caller, and an internal function owned by
-- that superuser sets it when called from such a function. Kept as
-- ALTER FUNCTION in a fragment of its own, after every fragment that
-- (re)creates these functions, so that no CREATE OR REPLACE drops it.

ALTER FUNCTION domxfer.receive_transfer_request(text, text, text)
	SET log_min_error_statement = panic;
ALTER FUNCTION domxfer._check_auth_code(bigint, bytea, text, timestamptz)
	SET log_min_error_statement = panic;
ALTER FUNCTION domxfer._check_auth_code_in_side_transaction(bigint, bytea, text, timestamptz)
	SET log_min_error_statement = panic;
-- a registry message may carry <authInfo><pw> (its errors: 22004, 54000)
ALTER FUNCTION domxfer.apply_registry_message(text)
	SET log_min_error_statement = panic;
