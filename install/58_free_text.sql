-- Free text from callers (first-day finding 5): one strict check per kind
-- of text, applied where that kind enters, so no path stores, logs or
-- mails more than the kind allows. The kinds and their limits:
--   cancel reason (cancel_transfer_out)   at most 500 characters, no control
--                                         characters but tab and line breaks: 22001 / 22023
--   registry message (apply_registry_message)  at most 1 MB: 54000 (75_registry.sql)
--   registry svTRID (record_registry_response) 3 to 64 characters: 22023 (75_registry.sql)
--   discrepancy note (acknowledge_registry_discrepancy)  at most 1000 characters,
--                                         the same control characters: 22001 / 22023
--   mailer error (mark_notice_failed)     kept to its first 1000 characters (a report
--                                         that failed to be stored would keep the notice leased)
--   auth code (receive_transfer_request)  over 256 bytes never matches (a wrong code)

CREATE FUNCTION domxfer._check_free_text(what text, value text, max_chars integer)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_at integer;
BEGIN
	IF value IS NULL THEN
		RETURN NULL;
	END IF;
	IF pg_catalog.char_length(value) OPERATOR(pg_catalog.>) max_chars THEN
		-- never the text itself in the message: it may be a megabyte
		RAISE EXCEPTION '% is too long', what
			USING ERRCODE = 'string_data_right_truncation',
				  DETAIL = pg_catalog.format('It has %s characters; at most %s are accepted.',
											 pg_catalog.char_length(value), max_chars),
				  HINT = 'Shorten it: it is stored in the audit log and sent to the holder.';
	END IF;
	v_at := pg_catalog.regexp_instr(value, '[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]');
	IF v_at OPERATOR(pg_catalog.>) 0 THEN
		RAISE EXCEPTION '% contains a control character', what
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('Character %s is U+%s; only tab and line breaks are accepted.', v_at,
											 pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(pg_catalog.ascii(pg_catalog.substr(value, v_at, 1))), 4, '0')));
	END IF;
	RETURN value;
END
$$;

COMMENT ON FUNCTION domxfer._check_free_text(text, text, integer) IS 'Internal: the one check of caller-supplied free text (first-day finding 5): returns value unchanged, NULL for NULL; 22001 when it has more than max_chars characters (the text is never echoed), 22023 for a control character other than tab, CR and LF (C0, DEL, C1)';
REVOKE EXECUTE ON FUNCTION domxfer._check_free_text(text, text, integer) FROM PUBLIC;
