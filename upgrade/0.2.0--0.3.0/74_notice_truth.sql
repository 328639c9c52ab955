-- Issue 19, finding 6: a notice no longer true when claimed is superseded,
-- not sent. The column and its check that install/75_notices.sql creates,
-- added to a 0.2.0 database before 96_notify.sql adds claimed_by, so the
-- columns stand in the install script's order. The function is
-- 78_notice_truth.sql (a link); claim_notices comes from 96_notify.replace,
-- the two views from 78_notice_truth.replace.

ALTER TABLE domxfer.notices
	ADD COLUMN superseded_at timestamptz,
	ADD CONSTRAINT notices_superseded_keeps_no_code
		CHECK (superseded_at IS NULL OR code_ciphertext IS NULL);

COMMENT ON COLUMN domxfer.notices.superseded_at IS 'timestamptz: when claim_notices() found the notice no longer true (domxfer._notice_still_true: its code was revoked, reissued or expired unused, or its transfer left the state it announces) and superseded it instead of handing it out; such a notice is never given to a mailer (next_attempt_at is infinity, code_ciphertext wiped), is not overdue and is not counted as unsent; sent_at stays NULL unless a mailer that had claimed it earlier reports it sent. NULL otherwise (SPEC §9, issue 19 finding 6)';
COMMENT ON COLUMN domxfer.notices.next_attempt_at IS 'timestamptz: from when claim_notices() may hand it out: created_at at first, the end of the backoff after a failure (and not while claimed_until is in the future); infinity once superseded';

GRANT SELECT (superseded_at) ON domxfer.notices TO domxfer_reader;
