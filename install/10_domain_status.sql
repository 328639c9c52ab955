-- domxfer.domain_status: the set of EPP status values of a domain (RFC 5731
-- plus the RFC 3915 grace periods), stored as a 4-byte bit mask.

CREATE TYPE domxfer.domain_status;

CREATE FUNCTION domxfer.domain_status_in(pg_catalog.cstring)
	RETURNS domxfer.domain_status
	AS 'MODULE_PATHNAME', 'domain_status_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.domain_status_in(pg_catalog.cstring) IS
	'domain_status text input: EPP or RDAP spellings, case and white space ignored, "a,b" or "{a,b}"';

CREATE FUNCTION domxfer.domain_status_out(domxfer.domain_status)
	RETURNS pg_catalog.cstring
	AS 'MODULE_PATHNAME', 'domain_status_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.domain_status_out(domxfer.domain_status) IS
	'domain_status text output: EPP spellings in RFC order, comma-separated';

CREATE FUNCTION domxfer.domain_status_recv(pg_catalog.internal)
	RETURNS domxfer.domain_status
	AS 'MODULE_PATHNAME', 'domain_status_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.domain_status_recv(pg_catalog.internal) IS
	'domain_status binary input: a network-order uint32 mask, canonical and allowed by RFC 5731';

CREATE FUNCTION domxfer.domain_status_send(domxfer.domain_status)
	RETURNS pg_catalog.bytea
	AS 'MODULE_PATHNAME', 'domain_status_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.domain_status_send(domxfer.domain_status) IS
	'domain_status binary output: the mask as a network-order uint32';

CREATE TYPE domxfer.domain_status (
	INPUT = domxfer.domain_status_in,
	OUTPUT = domxfer.domain_status_out,
	RECEIVE = domxfer.domain_status_recv,
	SEND = domxfer.domain_status_send,
	INTERNALLENGTH = 4,
	PASSEDBYVALUE,
	ALIGNMENT = int4,
	STORAGE = plain
);
COMMENT ON TYPE domxfer.domain_status IS
	'set of EPP domain status values (RFC 5731, RFC 3915 grace periods); "ok" exactly when no other RFC 5731 value is set';

-- Comparison: a total order on the masks, for btree, sorting and merge joins.

CREATE FUNCTION domxfer.domain_status_eq(domxfer.domain_status, domxfer.domain_status)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domain_status_eq'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_eq(domxfer.domain_status, domxfer.domain_status) IS
	'implementation of = for domain_status: the same set of values';

CREATE FUNCTION domxfer.domain_status_ne(domxfer.domain_status, domxfer.domain_status)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domain_status_ne'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_ne(domxfer.domain_status, domxfer.domain_status) IS
	'implementation of <> for domain_status';

CREATE FUNCTION domxfer.domain_status_lt(domxfer.domain_status, domxfer.domain_status)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domain_status_lt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_lt(domxfer.domain_status, domxfer.domain_status) IS
	'implementation of < for domain_status (order of the bit masks)';

CREATE FUNCTION domxfer.domain_status_le(domxfer.domain_status, domxfer.domain_status)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domain_status_le'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_le(domxfer.domain_status, domxfer.domain_status) IS
	'implementation of <= for domain_status (order of the bit masks)';

CREATE FUNCTION domxfer.domain_status_gt(domxfer.domain_status, domxfer.domain_status)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domain_status_gt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_gt(domxfer.domain_status, domxfer.domain_status) IS
	'implementation of > for domain_status (order of the bit masks)';

CREATE FUNCTION domxfer.domain_status_ge(domxfer.domain_status, domxfer.domain_status)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domain_status_ge'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_ge(domxfer.domain_status, domxfer.domain_status) IS
	'implementation of >= for domain_status (order of the bit masks)';

CREATE FUNCTION domxfer.domain_status_cmp(domxfer.domain_status, domxfer.domain_status)
	RETURNS pg_catalog.int4
	AS 'MODULE_PATHNAME', 'domain_status_cmp'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_cmp(domxfer.domain_status, domxfer.domain_status) IS
	'btree comparison support for domain_status: -1, 0 or 1';

CREATE FUNCTION domxfer.domain_status_hash(domxfer.domain_status)
	RETURNS pg_catalog.int4
	AS 'MODULE_PATHNAME', 'domain_status_hash'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_hash(domxfer.domain_status) IS
	'hash support for domain_status';

CREATE FUNCTION domxfer.domain_status_hash_extended(domxfer.domain_status, pg_catalog.int8)
	RETURNS pg_catalog.int8
	AS 'MODULE_PATHNAME', 'domain_status_hash_extended'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_hash_extended(domxfer.domain_status, pg_catalog.int8) IS
	'seeded 64-bit hash support for domain_status';

CREATE OPERATOR domxfer.= (
	LEFTARG = domxfer.domain_status,
	RIGHTARG = domxfer.domain_status,
	FUNCTION = domxfer.domain_status_eq,
	COMMUTATOR = OPERATOR(domxfer.=),
	NEGATOR = OPERATOR(domxfer.<>),
	RESTRICT = pg_catalog.eqsel,
	JOIN = pg_catalog.eqjoinsel,
	MERGES,
	HASHES
);
COMMENT ON OPERATOR domxfer.= (domxfer.domain_status, domxfer.domain_status) IS
	'the same set of status values';

CREATE OPERATOR domxfer.<> (
	LEFTARG = domxfer.domain_status,
	RIGHTARG = domxfer.domain_status,
	FUNCTION = domxfer.domain_status_ne,
	COMMUTATOR = OPERATOR(domxfer.<>),
	NEGATOR = OPERATOR(domxfer.=),
	RESTRICT = pg_catalog.neqsel,
	JOIN = pg_catalog.neqjoinsel
);
COMMENT ON OPERATOR domxfer.<> (domxfer.domain_status, domxfer.domain_status) IS
	'not the same set of status values';

CREATE OPERATOR domxfer.< (
	LEFTARG = domxfer.domain_status,
	RIGHTARG = domxfer.domain_status,
	FUNCTION = domxfer.domain_status_lt,
	COMMUTATOR = OPERATOR(domxfer.>),
	NEGATOR = OPERATOR(domxfer.>=),
	RESTRICT = pg_catalog.scalarltsel,
	JOIN = pg_catalog.scalarltjoinsel
);
COMMENT ON OPERATOR domxfer.< (domxfer.domain_status, domxfer.domain_status) IS
	'less than, in the order of the bit masks';

CREATE OPERATOR domxfer.<= (
	LEFTARG = domxfer.domain_status,
	RIGHTARG = domxfer.domain_status,
	FUNCTION = domxfer.domain_status_le,
	COMMUTATOR = OPERATOR(domxfer.>=),
	NEGATOR = OPERATOR(domxfer.>),
	RESTRICT = pg_catalog.scalarlesel,
	JOIN = pg_catalog.scalarlejoinsel
);
COMMENT ON OPERATOR domxfer.<= (domxfer.domain_status, domxfer.domain_status) IS
	'less than or equal, in the order of the bit masks';

CREATE OPERATOR domxfer.> (
	LEFTARG = domxfer.domain_status,
	RIGHTARG = domxfer.domain_status,
	FUNCTION = domxfer.domain_status_gt,
	COMMUTATOR = OPERATOR(domxfer.<),
	NEGATOR = OPERATOR(domxfer.<=),
	RESTRICT = pg_catalog.scalargtsel,
	JOIN = pg_catalog.scalargtjoinsel
);
COMMENT ON OPERATOR domxfer.> (domxfer.domain_status, domxfer.domain_status) IS
	'greater than, in the order of the bit masks';

CREATE OPERATOR domxfer.>= (
	LEFTARG = domxfer.domain_status,
	RIGHTARG = domxfer.domain_status,
	FUNCTION = domxfer.domain_status_ge,
	COMMUTATOR = OPERATOR(domxfer.<=),
	NEGATOR = OPERATOR(domxfer.<),
	RESTRICT = pg_catalog.scalargesel,
	JOIN = pg_catalog.scalargejoinsel
);
COMMENT ON OPERATOR domxfer.>= (domxfer.domain_status, domxfer.domain_status) IS
	'greater than or equal, in the order of the bit masks';

CREATE OPERATOR CLASS domxfer.domain_status_ops
	DEFAULT FOR TYPE domxfer.domain_status USING btree AS
		OPERATOR 1 domxfer.<,
		OPERATOR 2 domxfer.<=,
		OPERATOR 3 domxfer.=,
		OPERATOR 4 domxfer.>=,
		OPERATOR 5 domxfer.>,
		FUNCTION 1 domxfer.domain_status_cmp(domxfer.domain_status, domxfer.domain_status);
COMMENT ON OPERATOR CLASS domxfer.domain_status_ops USING btree IS
	'default btree operator class for domain_status (order of the bit masks)';

CREATE OPERATOR CLASS domxfer.domain_status_ops
	DEFAULT FOR TYPE domxfer.domain_status USING hash AS
		OPERATOR 1 domxfer.=,
		FUNCTION 1 domxfer.domain_status_hash(domxfer.domain_status),
		FUNCTION 2 domxfer.domain_status_hash_extended(domxfer.domain_status, pg_catalog.int8);
COMMENT ON OPERATOR CLASS domxfer.domain_status_ops USING hash IS
	'default hash operator class for domain_status';

-- Set operators.

CREATE FUNCTION domxfer.domain_status_contains(domxfer.domain_status, domxfer.domain_status)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domain_status_contains'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_contains(domxfer.domain_status, domxfer.domain_status) IS
	'implementation of @> for domain_status: every value of the second is in the first';

CREATE FUNCTION domxfer.domain_status_contained(domxfer.domain_status, domxfer.domain_status)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domain_status_contained'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_contained(domxfer.domain_status, domxfer.domain_status) IS
	'implementation of <@ for domain_status: every value of the first is in the second';

CREATE FUNCTION domxfer.domain_status_overlaps(domxfer.domain_status, domxfer.domain_status)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domain_status_overlaps'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_overlaps(domxfer.domain_status, domxfer.domain_status) IS
	'implementation of && for domain_status: the two share a value';

CREATE FUNCTION domxfer.domain_status_union(domxfer.domain_status, domxfer.domain_status)
	RETURNS domxfer.domain_status
	AS 'MODULE_PATHNAME', 'domain_status_union'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.domain_status_union(domxfer.domain_status, domxfer.domain_status) IS
	'implementation of + for domain_status: the values of both, canonical; a combination RFC 5731 forbids raises 22023';

CREATE FUNCTION domxfer.domain_status_difference(domxfer.domain_status, domxfer.domain_status)
	RETURNS domxfer.domain_status
	AS 'MODULE_PATHNAME', 'domain_status_difference'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION domxfer.domain_status_difference(domxfer.domain_status, domxfer.domain_status) IS
	'implementation of - for domain_status: the values of the first not in the second, canonical ("ok" when no RFC 5731 value is left)';

CREATE OPERATOR domxfer.@> (
	LEFTARG = domxfer.domain_status,
	RIGHTARG = domxfer.domain_status,
	FUNCTION = domxfer.domain_status_contains,
	COMMUTATOR = OPERATOR(domxfer.<@),
	RESTRICT = pg_catalog.contsel,
	JOIN = pg_catalog.contjoinsel
);
COMMENT ON OPERATOR domxfer.@> (domxfer.domain_status, domxfer.domain_status) IS
	'contains: every status value of the right operand is set in the left';

CREATE OPERATOR domxfer.<@ (
	LEFTARG = domxfer.domain_status,
	RIGHTARG = domxfer.domain_status,
	FUNCTION = domxfer.domain_status_contained,
	COMMUTATOR = OPERATOR(domxfer.@>),
	RESTRICT = pg_catalog.contsel,
	JOIN = pg_catalog.contjoinsel
);
COMMENT ON OPERATOR domxfer.<@ (domxfer.domain_status, domxfer.domain_status) IS
	'is contained by: every status value of the left operand is set in the right';

CREATE OPERATOR domxfer.&& (
	LEFTARG = domxfer.domain_status,
	RIGHTARG = domxfer.domain_status,
	FUNCTION = domxfer.domain_status_overlaps,
	COMMUTATOR = OPERATOR(domxfer.&&),
	RESTRICT = pg_catalog.areasel,
	JOIN = pg_catalog.areajoinsel
);
COMMENT ON OPERATOR domxfer.&& (domxfer.domain_status, domxfer.domain_status) IS
	'overlaps: the operands share a status value';

CREATE OPERATOR domxfer.+ (
	LEFTARG = domxfer.domain_status,
	RIGHTARG = domxfer.domain_status,
	FUNCTION = domxfer.domain_status_union,
	COMMUTATOR = OPERATOR(domxfer.+)
);
COMMENT ON OPERATOR domxfer.+ (domxfer.domain_status, domxfer.domain_status) IS
	'union: the status values of both operands (raises 22023 for a combination RFC 5731 forbids)';

CREATE OPERATOR domxfer.- (
	LEFTARG = domxfer.domain_status,
	RIGHTARG = domxfer.domain_status,
	FUNCTION = domxfer.domain_status_difference
);
COMMENT ON OPERATOR domxfer.- (domxfer.domain_status, domxfer.domain_status) IS
	'difference: the status values of the left operand that are not in the right';

-- Arrays of spellings.

CREATE FUNCTION domxfer.domain_status_from_text_array(pg_catalog.text[])
	RETURNS domxfer.domain_status
	AS 'MODULE_PATHNAME', 'domain_status_from_text_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.domain_status_from_text_array(pg_catalog.text[]) IS
	'the status whose values are the array elements, each one value in EPP or RDAP spelling (cast text[] to domain_status)';

CREATE FUNCTION domxfer.epp_status(domxfer.domain_status)
	RETURNS pg_catalog.text[]
	AS 'MODULE_PATHNAME', 'domain_status_to_text_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.epp_status(domxfer.domain_status) IS
	'the values as EPP spellings (RFC 5731, RFC 3915) in RFC order (cast domain_status to text[])';

CREATE FUNCTION domxfer.rdap_status(domxfer.domain_status)
	RETURNS pg_catalog.text[]
	AS 'MODULE_PATHNAME', 'domain_status_rdap'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.rdap_status(domxfer.domain_status) IS
	'the values as RDAP spellings (RFC 8056) in RFC order; "ok" is "active"';

CREATE FUNCTION domxfer.domain_status_has(domxfer.domain_status, pg_catalog.text)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domain_status_has'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.domain_status_has(domxfer.domain_status, pg_catalog.text) IS
	'is this one status value (EPP or RDAP spelling) set? raises 22P02 for an unknown value';

CREATE CAST (pg_catalog.text[] AS domxfer.domain_status)
	WITH FUNCTION domxfer.domain_status_from_text_array(pg_catalog.text[])
	AS ASSIGNMENT;
COMMENT ON CAST (pg_catalog.text[] AS domxfer.domain_status) IS
	'each element is one status value in EPP or RDAP spelling';

CREATE CAST (domxfer.domain_status AS pg_catalog.text[])
	WITH FUNCTION domxfer.epp_status(domxfer.domain_status);
COMMENT ON CAST (domxfer.domain_status AS pg_catalog.text[]) IS
	'the EPP spellings in RFC order';
