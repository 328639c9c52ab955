-- The holder asks to transfer out a random eligible domain, then (next
-- transaction) the gaining registrar's request arrives with that code.
\set i random(1, :eligible)
\set g random(1, 20)
SELECT transfer_id, auth_code FROM loadtest.request_for_receive(:i) \gset
\if :transfer_id > 0
SELECT loadtest.receive(:i, ':auth_code', :g);
\endif
