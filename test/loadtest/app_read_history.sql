-- Customer service: the transfers of a random domain and their events.
\set i random(1, :domains)
SELECT t.id, t.state, t.gaining_registrar, t.deadline, t.decided_at, t.outcome_reason,
       (SELECT count(*) FROM domxfer.transfer_events e WHERE e.transfer_id = t.id) AS events
  FROM domxfer.transfers t
 WHERE t.domain_name = loadtest.domain(:i)
 ORDER BY t.created_at;
