\set p random(1, 300)
\set b random(1, 300)
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT load.create_rr(:p, :b);
COMMIT;
