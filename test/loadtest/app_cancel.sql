-- The holder of a random domain cancels its open transfer, if any.
\set i random(1, :eligible)
SELECT loadtest.cancel(:i);
