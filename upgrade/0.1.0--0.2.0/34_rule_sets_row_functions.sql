-- Rule sets (install/35_rule_sets.sql), before it: adding a stored column
-- rewrites domxfer.domains, which PostgreSQL refuses while a function with a
-- SQL-standard body (RETURN) uses its row type, so the five 0.1.0 functions
-- over a row get a string body until 35_rule_sets_upgrade.sql gives them
-- their 0.2.0 definitions.

CREATE OR REPLACE FUNCTION domxfer.transfer_out_eligible(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS 'SELECT NULL::pg_catalog.bool';
CREATE OR REPLACE FUNCTION domxfer.transfer_out_blockers(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS 'SELECT NULL::pg_catalog.text[]';
CREATE OR REPLACE FUNCTION domxfer.transfer_out_warnings(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS 'SELECT NULL::pg_catalog.text[]';
CREATE OR REPLACE FUNCTION domxfer.transfer_window(d domxfer.domains)
	RETURNS tstzrange LANGUAGE sql STABLE PARALLEL SAFE AS 'SELECT NULL::pg_catalog.tstzrange';
CREATE OR REPLACE FUNCTION domxfer.transfer_out_blocker_mask(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS 'SELECT NULL::pg_catalog.int4';

