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
