-- 0.2.0: the deadline is the truth for readers too (SPEC §3 item 5);
-- mirrors install/85_deadline_readers.sql and the views and rdap_domain of
-- install/90_reporting.sql (transfer_report gains decision_recorded, at the
-- end).
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
BEGIN
	SELECT tr.state, tr.decided_at, tr.outcome_reason, tr.domain_name, tr.manual, tr.deadline,
		   tr.auth_code_expires_at, tr.due_at
	  INTO state, decided_at, outcome_reason, v_domain, v_manual, v_deadline, v_expires, v_due
	  FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) _due_decision.transfer_id;
	IF NOT FOUND OR v_due IS NULL OR v_due OPERATOR(pg_catalog.>) at THEN
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

COMMENT ON FUNCTION domxfer._due_decision(bigint, timestamptz) IS 'Internal (the readers): a transfer''s state, decided_at and outcome_reason as of "at": for a transfer due by then (a pending one past its deadline, an issued code past its expiry) the decision the worker or process_due_transfers will record, judged by the same rule check (_blockers_ignoring_own at the deadline) without writing; otherwise as stored; NULLs for an unknown id';

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
	  FROM domxfer.domains AS d
	 WHERE d.open_transfer_id IS NULL
		OR NOT EXISTS (SELECT FROM domxfer.transfers AS t
						WHERE t.id OPERATOR(pg_catalog.=) d.open_transfer_id
						  AND t.due_at OPERATOR(pg_catalog.<=) at)
	UNION ALL
	SELECT d.name,
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
	  JOIN domxfer.domains AS d
		ON d.name OPERATOR(pg_catalog.=) t.domain_name
	   AND d.open_transfer_id OPERATOR(pg_catalog.=) t.id
	 CROSS JOIN LATERAL domxfer._due_decision(t.id, at) AS o
	 WHERE t.due_at OPERATOR(pg_catalog.<=) at;
END;

COMMENT ON FUNCTION domxfer._domains_as_decided(timestamptz) IS 'Internal (the readers): every row of domxfer.domains as it is once the transfers due by "at" are decided: after a completion the gaining registrar sponsors it and last_transferred_at is the deadline; pendingTransfer and open_transfer_id are cleared by any decision (see _due_decision). Inlined into the views';

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
	domxfer._transfers_as_decided(timestamptz)
FROM PUBLIC;
-- the views run these as the reading role (functions in a view run as the
-- caller), with the rule check the decision uses
GRANT EXECUTE ON FUNCTION
	domxfer._due_decision(bigint, timestamptz),
	domxfer._domains_as_decided(timestamptz),
	domxfer._transfers_as_decided(timestamptz),
	domxfer._blockers_ignoring_own(domxfer.domains, timestamptz, boolean)
TO domxfer_reader;

CREATE OR REPLACE VIEW domxfer.eligibility AS
SELECT d.name,
	   domxfer.domain_to_unicode(d.name) AS unicode_name,
	   domxfer.domain_tld(d.name) AS tld,
	   d.sponsoring_registrar,
	   d.sponsoring_registrar OPERATOR(pg_catalog.=)
		   pg_catalog.current_setting('domxfer.registrar_id', true) AS sponsored_by_us,
	   CAST(d.status AS pg_catalog.text) AS status,
	   d.registered_at,
	   d.expires_at,
	   domxfer._seconds_between(pg_catalog.now(), d.expires_at) OPERATOR(pg_catalog./) 86400
		   AS days_until_expiry,
	   d.last_transferred_at,
	   d.late_renewed_at,
	   domxfer.transfer_out_eligible(d, pg_catalog.now()) AS eligible_now,
	   domxfer.transfer_out_blockers(d, pg_catalog.now()) AS blockers,
	   pg_catalog.array_to_string(domxfer.transfer_out_blockers(d, pg_catalog.now()), ',')
		   AS blockers_text,
	   pg_catalog.cardinality(domxfer.transfer_out_blockers(d, pg_catalog.now()))
		   AS blocker_count,
	   domxfer.transfer_out_warnings(d, pg_catalog.now()) AS warnings,
	   pg_catalog.array_to_string(domxfer.transfer_out_warnings(d, pg_catalog.now()), ',')
		   AS warnings_text,
	   domxfer.transfer_window(d) AS transfer_window,
	   pg_catalog.lower(domxfer.transfer_window(d)) AS window_start,
	   pg_catalog.lower_inc(domxfer.transfer_window(d)) AS window_start_inclusive,
	   pg_catalog.upper(domxfer.transfer_window(d)) AS window_end,
	   pg_catalog.upper_inc(domxfer.transfer_window(d)) AS window_end_inclusive,
	   d.open_transfer_id
  FROM domxfer._domains_as_decided(pg_catalog.now()) AS d;

CREATE OR REPLACE VIEW domxfer.transfer_report AS
SELECT t.id AS transfer_id,
	   t.domain_name,
	   domxfer.domain_to_unicode(t.domain_name) AS unicode_name,
	   domxfer.domain_tld(t.domain_name) AS tld,
	   CAST(t.state AS pg_catalog.text) AS state,
	   t.state OPERATOR(pg_catalog.<) 'completed' AS is_open,
	   t.manual,
	   t.gaining_registrar,
	   t.outcome_reason AS outcome_reasons,
	   pg_catalog.array_to_string(t.outcome_reason, ',') AS outcome_reason,
	   t.cancel_note,
	   t.created_at,
	   t.requested_at,
	   t.deadline,
	   t.decided_at,
	   CAST(pg_catalog.timezone('UTC', t.decided_at) AS pg_catalog.date) AS decided_day,
	   t.auth_code_expires_at,
	   t.failed_attempts,
	   t.documents_received_at,
	   t.answer_deadline,
	   t.requested_at OPERATOR(pg_catalog.-) t.created_at AS time_to_request,
	   domxfer._seconds_between(t.created_at, t.requested_at) AS time_to_request_seconds,
	   domxfer._seconds_between(t.created_at, t.requested_at) OPERATOR(pg_catalog./) 86400
		   AS time_to_request_days,
	   t.decided_at OPERATOR(pg_catalog.-) t.requested_at AS time_to_decision,
	   domxfer._seconds_between(t.requested_at, t.decided_at) AS time_to_decision_seconds,
	   domxfer._seconds_between(t.requested_at, t.decided_at) OPERATOR(pg_catalog./) 86400
		   AS time_to_decision_days,
	   t.decided_at OPERATOR(pg_catalog.-) t.created_at AS duration,
	   domxfer._seconds_between(t.created_at, t.decided_at) AS duration_seconds,
	   domxfer._seconds_between(t.created_at, t.decided_at) OPERATOR(pg_catalog./) 86400
		   AS duration_days,
	   t.decision_recorded
  FROM domxfer._transfers_as_decided(pg_catalog.now()) AS t;

CREATE OR REPLACE VIEW domxfer.daily_transfer_outcomes AS
SELECT CAST(pg_catalog.timezone('UTC', t.decided_at) AS pg_catalog.date) AS day,
	   domxfer.domain_tld(t.domain_name) AS tld,
	   CAST(t.state AS pg_catalog.text) AS state,
	   pg_catalog.count(*) AS transfers
  FROM domxfer._transfers_as_decided(pg_catalog.now()) AS t
 WHERE t.decided_at IS NOT NULL
 GROUP BY 1, 2, 3;

COMMENT ON VIEW domxfer.eligibility IS
	'One row per domain: may it be transferred out now (the transaction''s start), which rules block it, the warnings, and the span of time in which its time rules hold. A domain whose open transfer is past its deadline shows as that transfer''s decision leaves it (the deadline is the truth). For BI tools: every array or range column has a text or timestamptz column beside it';
COMMENT ON VIEW domxfer.transfer_report IS
	'One row per transfer-out attempt: its state and outcome, the gaining registrar, its timestamps and durations (as interval and as numeric seconds and days). A transfer past its deadline (or its code''s expiry) shows as decided, with the outcome its decision records (see decision_recorded). Never shows an auth code or its hash';
COMMENT ON COLUMN domxfer.transfer_report.decision_recorded IS 'False for a transfer past its deadline (or its code''s expiry) whose decision the background worker or process_due_transfers has not written yet: state, outcome and decided_at then show what that decision will record (the deadline is the truth); true otherwise';
COMMENT ON VIEW domxfer.daily_transfer_outcomes IS
	'Transfers-out that ended, counted per UTC calendar day of their outcome (decided_at), TLD and final state; a transfer past its deadline whose decision is not written yet counts as that decision will record it; a filter on day uses an index';

CREATE OR REPLACE FUNCTION domxfer.rdap_domain(name text)
	RETURNS jsonb
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	canonical text := domxfer.normalize_domain(rdap_domain.name);
	d domxfer.domains;
	display text;
	events jsonb;
BEGIN
	-- as it is once a transfer past its deadline is decided (the deadline is the truth)
	SELECT * INTO d FROM domxfer._domains_as_decided(pg_catalog.now()) AS dm
	 WHERE dm.name OPERATOR(pg_catalog.=) canonical;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'domain "%" not found', rdap_domain.name
			USING ERRCODE = 'no_data_found',
				  DETAIL = pg_catalog.format('No row of domxfer.domains has the name %s.',
											 pg_catalog.quote_literal(canonical));
	END IF;

	events := pg_catalog.jsonb_build_array(
		pg_catalog.jsonb_build_object('eventAction', 'registration',
									  'eventDate', domxfer._rfc3339(d.registered_at)),
		pg_catalog.jsonb_build_object('eventAction', 'expiration',
									  'eventDate', domxfer._rfc3339(d.expires_at)));
	IF d.last_transferred_at IS NOT NULL THEN
		events := events OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(
			pg_catalog.jsonb_build_object('eventAction', 'transfer',
										  'eventDate', domxfer._rfc3339(d.last_transferred_at)));
	END IF;

	display := domxfer.domain_to_unicode(d.name);
	RETURN pg_catalog.jsonb_build_object(
		'rdapConformance', pg_catalog.jsonb_build_array('rdap_level_0'),
		'objectClassName', 'domain',
		'ldhName', d.name,
		'status', pg_catalog.to_jsonb(domxfer.rdap_status(d.status)),
		'events', events,
		'entities', pg_catalog.jsonb_build_array(
			pg_catalog.jsonb_build_object('objectClassName', 'entity',
										  'handle', d.sponsoring_registrar,
										  'roles', pg_catalog.jsonb_build_array('registrar'))))
		OPERATOR(pg_catalog.||)
		CASE WHEN display OPERATOR(pg_catalog.=) d.name THEN '{}'::pg_catalog.jsonb
			 ELSE pg_catalog.jsonb_build_object('unicodeName', display) END;
END
$$;
