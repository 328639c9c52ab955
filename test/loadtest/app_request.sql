-- The holder asks to transfer out a random domain (eligible or not) and does
-- not pass the code on.
\set i random(1, :domains)
SELECT loadtest.request(:i);
