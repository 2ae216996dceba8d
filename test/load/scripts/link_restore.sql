\set k random(0, 3)
\set x random(1, 300)
SELECT load.link_restore(:k, :x);
