# pg_dump and restore of a database in use: domains, transfers in every
# state (open: awaiting_documents, auth_code_issued, pending; final:
# completed, cancelled, rejected, expired), their events, holidays and
# changed policy rows. Restored from a custom-format dump (pg_restore) and a
# plain one (psql), every extension table and sequence holds the same data
# (row-by-row md5, auth-code hashes and salts included; the sequences give
# the same next values), the catalog is the same, an auth code issued
# before the dump still works, and the open transfers carry on: decided by
# process_due_transfers, and by the background worker when it serves the
# restored database.
use strict;
use warnings;
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $extension_data = slurp_file("$FindBin::RealBin/../lib/extension_data.sql");
my $snapshot_sql = slurp_file("$FindBin::RealBin/../lib/catalog_snapshot.sql");

my $node = PostgreSQL::Test::Cluster->new('dump_restore');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'domxfer'
domxfer.registrar_id = 'tap-registrar'
domxfer.naptime = 200
});
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
CREATE EXTENSION domxfer;
-- changed shipped rows and a new one
UPDATE domxfer.tld_policy SET min_days_after_transfer = 61, auth_code_lifetime_days = 10 WHERE tld = '*';
UPDATE domxfer.tld_policy SET manual_answer_working_days = 4 WHERE tld = 'hk';
INSERT INTO domxfer.tld_policy (tld, auto_approve_days, business_time_zone) VALUES ('cn', 7, 'Asia/Shanghai');
INSERT INTO domxfer.holidays (day, tld, name) VALUES
	('2030-01-01', '*', 'New Year'), ('2030-02-03', 'cn', 'Spring Festival'),
	('2030-07-01', 'hk', 'HKSAR Establishment Day');
-- many domains, and the ones the transfers below use
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, status, registrant_email, uses_registrar_dns)
SELECT 'bulk' || i || '.example', CASE WHEN i % 7 = 0 THEN 'other-registrar' ELSE 'tap-registrar' END,
	   now() - i * interval '1 day', now() + (400 - i) * interval '1 day',
	   CASE WHEN i % 11 = 0 THEN 'clientTransferProhibited' ELSE 'ok' END::domxfer.domain_status,
	   'holder' || i || '@example.org', i % 3 = 0
  FROM generate_series(1, 300) AS i;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n, 'tap-registrar', now() - interval '400 days', now() + interval '400 days', 'holder@example.org'
  FROM unnest(ARRAY['dr-reject.example', 'dr-expire.example', 'dr-auto.example', 'dr-approve.example',
					'dr-cancel.example', 'dr-issued.example', 'dr-tried.example', 'dr-pending.example',
					'dr-worker.example', 'dr-manual.hk', 'dr-manual-docs.hk', 'xn--fiq228c.cn']) AS n;
});

# Final states decided as of a future instant first (that decides every
# transfer due by then), then the transfers that stay open. Each call is a
# statement of its own, as an application makes them (auth codes are
# counted by side transactions, which see only committed rows).
my $request_and_receive = sub {
	my ($db, $name) = @_;
	$node->safe_psql($db, qq{
SELECT auth_code AS code FROM domxfer.request_transfer_out('$name') \\gset
SELECT domxfer.receive_transfer_request('$name', :'code', 'gaining-reg') IS NOT NULL;
});
};
$request_and_receive->('src', $_) for 'dr-reject.example', 'dr-auto.example';
$node->safe_psql('src', q{
SELECT domxfer.request_transfer_out('dr-expire.example');
UPDATE domxfer.domains SET unpaid = true WHERE name = 'dr-reject.example';
SELECT domxfer.process_due_transfers(now() + interval '30 days');
});
my $src_state = q{
SELECT string_agg(domain_name || ':' || state || ':' || coalesce(array_to_string(outcome_reason, ','), '-'), ' ' ORDER BY domain_name)
  FROM domxfer.transfers};
is( $node->safe_psql('src', $src_state),
	'dr-auto.example:completed:auto_approved dr-expire.example:expired:auth_code_expired '
	  . 'dr-reject.example:rejected:unpaid',
	'transfers decided as of a future instant: completed, expired, rejected');

$request_and_receive->('src', $_) for 'dr-approve.example', 'dr-pending.example', 'dr-worker.example';
$node->safe_psql('src', q{
SELECT domxfer.approve_transfer_out(id) FROM domxfer.transfers WHERE domain_name = 'dr-approve.example';
SELECT domxfer.cancel_transfer_out(transfer_id, 'changed my mind') FROM domxfer.request_transfer_out('dr-cancel.example');
SELECT domxfer.open_manual_transfer('dr-manual.hk');
SELECT domxfer.record_documents_received(domxfer.open_manual_transfer('dr-manual-docs.hk'));
});
# an auth code kept by the test (as the holder would), and a transfer with
# two wrong attempts counted
my ($issued_id, $issued_code) = split /\|/, $node->safe_psql('src',
	q{SELECT transfer_id, auth_code FROM domxfer.request_transfer_out('dr-issued.example')});
my ($tried_id, $tried_code) = split /\|/, $node->safe_psql('src',
	q{SELECT transfer_id, auth_code FROM domxfer.request_transfer_out('xn--fiq228c.cn')});
for (1 .. 2)
{
	my ($ret, $out, $err) = $node->psql('src',
		q{SELECT domxfer.receive_transfer_request('中文.cn', 'wrong-code', 'gaining-reg')});
	like($err, qr/invalid auth code/, 'a wrong code is refused before the dump');
}
is( $node->safe_psql('src', "SELECT failed_attempts FROM domxfer.transfers WHERE id = $tried_id"),
	'2', 'two failed attempts counted');

is( $node->safe_psql('src', q{SELECT string_agg(state || '=' || n, ' ' ORDER BY state) FROM
	(SELECT state, count(*) AS n FROM domxfer.transfers GROUP BY state) s}),
	'awaiting_documents=2 auth_code_issued=2 pending=2 completed=2 cancelled=1 rejected=1 expired=1',
	'the source has transfers in all seven states');
my $src_data = $node->safe_psql('src', $extension_data);
my $src_catalog = $node->safe_psql('src', $snapshot_sql);
my ($rows, $tables) = (0, 0);
for my $line (split /\n/, $src_data)
{
	my ($rel, $n) = split /\|/, $line;
	$rows += $n;
	$tables++;
}
cmp_ok($rows, '>', 350, "source: $rows rows in $tables extension tables and sequences");
like($src_data, qr/^domxfer\.transfer_events\|(\d+)\|/m, 'events are among the compared tables');
my ($events) = $src_data =~ /^domxfer\.transfer_events\|(\d+)\|/m;
cmp_ok($events, '>=', 20, "source: $events transfer events");

# ---------------------------------------------------------------------
# dump in both formats, restore into fresh databases
my $dump = $node->basedir . '/src.dump';
my $sql = $node->basedir . '/src.sql';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ], 'pg_dump -Fc');
$node->command_ok([ 'pg_dump', '-Fp', '-f', $sql, '-d', $node->connstr('src') ], 'pg_dump -Fp');
$node->safe_psql('postgres', 'CREATE DATABASE dst_custom');
$node->safe_psql('postgres', 'CREATE DATABASE dst_plain');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst_custom'), $dump ],
	'pg_restore of the custom dump without errors');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', $sql, '-d', $node->connstr('dst_plain') ],
	'psql restores the plain dump without errors');
# a parallel restore loads the extension's tables concurrently (fault 1 of
# issue 18: 0 transfers and 0 events came back, "errors ignored")
$node->safe_psql('postgres', 'CREATE DATABASE dst_parallel');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-j', '4', '-d', $node->connstr('dst_parallel'), $dump ],
	'pg_restore -j 4 of the custom dump without errors');
my $dir = $node->basedir . '/src.dir';
$node->command_ok([ 'pg_dump', '-Fd', '-j', '2', '-f', $dir, '-d', $node->connstr('src') ], 'pg_dump -Fd -j 2');
$node->safe_psql('postgres', 'CREATE DATABASE dst_dir');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-j', '4', '-d', $node->connstr('dst_dir'), $dir ],
	'pg_restore -j 4 of the directory dump without errors');

for my $db ('dst_custom', 'dst_plain', 'dst_parallel', 'dst_dir')
{
	is($node->safe_psql($db, $extension_data), $src_data,
		"$db: all $rows rows of the $tables extension tables and sequences are identical (md5 per table)");
	is($node->safe_psql($db, $snapshot_sql), $src_catalog, "$db: the same catalog objects");
	is($node->safe_psql($db, q{
SELECT count(*) FROM domxfer.domains d
  LEFT JOIN domxfer.transfers t ON t.id = d.open_transfer_id
 WHERE (d.open_transfer_id IS NULL) <> (t.id IS NULL) OR t.state >= 'completed'}),
		'0', "$db: every domain's open_transfer_id names its open transfer");
}

# ---------------------------------------------------------------------
# dst_custom: the transfers carry on
is( $node->safe_psql('dst_custom', qq{
SELECT domxfer.receive_transfer_request('dr-issued.example', '$issued_code', 'gaining-reg') = $issued_id}),
	't', 'dst_custom: an auth code issued before the dump is accepted after the restore');
is( $node->safe_psql('dst_custom', qq{SELECT state FROM domxfer.transfers WHERE id = $issued_id}),
	'pending', 'dst_custom: that transfer is now pending');
is( $node->safe_psql('dst_custom', qq{
SELECT domxfer.receive_transfer_request('中文.cn', '$tried_code', 'gaining-reg') = $tried_id}),
	't', 'dst_custom: the code with two failed attempts still works');
my ($ret, $out, $err) = $node->psql('dst_custom',
	qq{SELECT domxfer.receive_transfer_request('dr-issued.example', '$issued_code', 'gaining-reg')});
like($err, qr/invalid auth code/, 'dst_custom: a used code does not work twice');

# the manual transfers continue
my $manual_code = $node->safe_psql('dst_custom', q{
SELECT domxfer.approve_manual_transfer(id) FROM domxfer.transfers WHERE domain_name = 'dr-manual-docs.hk'});
like($manual_code, qr/^[A-Za-z0-9]{22}$/, 'dst_custom: a manual transfer with documents is approved');
is( $node->safe_psql('dst_custom', q{
SELECT domxfer.record_documents_received(id) IS NOT NULL FROM domxfer.transfers WHERE domain_name = 'dr-manual.hk'}),
	't', 'dst_custom: documents recorded for the other manual transfer');

# new rows continue the restored sequences
my $next_value = q{SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM };
my $src_next_transfer = $node->safe_psql('src', $next_value . 'domxfer.transfers_id_seq');
my $src_next_event = $node->safe_psql('src', $next_value . 'domxfer.transfer_events_id_seq');
is( $node->safe_psql('dst_custom', q{
SELECT transfer_id FROM domxfer.request_transfer_out('bulk62.example')}),
	$src_next_transfer, "dst_custom: a new transfer takes the restored sequence's next id ($src_next_transfer)");
is( $node->safe_psql('dst_custom', qq{
SELECT min(id) FROM domxfer.transfer_events WHERE id >= $src_next_event}),
	$src_next_event, "dst_custom: new events continue the restored event sequence ($src_next_event)");

# the deadline decides the pending transfers (as of a future instant)
is( $node->safe_psql('dst_custom', q{SELECT domxfer.process_due_transfers(now() + interval '6 days')}),
	'3', 'dst_custom: process_due_transfers decides the three transfers due within 6 days');
is( $node->safe_psql('dst_custom', q{
SELECT string_agg(t.domain_name || ':' || t.state || ':' || coalesce(array_to_string(t.outcome_reason, ','), '-'),
				  ' ' ORDER BY t.domain_name)
  FROM domxfer.transfers t
 WHERE t.domain_name IN ('dr-pending.example', 'dr-worker.example', 'dr-issued.example', 'xn--fiq228c.cn',
						 'bulk62.example', 'dr-manual.hk', 'dr-manual-docs.hk')}),
	'bulk62.example:auth_code_issued:- dr-issued.example:completed:auto_approved '
	  . 'dr-manual-docs.hk:auth_code_issued:- dr-manual.hk:awaiting_documents:- '
	  . 'dr-pending.example:completed:auto_approved dr-worker.example:completed:auto_approved '
	  . 'xn--fiq228c.cn:pending:-',
	'dst_custom: transfers due within 6 days completed at their deadline; the .cn one (7 days) and the codes (10 days) wait');
is( $node->safe_psql('dst_custom', q{
SELECT sponsoring_registrar || ' ' || (last_transferred_at = (SELECT decided_at FROM domxfer.transfers
																WHERE domain_name = 'dr-pending.example'))
  FROM domxfer.domains WHERE name = 'dr-pending.example'}),
	'gaining-reg true', 'dst_custom: the completed domain moved to the gaining registrar');
is( $node->safe_psql('dst_custom', q{
SELECT count(*) FROM domxfer.transfers t
 WHERE NOT EXISTS (SELECT FROM domxfer.transfer_events e WHERE e.transfer_id = t.id AND e.to_state = t.state)}),
	'0', 'dst_custom: every transfer has the event of its current state');
# and the source is untouched by all this
is($node->safe_psql('src', $extension_data), $src_data, 'the source database did not change');

# ---------------------------------------------------------------------
# dst_plain: the background worker serves the restored database
my $has_worker = $node->safe_psql('dst_plain',
	q{SELECT count(*) FROM pg_proc WHERE proname = 'worker_status' AND pronamespace = 'domxfer'::regnamespace});
SKIP:
{
	skip 'this build has no background worker (domxfer.worker_status)', 4 unless $has_worker;

	$node->append_conf('postgresql.conf', "domxfer.database = 'dst_plain'\n");
	$node->restart;
	ok( $node->poll_query_until('dst_plain', q{SELECT state = 'running' FROM domxfer.worker_status()}),
		'dst_plain: the worker runs in the restored database');
	# bring one restored deadline close (as an administrator could)
	$node->safe_psql('dst_plain', q{
UPDATE domxfer.transfers SET deadline = clock_timestamp() + interval '2 seconds'
 WHERE domain_name = 'dr-worker.example' AND state = 'pending'});
	ok( $node->poll_query_until('dst_plain', q{
SELECT state <> 'pending' FROM domxfer.transfers WHERE domain_name = 'dr-worker.example'}),
		'dst_plain: the worker decided the restored pending transfer');
	is( $node->safe_psql('dst_plain', q{
SELECT t.state || ' ' || (t.decided_at = t.deadline) || ' ' || e.actor
  FROM domxfer.transfers t JOIN domxfer.transfer_events e ON e.transfer_id = t.id AND e.to_state = t.state
 WHERE t.domain_name = 'dr-worker.example'}),
		'completed true worker', 'dst_plain: completed at its deadline, by the worker');
	is( $node->safe_psql('dst_plain', q{
SELECT state FROM domxfer.transfers WHERE domain_name = 'dr-pending.example'}),
		'pending', 'dst_plain: the transfer whose deadline is days away is still pending');
}

$node->stop;
done_testing();
