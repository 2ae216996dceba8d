\set p random(1, 300)
SELECT load.update(:p);
