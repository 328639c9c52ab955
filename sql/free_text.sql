-- Free text from callers (first-day finding 5): one strict check per kind,
-- made before the transfer is looked at; the text itself never appears in
-- the error. The cancel reason: at most 500 characters, no control
-- characters but tab and line breaks.
SET TimeZone = 'UTC';
\set VERBOSITY default
\set SHOW_CONTEXT never

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('ft-cancel.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net');
SELECT transfer_id AS t1 FROM domxfer.request_transfer_out('ft-cancel.example') \gset

-- a megabyte is refused, and nothing is stored, logged or owed
SELECT domxfer.cancel_transfer_out(:t1, repeat('x', 1000000));
-- one character over the limit, control characters (C0, DEL, C1)
SELECT domxfer.cancel_transfer_out(:t1, repeat('x', 501));
SELECT domxfer.cancel_transfer_out(:t1, E'a bell\x07');
SELECT domxfer.cancel_transfer_out(:t1, E'delete\x7f');
SELECT domxfer.cancel_transfer_out(:t1, E'next line \u0085');
-- checked before the transfer is looked at: an unknown transfer with a bad
-- reason gets the reason's error
SELECT domxfer.cancel_transfer_out(-1, repeat('x', 501));
SELECT t.state, t.cancel_note IS NULL AS no_note,
	   (SELECT count(*) FROM domxfer.transfer_events e WHERE e.transfer_id = t.id) AS events,
	   (SELECT count(*) FROM domxfer.notices n WHERE n.transfer_id = t.id) AS notices
  FROM domxfer.transfers t WHERE t.id = :t1;

-- 500 characters with tab, line breaks and Chinese are accepted as given,
-- in the transfer, the audit log and the holder's notice
SELECT domxfer.cancel_transfer_out(:t1, repeat('不想转移', 124) || E'\t\r\n' || 'x');
SELECT t.state, char_length(t.cancel_note) AS note_chars,
	   char_length(e.detail->>'note') AS event_note_chars,
	   char_length(n.payload->>'note') AS notice_note_chars
  FROM domxfer.transfers t
  JOIN domxfer.transfer_events e ON e.transfer_id = t.id AND e.to_state = 'cancelled'
  JOIN domxfer.notices n ON n.event_id = e.id
 WHERE t.id = :t1;
-- NULL is no reason
SELECT transfer_id AS t2 FROM domxfer.request_transfer_out('ft-cancel.example') \gset
SELECT domxfer.cancel_transfer_out(:t2, NULL);
SELECT state, cancel_note FROM domxfer.transfers WHERE id = :t2;
