-- A decision never depends on when it is written (issue 18, fault 4; SPEC §5
-- 0.3.0). Where no worker runs (pg_cron, several databases), after an
-- outage or during catch-up after promotion, a domain may change after its
-- pending transfer's deadline and before the decision is written (an
-- auto-renewal): the decision must still be the one every reader showed,
-- judged from the domain as it was at the deadline. So a change to a domain
-- whose open transfer is due first decides that transfer, as of its
-- deadline and from the domain as it is before the change, in the same
-- transaction.
--
-- The work is in one function, domxfer._decide_before_domain_change(name,
-- as_was), called by a BEFORE UPDATE row trigger (here on domxfer.domains;
-- the same function serves the trigger on an attached table, which passes
-- the row as it was: 66_decide_before_change_source.sql). A BEFORE trigger
-- cannot update its own row (PostgreSQL refuses the outer UPDATE then), so
-- the function writes the transfer's decision, its event and notification,
-- and returns the decided transfer; the trigger applies the decision's
-- changes of the domain (sponsor and last transfer on completion,
-- pendingTransfer and open_transfer_id cleared) to the row being written.

CREATE FUNCTION domxfer._decide_before_domain_change(name text, as_was domxfer.domains DEFAULT NULL)
RETURNS domxfer.transfers
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_canonical text;
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers;
	d domxfer.domains;
	v_blockers text[];
	v_state domxfer.transfer_state;
	v_decided_at timestamptz;
	v_reason text[];
	v_done domxfer.transfers;
BEGIN
	IF _decide_before_domain_change.name IS NULL THEN
		RETURN NULL;
	END IF;
	v_canonical := domxfer.normalize_domain(_decide_before_domain_change.name);
	-- the domain's open transfer, if it is due; the registry decides its own (SPEC §8)
	SELECT * INTO t FROM domxfer.transfers tr
	 WHERE tr.domain_name OPERATOR(pg_catalog.=) v_canonical
	   AND tr.due_at OPERATOR(pg_catalog.<=) v_now
	   AND NOT tr.registry_managed
	   FOR UPDATE;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	IF t.state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN
		v_state := 'expired';
		v_decided_at := t.auth_code_expires_at;
		v_reason := '{auth_code_expired}';
	ELSE
		-- the domain as it was: the row the caller passes (an AFTER trigger's
		-- OLD row), else as it is now (in a BEFORE trigger, before the change)
		IF as_was.name IS NOT NULL THEN
			d := as_was;
		ELSE
			d := domxfer._domain_row(v_canonical);
		END IF;
		v_blockers := domxfer._blockers_ignoring_own(d, t.deadline, t.manual);
		v_decided_at := t.deadline;
		IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.=) 0 THEN
			v_state := 'completed';
			v_reason := '{auto_approved}';
		ELSE
			v_state := 'rejected';
			v_reason := v_blockers;
		END IF;
	END IF;
	-- what _finish_transfer writes, but the domain row (the caller's trigger does that)
	UPDATE domxfer.transfers tr
	   SET state = v_state,
		   decided_at = v_decided_at,
		   outcome_reason = v_reason,
		   cancel_note = NULL,
		   auth_code_hash = NULL,
		   auth_code_salt = NULL
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	RETURNING * INTO v_done;
	PERFORM domxfer._log_transfer_event(v_done, t.state,
		pg_catalog.jsonb_build_object('outcome_reason', v_done.outcome_reason,
									  'decided_at', v_done.decided_at,
									  'before_domain_change', true));
	RETURN v_done;
END
$$;

COMMENT ON FUNCTION domxfer._decide_before_domain_change(text, domxfer.domains) IS 'Internal (the row triggers of the domains source that decide before a change): if the domain of this name (any spelling) has an open transfer that is due (a pending one past its deadline, an issued code past its expiry) and not registry-managed, decides it as of its deadline (or the code''s expiry) from the domain row as_was (domxfer.domains: an attached table''s row before the change, read through the map) or, when as_was is NULL, as it is now (in a BEFORE trigger: before the change), writing the transfer''s outcome, its event (detail before_domain_change: true), NOTIFY and notice exactly as the worker would, and returns the decided transfer (domxfer.transfers); NULL when nothing was due or name is NULL. It does not write the domain row: the calling BEFORE trigger applies the decision to the row being written (a completion moves the sponsor and sets last_transferred_at to the deadline; any decision clears pendingTransfer and open_transfer_id). 22023 for an invalid name';

CREATE FUNCTION domxfer._domains_decide_before_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers := domxfer._decide_before_domain_change(OLD.name);
BEGIN
	IF t.id IS NOT NULL THEN
		IF t.state OPERATOR(pg_catalog.=) 'completed' THEN
			NEW.sponsoring_registrar := t.gaining_registrar;
			NEW.last_transferred_at := t.decided_at;
		END IF;
		NEW.status := NEW.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status;
		NEW.open_transfer_id := NULL;
	END IF;
	RETURN NEW;
END
$$;

COMMENT ON FUNCTION domxfer._domains_decide_before_change() IS 'Trigger of domains (BEFORE UPDATE, first of its triggers): a change to a domain whose open transfer is due first decides that transfer, as of its deadline and from the domain as it was (domxfer._decide_before_domain_change), and the row written carries the decision';

-- "domains_0_...": before the lifecycle guards, which must see the decision.
-- Not for the rows of the worker's batch, which decides them itself.
CREATE TRIGGER domains_0_decide_due_transfer BEFORE UPDATE ON domxfer.domains
	FOR EACH ROW
	WHEN (OLD.open_transfer_id IS NOT NULL AND NOT domxfer._batch_checks_links())
	EXECUTE FUNCTION domxfer._domains_decide_before_change();

REVOKE EXECUTE ON FUNCTION domxfer._decide_before_domain_change(text, domxfer.domains),
	domxfer._domains_decide_before_change() FROM PUBLIC;
