# Hostile objects in public do not reach domxfer (SPEC §6).
#
# A malicious unprivileged role ("mallory") plants, in a public schema it can
# write (as in databases created before PostgreSQL 15), functions that shadow
# the built-ins the extension uses, operators on text, bigint, integer,
# timestamptz, boolean, bytea and (once the extension exists) on domxfer's own
# types, an aggregate, and domain types named like the built-in types (text,
# timestamptz, ...) whose CHECK runs its code. Every planted object calls
# public.hostile_hit(), which bumps a sequence (survives rollbacks) and logs
# the caller. The test then shows:
#  (a) CREATE EXTENSION run by a superuser with search_path = public,
#      pg_catalog creates exactly the objects of a clean install (catalog
#      snapshot, test/lib/catalog_snapshot.sql) and calls nothing hostile;
#  (b) every SECURITY DEFINER function (enumerated from pg_proc) pins
#      search_path = pg_catalog, pg_temp, and all of them (checked with
#      pg_stat_user_functions), the invoker-rights functions and the policy
#      triggers work unaffected for domxfer_app / domxfer_admin sessions
#      whose search_path puts public first;
#  (c) domxfer_reader can read no auth-code hash or salt (not through the
#      table, a whole-row reference, a view or a function it may execute),
#      and domxfer_app cannot write transfers, events, policy or holidays,
#      nor delete domains;
#  (d) after 5 wrong auth codes the code is revoked: the right one fails too.
use strict;
use warnings;
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $snapshot_sql = slurp_file("$FindBin::RealBin/../lib/catalog_snapshot.sql");

my $node = PostgreSQL::Test::Cluster->new('security');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'domxfer'
domxfer.registrar_id = 'tap-registrar'
track_functions = 'all'
});
$node->start;

# The test's own queries run with search_path = pg_catalog, pg_temp (in the
# hostile database even a query of the test could otherwise be captured,
# e.g. array_to_string(text[], text) is a better match than pg_catalog's
# array_to_string(anyarray, text)); sessions that play the application set
# their hostile search_path themselves.
sub clean_psql
{
	my ($db, $sql) = @_;
	return $node->safe_psql($db, "SET search_path = pg_catalog, pg_temp;\n$sql");
}

# psql that returns (exit code, stdout, stderr) without dying
sub try_psql
{
	my ($db, $sql) = @_;
	my ($ret, $out, $err) =
	  $node->psql($db, "SET search_path = pg_catalog, pg_temp;\n$sql", on_error_stop => 1);
	return ($ret, $out, $err);
}

# Number of calls of planted objects so far (the sequence survives rollbacks).
sub hostile_calls
{
	my ($db) = @_;
	return clean_psql($db,
		q{SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.hostile_calls});
}

sub hostile_log
{
	my ($db) = @_;
	return clean_psql($db,
		q{SELECT coalesce(string_agg(fn || ' as ' || by_role, ', ' ORDER BY fn), '') FROM public.hostile_log});
}

# ---------------------------------------------------------------------
# A clean install for reference.
$node->safe_psql('postgres', 'CREATE DATABASE clean');
$node->safe_psql('clean', 'CREATE EXTENSION domxfer');
my $clean = $node->safe_psql('clean', $snapshot_sql);
my %objects = map { join('|', (split /\|/, $_, 3)[0, 1]) => 1 } split /\n/, $clean;
my $objects = scalar keys %objects;
cmp_ok($objects, '>', 300, "clean install: $objects catalog objects in the snapshot");
note "catalog snapshot: $objects objects, " . scalar(my @l = split /\n/, $clean) . ' lines';

# ---------------------------------------------------------------------
# The hostile database: mallory can create in public and plants its objects
# before the extension exists.
$node->safe_psql('postgres', q{
CREATE ROLE mallory LOGIN;
CREATE DATABASE hostile;
});
$node->safe_psql('hostile', q{GRANT CREATE ON SCHEMA public TO PUBLIC});

my $plant_builtin_shadows = q{
SET ROLE mallory;
SET search_path = public, pg_catalog;
CREATE SEQUENCE public.hostile_calls;
GRANT USAGE, SELECT, UPDATE ON SEQUENCE public.hostile_calls TO PUBLIC;
CREATE TABLE public.hostile_log (fn pg_catalog.text, by_role pg_catalog.text);
GRANT INSERT, SELECT ON public.hostile_log TO PUBLIC;
CREATE FUNCTION public.hostile_hit(fn pg_catalog.text) RETURNS pg_catalog.bool
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
	PERFORM pg_catalog.nextval('public.hostile_calls');
	INSERT INTO public.hostile_log VALUES (fn, current_user);
	RAISE WARNING 'hostile object % used by %', fn, current_user;
	RETURN true;
END $$;

-- Functions that shadow built-ins (exact or better matches than
-- pg_catalog's for the calls the extension makes); they return the right
-- answer, so a capture would go unnoticed but for the counter.
DO $plant$
DECLARE
	f pg_catalog.text[];
BEGIN
	FOREACH f SLICE 1 IN ARRAY ARRAY[
		['normalize_domain(t pg_catalog.text)', 'pg_catalog.text', 't'],
		['domain_tld(t pg_catalog.text)', 'pg_catalog.text', 't'],
		['domain_to_unicode(t pg_catalog.text)', 'pg_catalog.text', 't'],
		['now()', 'pg_catalog.timestamptz', 'pg_catalog.now()'],
		['clock_timestamp()', 'pg_catalog.timestamptz', 'pg_catalog.clock_timestamp()'],
		['statement_timestamp()', 'pg_catalog.timestamptz', 'pg_catalog.statement_timestamp()'],
		['lower(t pg_catalog.text)', 'pg_catalog.text', 'pg_catalog.lower(t)'],
		['upper(t pg_catalog.text)', 'pg_catalog.text', 'pg_catalog.upper(t)'],
		['btrim(t pg_catalog.text)', 'pg_catalog.text', 'pg_catalog.btrim(t)'],
		['length(t pg_catalog.text)', 'pg_catalog.int4', 'pg_catalog.length(t)'],
		['array_to_string(a pg_catalog.text[], s pg_catalog.text)', 'pg_catalog.text', 'pg_catalog.array_to_string(a, s)'],
		['array_remove(a pg_catalog.text[], e pg_catalog.text)', 'pg_catalog.text[]', 'pg_catalog.array_remove(a, e)'],
		['array_append(a pg_catalog.text[], e pg_catalog.text)', 'pg_catalog.text[]', 'pg_catalog.array_append(a, e)'],
		['cardinality(a pg_catalog.text[])', 'pg_catalog.int4', 'pg_catalog.cardinality(a)'],
		['format(f pg_catalog.text)', 'pg_catalog.text', 'pg_catalog.format(f)'],
		['format(f pg_catalog.text, a pg_catalog.text)', 'pg_catalog.text', 'pg_catalog.format(f, a)'],
		['format(f pg_catalog.text, a pg_catalog.int8)', 'pg_catalog.text', 'pg_catalog.format(f, a)'],
		['format(f pg_catalog.text, a pg_catalog.int8, b pg_catalog.text)', 'pg_catalog.text', 'pg_catalog.format(f, a, b)'],
		['jsonb_build_object(a pg_catalog.text, b pg_catalog.text)', 'pg_catalog.jsonb', 'pg_catalog.jsonb_build_object(a, b)'],
		['pg_notify(c pg_catalog.text, p pg_catalog.text)', 'pg_catalog.void', 'pg_catalog.pg_notify(c, p)'],
		['make_interval(secs pg_catalog.numeric)', 'pg_catalog.interval', 'pg_catalog.make_interval(secs => secs::pg_catalog.float8)'],
		['to_char(t pg_catalog.timestamp, f pg_catalog.text)', 'pg_catalog.text', 'pg_catalog.to_char(t, f)'],
		['timezone(z pg_catalog.text, t pg_catalog.timestamptz)', 'pg_catalog.timestamp', 'pg_catalog.timezone(z, t)'],
		['timezone(z pg_catalog.text, t pg_catalog.timestamp)', 'pg_catalog.timestamptz', 'pg_catalog.timezone(z, t)'],
		['date_part(f pg_catalog.text, d pg_catalog.date)', 'pg_catalog.float8', 'pg_catalog.date_part(f, d)'],
		['isfinite(t pg_catalog.timestamptz)', 'pg_catalog.bool', 'pg_catalog.isfinite(t)'],
		['current_setting(n pg_catalog.text)', 'pg_catalog.text', 'pg_catalog.current_setting(n)'],
		['pg_has_role(r pg_catalog.oid, n pg_catalog.text, m pg_catalog.text)', 'pg_catalog.bool', 'pg_catalog.pg_has_role(r, n, m)'],
		['pg_has_role(n pg_catalog.text, m pg_catalog.text, p pg_catalog.text)', 'pg_catalog.bool', 'pg_catalog.pg_has_role(n, m, p)'],
		['quote_literal(t pg_catalog.text)', 'pg_catalog.text', 'pg_catalog.quote_literal(t)'],
		['octet_length(b pg_catalog.bytea)', 'pg_catalog.int4', 'pg_catalog.octet_length(b)'],
		['sha256(b pg_catalog.bytea)', 'pg_catalog.bytea', 'pg_catalog.sha256(b)'],
		['digest(b pg_catalog.bytea, a pg_catalog.text)', 'pg_catalog.bytea', 'pg_catalog.sha256(b)'],
		['digest(b pg_catalog.text, a pg_catalog.text)', 'pg_catalog.bytea', 'pg_catalog.sha256(pg_catalog.convert_to(b, ''UTF8''))'],
		['gen_random_bytes(n pg_catalog.int4)', 'pg_catalog.bytea', '''\x00000000000000000000000000000000''::pg_catalog.bytea'],
		['gen_random_uuid()', 'pg_catalog.uuid', 'pg_catalog.gen_random_uuid()'],
		['coalesce(a pg_catalog.text, b pg_catalog.text)', 'pg_catalog.text', 'COALESCE(a, b)'],
		['nullif(a pg_catalog.text, b pg_catalog.text)', 'pg_catalog.text', 'NULLIF(a, b)'],
		['text(i pg_catalog.int8)', 'pg_catalog.text', 'i::pg_catalog.text'],
		['int8(i pg_catalog.int4)', 'pg_catalog.int8', 'i::pg_catalog.int8'],
		['nextval(s pg_catalog.regclass)', 'pg_catalog.int8', 'pg_catalog.nextval(s)'],
		['jsonb_typeof(j pg_catalog.jsonb)', 'pg_catalog.text', 'pg_catalog.jsonb_typeof(j)'],
		['set_config(n pg_catalog.text, v pg_catalog.text, l pg_catalog.bool)', 'pg_catalog.text', 'pg_catalog.set_config(n, v, l)'],
		['pg_advisory_xact_lock(k pg_catalog.int8)', 'pg_catalog.void', 'pg_catalog.pg_advisory_xact_lock(k)'],
		['regexp_replace(a pg_catalog.text, b pg_catalog.text, c pg_catalog.text)', 'pg_catalog.text', 'pg_catalog.regexp_replace(a, b, c)']
	] LOOP
		EXECUTE pg_catalog.format(
			'CREATE FUNCTION public.%s RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog AS %L',
			f[1], f[2],
			pg_catalog.format(CASE WHEN f[2] OPERATOR(pg_catalog.=) 'pg_catalog.void'
								   THEN 'BEGIN PERFORM public.hostile_hit(%L); PERFORM %s; END'
								   ELSE 'BEGIN PERFORM public.hostile_hit(%L); RETURN %s; END' END,
							  f[1], f[3]));
	END LOOP;
END
$plant$;

-- An aggregate shadowing min(timestamptz).
CREATE FUNCTION public.hostile_min_step(s pg_catalog.timestamptz, v pg_catalog.timestamptz)
RETURNS pg_catalog.timestamptz LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM public.hostile_hit('min(timestamptz)'); RETURN pg_catalog.least(s, v); END $$;
CREATE AGGREGATE public.min(pg_catalog.timestamptz) (SFUNC = public.hostile_min_step, STYPE = pg_catalog.timestamptz);

-- Operators on built-in types.
DO $plant$
DECLARE
	o pg_catalog.text[];
	v_fn pg_catalog.text;
	v_i pg_catalog.int4 := 0;
BEGIN
	FOREACH o SLICE 1 IN ARRAY ARRAY[
		['=', 'pg_catalog.text', 'pg_catalog.text', 'pg_catalog.bool'],
		['<>', 'pg_catalog.text', 'pg_catalog.text', 'pg_catalog.bool'],
		['||', 'pg_catalog.text', 'pg_catalog.text', 'pg_catalog.text'],
		['~', 'pg_catalog.text', 'pg_catalog.text', 'pg_catalog.bool'],
		['!~', 'pg_catalog.text', 'pg_catalog.text', 'pg_catalog.bool'],
		['=', 'pg_catalog.int8', 'pg_catalog.int8', 'pg_catalog.bool'],
		['=', 'pg_catalog.int4', 'pg_catalog.int4', 'pg_catalog.bool'],
		['<', 'pg_catalog.int4', 'pg_catalog.int4', 'pg_catalog.bool'],
		['>', 'pg_catalog.int4', 'pg_catalog.int4', 'pg_catalog.bool'],
		['>=', 'pg_catalog.int4', 'pg_catalog.int4', 'pg_catalog.bool'],
		['<=', 'pg_catalog.int4', 'pg_catalog.int4', 'pg_catalog.bool'],
		['+', 'pg_catalog.int4', 'pg_catalog.int4', 'pg_catalog.int4'],
		['*', 'pg_catalog.int4', 'pg_catalog.numeric', 'pg_catalog.numeric'],
		['=', 'pg_catalog.bool', 'pg_catalog.bool', 'pg_catalog.bool'],
		['<>', 'pg_catalog.bool', 'pg_catalog.bool', 'pg_catalog.bool'],
		['=', 'pg_catalog.bytea', 'pg_catalog.bytea', 'pg_catalog.bool'],
		['||', 'pg_catalog.bytea', 'pg_catalog.bytea', 'pg_catalog.bytea'],
		['=', 'pg_catalog.timestamptz', 'pg_catalog.timestamptz', 'pg_catalog.bool'],
		['<', 'pg_catalog.timestamptz', 'pg_catalog.timestamptz', 'pg_catalog.bool'],
		['<=', 'pg_catalog.timestamptz', 'pg_catalog.timestamptz', 'pg_catalog.bool'],
		['>', 'pg_catalog.timestamptz', 'pg_catalog.timestamptz', 'pg_catalog.bool'],
		['>=', 'pg_catalog.timestamptz', 'pg_catalog.timestamptz', 'pg_catalog.bool'],
		['+', 'pg_catalog.timestamptz', 'pg_catalog.interval', 'pg_catalog.timestamptz'],
		['-', 'pg_catalog.timestamptz', 'pg_catalog.timestamptz', 'pg_catalog.interval'],
		['+', 'pg_catalog.date', 'pg_catalog.int4', 'pg_catalog.date'],
		['=', 'pg_catalog.date', 'pg_catalog.date', 'pg_catalog.bool'],
		['<@', 'pg_catalog.timestamptz', 'pg_catalog.tstzrange', 'pg_catalog.bool'],
		['||', 'pg_catalog.jsonb', 'pg_catalog.jsonb', 'pg_catalog.jsonb']
	] LOOP
		v_i := v_i OPERATOR(pg_catalog.+) 1;
		v_fn := 'hostile_op_' OPERATOR(pg_catalog.||) v_i;
		EXECUTE pg_catalog.format(
			'CREATE FUNCTION public.%I(a %s, b %s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog AS %L',
			v_fn, o[2], o[3], o[4],
			pg_catalog.format('BEGIN PERFORM public.hostile_hit(%L); RETURN a OPERATOR(pg_catalog.%s) b; END',
							  o[1] || '(' || o[2] || ',' || o[3] || ')', o[1]));
		EXECUTE pg_catalog.format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.%I)',
								  o[1], o[2], o[3], v_fn);
	END LOOP;
END
$plant$;
};
$node->safe_psql('hostile', $plant_builtin_shadows);

# An unprivileged role cannot create a cast between types it does not own.
my ($ret, $out, $err) = try_psql('hostile', q{
SET ROLE mallory;
CREATE CAST (pg_catalog.int8 AS pg_catalog.text) WITH FUNCTION public.text(pg_catalog.int8) AS IMPLICIT;
});
like($err, qr/must be owner of type (bigint|text)/, 'mallory cannot plant a cast between built-in types');

# Domain types named like built-in types: any code that resolves a type name
# through a search_path with public first gets mallory's type and runs its
# CHECK. (Planted last: from here on, "text" means public.text for mallory.)
$node->safe_psql('hostile', q{
SET ROLE mallory;
CREATE DOMAIN public.text AS pg_catalog.text CHECK (public.hostile_hit('domain text'));
CREATE DOMAIN public.timestamptz AS pg_catalog.timestamptz CHECK (public.hostile_hit('domain timestamptz'));
CREATE DOMAIN public.bytea AS pg_catalog.bytea CHECK (public.hostile_hit('domain bytea'));
CREATE DOMAIN public.jsonb AS pg_catalog.jsonb CHECK (public.hostile_hit('domain jsonb'));
CREATE DOMAIN public.date AS pg_catalog.date CHECK (public.hostile_hit('domain date'));
CREATE DOMAIN public.tstzrange AS pg_catalog.tstzrange CHECK (public.hostile_hit('domain tstzrange'));
CREATE DOMAIN public.int4 AS pg_catalog.int4 CHECK (public.hostile_hit('domain int4'));
CREATE DOMAIN public.int8 AS pg_catalog.int8 CHECK (public.hostile_hit('domain int8'));
CREATE DOMAIN public.bool AS pg_catalog.bool CHECK (public.hostile_hit('domain bool'));
});
my $planted = clean_psql('hostile', q{
SELECT (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace)
	 + (SELECT count(*) FROM pg_operator WHERE oprnamespace = 'public'::regnamespace)
	 + (SELECT count(*) FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype = 'd')});
note "planted $planted hostile functions, operators and domains";

# Planting used the planted operators already; start counting from zero.
clean_psql('hostile', q{
SELECT setval('public.hostile_calls', 1, false);
TRUNCATE public.hostile_log;
});

# The planted objects work, and the counter sees them.
is( $node->safe_psql('hostile', q{
SET search_path = public, pg_catalog;
SELECT 'a'::text = 'a';
}), 't', 'a comparison in a session whose search_path puts public first ...');
is(hostile_calls('hostile'), '2', '... runs the planted domain check and operator');
clean_psql('hostile', q{
SELECT setval('public.hostile_calls', 1, false);
TRUNCATE public.hostile_log;
});
is(hostile_calls('hostile'), '0', 'counter reset');

# ---------------------------------------------------------------------
# (a) CREATE EXTENSION by a superuser with public first in search_path.
($ret, $out, $err) = try_psql('hostile', q{
SET search_path = public, pg_catalog;
CREATE EXTENSION domxfer;
});
is($ret, 0, 'CREATE EXTENSION succeeds under search_path = public, pg_catalog');
is(hostile_calls('hostile'), '0', 'CREATE EXTENSION called no planted object');
is(clean_psql('hostile', $snapshot_sql), $clean,
	"the hostile-environment install has the same $objects objects as a clean install");

# Planting on domxfer's own types needs USAGE on the schema: mallory is a
# reporting user (domxfer_reader).
$node->safe_psql('hostile', q{
GRANT domxfer_reader TO mallory;
SET ROLE mallory;
SET search_path = pg_catalog;
DO $plant$
DECLARE
	o pg_catalog.text[];
	v_fn pg_catalog.text;
	v_i pg_catalog.int4 := 100;
BEGIN
	FOREACH o SLICE 1 IN ARRAY ARRAY[
		['=', 'domxfer.domain_status', 'domxfer.domain_status', 'pg_catalog.bool'],
		['+', 'domxfer.domain_status', 'domxfer.domain_status', 'domxfer.domain_status'],
		['-', 'domxfer.domain_status', 'domxfer.domain_status', 'domxfer.domain_status'],
		['@>', 'domxfer.domain_status', 'domxfer.domain_status', 'pg_catalog.bool'],
		['&&', 'domxfer.domain_status', 'domxfer.domain_status', 'pg_catalog.bool'],
		['=', 'domxfer.transfer_state', 'domxfer.transfer_state', 'pg_catalog.bool'],
		['<>', 'domxfer.transfer_state', 'domxfer.transfer_state', 'pg_catalog.bool'],
		['<', 'domxfer.transfer_state', 'domxfer.transfer_state', 'pg_catalog.bool'],
		['>=', 'domxfer.transfer_state', 'domxfer.transfer_state', 'pg_catalog.bool']
	] LOOP
		v_i := v_i OPERATOR(pg_catalog.+) 1;
		v_fn := 'hostile_op_' OPERATOR(pg_catalog.||) v_i;
		EXECUTE pg_catalog.format(
			'CREATE FUNCTION public.%I(a %s, b %s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog AS %L',
			v_fn, o[2], o[3], o[4],
			pg_catalog.format('BEGIN PERFORM public.hostile_hit(%L); RETURN a OPERATOR(%s.%s) b; END',
							  o[1] || '(' || o[2] || ',' || o[3] || ')',
							  CASE WHEN o[2] = 'domxfer.domain_status' THEN 'domxfer' ELSE 'pg_catalog' END, o[1]));
		EXECUTE pg_catalog.format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.%I)',
								  o[1], o[2], o[3], v_fn);
	END LOOP;
END
$plant$;
-- functions named like domxfer's, in public
CREATE FUNCTION public.transfer_out_blockers(d domxfer.domains, at pg_catalog.timestamptz)
RETURNS pg_catalog.text[] LANGUAGE plpgsql SET search_path = pg_catalog AS
$$BEGIN PERFORM public.hostile_hit('transfer_out_blockers'); RETURN '{}'; END$$;
CREATE FUNCTION public._policy_for(n pg_catalog.text) RETURNS domxfer.tld_policy
LANGUAGE plpgsql SET search_path = pg_catalog AS
$$BEGIN PERFORM public.hostile_hit('_policy_for'); RETURN NULL; END$$;
CREATE FUNCTION public._actor() RETURNS pg_catalog.text LANGUAGE plpgsql SET search_path = pg_catalog AS
$$BEGIN PERFORM public.hostile_hit('_actor'); RETURN 'mallory-was-here'; END$$;
CREATE FUNCTION public._auth_code_matches(c pg_catalog.text, s pg_catalog.bytea, h pg_catalog.bytea)
RETURNS pg_catalog.bool LANGUAGE plpgsql SET search_path = pg_catalog AS
$$BEGIN PERFORM public.hostile_hit('_auth_code_matches'); RETURN true; END$$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO PUBLIC;
});

# ---------------------------------------------------------------------
# (b) SECURITY DEFINER functions: pinned search_path ...
my $secdef = clean_psql('hostile', q{
SELECT p.oid::regprocedure || '#' || coalesce(array_to_string(p.proconfig, ';'), '<none>')
  FROM pg_proc p
 WHERE p.pronamespace = 'domxfer'::regnamespace AND p.prosecdef
 ORDER BY 1});
my @secdef = split /\n/, $secdef;
cmp_ok(scalar(@secdef), '>=', 9, scalar(@secdef) . ' SECURITY DEFINER functions in the extension');
for my $line (@secdef)
{
	my ($fn, $config) = split /#/, $line, 2;
	# the functions that take an auth code also keep it out of the log
	# (95_log_hygiene.sql); claim_notices keeps one plan for its query
	like($config, qr/^search_path=pg_catalog, pg_temp(;log_min_error_statement=panic)?(;plan_cache_mode=force_generic_plan)?$/,
		"$fn pins search_path = pg_catalog, pg_temp");
}
is( clean_psql('hostile', q{
SELECT count(*) FROM pg_proc p
 WHERE p.pronamespace = 'domxfer'::regnamespace AND p.prosecdef
   AND (p.proowner <> (SELECT extowner FROM pg_extension WHERE extname = 'domxfer')
		OR has_function_privilege('public', p.oid, 'EXECUTE'))}),
	'0', 'SECURITY DEFINER functions are owned by the extension owner and not executable by PUBLIC');
# ... and so does every function whose body's names are resolved at run
# time, with the caller's search_path otherwise (triggers and invoker-rights
# functions run with the privileges of whoever calls them)
is( clean_psql('hostile', q{
SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text), '')
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'domxfer'::regnamespace
   AND (l.lanname = 'plpgsql' OR (l.lanname = 'sql' AND p.prosqlbody IS NULL))
   AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)}),
	'', 'every PL/pgSQL function and SQL function with a string body pins search_path');

# ... and working, for the application in a hostile session. Domains and
# policy rows are prepared by a superuser in a clean session.
clean_psql('hostile', q{
SELECT pg_stat_reset();
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n, 'tap-registrar', now() - interval '400 days', now() + interval '400 days', 'holder@example.org'
  FROM unnest(ARRAY['sec-approve.example', 'sec-cancel.example', 'sec-due.example', 'sec-brute.example',
					'sec-manual.hk', 'sec-reissue.example', 'sec-registry.test', 'sec-spare.example']) AS n;
-- registry notices apply only to a registry-managed TLD (SPEC §8)
INSERT INTO domxfer.tld_policy (tld, registry_transfers) VALUES ('test', true);
-- a registrar's own table (SPEC §10), owned by the admin who attaches it
CREATE SCHEMA sec_src AUTHORIZATION domxfer_admin;
CREATE TABLE sec_src.domains (name text PRIMARY KEY, sponsoring_registrar text NOT NULL,
	registered_at timestamptz NOT NULL, expires_at timestamptz NOT NULL, registrant_email text,
	balance numeric NOT NULL DEFAULT 0);
ALTER TABLE sec_src.domains OWNER TO domxfer_admin;
INSERT INTO sec_src.domains VALUES ('sec-own.example', 'tap-registrar', now() - interval '400 days',
	now() + interval '400 days', 'holder@example.org', 0);
});

# Everything below runs as domxfer_app (or domxfer_admin) with public first
# in search_path. Only literals and schema-qualified calls: the test's own
# SQL must not resolve names through public either.
my $app_session = q{
-- the admin attaches its own table and detaches it again (SPEC §10)
SET ROLE domxfer_admin;
SET search_path = public, pg_catalog;
SELECT domxfer.attach_domains('sec_src.domains', '{"unpaid": "balance > 0"}');
SELECT domxfer.transfer_out_blockers(d) IS NOT NULL FROM sec_src.domains d;
SELECT domxfer.transfer_out_blockers('SEC-Own.example');
SELECT count(*) FROM domxfer.eligibility;
-- a transfer of the attached table's domain, past its deadline (the
-- superuser moves it, as time would), then the admin bills the domain: the
-- table's trigger decides the transfer first (issue 18, fault 4)
RESET ROLE;
SET ROLE domxfer_app;
SELECT transfer_id AS own_id, auth_code AS own_code FROM domxfer.request_transfer_out('sec-own.example') \gset
SELECT domxfer.receive_transfer_request('sec-own.example', :'own_code', 'gaining-reg') IS NOT NULL;
RESET ROLE;
UPDATE domxfer.transfers SET requested_at = requested_at OPERATOR(pg_catalog.-) '6 days'::pg_catalog.interval,
	   deadline = pg_catalog.now() OPERATOR(pg_catalog.-) '1 day'::pg_catalog.interval
 WHERE id OPERATOR(pg_catalog.=) :own_id;
SET ROLE domxfer_admin;
UPDATE sec_src.domains SET balance = 1 WHERE name OPERATOR(pg_catalog.=) 'sec-own.example';
-- its TRUNCATE passes the guard (no transfer open); rolled back
BEGIN;
TRUNCATE sec_src.domains;
ROLLBACK;
SELECT domxfer.detach_domains();
RESET ROLE;
SET ROLE domxfer_app;
SET search_path = public, pg_catalog;
SELECT transfer_id AS approve_id, auth_code AS approve_code
  FROM domxfer.request_transfer_out('SEC-Approve.Example.') \gset
SELECT domxfer.receive_transfer_request('sec-approve.example', :'approve_code', 'gaining-reg') AS received_id \gset
SELECT domxfer.approve_transfer_out(:approve_id);

SELECT transfer_id AS cancel_id, auth_code AS cancel_code FROM domxfer.request_transfer_out('sec-cancel.example') \gset
SELECT domxfer.reissue_auth_code(:cancel_id) AS cancel_code2 \gset
SELECT domxfer.receive_transfer_request('sec-cancel.example', :'cancel_code2', 'gaining-reg');
SELECT domxfer.cancel_transfer_out(:cancel_id, 'holder changed their mind');

SELECT transfer_id AS due_id, auth_code AS due_code FROM domxfer.request_transfer_out('sec-due.example') \gset
SELECT domxfer.receive_transfer_request('sec-due.example', :'due_code', 'gaining-reg');
SELECT domxfer.process_due_transfers();

SELECT domxfer.open_manual_transfer('sec-manual.hk') AS manual_id \gset
SELECT domxfer.record_documents_received(:manual_id) IS NOT NULL;
SELECT pg_catalog.length(domxfer.approve_manual_transfer(:manual_id));

-- the registry link (SPEC §8): a registry's transfer notice comes in, the
-- holder's cancellation goes out as a reject command, the registry answers
SELECT result FROM domxfer.apply_registry_message('<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1301"><msg>ack to dequeue</msg></result>
<msgQ count="1" id="sec-1"/><resData><domain:trnData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
<domain:name>SEC-Registry.test</domain:name><domain:trStatus>pending</domain:trStatus>
<domain:reID>gaining-reg</domain:reID><domain:reDate>2026-01-01T00:00:00.0Z</domain:reDate>
<domain:acID>tap-registrar</domain:acID><domain:acDate>2099-01-06T00:00:00+08:00</domain:acDate>
</domain:trnData></resData><trID><svTRID>sec-sv</svTRID></trID></response></epp>');
SELECT domxfer.cancel_transfer_out(t.id) FROM domxfer.transfers t
 WHERE t.domain_name OPERATOR(pg_catalog.=) 'sec-registry.test';
SELECT command_id AS registry_command FROM domxfer.claim_registry_commands(1) \gset
SELECT pg_catalog.length(domxfer.registry_command_xml(:registry_command)) OPERATOR(pg_catalog.>) 0;
SELECT domxfer.record_registry_response(:registry_command, 1000, 'SEC-SV-1');
-- the mailer (notices to the holder)
SELECT count(domxfer.mark_notice_sent(c.id)) FROM domxfer.claim_notices(2) c;
SELECT count(domxfer.mark_notice_failed(c.id, 'hostile session')) FROM domxfer.claim_notices(1) c;
SELECT domxfer.mark_notices_sent(ARRAY(SELECT c.id FROM domxfer.claim_notices(2) c)) OPERATOR(pg_catalog.>=) 0;
-- the listener's read (0.3.0)
SELECT pg_catalog.jsonb_array_length(s.events) OPERATOR(pg_catalog.>) 0
  FROM domxfer.transfer_events_since('1:1:') s;

-- the invoker-rights functions too
SELECT domxfer.transfer_out_eligible('sec-reissue.example'),
	   domxfer.transfer_out_eligible('sec-reissue.example', '2100-01-01 00:00+00');
SELECT domxfer.transfer_out_blockers(d), domxfer.transfer_out_warnings(d), domxfer.transfer_window(d) IS NOT NULL,
	   domxfer.transfer_out_eligible(d), domxfer.transfer_out_blocker_mask(d)
  FROM domxfer.domains d WHERE d.name OPERATOR(pg_catalog.=) 'sec-reissue.example';
SELECT domxfer.normalize_domain('中文.COM.'), domxfer.domain_to_unicode('xn--fiq228c.com'), domxfer.domain_tld('a.香港');
SELECT 'clientHold'::domxfer.domain_status OPERATOR(domxfer.+) 'clientTransferProhibited',
	   domxfer.rdap_status('clientHold'), domxfer.epp_status('ok'),
	   domxfer.domain_status_has('clientHold', 'client hold');
SELECT count(*) FROM domxfer.overdue_manual_requests;
-- the reporting views and RDAP, if this build has them
SELECT count(*) FROM pg_catalog.pg_class c
 WHERE c.relnamespace OPERATOR(pg_catalog.=) 'domxfer'::pg_catalog.regnamespace
   AND c.relname OPERATOR(pg_catalog.=) 'eligibility' \gset has_reporting_
\if :has_reporting_count
SELECT count(*) FROM domxfer.eligibility;
SELECT count(*) FROM domxfer.transfer_report;
SELECT count(*) FROM domxfer.daily_transfer_outcomes;
SELECT domxfer.rdap_domain('SEC-Reissue.Example') OPERATOR(pg_catalog.->>) 'ldhName';
\endif

-- the admin: a future instant, and the policy triggers
RESET ROLE;
SET ROLE domxfer_admin;
SET search_path = public, pg_catalog;
SELECT count(*) FROM domxfer.process_due_transfers_dry_run('2100-01-01 00:00+00');
SELECT domxfer.process_due_transfers('2100-01-01 00:00+00');
SELECT domxfer.restore_shipped_policy();
SELECT domxfer.set_notice_public_key(NULL);
SELECT domxfer.set_registry_client_public_key(NULL);
UPDATE domxfer.tld_policy SET early_approval = false WHERE tld OPERATOR(pg_catalog.=) 'hk';
UPDATE domxfer.tld_policy SET early_approval = true WHERE tld OPERATOR(pg_catalog.=) 'hk';
INSERT INTO domxfer.tld_policy (tld, shipped, min_days_after_registration) VALUES ('hk', true, 60);
INSERT INTO domxfer.holidays (day, tld, name) VALUES ('2030-01-01', '*', 'New Year');
DELETE FROM domxfer.holidays WHERE tld OPERATOR(pg_catalog.=) '*';
-- a domain without transfers may go (the trigger that keeps those with transfers runs)
DELETE FROM domxfer.domains WHERE name OPERATOR(pg_catalog.=) 'sec-spare.example';
-- the registry link 0.3.0: an unusable message is stored and listed; the
-- admin closes the discrepancy (SPEC §8)
SELECT result FROM domxfer.apply_registry_message('<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response>');
SELECT domxfer.acknowledge_registry_discrepancy(d.kind, d.discrepancy_id, 'hostile session: seen') IS NOT NULL
  FROM domxfer.registry_discrepancies d WHERE d.kind OPERATOR(pg_catalog.=) 'invalid_message';
};
($ret, $out, $err) = try_psql('hostile', $app_session);
is($ret, 0, 'the application session with public first in search_path ran without errors')
  or diag $err;
is(hostile_calls('hostile'), '0', 'no planted object was called by any domxfer function')
  or diag 'called: ' . hostile_log('hostile');

# the outcomes are the right ones (checked in a clean session)
is( clean_psql('hostile', q{
SELECT string_agg(t.domain_name || ':' || t.state || ':' || array_to_string(t.outcome_reason, ','), ' ' ORDER BY t.domain_name)
  FROM domxfer.transfers t}),
	'sec-approve.example:completed:holder_approved sec-cancel.example:cancelled:holder_cancelled '
	  . 'sec-due.example:completed:auto_approved sec-manual.hk:expired:auth_code_expired '
	  . 'sec-own.example:completed:auto_approved',
	'the lifecycle calls had their normal outcomes');
is( clean_psql('hostile', q{
SELECT string_agg(DISTINCT actor, ',') FROM domxfer.transfer_events}),
	'domxfer_admin,domxfer_app', 'events name the calling roles, not a planted _actor()');
is( clean_psql('hostile', q{
SELECT sponsoring_registrar FROM domxfer.domains WHERE name = 'sec-approve.example'}),
	'gaining-reg', 'the approved domain moved to the gaining registrar');
is( clean_psql('hostile', q{
SELECT sponsoring_registrar || ':' || balance FROM sec_src.domains WHERE name = 'sec-own.example'}),
	'gaining-reg:1', 'the attached table\'s transfer was decided before the bill, from the row as it was, and moved the domain');

# every SECURITY DEFINER function was exercised above
$node->poll_query_until('hostile', q{
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.=) 0 FROM pg_proc p
 WHERE p.pronamespace = 'domxfer'::regnamespace AND p.prosecdef
   AND coalesce((SELECT calls FROM pg_stat_user_functions s WHERE s.funcid = p.oid), 0) = 0}) or note 'stats';
is( clean_psql('hostile', q{
SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '')
  FROM pg_proc p
 WHERE p.pronamespace = 'domxfer'::regnamespace AND p.prosecdef
   AND coalesce((SELECT calls FROM pg_stat_user_functions s WHERE s.funcid = p.oid), 0) = 0}),
	'', 'every SECURITY DEFINER function was called in the hostile session');

# ---------------------------------------------------------------------
# (c) privileges
# No auth-code secret is readable by domxfer_reader (or domxfer_app) through
# a table column, a view column or a function it may execute.
is( clean_psql('hostile', q{
SELECT coalesce(string_agg(r.rolname || ':' || c.oid::regclass || '.' || a.attname, ', '), '')
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  CROSS JOIN (VALUES ('domxfer_reader'), ('domxfer_app')) AS r(rolname)
 WHERE c.relnamespace = 'domxfer'::regnamespace AND c.relkind IN ('r', 'v', 'm')
   AND (a.attname ~ '(hash|salt)' OR a.atttypid = 'bytea'::regtype)
   AND has_column_privilege(r.rolname, c.oid, a.attnum, 'SELECT')}),
	'', 'no hash, salt or code column is selectable by domxfer_reader or domxfer_app');
is( clean_psql('hostile', q{
SELECT coalesce(string_agg(DISTINCT v.oid::regclass::text, ', '), '')
  FROM pg_class v
  JOIN pg_rewrite rw ON rw.ev_class = v.oid
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
 WHERE v.relnamespace = 'domxfer'::regnamespace AND v.relkind IN ('v', 'm')
   AND d.refobjid = 'domxfer.transfers'::regclass
   AND a.attname IN ('auth_code_hash', 'auth_code_salt')
   AND has_table_privilege('domxfer_reader', v.oid, 'SELECT')}),
	'', 'no view readable by domxfer_reader is built on the hash or salt columns');
is( clean_psql('hostile', q{
SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '')
  FROM pg_proc p
 WHERE p.pronamespace = 'domxfer'::regnamespace
   AND (has_function_privilege('domxfer_reader', p.oid, 'EXECUTE')
		OR has_function_privilege('domxfer_app', p.oid, 'EXECUTE'))
   AND 'domxfer.transfers'::regtype = ANY (p.proargtypes::oid[] || p.prorettype || coalesce(p.proallargtypes, '{}'))}),
	'', 'no function executable by domxfer_reader or domxfer_app takes or returns a whole transfers row');

for my $query (
	'SELECT auth_code_hash FROM domxfer.transfers',
	'SELECT auth_code_salt FROM domxfer.transfers',
	'SELECT * FROM domxfer.transfers',
	'SELECT t FROM domxfer.transfers t',
	'SELECT row_to_json(t) FROM domxfer.transfers t',
	'SELECT count(*) FROM domxfer.transfers WHERE auth_code_hash IS NOT NULL',
	'COPY domxfer.transfers TO STDOUT',
	'SELECT domxfer._settle_transfer(1, now())',
	'SELECT domxfer.set_registry_client_public_key(NULL)',
	'SELECT * FROM domxfer.registry_client_key',
	'SELECT auth_info FROM domxfer.registry_commands',
	'SELECT c FROM domxfer.registry_commands c')
{
	($ret, $out, $err) = try_psql('hostile', "SET ROLE domxfer_reader; $query");
	like($err, qr/permission denied/, "domxfer_reader: $query is refused");
}
is( clean_psql('hostile', q{
SELECT string_agg(r.rolname, ',' ORDER BY r.rolname) FROM pg_roles r
 WHERE r.rolname IN ('domxfer_admin', 'domxfer_app', 'domxfer_reader')
   AND has_function_privilege(r.oid, 'domxfer.set_registry_client_public_key(text)', 'EXECUTE')}),
	'domxfer_admin', 'of the three roles only domxfer_admin may set the EPP client\'s key (SPEC §8 0.3.0)');
is( clean_psql('hostile', q{
SELECT string_agg(r.rolname, ',' ORDER BY r.rolname) FROM pg_roles r
 WHERE r.rolname IN ('domxfer_admin', 'domxfer_app', 'domxfer_reader')
   AND (has_table_privilege(r.oid, 'domxfer.registry_client_key', 'SELECT')
		OR has_column_privilege(r.oid, 'domxfer.registry_commands', 'auth_info', 'SELECT'))}),
	'domxfer_admin', 'of the three roles only domxfer_admin reads the key or the encrypted codes');
is( clean_psql('hostile', q{
SET ROLE domxfer_reader;
SELECT count(*) > 0 FROM domxfer.transfers t WHERE t.state = 'completed'}),
	't', 'domxfer_reader reads the other transfer columns');

my %app_refused = (
	'INSERT INTO domxfer.transfers (domain_name, state) VALUES (\'sec-reissue.example\', \'completed\')' => 'insert transfers',
	'UPDATE domxfer.transfers SET state = \'completed\'' => 'update transfers',
	'UPDATE domxfer.transfers SET failed_attempts = 0' => 'reset failed attempts',
	'DELETE FROM domxfer.transfers' => 'delete transfers',
	'TRUNCATE domxfer.transfers CASCADE' => 'truncate transfers',
	'INSERT INTO domxfer.transfer_events (transfer_id, to_state, actor) VALUES (1, \'completed\', \'x\')' => 'insert events',
	'UPDATE domxfer.transfer_events SET actor = \'x\'' => 'update events',
	'DELETE FROM domxfer.transfer_events' => 'delete events',
	'TRUNCATE domxfer.transfer_events' => 'truncate events',
	'INSERT INTO domxfer.tld_policy (tld) VALUES (\'cn\')' => 'insert policy',
	'UPDATE domxfer.tld_policy SET auto_approve_days = 7' => 'update policy',
	'DELETE FROM domxfer.tld_policy WHERE tld = \'cn\'' => 'delete policy',
	'INSERT INTO domxfer.holidays (day, name) VALUES (\'2030-01-01\', \'x\')' => 'insert holidays',
	'UPDATE domxfer.holidays SET name = \'x\'' => 'update holidays',
	'DELETE FROM domxfer.holidays' => 'delete holidays',
	'DELETE FROM domxfer.domains' => 'delete domains',
	'TRUNCATE domxfer.domains CASCADE' => 'truncate domains',
	'UPDATE domxfer.domains SET open_transfer_id = NULL' => 'update open_transfer_id',
	'SELECT domxfer._decide_due_transfer(1, now())' => 'call an internal function',
	'SELECT domxfer._check_auth_code_in_side_transaction(1, \'\\x00\', \'x\', now())' => 'call the side-transaction code check',
	'SELECT domxfer._check_auth_code(1, \'\\x00\', \'x\', now())' => 'call the code check itself',
	'SELECT domxfer._written_by_this_transaction(\'1\'::xid)' => 'call the xmin test',
	'SELECT domxfer.process_due_transfers(\'2100-01-01\')' => 'decide as of a future instant',
	'SELECT domxfer.set_registry_client_public_key(NULL)' => 'set or remove the EPP client\'s key (SPEC §8 0.3.0)',
	'SELECT * FROM domxfer.registry_client_key' => 'read the EPP client\'s key',
	'SELECT domxfer._peek_issued_auth_code()' => 'read the code issued last',
	'SELECT domxfer._encrypt_auth_info(\'x\', \'y\')' => 'call the encryption of the code');
for my $query (sort keys %app_refused)
{
	($ret, $out, $err) = try_psql('hostile', "SET ROLE domxfer_app; $query");
	like($err, qr/permission denied/, "domxfer_app cannot $app_refused{$query}");
}
is( clean_psql('hostile', q{
SELECT string_agg(format('%s:%s', t, p), ',' ORDER BY t, p)
  FROM unnest(ARRAY['domxfer.transfers', 'domxfer.transfer_events', 'domxfer.tld_policy', 'domxfer.holidays', 'domxfer.domains']) t,
	   unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
 WHERE has_table_privilege('domxfer_app', t, p)
	OR (p IN ('INSERT', 'UPDATE') AND has_any_column_privilege('domxfer_app', t, p))}),
	'domxfer.domains:INSERT,domxfer.domains:UPDATE',
	'domxfer_app holds no INSERT, UPDATE, DELETE or TRUNCATE privilege (table or column) but INSERT and UPDATE of domains');

# ---------------------------------------------------------------------
# (d) brute force: 5 wrong codes revoke the code; the right one then fails.
my $brute = clean_psql('hostile', q{
SET ROLE domxfer_app;
SELECT transfer_id || ' ' || auth_code FROM domxfer.request_transfer_out('sec-brute.example')});
my ($brute_id, $brute_code) = split / /, $brute;
like($brute_code, qr/^[A-Za-z0-9]{22}$/, 'a code was issued');
for my $attempt (1 .. 5)
{
	my $wrong = ($brute_code =~ s/^(.)/$1 eq 'A' ? 'B' : 'A'/er) . '';
	($ret, $out, $err) = try_psql('hostile', qq{
SET ROLE domxfer_app;
SET search_path = public, pg_catalog;
\\set VERBOSITY verbose
SELECT domxfer.receive_transfer_request('sec-brute.example', '$wrong', 'gaining-reg')});
	like($err, qr/28P01/, "wrong code $attempt fails with 28P01");
	is(clean_psql('hostile', "SELECT failed_attempts FROM domxfer.transfers WHERE id = $brute_id"),
		$attempt, "wrong code $attempt is counted");
}
is( clean_psql('hostile', qq{
SELECT auth_code_hash IS NULL AND auth_code_salt IS NULL AND state = 'auth_code_issued'
  FROM domxfer.transfers WHERE id = $brute_id}),
	't', 'after 5 wrong codes the code is revoked (hash and salt dropped)');
($ret, $out, $err) = try_psql('hostile', qq{
SET ROLE domxfer_app;
\\set VERBOSITY verbose
SELECT domxfer.receive_transfer_request('sec-brute.example', '$brute_code', 'gaining-reg')});
like($err, qr/28P01.*revoked/s, 'the right code now fails too (28P01, revoked)');
is( clean_psql('hostile', qq{
SELECT state || ' ' || failed_attempts FROM domxfer.transfers WHERE id = $brute_id}),
	'auth_code_issued 5', 'the transfer did not move and the count stays at 5');
is( clean_psql('hostile', qq{
SELECT count(*) FROM domxfer.transfer_events
 WHERE transfer_id = $brute_id AND detail ->> 'action' = 'auth_code_revoked'}),
	'1', 'the revocation is in the audit log');
# a reissued code works again
my $fresh = clean_psql('hostile', qq{
SET ROLE domxfer_app;
SELECT domxfer.reissue_auth_code($brute_id)});
is( clean_psql('hostile', qq{
SET ROLE domxfer_app;
SELECT domxfer.receive_transfer_request('sec-brute.example', '$fresh', 'gaining-reg') = $brute_id}),
	't', 'a reissued code is accepted');
is(hostile_calls('hostile'), '0', 'still no planted object called');

$node->stop;
done_testing();
