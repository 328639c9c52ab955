-- The document-based .hk process, start to pending, for a random .hk domain.
\set i random(1, :hk)
\set g random(1, 20)
SELECT loadtest.manual(:i, :g);
