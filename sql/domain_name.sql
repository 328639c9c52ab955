-- Domain names: normalize_domain, domain_to_unicode and domain_tld.
-- Needs a UTF8 database (pg_regress creates one).
SELECT pg_catalog.getdatabaseencoding();

-- Every rejection as (state, quotes_input, detail), so a table of bad names
-- reads like a catalogue: the SQLSTATE, whether the message is exactly
-- 'invalid domain name "<input>"', and the DETAIL naming the check.
CREATE FUNCTION pg_temp.rejection(fn text, name text, OUT state text,
								  OUT quotes_input boolean, OUT detail text)
LANGUAGE plpgsql AS $$
DECLARE
	message text;
BEGIN
	EXECUTE pg_catalog.format('SELECT domxfer.%I($1)', fn) USING name;
	state := 'accepted';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE,
							message = MESSAGE_TEXT,
							detail = PG_EXCEPTION_DETAIL;
	quotes_input := message OPERATOR(pg_catalog.=)
		pg_catalog.format('invalid domain name "%s"', name);
END
$$;

-- Valid names in many spellings: A-label form, display form, TLD.
SELECT input,
	   domxfer.normalize_domain(input) AS a_label,
	   domxfer.domain_to_unicode(input) AS display,
	   domxfer.domain_tld(input) AS tld
  FROM (VALUES
		('example.com'),
		('WWW.Example.COM'),				-- upper case
		('example.com.'),					-- trailing (root) dot dropped
		('中文.COM.'),						-- Chinese, upper case, root dot
		('例子。中国'),						-- U+3002 ideographic full stop
		('例子．中国'),						-- U+FF0E full-width full stop
		('例子｡中国'),						-- U+FF61 half-width ideographic full stop
		('ｅｘａｍｐｌｅ．ｃｏｍ'),			-- full-width letters map to ASCII
		('x.香港'),
		('xn--fiq228c.com'),				-- already an A-label
		('XN--FIQ228C.COM'),				-- A-label in upper case
		('Straße.de'),						-- non-transitional: ß kept
		('xn--strae-oqa.de'),
		('ς.gr'),							-- final sigma kept (PVALID exception)
		('ΣΑΣ.gr'),							-- capital sigma folds to σ
		('مثال.إختبار'),					-- Arabic, right to left
		('مثال.com'),						-- RTL label beside an LTR label
		('ب١٢.com'),						-- Arabic-Indic digits alone
		('ב׳.co.il'),						-- U+05F3 geresh after Hebrew
		('l·l.cat'),						-- U+00B7 between two l (CONTEXTO)
		(U&'\0628\200C\0628.com'),			-- ZWNJ in a joining context (CONTEXTJ)
		(U&'\0915\094D\200D\0937.com'),		-- ZWJ after a virama (CONTEXTJ)
		('ア・ア.jp'),						-- U+30FB with Katakana (CONTEXTO)
		('〇.com'),							-- U+3007 PVALID exception
		('가.kr'),
		('a-b.com'),
		('123.com'),
		('a.b.c.d.e')
	   ) AS t(input);

-- Label of exactly 63 octets (ASCII and IDN) passes; 64 fails.
SELECT pg_catalog.length(domxfer.normalize_domain(pg_catalog.repeat('a', 63) || '.com')) AS ascii_63;
SELECT pg_catalog.length(domxfer.normalize_domain(pg_catalog.repeat('ü', 57) || '.de')) AS idn_57_chars;
SELECT pg_catalog.split_part(domxfer.normalize_domain(pg_catalog.repeat('ü', 57) || '.de'), '.', 1) AS a_label_63;
SELECT * FROM pg_temp.rejection('normalize_domain', pg_catalog.repeat('a', 64) || '.com');
SELECT * FROM pg_temp.rejection('normalize_domain', pg_catalog.repeat('ü', 58) || '.de');

-- Name of exactly 253 octets passes (also with its root dot); 254 fails.
SELECT pg_catalog.length(domxfer.normalize_domain(n)) AS len_253,
	   pg_catalog.length(domxfer.normalize_domain(n || '.')) AS len_253_root_dot
  FROM (SELECT pg_catalog.repeat(pg_catalog.repeat('a', 63) || '.', 3) || pg_catalog.repeat('b', 61) AS n) s;
SELECT r.*
  FROM (SELECT pg_catalog.repeat(pg_catalog.repeat('a', 63) || '.', 3) || pg_catalog.repeat('b', 62) AS n) s,
	   LATERAL (SELECT * FROM pg_temp.rejection('normalize_domain', s.n)
				UNION ALL
				SELECT * FROM pg_temp.rejection('normalize_domain', s.n || '.')) r;

-- Each failure kind: SQLSTATE and the DETAIL naming the check (and label).
SELECT input, r.state, r.quotes_input, r.detail
  FROM (VALUES
		(''),								-- empty name
		('.'),								-- the root alone
		('。'),
		('com'),							-- one label
		('香港.'),							-- one label with root dot
		('a..com'),							-- empty label
		('.a.com'),
		('a.com..'),
		(U&'\00AD.com'),					-- soft hyphen maps to nothing
		('-a.com'),							-- leading hyphen
		('a-.com'),							-- trailing hyphen
		('ab--cd.com'),						-- hyphens in 3rd and 4th position
		(U&'\0301a.com'),					-- leading combining mark
		('a_b.com'),						-- STD3: underscore
		('a b.com'),						-- space
		('a/b.com'),
		('÷.com'),							-- UTS #46 NV8, IDNA2008 DISALLOWED
		('😀.com'),							-- emoji
		('xn--ls8h.com'),					-- emoji behind an A-label
		('a☃.com'),							-- symbol
		(U&'a\20D0.com'),					-- Mn, but in an IgnorableBlock
		(U&'a\+01D165.com'),				-- Mc, Musical Symbols block
		(U&'a\1100.com'),					-- old Hangul jamo (L)
		(U&'\0645\0640\062B.com'),			-- U+0640 tatweel (exception)
		(U&'a\3031.com'),					-- U+3031 (exception)
		('xn--zzzz.com'),					-- invalid Punycode
		('xn--a.com'),						-- invalid ACE label
		('xn--.com'),
		('xn--ASCII-.com'),
		('مثالa.com'),						-- bidi: L inside an RTL label
		('0a.مثال'),						-- bidi: digit-first label in an RTL name
		(U&'a\200Cb.com'),					-- CONTEXTJ: ZWNJ between Latin letters
		(U&'a\200Db.com'),					-- CONTEXTJ: ZWJ without virama
		('a·b.com'),						-- CONTEXTO: middle dot not between l
		(U&'a\0375.gr'),					-- CONTEXTO: keraia not before Greek
		(U&'a\05F3.com'),					-- CONTEXTO: geresh not after Hebrew
		(U&'\0628\0661\06F1.com')			-- CONTEXTO: mixed Arabic digit sets
	   ) AS t(input),
	   LATERAL pg_temp.rejection('normalize_domain', t.input) r;

-- The other two functions reject exactly what normalize_domain rejects.
SELECT input, fn, r.state, r.quotes_input, r.detail
  FROM (VALUES ('a..com'), ('÷.com'), ('com'), ('xn--zzzz.com')) AS t(input),
	   (VALUES ('domain_to_unicode'), ('domain_tld')) AS f(fn),
	   LATERAL pg_temp.rejection(f.fn, t.input) r
 ORDER BY input, fn;

-- Oversized input is refused before any other check; the message quotes
-- only its beginning.
SELECT * FROM pg_temp.rejection('normalize_domain', pg_catalog.repeat('a', 1025));
SELECT * FROM pg_temp.rejection('normalize_domain', pg_catalog.repeat('a.', 100000) || 'com');
SELECT pg_catalog.length(domxfer.normalize_domain(pg_catalog.repeat('ａ', 60) || '.com')) AS full_width_input_180_bytes;

-- NULL in, NULL out (STRICT).
SELECT domxfer.normalize_domain(NULL) IS NULL AS n1,
	   domxfer.domain_to_unicode(NULL) IS NULL AS n2,
	   domxfer.domain_tld(NULL) IS NULL AS n3;

-- Round trips: the normalized form is a fixed point, and the display form
-- normalizes back to it.
SELECT input
  FROM (VALUES ('中文.COM.'), ('Straße.de'), ('مثال.إختبار'), ('ΣΑΣ.gr'),
			   ('例子。中国'), (U&'\0628\200C\0628.com')) AS t(input)
 WHERE domxfer.normalize_domain(domxfer.normalize_domain(input))
		   OPERATOR(pg_catalog.<>) domxfer.normalize_domain(input)
	OR domxfer.normalize_domain(domxfer.domain_to_unicode(input))
		   OPERATOR(pg_catalog.<>) domxfer.normalize_domain(input);

-- How the errors look to a client: SQLSTATE 22023, message and DETAIL.
\set VERBOSITY default
SELECT domxfer.normalize_domain('a..com');
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.normalize_domain('÷.com');
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.normalize_domain(U&'a\200Cb.com');
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.domain_tld('com');
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.normalize_domain(pg_catalog.repeat('x', 2000));
\echo :LAST_ERROR_SQLSTATE
-- SQLSTATE shown by psql itself
\set VERBOSITY sqlstate
SELECT domxfer.normalize_domain('xn--zzzz.com');
\set VERBOSITY default

-- The tld_policy CHECK idiom: a TLD in A-label form maps to itself.
SELECT tld, domxfer.domain_tld('x.' || tld) OPERATOR(pg_catalog.=) tld AS canonical
  FROM (VALUES ('com'), ('hk'), ('xn--j6w193g'), ('xn--fiqs8s'), ('香港'), ('HK')) AS t(tld);

-- The functions are immutable, strict and parallel safe (CHECK constraints,
-- indexes and parallel reports can use them).
SELECT p.proname, p.provolatile, p.proisstrict, p.proparallel,
	   pg_catalog.obj_description(p.oid, 'pg_proc') IS NOT NULL AS has_comment
  FROM pg_catalog.pg_proc p
 WHERE p.pronamespace OPERATOR(pg_catalog.=) 'domxfer'::pg_catalog.regnamespace
   AND p.proname IN ('normalize_domain', 'domain_to_unicode', 'domain_tld')
 ORDER BY p.proname;
