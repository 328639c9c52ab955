# Failover with a real failover manager (issue 18): Debian's pg_auto_failover
# (postgresql-15-auto-failover, pg-auto-failover-cli) runs a monitor, a
# primary and a secondary on this machine (loopback only). A load runs
# through a multi-host connection string (requests, receives, deadlines a
# few seconds ahead, notices claimed and marked sent; and for a
# registry-managed TLD the registry's EPP poll messages, real ones from
# test/epp/corpus: pending, then the outcome, the holder's answers as
# registry commands claimed and recorded by an EPP client) while first
# "pg_autoctl perform failover" and then a kill -9 of the new primary's
# keeper and postgres move the primary. Afterwards every acknowledged write
# is there, every due transfer is decided exactly once and as of its
# deadline, every decision owes exactly one notice, every registry message
# is stored once (and answered "duplicate" when fed again), every command
# is answered or superseded, the worker is idle on the secondary and
# decides on each new primary, and the readers work on the secondary as a
# domxfer_reader login.
#
# Promotion, as measured here: the moment the new primary accepts writes,
# i.e. is out of recovery and a write commits (pg_auto_failover promotes
# postgres in its stop_replication state but keeps writes waiting on the
# synchronous standby until wait_primary). The worker's delay is measured
# from that moment to the moment every transfer due by then is decided,
# and printed for each failover (no timed assertion: the test fails only
# if the worker never decides).
#
# Settings this needs (and runs with): synchronous_commit = on (the
# default) with the synchronous standby that pg_auto_failover configures
# (synchronous_standby_names = 'ANY 1 (pgautofailover_standby_N)', its
# default replication quorum), so an acknowledged commit is on the
# secondary before the client hears of it; the monitor's health checks
# shortened to 1 s so that the kill -9 is noticed within seconds, and
# primary_demote_timeout shortened to 10 s with the keepers'
# network_partition_timeout at 5 s (it must stay below it), so that writes
# resume 10 s, not 30 s, after a lost primary (docs/operations.md).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
# the suite's port range (DOMXFER_TAP_PORT), before PostgreSQL::Test::Utils
# clears PGPORT
my $tap_port;
BEGIN { $tap_port = $ENV{PGPORT}; }
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
my $port_base = ($tap_port // 55432) + 190;
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
	'ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 10000',
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
# when each write committed, to measure the worker's delay after promotion
track_commit_timestamp = on
});
run_ok([ $autoctl, 'create', 'postgres', '--pgdata', "$base/node1", '--pgport', $port1, '--name', 'node1',
		'--dbname', 'app', '--monitor', $monitor_uri, @common ], 'pg_autoctl create postgres (node1)');
run_ok([ $autoctl, 'config', 'set', '--pgdata', "$base/node1", 'timeout.network_partition_timeout', '5' ],
	'node1: network_partition_timeout 5 s (below primary_demote_timeout)');
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
-- a registry-managed TLD (SPEC §8): the registry decides, domxfer answers with commands
INSERT INTO domxfer.tld_policy (tld, registry_transfers) VALUES ('test', true);
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'rg' || i || '.test', 'tap-registrar', now() - interval '400 days', now() + interval '400 days',
	   'holder' || i || '@example.org'
  FROM generate_series(1, 1000) AS i;
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
run_ok([ $autoctl, 'config', 'set', '--pgdata', "$base/node2", 'timeout.network_partition_timeout', '5' ],
	'node2: network_partition_timeout 5 s (below primary_demote_timeout)');
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

# psql through the multi-host string: each statement its own transaction;
# the output lines, or undef when the client did not hear back (not acknowledged)
sub run_any
{
	my (@sql) = @_;
	my ($out, $err) = ('', '');
	my $ok = eval {
		IPC::Run::run([ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $any_primary, map { ('-c', $_) } @sql ],
			'>', \$out, '2>', \$err, IPC::Run::timeout(60));
	};
	chomp $out;
	return ($ok ? $out : undef, $err);
}

my (%acknowledged, %marked, %written_at);
my ($next_domain, $failed_ops) = (1, 0);
sub load_step
{
	my $name = 'fo' . $next_domain . '.example';
	# the transfer's id, then the port of the node that took it and the notices a mailer marked
	my ($out, $err) = run_any("SELECT public.load_transfer('$name', 2 + $next_domain % 4)",
		q{SELECT inet_server_port() || ' ' || public.mail_batch()});
	my ($id, $second) = split /\n/, ($out // '');
	my ($port, $mailed) = split / /, ($second // '');
	if (defined $id && $id =~ /^\d+$/)
	{
		$acknowledged{$id} = $name;
		# the first transfer each node acknowledged after the last first_write_reset()
		$written_at{$port} //= $id if defined $port;
	}
	else
	{
		# not acknowledged: the domain may have a transfer now or not; the next one is used
		$failed_ops++;
		note("operation on $name not acknowledged: $err") if $failed_ops <= 5;
	}
	$next_domain++;
	$marked{$_} = 1 for grep { /^\d+$/ } split /,/, ($mailed // '');
	registry_step();
	return;
}

# The registry's poll messages: a real one (google/nomulus's
# poll_response_domain_transfer_server_approved.xml from test/epp/corpus)
# with this domain, status, registrars, dates and queue id put in.
my $epp_template = PostgreSQL::Test::Utils::slurp_file("$FindBin::RealBin/../epp/corpus/nomulus-poll-server-approved.xml");
my $re_date = POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time - 60));
my $ac_date = POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 5 * 86400));
my $ex_date = POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 2 * 365 * 86400));
sub registry_message
{
	my ($name, $status, $qid) = @_;
	my $m = $epp_template;
	my %put = (
		'domain:name' => $name, 'domain:trStatus' => $status, 'domain:reID' => 'gaining-reg',
		'domain:acID' => 'tap-registrar', 'domain:reDate' => $re_date, 'domain:acDate' => $ac_date,
		'domain:exDate' => $ex_date);
	for my $el (keys %put)
	{
		$m =~ s{<$el>[^<]*</$el>}{<$el>$put{$el}</$el>} or die "no <$el> in the EPP template";
	}
	$m =~ s{<msgQ count="1" id="[^"]*">}{<msgQ count="1" id="$qid">} or die 'no msgQ in the EPP template';
	return $m;
}

# the EPP client's state: messages to feed until the database acknowledges
# them (only then would it ack them at the registry), the holder's answers
# to give, commands recorded, outcomes expected
my (%msg, @unfed, @to_answer, @to_outcome, %answered, %answer_acked, %recorded, %claimed);
my ($next_rg, $registry_failed) = (1, 0);
sub registry_step
{
	my (%opt) = @_;
	unless ($opt{no_new})
	{
		my $k = $next_rg++;
		my $qid = "pending-$k";
		$msg{$qid} = { name => "rg$k.test", text => registry_message("rg$k.test", 'pending', $qid) };
		push @unfed, $qid;
	}
	my @still;
	for my $q (@unfed)
	{
		my ($out) = run_any("SELECT coalesce(message_id::text, '') || ':' || result FROM domxfer.apply_registry_message(\$epp\$$msg{$q}{text}\$epp\$)");
		if (defined $out && $out =~ /^(\d*):(\w+)$/)
		{
			$msg{$q}{result} = $2;
			$msg{$q}{id} = $1;
			push @to_answer, $msg{$q}{name} if $q =~ /^pending-/;
		}
		else
		{
			$registry_failed++;
			push @still, $q;
		}
	}
	@unfed = @still;

	# the holder answers the oldest request: approve (even) or cancel (odd: a reject command)
	if (my $name = shift @to_answer)
	{
		my ($n) = $name =~ /^rg(\d+)/;
		my $op = $n % 2 ? 'reject' : 'approve';
		my $call = $op eq 'approve' ? 'domxfer.approve_transfer_out(t.id)' : q{domxfer.cancel_transfer_out(t.id, 'holder objects')};
		my ($out) = run_any(qq{SELECT $call, 'answered' FROM domxfer.transfers t WHERE t.domain_name = '$name' AND t.state = 'pending'});
		$answered{$name} = $op;
		if (defined $out && $out =~ /answered$/) { $answer_acked{$name} = 1 } else { $registry_failed++ }
		push @to_outcome, $name;
	}

	# the EPP client claims commands (a short lease), sends them, records the registry's answer
	my ($ids) = run_any(q{SELECT coalesce(string_agg(command_id::text, ','), '') FROM domxfer.claim_registry_commands(5, '2 seconds')});
	for my $id (grep { /^\d+$/ } split /,/, ($ids // ''))
	{
		$claimed{$id} = 1;
		my ($out) = run_any("SELECT domxfer.record_registry_response($id, 1000, 'sv-$id')");
		if (defined $out) { $recorded{$id} = $out } else { $registry_failed++ }
	}

	# the registry's outcome for the oldest answered transfer, fed at the next step
	if (my $name = shift @to_outcome)
	{
		my $oq = "outcome-$name";
		$msg{$oq} = { name => $name, text => registry_message($name,
				$answered{$name} eq 'approve' ? 'clientApproved' : 'clientRejected', $oq) };
		push @unfed, $oq;
	}
	return;
}

# From now on, the first transfer each node acknowledges is noted
sub first_write_reset { %written_at = (); return; }

# Promotion on a node: when the first write a client had acknowledged there
# committed (its commit timestamp, epoch seconds), after first_write_reset();
# or, when the old primary died at $since (no decision after that can be
# its), the first decision of the new primary's worker if that came first
sub promoted_at
{
	my ($port, $since) = @_;
	my $worker_first = defined $since ? qq{,
	(SELECT min(extract(epoch FROM pg_xact_commit_timestamp(e.xmin))) FROM domxfer.transfer_events e
	   JOIN domxfer.transfers t ON t.id = e.transfer_id
	  WHERE e.to_state >= 'completed' AND t.deadline > to_timestamp($since) AND NOT t.registry_managed)} : '';
	return psql_at($port, 'app', qq{
SELECT least((SELECT extract(epoch FROM pg_xact_commit_timestamp(e.xmin)) FROM domxfer.transfer_events e
			   WHERE e.transfer_id = $written_at{$port} AND e.to_state = 'pending')$worker_first)});
}

# The worker's delay on a new primary: waits until no transfer due at
# promotion is left undecided (undef if that never happens), then returns
# when the last of them was decided at or after promotion, in seconds after
# it (commit timestamps of the decision events; 0 when every one was
# decided before), and how many were decided at or after promotion.
sub worker_delay
{
	my ($port, $promoted) = @_;
	return undef unless poll($port, 'app', qq{
SELECT count(*) FROM domxfer.transfers WHERE due_at <= to_timestamp($promoted) AND NOT registry_managed}, '0');
	my ($delay, $n) = split /\|/, psql_at($port, 'app', qq{
SELECT coalesce(max(extract(epoch FROM pg_xact_commit_timestamp(e.xmin))) - $promoted, 0) || '|' || count(*)
  FROM domxfer.transfers t JOIN domxfer.transfer_events e ON e.transfer_id = t.id AND e.to_state >= 'completed'
 WHERE t.deadline <= to_timestamp($promoted) AND NOT t.registry_managed
   AND pg_xact_commit_timestamp(e.xmin) >= to_timestamp($promoted)});
	return ($delay, $n);
}

load_step() for 1 .. 15;
cmp_ok(scalar(keys %acknowledged), '>=', 10, 'the load runs on node1');

# 1. a planned failover while the load runs
my $t0 = time;
my $t0_server = psql_at($port1, 'app', 'SELECT extract(epoch FROM clock_timestamp())');
first_write_reset();
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
load_step() until defined $written_at{$port2} || time > $t0 + $timeout;
ok(defined $written_at{$port2}, 'node2 acknowledges writes');
my $promoted = promoted_at($port2);
is(psql_at($port2, 'app', qq{
SELECT count(*) FROM domxfer.transfers WHERE deadline > to_timestamp($t0_server) AND deadline <= to_timestamp($promoted)}) > 0
	? 'due' : 'none', 'due', 'transfers fell due during the failover (work for the new primary\'s worker)');
my ($delay, $decided) = worker_delay($port2, $promoted);
ok(defined $delay, 'the worker on the new primary decides every transfer due at promotion');
note(sprintf('planned failover: node2 took its first write %.1f s after the failover began (promotion); ', $promoted - $t0_server)
	  . ($decided ? sprintf('the worker decided the %d transfers left due then %.2f s after it', $decided, $delay)
		 : 'every transfer due then was already decided when it committed (by a worker, on either node)'));
is(psql_at($port2, 'app', 'SELECT state FROM domxfer.worker_status()'), 'running', 'the worker runs on the new primary');
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

# 2. kill -9 of the primary's keeper and postgres (a lost host), the load just before;
# and five transfers whose deadlines pass 2 to 6 s after the kill, while no
# node takes writes (the monitor needs longer to notice, the demote timeout
# is 10 s): work that only the new primary's worker can do
load_step() for 1 .. 4;
for my $s (2 .. 6)
{
	my $name = 'fo' . $next_domain++ . '.example';
	my $id = psql_at($port2, 'app', "SELECT public.load_transfer('$name', $s)");
	$acknowledged{$id} = $name if $id =~ /^\d+$/;
}
my ($pid) = split /\n/, PostgreSQL::Test::Utils::slurp_file("$base/node2/postmaster.pid");
my $kill_server = psql_at($port2, 'app', 'SELECT extract(epoch FROM clock_timestamp())');
ok(kill('KILL', -$keeper{"$base/node2"}), 'kill -9 of node2\'s keeper process group');
kill 'KILL', $pid;
$t0 = time;
first_write_reset();
my ($out_of_recovery, $took_writes);
while (time < $t0 + $timeout)
{
	my ($rec) = eval { psql_at($port1, 'app', 'SELECT pg_is_in_recovery()', quiet => 1) };
	$out_of_recovery //= time if defined $rec && $rec eq 'f';
	load_step();
	if (defined $written_at{$port1}) { $took_writes = 1; last; }
	usleep(100_000);
}
ok($took_writes, 'the monitor promoted node1, and it acknowledges writes');
$promoted = promoted_at($port1, $kill_server);
note(sprintf('kill -9: node1 out of recovery %.1f s after the kill, its first write (promotion) %.1f s after the kill',
		($out_of_recovery // time) - $t0, $promoted - $kill_server));
is(psql_at($port1, 'app', qq{
SELECT count(*) FROM domxfer.transfers WHERE deadline > to_timestamp($kill_server) AND deadline <= to_timestamp($promoted)}) > 0
	? 'due' : 'none', 'due', 'transfers fell due during the outage (work for the new primary\'s worker)');
($delay, $decided) = worker_delay($port1, $promoted);
ok(defined $delay, 'the worker on the new primary decides every transfer due at promotion');
note(sprintf('kill -9: the worker decided the %d transfers left due at promotion %.2f s after it', $decided // 0, $delay // -1));
ok(poll($port1, 'app', 'SELECT state FROM domxfer.worker_status()', 'running'), 'the worker runs on node1 again');
load_step() for 1 .. 10;
note("load: " . scalar(keys %acknowledged) . " transfers acknowledged, $failed_ops operations failed (retried with the next domain), "
	  . scalar(keys %marked) . ' notices marked sent; registry: ' . scalar(keys %msg) . ' messages, '
	  . scalar(keys %answered) . ' holder answers, ' . scalar(keys %recorded) . " commands recorded, $registry_failed calls not acknowledged (retried)");

# the EPP client finishes: every message fed until acknowledged, every outcome owed fed
for (1 .. 200)
{
	last unless @unfed || @to_answer || @to_outcome;
	registry_step(no_new => 1);
}
ok(!@unfed && !@to_answer && !@to_outcome, 'the EPP client fed every message and outcome');
# and drains the commands: a claim whose answer was lost is claimable again when its lease passes
my $drained = 0;
my $drain_until = time + $timeout;
while (time < $drain_until)
{
	my ($ids) = psql_at($port1, 'app', q{SELECT coalesce(string_agg(command_id::text, ','), '') FROM domxfer.claim_registry_commands(50, '2 seconds')});
	for my $id (grep { /^\d+$/ } split /,/, ($ids // ''))
	{
		$recorded{$id} = psql_at($port1, 'app', "SELECT domxfer.record_registry_response($id, 1000, 'sv-$id')");
	}
	if (psql_at($port1, 'app', q{SELECT count(*) FROM domxfer.registry_commands WHERE state IN ('queued', 'claimed')}) eq '0')
	{
		$drained = 1;
		last;
	}
	usleep(500_000);
}
ok($drained, 'every registry command is answered or superseded in the end');


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
   -- a change of state; a same-state event (the holder's cancel of a
   -- registry-managed pending transfer) owes no notice
   AND e.from_state IS DISTINCT FROM e.to_state
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


# the registry link: nothing lost or doubled
my @acked_msgs = grep { defined $msg{$_}{result} } sort keys %msg;
is(scalar(grep { $msg{$_}{result} !~ /^(applied|duplicate)$/ } @acked_msgs), 0,
	'every registry message was applied (or, fed again after a lost answer, a duplicate)');
my $qids = join(',', 'NULL', map { "'$_'" } @acked_msgs);
is(psql_at($port1, 'app', "SELECT count(DISTINCT msgq_id) || ' ' || count(*) FROM domxfer.registry_messages WHERE msgq_id IN ($qids)"),
	scalar(@acked_msgs) . ' ' . scalar(@acked_msgs), 'every acknowledged registry message is stored exactly once');
my %refed;
for my $q (@acked_msgs)
{
	my ($out, $err) = run_any("SELECT result FROM domxfer.apply_registry_message(\$epp\$$msg{$q}{text}\$epp\$)");
	$refed{$out // "no answer: $err"}++;
}
is(join(' ', map { "$_:$refed{$_}" } sort keys %refed), 'duplicate:' . scalar(@acked_msgs),
	'each fed again after the failovers is answered duplicate');
is(psql_at($port1, 'app', "SELECT count(*) FROM domxfer.registry_messages WHERE msgq_id IN ($qids)"),
	scalar(@acked_msgs), 'and stored no second time');
my %expected_state = map { $_ => ($answered{$_} eq 'approve' ? 'completed' : 'rejected') } keys %answered;
is( psql_at($port1, 'app', q{SELECT string_agg(domain_name || ':' || state, ' ' ORDER BY domain_name) FROM domxfer.transfers WHERE registry_managed}),
	join(' ', map { "$_:$expected_state{$_}" } sort keys %expected_state),
	'every registry-managed transfer ended as the registry\'s outcome says, none left over');
my $answer_names = join(',', 'NULL', map { "'$_'" } grep { $answer_acked{$_} } keys %answered);
cmp_ok(scalar(keys %answer_acked), '>', 5, 'the holder answered registry transfers during the load');
is( psql_at($port1, 'app', qq{
SELECT count(*) FROM domxfer.transfers t
 WHERE t.domain_name IN ($answer_names)
   AND NOT EXISTS (SELECT FROM domxfer.registry_commands c WHERE c.transfer_id = t.id
					  AND c.op = CASE WHEN t.state = 'completed' THEN 'approve' ELSE 'reject' END)}),
	'0', 'every acknowledged holder answer has its command');
my @rec = grep { $recorded{$_} } keys %recorded;
cmp_ok(scalar(@rec), '>', 5, 'the EPP client recorded the registry\'s answers to commands during the load');
{
	is(psql_at($port1, 'app', 'SELECT count(*) FROM domxfer.registry_commands WHERE id IN (' . join(',', @rec)
			  . q{) AND NOT (state = 'done' AND result_code = 1000 AND sv_trid = 'sv-' || id AND answered_at IS NOT NULL)}),
		'0', 'every command whose answer was acknowledged is done with that answer');
}
is( psql_at($port1, 'app', q{
SELECT count(*) FROM domxfer.registry_commands
 WHERE NOT ((state = 'done' AND result_code IS NOT NULL) OR (state = 'superseded' AND result_code IS NULL))}),
	'0', 'every command is done (with its answer) or superseded, none failed or half-answered');
is(psql_at($port1, 'app', q{SELECT count(*) FROM domxfer.registry_discrepancies WHERE kind = 'outcome_differs'}),
	'0', 'no registry outcome differs from what domxfer asked for');

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
