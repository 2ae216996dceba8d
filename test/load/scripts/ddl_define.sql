\set k random(0, 5)
SELECT load.ddl_define(:k);
