# Database-wide conditions are states of the worker, not crash loops: with
# writes refused (default_transaction_read_only, from ALTER SYSTEM and from
# ALTER DATABASE), a lock it cannot get, or a database that refuses
# connections, and a transfer due, the worker stays alive (same pid), shows
# the condition in worker_status(), logs it once, waits quietly and decides
# the transfer once the condition is lifted. last_error clears after a
# successful pass; last_error_at stays.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
my $node = new_domxfer_node('conditions', conf => "domxfer.naptime = '100ms'\n");
# worker_status() is also read from postgres while 'tap' refuses connections
$node->safe_psql('postgres', 'CREATE EXTENSION domxfer');
my $pid = worker_pid($node, $db);
my $rw = 'SET default_transaction_read_only = off;';

# Count of server log lines matching a pattern from byte $from on, leaving
# out the test's own statements (log_statement = all in TAP servers).
sub log_count
{
	my ($from, $re) = @_;
	my @lines = grep { /$re/ && !/ statement: / } split /\n/,
	  slurp_file($node->logfile, $from);
	return scalar @lines;
}

# Waits until last_error_at has moved $times times: the worker has tried again.
sub wait_for_retries
{
	my ($dbname, $times) = @_;
	for (1 .. $times)
	{
		my $at = worker_status($node, $dbname, 'last_error_at');
		wait_until($node, $dbname,
			"SELECT last_error_at > '$at' FROM domxfer.worker_status()")
		  or return 0;
	}
	return 1;
}

sub transfer_state
{
	my ($name) = @_;
	return $node->safe_psql($db,
		"SELECT state FROM domxfer.transfers WHERE domain_name = '$name'");
}

# (1) read only, from ALTER SYSTEM: a reload lifts it
create_pending_transfers($node, $db, 'ro', 1);
my $from = -s $node->logfile;
$node->safe_psql('postgres',
	"ALTER SYSTEM SET default_transaction_read_only = on; SELECT pg_reload_conf();");
$node->poll_query_until('postgres', 'SHOW default_transaction_read_only', 'on')
  or die 'the setting did not take';
$node->safe_psql($db, "$rw UPDATE domxfer.transfers SET deadline = clock_timestamp()
  WHERE domain_name = 'ro1.example'");
ok(wait_until($node, $db, "SELECT state = 'read only' FROM domxfer.worker_status()"),
	'read only: worker_status shows the state');
like(worker_status($node, $db, 'last_error'), qr/read-only transaction/,
	'read only: last_error says why');
ok(wait_for_retries($db, 3), 'read only: the worker tries again while it waits');
is(worker_status($node, $db, 'pid'), $pid, 'read only: the same process waits (no restart)');
is(transfer_state('ro1.example'), 'pending', 'read only: nothing decided meanwhile');
is(log_count($from, qr/domxfer worker is waiting: read only/), 1,
	'read only: the condition is logged once');
cmp_ok(log_count($from, qr/read-only transaction|read only/), '<=', 2,
	'read only: at most two log lines about it over the wait');
is(log_count($from, qr/domxfer worker.*exited/), 0, 'read only: no worker exit logged');
my $error_at = worker_status($node, $db, 'last_error_at');

$node->safe_psql('postgres',
	"$rw ALTER SYSTEM RESET default_transaction_read_only; SELECT pg_reload_conf();");
ok(wait_until($node, $db, "SELECT state <> 'pending' FROM domxfer.transfers WHERE domain_name = 'ro1.example'"),
	'read only lifted: the transfer is decided');
is(transfer_state('ro1.example'), 'completed', 'read only lifted: completed');
ok(wait_until($node, $db, "SELECT state = 'running' FROM domxfer.worker_status()"),
	'read only lifted: the worker runs again');
is(worker_status($node, $db, 'pid'), $pid, 'read only lifted: still the same process');
is(worker_status($node, $db, 'last_error IS NULL'), 't',
	'last_error clears once a pass succeeds');
is(worker_status($node, $db, "last_error_at >= '$error_at'"), 't',
	'last_error_at keeps the time of the last error');
is(log_count($from, qr/domxfer worker resumes: "read only" is over/), 1,
	'read only lifted: one line says the worker resumes');

# (2) a lock the worker cannot get within lock_timeout: a state, then decided
create_pending_transfers($node, $db, 'lk', 1);
$from = -s $node->logfile;
$node->safe_psql('postgres', "ALTER SYSTEM SET lock_timeout = '200ms'; SELECT pg_reload_conf();");
$node->poll_query_until('postgres', 'SHOW lock_timeout', '200ms') or die;
my $locker = $node->background_psql($db);
$locker->query_safe('BEGIN; SET LOCAL lock_timeout = 0; LOCK TABLE domxfer.transfers IN ACCESS EXCLUSIVE MODE');
# the deadline is written by another session, which waits for the lock too
my $writer = $node->background_psql($db);
$writer->query_until(qr/sent/, q{
SET lock_timeout = 0;
\echo sent
UPDATE domxfer.transfers SET deadline = clock_timestamp() WHERE domain_name = 'lk1.example';
});
ok(wait_until($node, $db, "SELECT state = 'lock not available' FROM domxfer.worker_status()"),
	'lock timeout: worker_status shows the state');
ok(wait_for_retries($db, 2), 'lock timeout: the worker tries again while it waits');
is(worker_status($node, $db, 'pid'), $pid, 'lock timeout: the same process waits');
is(log_count($from, qr/domxfer worker is waiting: lock not available/), 1,
	'lock timeout: logged once');
$locker->query_safe('COMMIT');
$locker->quit;
$writer->quit;
ok(wait_until($node, $db, "SELECT state <> 'pending' FROM domxfer.transfers WHERE domain_name = 'lk1.example'"),
	'lock released: the transfer is decided');
ok(wait_until($node, $db, "SELECT state = 'running' AND last_error IS NULL FROM domxfer.worker_status()"),
	'lock released: running, last_error cleared');
$node->safe_psql('postgres', "ALTER SYSTEM RESET lock_timeout; SELECT pg_reload_conf();");

# (3) read only from ALTER DATABASE (applies at connection time): the worker
# waits, and reconnects once the database's setting is removed
create_pending_transfers($node, $db, 'adb', 1);
$from = -s $node->logfile;
$node->safe_psql('postgres', "ALTER DATABASE $db SET default_transaction_read_only = on");
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
ok(wait_until($node, 'postgres', "SELECT pid <> $pid AND state = 'running' FROM domxfer.worker_status()"),
	'ALTER DATABASE: the restarted worker runs');
$pid = worker_status($node, 'postgres', 'pid');
$node->safe_psql($db, "$rw UPDATE domxfer.transfers SET deadline = clock_timestamp()
  WHERE domain_name = 'adb1.example'");
ok(wait_until($node, $db, "SELECT state = 'read only' FROM domxfer.worker_status()"),
	'ALTER DATABASE read only: worker_status shows the state');
ok(wait_for_retries($db, 2), 'ALTER DATABASE read only: the worker waits and tries again');
is(worker_status($node, $db, 'pid'), $pid, 'ALTER DATABASE read only: the same process waits');
$node->safe_psql('postgres', "ALTER DATABASE $db RESET default_transaction_read_only");
ok(wait_until($node, $db, "SELECT state = 'completed' FROM domxfer.transfers WHERE domain_name = 'adb1.example'"),
	'ALTER DATABASE ... RESET: the worker reconnects and decides the transfer');
is(log_count($from, qr/domxfer worker is waiting: read only/), 1,
	'ALTER DATABASE read only: logged once');
is(log_count($from, qr/domxfer worker reconnects/), 1, 'ALTER DATABASE read only: one reconnect');

# (4) a database that refuses connections: one FATAL, then a quiet wait
$pid = worker_pid($node, $db);
$from = -s $node->logfile;
$node->safe_psql('postgres', "ALTER DATABASE $db ALLOW_CONNECTIONS false");
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
ok( wait_until($node, 'postgres',
		"SELECT state = 'connections not allowed' FROM domxfer.worker_status()"),
	'closed database: worker_status shows the state');
my $waiting = worker_status($node, 'postgres', 'pid');
# several naptimes pass: the waiting process is still the same
$node->poll_query_until('postgres',
	"SELECT now() - backend_start > interval '2 s' FROM pg_stat_activity WHERE pid = $waiting")
  or die 'the waiting worker went away';
is(worker_status($node, 'postgres', 'pid'), $waiting, 'closed database: the worker waits in one process');
is(log_count($from, qr/is not currently accepting connections/), 1,
	'closed database: one FATAL, not one per restart');
$node->safe_psql('postgres', "ALTER DATABASE $db ALLOW_CONNECTIONS true");
ok(wait_until($node, 'postgres', "SELECT state = 'running' FROM domxfer.worker_status()"),
	'closed database reopened: the worker runs again');

$node->stop('fast');
done_testing();
