-- Billing marks one of the first 2,000 domains unpaid, or paid again.
\set i random(1, 2000)
SELECT loadtest.toggle_unpaid(:i);
