-- Issue 19, finding 6: a notice no longer true when claimed is superseded,
-- not sent. The column and its check that install/73_notices.sql creates,
-- added to a 0.2.0 database before 94_notify.sql adds claimed_by, so the
-- columns stand in the install script's order. The function is
-- 78_notice_truth.sql (a link); claim_notices comes from 94_notify.replace,
-- the two views from 78_notice_truth.replace.

ALTER TABLE domxfer.notices
	ADD COLUMN superseded_at timestamptz,
	ADD CONSTRAINT notices_superseded_keeps_no_code
		CHECK (superseded_at IS NULL OR code_ciphertext IS NULL);


GRANT SELECT (superseded_at) ON domxfer.notices TO domxfer_reader;
