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
