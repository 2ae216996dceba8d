\set k random(0, 2)
\set x random(1, 300)
\set y random(1, 300)
SELECT load.dismiss(:k, :x, :y);
