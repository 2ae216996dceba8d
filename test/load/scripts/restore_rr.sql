\set k random(0, 3)
\set x random(1, 300)
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT load.link_restore(:k, :x, 'restore_rr');
COMMIT;
