\set k random(0, 3)
\set x random(1, 300)
SELECT load.soft_delete(:k, :x);
