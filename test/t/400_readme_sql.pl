# Every ```sql block of README.md and of every docs/*.md page runs as
# printed against the demo's data.
#
# The demo data is demo/demo_data.sql, the very file `make demo` loads, on a
# server configured like the demo's (domxfer preloaded, registrar
# demo-registrar). Each block runs in a fresh copy of that database (CREATE
# DATABASE ... TEMPLATE), so blocks cannot disturb one another and any block
# may rely on the demo data only.
#
# Conventions of the pages (see docs/tests.md, "README and docs examples"):
#  * A statement that demonstrates an error is followed by a comment line
#      -- ERROR 22023: the error's message
#    The block must raise exactly the errors it marks, in order, with those
#    SQLSTATEs; any other error fails the test, naming the file and line.
#  * A block not meant to run (it needs something the demo server lacks) is
#    preceded by the line
#      <!-- readme-sql: not run (the reason) -->
#    Use sparingly: the reason is printed.
#  * psql meta-commands (\gset, \x) are allowed: blocks run through psql.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $top = "$FindBin::RealBin/../..";
my $demo_data = "$top/demo/demo_data.sql";
my $demo_report = "$top/demo/report.sql";
for my $f ("$top/README.md", "$top/docs", $demo_data, $demo_report)
{
	BAIL_OUT("$f not found (scripts/run-tests.sh copies it beside the tests)") unless -e $f;
}
# README.md first, then the docs pages in name order; named as in the checkout
my @pages = ('README.md', map { "docs/" . ($_ =~ s{.*/}{}r) } sort glob("$top/docs/*.md"));

# --- the blocks --------------------------------------------------------------
my @blocks;
for my $page (@pages)
{
	open my $fh, '<:encoding(UTF-8)', "$top/$page" or die "$top/$page: $!";
	my @lines = <$fh>;
	close $fh;

	my ($cur, $last_nonblank);
	for my $i (0 .. $#lines)
	{
		my $line = $lines[$i];
		my $lineno = $i + 1;
		if (!$cur && $line =~ /^```sql\s*$/)
		{
			my $reason;
			$reason = $1 if defined $last_nonblank
			  && $last_nonblank =~ /^<!--\s*readme-sql:\s*not run\s*\((.+)\)\s*-->\s*$/;
			$cur = { page => $page, start => $lineno, text => '', skip => $reason };
			next;
		}
		if ($cur && $line =~ /^```\s*$/)
		{
			push @blocks, $cur;
			undef $cur;
			next;
		}
		if ($cur) { $cur->{text} .= $line; next; }
		$last_nonblank = $line if $line =~ /\S/;
	}
	BAIL_OUT("$page line $cur->{start}: ```sql block not closed") if $cur;
}
my $in_readme = grep { $_->{page} eq 'README.md' } @blocks;
cmp_ok($in_readme, '>=', 4, "README.md has its tour ($in_readme ```sql blocks)");
cmp_ok(scalar(@blocks), '>=', 20, 'README.md and docs/*.md have their SQL examples (' . scalar(@blocks) . ' ```sql blocks in ' . scalar(@pages) . ' pages)');

# --- a server like the demo's ----------------------------------------------
my $node = PostgreSQL::Test::Cluster->new('readme');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'domxfer'
domxfer.registrar_id = 'demo-registrar'
domxfer.database = 'postgres'
max_worker_processes = 16
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE readme_demo');
$node->safe_psql('readme_demo', 'CREATE EXTENSION domxfer');
my ($rc, $out, $err) = $node->psql('readme_demo', undef,
	extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', $demo_data ]);
is($rc, 0, 'demo/demo_data.sql loads') or diag($err);

# the demo's own report runs too
($rc, $out, $err) = $node->psql('readme_demo', undef,
	extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', $demo_report ]);
is($rc, 0, 'demo/report.sql runs against the demo data') or diag($err);
my $widest = 0;
for (split /\n/, $out) { $widest = length($_) if length($_) > $widest; }
cmp_ok($widest, '<=', 100, "the demo report fits in 100 columns (widest line $widest)");

# --- each block in a fresh copy ----------------------------------------------
my $n = 0;
for my $b (@blocks)
{
	$n++;
	my $where = "$b->{page} line $b->{start}";
	if (defined $b->{skip})
	{
		note("$where: not run ($b->{skip})");
		pass("$where: not run ($b->{skip})");
		next;
	}
	# the errors the block shows, in order: [SQLSTATE, line of the page]
	my @expected;
	my $k = 0;
	for my $l (split /\n/, $b->{text})
	{
		$k++;
		push @expected, [ $1, $b->{start} + $k ] if $l =~ /^--\s*ERROR\s+([0-9A-Z]{5})\b/;
		if ($l =~ /^--\s*ERROR\b/ && $l !~ /^--\s*ERROR\s+[0-9A-Z]{5}\b/)
		{
			fail("$where: the error comment on line " . ($b->{start} + $k)
				  . ' must give the SQLSTATE: "-- ERROR 22023: message"');
		}
	}
	my $db = "readme_block_$n";
	$node->safe_psql('postgres', "CREATE DATABASE $db TEMPLATE readme_demo");
	($rc, $out, $err) = $node->psql($db, $b->{text},
		extra_params => [ '-v', 'ON_ERROR_STOP=0', '-v', 'VERBOSITY=verbose' ]);
	$node->safe_psql('postgres', "DROP DATABASE $db");

	# psql:<stdin>:LINE: ERROR:  SQLSTATE: message
	my @actual;
	for my $l (split /\n/, $err)
	{
		push @actual, [ $2, $b->{start} + $1, $3 ]
		  if $l =~ /^psql:<stdin>:(\d+): ERROR:\s+([0-9A-Z]{5}): (.*)$/;
	}
	my @problems;
	my $max = @expected > @actual ? scalar(@expected) : scalar(@actual);
	for my $i (0 .. $max - 1)
	{
		my ($e, $a) = ($expected[$i], $actual[$i]);
		if (!$a)
		{
			push @problems, "line $e->[1] shows error $e->[0], but nothing raised it";
		}
		elsif (!$e)
		{
			push @problems, "the statement ending on line $a->[1] failed: $a->[0]: $a->[2]";
		}
		elsif ($e->[0] ne $a->[0])
		{
			push @problems, "the statement ending on line $a->[1] raised $a->[0] ($a->[2]); line $e->[1] shows $e->[0]";
		}
	}
	push @problems, "psql exited with $rc: $err" if $rc != 0 && !@problems;
	ok(!@problems, "$where: the block runs as printed" . (@expected ? ' (' . scalar(@expected) . ' error(s) shown and raised)' : ''))
	  or diag(join("\n", map { "$where: $_" } @problems));
}

$node->stop;
done_testing();
