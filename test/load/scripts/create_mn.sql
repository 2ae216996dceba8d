\set p random(1, 300)
\set t random(1, 100)
SELECT load.create_mn(:p, :t);
