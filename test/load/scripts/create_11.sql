\set p random(1, 310)
\set b random(1, 310)
SELECT load.create_11(:p, :b);
