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
