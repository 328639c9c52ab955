-- The deadline is the truth for readers too (SPEC §3 item 5). Between a
-- transfer's due instant (a pending transfer's deadline, an issued code's
-- expiry) and the pass of the background worker or process_due_transfers
-- that writes its decision, the readers (eligibility, transfer_report,
-- daily_transfer_outcomes, rdap_domain) show the transfer as decided, with
-- the outcome that decision will record. They get it from _due_decision,
-- which judges the domain with the function the decision itself uses
-- (_blockers_ignoring_own at the deadline), without writing anything.

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
	d := domxfer._domain_row(v_domain);
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

-- One domain as the readers show it: as _domains_as_decided shows its row,
-- for the by-name functions and rdap_domain, which read one domain by its
-- name through _domain_row (an index lookup in any source).
CREATE FUNCTION domxfer._domain_as_decided(d domxfer.domains, at timestamptz)
RETURNS domxfer.domains
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_state domxfer.transfer_state;
	v_gaining text;
	o record;
BEGIN
	IF d.open_transfer_id IS NULL THEN
		RETURN d;
	END IF;
	-- the columns domxfer_reader may read (never the code's hash)
	SELECT tr.state, tr.gaining_registrar INTO v_state, v_gaining FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) d.open_transfer_id
	   AND tr.due_at OPERATOR(pg_catalog.<=) at;
	IF NOT FOUND THEN
		RETURN d;
	END IF;
	o := domxfer._due_decision(d.open_transfer_id, at);
	IF o.state OPERATOR(pg_catalog.=) 'completed' THEN
		d.sponsoring_registrar := v_gaining;
		d.last_transferred_at := o.decided_at;
	END IF;
	IF v_state OPERATOR(pg_catalog.=) 'pending' THEN
		d.status := d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status;
	END IF;
	d.open_transfer_id := NULL;
	RETURN d;
END
$$;

COMMENT ON FUNCTION domxfer._domain_as_decided(domxfer.domains, timestamptz) IS 'Internal (the readers): one domain row as it is once its transfer due by "at" is decided, exactly as _domains_as_decided shows it (the same overlay for one row)';

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
	  FROM domxfer.domain_rows AS d
	 WHERE d.open_transfer_id IS NULL
		OR NOT EXISTS (SELECT FROM domxfer.transfers AS t
						WHERE t.id OPERATOR(pg_catalog.=) d.open_transfer_id
						  AND t.due_at OPERATOR(pg_catalog.<=) at)
	UNION ALL
	SELECT t.domain_name,
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
	 CROSS JOIN LATERAL domxfer._domain_row(t.domain_name) AS d
	 CROSS JOIN LATERAL domxfer._due_decision(t.id, at) AS o
	 WHERE t.due_at OPERATOR(pg_catalog.<=) at
	   AND d.open_transfer_id OPERATOR(pg_catalog.=) t.id;
END;

COMMENT ON FUNCTION domxfer._domains_as_decided(timestamptz) IS 'Internal (the readers): every domain (domxfer.domain_rows: domxfer.domains or the attached source) as it is once the transfers due by "at" are decided: after a completion the gaining registrar sponsors it and last_transferred_at is the deadline; pendingTransfer and open_transfer_id are cleared by any decision (see _due_decision). Inlined into the views';

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
	domxfer._domain_as_decided(domxfer.domains, timestamptz),
	domxfer._transfers_as_decided(timestamptz)
FROM PUBLIC;
-- the views run these as the reading role (functions in a view run as the
-- caller), with the rule check the decision uses
GRANT EXECUTE ON FUNCTION
	domxfer._due_decision(bigint, timestamptz),
	domxfer._domains_as_decided(timestamptz),
	domxfer._domain_as_decided(domxfer.domains, timestamptz),
	domxfer._transfers_as_decided(timestamptz),
	domxfer._blockers_ignoring_own(domxfer.domains, timestamptz, boolean)
TO domxfer_reader;
