-- The registry link (SPEC §8), the part the lifecycle fragment needs: which
-- transfers the registry decides. The rest is in 75_registry.sql.

ALTER TABLE domxfer.transfers
	ADD COLUMN registry_managed boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN domxfer.transfers.registry_managed IS 'boolean; SPEC §8: true once a registry message opened or advanced the transfer: the registry decides it (never the deadline), and holder approvals and cancellations become registry commands';

-- Registry-managed pending transfers are not due at their deadline: the
-- worker's lookups skip them by this index's predicate.
CREATE INDEX transfers_registry_pending ON domxfer.transfers (deadline, id)
	WHERE registry_managed AND state OPERATOR(pg_catalog.=) 'pending';
