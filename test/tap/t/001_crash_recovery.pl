# Crash recovery: kill -9 in the middle of a large link_create and of a large cascade, then
# check after recovery that nothing of the killed transaction is left, that the invariants
# hold (test/load/invariants.sql), that the link tables' indexes agree with their heaps
# (amcheck) and that link operations work again.
#   1. link_create of 100,000 links in one call (several batches written), every server
#      process killed with SIGKILL (postmaster and children, as a power loss would), restart.
#   2. UPDATE ... SET deleted_at = now() over 30,000 products whose posts are deleteCascade,
#      the backend killed with SIGKILL while the cascade is half done (a pause trigger on the
#      second level holds it there); the postmaster reinitialises (restart_after_crash).
# Run by test/shell/tap.sh (prove as the postgres user, PostgreSQL::Test::Cluster). Bigger:
# LM_TAP_LINKS=300000 LM_TAP_RECORDS=100000 (about 90 s instead of 35).
use strict;
use warnings;
use File::Basename qw(dirname);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $root = $ENV{LM_ROOT} // dirname(__FILE__) . '/../../..';
my $invariants = slurp_file("$root/test/load/invariants.sql");
my $links = $ENV{LM_TAP_LINKS} || 100_000;       # links of the killed link_create
my $records = $ENV{LM_TAP_RECORDS} || 30_000;   # products of the killed cascade

my $node = PostgreSQL::Test::Cluster->new('crash',
	($ENV{LM_TAP_PORT} ? (port => $ENV{LM_TAP_PORT}) : ()));
$node->init;
$node->append_conf('postgresql.conf', <<'CONF');
log_statement = none
restart_after_crash = on
max_wal_size = 1GB
CONF
$node->start;
my $has_amcheck = $node->safe_psql('postgres',
	"SELECT count(*) FROM pg_available_extensions WHERE name = 'amcheck'") eq '1';

# The invariants hold, and the btree indexes of every link table match their heap.
sub check_database
{
	my ($db, $what) = @_;
	my $v = $node->safe_psql($db, $invariants
		  . "\nSELECT string_agg(kind || ' in ' || link || ': ' || rows, '; ') FROM pg_temp.lm_violations();");
	is($v, '', "$what: invariants hold");
	if ($has_amcheck)
	{
		my ($rc, $out, $err) = $node->psql($db,
			"CREATE EXTENSION IF NOT EXISTS amcheck;
			 SELECT count(bt_index_check(i.indexrelid, true)) FROM link_module.links l JOIN pg_index i ON i.indrelid = l.link_table
			 JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree';");
		is($rc, 0, "$what: amcheck finds the link tables' indexes consistent") or diag($err);
	}
}

# Starts a psql running $sql in the background; returns the handle and its output refs.
sub start_background
{
	my ($db, $app, $sql) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ $node->installed_command('psql'), '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db) . " application_name=$app", '-c', $sql ],
		'<', \undef, '>', \$out, '2>', \$err);
	return ($h, \$out, \$err);
}

# Polls $query (one boolean) until true; gives up after $secs seconds.
sub wait_until
{
	my ($db, $query, $secs) = @_;
	my $deadline = time + $secs;
	while (time < $deadline)
	{
		my ($rc, $out) = $node->psql($db, $query);
		return 1 if $rc == 0 && $out eq 't';
		usleep(100_000);
	}
	return 0;
}

# The server's processes: the postmaster first, then its children.
sub server_pids
{
	my $pm = (split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0];
	my @children = grep { /^\d+$/ } map { s/\s+//gr } split /\n/, `ps -o pid= --ppid $pm`;
	return ($pm, @children);
}

# Waits (bounded) until the given processes are gone.
sub wait_gone
{
	my @pids = @_;
	my $deadline = time + 60;
	while (time < $deadline)
	{
		return 1 unless grep { kill(0, $_) } @pids;
		usleep(50_000);
	}
	return 0;
}

###
### 1. link_create of $links links, every server process killed.
###
$node->safe_psql('postgres', 'CREATE DATABASE create_crash');
$node->safe_psql('create_crash', <<"SQL");
SET client_min_messages = warning;
CREATE EXTENSION link_module;
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE TABLE product.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO product.product SELECT 'p' || i FROM generate_series(1, $links + 1000) i;
INSERT INTO blog.post SELECT 'b' || i FROM generate_series(1, $links + 1000) i;
UPDATE product.product SET deleted_at = now() WHERE id IN ('p1001', 'p1002');
SELECT define_link('product.product', 'blog.post', '{"database": {"extraColumns": {"metadata": {"type": "json", "nullable": true}}}}');
SELECT link_create((SELECT jsonb_agg(jsonb_build_object('product', jsonb_build_object('product_id', 'p' || i),
                                                        'blog', jsonb_build_object('post_id', 'b' || i))) FROM generate_series(1, 1000) i));
CHECKPOINT;
SQL
my $size_before = $node->safe_psql('create_crash', "SELECT pg_relation_size('product_product_blog_post')");

# The big call: links p1003..p<links+1000> (p1001, p1002 are soft-deleted), 20,000 per batch.
my $big_create = "SET link_module.batch_size = 20000; SET link_module.notify = off;
  SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object(
    'product', jsonb_build_object('product_id', 'p' || i), 'blog', jsonb_build_object('post_id', 'b' || i),
    'data', jsonb_build_object('metadata', jsonb_build_object('i', i))))
  FROM generate_series(1003, $links + 1000) i)));";
my ($h, $out, $err) = start_background('create_crash', 'big_create', $big_create);
# Mid-way: link rows of the call are on disk (the table grew by more than two batches).
my $started = time;
ok(wait_until('create_crash',
		"SELECT pg_relation_size('product_product_blog_post') > $size_before + 2 * 20000 * 150
		 AND EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'big_create' AND state = 'active')",
		300),
	'the large link_create has written several batches');
my ($backend) = $node->safe_psql('create_crash',
	"SELECT pid FROM pg_stat_activity WHERE application_name = 'big_create'");
my @pids = server_pids();
note(sprintf('killing the server %.1f s into the link_create (backend %s, %d processes)', time - $started, $backend, scalar @pids));
kill('KILL', $backend, @pids);
$node->kill9;    # the postmaster is dead already; this tells the Cluster object so
ok(wait_gone(@pids), 'every server process is gone');
$h->finish;
unlike($$out, qr/^\d+$/m, 'the link_create had not returned');
like($$err, qr/server closed the connection|terminat|connection to server/, 'the client lost its connection');

my $log_offset = -s $node->logfile;
$node->start;
like(slurp_file($node->logfile, $log_offset), qr/not properly shut down; automatic recovery in progress/, 'crash recovery ran');
is($node->safe_psql('create_crash', "SELECT count(*) || ' ' || count(*) FILTER (WHERE deleted_at IS NULL) FROM product_product_blog_post"),
	'1000 1000', 'no link row of the killed link_create is left; the 1000 earlier links are');
cmp_ok($node->safe_psql('create_crash', "SELECT pg_relation_size('product_product_blog_post')"), '>', $size_before,
	'(the killed call had written rows: recovery replayed them as aborted)');
check_database('create_crash', 'after the killed link_create');

# Link operations work: the same call, smaller, succeeds; cardinality and existence still hold.
is($node->safe_psql('create_crash',
		"SELECT jsonb_array_length(link_create((SELECT jsonb_agg(jsonb_build_object('product', jsonb_build_object('product_id', 'p' || i),
		   'blog', jsonb_build_object('post_id', 'b' || i))) FROM generate_series(1003, 11002) i)))"),
	'10000', 'link_create of 10,000 links works after recovery');
my ($rc, $o, $e) = $node->psql('create_crash',
	q{SELECT link_create('{"product": {"product_id": "p1"}, "blog": {"post_id": "b2"}}')});
like($e, qr/Cannot create multiple links/, 'cardinality is enforced after recovery');
($rc, $o, $e) = $node->psql('create_crash',
	q{SELECT link_create('{"product": {"product_id": "p1001"}, "blog": {"post_id": "b1001"}}')});
like($e, qr/23503|soft-deleted|does not exist|not found/i, 'a soft-deleted record cannot be linked after recovery') or diag($e);
is($node->safe_psql('create_crash', "SELECT count(*) FROM product_product_blog_post WHERE deleted_at IS NULL"),
	'11000', '11,000 active links');
check_database('create_crash', 'after link_create following recovery');

###
### 2. A soft delete of $records products cascading to their posts and links, backend killed
###    half-way through the cascade.
###
$node->safe_psql('postgres', 'CREATE DATABASE cascade_crash');
$node->safe_psql('cascade_crash', <<"SQL");
SET client_min_messages = warning;
CREATE EXTENSION link_module;
CREATE SCHEMA product;
CREATE SCHEMA blog;
CREATE SCHEMA catalog;
CREATE TABLE product.product (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.post (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE blog.author (id text PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE catalog.tag (id text PRIMARY KEY, deleted_at timestamptz);
INSERT INTO product.product SELECT 'p' || i FROM generate_series(1, $records) i;
INSERT INTO blog.post SELECT 'b' || i FROM generate_series(1, $records) i;
INSERT INTO blog.author SELECT 'a' || i FROM generate_series(1, 1000) i;
INSERT INTO catalog.tag SELECT 't' || i FROM generate_series(1, 100) i;
-- product 1:1 post (deleteCascade), post n:1 author, product n:m tag.
SELECT define_link('product.product', '{"linkable": "blog.post", "deleteCascade": true}');
SELECT define_link('{"linkable": "blog.post", "isList": true}', 'blog.author');
SELECT define_link('{"linkable": "product.product", "isList": true}', '{"linkable": "catalog.tag", "isList": true}');
-- Link tables are ordinary tables: filled directly, faster than link_create.
INSERT INTO product_product_blog_post (product_id, post_id, id) SELECT 'p' || i, 'b' || i, 'pp_' || i FROM generate_series(1, $records) i;
INSERT INTO blog_post_blog_author (post_id, author_id, id) SELECT 'b' || i, 'a' || (i % 1000 + 1), 'pa_' || i FROM generate_series(1, $records) i;
INSERT INTO product_product_catalog_tag (product_id, tag_id, id) SELECT 'p' || i, 't' || (i % 100 + 1), 'pt_' || i FROM generate_series(1, $records) i;
ANALYZE;
-- Holds the cascade once it has soft-deleted the posts (after link_module's own trigger on posts).
CREATE FUNCTION public.pause() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN PERFORM pg_sleep(600); RETURN NULL; END \$\$;
CREATE TRIGGER zz_pause AFTER UPDATE ON blog.post FOR EACH STATEMENT EXECUTE FUNCTION public.pause();
CHECKPOINT;
SQL
my $state_sql = "SELECT (SELECT count(*) FILTER (WHERE deleted_at IS NOT NULL) FROM product.product) || ' '
  || (SELECT count(*) FILTER (WHERE deleted_at IS NOT NULL) FROM blog.post) || ' '
  || (SELECT count(*) FILTER (WHERE deleted_at IS NULL) FROM product_product_blog_post) || ' '
  || (SELECT count(*) FILTER (WHERE deleted_at IS NULL) FROM blog_post_blog_author) || ' '
  || (SELECT count(*) FILTER (WHERE deleted_at IS NULL) FROM product_product_catalog_tag)";
my $state_before = $node->safe_psql('cascade_crash', $state_sql);
is($state_before, "0 0 $records $records $records", 'before: nothing soft-deleted, every link active');

($h, $out, $err) = start_background('cascade_crash', 'big_cascade', 'UPDATE product.product SET deleted_at = now()');
$started = time;
ok(wait_until('cascade_crash',
		"SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'big_cascade' AND wait_event = 'PgSleep')",
		300),
	'the cascade reached the posts (held by the pause trigger)');
($backend) = $node->safe_psql('cascade_crash',
	"SELECT pid FROM pg_stat_activity WHERE application_name = 'big_cascade'");
note(sprintf('killing backend %s %.1f s into the cascade', $backend, time - $started));
$log_offset = -s $node->logfile;
kill('KILL', $backend);
$h->finish;
unlike($$out, qr/^UPDATE/m, 'the UPDATE had not returned');
# The postmaster reinitialises and recovers by itself.
ok(wait_until('cascade_crash', 'SELECT true', 120), 'the server accepts connections again');
my $log = slurp_file($node->logfile, $log_offset);
like($log, qr/terminated by signal 9/, 'the postmaster saw the backend killed');
like($log, qr/not properly shut down; automatic recovery in progress/, 'crash recovery ran');
is($node->safe_psql('cascade_crash', $state_sql), $state_before, 'nothing of the killed cascade is left');
check_database('cascade_crash', 'after the killed cascade');

# The same cascade, not killed, completes; then the restore undoes it.
$node->safe_psql('cascade_crash', 'DROP TRIGGER zz_pause ON blog.post');
$node->safe_psql('cascade_crash', 'UPDATE product.product SET deleted_at = now()');
is($node->safe_psql('cascade_crash', $state_sql), "$records $records 0 0 0",
	'after recovery the cascade soft-deletes every product and post and dismisses every link');
check_database('cascade_crash', 'after the cascade');
# Restores under both kinds of statistics: from before the cascade (every deleted_at NULL), and
# fresh ones that see every link row dismissed. Before restores were driven by the removals,
# each made some statement a scan per row (100-375 s per link for 100,000 records instead of
# ~1 s).
$node->safe_psql('cascade_crash', 'UPDATE product.product SET deleted_at = NULL');
is($node->safe_psql('cascade_crash', $state_sql), $state_before, 'clearing deleted_at restores everything');
check_database('cascade_crash', 'after the restore');
$node->safe_psql('cascade_crash', 'UPDATE product.product SET deleted_at = now()');
$node->safe_psql('cascade_crash', 'ANALYZE');
$node->safe_psql('cascade_crash', 'UPDATE product.product SET deleted_at = NULL');
is($node->safe_psql('cascade_crash', $state_sql), $state_before,
	'after ANALYZE of the dismissed link rows, clearing deleted_at restores everything');

$node->stop;
done_testing();
