-- The registry link (SPEC §8), its outcome code new in 0.3.0 (the other
-- registry_* outcome codes are in 36_outcome_codes.sql): a fragment of its
-- own so that the 0.2.0 -> 0.3.0 upgrade links it instead of copying it.

INSERT INTO domxfer.reason_codes (code, kind, rule, bit, meaning_en, meaning_zh) VALUES
	('registry_superseded', 'outcome', NULL, NULL,
	 'the registry sent a notice for a newer transfer request of the domain; its outcome for this one was not seen', '注册局已通知该域名有更新的转移申请，本次申请的结果未收到');
