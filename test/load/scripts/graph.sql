\set k random(0, 2)
\set x random(1, 300)
SELECT load.graph(:k, :x);
