-- The holder of a random domain approves its pending transfer early, if any.
\set i random(1, :eligible)
SELECT loadtest.approve(:i);
