-- The transfer lifecycle (SPEC §3), continued: step 7, the document-based
-- process of .hk and .香港 (working days, documents, approval) and the view
-- of overdue answers. The conventions of the lifecycle fragments are at the
-- top of 60_lifecycle_helpers.sql.

CREATE FUNCTION domxfer._add_working_days(start timestamptz, n integer, time_zone text, tld text)
RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_day date := pg_catalog.timezone(time_zone, start)::date;
	v_counted integer := 0;
	v_steps integer := 0;
BEGIN
	WHILE v_counted OPERATOR(pg_catalog.<) n LOOP
		v_day := v_day OPERATOR(pg_catalog.+) 1;
		v_steps := v_steps OPERATOR(pg_catalog.+) 1;
		IF v_steps OPERATOR(pg_catalog.>) 3660 THEN
			RAISE EXCEPTION 'no % working days within ten years after %', n, start
				USING ERRCODE = 'data_exception',
					  HINT = 'Check domxfer.holidays.';
		END IF;
		IF pg_catalog.date_part('isodow', v_day) OPERATOR(pg_catalog.<) 6
		   AND NOT EXISTS (SELECT FROM domxfer.holidays h
							WHERE h.day OPERATOR(pg_catalog.=) v_day
							  AND h.tld OPERATOR(pg_catalog.=) ANY (ARRAY[_add_working_days.tld, '*'])) THEN
			v_counted := v_counted OPERATOR(pg_catalog.+) 1;
		END IF;
	END LOOP;
	-- the end of the last working day: midnight at its end, local time
	RETURN pg_catalog.timezone(time_zone, (v_day OPERATOR(pg_catalog.+) 1)::timestamp);
END
$$;

COMMENT ON FUNCTION domxfer._add_working_days(timestamptz, integer, text, text) IS 'Internal: the end (local midnight) of the n-th working day (Monday to Friday, not in domxfer.holidays for the TLD or ''*'') after the local calendar day of "start", in time zone time_zone';

-- Lifecycle step 7: the document-based process of .hk and .香港

CREATE FUNCTION domxfer.open_manual_transfer(name text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	v_name text := domxfer._known_domain(name);
	v_open bigint;
	d domxfer.domains;
	v_blockers text[];
	t domxfer.transfers;
BEGIN
	IF NOT (domxfer._policy_for(v_name)).manual_process THEN
		RAISE EXCEPTION 'domain "%" does not use the manual transfer process', domxfer._shown_name(v_name)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Use domxfer.request_transfer_out().';
	END IF;
	v_open := (domxfer._domain_row(v_name)).open_transfer_id;
	IF v_open IS NOT NULL THEN
		PERFORM domxfer._settle_transfer(v_open, v_now);
	END IF;

	d := domxfer._domain_locked(v_name);
	v_blockers := pg_catalog.array_remove(COALESCE(domxfer.transfer_out_blockers(d, v_now), ARRAY['status_unreadable']::text[]),
										  'manual_process_required');
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(v_name, v_blockers);
	END IF;

	INSERT INTO domxfer.transfers (domain_name, state, manual, created_at)
	VALUES (v_name, 'awaiting_documents', true, v_now)
	RETURNING * INTO t;
	PERFORM domxfer._domain_transfer_opened(v_name, t.id);
	PERFORM domxfer._log_transfer_event(t, NULL, pg_catalog.jsonb_build_object('action', 'manual_requested'));
	RETURN t.id;
END
$$;

COMMENT ON FUNCTION domxfer.open_manual_transfer(text) IS 'Lifecycle step 7 (.hk, .香港): opens a transfer in state awaiting_documents; the domain must pass every rule but R9';

CREATE FUNCTION domxfer.record_documents_received(transfer_id bigint)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
	v_policy domxfer.tld_policy;
BEGIN
	IF t.state OPERATOR(pg_catalog.<>) 'awaiting_documents' THEN
		PERFORM domxfer._raise_wrong_state(t, 'record documents');
	END IF;
	IF t.documents_received_at IS NOT NULL THEN
		RAISE EXCEPTION 'documents were already recorded for this transfer'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('The documents of transfer %s arrived at %s; the answer is due by %s.',
											 t.id, domxfer._utc_text(t.documents_received_at),
											 domxfer._utc_text(t.answer_deadline));
	END IF;
	v_policy := domxfer._policy_for(t.domain_name);
	UPDATE domxfer.transfers tr
	   SET documents_received_at = v_now,
		   answer_deadline = domxfer._add_working_days(v_now, v_policy.manual_answer_working_days,
													   v_policy.business_time_zone,
													   domxfer.domain_tld(t.domain_name))
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	RETURNING * INTO t;
	PERFORM domxfer._log_transfer_event(t, t.state,
		pg_catalog.jsonb_build_object('action', 'documents_received', 'answer_deadline', t.answer_deadline));
	RETURN t.answer_deadline;
END
$$;

COMMENT ON FUNCTION domxfer.record_documents_received(bigint) IS 'Lifecycle step 7: records that the holder''s documents arrived and returns the answer deadline: the end of the policy''s manual_answer_working_days-th working day after the arrival day, in the TLD''s business_time_zone';

CREATE FUNCTION domxfer.approve_manual_transfer(transfer_id bigint)
RETURNS text
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
	IF t.state OPERATOR(pg_catalog.<>) 'awaiting_documents' THEN
		PERFORM domxfer._raise_wrong_state(t, 'approve the manual transfer');
	END IF;
	IF t.documents_received_at IS NULL THEN
		RAISE EXCEPTION 'cannot approve the manual transfer: no documents have been recorded'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s is awaiting documents.', t.id),
				  HINT = 'Call domxfer.record_documents_received() when the holder''s documents arrive.';
	END IF;
	d := domxfer._domain_locked(t.domain_name);
	v_blockers := domxfer._blockers_ignoring_own(d, v_now, true);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(t.domain_name, v_blockers);
	END IF;
	RETURN domxfer._issue_auth_code(t, v_now, 'documents_approved');
END
$$;

COMMENT ON FUNCTION domxfer.approve_manual_transfer(bigint) IS 'Lifecycle step 7: approves the documents of a manual transfer, issues its auth code (returned once) and continues at step 2';

CREATE VIEW domxfer.overdue_manual_requests AS
SELECT t.id AS transfer_id,
	   t.domain_name,
	   domxfer.domain_to_unicode(t.domain_name) AS unicode_name,
	   t.created_at,
	   t.documents_received_at,
	   t.answer_deadline,
	   pg_catalog.now() OPERATOR(pg_catalog.-) t.answer_deadline AS overdue_by
  FROM domxfer.transfers t
 WHERE t.state OPERATOR(pg_catalog.=) 'awaiting_documents'
   AND t.answer_deadline OPERATOR(pg_catalog.<) pg_catalog.now();

COMMENT ON VIEW domxfer.overdue_manual_requests IS 'Manual (.hk, .香港) transfer requests whose documents arrived but were not answered by the answer deadline';
COMMENT ON COLUMN domxfer.overdue_manual_requests.transfer_id IS 'The transfer';
COMMENT ON COLUMN domxfer.overdue_manual_requests.domain_name IS 'The domain (A-label)';
COMMENT ON COLUMN domxfer.overdue_manual_requests.unicode_name IS 'The domain for display (Unicode)';
COMMENT ON COLUMN domxfer.overdue_manual_requests.created_at IS 'When the holder asked to transfer out';
COMMENT ON COLUMN domxfer.overdue_manual_requests.documents_received_at IS 'When the documents arrived';
COMMENT ON COLUMN domxfer.overdue_manual_requests.answer_deadline IS 'When the answer was due';
COMMENT ON COLUMN domxfer.overdue_manual_requests.overdue_by IS 'How long past the answer deadline it is now';

REVOKE EXECUTE ON FUNCTION
	domxfer._add_working_days(timestamptz, integer, text, text),
	domxfer.open_manual_transfer(text),
	domxfer.record_documents_received(bigint),
	domxfer.approve_manual_transfer(bigint)
FROM PUBLIC;
