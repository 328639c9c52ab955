-- domxfer.rdap_domain: an RFC 9083 §5.3 domain object with the members the
-- RFC requires (objectClassName, rdapConformance in the top-most object) and
-- the ones domxfer fills (ldhName, unicodeName, status in RFC 8056
-- spellings, events with RFC 3339 dates, the registrar entity).
-- Everything is rolled back.
SET TimeZone = 'UTC';

-- try(sql): 'ok', or the error's SQLSTATE, message and DETAIL
CREATE FUNCTION pg_temp.try(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v_state text; v_msg text; v_detail text;
BEGIN
	EXECUTE cmd;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
	RETURN v_state || ': ' || v_msg || coalesce(' | ' || nullif(v_detail, ''), '');
END $$;

BEGIN;

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at,
							 last_transferred_at, status, registrant_email)
VALUES
	('bi-rdap.example', 'regress-us', '2020-01-15 08:00:00+00', '2027-01-15 08:00:00+00',
	 NULL, 'clientHold,clientTransferProhibited', 'holder@example.net'),
	(domxfer.normalize_domain('Bücher-RDAP.example'), 'another-reg', '2019-05-01 12:30:00.25+00',
	 '2028-05-01 12:30:00.25+00', '2024-02-29 23:59:59.5+00', 'ok', 'holder@example.net');

-- the whole object; any spelling of the name finds it
SELECT jsonb_pretty(domxfer.rdap_domain('BI-RDAP.Example.'));
SELECT jsonb_pretty(domxfer.rdap_domain('bücher-rdap.EXAMPLE'));

-- the same in another session time zone (every date is UTC)
SELECT domxfer.rdap_domain('bücher-rdap.example')::text AS utc_object \gset
SET TimeZone = 'America/New_York';
SELECT domxfer.rdap_domain('bücher-rdap.example')::text = :'utc_object' AS same_in_new_york,
	   domxfer.rdap_domain('bücher-rdap.example') -> 'events' -> 0 ->> 'eventDate' AS registration;
SET TimeZone = 'UTC';

-- RFC 9083 checks, member by member, for both domains
CREATE TEMP TABLE rdap_status_values (value text PRIMARY KEY);
-- the RDAP status values RFC 8056 registers for the EPP statuses
INSERT INTO rdap_status_values VALUES
	('active'), ('inactive'), ('client hold'), ('server hold'), ('client delete prohibited'),
	('server delete prohibited'), ('client renew prohibited'), ('server renew prohibited'),
	('client transfer prohibited'), ('server transfer prohibited'), ('client update prohibited'),
	('server update prohibited'), ('pending create'), ('pending delete'), ('pending renew'),
	('pending transfer'), ('pending update'), ('add period'), ('auto renew period'),
	('renew period'), ('transfer period'), ('redemption period'), ('pending restore');
SELECT n AS name,
	   o ->> 'objectClassName' = 'domain' AS object_class,
	   o -> 'rdapConformance' ? 'rdap_level_0' AS conformance,
	   jsonb_typeof(o -> 'rdapConformance') = 'array' AS conformance_array,
	   o ->> 'ldhName' ~ '^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]+$' AS ldh_form,
	   o ->> 'ldhName' = domxfer.normalize_domain(n) AS ldh_is_a_label,
	   (o ? 'unicodeName') = (o ->> 'ldhName' <> domxfer.domain_to_unicode(n)) AS unicode_only_when_different,
	   jsonb_typeof(o -> 'status') = 'array'
	   AND NOT EXISTS (SELECT FROM jsonb_array_elements_text(o -> 'status') s(v)
					   WHERE s.v NOT IN (SELECT value FROM rdap_status_values)) AS status_registered,
	   NOT EXISTS (SELECT FROM jsonb_array_elements(o -> 'events') e
				   WHERE NOT (e ? 'eventAction' AND e ? 'eventDate')
					  OR e ->> 'eventDate' !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$'
					  OR e ->> 'eventAction' NOT IN ('registration', 'expiration', 'transfer')) AS events_rfc3339,
	   NOT EXISTS (SELECT FROM jsonb_array_elements(o -> 'entities') e
				   WHERE e ->> 'objectClassName' <> 'entity'
					  OR jsonb_typeof(e -> 'roles') <> 'array'
					  OR NOT e ? 'handle') AS entities_valid,
	   (SELECT count(*) FROM jsonb_array_elements(o -> 'entities') e WHERE e -> 'roles' ? 'registrar') AS registrars
  FROM unnest(ARRAY['bi-rdap.example', 'bücher-rdap.example']) AS n,
	   LATERAL domxfer.rdap_domain(n) AS o
 ORDER BY n;

-- "who is the registrar now?" after a transfer completes is one call
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('bi-rdap-move.example', 'regress-us', now() - interval '400 days', now() + interval '300 days',
		'holder@example.net');
SELECT domxfer.rdap_domain('bi-rdap-move.example') #>> '{entities,0,handle}' AS registrar_before,
	   domxfer.rdap_domain('bi-rdap-move.example') -> 'events' @> '[{"eventAction": "transfer"}]' AS transfer_event_before;
SELECT transfer_id AS move_id, auth_code AS move_code FROM domxfer.request_transfer_out('bi-rdap-move.example') \gset
SELECT domxfer.receive_transfer_request('bi-rdap-move.example', :'move_code', 'gaining.example') IS NOT NULL AS received;
SELECT domxfer.rdap_domain('bi-rdap-move.example') -> 'status' AS status_while_pending;
SELECT domxfer.approve_transfer_out(:move_id);
SELECT domxfer.rdap_domain('bi-rdap-move.example') #>> '{entities,0,handle}' AS registrar_after,
	   domxfer.rdap_domain('bi-rdap-move.example') -> 'status' AS status_after,
	   (SELECT e ->> 'eventDate' FROM jsonb_array_elements(domxfer.rdap_domain('bi-rdap-move.example') -> 'events') e
		 WHERE e ->> 'eventAction' = 'transfer')
	   = domxfer._rfc3339((SELECT last_transferred_at FROM domxfer.domains WHERE name = 'bi-rdap-move.example'))
	   AS transfer_event_is_last_transfer;

-- errors: unknown name (P0002), a name that is not a domain (22023); NULL in, NULL out
SELECT pg_temp.try($$SELECT domxfer.rdap_domain('Nowhere.Example')$$);
SELECT pg_temp.try($$SELECT domxfer.rdap_domain('not a domain')$$);
SELECT pg_temp.try($$SELECT domxfer.rdap_domain('')$$);
SELECT domxfer.rdap_domain(NULL) IS NULL AS strict;

-- declared STABLE, STRICT, PARALLEL SAFE; a reader may call it
SELECT provolatile, proisstrict, proparallel FROM pg_proc WHERE oid = 'domxfer.rdap_domain(text)'::regprocedure;
SET ROLE domxfer_reader;
SELECT domxfer.rdap_domain('bi-rdap.example') ->> 'ldhName' AS as_reader;
RESET ROLE;

-- RFC 3339 text: fractions only when present, whatever the session's TimeZone
SET TimeZone = 'Asia/Kolkata';
SELECT domxfer._rfc3339(t) FROM unnest(ARRAY['2024-02-29 23:59:59+00', '2024-02-29 23:59:59.5+00',
											 '2024-02-29 23:59:59.000001+00', '1999-12-31 16:00:00-08']::timestamptz[]) AS t;

ROLLBACK;
