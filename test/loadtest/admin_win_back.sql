-- TEST ONLY (superuser): up to 300 domains that left come back (a transfer in).
SELECT loadtest.win_back(300);
