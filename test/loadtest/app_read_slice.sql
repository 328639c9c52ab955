-- Reporting: eligibility and blockers over a slice of 100 domains.
\set s random(1, :domains - 99)
SELECT count(*) FILTER (WHERE domxfer.transfer_out_eligible(d)) AS eligible,
       count(*) FILTER (WHERE 'transfer_pending' = ANY (domxfer.transfer_out_blockers(d))) AS pending
  FROM domxfer.domains d
 WHERE d.name IN (SELECT loadtest.domain(g) FROM generate_series(:s, :s + 99) AS g);
