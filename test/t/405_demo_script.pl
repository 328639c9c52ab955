# scripts/demo.sh's messages (make demo, make demo-stop): a stop with no demo
# server running says so and that its files stay (they do); the hints that
# make demo prints fit in 100 columns; a port already in use is named, with
# DEMO_PORT to pick another, before anything is started or removed.
use strict;
use warnings;
use Cwd ();
use FindBin;
use File::Copy;
use File::Path qw(make_path);
use IO::Socket::INET;
use PostgreSQL::Test::Utils;
use Test::More;

my $scripts = "$FindBin::RealBin/../../scripts";
BAIL_OUT("$scripts/demo.sh not found (scripts/run-tests.sh copies scripts/ beside the tests)")
  unless -f "$scripts/demo.sh";

# a checkout of its own: demo.sh keeps its files in <top>/.demo
# absolute: since PostgreSQL 17 tempdir() may give a relative path
my $top = Cwd::abs_path(PostgreSQL::Test::Utils::tempdir('demo_top'));
make_path("$top/scripts", "$top/.demo/data");
copy("$scripts/$_", "$top/scripts/$_") or die "$_: $!" for qw(demo.sh common.sh);
chmod 0755, "$top/scripts/demo.sh";
open(my $fh, '>', "$top/.demo/data/PG_VERSION") or die;
print $fh "15\n";
close $fh;

for my $round (1, 2)
{
	my ($stdout, $stderr);
	my $ok = IPC::Run::run([ 'bash', "$top/scripts/demo.sh", 'stop' ], '>', \$stdout, '2>', \$stderr);
	ok($ok, "demo-stop $round with no server exits 0") or diag($stderr);
	like($stdout, qr/^no demo server running \(its files stay in \Q$top\E\/\.demo; remove them with rm -rf\)$/m,
		"demo-stop $round says no server runs and where its files stay");
	unlike($stdout, qr/nothing in/, "demo-stop $round does not say the folder is empty");
	ok(-f "$top/.demo/data/PG_VERSION", "the demo's files are still there after demo-stop $round");
}

# make demo with its port taken: a clear message and the way out, nothing started
{
	my $listener = IO::Socket::INET->new(
		LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5, Proto => 'tcp', ReuseAddr => 1)
	  or die "listen: $!";
	my $taken = $listener->sockport;
	my ($stdout, $stderr) = ('', '');
	my $ok = IPC::Run::run([ 'bash', "$top/scripts/demo.sh", 'start' ],
		'<', \undef, '>', \$stdout, '2>', \$stderr, init => sub { $ENV{DEMO_PORT} = $taken });
	ok(!$ok, 'make demo with its port taken fails');
	like($stderr, qr/port $taken on 127\.0\.0\.1 is already in use/, 'it names the port that is taken');
	like($stderr, qr/^\s+DEMO_PORT=\d+ make demo$/m, 'it shows how to pick another port (DEMO_PORT)');
	unlike($stderr, qr/LOG:|FATAL:|initdb/, 'no raw server log or initdb output');
	ok(!-e "$top/.demo/data/postmaster.pid", 'no demo server was started');
	ok(-f "$top/.demo/data/PG_VERSION", "an earlier demo's files are left as they were");

	($stdout, $stderr) = ('', '');
	$ok = IPC::Run::run([ 'bash', "$top/scripts/demo.sh", 'start' ],
		'<', \undef, '>', \$stdout, '2>', \$stderr, init => sub { $ENV{DEMO_PORT} = 'abc' });
	ok(!$ok, 'make demo with DEMO_PORT=abc fails');
	like($stderr, qr/DEMO_PORT must be a port number from 1024 to 65535, not "abc"/,
		'and says what DEMO_PORT takes');
}

# the message make demo prints, with the values it has on this machine
my $script = slurp_file("$scripts/demo.sh");
my ($msg) = $script =~ /cat <<MSG\n(.*?)\nMSG\n/s;
ok(defined $msg, 'demo.sh prints its hints from a here-document');
my %value = (SOCK => "$top/.demo/socket", PORT => '54330', DB => 'domxfer_demo', due => '12:34:56');
$msg =~ s/\$(\w+)/$value{$1} \/\/ die "unknown variable \$$1"/ge;
$msg =~ s/\\\\/\\/g;
my @long = grep { length($_) > 100 } map { s/\Q$top\/.demo\/socket\E/\/tmp\/domxfer-demo-socket-1000/gr } split /\n/, $msg;
is_deeply(\@long, [], 'every line make demo prints fits in 100 columns (socket in /tmp)');
like($msg, qr/Watch it/, 'the hints include the "Watch it" command');

done_testing();
