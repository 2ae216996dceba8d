\set k random(0, 7)
\set c random(1, 3)
SELECT load.ddl_alter(:k, :c);
