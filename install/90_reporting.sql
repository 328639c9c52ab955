-- Reporting views for BI tools (SPEC §7) and the RDAP domain object.
--
-- The views use only types a BI tool understands: where a column has an
-- array or range type, a plain text or timestamptz column stands beside it.
-- Each view is a plain SELECT (no DISTINCT, no window function) over one
-- table, so the planner flattens it into the query: columns a report does not
-- select are never computed, and a WHERE on a view column reaches the table's
-- indexes. "Now" is the transaction's start (now()), so every row of one
-- report is judged at the same instant. The views read domains and
-- transfers through _domains_as_decided and _transfers_as_decided
-- (86_deadline_readers.sql), inlined SQL functions that show a transfer past
-- its deadline as decided even before the worker has written the decision.

-- Reports by TLD ("the .hk domains", "eligible domains per TLD") filter on
-- domain_tld(name); this index answers such a filter without computing the
-- TLD of every domain.
CREATE INDEX domains_tld_idx ON domxfer.domains (domxfer.domain_tld(name));

-- The daily outcome counts group and filter by the UTC day of decided_at.
CREATE INDEX transfers_decided_day_idx
	ON domxfer.transfers ((CAST(pg_catalog.timezone('UTC', decided_at) AS pg_catalog.date)))
	WHERE decided_at IS NOT NULL;

-- Seconds between two instants, exact (numeric), NULL when either is NULL.
CREATE FUNCTION domxfer._seconds_between(since timestamptz, until timestamptz)
	RETURNS numeric
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN EXTRACT(EPOCH FROM until) OPERATOR(pg_catalog.-) EXTRACT(EPOCH FROM since);
COMMENT ON FUNCTION domxfer._seconds_between(timestamptz, timestamptz) IS
	'Internal: the exact number of seconds from since to until (numeric; negative when until is earlier; NULL when either is NULL)';

CREATE VIEW domxfer.eligibility AS
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

COMMENT ON VIEW domxfer.eligibility IS
	'One row per domain: may it be transferred out now (the transaction''s start), which rules block it, the warnings, and the span of time in which its time rules hold. A domain whose open transfer is past its deadline shows as that transfer''s decision leaves it (the deadline is the truth). For BI tools: every array or range column has a text or timestamptz column beside it';
COMMENT ON COLUMN domxfer.eligibility.name IS 'The domain name, canonical lower-case A-label form (the key of domxfer.domains)';
COMMENT ON COLUMN domxfer.eligibility.unicode_name IS 'The domain name for display, with U-labels (equals name for an all-ASCII name)';
COMMENT ON COLUMN domxfer.eligibility.tld IS 'The top-level domain in A-label form (e.g. com, hk, xn--j6w193g), the key of domxfer.tld_policy; indexed';
COMMENT ON COLUMN domxfer.eligibility.sponsoring_registrar IS 'Identifier of the registrar that sponsors the domain';
COMMENT ON COLUMN domxfer.eligibility.sponsored_by_us IS 'True when the sponsoring registrar is this registrar (the setting domxfer.registrar_id); false after the domain has been transferred out';
COMMENT ON COLUMN domxfer.eligibility.status IS 'The EPP statuses as text, comma-separated in RFC order (e.g. clientHold,clientTransferProhibited; ok when none)';
COMMENT ON COLUMN domxfer.eligibility.registered_at IS 'When the domain was registered';
COMMENT ON COLUMN domxfer.eligibility.expires_at IS 'When the current registration period ends';
COMMENT ON COLUMN domxfer.eligibility.days_until_expiry IS 'Days (of 86,400 s) from now until expires_at, with fraction; negative once expired';
COMMENT ON COLUMN domxfer.eligibility.last_transferred_at IS 'When the last successful registrar transfer took effect; NULL if never';
COMMENT ON COLUMN domxfer.eligibility.late_renewed_at IS 'When the domain was last renewed after expiry or restored from redemption; NULL if never';
COMMENT ON COLUMN domxfer.eligibility.eligible_now IS 'True when every rule R1-R9 holds now, i.e. blockers is empty';
COMMENT ON COLUMN domxfer.eligibility.blockers IS 'Reason codes of the blocking rules (per the TLD''s rule set) that fail now, in the order of the rules table; empty when eligible; meanings in domxfer.reason_codes';
COMMENT ON COLUMN domxfer.eligibility.blockers_text IS 'blockers as one comma-separated text (empty string when eligible), for tools without array support';
COMMENT ON COLUMN domxfer.eligibility.blocker_count IS 'How many rules fail now (0 when eligible)';
COMMENT ON COLUMN domxfer.eligibility.warnings IS 'Codes that never block a transfer: failing rules the TLD''s rule set demotes to warn, then uses_registrar_dns, expires_within_30_days';
COMMENT ON COLUMN domxfer.eligibility.warnings_text IS 'warnings as one comma-separated text (empty string when none), for tools without array support';
COMMENT ON COLUMN domxfer.eligibility.transfer_window IS 'The span of instants in which the blocking time rules among R2, R3, R4, R6 and R10 all hold (tstzrange; empty when none, unbounded on a side no blocking rule limits); see window_start and window_end for tools without range support';
COMMENT ON COLUMN domxfer.eligibility.window_start IS 'Start of transfer_window; NULL when the window is empty';
COMMENT ON COLUMN domxfer.eligibility.window_start_inclusive IS 'True when window_start itself belongs to the window (R2''s "60 days or more"), false when only later instants do (R4''s and R6''s "more than") or the window is empty';
COMMENT ON COLUMN domxfer.eligibility.window_end IS 'End of transfer_window; NULL when the window is empty';
COMMENT ON COLUMN domxfer.eligibility.window_end_inclusive IS 'True when window_end itself belongs to the window (never: R3 needs more than 15 days before expiry)';
COMMENT ON COLUMN domxfer.eligibility.open_transfer_id IS 'The domain''s open transfer-out (see domxfer.transfer_report); NULL when none';

CREATE VIEW domxfer.transfer_report AS
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

COMMENT ON VIEW domxfer.transfer_report IS
	'One row per transfer-out attempt: its state and outcome, the gaining registrar, its timestamps and durations (as interval and as numeric seconds and days). A transfer past its deadline (or its code''s expiry) shows as decided, with the outcome its decision records (see decision_recorded). Never shows an auth code or its hash';
COMMENT ON COLUMN domxfer.transfer_report.transfer_id IS 'Transfer identifier (domxfer.transfers.id)';
COMMENT ON COLUMN domxfer.transfer_report.domain_name IS 'The domain, canonical A-label form';
COMMENT ON COLUMN domxfer.transfer_report.unicode_name IS 'The domain for display, with U-labels';
COMMENT ON COLUMN domxfer.transfer_report.tld IS 'The top-level domain in A-label form';
COMMENT ON COLUMN domxfer.transfer_report.state IS 'awaiting_documents, auth_code_issued, pending (open); completed, cancelled, rejected, expired (final)';
COMMENT ON COLUMN domxfer.transfer_report.is_open IS 'True while the transfer is open (awaiting_documents, auth_code_issued or pending)';
COMMENT ON COLUMN domxfer.transfer_report.manual IS 'True for the document-based process of .hk and .香港';
COMMENT ON COLUMN domxfer.transfer_report.gaining_registrar IS 'The registrar the domain moves to, known once its request arrived; NULL before';
COMMENT ON COLUMN domxfer.transfer_report.outcome_reasons IS 'Why the transfer ended: {auto_approved}, {holder_approved}, {holder_cancelled}, {auth_code_expired}, or the failing reason codes of a rejection; NULL while open';
COMMENT ON COLUMN domxfer.transfer_report.outcome_reason IS 'outcome_reasons as one comma-separated text, for tools without array support; NULL while open';
COMMENT ON COLUMN domxfer.transfer_report.cancel_note IS 'Free text the holder gave with a cancellation';
COMMENT ON COLUMN domxfer.transfer_report.created_at IS 'When the holder asked to transfer out';
COMMENT ON COLUMN domxfer.transfer_report.requested_at IS 'When the gaining registrar''s request with the right auth code arrived; NULL before';
COMMENT ON COLUMN domxfer.transfer_report.deadline IS 'When a pending transfer is decided automatically (requested_at plus the policy''s auto_approve_days)';
COMMENT ON COLUMN domxfer.transfer_report.decided_at IS 'When the outcome took effect (the deadline for an automatic outcome); NULL while open';
COMMENT ON COLUMN domxfer.transfer_report.decided_day IS 'The calendar day of decided_at in UTC (not in the session''s time zone)';
COMMENT ON COLUMN domxfer.transfer_report.auth_code_expires_at IS 'When the last auth code issued for the transfer stops (or stopped) working';
COMMENT ON COLUMN domxfer.transfer_report.failed_attempts IS 'Wrong auth codes received for the current code';
COMMENT ON COLUMN domxfer.transfer_report.documents_received_at IS 'Manual process: when the holder''s documents arrived';
COMMENT ON COLUMN domxfer.transfer_report.answer_deadline IS 'Manual process: the end of the last working day the registrar has to answer';
COMMENT ON COLUMN domxfer.transfer_report.time_to_request IS 'From the holder''s request (created_at) to the gaining registrar''s request (requested_at), as interval (days of 24 hours)';
COMMENT ON COLUMN domxfer.transfer_report.time_to_request_seconds IS 'time_to_request in seconds (numeric)';
COMMENT ON COLUMN domxfer.transfer_report.time_to_request_days IS 'time_to_request in days of 86,400 s (numeric, with fraction)';
COMMENT ON COLUMN domxfer.transfer_report.time_to_decision IS 'From the gaining registrar''s request (requested_at) to the outcome (decided_at), as interval (days of 24 hours)';
COMMENT ON COLUMN domxfer.transfer_report.time_to_decision_seconds IS 'time_to_decision in seconds (numeric)';
COMMENT ON COLUMN domxfer.transfer_report.time_to_decision_days IS 'time_to_decision in days of 86,400 s (numeric, with fraction)';
COMMENT ON COLUMN domxfer.transfer_report.duration IS 'From the holder''s request (created_at) to the outcome (decided_at), as interval (days of 24 hours); NULL while open';
COMMENT ON COLUMN domxfer.transfer_report.duration_seconds IS 'duration in seconds (numeric)';
COMMENT ON COLUMN domxfer.transfer_report.duration_days IS 'duration in days of 86,400 s (numeric, with fraction)';
COMMENT ON COLUMN domxfer.transfer_report.decision_recorded IS 'False for a transfer past its deadline (or its code''s expiry) whose decision the background worker or process_due_transfers has not written yet: state, outcome and decided_at then show what that decision will record (the deadline is the truth); true otherwise';

CREATE VIEW domxfer.daily_transfer_outcomes AS
SELECT CAST(pg_catalog.timezone('UTC', t.decided_at) AS pg_catalog.date) AS day,
	   domxfer.domain_tld(t.domain_name) AS tld,
	   CAST(t.state AS pg_catalog.text) AS state,
	   pg_catalog.count(*) AS transfers
  FROM domxfer._transfers_as_decided(pg_catalog.now()) AS t
 WHERE t.decided_at IS NOT NULL
 GROUP BY 1, 2, 3;

COMMENT ON VIEW domxfer.daily_transfer_outcomes IS
	'Transfers-out that ended, counted per UTC calendar day of their outcome (decided_at), TLD and final state; a transfer past its deadline whose decision is not written yet counts as that decision will record it; a filter on day uses an index';
COMMENT ON COLUMN domxfer.daily_transfer_outcomes.day IS 'The calendar day in UTC (not in the session''s time zone) on which the outcome took effect';
COMMENT ON COLUMN domxfer.daily_transfer_outcomes.tld IS 'The top-level domain in A-label form';
COMMENT ON COLUMN domxfer.daily_transfer_outcomes.state IS 'The final state: completed, cancelled, rejected or expired';
COMMENT ON COLUMN domxfer.daily_transfer_outcomes.transfers IS 'How many transfers ended that day for that TLD in that state';

-- overdue_manual_requests belongs to 65_manual_transfer.sql; its comments are there.

-- RDAP (RFC 9083 §5.3): the domain object of one domain, in one call.

-- An instant in RFC 3339 form in UTC, with a fraction only when there is one.
-- Only strict functions in the body (no CASE): a STRICT SQL function whose
-- body is not strict is never inlined, and then every call plans the body
-- again (about 25 us; a notice's payload makes up to five calls).
-- In C (src/rfc3339.c): two to_char calls per instant were about 20 µs of
-- every notice's payload
CREATE FUNCTION domxfer._rfc3339(at timestamptz)
	RETURNS text
	AS 'MODULE_PATHNAME', 'domxfer_rfc3339'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._rfc3339(timestamptz) IS
	'Internal: an instant as an RFC 3339 date-time in UTC (text: 2025-01-31T12:00:00Z, with a fraction of a second only when it has one, trailing zeros dropped), whatever the session''s TimeZone; NULL for infinity; 22008 out of range (RFC 3339 §5.6)';

CREATE FUNCTION domxfer.rdap_domain(name text)
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
	d := domxfer._domain_row(canonical);
	IF d.name IS NULL THEN
		PERFORM domxfer._raise_unknown_domain(rdap_domain.name, canonical);
	END IF;
	-- as it is once a transfer past its deadline is decided (the deadline is the truth)
	d := domxfer._domain_as_decided(d, pg_catalog.now());

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
COMMENT ON FUNCTION domxfer.rdap_domain(text) IS
	'The RDAP domain object (RFC 9083 §5.3) of a domain given in any spelling: ldhName (A-label), unicodeName (only for an IDN), status (RFC 8056 spellings), events (registration, expiration, transfer), the sponsoring registrar as an entity with role registrar, rdapConformance; an unknown name raises SQLSTATE P0002; NULL for NULL (STRICT)';

-- Comments the other fragments left out: psql's \d+ and BI tools' metadata
-- show a comment for every object of the extension (sql/comments.sql checks).
COMMENT ON OPERATOR FAMILY domxfer.domain_status_ops USING btree IS
	'Operator family of the btree operator class of domxfer.domain_status (a total order of status sets)';
COMMENT ON OPERATOR FAMILY domxfer.domain_status_ops USING hash IS
	'Operator family of the hash operator class of domxfer.domain_status (equality of status sets)';
COMMENT ON SEQUENCE domxfer.transfers_id_seq IS 'Identity sequence of domxfer.transfers.id';
COMMENT ON SEQUENCE domxfer.transfer_events_id_seq IS 'Identity sequence of domxfer.transfer_events.id';

-- Reporting is for domxfer_reader (and so for domxfer_app and domxfer_admin,
-- its members). 70_roles.sql granted the views that existed before this file.
GRANT SELECT ON domxfer.eligibility, domxfer.transfer_report, domxfer.daily_transfer_outcomes
	TO domxfer_reader;
