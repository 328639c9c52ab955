-- A gaining registrar sends a wrong code for a random domain (28P01).
\set i random(1, :domains)
\set g random(1, 20)
SELECT loadtest.receive_wrong_code(:i, :g);
