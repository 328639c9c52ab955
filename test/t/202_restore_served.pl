# Restoring a dump into the database the worker serves, while it runs
# (issue 18, fault 2). The dump holds due transfers; before 0.3.0 the worker
# decided them mid-restore with fresh sequence values, and the restored
# audit log clashed with its events (transfer_events_pkey) and was lost.
# Now the worker pauses while a restoring session is connected: every row
# of the dump comes back, and afterwards each due transfer is decided once,
# as of its deadline. Serially and with pg_restore -j 4, and from a dump
# whose notices table is empty (a database upgraded from 0.1.0).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $extension_data = slurp_file("$FindBin::RealBin/../lib/extension_data.sql");
my $db = 'served';
my $node = new_domxfer_node('restore_served', database => 'src', conf => "domxfer.naptime = 100\n");

# worker_status() is read from another database while the served one is gone
$node->safe_psql('postgres', 'CREATE EXTENSION domxfer');
# the source: the worker serves it for now, decides nothing (far deadlines)
create_pending_transfers($node, 'src', 'due', 300);
$node->safe_psql('src', q{
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('issued.example', 'tap-registrar', now() - interval '400 days', now() + interval '400 days', 'h@example.org');
SELECT domxfer.request_transfer_out('issued.example');
});
# serve another database, then make the source's transfers due (past deadlines)
$node->append_conf('postgresql.conf', "domxfer.database = '$db'\n");
$node->restart;
ok( wait_until($node, 'postgres', "SELECT state = 'database missing' FROM domxfer.worker_status()"),
	'the worker waits for its database');
$node->safe_psql('src', q{
UPDATE domxfer.transfers SET requested_at = date_trunc('second', now()) - interval '6 days',
	deadline = date_trunc('second', now()) - interval '1 hour' * (id % 5 + 1)
 WHERE state = 'pending'});
is($node->safe_psql('src', "SELECT count(*) FROM domxfer.transfers WHERE due_at < now()"),
	'300', 'the source has 300 due pending transfers, undecided');

my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ], 'pg_dump -Fc of the source');
# the same, with an empty notices table
$node->safe_psql('postgres', 'CREATE DATABASE src_nonotices TEMPLATE src');
$node->safe_psql('src_nonotices', 'SET session_replication_role = replica; DELETE FROM domxfer.notices');
my $dump_nonotices = $node->basedir . '/src_nonotices.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump_nonotices, '-d', $node->connstr('src_nonotices') ],
	'pg_dump -Fc of a source whose notices table is empty');

my $round = 0;
for my $case ([ 'serial', $dump, 'src', [] ], [ 'pg_restore -j 4', $dump, 'src', [ '-j', '4' ] ],
	[ 'empty notices', $dump_nonotices, 'src_nonotices', [] ])
{
	my ($label, $file, $source, $jobs) = @$case;
	$round++;
	my $src_data = $node->safe_psql($source, $extension_data);
	my $src_events = $node->safe_psql($source, 'SELECT count(*) FROM domxfer.transfer_events');
	my $src_max_event = $node->safe_psql($source, 'SELECT max(id) FROM domxfer.transfer_events');
	my $log_offset = -s $node->logfile;

	$node->safe_psql('postgres', "DROP DATABASE IF EXISTS $db WITH (FORCE)");
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	ok( wait_until($node, 'postgres',
			"SELECT state = 'extension not installed' FROM domxfer.worker_status()"),
		"$label: the worker serves the new, empty database");

	$node->command_ok([ 'pg_restore', '--exit-on-error', @$jobs, '-d', $node->connstr($db), $file ],
		"$label: pg_restore into the served database while the worker runs, without errors");

	# once the restoring sessions are gone the worker decides the due transfers
	ok( wait_until($node, $db, q{
SELECT count(*) = 0 FROM domxfer.transfers WHERE state = 'pending'}),
		"$label: the worker decides the restored due transfers after the restore");
	is( $node->safe_psql($db, qq{
SELECT count(*) FILTER (WHERE t.decided_at = t.deadline AND t.state = 'completed')
	   || ' ' || count(*) FILTER (WHERE e.actor = 'worker')
	   || ' ' || count(*)
  FROM domxfer.transfers t
  JOIN domxfer.transfer_events e ON e.transfer_id = t.id AND e.id > $src_max_event
 WHERE t.domain_name LIKE 'due%'}),
		'300 300 300', "$label: each completed once, as of its deadline, by the worker (one new event each)");
	is( $node->safe_psql($db, "SELECT count(*) FROM domxfer.transfer_events WHERE id <= $src_max_event"),
		$src_events, "$label: every restored event is there ($src_events)");
	is( $node->safe_psql($db, qq{
SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM domxfer.transfer_events e WHERE id <= $src_max_event}),
		$node->safe_psql($source, q{SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM domxfer.transfer_events e}),
		"$label: the restored audit log is the source's, row for row");
	is( $node->safe_psql($db, q{
SELECT count(*) FROM domxfer.notices n JOIN domxfer.transfers t ON t.id = n.transfer_id
 WHERE t.domain_name LIKE 'due%' AND n.kind = 'transfer_completed'}),
		'300', "$label: one completion notice per decided transfer");
	is($node->safe_psql($db, "SELECT state FROM domxfer.transfers WHERE domain_name = 'issued.example'"),
		'auth_code_issued', "$label: the transfer that is not due stays open");
	my $log = slurp_file($node->logfile, $log_offset);
	# (on a loaded machine the restore may end before the worker looks)
	note("$label: the worker " . ($log =~ /domxfer worker pauses: a dump is being restored/ ? 'paused' : 'did not see the restore'));
	unlike($log, qr/ERROR:.*transfer_events_pkey/, "$label: no clash of event ids");
}

$node->stop('fast');
done_testing();
