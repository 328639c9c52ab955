-- domxfer.domain_status, table-driven: input -> canonical text, bad input ->
-- SQLSTATE and message, operators, casts, RDAP spellings.
BEGIN;
SELECT plan(104);

-- a op b on two domain_status values, as text.
CREATE FUNCTION pg_temp.apply(a text, op text, b text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  result text;
BEGIN
  EXECUTE pg_catalog.format('SELECT (%L::domxfer.domain_status OPERATOR(domxfer.%s) %L::domxfer.domain_status)::text',
                            a, op, b) INTO result;
  RETURN result;
END
$$;

-- The type and its operator classes exist.
SELECT has_type('domxfer', 'domain_status', 'type domxfer.domain_status exists');
SELECT has_opclass('domxfer', 'domain_status_ops', 'operator classes domxfer.domain_status_ops exist');

-- Every EPP value reads back as itself (the grace periods with the derived "ok").
SELECT is(epp::domxfer.domain_status::text,
          CASE WHEN bit >= 17 THEN 'ok,' || epp ELSE epp END,
          pg_catalog.format('%s round-trips through text', epp))
  FROM unnest(ARRAY[
    'ok', 'clientDeleteProhibited', 'serverDeleteProhibited', 'clientHold', 'serverHold',
    'clientRenewProhibited', 'serverRenewProhibited', 'clientTransferProhibited',
    'serverTransferProhibited', 'clientUpdateProhibited', 'serverUpdateProhibited',
    'inactive', 'pendingCreate', 'pendingDelete', 'pendingRenew', 'pendingTransfer',
    'pendingUpdate', 'addPeriod', 'autoRenewPeriod', 'renewPeriod', 'transferPeriod',
    'redemptionPeriod', 'pendingRestore'
  ]) WITH ORDINALITY AS t(epp, ord), LATERAL (SELECT ord - 1 AS bit) AS b;

-- Other spellings and forms -> canonical text.
SELECT is(input::domxfer.domain_status::text, canonical,
          pg_catalog.format('%L reads as %s', input, canonical))
  FROM unnest(
    ARRAY[
      '', '{}', ' { } ', 'ACTIVE', 'ok,inactive', 'addPeriod',
      'client hold', 'CLIENT TRANSFER PROHIBITED', 'clienttransferprohibited',
      '{"client hold","server hold"}', 'clientTransferProhibited, clientHold',
      'clientHold,clientHold', 'pendingTransfer,clientHold',
      'pending delete, redemption period, pending restore',
      '{ "auto renew period" }', 'transfer period,renew period',
      'pendingCreate,inactive', 'ok,transferPeriod'
    ],
    ARRAY[
      'ok', 'ok', 'ok', 'ok', 'inactive', 'ok,addPeriod',
      'clientHold', 'clientTransferProhibited', 'clientTransferProhibited',
      'clientHold,serverHold', 'clientHold,clientTransferProhibited',
      'clientHold', 'clientHold,pendingTransfer',
      'pendingDelete,redemptionPeriod,pendingRestore',
      'ok,autoRenewPeriod', 'ok,renewPeriod,transferPeriod',
      'inactive,pendingCreate', 'ok,transferPeriod'
    ]) AS t(input, canonical);

-- Bad input -> 22P02 with a message naming what is wrong.
SELECT throws_ok(pg_catalog.format('SELECT %L::domxfer.domain_status', input), '22P02', message,
                 pg_catalog.format('%L is rejected', input))
  FROM unnest(
    ARRAY[
      'foo', 'clientHold,foo', 'client-hold', '""',
      'a,,b', 'clientHold,', '{clientHold', 'clientHold}', '{{clientHold}}', '"clientHold',
      'ok,clientHold', 'ok,pendingTransfer', 'inactive,ok,serverHold',
      'pendingTransfer,clientTransferProhibited', 'serverDeleteProhibited,pendingDelete',
      'pendingRenew,clientRenewProhibited', 'pendingUpdate,serverUpdateProhibited',
      'pendingCreate,pendingRenew', 'pendingTransfer,pendingDelete',
      repeat(' ', 4097)
    ],
    ARRAY[
      'unknown domain status value "foo"', 'unknown domain status value "foo"',
      'unknown domain status value "client-hold"', 'unknown domain status value ""',
      'invalid input syntax for type domain_status: "a,,b"',
      'invalid input syntax for type domain_status: "clientHold,"',
      'invalid input syntax for type domain_status: "{clientHold"',
      'invalid input syntax for type domain_status: "clientHold}"',
      'invalid input syntax for type domain_status: "{{clientHold}}"',
      'invalid input syntax for type domain_status: ""clientHold"',
      'domain status "ok" cannot be combined with "clientHold"',
      'domain status "ok" cannot be combined with "pendingTransfer"',
      'domain status "ok" cannot be combined with "serverHold"',
      'domain status "pendingTransfer" cannot be combined with "clientTransferProhibited"',
      'domain status "pendingDelete" cannot be combined with "serverDeleteProhibited"',
      'domain status "pendingRenew" cannot be combined with "clientRenewProhibited"',
      'domain status "pendingUpdate" cannot be combined with "serverUpdateProhibited"',
      'domain status "pendingCreate" cannot be combined with "pendingRenew"',
      'domain status "pendingDelete" cannot be combined with "pendingTransfer"',
      'domain status input is too long'
    ]) AS t(input, message);

-- Operators: a op b -> expected result as text.
SELECT is(r.result, expected,
          pg_catalog.format('%L %s %L is %s', a, op, b, expected))
  FROM unnest(
    ARRAY['clientHold,serverHold', 'clientHold', 'clientHold', 'ok', 'ok,addPeriod',
          'clientHold,serverHold', 'clientHold', 'clientHold', 'ok',
          'clientHold', 'ok', 'inactive', 'clientHold', 'inactive,addPeriod', 'clientHold',
          'client hold', 'clientHold', 'ok', 'clientHold'],
    ARRAY['@>', '@>', '<@', '@>', '@>',
          '&&', '&&', '+', '+',
          '+', '-', '-', '-', '-', '=',
          '=', '<>', '<', '>'],
    ARRAY['serverHold', 'ok', 'clientHold,serverHold', 'ok', 'ok',
          'serverHold,pendingDelete', 'serverHold', 'serverHold', 'clientHold',
          'addPeriod', 'ok', 'ok', 'clientHold', 'inactive', 'clientHold',
          'clientHold', 'clientHold', 'clientHold', 'ok'],
    ARRAY['true', 'false', 'true', 'true', 'true',
          'true', 'false', 'clientHold,serverHold', 'clientHold',
          'clientHold,addPeriod', 'ok', 'inactive', 'ok', 'ok,addPeriod', 'true',
          'true', 'false', 'true', 'true']
  ) AS t(a, op, b, expected),
  LATERAL (SELECT pg_temp.apply(a, op, b) AS result) AS r;

-- A union RFC 5731 forbids raises 22023.
SELECT throws_ok(pg_catalog.format('SELECT %L::domxfer.domain_status OPERATOR(domxfer.+) %L::domxfer.domain_status', a, b),
                 '22023', message, pg_catalog.format('%s + %s is refused', a, b))
  FROM unnest(
    ARRAY['pendingTransfer', 'pendingCreate', 'clientUpdateProhibited'],
    ARRAY['clientTransferProhibited', 'pendingUpdate', 'pendingUpdate'],
    ARRAY['domain status "pendingTransfer" cannot be combined with "clientTransferProhibited"',
          'domain status "pendingCreate" cannot be combined with "pendingUpdate"',
          'domain status "pendingUpdate" cannot be combined with "clientUpdateProhibited"']
  ) AS t(a, b, message);

-- Casts with text[] and RDAP spellings.
SELECT is(input::text[]::domxfer.domain_status::text, canonical,
          pg_catalog.format('%s::text[]::domain_status is %s', input, canonical))
  FROM unnest(
    ARRAY['{"client hold",serverTransferProhibited}', '{}', '{active}', '{ok,inactive}'],
    ARRAY['clientHold,serverTransferProhibited', 'ok', 'ok', 'inactive']
  ) AS t(input, canonical);
SELECT throws_ok(pg_catalog.format('SELECT %L::text[]::domxfer.domain_status', input), sqlstate, message,
                 pg_catalog.format('%s::domain_status is refused', input))
  FROM unnest(
    ARRAY['{"clientHold,serverHold"}', '{clientHold,NULL}', '{ok,clientHold}'],
    ARRAY['22P02', '22004', '22P02'],
    ARRAY['unknown domain status value "clientHold,serverHold"',
          'domain status array must not contain null values',
          'domain status "ok" cannot be combined with "clientHold"']
  ) AS t(input, sqlstate, message);
SELECT is(s::domxfer.domain_status::text[], epp::text[], pg_catalog.format('%s as text[] is %s', s, epp))
  FROM unnest(
    ARRAY['ok', 'clientHold,serverHold', 'inactive,addPeriod'],
    ARRAY['{ok}', '{clientHold,serverHold}', '{inactive,addPeriod}']
  ) AS t(s, epp);
SELECT is(domxfer.rdap_status(s::domxfer.domain_status), rdap::text[], pg_catalog.format('rdap_status(%s) is %s', s, rdap))
  FROM unnest(
    ARRAY['ok', 'clientTransferProhibited,pendingDelete', 'ok,autoRenewPeriod', 'inactive'],
    ARRAY['{active}', '{"client transfer prohibited","pending delete"}',
          '{active,"auto renew period"}', '{inactive}']
  ) AS t(s, rdap);

-- domain_status_has: one value in any spelling.
SELECT is(domxfer.domain_status_has(s::domxfer.domain_status, v), expected,
          pg_catalog.format('domain_status_has(%s, %s)', s, v))
  FROM unnest(
    ARRAY['clientHold', 'clientHold', 'ok,addPeriod', 'clientHold'],
    ARRAY['client hold', 'serverHold', 'active', 'ok'],
    ARRAY[true, false, true, false]
  ) AS t(s, v, expected);
SELECT throws_ok($$SELECT domxfer.domain_status_has('ok', 'nope')$$, '22P02',
                 'unknown domain status value "nope"', 'domain_status_has rejects unknown values');

SELECT * FROM finish();
ROLLBACK;
