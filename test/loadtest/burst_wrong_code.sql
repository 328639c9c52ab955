-- Portfolio burst: a wrong code for a random portfolio domain.
\set g random(1, 20)
SELECT loadtest.burst_wrong_code(:g);
