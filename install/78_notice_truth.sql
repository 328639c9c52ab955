-- A notice that is no longer true when a mailer claims it is superseded, not
-- sent (issue 19, finding 6; SPEC §9). claim_notices() asks
-- domxfer._notice_still_true(n) of every notice it is about to hand out and
-- marks the false ones superseded (notices.superseded_at, 75_notices.sql).
--
-- This fragment is also the upgrade's (a link): it only adds the function.

-- One test for every kind: what the notice tells the holder must still hold.
--  * auth_code_issued tells "a code was issued, usable until X". Its code is
--    the transfer's last one (no later event issued another: a reissue, or
--    the .hk approval after it), and that code was either used (the gaining
--    registrar's request arrived: requested_at) or still works (not revoked
--    after 5 wrong attempts, not expired, the transfer still waiting for it).
--    A code revoked, replaced or expired unused, or voided by a cancellation,
--    makes it false.
--  * transfer_requested tells "a transfer is under way; cancel until the
--    deadline": false once the transfer has left pending (its outcome has a
--    notice of its own).
--  * the outcomes (completed, rejected, cancelled, auth_code_expired) are
--    final and stay true.
-- Only columns a notice never changes (kind, transfer_id, event_id) and the
-- transfer's current row and later events are read, so the answer does not
-- depend on the claim's own changes. An SQL-standard body: its names and
-- operators are bound when it is created, so it needs no pinned search_path
-- (and claim_notices, its one caller, pins its own); without a SET clause it
-- costs a mailer's claim no configuration change per notice.
CREATE FUNCTION domxfer._notice_still_true(n domxfer.notices)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (
	SELECT CASE n.kind
		WHEN 'auth_code_issued' THEN
			NOT EXISTS (SELECT FROM domxfer.transfer_events e
						 WHERE e.transfer_id OPERATOR(pg_catalog.=) n.transfer_id
						   AND e.id OPERATOR(pg_catalog.>) n.event_id
						   AND domxfer._notice_kind(e.from_state, e.to_state, e.detail)
							   OPERATOR(pg_catalog.=) 'auth_code_issued'::domxfer.notice_kind)
			AND (t.requested_at IS NOT NULL
				 OR (t.state OPERATOR(pg_catalog.=) 'auth_code_issued'::domxfer.transfer_state
					 AND t.auth_code_hash IS NOT NULL
					 AND t.auth_code_expires_at OPERATOR(pg_catalog.>) pg_catalog.now()))
		WHEN 'transfer_requested' THEN
			t.state OPERATOR(pg_catalog.=) 'pending'::domxfer.transfer_state
		ELSE true
	END
	  FROM domxfer.transfers t
	 WHERE t.id OPERATOR(pg_catalog.=) n.transfer_id);

COMMENT ON FUNCTION domxfer._notice_still_true(domxfer.notices) IS 'Internal: boolean, whether what a notice tells the holder is still so now (claim_notices supersedes it otherwise): auth_code_issued while its code is the transfer''s last and was used or still works (false once revoked, reissued, expired unused or voided by a cancellation); transfer_requested while the transfer is pending; the outcomes always; NULL (never superseded, as unknown) if the transfer row is gone. Raises nothing (SPEC §9; issue 19 finding 6)';

REVOKE EXECUTE ON FUNCTION domxfer._notice_still_true(domxfer.notices) FROM PUBLIC;
