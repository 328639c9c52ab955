-- TEST ONLY (superuser): transfers that have waited 20 s get a deadline or
-- code expiry 1-5 s from now, so the worker decides them during the run.
SELECT loadtest.warp(300, interval '20 s');
