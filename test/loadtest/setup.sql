-- make loadtest: the data set, the application role and the helpers the
-- pgbench scripts call (run by scripts/run-loadtest.sh as a superuser in the
-- load-test database, after CREATE EXTENSION domxfer).
--
-- psql variables: eligible, ineligible, hk (how many domains of each kind),
-- registrar (the setting domxfer.registrar_id of the server).
--
-- Domains: d1.loadtest .. d<eligible>.loadtest can be transferred out (the
-- first 2,000 have their "unpaid" flag toggled during the run, so some
-- pending transfers are rejected at their deadline);
-- d<eligible+1>.loadtest .. d<eligible+ineligible>.loadtest each fail one
-- rule; h1.hk .. h<hk>.hk need the manual process.
--
-- The helpers run as the application role (SECURITY INVOKER). Each catches
-- only the SQLSTATEs its operation is expected to give under concurrency
-- (55000 not eligible / wrong state, 28P01 wrong or used code) and records
-- the outcome in loadtest.op_log, in the same transaction as the operation,
-- so the log agrees with the data even across a crash. Any other error
-- propagates and aborts the pgbench client, which fails the load test.

\set ON_ERROR_STOP 1

CREATE SCHEMA loadtest;
COMMENT ON SCHEMA loadtest IS 'make loadtest: helpers and logs of the load test (not part of the extension)';

-- The test TLD: shortest auto-approval the policy accepts (5 days: the
-- time-warp script brings deadlines into the run), codes valid for a day,
-- and no 60-day wait after a transfer, so a domain that came back (see
-- loadtest.win_back) can leave again during the run.
INSERT INTO domxfer.tld_policy (tld, auto_approve_days, auth_code_lifetime_days, min_days_after_transfer)
VALUES ('loadtest', 5, 1, 0);
UPDATE domxfer.tld_policy SET min_days_after_transfer = 0 WHERE tld = 'hk';

CREATE FUNCTION loadtest.domain(i integer) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN 'd' || i || '.loadtest';
COMMENT ON FUNCTION loadtest.domain(integer) IS 'The name of load-test domain number i';

CREATE FUNCTION loadtest.hk_domain(i integer) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN 'h' || i || '.hk';
COMMENT ON FUNCTION loadtest.hk_domain(integer) IS 'The name of .hk load-test domain number i';

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at,
							 registrant_email, uses_registrar_dns)
SELECT loadtest.domain(i), :'registrar', now() - interval '400 days', now() + interval '400 days',
	   CASE WHEN i % 3 = 0 THEN now() - interval '200 days' END,
	   'holder' || i || '@example.org', i % 5 = 0
  FROM generate_series(1, :eligible) AS i;

-- one failing rule each, in turn
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, status, unpaid,
							 legal_hold, holder_disputed, contacts_complete, registrant_email)
SELECT loadtest.domain(:eligible + i),
	   CASE WHEN k = 0 THEN 'other-registrar' ELSE :'registrar' END,
	   now() - CASE WHEN k = 1 THEN interval '10 days' ELSE interval '400 days' END,
	   now() + CASE WHEN k = 2 THEN interval '10 days' ELSE interval '400 days' END,
	   CASE WHEN k = 3 THEN 'clientTransferProhibited' WHEN k = 4 THEN 'pendingDelete' ELSE 'ok' END::domxfer.domain_status,
	   k = 5, k = 6, k = 7, k <> 8,
	   CASE WHEN k = 9 THEN 'not an address' ELSE 'holder@example.org' END
  FROM generate_series(1, :ineligible) AS i, LATERAL (SELECT i % 10 AS k) AS kind;

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT loadtest.hk_domain(i), :'registrar', now() - interval '400 days', now() + interval '400 days',
	   'holder@example.hk'
  FROM generate_series(1, :hk) AS i;

-- What the sponsorship of every domain was before the run (the invariants
-- replay completed transfers and win-backs on top of it).
CREATE TABLE loadtest.initial_domains AS
SELECT name, sponsoring_registrar, last_transferred_at FROM domxfer.domains;
ALTER TABLE loadtest.initial_domains ADD PRIMARY KEY (name);
COMMENT ON TABLE loadtest.initial_domains IS 'Sponsor and last transfer time of every domain before the load';

CREATE TABLE loadtest.op_log (
	op text NOT NULL,
	outcome text NOT NULL
);
COMMENT ON TABLE loadtest.op_log IS 'One row per committed operation of the load: what it was and how it ended (ok, or the expected SQLSTATE and why)';

CREATE TABLE loadtest.win_backs (
	domain_name text NOT NULL,
	at timestamptz NOT NULL,
	from_registrar text NOT NULL
);
COMMENT ON TABLE loadtest.win_backs IS 'Domains that came back to this registrar (a transfer in, made by loadtest.win_back): a legitimate later change of sponsor and last_transferred_at';

CREATE TABLE loadtest.warps (
	transfer_id bigint NOT NULL,
	state domxfer.transfer_state NOT NULL,
	old_due timestamptz NOT NULL,
	new_due timestamptz NOT NULL
);
COMMENT ON TABLE loadtest.warps IS 'Test-only time warps: deadlines and code expiries moved to a few seconds ahead so they fall due during the run';

-- The outcome text of an expected error: SQLSTATE and the gist of DETAIL.
CREATE FUNCTION loadtest.outcome(sqlstate text, detail text) RETURNS text
	LANGUAGE sql IMMUTABLE
	RETURN sqlstate || ' ' || coalesce(regexp_replace(regexp_replace(detail, '^Failing rules: (.*)\.$', '\1'),
												   '[0-9]+', 'N', 'g'), '');
COMMENT ON FUNCTION loadtest.outcome(text, text) IS 'Outcome label of an expected error: SQLSTATE plus its DETAIL with numbers masked';

CREATE FUNCTION loadtest.log(op text, outcome text) RETURNS text
	LANGUAGE sql
	BEGIN ATOMIC
		INSERT INTO loadtest.op_log VALUES (op, outcome);
		SELECT outcome;
	END;
COMMENT ON FUNCTION loadtest.log(text, text) IS 'Records an operation''s outcome and returns it';

-- request_transfer_out on domain i; the code is thrown away (the holder never
-- passes it on: the transfer waits until cancelled or its code expires).
CREATE FUNCTION loadtest.request(i integer) RETURNS text
	LANGUAGE plpgsql AS
$$
DECLARE
	v_detail text;
BEGIN
	PERFORM domxfer.request_transfer_out(loadtest.domain(i));
	RETURN loadtest.log('request', 'ok');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
	RETURN loadtest.log('request', loadtest.outcome('55000', v_detail));
END
$$;
COMMENT ON FUNCTION loadtest.request(integer) IS 'request_transfer_out of domain i; 55000 (not eligible) is expected';

-- request_transfer_out on domain i, returning the code to the script (which
-- passes it to loadtest.receive in its next, separate transaction);
-- transfer_id 0 when the domain is not eligible.
CREATE FUNCTION loadtest.request_for_receive(i integer, OUT transfer_id bigint, OUT auth_code text)
	LANGUAGE plpgsql AS
$$
DECLARE
	v_detail text;
BEGIN
	SELECT r.transfer_id, r.auth_code INTO transfer_id, auth_code
	  FROM domxfer.request_transfer_out(loadtest.domain(i)) AS r;
	PERFORM loadtest.log('request_for_receive', 'ok');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
	PERFORM loadtest.log('request_for_receive', loadtest.outcome('55000', v_detail));
	transfer_id := 0;
	auth_code := '';
END
$$;
COMMENT ON FUNCTION loadtest.request_for_receive(integer) IS 'request_transfer_out of domain i returning the code; transfer_id 0 if not eligible (55000)';

-- The gaining registrar's request with the code the holder passed on. Between
-- the two transactions another client may cancel the transfer, a time warp
-- may expire the code, wrong codes may revoke it (28P01), or the domain may
-- have become unpaid (55000).
CREATE FUNCTION loadtest.receive(i integer, auth_code text, registrar integer) RETURNS text
	LANGUAGE plpgsql AS
$$
DECLARE
	v_detail text;
BEGIN
	PERFORM domxfer.receive_transfer_request(loadtest.domain(i), auth_code, 'gainer-' || registrar);
	RETURN loadtest.log('receive_right_code', 'ok');
EXCEPTION
	WHEN invalid_password THEN
		GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
		RETURN loadtest.log('receive_right_code', loadtest.outcome('28P01', v_detail));
	WHEN object_not_in_prerequisite_state THEN
		GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
		RETURN loadtest.log('receive_right_code', loadtest.outcome('55000', v_detail));
END
$$;
COMMENT ON FUNCTION loadtest.receive(integer, text, integer) IS 'receive_transfer_request with the right code; 28P01 and 55000 are expected only when another client got there first';

-- A gaining registrar guessing the code of a domain in transfer: the first
-- domain from number i on (in name order) with an open transfer gets a
-- random code; always 28P01.
CREATE FUNCTION loadtest.receive_wrong_code(i integer, registrar integer) RETURNS text
	LANGUAGE plpgsql AS
$$
DECLARE
	v_name text;
	v_detail text;
BEGIN
	SELECT d.name INTO v_name FROM domxfer.domains d
	 WHERE d.name >= loadtest.domain(i) AND d.open_transfer_id IS NOT NULL
	 ORDER BY d.name LIMIT 1;
	PERFORM domxfer.receive_transfer_request(coalesce(v_name, loadtest.domain(i)), left(md5(random()::text), 22),
											 'gainer-' || registrar);
	RAISE EXCEPTION 'a random auth code was accepted for domain %', v_name;
EXCEPTION WHEN invalid_password THEN
	GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
	RETURN loadtest.log('receive_wrong_code', loadtest.outcome('28P01', v_detail));
END
$$;
COMMENT ON FUNCTION loadtest.receive_wrong_code(integer, integer) IS 'receive_transfer_request with a random code; only 28P01 is expected';

-- The holder cancels the open transfer of domain i, if it has one.
CREATE FUNCTION loadtest.cancel(i integer) RETURNS text
	LANGUAGE plpgsql AS
$$
DECLARE
	v_id bigint;
	v_detail text;
BEGIN
	SELECT open_transfer_id INTO v_id FROM domxfer.domains WHERE name = loadtest.domain(i);
	IF v_id IS NULL THEN
		RETURN loadtest.log('cancel', 'no open transfer');
	END IF;
	PERFORM domxfer.cancel_transfer_out(v_id, 'load test');
	RETURN loadtest.log('cancel', 'ok');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
	RETURN loadtest.log('cancel', loadtest.outcome('55000', v_detail));
END
$$;
COMMENT ON FUNCTION loadtest.cancel(integer) IS 'cancel_transfer_out of domain i''s open transfer; 55000 is expected when it was decided meanwhile';

-- The holder approves the pending transfer of domain i early, if it has one.
CREATE FUNCTION loadtest.approve(i integer) RETURNS text
	LANGUAGE plpgsql AS
$$
DECLARE
	v_id bigint;
	v_state domxfer.transfer_state;
	v_detail text;
BEGIN
	SELECT t.id, t.state INTO v_id, v_state
	  FROM domxfer.domains d JOIN domxfer.transfers t ON t.id = d.open_transfer_id
	 WHERE d.name = loadtest.domain(i);
	IF v_id IS NULL OR v_state <> 'pending' THEN
		RETURN loadtest.log('approve', 'no pending transfer');
	END IF;
	PERFORM domxfer.approve_transfer_out(v_id);
	RETURN loadtest.log('approve', 'ok');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
	RETURN loadtest.log('approve', loadtest.outcome('55000', v_detail));
END
$$;
COMMENT ON FUNCTION loadtest.approve(integer) IS 'approve_transfer_out of domain i''s pending transfer; 55000 is expected when it was decided meanwhile or the domain became ineligible';

-- The registrar's billing marks domain i unpaid, or paid again.
CREATE FUNCTION loadtest.toggle_unpaid(i integer) RETURNS text
	LANGUAGE sql
	BEGIN ATOMIC
		UPDATE domxfer.domains SET unpaid = NOT unpaid WHERE name = loadtest.domain(i);
		SELECT loadtest.log('toggle_unpaid', 'ok');
	END;
COMMENT ON FUNCTION loadtest.toggle_unpaid(integer) IS 'Flips domains.unpaid of domain i (an ordinary application UPDATE)';

-- The whole .hk process for domain i: open, documents, approval (code), the
-- gaining registrar's request. 55000 when it already has an open transfer.
CREATE FUNCTION loadtest.manual(i integer, registrar integer) RETURNS text
	LANGUAGE plpgsql AS
$$
DECLARE
	v_id bigint;
	v_code text;
	v_detail text;
BEGIN
	v_id := domxfer.open_manual_transfer(loadtest.hk_domain(i));
	PERFORM domxfer.record_documents_received(v_id);
	v_code := domxfer.approve_manual_transfer(v_id);
	PERFORM domxfer.receive_transfer_request(loadtest.hk_domain(i), v_code, 'gainer-' || registrar);
	RETURN loadtest.log('manual', 'ok');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
	RETURN loadtest.log('manual', loadtest.outcome('55000', v_detail));
END
$$;
COMMENT ON FUNCTION loadtest.manual(integer, integer) IS 'open_manual_transfer, record_documents_received, approve_manual_transfer and receive_transfer_request of .hk domain i';

-- TEST-ONLY TIME WARP (superuser). The policy allows 5 to 7 days before a
-- pending transfer completes and a code lives at least a day, far longer
-- than a load test. This gives transfers that have waited "age" in real
-- time a due instant 1-5 s from now: the deadline of up to n pending
-- transfers requested at least "age" ago, and the code expiry of up to n
-- auth_code_issued transfers issued at least "age" ago (those due first).
-- The worker must then decide them during the run, at their new due
-- instant. Nothing but this function ever moves a due instant; applications
-- cannot (they have no UPDATE on transfers).
CREATE FUNCTION loadtest.warp(n integer, age interval) RETURNS integer
	LANGUAGE plpgsql AS
$$
DECLARE
	v_rows integer;
BEGIN
	WITH pending AS (
		SELECT t.id, t.state, t.due_at FROM domxfer.transfers t
		 WHERE t.due_at > clock_timestamp() + interval '1 minute' AND t.state = 'pending'
		   AND t.requested_at < clock_timestamp() - age
		 ORDER BY t.due_at LIMIT n
		   FOR UPDATE OF t SKIP LOCKED
	), issued AS (
		SELECT t.id, t.state, t.due_at FROM domxfer.transfers t
		 WHERE t.due_at > clock_timestamp() + interval '1 minute' AND t.state = 'auth_code_issued'
		   AND t.auth_code_issued_at < clock_timestamp() - age
		 ORDER BY t.due_at LIMIT n
		   FOR UPDATE OF t SKIP LOCKED
	), picked AS (
		SELECT * FROM pending UNION ALL SELECT * FROM issued
	), moved AS (
		UPDATE domxfer.transfers t
		   SET deadline = CASE WHEN p.state = 'pending' THEN w.new_due ELSE t.deadline END,
			   auth_code_expires_at = CASE WHEN p.state = 'auth_code_issued' THEN w.new_due
										   ELSE t.auth_code_expires_at END
		  FROM picked p, LATERAL (SELECT clock_timestamp() + make_interval(secs => 1 + random() * 4) AS new_due) AS w
		 WHERE t.id = p.id
		RETURNING t.id, p.state, p.due_at AS old_due, w.new_due
	)
	INSERT INTO loadtest.warps SELECT * FROM moved;
	GET DIAGNOSTICS v_rows = ROW_COUNT;
	RETURN v_rows;
END
$$;
COMMENT ON FUNCTION loadtest.warp(integer, interval) IS 'TEST ONLY: moves the deadline / code expiry of up to n pending / auth_code_issued transfers older than age to 1-5 s from now, so the worker decides them during the run';

-- A domain that left comes back (a transfer in from the other registrar),
-- so the pool of eligible domains does not run dry: sponsor is us again and
-- last_transferred_at is the moment it came back. Logged, so the invariants
-- can tell this legitimate change from a lost or doubled completion.
CREATE FUNCTION loadtest.win_back(n integer) RETURNS integer
	LANGUAGE plpgsql AS
$$
DECLARE
	v_rows integer;
BEGIN
	WITH gone AS (
		SELECT d.name, d.sponsoring_registrar
		  FROM domxfer.domains d
		 WHERE d.sponsoring_registrar LIKE 'gainer-%'
		 LIMIT n
		   FOR UPDATE OF d SKIP LOCKED
	), back AS (
		UPDATE domxfer.domains d
		   SET sponsoring_registrar = current_setting('domxfer.registrar_id'),
			   last_transferred_at = clock_timestamp()
		  FROM gone g
		 WHERE d.name = g.name
		RETURNING d.name, d.last_transferred_at, g.sponsoring_registrar
	)
	INSERT INTO loadtest.win_backs SELECT * FROM back;
	GET DIAGNOSTICS v_rows = ROW_COUNT;
	RETURN v_rows;
END
$$;
COMMENT ON FUNCTION loadtest.win_back(integer) IS 'TEST ONLY: up to n domains that were transferred out come back to this registrar (logged in loadtest.win_backs)';

REVOKE EXECUTE ON FUNCTION loadtest.warp(integer, interval), loadtest.win_back(integer) FROM PUBLIC;

-- The application's login role: what a registrar's application has.
CREATE ROLE loadtest_app LOGIN IN ROLE domxfer_app;
GRANT USAGE ON SCHEMA loadtest TO loadtest_app;
GRANT INSERT ON loadtest.op_log TO loadtest_app;

VACUUM ANALYZE;

-- Portfolio burst (phase "burst" of scripts/run-loadtest.sh): the holder of
-- many domains asks for all their codes at once (loadtest.portfolio, filled
-- by the phase), then the gaining registrar sends the right code of each,
-- each in its own transaction, from many clients at once, with a few wrong
-- codes among them. A refusal because the server was busy (53000: no worker
-- slot, 55P03: the transfer stayed locked) is logged as such, not raised:
-- the phase's invariants count them.
CREATE TABLE loadtest.portfolio (
	i integer PRIMARY KEY,
	transfer_id bigint NOT NULL,
	auth_code text NOT NULL
);
COMMENT ON TABLE loadtest.portfolio IS 'TEST ONLY: the portfolio of the burst phase, domain number i, its transfer and its auth code in plain text (the holder passed it on)';
CREATE SEQUENCE loadtest.portfolio_next;
COMMENT ON SEQUENCE loadtest.portfolio_next IS 'The next portfolio domain whose right code a burst client sends';

CREATE FUNCTION loadtest.burst_receive(registrar integer) RETURNS text
	LANGUAGE plpgsql AS
$$
DECLARE
	p loadtest.portfolio;
	v_next integer := nextval('loadtest.portfolio_next');
	v_detail text;
BEGIN
	SELECT * INTO p FROM loadtest.portfolio WHERE i = v_next;
	IF NOT FOUND THEN
		RETURN 'portfolio done';
	END IF;
	PERFORM domxfer.receive_transfer_request(loadtest.domain(p.i), p.auth_code, 'gainer-' || registrar);
	RETURN loadtest.log('receive_right_code', 'ok');
EXCEPTION
	WHEN invalid_password THEN
		GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
		RETURN loadtest.log('receive_right_code', loadtest.outcome('28P01', v_detail));
	WHEN insufficient_resources OR lock_not_available THEN
		RETURN loadtest.log('receive_right_code', 'busy: ' || SQLSTATE);
END
$$;
COMMENT ON FUNCTION loadtest.burst_receive(integer) IS 'Burst: receive_transfer_request with the right code of the next portfolio domain; 28P01 only after 5 wrong codes revoked it; 53000/55P03 logged as busy';

CREATE FUNCTION loadtest.burst_wrong_code(registrar integer) RETURNS text
	LANGUAGE plpgsql AS
$$
DECLARE
	v_i integer := 1 + floor(random() * (SELECT count(*) FROM loadtest.portfolio))::integer;
	v_detail text;
BEGIN
	PERFORM domxfer.receive_transfer_request(loadtest.domain(v_i), left(md5(random()::text), 22),
											 'gainer-' || registrar);
	RAISE EXCEPTION 'a random auth code was accepted for portfolio domain %', v_i;
EXCEPTION
	WHEN invalid_password THEN
		GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
		RETURN loadtest.log('receive_wrong_code', loadtest.outcome('28P01', v_detail));
	WHEN insufficient_resources OR lock_not_available THEN
		RETURN loadtest.log('receive_wrong_code', 'busy: ' || SQLSTATE);
END
$$;
COMMENT ON FUNCTION loadtest.burst_wrong_code(integer) IS 'Burst: a random code for a random portfolio domain; 28P01 expected (counted while the code is current), 53000/55P03 logged as busy';
GRANT SELECT ON loadtest.portfolio TO loadtest_app;
GRANT USAGE ON SEQUENCE loadtest.portfolio_next TO loadtest_app;
