# NOTIFY as a doorbell (SPEC §3, 0.3.0), in the database the worker serves
# (domxfer.notify = auto means coalesced there): a listener that LISTENs and
# reads with transfer_events_since only when a notification arrives gets a
# doorbell after every burst of commits and, through the reads, every event
# exactly once. The doorbells carry no payload and come from the worker.
# In the same database a session with domxfer.notify = each sends 0.2.0's
# NOTIFY per change with its payload itself. While the worker is down, auto
# falls back to each; coalesced commits are rung by the restarted worker.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);
use DomxferWorker;

my $db = 'tap';
my $node = new_domxfer_node('doorbell');
my $worker = worker_pid($node, $db);

is($node->safe_psql($db, 'SHOW domxfer.notify'), 'auto', 'domxfer.notify is auto by default');

my $clients = 8;
my $per_client = 10;
my $bursts = 3;
my $total = $clients * $per_client * $bursts;
$node->safe_psql($db, qq{
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'burst' || i || '.example', 'tap-registrar', now() - interval '400 days', now() + interval '400 days',
	   'holder\@example.org'
  FROM generate_series(1, $total + 10) i;
CREATE SEQUENCE public.burst_next;
});
my $script = PostgreSQL::Test::Utils::tempdir() . '/burst.sql';
PostgreSQL::Test::Utils::append_to_file($script,
	"SELECT count(*) FROM domxfer.request_transfer_out('burst' || nextval('public.burst_next') || '.example');\n");

my $listener = $node->background_psql($db);
$listener->query_safe('LISTEN domxfer_transfer');
my $cursor = $listener->query_safe('SELECT next_cursor FROM domxfer.transfer_events_since(NULL)');
my (@notifications, %seen);
my $twice = 0;

# Runs a query in the listener's session; notifications psql printed go to
# @notifications, the other lines are returned.
sub listener_query
{
	my ($sql) = @_;
	my $out = $listener->query_safe($sql);
	my @lines = split /\n/, $out;
	push @notifications, grep { /^Asynchronous notification/ } @lines;
	return join "\n", grep { !/^Asynchronous notification/ } @lines;
}

# The listener's loop, as an application runs it: waits for a notification,
# then reads every event since its cursor. Returns once $want(event ids)
# holds, or false after the default timeout.
sub listen_until
{
	my ($want) = @_;
	my $until = time + $PostgreSQL::Test::Utils::timeout_default;
	my $heard = scalar @notifications;
	while (time < $until)
	{
		listener_query('SELECT 1');
		if (@notifications > $heard)
		{
			$heard = @notifications;
			my $row = listener_query(qq{
SELECT next_cursor || '|' || coalesce((SELECT string_agg(e->>'event_id', ',') FROM jsonb_array_elements(events) e), '')
  FROM domxfer.transfer_events_since('$cursor')});
			my ($next, $ids) = split /\|/, $row, 2;
			$cursor = $next;
			for my $id (split /,/, $ids // '')
			{
				$twice++ if $seen{$id}++;
			}
			return 1 if $want->();
		}
		sleep(0.02);
	}
	return 0;
}

sub committed_event_ids
{
	return split /,/, $node->safe_psql($db, 'SELECT string_agg(id::text, \',\' ORDER BY id) FROM domxfer.transfer_events');
}

# (1) bursts of commits from several clients
for my $burst (1 .. $bursts)
{
	$node->command_ok(
		[ 'pgbench', '-n', '-c', $clients, '-j', 2, '-t', $per_client, '-f', $script, $db ],
		"burst $burst: $clients clients commit $per_client transfer requests each");
	my @committed = committed_event_ids();
	is(scalar @committed, $burst * $clients * $per_client, "burst $burst: its events are committed");
	ok(listen_until(sub { !grep { !$seen{$_} } @committed }),
		"burst $burst: reading only when a doorbell rang, the listener got every committed event");
}
is($twice, 0, 'no event was returned twice');
is(scalar(keys %seen), $total, "$total events read, one per commit");
my @payloads = grep { /with payload/ } @notifications;
is(scalar @payloads, 0, 'coalesced doorbells carry no payload');
is(scalar(grep { !/from server process with PID $worker\.$/ } @notifications), 0,
	'every doorbell came from the worker');
ok(@notifications >= $bursts, scalar(@notifications) . " doorbells for $total commits (at least one per burst)");
diag(scalar(@notifications) . " doorbells answered $total commits");

# (2) each, in a session of the same database: 0.2.0's NOTIFY per change
my $each = $node->safe_psql($db, q{
SET domxfer.notify = 'each';
SELECT transfer_id || '|' || pg_backend_pid()
  FROM domxfer.request_transfer_out('burst' || nextval('public.burst_next') || '.example');
});
my ($each_transfer, $each_pid) = split /\|/, $each;
my $each_name = $node->safe_psql($db, "SELECT domain_name FROM domxfer.transfers WHERE id = $each_transfer");
my $each_event = $node->safe_psql($db, "SELECT id FROM domxfer.transfer_events WHERE transfer_id = $each_transfer");
@notifications = ();
ok(listen_until(sub { $seen{$each_event} }), 'each: the listener reads the change');
is_deeply(
	[ grep { /with payload/ } @notifications ],
	[ qq{Asynchronous notification "domxfer_transfer" with payload "{"state": "auth_code_issued", "domain": "$each_name", "transfer_id": $each_transfer}" received from server process with PID $each_pid.} ],
	'each: one NOTIFY with {"transfer_id", "domain", "state"}, sent by the changing session itself');

# (3) the worker down: auto falls back to each; coalesced waits for the
# restarted worker, which rings once when it starts
sub while_worker_down
{
	my ($setting) = @_;
	for my $try (1 .. 5)
	{
		$node->safe_psql($db, 'SELECT pg_terminate_backend(pid) FROM domxfer.worker_status() WHERE pid IS NOT NULL');
		$node->poll_query_until($db, 'SELECT pid IS NULL FROM domxfer.worker_status()')
		  or die 'the worker did not stop';
		my $row = $node->safe_psql($db, qq{
SET domxfer.notify = '$setting';
BEGIN;
SELECT (SELECT pid IS NULL FROM domxfer.worker_status()) AS down_before \\gset
SELECT transfer_id AS transfer
  FROM domxfer.request_transfer_out('burst' || nextval('public.burst_next') || '.example') \\gset
COMMIT;
SELECT :'down_before' AND (SELECT pid IS NULL FROM domxfer.worker_status()), :transfer, pg_backend_pid();
});
		my ($down, $transfer, $pid) = split /\|/, $row;
		return ($transfer, $pid) if $down eq 't';
		diag("try $try: the worker came back during the call; again");
	}
	die 'the worker never stayed down for one call';
}

my ($auto_transfer, $auto_pid) = while_worker_down('auto');
my $auto_event = $node->safe_psql($db, "SELECT id FROM domxfer.transfer_events WHERE transfer_id = $auto_transfer");
@notifications = ();
ok(listen_until(sub { $seen{$auto_event} }), 'auto with the worker down: the listener reads the change');
ok((grep { /with payload .*"transfer_id": $auto_transfer\}" received from server process with PID $auto_pid\.$/ } @notifications),
	'auto with the worker down: the changing session sent the NOTIFY itself (each)');

my ($co_transfer, $co_pid) = while_worker_down('coalesced');
my $co_event = $node->safe_psql($db, "SELECT id FROM domxfer.transfer_events WHERE transfer_id = $co_transfer");
@notifications = ();
ok(listen_until(sub { $seen{$co_event} }), 'coalesced with the worker down: the change is read after a doorbell');
my $new_worker = worker_pid($node, $db);
isnt($new_worker, $worker, 'a new worker process runs');
ok(!(grep { /PID $co_pid\.$/ } @notifications) && (grep { /^Asynchronous notification "domxfer_transfer" received from server process with PID $new_worker\.$/ } @notifications),
	'coalesced: the restarted worker rang, the changing session did not');
is($twice, 0, 'still no event returned twice');

$listener->quit;
$node->stop;
done_testing();
