-- domxfer.domain_status: text and binary I/O, combination rules, operators,
-- operator classes, casts and RDAP spellings.

-- The type is a 4-byte, pass-by-value, int4-aligned plain type.
SELECT typlen, typbyval, typalign, typstorage
  FROM pg_catalog.pg_type WHERE oid = 'domxfer.domain_status'::pg_catalog.regtype;

-- Every function of the type is IMMUTABLE STRICT PARALLEL SAFE and commented.
SELECT p.proname, p.provolatile, p.proisstrict, p.proparallel,
       pg_catalog.obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
  FROM pg_catalog.pg_proc p
 WHERE p.pronamespace = 'domxfer'::pg_catalog.regnamespace
   AND (p.proname LIKE 'domain\_status%' OR p.proname IN ('epp_status', 'rdap_status'))
 ORDER BY p.proname;

-- The 23 values in bit order with their EPP and RDAP (RFC 8056) spellings,
-- written out here independently of the C tables.
CREATE TEMP TABLE names (bit int PRIMARY KEY, epp text NOT NULL, rdap text NOT NULL);
INSERT INTO names VALUES
  (0, 'ok', 'active'),
  (1, 'clientDeleteProhibited', 'client delete prohibited'),
  (2, 'serverDeleteProhibited', 'server delete prohibited'),
  (3, 'clientHold', 'client hold'),
  (4, 'serverHold', 'server hold'),
  (5, 'clientRenewProhibited', 'client renew prohibited'),
  (6, 'serverRenewProhibited', 'server renew prohibited'),
  (7, 'clientTransferProhibited', 'client transfer prohibited'),
  (8, 'serverTransferProhibited', 'server transfer prohibited'),
  (9, 'clientUpdateProhibited', 'client update prohibited'),
  (10, 'serverUpdateProhibited', 'server update prohibited'),
  (11, 'inactive', 'inactive'),
  (12, 'pendingCreate', 'pending create'),
  (13, 'pendingDelete', 'pending delete'),
  (14, 'pendingRenew', 'pending renew'),
  (15, 'pendingTransfer', 'pending transfer'),
  (16, 'pendingUpdate', 'pending update'),
  (17, 'addPeriod', 'add period'),
  (18, 'autoRenewPeriod', 'auto renew period'),
  (19, 'renewPeriod', 'renew period'),
  (20, 'transferPeriod', 'transfer period'),
  (21, 'redemptionPeriod', 'redemption period'),
  (22, 'pendingRestore', 'pending restore');

-- The stored mask of one value: its bit, plus "ok" for the values that are
-- not RFC 5731 values (ok itself and the RFC 3915 grace periods).
CREATE FUNCTION pg_temp.mask_of(b int) RETURNS int LANGUAGE sql IMMUTABLE
  RETURN (1 << b) | CASE WHEN b = 0 OR b >= 17 THEN 1 ELSE 0 END;

-- Runs a one-value query; returns its result or "ERROR sqlstate: message"
-- (with " | detail" appended when asked for).
CREATE FUNCTION pg_temp.outcome(query text, with_detail boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  result text;
  state text;
  message text;
  detail text;
BEGIN
  EXECUTE query INTO result;
  RETURN result;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL;
  RETURN 'ERROR ' || state || ': ' || message
         || CASE WHEN with_detail AND detail <> '' THEN ' | ' || detail ELSE '' END;
END
$$;

-- The canonical text of an input, or its error.
CREATE FUNCTION pg_temp.parse(input text, with_detail boolean DEFAULT false)
RETURNS text LANGUAGE sql
  RETURN pg_temp.outcome(pg_catalog.format('SELECT %L::domxfer.domain_status::text', input), with_detail);

-- Every value round-trips through text in EPP, RDAP, upper-case and
-- white-space-free spellings, and its binary form is its documented mask.
SELECT n.bit, n.epp,
       n.epp::domxfer.domain_status AS canonical,
       n.epp::domxfer.domain_status::text::domxfer.domain_status
         OPERATOR(domxfer.=) n.epp::domxfer.domain_status AS text_round_trip,
       n.rdap::domxfer.domain_status OPERATOR(domxfer.=) n.epp::domxfer.domain_status AS rdap_same,
       upper(n.epp)::domxfer.domain_status OPERATOR(domxfer.=) n.epp::domxfer.domain_status AS upper_same,
       replace(n.rdap, ' ', '')::domxfer.domain_status OPERATOR(domxfer.=) n.epp::domxfer.domain_status AS squeezed_same,
       domxfer.domain_status_send(n.epp::domxfer.domain_status) AS binary,
       domxfer.domain_status_send(n.epp::domxfer.domain_status)
         = int4send(pg_temp.mask_of(n.bit)) AS binary_is_mask
  FROM names n ORDER BY n.bit;

-- Every value round-trips through binary COPY (send, then recv).
CREATE TEMP TABLE binary_out (bit int, s domxfer.domain_status);
INSERT INTO binary_out SELECT bit, epp::domxfer.domain_status FROM names;
COPY binary_out TO '/tmp/domxfer_regress_domain_status.bin' (FORMAT binary);
CREATE TEMP TABLE binary_in (bit int, s domxfer.domain_status);
COPY binary_in FROM '/tmp/domxfer_regress_domain_status.bin' (FORMAT binary);
SELECT count(*) AS copied,
       count(*) FILTER (WHERE i.s OPERATOR(domxfer.=) o.s) AS equal,
       count(*) FILTER (WHERE i.s::text = n.epp OR i.s::text = 'ok,' || n.epp) AS spelt_right
  FROM binary_in i JOIN binary_out o USING (bit) JOIN names n USING (bit);

-- recv refuses masks no text input produces: unassigned bits, forbidden
-- combinations, non-canonical "ok" (int4's binary form is the same 4 bytes).
CREATE TEMP TABLE raw_mask (s int4);
CREATE TEMP TABLE received (s domxfer.domain_status);
-- Writes one int4 to a binary COPY file and COPYs it into a domain_status
-- column: returns what was received, or the error.
CREATE FUNCTION pg_temp.receive(mask int4) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  state text;
  message text;
BEGIN
  DELETE FROM raw_mask;
  DELETE FROM received;
  INSERT INTO raw_mask VALUES (mask);
  COPY raw_mask TO '/tmp/domxfer_regress_domain_status.bin' (FORMAT binary);
  COPY received FROM '/tmp/domxfer_regress_domain_status.bin' (FORMAT binary);
  RETURN (SELECT r.s::text FROM received r);
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
  RETURN 'ERROR ' || state || ': ' || message;
END
$$;
SELECT pg_catalog.to_hex(mask) AS mask, pg_temp.receive(mask) AS received
  FROM unnest(ARRAY[
    1 << 23, 1 << 31, (1 << 15) | (1 << 7), 1 | (1 << 3), (1 << 12) | (1 << 16),
    0, 1 << 17, 1 | (1 << 11),
    1, 1 << 11, 1 | (1 << 17), (1 << 3) | (1 << 7)
  ]) AS mask;
-- the full error of a rejected binary value
TRUNCATE raw_mask; INSERT INTO raw_mask VALUES (1 << 17);
COPY raw_mask TO '/tmp/domxfer_regress_domain_status.bin' (FORMAT binary);
COPY received FROM '/tmp/domxfer_regress_domain_status.bin' (FORMAT binary);

-- Spellings and forms that read as a status.
SELECT input, pg_temp.parse(input) AS result FROM unnest(ARRAY[
  '', '   ', '{}', '{ }', 'ok', 'OK', 'active', ' Active ', 'ok,inactive', 'ok, inactive',
  'addPeriod', 'ok,addPeriod',
  'clientTransferProhibited,clientHold', 'client transfer prohibited, client hold',
  'c l i e n t h o l d',
  '{clientHold,serverHold}', '{"client hold","server hold"}', ' { "client hold" , serverHold } ',
  'clientHold,clientHold,client hold', 'inactive',
  'pendingDelete,redemptionPeriod,pendingRestore', 'pendingRestore,redemptionPeriod',
  'pendingTransfer,clientHold,serverHold,addPeriod'
]) AS input;

-- White space of every kind is ignored.
SELECT E'\tCLIENT\nHOLD\r'::domxfer.domain_status::text AS control_white_space,
       E'{\n  "client hold",\n  "server hold"\n}\n'::domxfer.domain_status::text AS multi_line_array;

-- Inputs rejected with 22P02, each message naming what is wrong.
SELECT input, pg_temp.parse(input, true) AS result FROM unnest(ARRAY[
  'foo', 'clientHold,foo', 'client-hold', 'ok;inactive', '"clientHold"x', '{"client hold}',
  'a,,b', 'clientHold,,serverHold', 'clientHold,', ',clientHold', '{clientHold,}', '{,}',
  '{clientHold', 'clientHold}', '{}}', '{{clientHold}}', '{clientHold}x', 'client"Hold"',
  '""', '{NULL}', 'NULL', 'ok,clientHold', 'activ', 'clientHoldx', 'holdClient'
]) AS input;

-- The full error as a user sees it: message, detail, hint.
SELECT 'ok,foo'::domxfer.domain_status;
SELECT 'clientHold,,serverHold'::domxfer.domain_status;
SELECT '{clientHold'::domxfer.domain_status;
SELECT 'pendingTransfer,clientTransferProhibited'::domxfer.domain_status;
SELECT 'ok,clientHold'::domxfer.domain_status;
SELECT 'pendingCreate,pendingDelete'::domxfer.domain_status;
-- an overlong unknown value is quoted back cut short
SELECT pg_temp.parse(repeat('x', 100));
-- oversized input is refused without echoing it
SELECT pg_temp.parse(repeat(' ', 4094) || 'ok') AS at_limit,
       pg_temp.parse(repeat(' ', 4095) || 'ok') AS over_limit,
       pg_temp.parse(repeat('clientHold,', 1000)) AS long_list;
SELECT (repeat(' ', 4095) || 'ok')::domxfer.domain_status;

-- Every pair of values: the 33 combinations RFC 5731 forbids are rejected
-- (in either order, in either spelling), the other 220 give the canonical text.
CREATE TEMP TABLE pairs AS
SELECT a.bit AS i, b.bit AS j, a.epp AS x, b.epp AS y,
       pg_temp.parse(a.epp || ',' || b.epp) AS got,
       pg_temp.parse(b.rdap || ' , ' || a.rdap) AS got_reversed_rdap,
       (a.bit = 0 AND b.bit BETWEEN 1 AND 16 AND b.bit <> 11)
       OR (a.bit BETWEEN 12 AND 16 AND b.bit BETWEEN 12 AND 16)
       OR (a.bit, b.bit) IN ((1, 13), (2, 13), (5, 14), (6, 14), (7, 15), (8, 15), (9, 16), (10, 16))
         AS forbidden,
       CASE WHEN a.bit = 0 AND b.bit = 11 THEN 'inactive'
            WHEN a.bit = 0 THEN 'ok,' || b.epp
            WHEN a.bit <= 16 THEN a.epp || ',' || b.epp
            ELSE 'ok,' || a.epp || ',' || b.epp END AS expected
  FROM names a JOIN names b ON a.bit < b.bit;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE forbidden) AS forbidden,
       count(*) FILTER (WHERE forbidden AND got LIKE 'ERROR 22P02: domain status "%" cannot be combined with "%"') AS rejected,
       count(*) FILTER (WHERE NOT forbidden AND got = expected) AS accepted,
       count(*) FILTER (WHERE got_reversed_rdap = got) AS order_and_spelling_irrelevant
  FROM pairs;
SELECT x, y, got FROM pairs WHERE forbidden ORDER BY i, j;

-- Larger sets: each forbidden pair inside a set of otherwise allowed values.
SELECT input, pg_temp.parse(input) AS result FROM unnest(ARRAY[
  'clientHold,pendingTransfer,addPeriod,clientTransferProhibited',
  'pendingTransfer,pendingDelete,clientTransferProhibited',
  'inactive,ok,serverHold',
  'pendingRestore,redemptionPeriod,pendingDelete,pendingUpdate'
]) AS input;

-- Every allowed pair also round-trips through binary COPY.
TRUNCATE binary_out, binary_in;
INSERT INTO binary_out SELECT i * 100 + j, got::domxfer.domain_status FROM pairs WHERE NOT forbidden;
COPY binary_out TO '/tmp/domxfer_regress_domain_status.bin' (FORMAT binary);
COPY binary_in FROM '/tmp/domxfer_regress_domain_status.bin' (FORMAT binary);
SELECT count(*) AS copied, count(*) FILTER (WHERE i.s OPERATOR(domxfer.=) o.s AND i.s::text = p.expected) AS equal
  FROM binary_in i JOIN binary_out o USING (bit) JOIN pairs p ON p.i * 100 + p.j = i.bit;

-- Comparison and set operators on a table of operand pairs.
CREATE TEMP TABLE operands AS
SELECT a, b
  FROM (VALUES
    ('ok', 'ok'),
    ('ok', 'clientHold'),
    ('clientHold', 'ok'),
    ('clientHold', 'clientHold'),
    ('clientHold,clientTransferProhibited', 'clientHold'),
    ('clientHold', 'clientHold,clientTransferProhibited'),
    ('clientHold', 'serverHold'),
    ('ok,addPeriod', 'ok'),
    ('ok,addPeriod', 'addPeriod'),
    ('ok,addPeriod', 'clientHold'),
    ('inactive', 'ok'),
    ('inactive,addPeriod', 'inactive'),
    ('pendingTransfer', 'clientTransferProhibited'),
    ('pendingTransfer', 'pendingDelete'),
    ('pendingTransfer,clientHold', 'pendingTransfer'),
    ('redemptionPeriod,pendingDelete', 'pendingRestore')
  ) AS t(a_text, b_text),
  LATERAL (SELECT a_text::domxfer.domain_status AS a, b_text::domxfer.domain_status AS b) AS v;
-- comparisons: the order of the masks (a total order)
SELECT a, b,
       a OPERATOR(domxfer.=) b AS eq, a OPERATOR(domxfer.<>) b AS ne,
       a OPERATOR(domxfer.<) b AS lt, a OPERATOR(domxfer.<=) b AS le,
       a OPERATOR(domxfer.>) b AS gt, a OPERATOR(domxfer.>=) b AS ge,
       domxfer.domain_status_cmp(a, b) AS cmp
  FROM operands;
-- containment, overlap, union and difference
SELECT a, b,
       a OPERATOR(domxfer.@>) b AS contains, a OPERATOR(domxfer.<@) b AS contained,
       a OPERATOR(domxfer.&&) b AS overlaps,
       pg_temp.outcome(pg_catalog.format('SELECT (%L::domxfer.domain_status OPERATOR(domxfer.+) %L::domxfer.domain_status)::text', a, b)) AS "union",
       (a OPERATOR(domxfer.-) b)::text AS difference
  FROM operands;
-- commutators, negators, hash and cmp agree with the operators on every pair of operands
SELECT count(*) AS checked,
       count(*) FILTER (WHERE (x OPERATOR(domxfer.@>) y) = (y OPERATOR(domxfer.<@) x)
                          AND (x OPERATOR(domxfer.&&) y) = (y OPERATOR(domxfer.&&) x)
                          AND (x OPERATOR(domxfer.<) y) = (y OPERATOR(domxfer.>) x)
                          AND (x OPERATOR(domxfer.<=) y) = (y OPERATOR(domxfer.>=) x)
                          AND (x OPERATOR(domxfer.<) y) = NOT (x OPERATOR(domxfer.>=) y)
                          AND (x OPERATOR(domxfer.>) y) = NOT (x OPERATOR(domxfer.<=) y)
                          AND (x OPERATOR(domxfer.=) y) = NOT (x OPERATOR(domxfer.<>) y)
                          AND (x OPERATOR(domxfer.=) y) = (domxfer.domain_status_hash(x) = domxfer.domain_status_hash(y))
                          AND sign(domxfer.domain_status_cmp(x, y)) = -sign(domxfer.domain_status_cmp(y, x))) AS consistent
  FROM (SELECT DISTINCT a AS x FROM operands) AS l, (SELECT DISTINCT b AS y FROM operands) AS r;
-- with the schema on the search_path the operators need no qualification
SET search_path = domxfer, public;
SELECT 'clientHold'::domain_status = 'client hold' AS eq,
       'clientHold,serverHold'::domain_status @> 'serverHold' AS contains,
       ('pendingDelete'::domain_status + 'redemptionPeriod')::text AS "union";
RESET search_path;

-- The union error as a user sees it (22023, not 22P02: the operands are valid).
SELECT 'pendingTransfer'::domxfer.domain_status OPERATOR(domxfer.+) 'serverTransferProhibited'::domxfer.domain_status;

-- Casts: text[] (each element one value, any spelling) and back.
SELECT ARRAY['clientTransferProhibited', 'client hold']::domxfer.domain_status AS from_array,
       ARRAY[]::text[]::domxfer.domain_status AS from_empty,
       ARRAY['active', 'inactive']::domxfer.domain_status AS active_inactive,
       domxfer.domain_status_from_text_array(ARRAY['addPeriod']) AS function_form,
       domxfer.domain_status('serverHold,addPeriod') AS function_form_text,
       'clientHold,serverHold'::domxfer.domain_status::text[] AS to_array,
       'ok'::domxfer.domain_status::text[] AS ok_array,
       'inactive,addPeriod'::domxfer.domain_status::text AS to_text,
       'server hold'::text::domxfer.domain_status AS from_text;
SELECT pg_temp.outcome(q) AS result FROM unnest(ARRAY[
  $q$SELECT ARRAY['clientHold,serverHold']::domxfer.domain_status::text$q$,
  $q$SELECT ARRAY['{clientHold}']::domxfer.domain_status::text$q$,
  $q$SELECT ARRAY['clientHold', NULL]::domxfer.domain_status::text$q$,
  $q$SELECT ARRAY['ok', 'clientHold']::domxfer.domain_status::text$q$,
  $q$SELECT ARRAY['']::domxfer.domain_status::text$q$,
  $q$SELECT ARRAY['pendingRenew', 'serverRenewProhibited']::domxfer.domain_status::text$q$
]) AS q;
-- text[] -> domain_status is an assignment cast; domain_status -> text[] is explicit.
CREATE TEMP TABLE assigned (s domxfer.domain_status);
INSERT INTO assigned VALUES (ARRAY['pending transfer', 'server hold']);
SELECT s FROM assigned;
SELECT castcontext, castsource::regtype, casttarget::regtype
  FROM pg_catalog.pg_cast
 WHERE 'domxfer.domain_status'::regtype IN (castsource, casttarget)
 ORDER BY castsource::regtype::text;

-- RDAP spellings (RFC 8056) of every value and of a set.
SELECT n.epp, domxfer.rdap_status(n.epp::domxfer.domain_status) AS rdap,
       (domxfer.rdap_status(n.epp::domxfer.domain_status))[cardinality(domxfer.rdap_status(n.epp::domxfer.domain_status))] = n.rdap AS spelt_right
  FROM names n ORDER BY n.bit;
SELECT domxfer.rdap_status('clientHold,clientTransferProhibited,pendingDelete,redemptionPeriod');

-- domain_status_has: one value in any spelling.
SELECT s, v, domxfer.domain_status_has(s::domxfer.domain_status, v) AS has
  FROM (VALUES ('clientHold', 'client hold'), ('clientHold', 'serverHold'),
               ('ok,addPeriod', 'active'), ('clientHold', 'ok'),
               ('inactive', 'INACTIVE')) AS t(s, v);
SELECT domxfer.domain_status_has('ok', 'foo');

-- NULLs: every function is strict.
SELECT NULL::domxfer.domain_status OPERATOR(domxfer.@>) 'ok' AS contains_null,
       domxfer.rdap_status(NULL) AS rdap_null,
       NULL::text[]::domxfer.domain_status AS cast_null;

-- A btree index serves equality, ranges and ORDER BY; results match a scan.
CREATE TEMP TABLE statuses (id int PRIMARY KEY, s domxfer.domain_status NOT NULL);
INSERT INTO statuses
SELECT g, (ARRAY['ok', 'clientHold', 'clientTransferProhibited', 'clientTransferProhibited,serverTransferProhibited',
                 'pendingTransfer', 'ok,addPeriod', 'inactive', 'pendingDelete,redemptionPeriod'])[1 + g % 8]::domxfer.domain_status
  FROM generate_series(1, 4000) AS g;
CREATE INDEX statuses_s ON statuses (s);
ANALYZE statuses;
SELECT s, count(*) FROM statuses GROUP BY s ORDER BY s;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM statuses WHERE s OPERATOR(domxfer.=) 'clientHold';
SELECT count(*) FROM statuses WHERE s OPERATOR(domxfer.=) 'clientHold';
EXPLAIN (COSTS OFF) SELECT count(*) FROM statuses WHERE s OPERATOR(domxfer.>=) 'clientTransferProhibited';
SELECT count(*) FROM statuses WHERE s OPERATOR(domxfer.>=) 'clientTransferProhibited';
EXPLAIN (COSTS OFF) SELECT s FROM statuses ORDER BY s DESC LIMIT 1;
SELECT s FROM statuses ORDER BY s DESC LIMIT 1;
RESET enable_seqscan;

-- Hashing: hash aggregate for GROUP BY and DISTINCT, hash join, hash index.
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT s, count(*) FROM statuses GROUP BY s;
SELECT s, count(*) FROM statuses GROUP BY s ORDER BY count(*), s::text;
EXPLAIN (COSTS OFF) SELECT DISTINCT s FROM statuses;
SELECT count(*) FROM (SELECT DISTINCT s FROM statuses) AS d;
RESET enable_sort;
CREATE TEMP TABLE wanted (s domxfer.domain_status);
INSERT INTO wanted VALUES ('clientHold'), ('inactive'), ('serverHold');
ANALYZE wanted;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM statuses t JOIN wanted w ON t.s OPERATOR(domxfer.=) w.s;
SELECT count(*) FROM statuses t JOIN wanted w ON t.s OPERATOR(domxfer.=) w.s;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM statuses t JOIN wanted w ON t.s OPERATOR(domxfer.=) w.s;
SELECT count(*) FROM statuses t JOIN wanted w ON t.s OPERATOR(domxfer.=) w.s;
RESET enable_hashjoin;
RESET enable_nestloop;
CREATE INDEX statuses_s_hash ON statuses USING hash (s);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
DROP INDEX statuses_s;
EXPLAIN (COSTS OFF) SELECT count(*) FROM statuses WHERE s OPERATOR(domxfer.=) 'inactive';
SELECT count(*) FROM statuses WHERE s OPERATOR(domxfer.=) 'inactive';
RESET enable_bitmapscan;
RESET enable_seqscan;

-- Containment queries over the table.
SELECT count(*) FILTER (WHERE s OPERATOR(domxfer.@>) 'clientTransferProhibited') AS client_transfer_prohibited,
       count(*) FILTER (WHERE s OPERATOR(domxfer.&&) 'clientTransferProhibited,serverTransferProhibited'
                          OR s OPERATOR(domxfer.&&) 'pendingTransfer') AS transfer_blocked,
       count(*) FILTER (WHERE s OPERATOR(domxfer.<@) 'ok,addPeriod,autoRenewPeriod') AS only_ok_and_grace,
       count(*) FILTER (WHERE s OPERATOR(domxfer.@>) 'ok') AS ok
  FROM statuses;
