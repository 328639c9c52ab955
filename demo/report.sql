-- The demo's eligibility report.
SELECT domxfer.domain_to_unicode(d.name) AS domain,
	   d.name AS a_label,
	   domxfer.transfer_out_eligible(d) AS eligible,
	   pg_catalog.array_to_string(domxfer.transfer_out_blockers(d, pg_catalog.now()), ', ') AS blockers,
	   pg_catalog.array_to_string(domxfer.transfer_out_warnings(d, pg_catalog.now()), ', ') AS warnings
  FROM domxfer.domains AS d
 ORDER BY eligible DESC, d.name;
