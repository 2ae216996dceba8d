\set k random(0, 7)
\set n random(1, 3)
SELECT load.ddl_index(:k, :n);
