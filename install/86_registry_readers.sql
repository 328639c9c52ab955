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
