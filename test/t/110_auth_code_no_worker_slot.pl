# With no free background-worker slot the auth code cannot be compared in the
# side transaction that would count a wrong guess; then no comparison is made
# at all: the right and a wrong code get the same 53000 error and nothing is
# counted, so concurrent guessing cannot bypass the 5-attempt lockout.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('noslot');
$node->init;
# max_worker_processes = 0: no slot for any dynamic background worker
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'domxfer'\ndomxfer.registrar_id = 'tap-registrar'\nmax_worker_processes = 0\n");
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION domxfer;
	INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
	VALUES ('noslot.example', 'tap-registrar', now() - interval '400 days', now() + interval '300 days',
			'holder@example.net');
	CREATE TABLE code AS SELECT * FROM domxfer.request_transfer_out('noslot.example');
	-- SQLSTATE, message and hint of a receive_transfer_request call
	CREATE FUNCTION try_receive(candidate text) RETURNS text LANGUAGE plpgsql AS $$
	DECLARE v_state text; v_msg text; v_hint text;
	BEGIN
		PERFORM domxfer.receive_transfer_request('noslot.example', candidate, 'tap-gainer');
		RETURN 'ok';
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_hint = PG_EXCEPTION_HINT;
		RETURN v_state || ': ' || v_msg || ' | ' || v_hint;
	END $$;
});
is($node->safe_psql('postgres', 'SHOW max_worker_processes'), '0', 'no background-worker slot');

my $expected = '53000: could not check the auth code now | Retry the request in a moment, outside any transaction that has changed the transfer.';
my $right = $node->safe_psql('postgres', 'SELECT try_receive(auth_code) FROM code');
is($right, $expected, 'the right code is not checked: 53000, not accepted');
for my $i (1 .. 6)
{
	my $wrong = $node->safe_psql('postgres', "SELECT try_receive('wrong-$i')");
	is($wrong, $expected, "wrong code $i gets the same 53000 error, not 28P01");
}
my $state = $node->safe_psql('postgres',
	q{SELECT state, failed_attempts, auth_code_hash IS NOT NULL FROM domxfer.transfers WHERE domain_name = 'noslot.example'});
is($state, 'auth_code_issued|0|t', 'nothing compared, nothing counted, the code is not revoked');
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
		   WHERE t.domain_name = 'noslot.example'}),
	'1', 'only the request event was logged');

# with a slot again, the same right code is accepted
$node->append_conf('postgresql.conf', "max_worker_processes = 8\n");
$node->restart;
is($node->safe_psql('postgres', q{SELECT try_receive('wrong-after')}),
	'28P01: invalid auth code for domain "noslot.example" | ', 'a wrong code is compared and refused again');
is($node->safe_psql('postgres', 'SELECT try_receive(auth_code) FROM code'), 'ok', 'the right code is accepted');
is($node->safe_psql('postgres',
		q{SELECT state, failed_attempts FROM domxfer.transfers WHERE domain_name = 'noslot.example'}),
	'pending|1', 'only the checked wrong code was counted');

$node->stop;
done_testing();
