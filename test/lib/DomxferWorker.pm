# Helpers shared by the worker's TAP tests: a cluster with domxfer preloaded,
# and pending transfers created through the lifecycle functions.
package DomxferWorker;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Exporter 'import';

our @EXPORT = qw(new_domxfer_node create_pending_transfers make_due_in
  worker_status worker_pid wait_until);

# A started node with domxfer preloaded; its worker serves database $db,
# where the extension is created.
sub new_domxfer_node
{
	my ($name, %opts) = @_;
	my $db = $opts{database} // 'tap';
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => $opts{allows_streaming} // 0);
	# The database and the extension exist before the worker first starts.
	$node->start;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION domxfer');
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'domxfer'
domxfer.registrar_id = 'tap-registrar'
domxfer.database = '$db'
track_commit_timestamp = on
} . ($opts{conf} // ''));
	$node->restart;
	return $node;
}

# Creates $count eligible domains named <prefix><n>.example and opens a
# pending transfer for each (request, then the gaining registrar's request).
sub create_pending_transfers
{
	my ($node, $db, $prefix, $count) = @_;
	$node->safe_psql($db, qq{
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT '$prefix' || i || '.example', 'tap-registrar', now() - interval '400 days',
       now() + interval '400 days', 'holder\@example.org'
  FROM generate_series(1, $count) AS i;
DO \$\$
DECLARE
	d record;
	issued record;
BEGIN
	FOR d IN SELECT name FROM domxfer.domains WHERE name LIKE '$prefix%' ORDER BY name LOOP
		SELECT * INTO issued FROM domxfer.request_transfer_out(d.name);
		PERFORM domxfer.receive_transfer_request(d.name, issued.auth_code, 'gaining-reg');
	END LOOP;
END
\$\$;
});
	return;
}

# Moves the deadline of the pending transfers of <prefix>* to $seconds from
# now (whole seconds, so decided_at can be compared exactly).
sub make_due_in
{
	my ($node, $db, $prefix, $seconds) = @_;
	return $node->safe_psql($db, qq{
UPDATE domxfer.transfers
   SET deadline = date_trunc('second', clock_timestamp()) + interval '$seconds s'
 WHERE state = 'pending' AND domain_name LIKE '$prefix%';
SELECT max(deadline) FROM domxfer.transfers WHERE domain_name LIKE '$prefix%';
});
}

# One column of domxfer.worker_status().
sub worker_status
{
	my ($node, $db, $column) = @_;
	return $node->safe_psql($db, "SELECT $column FROM domxfer.worker_status()");
}

# The worker's pid once it runs.
sub worker_pid
{
	my ($node, $db) = @_;
	$node->poll_query_until($db, "SELECT state = 'running' FROM domxfer.worker_status()")
	  or die 'the worker did not start';
	return worker_status($node, $db, 'pid');
}

# Polls a query until it returns 't', returning whether it did.
sub wait_until
{
	my ($node, $db, $query) = @_;
	return $node->poll_query_until($db, $query);
}

1;
