-- Domain names, table-driven: (input, A-label), (input, display form),
-- (input, TLD) pairs, and bad inputs that must raise 22023 with the
-- message quoting them and a DETAIL naming the failed check.
BEGIN;
SELECT plan(164);

-- The rows of a two-column text array, in order, numbered.
CREATE FUNCTION pg_temp.pairs(a text[], OUT n integer, OUT x text, OUT y text)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE AS $$
	SELECT i, a[i][1], a[i][2] FROM pg_catalog.generate_subscripts(a, 1) AS i ORDER BY i
$$;

-- The DETAIL of the error a call raises (NULL when it raises none).
CREATE FUNCTION pg_temp.detail_of(fn text, name text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	EXECUTE pg_catalog.format('SELECT domxfer.%I($1)', fn) USING name;
	RETURN NULL;
EXCEPTION WHEN invalid_parameter_value THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN detail;
END
$$;

-- normalize_domain: 30 pairs
SELECT is(domxfer.normalize_domain(input), expected,
		  pg_catalog.format('normalize_domain(%L) = %L', input, expected))
  FROM pg_temp.pairs(ARRAY[
	['example.com', 'example.com'],
	['EXAMPLE.COM', 'example.com'],
	['Example.Com.', 'example.com'],
	['中文.COM.', 'xn--fiq228c.com'],
	['中文.com', 'xn--fiq228c.com'],
	['xn--fiq228c.com', 'xn--fiq228c.com'],
	['XN--FIQ228C.COM', 'xn--fiq228c.com'],
	['例子。中国', 'xn--fsqu00a.xn--fiqs8s'],
	['例子．中国', 'xn--fsqu00a.xn--fiqs8s'],
	['例子｡中国', 'xn--fsqu00a.xn--fiqs8s'],
	['例子.中国.', 'xn--fsqu00a.xn--fiqs8s'],
	['x.香港', 'x.xn--j6w193g'],
	['中文.香港', 'xn--fiq228c.xn--j6w193g'],
	['Straße.de', 'xn--strae-oqa.de'],
	['STRASSE.de', 'strasse.de'],
	['xn--strae-oqa.de', 'xn--strae-oqa.de'],
	['ς.gr', 'xn--3xa.gr'],
	['σ.gr', 'xn--4xa.gr'],
	['Σ.gr', 'xn--4xa.gr'],
	['مثال.إختبار', 'xn--mgbh0fb.xn--kgbechtv'],
	['مثال.com', 'xn--mgbh0fb.com'],
	['ב׳.co.il', 'xn--5db2e.co.il'],
	['l·l.cat', 'xn--ll-0ea.cat'],
	[U&'\0628\200C\0628.com', 'xn--ngba799q.com'],
	[U&'\0915\094D\200D\0937.com', 'xn--11b2ezcw70k.com'],
	['ア・ア.jp', 'xn--ccka0y.jp'],
	['ｅｘａｍｐｌｅ．ｃｏｍ', 'example.com'],
	['bücher.de', 'xn--bcher-kva.de'],
	['München.DE', 'xn--mnchen-3ya.de'],
	[pg_catalog.repeat('a', 63) || '.com', pg_catalog.repeat('a', 63) || '.com']
  ]) AS t(n, input, expected);

-- domain_to_unicode: 12 pairs
SELECT is(domxfer.domain_to_unicode(input), expected,
		  pg_catalog.format('domain_to_unicode(%L) = %L', input, expected))
  FROM pg_temp.pairs(ARRAY[
	['xn--fiq228c.com', '中文.com'],
	['中文.COM.', '中文.com'],
	['XN--FIQ228C.COM', '中文.com'],
	['xn--fsqu00a.xn--fiqs8s', '例子.中国'],
	['例子。中国', '例子.中国'],
	['x.xn--j6w193g', 'x.香港'],
	['xn--strae-oqa.de', 'straße.de'],
	['xn--mgbh0fb.xn--kgbechtv', 'مثال.إختبار'],
	['xn--3xa.gr', 'ς.gr'],
	['ΣΑΣ.gr', 'σασ.gr'],
	['Example.COM.', 'example.com'],
	['xn--mnchen-3ya.de', 'münchen.de']
  ]) AS t(n, input, expected);

-- domain_tld: 10 pairs
SELECT is(domxfer.domain_tld(input), expected,
		  pg_catalog.format('domain_tld(%L) = %L', input, expected))
  FROM pg_temp.pairs(ARRAY[
	['example.com', 'com'],
	['EXAMPLE.COM.', 'com'],
	['x.香港', 'xn--j6w193g'],
	['x.xn--j6w193g', 'xn--j6w193g'],
	['例子。中国', 'xn--fiqs8s'],
	['例子.中國', 'xn--fiqz9s'],
	['a.b.hk', 'hk'],
	['x.HK', 'hk'],
	['مثال.إختبار', 'xn--kgbechtv'],
	['x.com.', 'com']
  ]) AS t(n, input, expected);

-- Bad inputs: each raises 22023 quoting the input (37 throws_ok) and its
-- DETAIL names the check (37 matches).
CREATE TEMPORARY TABLE bad_names (n integer, input text, detail_pattern text);
INSERT INTO bad_names (n, input, detail_pattern)
SELECT * FROM pg_temp.pairs(ARRAY[
	['', '^The name is empty\.$'],
	['.', '^The name is empty\.$'],
	['com', 'at least two labels'],
	['com.', 'at least two labels'],
	['香港', 'at least two labels'],
	['a..com', 'empty label'],
	['.a.com', 'empty label'],
	['a.com..', 'empty label'],
	[pg_catalog.repeat('a', 64) || '.com', '"a{64}" is 64 octets long .* at most 63'],
	[pg_catalog.repeat('ü', 58) || '.de', '"ü{58}" is 64 octets long .* at most 63'],
	[pg_catalog.repeat(pg_catalog.repeat('a', 63) || '.', 3) || pg_catalog.repeat('b', 62), 'name is 254 octets long'],
	[pg_catalog.repeat(pg_catalog.repeat('a', 63) || '.', 3) || pg_catalog.repeat('b', 62) || '.', 'name is 254 octets long'],
	['-abc.com', '"-abc" begins with a hyphen'],
	['abc-.com', '"abc-" ends with a hyphen'],
	['ab--c.com', '"ab--c" has hyphens in the third and fourth positions'],
	[U&'\0301x.com', 'begins with a combining mark'],
	['a_b.com', 'U\+005F, a code point UTS #46 disallows'],
	['a b.com', 'U\+0020, a code point UTS #46 disallows'],
	[E'a\tb.com', 'U\+0009, a code point UTS #46 disallows'],
	['÷.com', 'U\+00F7, a code point IDNA2008 \(RFC 5892\) disallows'],
	['😀.com', 'U\+1F600, a code point IDNA2008'],
	['xn--ls8h.com', 'U\+1F4A9, a code point IDNA2008'],
	['a♥.com', 'U\+2665, a code point IDNA2008'],
	[U&'a\20D0.com', 'U\+20D0, a code point IDNA2008'],
	[U&'a\1100.com', 'U\+1100, a code point IDNA2008'],
	[U&'\0645\0640\062B.com', 'U\+0640, a code point IDNA2008'],
	['xn--zzzz.com', '"xn--zzzz" is not valid Punycode'],
	['xn--a.com', '"xn--a" is not a valid A-label'],
	['مثالa.com', '"مثالa" breaks the bidi rule'],
	['0a.مثال', '"0a" breaks the bidi rule'],
	[U&'a\200Cb.com', 'CONTEXTJ'],
	[U&'a\200Db.com', 'CONTEXTJ'],
	['a·b.com', 'U\+00B7 where RFC 5892''s CONTEXTO'],
	[U&'a\05F4.com', 'U\+05F4 where RFC 5892''s CONTEXTO'],
	[U&'\0628\0661\06F1.com', 'mixes Arabic-Indic digits'],
	[pg_catalog.repeat('a', 1025), 'input longer than 1024 bytes'],
	[pg_catalog.repeat('a.', 50000) || 'com', 'input longer than 1024 bytes']
]);

SELECT throws_ok(pg_catalog.format('SELECT domxfer.normalize_domain(%L)', input),
				 '22023',
				 CASE WHEN pg_catalog.octet_length(input) OPERATOR(pg_catalog.<=) 1024
					  THEN pg_catalog.format('invalid domain name "%s"', input)
					  ELSE pg_catalog.format('invalid domain name "%s..."', pg_catalog.left(input, 64)) END,
				 pg_catalog.format('normalize_domain(%L) raises 22023', pg_catalog.left(input, 80)))
  FROM bad_names ORDER BY n;

SELECT matches(pg_temp.detail_of('normalize_domain', input), detail_pattern,
			   pg_catalog.format('normalize_domain(%L) DETAIL matches %L',
								 pg_catalog.left(input, 80), detail_pattern))
  FROM bad_names ORDER BY n;

-- domain_to_unicode and domain_tld reject the same names the same way
-- (first 19 of the list, each function: 38 checks).
SELECT is(pg_temp.detail_of(fn, input), pg_temp.detail_of('normalize_domain', input),
		  pg_catalog.format('%s(%L) fails like normalize_domain', fn, pg_catalog.left(input, 80)))
  FROM (SELECT input FROM bad_names WHERE n OPERATOR(pg_catalog.<=) 19) b,
	   unnest(ARRAY['domain_to_unicode', 'domain_tld']) AS f(fn);

SELECT * FROM finish();
ROLLBACK;
