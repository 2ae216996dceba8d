\set b random(1, 310)
\set a random(1, 62)
SELECT load.create_1n(:b, :a);
