# Failover with a real failover manager (issue 18): Debian's pg_auto_failover
# (postgresql-15-auto-failover, pg-auto-failover-cli) runs a monitor, a
# primary and a secondary on this machine (loopback only). A transfer load
# runs through a multi-host connection string (requests, receives,
# deadlines a few seconds ahead, notices claimed and marked sent) while
# first "pg_autoctl perform failover" and then a kill -9 of the new
# primary's keeper and postgres move the primary. Afterwards every
# acknowledged write is there, every due transfer is decided exactly once
# and as of its deadline, every decision owes exactly one notice, the
# worker is idle on the secondary and runs on each new primary, and the
# readers work on the secondary as a domxfer_reader login.
#
# Settings this needs (and runs with): synchronous_commit = on (the
# default) with the synchronous standby that pg_auto_failover configures
# (synchronous_standby_names = 'ANY 1 (pgautofailover_standby_N)', its
# default replication quorum), so an acknowledged commit is on the
# secondary before the client hears of it; the monitor's health checks
# shortened to 1 s so that the kill -9 is noticed within seconds.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use IPC::Run;
use POSIX qw(WNOHANG);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);

my $bindir = `pg_config --bindir`;
chomp $bindir;
my $pkglibdir = `pg_config --pkglibdir`;
chomp $pkglibdir;
my ($autoctl) = grep { -x $_ } map { "$_/pg_autoctl" } split /:/, $ENV{PATH};
plan skip_all => 'pg_auto_failover is not installed (scripts/install-deps.sh installs it)'
  unless $autoctl && -e "$pkglibdir/pgautofailover.so";

my $base = PostgreSQL::Test::Utils::tempdir;
# three ports at the end of the range the suite gives its TAP servers
# (DOMXFER_TAP_PORT .. + 199), loopback only
my $port_base = ($ENV{PGPORT} // 55432) + 190;
my ($port_mon, $port1, $port2) = ($port_base, $port_base + 1, $port_base + 2);
my %port = (node1 => $port1, node2 => $port2);
my $timeout = $PostgreSQL::Test::Utils::timeout_default;

# pg_autoctl reads its files from XDG directories and reaches its local
# postgres through the default socket: none of the test harness's settings
delete $ENV{$_} for qw(PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGDATA);
$ENV{XDG_CONFIG_HOME} = "$base/config";
$ENV{XDG_DATA_HOME} = "$base/data";
$ENV{XDG_RUNTIME_DIR} = "$base/run";
mkdir "$base/run";
$ENV{PATH} = "$bindir:$ENV{PATH}";

my @common = ('--hostname', '127.0.0.1', '--listen', '127.0.0.1', '--auth', 'trust', '--no-ssl',
	'--pgctl', "$bindir/pg_ctl");
my $monitor_uri = "postgres://autoctl_node\@127.0.0.1:$port_mon/pg_auto_failover?sslmode=disable";

# runs a command to its end, its output in the test log
sub run_ok
{
	my ($cmd, $name) = @_;
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run($cmd, '>', \$out, '2>', \$err, IPC::Run::timeout($timeout));
	note(join(' ', @$cmd) . "\n$out$err") unless $ok;
	ok($ok, $name);
	return $ok;
}

# "pg_autoctl run" for a data directory, in a session and process group of
# its own (so that the keeper, its services and its postgres can be killed
# together, as when the host is lost); returns its pid (= the group's id)
my %keeper;
sub start_keeper
{
	my ($pgdata) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0)
	{
		POSIX::setsid();
		open(STDIN, '<', '/dev/null');
		open(STDOUT, '>', "$pgdata.keeper.log");
		open(STDERR, '>&', \*STDOUT);
		exec($autoctl, 'run', '--pgdata', $pgdata) or POSIX::_exit(127);
	}
	$keeper{$pgdata} = $pid;
	return $pid;
}

# psql on one port of the loopback interface; $sql is one statement string
# or an array of them, each its own transaction
sub psql_at
{
	my ($port, $db, $sql, %opts) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', $port,
			'-U', $opts{user} // 'postgres', '-d', $db, map { ('-c', $_) } ref $sql ? @$sql : ($sql) ],
		'>', \$out, '2>', \$err, IPC::Run::timeout(60));
	chomp $out;
	note("psql on port $port: $err") if $err ne '' && !$opts{quiet};
	return wantarray ? ($out, $err) : $out;
}

# the same, and the test stops on an error (set-up steps)
sub psql_safe
{
	my ($out, $err) = psql_at(@_);
	BAIL_OUT("set-up failed: $err") if $err =~ /error|fatal/i;
	return $out;
}

sub poll
{
	my ($port, $db, $sql, $expected) = @_;
	my $until = time + $timeout;
	while (time < $until)
	{
		my ($out) = eval { psql_at($port, $db, $sql, quiet => 1) };
		return 1 if defined $out && $out eq $expected;
		usleep(200_000);
	}
	return 0;
}

sub states
{
	return scalar psql_at($port_mon, 'pg_auto_failover',
		q{SELECT string_agg(nodename || ':' || reportedstate || ':' || goalstate, ' ' ORDER BY nodeid) FROM pgautofailover.node});
}

# ---------------------------------------------------------------------
# the monitor, with health checks every second
run_ok([ $autoctl, 'create', 'monitor', '--pgdata', "$base/monitor", '--pgport', $port_mon, @common ],
	'pg_autoctl create monitor');
start_keeper("$base/monitor");
ok(poll($port_mon, 'pg_auto_failover', 'SELECT 1', '1'), 'the monitor runs');
psql_safe($port_mon, 'pg_auto_failover', [
	'ALTER SYSTEM SET pgautofailover.health_check_period = 1000',
	'ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000',
	'ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1',
	'ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500',
	'ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 4000',
	'SELECT pg_reload_conf()' ]);

# the primary: an instance set up for domxfer, then handed to pg_autoctl
run_ok([ 'initdb', '-D', "$base/node1", '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8' ],
	'initdb of the first node');
PostgreSQL::Test::Utils::append_to_file("$base/node1/postgresql.conf", q{
shared_preload_libraries = 'domxfer'
domxfer.registrar_id = 'tap-registrar'
domxfer.database = 'app'
domxfer.naptime = 100
synchronous_commit = on
fsync = off
});
run_ok([ $autoctl, 'create', 'postgres', '--pgdata', "$base/node1", '--pgport', $port1, '--name', 'node1',
		'--dbname', 'app', '--monitor', $monitor_uri, @common ], 'pg_autoctl create postgres (node1)');
start_keeper("$base/node1");
ok(poll($port_mon, 'pg_auto_failover', q{SELECT string_agg(reportedstate::text, ' ') FROM pgautofailover.node}, 'single'),
	'node1 runs alone');
ok(poll($port1, 'postgres', 'SELECT pg_is_in_recovery()', 'f'), 'node1 accepts connections');

psql_safe($port1, 'postgres', 'CREATE DATABASE app')
  unless psql_at($port1, 'postgres', q{SELECT count(*) FROM pg_database WHERE datname = 'app'}) eq '1';
psql_safe($port1, 'app', q{
CREATE EXTENSION domxfer;
CREATE ROLE reader_login LOGIN IN ROLE domxfer_reader;
CREATE ROLE admin_login LOGIN IN ROLE domxfer_admin;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'fo' || i || '.example', 'tap-registrar', now() - interval '400 days', now() + interval '400 days',
	   'holder' || i || '@example.org'
  FROM generate_series(1, 2000) AS i;
-- one operation of the load: request, receive (the code in the same
-- transaction) and a deadline a few seconds ahead, as time would bring it
CREATE FUNCTION public.load_transfer(n text, seconds integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	v_id bigint;
BEGIN
	v_id := domxfer.receive_transfer_request(n, (SELECT auth_code FROM domxfer.request_transfer_out(n)), 'gaining-reg');
	UPDATE domxfer.transfers SET deadline = date_trunc('second', clock_timestamp()) + make_interval(secs => seconds)
	 WHERE id = v_id;
	RETURN v_id;
END
$$;
-- a mailer's batch: claim, mark sent, the ids it marked
CREATE FUNCTION public.mail_batch() RETURNS text
LANGUAGE sql AS $$
	SELECT coalesce(string_agg(c.id::text, ','), '')
	  FROM domxfer.claim_notices(20) AS c
	 WHERE domxfer.mark_notice_sent(c.id)
$$;
});
ok(poll($port1, 'app', 'SELECT state FROM domxfer.worker_status()', 'running'), 'the worker runs on node1');

# the secondary: pg_basebackup of node1 by pg_autoctl
run_ok([ $autoctl, 'create', 'postgres', '--pgdata', "$base/node2", '--pgport', $port2, '--name', 'node2',
		'--dbname', 'app', '--monitor', $monitor_uri, @common ], 'pg_autoctl create postgres (node2)');
start_keeper("$base/node2");
ok(poll($port_mon, 'pg_auto_failover', q{SELECT string_agg(nodename || ':' || reportedstate, ' ' ORDER BY nodeid) FROM pgautofailover.node},
		'node1:primary node2:secondary'),
	'node1 primary, node2 secondary');
ok(poll($port2, 'app', 'SELECT pg_is_in_recovery()', 't'), 'node2 accepts connections, in recovery');
like(psql_at($port1, 'app', 'SHOW synchronous_standby_names'), qr/^ANY 1 \(pgautofailover_standby_/,
	'pg_auto_failover made the standby synchronous');
ok(poll($port1, 'app', q{SELECT string_agg(sync_state, ',') FROM pg_stat_replication}, 'quorum'),
	'the standby confirms commits (quorum)');
is(psql_at($port2, 'app', 'SELECT state FROM domxfer.worker_status()'), 'standby',
	'the worker does nothing on the secondary');

# ---------------------------------------------------------------------
# the load: one operation at a time through whichever node is primary
my $any_primary = "host=127.0.0.1,127.0.0.1 port=$port1,$port2 dbname=app user=postgres "
  . "target_session_attrs=read-write connect_timeout=2";
my (%acknowledged, %marked);
my ($next_domain, $failed_ops) = (1, 0);
sub load_step
{
	my $name = 'fo' . $next_domain . '.example';
	my ($out, $err) = ('', '');
	IPC::Run::run([ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $any_primary, '-c',
			"SELECT public.load_transfer('$name', 2 + $next_domain % 4)", '-c', 'SELECT public.mail_batch()' ],
		'>', \$out, '2>', \$err, IPC::Run::timeout(30));
	my ($id, $mailed) = split /\n/, $out;
	if (defined $id && $id =~ /^\d+$/)
	{
		$acknowledged{$id} = $name;
		$next_domain++;
	}
	else
	{
		# not acknowledged: the domain may have a transfer now or not; the next one is used
		$failed_ops++;
		note("operation on $name not acknowledged: $err") if $failed_ops <= 5;
		$next_domain++;
	}
	$marked{$_} = 1 for grep { /^\d+$/ } split /,/, ($mailed // '');
	return;
}

load_step() for 1 .. 15;
cmp_ok(scalar(keys %acknowledged), '>=', 10, 'the load runs on node1');

# 1. a planned failover while the load runs
my $t0 = time;
my $failover = fork // die "fork: $!";
if ($failover == 0)
{
	open(STDOUT, '>', "$base/failover.log");
	open(STDERR, '>&', \*STDOUT);
	exec($autoctl, 'perform', 'failover', '--pgdata', "$base/monitor") or POSIX::_exit(127);
}
my $failover_rc;
while (time < $t0 + $timeout)
{
	if (waitpid($failover, WNOHANG) == $failover) { $failover_rc = $?; last; }
	load_step();
}
is($failover_rc, 0, 'pg_autoctl perform failover succeeded, the load running meanwhile');
ok(poll($port_mon, 'pg_auto_failover', q{SELECT string_agg(nodename || ':' || reportedstate, ' ' ORDER BY nodeid) FROM pgautofailover.node},
		'node1:secondary node2:primary'),
	'node2 primary, node1 secondary');
ok(poll($port2, 'app', 'SELECT state FROM domxfer.worker_status()', 'running'), 'the worker runs on the new primary');
note(sprintf('planned failover: worker running on the new primary %.1f s after the failover began', time - $t0));
is(psql_at($port1, 'app', 'SELECT state FROM domxfer.worker_status()'), 'standby',
	'the worker on the old primary, now a secondary, does nothing');
load_step() for 1 .. 15;

# the readers on the secondary as a domxfer_reader login
for my $reader (
	[ 'eligibility', q{SELECT count(*) > 0 FROM domxfer.eligibility} ],
	[ 'transfer_report', q{SELECT count(*) > 0 FROM domxfer.transfer_report} ],
	[ 'daily_transfer_outcomes', q{SELECT count(*) >= 0 FROM domxfer.daily_transfer_outcomes} ],
	[ 'rdap_domain', q{SELECT domxfer.rdap_domain('fo1.example') ->> 'ldhName' = 'fo1.example'} ],
	[ 'transfer_out_blockers', q{SELECT domxfer.transfer_out_blockers('FO1.example') IS NOT NULL} ],
	[ 'transfer_out_eligible', q{SELECT domxfer.transfer_out_eligible('fo2000.example')} ],
	[ 'worker_status', q{SELECT state = 'standby' FROM domxfer.worker_status()} ])
{
	my ($out, $err) = psql_at($port1, 'app', $reader->[1], user => 'reader_login');
	is($out, 't', "secondary, as domxfer_reader: $reader->[0]") or diag $err;
}
my ($dry, $dry_err) = psql_at($port1, 'app',
	q{SELECT count(*) >= 0 FROM domxfer.process_due_transfers_dry_run(now() + interval '1 day')}, user => 'admin_login');
is($dry, 't', 'secondary: process_due_transfers_dry_run works read-only') or diag $dry_err;

# 2. kill -9 of the primary's keeper and postgres (a lost host)
my ($pid) = split /\n/, PostgreSQL::Test::Utils::slurp_file("$base/node2/postmaster.pid");
ok(kill('KILL', -$keeper{"$base/node2"}), 'kill -9 of node2\'s keeper process group');
kill 'KILL', $pid;
$t0 = time;
my $promoted = 0;
while (time < $t0 + $timeout)
{
	load_step();
	my ($rec) = eval { psql_at($port1, 'app', 'SELECT pg_is_in_recovery()') };
	if (defined $rec && $rec eq 'f') { $promoted = 1; last; }
	usleep(100_000);
}
ok($promoted, 'the monitor promoted node1');
note(sprintf('kill -9: node1 promoted %.1f s after the kill', time - $t0));
ok(poll($port1, 'app', 'SELECT state FROM domxfer.worker_status()', 'running'), 'the worker runs on node1 again');
note(sprintf('kill -9: worker running %.1f s after the kill', time - $t0));
load_step() for 1 .. 10;
note("load: " . scalar(keys %acknowledged) . " transfers acknowledged, $failed_ops operations failed (retried with the next domain), "
	  . scalar(keys %marked) . ' notices marked sent');

# ---------------------------------------------------------------------
# afterwards, on the surviving primary
my $ids = join(',', sort { $a <=> $b } keys %acknowledged);
is(psql_at($port1, 'app', "SELECT count(*) FROM domxfer.transfers WHERE id IN ($ids)"),
	scalar(keys %acknowledged), 'every acknowledged transfer is there');
ok(poll($port1, 'app', q{SELECT count(*) FROM domxfer.transfers WHERE due_at < now() - interval '1 second'}, '0'),
	'every due transfer is decided');
is( psql_at($port1, 'app', q{
SELECT count(*) FROM domxfer.transfers
 WHERE state >= 'completed' AND NOT (decided_at = deadline OR decided_at = auth_code_expires_at)}),
	'0', 'each as of its deadline (or its code\'s expiry)');
is( psql_at($port1, 'app', q{
SELECT count(*) FROM (SELECT transfer_id FROM domxfer.transfer_events WHERE to_state >= 'completed'
						GROUP BY transfer_id HAVING count(*) <> 1) x}),
	'0', 'each decided exactly once (one decision event per transfer)');
is( psql_at($port1, 'app', q{
SELECT count(*) FROM domxfer.transfers t
 WHERE t.state >= 'completed'
   AND NOT EXISTS (SELECT FROM domxfer.transfer_events e WHERE e.transfer_id = t.id AND e.to_state = t.state)}),
	'0', 'no decision without its event');
is( psql_at($port1, 'app', q{
SELECT count(*) FROM domxfer.transfer_events e
 WHERE e.to_state IN ('pending', 'completed', 'rejected', 'expired')
   AND (SELECT count(*) FROM domxfer.notices n WHERE n.event_id = e.id) <> 1}),
	'0', 'every owed notice exactly once');
is( psql_at($port1, 'app', q{
SELECT count(*) FROM domxfer.domains d JOIN domxfer.transfers t ON t.id = d.open_transfer_id
 WHERE t.state >= 'completed'}),
	'0', 'no domain names a decided transfer');
if (%marked)
{
	my $sent = join(',', keys %marked);
	is(psql_at($port1, 'app', "SELECT count(*) FROM domxfer.notices WHERE id IN ($sent) AND sent_at IS NULL"),
		'0', 'every notice a mailer marked sent stays sent');
}
cmp_ok(psql_at($port1, 'app', q{SELECT count(*) FROM domxfer.transfers WHERE state = 'completed'}), '>', 20,
	'the worker completed the load\'s transfers');

# ---------------------------------------------------------------------
# the keepers first (they would restart their postgres), then what is left
for my $pgdata (keys %keeper)
{
	kill 'TERM', $keeper{$pgdata};
	waitpid($keeper{$pgdata}, 0);
}
for my $pgdata ("$base/node1", "$base/node2", "$base/monitor")
{
	system('pg_ctl', '-D', $pgdata, '-m', 'immediate', 'stop') if -e "$pgdata/postmaster.pid";
}
done_testing();
