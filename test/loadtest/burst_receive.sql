-- Portfolio burst: the gaining registrar sends the right code of the next
-- portfolio domain, in its own transaction.
\set g random(1, 20)
SELECT loadtest.burst_receive(:g);
