# make install, make deps and the other make targets as root on a machine
# without sudo (Debian's default root shell): no script calls sudo but
# through $SUDO, which is empty for root (scripts/common.sh); a user who is
# not root and has no sudo is told what to do instead of "sudo: command not
# found".
use strict;
use warnings;
use FindBin;
use PostgreSQL::Test::Utils;
use Test::More;

my $scripts = "$FindBin::RealBin/../../scripts";
BAIL_OUT("$scripts/common.sh not found (scripts/run-tests.sh copies scripts/ beside the tests)")
  unless -f "$scripts/common.sh";

# every script: sudo only as $SUDO (comments aside)
my $command_sudo = qr/(?:^|[;&|(`]|\bthen|\bdo|\belse|\$\()\s*(?:env\s+)?sudo\b/;
my @bare;
for my $f (sort glob("$scripts/*.sh"))
{
	my $n = 0;
	for my $line (split /\n/, slurp_file($f))
	{
		$n++;
		next if $line =~ /^\s*#/;
		(my $code = $line) =~ s/\s#.*$//;
		next if $code =~ /^\s*SUDO=sudo\s*$/;
		# sudo where a command starts (not in a message, not "command -v sudo")
		push @bare, "$f:$n: $line" if $code =~ /$command_sudo/;
	}
}
is_deeply(\@bare, [], 'no script calls sudo itself (only through $SUDO)');

# the probe can fail: a script line with a bare sudo is found
my $probe = "make install\nsudo make install\n";
ok((grep { /$command_sudo/ } split /\n/, $probe), 'the check finds a bare sudo');

# common.sh as root sets no SUDO; as another user without sudo, $SUDO says
# what to do. Here: the test runs as the server's user (never root).
my $common = slurp_file("$scripts/common.sh");
like($common, qr/if \[ "\$\(id -u\)" = 0 \]; then\n\tRUN_USER=postgres\n\tSUDO=""/,
	'as root, SUDO is empty: no sudo is called');
my ($out, $err) = ('', '');
my $ok = IPC::Run::run(
	[ 'bash', '-c', ". '$scripts/common.sh'; no_sudo make install" ],
	'>', \$out, '2>', \$err);
ok(!$ok, 'without sudo, a step that needs root fails');
like($err, qr/this step needs root \(it runs: make install\): run it as root, which needs no sudo, or install sudo/,
	'and says to run it as root or install sudo');

done_testing();
