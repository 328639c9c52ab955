-- domxfer install script, assembled from install/*.sql in name order.
-- Every name is schema-qualified (pg_catalog., domxfer.) and operators are
-- written OPERATOR(pg_catalog.=), so objects planted in public change nothing.

\echo Use "CREATE EXTENSION domxfer" to load this file. \quit

COMMENT ON SCHEMA domxfer IS 'domxfer: domain transfer-out rules, auth codes and transfer lifecycle';
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

-- Domain names: UTS #46 processing with ICU (non-transitional, STD3 rules,
-- bidi, CONTEXTJ, CONTEXTO), DNS length checks and the IDNA2008 derived
-- property of RFC 5892.  Every rejection is SQLSTATE 22023 with a DETAIL
-- naming the failed check.  IMMUTABLE for a given ICU version (they back
-- CHECK constraints and indexes).

CREATE FUNCTION domxfer.normalize_domain(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'domxfer_normalize_domain'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.normalize_domain(pg_catalog.text) IS
	'Registrable lower-case A-label form of a domain name in any spelling (U-labels, A-labels, any case, full-width or ideographic dots, trailing dot dropped); raises 22023 naming the failed check';

CREATE FUNCTION domxfer.domain_to_unicode(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'domxfer_domain_to_unicode'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.domain_to_unicode(pg_catalog.text) IS
	'Display (U-label) form of a domain name in any spelling that normalize_domain accepts; raises 22023 otherwise';

CREATE FUNCTION domxfer.domain_tld(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'domxfer_domain_tld'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.domain_tld(pg_catalog.text) IS
	'A-label of the last label of the normalized name (the key of domxfer.tld_policy); raises 22023 like normalize_domain';
-- Per-TLD policy numbers (SPEC §1) and the domains table (SPEC §2).

-- Helpers of tld_policy (src/tld_policy.c).
CREATE FUNCTION domxfer._is_time_zone(name text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'domxfer_is_time_zone'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._is_time_zone(text) IS
	'True when the text names a time zone the server knows (as SET TIME ZONE accepts it); the check of tld_policy.business_time_zone';

CREATE FUNCTION domxfer._tld_policy_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'domxfer_tld_policy_changed'
	LANGUAGE C;
COMMENT ON FUNCTION domxfer._tld_policy_changed() IS
	'Statement trigger of tld_policy: tells every session''s policy cache that the table changed';

CREATE TABLE domxfer.tld_policy (
	tld text PRIMARY KEY
		CONSTRAINT tld_policy_tld_canonical
		CHECK (CASE WHEN tld OPERATOR(pg_catalog.=) '*' THEN true
					-- only then ask the name functions (they raise errors on bad input)
					WHEN tld OPERATOR(pg_catalog.!~) '^[a-z0-9-]{1,63}$' THEN false
					ELSE tld OPERATOR(pg_catalog.=) domxfer.domain_tld('x.' OPERATOR(pg_catalog.||) tld) END),
	min_days_after_registration integer NOT NULL DEFAULT 60
		CONSTRAINT tld_policy_min_days_after_registration_range
		CHECK (min_days_after_registration OPERATOR(pg_catalog.>=) 0
			   AND min_days_after_registration OPERATOR(pg_catalog.<=) 3650),
	min_days_before_expiry integer NOT NULL DEFAULT 15
		CONSTRAINT tld_policy_min_days_before_expiry_range
		CHECK (min_days_before_expiry OPERATOR(pg_catalog.>=) 0
			   AND min_days_before_expiry OPERATOR(pg_catalog.<=) 3650),
	min_days_after_transfer integer NOT NULL DEFAULT 60
		CONSTRAINT tld_policy_min_days_after_transfer_range
		CHECK (min_days_after_transfer OPERATOR(pg_catalog.>=) 0
			   AND min_days_after_transfer OPERATOR(pg_catalog.<=) 3650),
	min_days_after_late_renewal integer NOT NULL DEFAULT 45
		CONSTRAINT tld_policy_min_days_after_late_renewal_range
		CHECK (min_days_after_late_renewal OPERATOR(pg_catalog.>=) 0
			   AND min_days_after_late_renewal OPERATOR(pg_catalog.<=) 3650),
	expiry_warning_days integer NOT NULL DEFAULT 30
		CONSTRAINT tld_policy_expiry_warning_days_range
		CHECK (expiry_warning_days OPERATOR(pg_catalog.>=) 0
			   AND expiry_warning_days OPERATOR(pg_catalog.<=) 3650),
	auto_approve_days integer NOT NULL DEFAULT 5
		CONSTRAINT tld_policy_auto_approve_days_range
		CHECK (auto_approve_days OPERATOR(pg_catalog.>=) 5
			   AND auto_approve_days OPERATOR(pg_catalog.<=) 7),
	auth_code_lifetime_days integer NOT NULL DEFAULT 14
		CONSTRAINT tld_policy_auth_code_lifetime_days_range
		CHECK (auth_code_lifetime_days OPERATOR(pg_catalog.>=) 1
			   AND auth_code_lifetime_days OPERATOR(pg_catalog.<=) 365),
	manual_answer_working_days integer NOT NULL DEFAULT 3
		CONSTRAINT tld_policy_manual_answer_working_days_range
		CHECK (manual_answer_working_days OPERATOR(pg_catalog.>=) 1
			   AND manual_answer_working_days OPERATOR(pg_catalog.<=) 60),
	business_time_zone text NOT NULL DEFAULT 'UTC'
		CONSTRAINT tld_policy_business_time_zone_valid
		CHECK (domxfer._is_time_zone(business_time_zone)),
	manual_process boolean NOT NULL DEFAULT false,
	early_approval boolean NOT NULL DEFAULT true,
	shipped boolean NOT NULL DEFAULT false
);

COMMENT ON TABLE domxfer.tld_policy IS 'Transfer-out policy numbers per TLD (A-label); the row ''*'' applies to TLDs without their own row';
COMMENT ON COLUMN domxfer.tld_policy.tld IS 'The TLD in lower-case A-label form (e.g. hk, xn--j6w193g), or ''*'' for the default row';
COMMENT ON COLUMN domxfer.tld_policy.min_days_after_registration IS 'R2: a domain can leave when at least this many days (of 86,400 s) have passed since its registration';
COMMENT ON COLUMN domxfer.tld_policy.min_days_before_expiry IS 'R3: a domain can leave only while more than this many days remain before it expires';
COMMENT ON COLUMN domxfer.tld_policy.min_days_after_transfer IS 'R4: a domain can leave only when more than this many days have passed since its last registrar transfer';
COMMENT ON COLUMN domxfer.tld_policy.min_days_after_late_renewal IS 'R6: a domain can leave only when more than this many days have passed since a renewal after expiry or a redemption restore';
COMMENT ON COLUMN domxfer.tld_policy.expiry_warning_days IS 'The warning expires_within_30_days is given when fewer than this many days remain before expiry';
COMMENT ON COLUMN domxfer.tld_policy.auto_approve_days IS 'Days after the gaining registrar''s request at which a pending transfer completes automatically (5 to 7)';
COMMENT ON COLUMN domxfer.tld_policy.auth_code_lifetime_days IS 'Days an issued auth code stays valid';
COMMENT ON COLUMN domxfer.tld_policy.manual_answer_working_days IS 'Working days within which a manual (document-based) request must be answered';
COMMENT ON COLUMN domxfer.tld_policy.business_time_zone IS 'Time zone whose calendar defines the working days of manual requests (a zone name as SET TIME ZONE accepts)';
COMMENT ON COLUMN domxfer.tld_policy.manual_process IS 'R9: true when the TLD needs a manual, document-based transfer process instead of self-service';
COMMENT ON COLUMN domxfer.tld_policy.early_approval IS 'True when the holder may approve a pending transfer before its deadline';
COMMENT ON COLUMN domxfer.tld_policy.shipped IS 'True for the rows the extension installs (''*'', hk, xn--j6w193g); such a row cannot be deleted, only updated; an INSERT with shipped = true replaces it (this is how a restored dump brings back its numbers)';

INSERT INTO domxfer.tld_policy (tld, shipped) VALUES ('*', true);
INSERT INTO domxfer.tld_policy (tld, manual_process, business_time_zone, shipped) VALUES
	('hk', true, 'Asia/Hong_Kong', true),
	('xn--j6w193g', true, 'Asia/Hong_Kong', true);

-- The shipped rows are inserted above, before the triggers exist: from here
-- on, an INSERT with shipped = true replaces a shipped row. A pg_dump of the
-- extension's data holds every row (changed shipped rows included) and is
-- restored after CREATE EXTENSION has inserted the shipped rows again.
-- An upgrade script that adds a column must add it to the UPDATE below.
CREATE FUNCTION domxfer._tld_policy_before_insert() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NEW.shipped THEN
		UPDATE domxfer.tld_policy AS p
		   SET (min_days_after_registration, min_days_before_expiry,
				min_days_after_transfer, min_days_after_late_renewal,
				expiry_warning_days, auto_approve_days, auth_code_lifetime_days,
				manual_answer_working_days, business_time_zone, manual_process,
				early_approval)
			 = (NEW.min_days_after_registration, NEW.min_days_before_expiry,
				NEW.min_days_after_transfer, NEW.min_days_after_late_renewal,
				NEW.expiry_warning_days, NEW.auto_approve_days, NEW.auth_code_lifetime_days,
				NEW.manual_answer_working_days, NEW.business_time_zone, NEW.manual_process,
				NEW.early_approval)
		 WHERE p.tld OPERATOR(pg_catalog.=) NEW.tld AND p.shipped;
		IF FOUND THEN
			RETURN NULL;
		END IF;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_before_insert() IS
	'Trigger of tld_policy: an inserted row with shipped = true replaces the shipped row of its TLD (so restoring a dump keeps changed numbers without a key conflict)';

CREATE FUNCTION domxfer._tld_policy_before_update() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NEW.shipped IS DISTINCT FROM OLD.shipped THEN
		RAISE EXCEPTION 'cannot change column "shipped" of domxfer.tld_policy'
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = 'The extension marks the rows it installs; the mark decides how a restored dump treats the row.';
	END IF;
	IF NEW.tld OPERATOR(pg_catalog.<>) OLD.tld
	   AND (OLD.shipped OR OLD.tld OPERATOR(pg_catalog.=) '*') THEN
		RAISE EXCEPTION 'cannot change the tld of the policy row "%"', OLD.tld
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = CASE WHEN OLD.tld OPERATOR(pg_catalog.=) '*'
							   THEN 'The row ''*'' holds the default numbers for every TLD without a row of its own.'
							   ELSE 'The extension installs this row; it would come back with a restored dump.' END,
				  HINT = 'Insert a row for the other TLD instead.';
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_before_update() IS
	'Trigger of tld_policy: the default row and the shipped rows keep their tld, and no row changes its shipped mark';

CREATE FUNCTION domxfer._tld_policy_before_delete() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF OLD.shipped OR OLD.tld OPERATOR(pg_catalog.=) '*' THEN
		RAISE EXCEPTION 'cannot delete the policy row "%"', OLD.tld
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = CASE WHEN OLD.tld OPERATOR(pg_catalog.=) '*'
							   THEN 'The row ''*'' holds the default numbers for every TLD without a row of its own.'
							   ELSE 'The extension installs this row; it would come back with a restored dump.' END,
				  HINT = 'Update its numbers instead.';
	END IF;
	RETURN OLD;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_before_delete() IS
	'Trigger of tld_policy: the default row and the shipped rows cannot be deleted';

CREATE TRIGGER tld_policy_before_insert BEFORE INSERT ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_before_insert();
CREATE TRIGGER tld_policy_before_update BEFORE UPDATE ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_before_update();
CREATE TRIGGER tld_policy_before_delete BEFORE DELETE ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_before_delete();
CREATE TRIGGER tld_policy_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON domxfer.tld_policy
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._tld_policy_changed();

SELECT pg_catalog.pg_extension_config_dump('domxfer.tld_policy', '');

CREATE TABLE domxfer.domains (
	name text PRIMARY KEY
		CONSTRAINT domains_name_canonical
		CHECK (name OPERATOR(pg_catalog.=) domxfer.normalize_domain(name)),
	sponsoring_registrar text NOT NULL
		CONSTRAINT domains_sponsoring_registrar_not_empty
		CHECK (sponsoring_registrar OPERATOR(pg_catalog.<>) ''),
	registered_at timestamptz NOT NULL
		CONSTRAINT domains_registered_at_finite
		CHECK (pg_catalog.isfinite(registered_at)),
	expires_at timestamptz NOT NULL
		CONSTRAINT domains_expires_at_finite
		CHECK (pg_catalog.isfinite(expires_at)),
	last_transferred_at timestamptz
		CONSTRAINT domains_last_transferred_at_finite
		CHECK (pg_catalog.isfinite(last_transferred_at)),
	late_renewed_at timestamptz
		CONSTRAINT domains_late_renewed_at_finite
		CHECK (pg_catalog.isfinite(late_renewed_at)),
	status domxfer.domain_status NOT NULL DEFAULT 'ok',
	unpaid boolean NOT NULL DEFAULT false,
	legal_hold boolean NOT NULL DEFAULT false,
	holder_disputed boolean NOT NULL DEFAULT false,
	contacts_complete boolean NOT NULL DEFAULT true,
	registrant_email text,
	real_name_verified boolean NOT NULL DEFAULT false,
	uses_registrar_dns boolean NOT NULL DEFAULT false,
	open_transfer_id bigint,
	CONSTRAINT domains_expiry_after_registration
		CHECK (expires_at OPERATOR(pg_catalog.>) registered_at),
	CONSTRAINT domains_transfer_after_registration
		CHECK (last_transferred_at OPERATOR(pg_catalog.>=) registered_at),
	CONSTRAINT domains_late_renewal_after_registration
		CHECK (late_renewed_at OPERATOR(pg_catalog.>=) registered_at)
);

COMMENT ON TABLE domxfer.domains IS 'One row per domain this registrar knows; name is the canonical A-label form';
COMMENT ON COLUMN domxfer.domains.name IS 'The domain name in canonical form: lower-case A-labels, no trailing dot (see domxfer.normalize_domain)';
COMMENT ON COLUMN domxfer.domains.sponsoring_registrar IS 'Identifier of the registrar that sponsors the domain; R1 compares it with the setting domxfer.registrar_id';
COMMENT ON COLUMN domxfer.domains.registered_at IS 'When the domain was registered (R2)';
COMMENT ON COLUMN domxfer.domains.expires_at IS 'When the current registration period ends (R3 and the expiry warning)';
COMMENT ON COLUMN domxfer.domains.last_transferred_at IS 'When the last successful registrar transfer took effect, NULL if never (R4)';
COMMENT ON COLUMN domxfer.domains.late_renewed_at IS 'When the domain was last renewed after expiry or restored from redemption, NULL if never (R6)';
COMMENT ON COLUMN domxfer.domains.status IS 'The EPP statuses of the domain (R5a, R5b, R5c)';
COMMENT ON COLUMN domxfer.domains.unpaid IS 'True while fees for the domain are unpaid (R5d)';
COMMENT ON COLUMN domxfer.domains.legal_hold IS 'True while the domain is subject to arbitration or legal proceedings (R5e)';
COMMENT ON COLUMN domxfer.domains.holder_disputed IS 'True while the holder''s identity is unclear or disputed (R5f)';
COMMENT ON COLUMN domxfer.domains.contacts_complete IS 'False while the holder''s contact fields are incomplete, e.g. some pre-2016 registrations (R7)';
COMMENT ON COLUMN domxfer.domains.registrant_email IS 'The holder''s e-mail address, where the auth code is sent (R8)';
COMMENT ON COLUMN domxfer.domains.real_name_verified IS 'The holder''s real-name verification status; informational, never a transfer rule';
COMMENT ON COLUMN domxfer.domains.uses_registrar_dns IS 'True while the domain resolves through this registrar''s DNS (the warning uses_registrar_dns)';
COMMENT ON COLUMN domxfer.domains.open_transfer_id IS 'The domain''s open transfer-out, kept by the lifecycle functions; NULL when none (R5b)';

-- Reports look for domains by expiry ("expiring within N days").
CREATE INDEX domains_expires_at_idx ON domxfer.domains (expires_at);

SELECT pg_catalog.pg_extension_config_dump('domxfer.domains', '');
-- The transfer-out rules (SPEC §1, §3), in C (src/transfer_rules.c).
--
-- The C functions take the columns of domxfer.domains one by one. The public
-- functions over a row are LANGUAGE sql wrappers whose body is one
-- expression (not STRICT, no SET clause, not SECURITY DEFINER), so the
-- planner inlines them and turns d.col back into plain column references:
-- no whole-row value is formed per row. NULL at, or a NULL in a NOT NULL
-- column (the all-NULL row of an outer join), gives NULL.

CREATE FUNCTION domxfer._transfer_out_blocker_mask(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email text, open_transfer_id bigint, at timestamptz)
	RETURNS integer
	AS 'MODULE_PATHNAME', 'domxfer_transfer_out_blocker_mask'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_blocker_mask(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz) IS
	'The failing transfer-out rules of a domain''s columns as a bit mask, bit i for the i-th reason code of transfer_out_blockers';

CREATE FUNCTION domxfer._transfer_out_eligible(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email text, open_transfer_id bigint, at timestamptz)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'domxfer_transfer_out_eligible_columns'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_eligible(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz) IS
	'True when every transfer-out rule holds for a domain''s columns at the instant at (the body of transfer_out_eligible)';

CREATE FUNCTION domxfer._transfer_out_blockers(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email text, open_transfer_id bigint, at timestamptz)
	RETURNS text[]
	AS 'MODULE_PATHNAME', 'domxfer_transfer_out_blockers_columns'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_blockers(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz) IS
	'The reason codes of the failing transfer-out rules for a domain''s columns (the body of transfer_out_blockers)';

CREATE FUNCTION domxfer._transfer_out_warnings(
	name text, expires_at timestamptz, uses_registrar_dns boolean, at timestamptz)
	RETURNS text[]
	AS 'MODULE_PATHNAME', 'domxfer_transfer_out_warnings_columns'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_warnings(text, timestamptz, boolean, timestamptz) IS
	'The transfer-out warning codes for a domain''s columns (the body of transfer_out_warnings)';

CREATE FUNCTION domxfer._transfer_window(
	name text, registered_at timestamptz, expires_at timestamptz,
	last_transferred_at timestamptz, late_renewed_at timestamptz)
	RETURNS tstzrange
	AS 'MODULE_PATHNAME', 'domxfer_transfer_window_columns'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_window(text, timestamptz, timestamptz, timestamptz, timestamptz) IS
	'The instants at which the time rules R2, R3, R4 and R6 hold for a domain''s columns (the body of transfer_window)';

CREATE FUNCTION domxfer.transfer_out_eligible(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_eligible(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email, d.open_transfer_id, at);
COMMENT ON FUNCTION domxfer.transfer_out_eligible(domxfer.domains, timestamptz) IS
	'True when the domain may be transferred out at the instant at: every rule R1-R9 holds (exactly when transfer_out_blockers is empty)';

CREATE FUNCTION domxfer.transfer_out_blockers(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_blockers(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email, d.open_transfer_id, at);
COMMENT ON FUNCTION domxfer.transfer_out_blockers(domxfer.domains, timestamptz) IS
	'The reason codes of the rules that fail at the instant at, in the order of the rules table; empty when the domain may be transferred out';

CREATE FUNCTION domxfer.transfer_out_warnings(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_warnings(d.name, d.expires_at, d.uses_registrar_dns, at);
COMMENT ON FUNCTION domxfer.transfer_out_warnings(domxfer.domains, timestamptz) IS
	'Advice that never blocks a transfer: uses_registrar_dns (move DNS first), expires_within_30_days (fewer days than the policy recommends remain)';

CREATE FUNCTION domxfer.transfer_window(d domxfer.domains)
	RETURNS tstzrange
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_window(d.name, d.registered_at, d.expires_at,
		d.last_transferred_at, d.late_renewed_at);
COMMENT ON FUNCTION domxfer.transfer_window(domxfer.domains) IS
	'The span of instants at which the time rules R2, R3, R4 and R6 all hold: t <@ transfer_window(d) exactly when they hold at t; empty when never';

CREATE FUNCTION domxfer.transfer_out_blocker_mask(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS integer
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_blocker_mask(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email, d.open_transfer_id, at);
COMMENT ON FUNCTION domxfer.transfer_out_blocker_mask(domxfer.domains, timestamptz) IS
	'The failing rules as a bit mask: bit i (value 2^i) for the i-th reason code of domxfer.transfer_out_reason_codes()';

CREATE FUNCTION domxfer.transfer_out_reason_codes()
	RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ARRAY['not_sponsored', 'too_soon_after_registration',
		'too_close_to_expiry', 'too_soon_after_transfer', 'transfer_prohibited',
		'transfer_pending', 'deletion_pending', 'unpaid', 'legal_proceedings',
		'holder_disputed', 'too_soon_after_late_renewal', 'contacts_incomplete',
		'registrant_email_invalid', 'manual_process_required']::text[];
COMMENT ON FUNCTION domxfer.transfer_out_reason_codes() IS
	'Every transfer-out reason code, in the order of the rules table (R1 to R9)';

CREATE FUNCTION domxfer.transfer_out_eligible(name text, at timestamptz DEFAULT pg_catalog.now())
	RETURNS boolean
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	canonical text := domxfer.normalize_domain(transfer_out_eligible.name);
	eligible boolean;
BEGIN
	SELECT domxfer.transfer_out_eligible(d, transfer_out_eligible.at) INTO eligible
	  FROM domxfer.domains AS d
	 WHERE d.name OPERATOR(pg_catalog.=) canonical;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'domain "%" not found', transfer_out_eligible.name
			USING ERRCODE = 'no_data_found',
				  DETAIL = pg_catalog.format('No row of domxfer.domains has the name %s.',
											  pg_catalog.quote_literal(canonical));
	END IF;
	RETURN eligible;
END
$$;
COMMENT ON FUNCTION domxfer.transfer_out_eligible(text, timestamptz) IS
	'True when the domain of this name (any spelling: Unicode, upper case, trailing dot) may be transferred out at the instant at; an unknown name raises SQLSTATE P0002';
-- Transfers, their append-only audit log and the holiday calendar (SPEC §2).

CREATE TYPE domxfer.transfer_state AS ENUM (
	'awaiting_documents',
	'auth_code_issued',
	'pending',
	'completed',
	'cancelled',
	'rejected',
	'expired'
);

COMMENT ON TYPE domxfer.transfer_state IS 'State of a transfer-out: awaiting_documents, auth_code_issued and pending are open; completed, cancelled, rejected and expired are final';

CREATE TABLE domxfer.transfers (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	domain_name text NOT NULL REFERENCES domxfer.domains (name),
	state domxfer.transfer_state NOT NULL,
	manual boolean NOT NULL DEFAULT false,
	gaining_registrar text
		CHECK (gaining_registrar OPERATOR(pg_catalog.<>) ''),
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	requested_at timestamptz,
	deadline timestamptz,
	decided_at timestamptz,
	outcome_reason text[]
		CHECK (pg_catalog.cardinality(outcome_reason) OPERATOR(pg_catalog.>) 0),
	cancel_note text,
	auth_code_hash bytea
		CHECK (pg_catalog.octet_length(auth_code_hash) OPERATOR(pg_catalog.=) 32),
	auth_code_salt bytea
		CHECK (pg_catalog.octet_length(auth_code_salt) OPERATOR(pg_catalog.>=) 16),
	auth_code_issued_at timestamptz,
	auth_code_expires_at timestamptz,
	failed_attempts integer NOT NULL DEFAULT 0
		CHECK (failed_attempts BETWEEN 0 AND 5),
	documents_received_at timestamptz,
	answer_deadline timestamptz,
	-- when the transfer is decided without anyone acting: the deadline of a
	-- pending transfer, the code's expiry of an auth_code_issued one
	due_at timestamptz GENERATED ALWAYS AS (
		CASE state
			WHEN 'pending' THEN deadline
			WHEN 'auth_code_issued' THEN auth_code_expires_at
		END) STORED,
	CONSTRAINT transfers_hash_with_salt
		CHECK ((auth_code_hash IS NULL) OPERATOR(pg_catalog.=) (auth_code_salt IS NULL)),
	CONSTRAINT transfers_hash_only_while_issued
		CHECK (auth_code_hash IS NULL OR state OPERATOR(pg_catalog.=) 'auth_code_issued'),
	CONSTRAINT transfers_issued_code_expires
		CHECK (state OPERATOR(pg_catalog.<>) 'auth_code_issued'
			   OR (auth_code_issued_at IS NOT NULL
				   AND auth_code_expires_at OPERATOR(pg_catalog.>) auth_code_issued_at)),
	CONSTRAINT transfers_pending_has_request
		CHECK (state OPERATOR(pg_catalog.<>) 'pending'
			   OR (gaining_registrar IS NOT NULL
				   AND requested_at IS NOT NULL
				   AND deadline OPERATOR(pg_catalog.>) requested_at)),
	CONSTRAINT transfers_completed_has_gaining_registrar
		CHECK (state OPERATOR(pg_catalog.<>) 'completed'
			   OR (gaining_registrar IS NOT NULL AND requested_at IS NOT NULL)),
	CONSTRAINT transfers_final_iff_decided
		CHECK ((state OPERATOR(pg_catalog.>=) 'completed')
			   OPERATOR(pg_catalog.=) (decided_at IS NOT NULL)),
	CONSTRAINT transfers_decided_has_outcome
		CHECK ((decided_at IS NULL) OPERATOR(pg_catalog.=) (outcome_reason IS NULL)),
	CONSTRAINT transfers_manual_only_awaits_documents
		CHECK (manual OR (state OPERATOR(pg_catalog.<>) 'awaiting_documents'
						  AND documents_received_at IS NULL)),
	CONSTRAINT transfers_answer_after_documents
		CHECK ((answer_deadline IS NULL) OPERATOR(pg_catalog.=) (documents_received_at IS NULL)
			   AND (answer_deadline IS NULL
					OR answer_deadline OPERATOR(pg_catalog.>) documents_received_at))
);

COMMENT ON TABLE domxfer.transfers IS 'One row per transfer-out attempt; changed only by the lifecycle functions';
COMMENT ON COLUMN domxfer.transfers.id IS 'Transfer identifier';
COMMENT ON COLUMN domxfer.transfers.domain_name IS 'The domain being transferred out (canonical A-label name)';
COMMENT ON COLUMN domxfer.transfers.state IS 'Current state; see domxfer.transfer_state';
COMMENT ON COLUMN domxfer.transfers.manual IS 'True for the document-based process of .hk and .香港 (opened by open_manual_transfer)';
COMMENT ON COLUMN domxfer.transfers.gaining_registrar IS 'The registrar the domain moves to, known once its request arrives';
COMMENT ON COLUMN domxfer.transfers.created_at IS 'When the holder asked to transfer out';
COMMENT ON COLUMN domxfer.transfers.requested_at IS 'When the gaining registrar''s request with the right auth code arrived';
COMMENT ON COLUMN domxfer.transfers.deadline IS 'When a pending transfer is decided automatically: requested_at plus the policy''s auto_approve_days';
COMMENT ON COLUMN domxfer.transfers.decided_at IS 'When the outcome took effect: the deadline for an automatic outcome, the code''s expiry for an expired one, else the moment of the decision';
COMMENT ON COLUMN domxfer.transfers.outcome_reason IS 'Why the transfer ended: {auto_approved}, {holder_approved}, {holder_cancelled}, {auth_code_expired}, or the failing reason codes of a rejection';
COMMENT ON COLUMN domxfer.transfers.cancel_note IS 'Free text given with a cancellation';
COMMENT ON COLUMN domxfer.transfers.auth_code_hash IS 'SHA-256 of salt and auth code; NULL once the code is used, revoked or the transfer ends (the code itself is never stored)';
COMMENT ON COLUMN domxfer.transfers.auth_code_salt IS 'Random per-code salt (16 bytes) of auth_code_hash';
COMMENT ON COLUMN domxfer.transfers.auth_code_issued_at IS 'When the current auth code was issued';
COMMENT ON COLUMN domxfer.transfers.auth_code_expires_at IS 'When the current auth code stops working (issued plus the policy''s auth_code_lifetime_days)';
COMMENT ON COLUMN domxfer.transfers.failed_attempts IS 'Wrong auth codes received for the current code; at 5 the code is revoked';
COMMENT ON COLUMN domxfer.transfers.documents_received_at IS 'Manual process: when the holder''s documents arrived';
COMMENT ON COLUMN domxfer.transfers.answer_deadline IS 'Manual process: the end of the last working day the registrar has to answer';
COMMENT ON COLUMN domxfer.transfers.due_at IS 'When this open transfer is decided without anyone acting (deadline or code expiry); NULL otherwise';

-- at most one open transfer per domain, whatever the application does
CREATE UNIQUE INDEX transfers_one_open_per_domain ON domxfer.transfers (domain_name)
	WHERE state OPERATOR(pg_catalog.<) 'completed';
-- the worker's lookup of due transfers, in due order
CREATE INDEX transfers_due ON domxfer.transfers (due_at, id)
	WHERE due_at IS NOT NULL;
-- a domain's transfer history
CREATE INDEX transfers_domain_history ON domxfer.transfers (domain_name, created_at);
-- the report of manual requests past their answer deadline
CREATE INDEX transfers_awaiting_answer ON domxfer.transfers (answer_deadline)
	WHERE state OPERATOR(pg_catalog.=) 'awaiting_documents';

-- domains.open_transfer_id must name the domain's open transfer, and only
-- while it is open. This is checked from the transfers side at commit rather
-- than by a foreign key from domains: with foreign keys both ways pg_dump
-- could not order the two tables' data, and a dump would not restore.
-- (Applications cannot write open_transfer_id at all; see 70_roles.sql.)
CREATE FUNCTION domxfer._check_open_transfer_link()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_state domxfer.transfer_state;
	v_linked bigint;
BEGIN
	-- the row as it is at commit, not as this (possibly superseded) event saw it
	SELECT t.state INTO v_state FROM domxfer.transfers t WHERE t.id OPERATOR(pg_catalog.=) NEW.id;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	SELECT d.open_transfer_id INTO v_linked FROM domxfer.domains d
	 WHERE d.name OPERATOR(pg_catalog.=) NEW.domain_name;
	IF (v_state OPERATOR(pg_catalog.<) 'completed') IS DISTINCT FROM (v_linked IS NOT DISTINCT FROM NEW.id) THEN
		RAISE EXCEPTION 'domain "%" and its transfer disagree about whether the transfer is open', NEW.domain_name
			USING ERRCODE = 'integrity_constraint_violation',
				  DETAIL = pg_catalog.format('Transfer %s is %s; the domain''s open_transfer_id is %s.',
											 NEW.id, v_state, COALESCE(v_linked::text, 'NULL')),
				  HINT = 'Change transfers only through the domxfer lifecycle functions.';
	END IF;
	RETURN NULL;
END
$$;

COMMENT ON FUNCTION domxfer._check_open_transfer_link() IS 'Constraint trigger: at commit, a transfer is open exactly when its domain''s open_transfer_id names it';

CREATE FUNCTION domxfer._batch_checks_links()
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_batch_checks_links_now'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION domxfer._batch_checks_links() IS 'Internal: true while domxfer._decide_due_batch runs, which checks its transfers'' domain links itself (the setting domxfer.batch_checks_links, only superusers can set it)';

-- Not for the rows of a worker batch (domxfer._decide_due_batch), which
-- checks them itself in one query: per row, this check cost as much as the
-- rest of the decision.
CREATE CONSTRAINT TRIGGER transfers_open_transfer_link
	AFTER INSERT OR UPDATE OF state, domain_name ON domxfer.transfers
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW
	WHEN (NOT domxfer._batch_checks_links())
	EXECUTE FUNCTION domxfer._check_open_transfer_link();

-- The background worker sleeps until the earliest deadline it knows of; a
-- committed deadline that is earlier wakes it (src/deadline_signal.c).
CREATE FUNCTION domxfer._note_due_at()
RETURNS trigger
AS 'MODULE_PATHNAME', 'domxfer_note_due_at'
LANGUAGE C;

COMMENT ON FUNCTION domxfer._note_due_at() IS 'Trigger: after commit, tells the background worker the earliest due_at the transaction wrote, so it wakes for a deadline earlier than the one it sleeps towards';

CREATE TRIGGER transfers_wake_worker_on_insert
	AFTER INSERT ON domxfer.transfers
	FOR EACH ROW WHEN (NEW.due_at IS NOT NULL)
	EXECUTE FUNCTION domxfer._note_due_at();
CREATE TRIGGER transfers_wake_worker_on_update
	AFTER UPDATE ON domxfer.transfers
	FOR EACH ROW WHEN (NEW.due_at IS NOT NULL AND NEW.due_at IS DISTINCT FROM OLD.due_at)
	EXECUTE FUNCTION domxfer._note_due_at();

COMMENT ON COLUMN domxfer.domains.open_transfer_id IS 'The domain''s open transfer (set and cleared only by the lifecycle functions); rule R5b fails while it is set';

CREATE TABLE domxfer.transfer_events (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	transfer_id bigint NOT NULL REFERENCES domxfer.transfers (id),
	at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	from_state domxfer.transfer_state,
	to_state domxfer.transfer_state NOT NULL,
	actor text NOT NULL,
	detail jsonb NOT NULL DEFAULT '{}'
);

COMMENT ON TABLE domxfer.transfer_events IS 'Append-only audit log: one row per state change of a transfer (plus same-state rows for code reissue, code revocation and documents received)';
COMMENT ON COLUMN domxfer.transfer_events.id IS 'Event identifier, increasing in commit-independent insertion order';
COMMENT ON COLUMN domxfer.transfer_events.transfer_id IS 'The transfer that changed';
COMMENT ON COLUMN domxfer.transfer_events.at IS 'When the change was recorded (transaction time); the outcome''s own instant is transfers.decided_at';
COMMENT ON COLUMN domxfer.transfer_events.from_state IS 'State before the change; NULL for the first event of a transfer';
COMMENT ON COLUMN domxfer.transfer_events.to_state IS 'State after the change';
COMMENT ON COLUMN domxfer.transfer_events.actor IS 'The role the caller acted as, or ''worker'' for the background worker';
COMMENT ON COLUMN domxfer.transfer_events.detail IS 'What else happened: action, outcome_reason, deadline, decided_at, ... (never an auth code)';

CREATE INDEX transfer_events_by_transfer ON domxfer.transfer_events (transfer_id, id);

CREATE FUNCTION domxfer._refuse_event_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION 'domxfer.transfer_events is append-only'
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = pg_catalog.format('%s of audit events is not allowed.', TG_OP),
			  HINT = 'The audit log keeps every state change of every transfer.';
END
$$;

COMMENT ON FUNCTION domxfer._refuse_event_change() IS 'Trigger: refuses UPDATE, DELETE and TRUNCATE of domxfer.transfer_events';

CREATE TRIGGER transfer_events_no_update_delete
	BEFORE UPDATE OR DELETE ON domxfer.transfer_events
	FOR EACH ROW EXECUTE FUNCTION domxfer._refuse_event_change();
CREATE TRIGGER transfer_events_no_truncate
	BEFORE TRUNCATE ON domxfer.transfer_events
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._refuse_event_change();

CREATE TABLE domxfer.holidays (
	day date NOT NULL,
	tld text NOT NULL DEFAULT '*'
		CONSTRAINT holidays_tld_canonical
		CHECK (tld OPERATOR(pg_catalog.=) '*'
			   OR tld OPERATOR(pg_catalog.=) domxfer.domain_tld('x.' OPERATOR(pg_catalog.||) tld)),
	name text NOT NULL
		CHECK (name OPERATOR(pg_catalog.<>) ''),
	PRIMARY KEY (tld, day)
);

COMMENT ON TABLE domxfer.holidays IS 'Days that are not working days for the manual process''s answer deadline';
COMMENT ON COLUMN domxfer.holidays.day IS 'The holiday (a calendar day in the TLD''s business_time_zone)';
COMMENT ON COLUMN domxfer.holidays.tld IS 'The TLD (A-label) it applies to, or ''*'' for every TLD';
COMMENT ON COLUMN domxfer.holidays.name IS 'Name of the holiday';

SELECT pg_catalog.pg_extension_config_dump('domxfer.transfers', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.transfers_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.transfer_events', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.transfer_events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('domxfer.holidays', '');

-- Auth codes (src/auth_code.c). Internal: only the lifecycle functions call them.

CREATE FUNCTION domxfer._auth_code_new()
RETURNS text
AS 'MODULE_PATHNAME', 'domxfer_auth_code_new'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._auth_code_new() IS 'Internal: a fresh auth code, 22 characters of [A-Za-z0-9] from pg_strong_random (131 bits)';

CREATE FUNCTION domxfer._auth_code_salt()
RETURNS bytea
AS 'MODULE_PATHNAME', 'domxfer_auth_code_salt'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._auth_code_salt() IS 'Internal: a fresh 16-byte random salt for an auth code';

CREATE FUNCTION domxfer._auth_code_hash(code text, salt bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'domxfer_auth_code_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION domxfer._auth_code_hash(text, bytea) IS 'Internal: SHA-256(salt || code), the stored form of an auth code';

CREATE FUNCTION domxfer._auth_code_matches(code text, salt bytea, hash bytea)
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_auth_code_matches'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION domxfer._auth_code_matches(text, bytea, bytea) IS 'Internal: whether code hashes to hash with salt, compared in constant time; an empty code never matches';

CREATE FUNCTION domxfer._actor()
RETURNS text
AS 'MODULE_PATHNAME', 'domxfer_actor'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._actor() IS 'Internal: the actor written to transfer_events: ''worker'' in the background worker, else the role the caller acts as (SET ROLE counts, SECURITY DEFINER does not)';

CREATE FUNCTION domxfer._outer_role()
RETURNS oid
AS 'MODULE_PATHNAME', 'domxfer_outer_role'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._outer_role() IS 'Internal: the role the caller acts as, seen from inside a SECURITY DEFINER function';

CREATE FUNCTION domxfer._check_auth_code_in_side_transaction(transfer_id bigint, salt bytea, code text, at timestamptz)
RETURNS integer
AS 'MODULE_PATHNAME', 'domxfer_check_auth_code_in_side_transaction'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION domxfer._check_auth_code_in_side_transaction(bigint, bytea, text, timestamptz) IS 'Internal: compares a presented auth code in a separate committed transaction (a short-lived background worker running domxfer._check_auth_code) that counts a wrong one, so the count survives the caller''s 28P01 error; 0 if right, the new failed-attempt count if wrong, NULL if the code identified by salt is no longer current. Raises without any comparison when no worker slot frees up within 1 s (53000) or the worker cannot lock the transfer within 1 s (55P03)';

CREATE FUNCTION domxfer._written_by_this_transaction(xid xid)
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_written_by_this_transaction'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer._written_by_this_transaction(xid) IS 'Internal: whether a row version''s xmin is the calling transaction or one of its live subtransactions, i.e. whether this very transaction wrote it';

CREATE FUNCTION domxfer._decide_in_side_transaction(transfer_id bigint, at timestamptz)
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_decide_in_side_transaction'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION domxfer._decide_in_side_transaction(bigint, timestamptz) IS 'Internal: decides an overdue transfer in a separate committed transaction (a short-lived background worker); false if that could not run';

REVOKE EXECUTE ON FUNCTION
	domxfer._refuse_event_change(),
	domxfer._check_open_transfer_link(),
	domxfer._note_due_at(),
	domxfer._batch_checks_links(),
	domxfer._auth_code_new(),
	domxfer._auth_code_salt(),
	domxfer._auth_code_hash(text, bytea),
	domxfer._auth_code_matches(text, bytea, bytea),
	domxfer._actor(),
	domxfer._outer_role(),
	domxfer._check_auth_code_in_side_transaction(bigint, bytea, text, timestamptz),
	domxfer._written_by_this_transaction(xid),
	domxfer._decide_in_side_transaction(bigint, timestamptz)
FROM PUBLIC;
-- The transfer lifecycle (SPEC §3): the only way transfers change.
--
-- Conventions of this fragment:
--  * Every public function is SECURITY DEFINER with a pinned search_path and
--    takes "now" once, as clock_timestamp(), so a long transaction does not
--    act as of its start.
--  * Lock order: a transfer row before its domain row (the worker's batch
--    locks transfers first too), except request_transfer_out and
--    open_manual_transfer, which lock only the domain before inserting.
--  * "The deadline is the truth": before reading or changing a transfer, a
--    function decides it if it is due, as of its due instant. It does so in a
--    committed side transaction (a short-lived background worker), so the
--    decision stands even if the function then refuses with an error; if the
--    side transaction cannot run, it decides in its own transaction (then an
--    error rolls the decision back and the worker redoes it, as of the same
--    due instant).

-- n days of exactly 86,400 seconds (never calendar days in the session's time zone);
-- interval * float8 raises 22008 where make_interval(secs => ...) would wrap around
CREATE FUNCTION domxfer._days(n integer)
RETURNS interval
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.make_interval(secs => 86400) OPERATOR(pg_catalog.*) n::pg_catalog.float8;

COMMENT ON FUNCTION domxfer._days(integer) IS 'Internal: n days of exactly 86,400 seconds each';

CREATE FUNCTION domxfer._utc_text(at timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.to_char(pg_catalog.timezone('UTC', at), 'YYYY-MM-DD HH24:MI:SS') OPERATOR(pg_catalog.||) ' UTC';

COMMENT ON FUNCTION domxfer._utc_text(timestamptz) IS 'Internal: an instant as text in UTC, for messages that must not depend on the session''s TimeZone';

CREATE FUNCTION domxfer._policy_for(domain_name text)
RETURNS domxfer.tld_policy
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN (SELECT p FROM domxfer.tld_policy p
		 WHERE p.tld OPERATOR(pg_catalog.=) ANY (ARRAY[domxfer.domain_tld(domain_name), '*'])
		 ORDER BY p.tld OPERATOR(pg_catalog.=) '*'
		 LIMIT 1);

COMMENT ON FUNCTION domxfer._policy_for(text) IS 'Internal: the tld_policy row of a domain''s TLD, or the default row ''*''';

CREATE FUNCTION domxfer._blockers_ignoring_own(d domxfer.domains, at timestamptz, manual boolean)
RETURNS text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_blockers text[];
BEGIN
	-- the transfer being decided must not block itself (R5b) ...
	d.open_transfer_id := NULL;
	d.status := d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status;
	v_blockers := domxfer.transfer_out_blockers(d, at);
	-- ... nor R9 once the document-based process has been chosen
	IF manual THEN
		v_blockers := pg_catalog.array_remove(v_blockers, 'manual_process_required');
	END IF;
	RETURN v_blockers;
END
$$;

COMMENT ON FUNCTION domxfer._blockers_ignoring_own(domxfer.domains, timestamptz, boolean) IS 'Internal: the failing reason codes at an instant, ignoring the domain''s own open transfer (and R9 for a manual transfer)';

CREATE FUNCTION domxfer._known_domain(name text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_name text;
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'domain name must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	v_name := domxfer.normalize_domain(name);
	IF NOT EXISTS (SELECT FROM domxfer.domains d WHERE d.name OPERATOR(pg_catalog.=) v_name) THEN
		RAISE EXCEPTION 'domain "%" is not registered here', name
			USING ERRCODE = 'no_data_found',
				  DETAIL = pg_catalog.format('No row of domxfer.domains has the name %L.', v_name);
	END IF;
	RETURN v_name;
END
$$;

COMMENT ON FUNCTION domxfer._known_domain(text) IS 'Internal: the canonical name of a domain in domxfer.domains (any spelling accepted); P0002 if unknown';

CREATE FUNCTION domxfer._raise_not_eligible(domain_name text, blockers text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF 'manual_process_required' OPERATOR(pg_catalog.=) ANY (blockers) THEN
		RAISE EXCEPTION 'domain "%" cannot be transferred out now', domain_name
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Failing rules: %s.', pg_catalog.array_to_string(blockers, ', ')),
				  HINT = 'This TLD needs the document-based process: use domxfer.open_manual_transfer().';
	END IF;
	RAISE EXCEPTION 'domain "%" cannot be transferred out now', domain_name
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = pg_catalog.format('Failing rules: %s.', pg_catalog.array_to_string(blockers, ', '));
END
$$;

COMMENT ON FUNCTION domxfer._raise_not_eligible(text, text[]) IS 'Internal: raises SQLSTATE 55000 listing every failing reason code';

CREATE FUNCTION domxfer._raise_wrong_state(t domxfer.transfers, action text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF t.state OPERATOR(pg_catalog.>=) 'completed' THEN
		RAISE EXCEPTION 'cannot %: the transfer has already ended', action
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s was %s at %s (%s).', t.id, t.state, domxfer._utc_text(t.decided_at),
											 pg_catalog.array_to_string(t.outcome_reason, ', '));
	END IF;
	RAISE EXCEPTION 'cannot %: the transfer is %', action, t.state
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = pg_catalog.format('Transfer %s is %s.', t.id, t.state);
END
$$;

COMMENT ON FUNCTION domxfer._raise_wrong_state(domxfer.transfers, text) IS 'Internal: raises SQLSTATE 55000 for an action the transfer''s state does not allow';

CREATE FUNCTION domxfer._log_transfer_event(t domxfer.transfers, from_state domxfer.transfer_state, detail jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO domxfer.transfer_events (transfer_id, from_state, to_state, actor, detail)
	VALUES (t.id, from_state, t.state, domxfer._actor(), detail);
	PERFORM pg_catalog.pg_notify('domxfer_transfer',
		pg_catalog.jsonb_build_object('transfer_id', t.id, 'domain', t.domain_name, 'state', t.state)::text);
END
$$;

COMMENT ON FUNCTION domxfer._log_transfer_event(domxfer.transfers, domxfer.transfer_state, jsonb) IS 'Internal: writes the audit event of a change and sends NOTIFY domxfer_transfer with {"transfer_id", "domain", "state"}';

CREATE FUNCTION domxfer._finish_transfer(t domxfer.transfers, new_state domxfer.transfer_state,
										 decided_at timestamptz, outcome_reason text[], note text)
RETURNS domxfer.transfers
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_done domxfer.transfers;
BEGIN
	UPDATE domxfer.transfers tr
	   SET state = new_state,
		   decided_at = _finish_transfer.decided_at,
		   outcome_reason = _finish_transfer.outcome_reason,
		   cancel_note = note,
		   auth_code_hash = NULL,
		   auth_code_salt = NULL
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	RETURNING * INTO v_done;

	IF new_state OPERATOR(pg_catalog.=) 'completed' THEN
		UPDATE domxfer.domains d
		   SET sponsoring_registrar = v_done.gaining_registrar,
			   last_transferred_at = v_done.decided_at,
			   status = d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status,
			   open_transfer_id = NULL
		 WHERE d.name OPERATOR(pg_catalog.=) v_done.domain_name;
	ELSE
		UPDATE domxfer.domains d
		   SET status = CASE WHEN t.state OPERATOR(pg_catalog.=) 'pending'
							 THEN d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status
							 ELSE d.status END,
			   open_transfer_id = NULL
		 WHERE d.name OPERATOR(pg_catalog.=) v_done.domain_name
		   AND d.open_transfer_id OPERATOR(pg_catalog.=) v_done.id;
	END IF;

	PERFORM domxfer._log_transfer_event(v_done, t.state,
		pg_catalog.jsonb_build_object('outcome_reason', v_done.outcome_reason,
									  'decided_at', v_done.decided_at)
		OPERATOR(pg_catalog.||) CASE WHEN note IS NULL THEN '{}'::jsonb
									 ELSE pg_catalog.jsonb_build_object('note', note) END);
	RETURN v_done;
END
$$;

COMMENT ON FUNCTION domxfer._finish_transfer(domxfer.transfers, domxfer.transfer_state, timestamptz, text[], text) IS 'Internal: moves a locked open transfer to a final state, updates its domain (sponsor, last transfer, pendingTransfer, open_transfer_id) and logs it';

CREATE FUNCTION domxfer._issue_auth_code(t domxfer.transfers, at timestamptz, action text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_code text := domxfer._auth_code_new();
	v_salt bytea := domxfer._auth_code_salt();
	v_policy domxfer.tld_policy := domxfer._policy_for(t.domain_name);
	v_issued domxfer.transfers;
BEGIN
	UPDATE domxfer.transfers tr
	   SET state = 'auth_code_issued',
		   auth_code_hash = domxfer._auth_code_hash(v_code, v_salt),
		   auth_code_salt = v_salt,
		   auth_code_issued_at = at,
		   auth_code_expires_at = at OPERATOR(pg_catalog.+) domxfer._days(v_policy.auth_code_lifetime_days),
		   failed_attempts = 0
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	RETURNING * INTO v_issued;
	PERFORM domxfer._log_transfer_event(v_issued, t.state,
		pg_catalog.jsonb_build_object('action', action,
									  'auth_code_expires_at', v_issued.auth_code_expires_at));
	RETURN v_code;
END
$$;

COMMENT ON FUNCTION domxfer._issue_auth_code(domxfer.transfers, timestamptz, text) IS 'Internal: gives a locked transfer a fresh auth code (stored as salt and hash only) and returns the code';

-- Decides one due transfer as of its own due instant; false if it is not due.
CREATE FUNCTION domxfer._decide_due_transfer(transfer_id bigint, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
	d domxfer.domains;
	v_blockers text[];
BEGIN
	SELECT * INTO t FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) _decide_due_transfer.transfer_id
	   FOR UPDATE;
	IF NOT FOUND OR t.due_at IS NULL OR t.due_at OPERATOR(pg_catalog.>) at THEN
		RETURN false;
	END IF;

	IF t.state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN
		PERFORM domxfer._finish_transfer(t, 'expired', t.auth_code_expires_at, '{auth_code_expired}', NULL);
		RETURN true;
	END IF;

	-- pending: eligible at the deadline (not now) completes, else it is rejected
	SELECT * INTO STRICT d FROM domxfer.domains dm
	 WHERE dm.name OPERATOR(pg_catalog.=) t.domain_name
	   FOR UPDATE;
	v_blockers := domxfer._blockers_ignoring_own(d, t.deadline, t.manual);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.=) 0 THEN
		PERFORM domxfer._finish_transfer(t, 'completed', t.deadline, '{auto_approved}', NULL);
	ELSE
		PERFORM domxfer._finish_transfer(t, 'rejected', t.deadline, v_blockers, NULL);
	END IF;
	RETURN true;
END
$$;

COMMENT ON FUNCTION domxfer._decide_due_transfer(bigint, timestamptz) IS 'Internal (worker contract): locks a transfer and, if it is due at "at", decides it as of its own due instant (pending: completed or rejected at the deadline; auth_code_issued: expired at the code''s expiry); false if it was not due or already decided';

CREATE FUNCTION domxfer._due_transfer_ids(at timestamptz, max_rows integer)
RETURNS SETOF bigint
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT t.id
	  FROM domxfer.transfers t
	 WHERE t.due_at OPERATOR(pg_catalog.<=) at
	 ORDER BY t.due_at, t.id
	 LIMIT max_rows
	   FOR UPDATE SKIP LOCKED
$$;

COMMENT ON FUNCTION domxfer._due_transfer_ids(timestamptz, integer) IS 'Internal (worker contract): locks and returns up to max_rows open transfers due at "at", earliest due first, skipping rows other sessions hold';

-- The set-based form of _decide_due_transfer for a whole batch: the same
-- outcomes, events and notifications, but one statement per table instead
-- of a PL/pgSQL call per transfer (the catch-up after downtime was bound by
-- those calls). Locking order as everywhere: transfers, then their domains.
-- Any error fails the whole batch; callers then fall back to
-- _decide_due_transfer row by row to find and set aside the failing row.
CREATE FUNCTION domxfer._decide_due_batch(at timestamptz, max_rows integer, skip_ids bigint[])
RETURNS integer
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_decided integer;
	v_ids bigint[];
	v_names text[];
BEGIN
	PERFORM pg_catalog.set_config('domxfer.batch_checks_links', 'on', true);
	WITH due AS (
		-- a pending transfer's domain is judged as it is at the deadline,
		-- without the transfer itself (R5b) and, for the manual process,
		-- without R9; the domain is locked for the update below
		SELECT t.id, t.state AS from_state,
			   CASE WHEN t.state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN t.auth_code_expires_at
					ELSE t.deadline END AS decided_at,
			   CASE WHEN t.state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN NULL
					WHEN t.manual THEN pg_catalog.array_remove(b.blockers, 'manual_process_required')
					ELSE b.blockers END AS blockers
		  FROM domxfer.transfers t
		  JOIN domxfer.domains d ON d.name OPERATOR(pg_catalog.=) t.domain_name
		 CROSS JOIN LATERAL domxfer._transfer_out_blockers(d.name, d.sponsoring_registrar,
				d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
				d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status,
				d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
				d.registrant_email, NULL, t.deadline) AS b(blockers)
		 WHERE t.due_at OPERATOR(pg_catalog.<=) _decide_due_batch.at
		   AND t.id OPERATOR(pg_catalog.<>) ALL (skip_ids)
		 ORDER BY t.due_at, t.id
		 LIMIT max_rows
		   FOR UPDATE OF t SKIP LOCKED
		   FOR UPDATE OF d
	), decided AS (
		UPDATE domxfer.transfers tr
		   SET state = CASE WHEN due.from_state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN 'expired'
							WHEN pg_catalog.cardinality(due.blockers) OPERATOR(pg_catalog.=) 0 THEN 'completed'
							ELSE 'rejected' END::domxfer.transfer_state,
			   decided_at = due.decided_at,
			   outcome_reason = CASE WHEN due.from_state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN '{auth_code_expired}'
									 WHEN pg_catalog.cardinality(due.blockers) OPERATOR(pg_catalog.=) 0 THEN '{auto_approved}'
									 ELSE due.blockers END::text[],
			   cancel_note = NULL,
			   auth_code_hash = NULL,
			   auth_code_salt = NULL
		  FROM due
		 WHERE tr.id OPERATOR(pg_catalog.=) due.id
		RETURNING tr.id, tr.domain_name, tr.state, tr.gaining_registrar, tr.decided_at,
				  tr.outcome_reason, due.from_state
	), domains_changed AS (
		UPDATE domxfer.domains d
		   SET sponsoring_registrar = CASE WHEN x.state OPERATOR(pg_catalog.=) 'completed'
										   THEN x.gaining_registrar ELSE d.sponsoring_registrar END,
			   last_transferred_at = CASE WHEN x.state OPERATOR(pg_catalog.=) 'completed'
										  THEN x.decided_at ELSE d.last_transferred_at END,
			   status = CASE WHEN x.from_state OPERATOR(pg_catalog.=) 'pending'
							 THEN d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status
							 ELSE d.status END,
			   open_transfer_id = NULL
		  FROM decided x
		 WHERE d.name OPERATOR(pg_catalog.=) x.domain_name
		   AND (x.state OPERATOR(pg_catalog.=) 'completed'
				OR d.open_transfer_id OPERATOR(pg_catalog.=) x.id)
	), logged AS (
		INSERT INTO domxfer.transfer_events (transfer_id, from_state, to_state, actor, detail)
		SELECT x.id, x.from_state, x.state, domxfer._actor(),
			   pg_catalog.jsonb_build_object('outcome_reason', x.outcome_reason, 'decided_at', x.decided_at)
		  FROM decided x
	)
	SELECT pg_catalog.count(pg_catalog.pg_notify('domxfer_transfer',
			   pg_catalog.jsonb_build_object('transfer_id', x.id, 'domain', x.domain_name,
											 'state', x.state)::text) IS NULL),
		   pg_catalog.array_agg(x.id), pg_catalog.array_agg(x.domain_name)
	  INTO v_decided, v_ids, v_names
	  FROM decided x;
	PERFORM pg_catalog.set_config('domxfer.batch_checks_links', 'off', true);

	-- what transfers_open_transfer_link checks per row: no domain names a
	-- transfer that is no longer open
	IF EXISTS (SELECT FROM ROWS FROM (pg_catalog.unnest(v_names), pg_catalog.unnest(v_ids)) AS x(name, id)
				 JOIN domxfer.domains d ON d.name OPERATOR(pg_catalog.=) x.name
				WHERE d.open_transfer_id OPERATOR(pg_catalog.=) x.id) THEN
		RAISE EXCEPTION 'a domain and its decided transfer disagree about whether the transfer is open'
			USING ERRCODE = 'integrity_constraint_violation',
				  HINT = 'Change transfers only through the domxfer lifecycle functions.';
	END IF;
	RETURN v_decided;
END
$$;

COMMENT ON FUNCTION domxfer._decide_due_batch(timestamptz, integer, bigint[]) IS 'Internal (worker contract): locks up to max_rows open transfers due at "at" (skipping rows other sessions hold and the ids in skip_ids) and decides them all set-based, each as of its own due instant, with the same outcomes, events and notifications as _decide_due_transfer; returns how many it decided';

-- PL/pgSQL rather than SQL: an SQL function whose body is a sub-select is
-- not inlined and is planned again on every call, which was most of the
-- worker's idle cost; PL/pgSQL keeps the plan.
CREATE FUNCTION domxfer._next_due_at()
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN (SELECT pg_catalog.min(t.due_at) FROM domxfer.transfers t);
END
$$;

COMMENT ON FUNCTION domxfer._next_due_at() IS 'Internal (worker contract): the earliest due instant of any open transfer, NULL if none (an index lookup)';

CREATE FUNCTION domxfer._settle_transfer(transfer_id bigint, at timestamptz)
RETURNS domxfer.transfers
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
BEGIN
	IF transfer_id IS NULL THEN
		RAISE EXCEPTION 'transfer id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO t FROM domxfer.transfers tr WHERE tr.id OPERATOR(pg_catalog.=) _settle_transfer.transfer_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'transfer % does not exist', transfer_id USING ERRCODE = 'no_data_found';
	END IF;
	IF t.due_at OPERATOR(pg_catalog.<=) at THEN
		IF NOT domxfer._decide_in_side_transaction(t.id, at) THEN
			PERFORM domxfer._decide_due_transfer(t.id, at);
		END IF;
		SELECT * INTO STRICT t FROM domxfer.transfers tr WHERE tr.id OPERATOR(pg_catalog.=) _settle_transfer.transfer_id;
	END IF;
	RETURN t;
END
$$;

COMMENT ON FUNCTION domxfer._settle_transfer(bigint, timestamptz) IS 'Internal: reads a transfer without locking it, after deciding it (committed, in a side transaction) if it is due at "at"; P0002 if unknown';

CREATE FUNCTION domxfer._lock_transfer(transfer_id bigint, at timestamptz)
RETURNS domxfer.transfers
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
BEGIN
	PERFORM domxfer._settle_transfer(transfer_id, at);
	SELECT * INTO STRICT t FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) _lock_transfer.transfer_id
	   FOR UPDATE;
	-- it may have fallen due while we waited for the lock
	IF t.due_at OPERATOR(pg_catalog.<=) at AND domxfer._decide_due_transfer(t.id, at) THEN
		SELECT * INTO STRICT t FROM domxfer.transfers tr WHERE tr.id OPERATOR(pg_catalog.=) _lock_transfer.transfer_id;
	END IF;
	RETURN t;
END
$$;

COMMENT ON FUNCTION domxfer._lock_transfer(bigint, timestamptz) IS 'Internal: locks a transfer FOR UPDATE after deciding it if it is due at "at"; P0002 if unknown';

-- The gaining registrar's wrong code, counted by the side-transaction worker.
CREATE FUNCTION domxfer._count_failed_auth_attempt(transfer_id bigint, salt bytea)
RETURNS integer
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
BEGIN
	UPDATE domxfer.transfers tr
	   SET failed_attempts = tr.failed_attempts OPERATOR(pg_catalog.+) 1,
		   auth_code_hash = CASE WHEN tr.failed_attempts OPERATOR(pg_catalog.>=) 4 THEN NULL ELSE tr.auth_code_hash END,
		   auth_code_salt = CASE WHEN tr.failed_attempts OPERATOR(pg_catalog.>=) 4 THEN NULL ELSE tr.auth_code_salt END
	 WHERE tr.id OPERATOR(pg_catalog.=) _count_failed_auth_attempt.transfer_id
	   AND tr.state OPERATOR(pg_catalog.=) 'auth_code_issued'
	   AND tr.auth_code_salt OPERATOR(pg_catalog.=) _count_failed_auth_attempt.salt
	RETURNING * INTO t;
	IF NOT FOUND THEN
		RETURN NULL;			-- the code changed meanwhile: not an attempt on it
	END IF;
	IF t.auth_code_hash IS NULL THEN
		PERFORM domxfer._log_transfer_event(t, t.state,
			pg_catalog.jsonb_build_object('action', 'auth_code_revoked', 'failed_attempts', t.failed_attempts));
	END IF;
	RETURN t.failed_attempts;
END
$$;

COMMENT ON FUNCTION domxfer._count_failed_auth_attempt(bigint, bytea) IS 'Internal: counts a wrong code against the transfer''s current code (identified by its salt); the 5th revokes it; returns the new count, NULL if the code changed';

-- A presented code, compared by the side-transaction worker (after it has
-- locked the transfer) and counted there if wrong, in one transaction: the
-- only place where a code from outside the transaction that issued it is
-- ever compared.
CREATE FUNCTION domxfer._check_auth_code(transfer_id bigint, salt bytea, code text, at timestamptz)
RETURNS integer
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
BEGIN
	SELECT * INTO t FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) _check_auth_code.transfer_id
	   FOR NO KEY UPDATE;
	IF NOT FOUND
	   OR t.state OPERATOR(pg_catalog.<>) 'auth_code_issued'
	   OR t.auth_code_hash IS NULL
	   OR t.auth_code_salt IS DISTINCT FROM _check_auth_code.salt
	   OR t.auth_code_expires_at OPERATOR(pg_catalog.<=) _check_auth_code.at THEN
		RETURN NULL;			-- used, replaced, revoked or expired meanwhile: nothing to compare
	END IF;
	IF domxfer._auth_code_matches(code, t.auth_code_salt, t.auth_code_hash) THEN
		RETURN 0;
	END IF;
	RETURN domxfer._count_failed_auth_attempt(t.id, t.auth_code_salt);
END
$$;

COMMENT ON FUNCTION domxfer._check_auth_code(bigint, bytea, text, timestamptz) IS 'Internal (run by the side-transaction worker): locks the transfer and, if the code identified by salt is still current, unrevoked and unexpired at "at", compares the presented code in constant time; 0 if right, else counts it (the 5th revokes the code) and returns the new count; NULL if there was nothing to compare';

CREATE FUNCTION domxfer._add_working_days(start timestamptz, n integer, time_zone text, tld text)
RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_day date := pg_catalog.timezone(time_zone, start)::date;
	v_counted integer := 0;
	v_steps integer := 0;
BEGIN
	WHILE v_counted OPERATOR(pg_catalog.<) n LOOP
		v_day := v_day OPERATOR(pg_catalog.+) 1;
		v_steps := v_steps OPERATOR(pg_catalog.+) 1;
		IF v_steps OPERATOR(pg_catalog.>) 3660 THEN
			RAISE EXCEPTION 'no % working days within ten years after %', n, start
				USING ERRCODE = 'data_exception',
					  HINT = 'Check domxfer.holidays.';
		END IF;
		IF pg_catalog.date_part('isodow', v_day) OPERATOR(pg_catalog.<) 6
		   AND NOT EXISTS (SELECT FROM domxfer.holidays h
							WHERE h.day OPERATOR(pg_catalog.=) v_day
							  AND h.tld OPERATOR(pg_catalog.=) ANY (ARRAY[_add_working_days.tld, '*'])) THEN
			v_counted := v_counted OPERATOR(pg_catalog.+) 1;
		END IF;
	END LOOP;
	-- the end of the last working day: midnight at its end, local time
	RETURN pg_catalog.timezone(time_zone, (v_day OPERATOR(pg_catalog.+) 1)::timestamp);
END
$$;

COMMENT ON FUNCTION domxfer._add_working_days(timestamptz, integer, text, text) IS 'Internal: the end (local midnight) of the n-th working day (Monday to Friday, not in domxfer.holidays for the TLD or ''*'') after the local calendar day of "start", in time zone time_zone';

-- Lifecycle step 1

CREATE FUNCTION domxfer.request_transfer_out(name text)
RETURNS TABLE (transfer_id bigint, auth_code text)
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	v_name text := domxfer._known_domain(name);
	v_open bigint;
	d domxfer.domains;
	v_blockers text[];
	t domxfer.transfers;
	v_code text;
	v_salt bytea;
BEGIN
	SELECT dm.open_transfer_id INTO v_open FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_name;
	IF v_open IS NOT NULL THEN
		PERFORM domxfer._settle_transfer(v_open, v_now);
	END IF;

	-- a concurrent request waits here and then sees this one's open transfer
	SELECT * INTO STRICT d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_name FOR UPDATE;
	v_blockers := domxfer.transfer_out_blockers(d, v_now);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(v_name, v_blockers);
	END IF;

	v_code := domxfer._auth_code_new();
	v_salt := domxfer._auth_code_salt();
	INSERT INTO domxfer.transfers (domain_name, state, created_at, auth_code_hash, auth_code_salt,
								   auth_code_issued_at, auth_code_expires_at)
	VALUES (v_name, 'auth_code_issued', v_now, domxfer._auth_code_hash(v_code, v_salt), v_salt, v_now,
			v_now OPERATOR(pg_catalog.+) domxfer._days((domxfer._policy_for(v_name)).auth_code_lifetime_days))
	RETURNING * INTO t;
	UPDATE domxfer.domains dm SET open_transfer_id = t.id WHERE dm.name OPERATOR(pg_catalog.=) v_name;
	PERFORM domxfer._log_transfer_event(t, NULL,
		pg_catalog.jsonb_build_object('action', 'requested', 'auth_code_expires_at', t.auth_code_expires_at));

	transfer_id := t.id;
	auth_code := v_code;
	RETURN NEXT;
END
$$;

COMMENT ON FUNCTION domxfer.request_transfer_out(text) IS 'Lifecycle step 1: checks every rule (55000 listing the failing reason codes), opens a transfer in state auth_code_issued and returns its auth code, the only time the code is ever shown';

CREATE FUNCTION domxfer.reissue_auth_code(transfer_id bigint)
RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
BEGIN
	IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued' THEN
		PERFORM domxfer._raise_wrong_state(t, 'reissue the auth code');
	END IF;
	RETURN domxfer._issue_auth_code(t, v_now, 'auth_code_reissued');
END
$$;

COMMENT ON FUNCTION domxfer.reissue_auth_code(bigint) IS 'Replaces the auth code of a transfer in state auth_code_issued ("resend the code"): the old code stops working at once, the lifetime and the failed-attempt count start again';

-- Lifecycle step 2

CREATE FUNCTION domxfer.receive_transfer_request(name text, auth_code text, gaining_registrar text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	v_name text;
	v_open bigint;
	t domxfer.transfers;
	d domxfer.domains;
	v_salt bytea;
	v_own boolean;
	v_count integer;
	v_blockers text[];
BEGIN
	IF auth_code IS NULL OR gaining_registrar IS NULL THEN
		RAISE EXCEPTION 'auth code and gaining registrar must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF gaining_registrar OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'gaining registrar must not be empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF gaining_registrar OPERATOR(pg_catalog.=) pg_catalog.current_setting('domxfer.registrar_id') THEN
		RAISE EXCEPTION 'gaining registrar "%" is this registrar', gaining_registrar
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A domain cannot be transferred to the registrar that already sponsors it.';
	END IF;
	v_name := domxfer._known_domain(name);

	SELECT dm.open_transfer_id INTO v_open FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_name;
	IF v_open IS NULL THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password', DETAIL = 'No auth code has been issued for this domain.';
	END IF;

	t := domxfer._settle_transfer(v_open, v_now);
	IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued' THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password',
				  DETAIL = CASE t.state
					WHEN 'expired' THEN pg_catalog.format('The auth code expired at %s.', domxfer._utc_text(t.decided_at))
					WHEN 'pending' THEN 'The auth code has already been used.'
					WHEN 'awaiting_documents' THEN 'No auth code has been issued for this domain yet.'
					ELSE pg_catalog.format('The transfer was %s.', t.state) END;
	END IF;
	IF t.auth_code_hash IS NULL THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password',
				  DETAIL = 'The auth code was revoked after 5 failed attempts.',
				  HINT = 'The holder can have a new code issued.';
	END IF;
	v_salt := t.auth_code_salt;

	-- Where the presented code may be compared. A guess that is compared must
	-- be counted, and the count must survive the 28P01 error, which rolls
	-- back this transaction's writes: so the code is compared only in a
	-- committed side transaction that counts a wrong one (below), and when
	-- that cannot run, not at all.
	--
	-- The one exception: the row version carrying the code was written by
	-- this very transaction (its xmin is ours, see _written_by_this_transaction).
	-- Applications cannot write transfers. Of the functions that can, those
	-- that leave a row in state auth_code_issued with a code in it issue
	-- that code and return it in plain text to the transaction that called
	-- them (request_transfer_out, reissue_auth_code, approve_manual_transfer);
	-- _count_failed_auth_attempt only ever runs in a side transaction. Only
	-- the table's owner or a superuser could write the row otherwise, and
	-- they can read the hash anyway. So a code compared here was handed to
	-- this transaction a moment ago, and nothing can be learnt by guessing
	-- it. No other transaction can use it yet (a side transaction could not
	-- see it, or would wait for our lock), and a wrong code raises 28P01,
	-- which rolls the code itself back; a caller that catches the error
	-- still holds the very code it guessed at. Once committed, the row's
	-- xmin is not current in any transaction, and every later attempt takes
	-- the counted path. This keeps request and receive in one transaction
	-- working, without a worker.
	SELECT domxfer._written_by_this_transaction(tr.xmin) INTO v_own
	  FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	   AND tr.auth_code_salt OPERATOR(pg_catalog.=) v_salt;
	IF v_own THEN
		IF NOT domxfer._auth_code_matches(auth_code, v_salt, t.auth_code_hash) THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code is wrong. It was issued in this same transaction, so the attempt is not counted.';
		END IF;
	ELSE
		-- A transaction that holds the transfer (a concurrent request with
		-- the right code, a reissue, a cancellation) is waited for here,
		-- like any writer would, rather than by the side transaction, which
		-- gives up after 1 s. The lock is taken in a subtransaction and
		-- released at once, so that the side transaction can take it.
		BEGIN
			PERFORM FROM domxfer.transfers tr
			 WHERE tr.id OPERATOR(pg_catalog.=) t.id
			   FOR NO KEY UPDATE;
			RAISE SQLSTATE 'DXW01';
		EXCEPTION WHEN SQLSTATE 'DXW01' THEN
			NULL;
		END;
		SELECT * INTO STRICT t FROM domxfer.transfers tr WHERE tr.id OPERATOR(pg_catalog.=) t.id;
		IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued'
		   OR t.auth_code_salt IS DISTINCT FROM v_salt THEN
			-- nothing compared: the code presented is not current any more
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code has just been used, replaced or revoked, or its transfer has just ended.';
		END IF;

		-- Compared (and a wrong one counted) only in the committed side
		-- transaction; when that cannot run (53000) or cannot lock the
		-- transfer (55P03, e.g. this transaction holds it) it raises without
		-- comparing, so the right and a wrong code get the same error.
		v_count := domxfer._check_auth_code_in_side_transaction(t.id, v_salt, auth_code, v_now);
		IF v_count IS NULL THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code has just been used or replaced.';
		END IF;
		IF v_count OPERATOR(pg_catalog.>=) 5 THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code is wrong. After 5 failed attempts the code has been revoked.',
					  HINT = 'The holder can have a new code issued.';
		END IF;
		IF v_count OPERATOR(pg_catalog.>) 0 THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password', DETAIL = 'The auth code is wrong.';
		END IF;
	END IF;

	-- the right code: lock, and make sure it is still the current code
	t := domxfer._lock_transfer(t.id, v_now);
	IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued'
	   OR t.auth_code_salt IS DISTINCT FROM v_salt THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password',
				  DETAIL = 'The auth code has just been used or replaced.';
	END IF;
	SELECT * INTO STRICT d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_name FOR UPDATE;
	v_blockers := domxfer._blockers_ignoring_own(d, v_now, t.manual);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(v_name, v_blockers);
	END IF;

	UPDATE domxfer.transfers tr
	   SET state = 'pending',
		   gaining_registrar = receive_transfer_request.gaining_registrar,
		   requested_at = v_now,
		   deadline = v_now OPERATOR(pg_catalog.+) domxfer._days((domxfer._policy_for(v_name)).auto_approve_days),
		   auth_code_hash = NULL,
		   auth_code_salt = NULL
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	RETURNING * INTO t;
	UPDATE domxfer.domains dm
	   SET status = dm.status OPERATOR(domxfer.+) 'pendingTransfer'::domxfer.domain_status
	 WHERE dm.name OPERATOR(pg_catalog.=) v_name;
	PERFORM domxfer._log_transfer_event(t, 'auth_code_issued',
		pg_catalog.jsonb_build_object('action', 'request_received',
									  'gaining_registrar', t.gaining_registrar,
									  'deadline', t.deadline));
	RETURN t.id;
END
$$;

COMMENT ON FUNCTION domxfer.receive_transfer_request(text, text, text) IS 'Lifecycle step 2: the gaining registrar''s request. The right code makes the transfer pending until now + auto_approve_days; a wrong, expired or revoked code fails with 28P01 (a wrong one is counted; the 5th revokes the code). The code is compared only in a committed side transaction (a short-lived background worker) that counts a wrong one; when no worker slot frees up within 1 s (53000) or the worker cannot lock the transfer within 1 s (55P03), nothing is compared or counted and the right and a wrong code get the same error: retry. A code issued in the calling transaction itself is compared in that transaction, without a worker and without counting';

-- Lifecycle steps 3 and 4

CREATE FUNCTION domxfer.cancel_transfer_out(transfer_id bigint, reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
	v_back_days integer;
BEGIN
	IF t.state OPERATOR(pg_catalog.=) 'completed' THEN
		v_back_days := (domxfer._policy_for(t.domain_name)).min_days_after_transfer;
		RAISE EXCEPTION 'domain "%" has already been transferred out', t.domain_name
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s to %s completed at %s; it can no longer be cancelled.',
											 t.id, t.gaining_registrar, domxfer._utc_text(t.decided_at)),
				  HINT = pg_catalog.format('The domain can be transferred back after %s (%s days after the transfer).',
										   domxfer._utc_text(t.decided_at OPERATOR(pg_catalog.+) domxfer._days(v_back_days)),
										   v_back_days);
	END IF;
	IF t.state OPERATOR(pg_catalog.>=) 'completed' THEN
		PERFORM domxfer._raise_wrong_state(t, 'cancel the transfer');
	END IF;
	PERFORM domxfer._finish_transfer(t, 'cancelled', v_now, '{holder_cancelled}', reason);
END
$$;

COMMENT ON FUNCTION domxfer.cancel_transfer_out(bigint, text) IS 'Lifecycle step 3: the holder cancels an open transfer; refused (55000) once it is decided, e.g. after its deadline, with the date from which the domain can be transferred back';

CREATE FUNCTION domxfer.approve_transfer_out(transfer_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
	d domxfer.domains;
	v_blockers text[];
BEGIN
	IF t.state OPERATOR(pg_catalog.<>) 'pending' THEN
		PERFORM domxfer._raise_wrong_state(t, 'approve the transfer');
	END IF;
	IF NOT (domxfer._policy_for(t.domain_name)).early_approval THEN
		RAISE EXCEPTION 'early approval is not allowed for .% domains', domxfer.domain_tld(t.domain_name)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s completes or is rejected at its deadline, %s.',
											 t.id, domxfer._utc_text(t.deadline));
	END IF;
	SELECT * INTO STRICT d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) t.domain_name FOR UPDATE;
	v_blockers := domxfer._blockers_ignoring_own(d, v_now, t.manual);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(t.domain_name, v_blockers);
	END IF;
	PERFORM domxfer._finish_transfer(t, 'completed', v_now, '{holder_approved}', NULL);
END
$$;

COMMENT ON FUNCTION domxfer.approve_transfer_out(bigint) IS 'Lifecycle step 4: the holder approves a pending transfer early; it completes now if the TLD''s policy allows early approval and the domain is still eligible';

-- Lifecycle steps 5 and 6

CREATE FUNCTION domxfer.process_due_transfers(at timestamptz DEFAULT pg_catalog.now(), max_rows integer DEFAULT 1000)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_ids bigint[];
	v_id bigint;
	v_decided integer := 0;
	v_message text;
	v_state text;
BEGIN
	IF at IS NULL OR max_rows IS NULL THEN
		RAISE EXCEPTION 'at and max_rows must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF max_rows OPERATOR(pg_catalog.<) 1 THEN
		RAISE EXCEPTION 'max_rows must be at least 1' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF at OPERATOR(pg_catalog.>) pg_catalog.clock_timestamp()
	   AND NOT pg_catalog.pg_has_role(domxfer._outer_role(), 'domxfer_admin', 'MEMBER') THEN
		RAISE EXCEPTION 'permission denied to decide transfers as of a future instant'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'Only members of domxfer_admin may decide transfers before their deadline.';
	END IF;

	-- all at once; if any transfer fails, one by one so that the others proceed
	BEGIN
		RETURN domxfer._decide_due_batch(at, max_rows, '{}');
	EXCEPTION WHEN OTHERS THEN
		NULL;
	END;
	v_ids := ARRAY(SELECT domxfer._due_transfer_ids(at, max_rows));
	FOREACH v_id IN ARRAY v_ids LOOP
		BEGIN
			IF domxfer._decide_due_transfer(v_id, at) THEN
				v_decided := v_decided OPERATOR(pg_catalog.+) 1;
			END IF;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT, v_state = RETURNED_SQLSTATE;
			RAISE WARNING 'could not decide transfer %: %', v_id, v_message
				USING DETAIL = pg_catalog.format('SQLSTATE %s; the other transfers were decided.', v_state);
		END;
	END LOOP;
	RETURN v_decided;
END
$$;

COMMENT ON FUNCTION domxfer.process_due_transfers(timestamptz, integer) IS 'Lifecycle steps 5 and 6: decides up to max_rows transfers due at "at", each as of its own deadline or code expiry (the background worker''s work, for pg_cron and tests); returns how many it decided. A future "at" needs domxfer_admin';

-- Lifecycle step 7: the document-based process of .hk and .香港

CREATE FUNCTION domxfer.open_manual_transfer(name text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	v_name text := domxfer._known_domain(name);
	v_open bigint;
	d domxfer.domains;
	v_blockers text[];
	t domxfer.transfers;
BEGIN
	IF NOT (domxfer._policy_for(v_name)).manual_process THEN
		RAISE EXCEPTION 'domain "%" does not use the manual transfer process', v_name
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Use domxfer.request_transfer_out().';
	END IF;
	SELECT dm.open_transfer_id INTO v_open FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_name;
	IF v_open IS NOT NULL THEN
		PERFORM domxfer._settle_transfer(v_open, v_now);
	END IF;

	SELECT * INTO STRICT d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_name FOR UPDATE;
	v_blockers := pg_catalog.array_remove(domxfer.transfer_out_blockers(d, v_now), 'manual_process_required');
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(v_name, v_blockers);
	END IF;

	INSERT INTO domxfer.transfers (domain_name, state, manual, created_at)
	VALUES (v_name, 'awaiting_documents', true, v_now)
	RETURNING * INTO t;
	UPDATE domxfer.domains dm SET open_transfer_id = t.id WHERE dm.name OPERATOR(pg_catalog.=) v_name;
	PERFORM domxfer._log_transfer_event(t, NULL, pg_catalog.jsonb_build_object('action', 'manual_requested'));
	RETURN t.id;
END
$$;

COMMENT ON FUNCTION domxfer.open_manual_transfer(text) IS 'Lifecycle step 7 (.hk, .香港): opens a transfer in state awaiting_documents; the domain must pass every rule but R9';

CREATE FUNCTION domxfer.record_documents_received(transfer_id bigint)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
	v_policy domxfer.tld_policy;
BEGIN
	IF t.state OPERATOR(pg_catalog.<>) 'awaiting_documents' THEN
		PERFORM domxfer._raise_wrong_state(t, 'record documents');
	END IF;
	IF t.documents_received_at IS NOT NULL THEN
		RAISE EXCEPTION 'documents were already recorded for this transfer'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('The documents of transfer %s arrived at %s; the answer is due by %s.',
											 t.id, domxfer._utc_text(t.documents_received_at),
											 domxfer._utc_text(t.answer_deadline));
	END IF;
	v_policy := domxfer._policy_for(t.domain_name);
	UPDATE domxfer.transfers tr
	   SET documents_received_at = v_now,
		   answer_deadline = domxfer._add_working_days(v_now, v_policy.manual_answer_working_days,
													   v_policy.business_time_zone,
													   domxfer.domain_tld(t.domain_name))
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	RETURNING * INTO t;
	PERFORM domxfer._log_transfer_event(t, t.state,
		pg_catalog.jsonb_build_object('action', 'documents_received', 'answer_deadline', t.answer_deadline));
	RETURN t.answer_deadline;
END
$$;

COMMENT ON FUNCTION domxfer.record_documents_received(bigint) IS 'Lifecycle step 7: records that the holder''s documents arrived and returns the answer deadline: the end of the policy''s manual_answer_working_days-th working day after the arrival day, in the TLD''s business_time_zone';

CREATE FUNCTION domxfer.approve_manual_transfer(transfer_id bigint)
RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
	d domxfer.domains;
	v_blockers text[];
BEGIN
	IF t.state OPERATOR(pg_catalog.<>) 'awaiting_documents' THEN
		PERFORM domxfer._raise_wrong_state(t, 'approve the manual transfer');
	END IF;
	IF t.documents_received_at IS NULL THEN
		RAISE EXCEPTION 'cannot approve the manual transfer: no documents have been recorded'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s is awaiting documents.', t.id),
				  HINT = 'Call domxfer.record_documents_received() when the holder''s documents arrive.';
	END IF;
	SELECT * INTO STRICT d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) t.domain_name FOR UPDATE;
	v_blockers := domxfer._blockers_ignoring_own(d, v_now, true);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(t.domain_name, v_blockers);
	END IF;
	RETURN domxfer._issue_auth_code(t, v_now, 'documents_approved');
END
$$;

COMMENT ON FUNCTION domxfer.approve_manual_transfer(bigint) IS 'Lifecycle step 7: approves the documents of a manual transfer, issues its auth code (returned once) and continues at step 2';

CREATE VIEW domxfer.overdue_manual_requests AS
SELECT t.id AS transfer_id,
	   t.domain_name,
	   domxfer.domain_to_unicode(t.domain_name) AS unicode_name,
	   t.created_at,
	   t.documents_received_at,
	   t.answer_deadline,
	   pg_catalog.now() OPERATOR(pg_catalog.-) t.answer_deadline AS overdue_by
  FROM domxfer.transfers t
 WHERE t.state OPERATOR(pg_catalog.=) 'awaiting_documents'
   AND t.answer_deadline OPERATOR(pg_catalog.<) pg_catalog.now();

COMMENT ON VIEW domxfer.overdue_manual_requests IS 'Manual (.hk, .香港) transfer requests whose documents arrived but were not answered by the answer deadline';
COMMENT ON COLUMN domxfer.overdue_manual_requests.transfer_id IS 'The transfer';
COMMENT ON COLUMN domxfer.overdue_manual_requests.domain_name IS 'The domain (A-label)';
COMMENT ON COLUMN domxfer.overdue_manual_requests.unicode_name IS 'The domain for display (Unicode)';
COMMENT ON COLUMN domxfer.overdue_manual_requests.created_at IS 'When the holder asked to transfer out';
COMMENT ON COLUMN domxfer.overdue_manual_requests.documents_received_at IS 'When the documents arrived';
COMMENT ON COLUMN domxfer.overdue_manual_requests.answer_deadline IS 'When the answer was due';
COMMENT ON COLUMN domxfer.overdue_manual_requests.overdue_by IS 'How long past the answer deadline it is now';

REVOKE EXECUTE ON FUNCTION
	domxfer._days(integer),
	domxfer._utc_text(timestamptz),
	domxfer._policy_for(text),
	domxfer._blockers_ignoring_own(domxfer.domains, timestamptz, boolean),
	domxfer._known_domain(text),
	domxfer._raise_not_eligible(text, text[]),
	domxfer._raise_wrong_state(domxfer.transfers, text),
	domxfer._log_transfer_event(domxfer.transfers, domxfer.transfer_state, jsonb),
	domxfer._finish_transfer(domxfer.transfers, domxfer.transfer_state, timestamptz, text[], text),
	domxfer._issue_auth_code(domxfer.transfers, timestamptz, text),
	domxfer._decide_due_transfer(bigint, timestamptz),
	domxfer._due_transfer_ids(timestamptz, integer),
	domxfer._decide_due_batch(timestamptz, integer, bigint[]),
	domxfer._next_due_at(),
	domxfer._settle_transfer(bigint, timestamptz),
	domxfer._lock_transfer(bigint, timestamptz),
	domxfer._count_failed_auth_attempt(bigint, bytea),
	domxfer._check_auth_code(bigint, bytea, text, timestamptz),
	domxfer._add_working_days(timestamptz, integer, text, text),
	domxfer.request_transfer_out(text),
	domxfer.reissue_auth_code(bigint),
	domxfer.receive_transfer_request(text, text, text),
	domxfer.cancel_transfer_out(bigint, text),
	domxfer.approve_transfer_out(bigint),
	domxfer.process_due_transfers(timestamptz, integer),
	domxfer.open_manual_transfer(text),
	domxfer.record_documents_received(bigint),
	domxfer.approve_manual_transfer(bigint)
FROM PUBLIC;
-- Roles and privileges (SPEC §6).
--
-- Roles are cluster-wide, so they are created only if missing and are not
-- members of the extension (DROP EXTENSION leaves them). Membership:
-- domxfer_admin ⊃ domxfer_app ⊃ domxfer_reader.

DO $$
DECLARE
	v_role text;
BEGIN
	FOREACH v_role IN ARRAY ARRAY['domxfer_reader', 'domxfer_app', 'domxfer_admin'] LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) v_role) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', v_role);
		END IF;
	END LOOP;
	IF NOT pg_catalog.pg_has_role('domxfer_app', 'domxfer_reader', 'MEMBER') THEN
		GRANT domxfer_reader TO domxfer_app;
	END IF;
	IF NOT pg_catalog.pg_has_role('domxfer_admin', 'domxfer_app', 'MEMBER') THEN
		GRANT domxfer_app TO domxfer_admin;
	END IF;
END
$$;

GRANT USAGE ON SCHEMA domxfer TO domxfer_reader;

-- domxfer_reader: reporting. Everything but the auth-code hash and salt.
GRANT SELECT ON domxfer.domains, domxfer.tld_policy, domxfer.transfer_events, domxfer.holidays,
	domxfer.overdue_manual_requests
	TO domxfer_reader;
GRANT SELECT (id, domain_name, state, manual, gaining_registrar, created_at, requested_at, deadline,
			  decided_at, outcome_reason, cancel_note, auth_code_issued_at, auth_code_expires_at,
			  failed_attempts, documents_received_at, answer_deadline, due_at)
	ON domxfer.transfers TO domxfer_reader;

-- every reporting view the earlier fragments created
DO $$
DECLARE
	v_view regclass;
BEGIN
	FOR v_view IN
		SELECT c.oid::pg_catalog.regclass
		  FROM pg_catalog.pg_class c
		 WHERE c.relnamespace OPERATOR(pg_catalog.=) 'domxfer'::pg_catalog.regnamespace
		   AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[])
	LOOP
		EXECUTE pg_catalog.format('GRANT SELECT ON %s TO domxfer_reader', v_view);
	END LOOP;
END
$$;

-- domxfer_app: the registrar application. Domains yes (but not
-- open_transfer_id, which the lifecycle keeps), no DELETE; transfers only
-- through the lifecycle functions.
GRANT INSERT (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at, late_renewed_at,
			  status, unpaid, legal_hold, holder_disputed, contacts_complete, registrant_email,
			  real_name_verified, uses_registrar_dns),
	  UPDATE (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at, late_renewed_at,
			  status, unpaid, legal_hold, holder_disputed, contacts_complete, registrant_email,
			  real_name_verified, uses_registrar_dns)
	ON domxfer.domains TO domxfer_app;
GRANT EXECUTE ON FUNCTION
	domxfer.request_transfer_out(text),
	domxfer.reissue_auth_code(bigint),
	domxfer.receive_transfer_request(text, text, text),
	domxfer.cancel_transfer_out(bigint, text),
	domxfer.approve_transfer_out(bigint),
	domxfer.process_due_transfers(timestamptz, integer),
	domxfer.open_manual_transfer(text),
	domxfer.record_documents_received(bigint),
	domxfer.approve_manual_transfer(bigint)
	TO domxfer_app;

-- domxfer_admin: everything, including policy, holidays and the hashes;
-- transfers and events still change only through the lifecycle functions.
GRANT SELECT, INSERT, UPDATE, DELETE ON domxfer.tld_policy, domxfer.holidays, domxfer.domains TO domxfer_admin;
GRANT SELECT ON domxfer.transfers, domxfer.transfer_events TO domxfer_admin;
-- The background worker's report (SPEC §5). The worker itself is C code
-- started by the postmaster when domxfer is in shared_preload_libraries.

CREATE FUNCTION domxfer.worker_status(
	OUT state text,
	OUT pid integer,
	OUT database text,
	OUT started_at timestamptz,
	OUT last_run_at timestamptz,
	OUT next_due_at timestamptz,
	OUT decided_total bigint,
	OUT failed_total bigint,
	OUT last_error text,
	OUT last_error_at timestamptz,
	OUT naptime_ms integer,
	OUT batch_size integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'domxfer_worker_status'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED ROWS 1;

COMMENT ON FUNCTION domxfer.worker_status() IS
'One row describing the background worker that decides transfers at their deadline: '
'state (not loaded, not started, standby, starting, running, extension not installed, database missing, restarting, stopped), '
'pid, database, started_at, last_run_at (start of the last pass), next_due_at (earliest deadline of an open transfer, as of the last pass), '
'decided_total and failed_total (since the server started), last_error and last_error_at, '
'and the naptime_ms and batch_size the worker currently uses';

REVOKE ALL ON FUNCTION domxfer.worker_status() FROM PUBLIC;
-- monitoring is reporting: domxfer_reader (and so domxfer_app, domxfer_admin)
GRANT EXECUTE ON FUNCTION domxfer.worker_status() TO domxfer_reader;
-- Reporting views for BI tools (SPEC §7) and the RDAP domain object.
--
-- The views use only types a BI tool understands: where a column has an
-- array or range type, a plain text or timestamptz column stands beside it.
-- Each view is a plain SELECT (no DISTINCT, no window function) over one
-- table, so the planner flattens it into the query: columns a report does not
-- select are never computed, and a WHERE on a view column reaches the table's
-- indexes. "Now" is the transaction's start (now()), so every row of one
-- report is judged at the same instant.

-- Reports by TLD ("the .hk domains", "eligible domains per TLD") filter on
-- domain_tld(name); this index answers such a filter without computing the
-- TLD of every domain.
CREATE INDEX domains_tld_idx ON domxfer.domains (domxfer.domain_tld(name));

-- The daily outcome counts group and filter by the UTC day of decided_at.
CREATE INDEX transfers_decided_day_idx
	ON domxfer.transfers ((CAST(pg_catalog.timezone('UTC', decided_at) AS pg_catalog.date)))
	WHERE decided_at IS NOT NULL;

-- Seconds between two instants, exact (numeric), NULL when either is NULL.
CREATE FUNCTION domxfer._seconds_between(since timestamptz, until timestamptz)
	RETURNS numeric
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN EXTRACT(EPOCH FROM until) OPERATOR(pg_catalog.-) EXTRACT(EPOCH FROM since);
COMMENT ON FUNCTION domxfer._seconds_between(timestamptz, timestamptz) IS
	'Internal: the exact number of seconds from since to until (numeric; negative when until is earlier; NULL when either is NULL)';

CREATE VIEW domxfer.eligibility AS
SELECT d.name,
	   domxfer.domain_to_unicode(d.name) AS unicode_name,
	   domxfer.domain_tld(d.name) AS tld,
	   d.sponsoring_registrar,
	   d.sponsoring_registrar OPERATOR(pg_catalog.=)
		   pg_catalog.current_setting('domxfer.registrar_id', true) AS sponsored_by_us,
	   CAST(d.status AS pg_catalog.text) AS status,
	   d.registered_at,
	   d.expires_at,
	   domxfer._seconds_between(pg_catalog.now(), d.expires_at) OPERATOR(pg_catalog./) 86400
		   AS days_until_expiry,
	   d.last_transferred_at,
	   d.late_renewed_at,
	   domxfer.transfer_out_eligible(d, pg_catalog.now()) AS eligible_now,
	   domxfer.transfer_out_blockers(d, pg_catalog.now()) AS blockers,
	   pg_catalog.array_to_string(domxfer.transfer_out_blockers(d, pg_catalog.now()), ',')
		   AS blockers_text,
	   pg_catalog.cardinality(domxfer.transfer_out_blockers(d, pg_catalog.now()))
		   AS blocker_count,
	   domxfer.transfer_out_warnings(d, pg_catalog.now()) AS warnings,
	   pg_catalog.array_to_string(domxfer.transfer_out_warnings(d, pg_catalog.now()), ',')
		   AS warnings_text,
	   domxfer.transfer_window(d) AS transfer_window,
	   pg_catalog.lower(domxfer.transfer_window(d)) AS window_start,
	   pg_catalog.lower_inc(domxfer.transfer_window(d)) AS window_start_inclusive,
	   pg_catalog.upper(domxfer.transfer_window(d)) AS window_end,
	   pg_catalog.upper_inc(domxfer.transfer_window(d)) AS window_end_inclusive,
	   d.open_transfer_id
  FROM domxfer.domains AS d;

COMMENT ON VIEW domxfer.eligibility IS
	'One row per domain: may it be transferred out now (the transaction''s start), which rules block it, the warnings, and the span of time in which its time rules hold. For BI tools: every array or range column has a text or timestamptz column beside it';
COMMENT ON COLUMN domxfer.eligibility.name IS 'The domain name, canonical lower-case A-label form (the key of domxfer.domains)';
COMMENT ON COLUMN domxfer.eligibility.unicode_name IS 'The domain name for display, with U-labels (equals name for an all-ASCII name)';
COMMENT ON COLUMN domxfer.eligibility.tld IS 'The top-level domain in A-label form (e.g. com, hk, xn--j6w193g), the key of domxfer.tld_policy; indexed';
COMMENT ON COLUMN domxfer.eligibility.sponsoring_registrar IS 'Identifier of the registrar that sponsors the domain';
COMMENT ON COLUMN domxfer.eligibility.sponsored_by_us IS 'True when the sponsoring registrar is this registrar (the setting domxfer.registrar_id); false after the domain has been transferred out';
COMMENT ON COLUMN domxfer.eligibility.status IS 'The EPP statuses as text, comma-separated in RFC order (e.g. clientHold,clientTransferProhibited; ok when none)';
COMMENT ON COLUMN domxfer.eligibility.registered_at IS 'When the domain was registered';
COMMENT ON COLUMN domxfer.eligibility.expires_at IS 'When the current registration period ends';
COMMENT ON COLUMN domxfer.eligibility.days_until_expiry IS 'Days (of 86,400 s) from now until expires_at, with fraction; negative once expired';
COMMENT ON COLUMN domxfer.eligibility.last_transferred_at IS 'When the last successful registrar transfer took effect; NULL if never';
COMMENT ON COLUMN domxfer.eligibility.late_renewed_at IS 'When the domain was last renewed after expiry or restored from redemption; NULL if never';
COMMENT ON COLUMN domxfer.eligibility.eligible_now IS 'True when every rule R1-R9 holds now, i.e. blockers is empty';
COMMENT ON COLUMN domxfer.eligibility.blockers IS 'Reason codes of the rules that fail now, in the order of the rules table; empty when eligible';
COMMENT ON COLUMN domxfer.eligibility.blockers_text IS 'blockers as one comma-separated text (empty string when eligible), for tools without array support';
COMMENT ON COLUMN domxfer.eligibility.blocker_count IS 'How many rules fail now (0 when eligible)';
COMMENT ON COLUMN domxfer.eligibility.warnings IS 'Warning codes that never block a transfer: uses_registrar_dns, expires_within_30_days';
COMMENT ON COLUMN domxfer.eligibility.warnings_text IS 'warnings as one comma-separated text (empty string when none), for tools without array support';
COMMENT ON COLUMN domxfer.eligibility.transfer_window IS 'The span of instants in which the time rules R2, R3, R4 and R6 all hold (tstzrange; empty when none); see window_start and window_end for tools without range support';
COMMENT ON COLUMN domxfer.eligibility.window_start IS 'Start of transfer_window; NULL when the window is empty';
COMMENT ON COLUMN domxfer.eligibility.window_start_inclusive IS 'True when window_start itself belongs to the window (R2''s "60 days or more"), false when only later instants do (R4''s and R6''s "more than") or the window is empty';
COMMENT ON COLUMN domxfer.eligibility.window_end IS 'End of transfer_window; NULL when the window is empty';
COMMENT ON COLUMN domxfer.eligibility.window_end_inclusive IS 'True when window_end itself belongs to the window (never: R3 needs more than 15 days before expiry)';
COMMENT ON COLUMN domxfer.eligibility.open_transfer_id IS 'The domain''s open transfer-out (see domxfer.transfer_report); NULL when none';

CREATE VIEW domxfer.transfer_report AS
SELECT t.id AS transfer_id,
	   t.domain_name,
	   domxfer.domain_to_unicode(t.domain_name) AS unicode_name,
	   domxfer.domain_tld(t.domain_name) AS tld,
	   CAST(t.state AS pg_catalog.text) AS state,
	   t.state OPERATOR(pg_catalog.<) 'completed' AS is_open,
	   t.manual,
	   t.gaining_registrar,
	   t.outcome_reason AS outcome_reasons,
	   pg_catalog.array_to_string(t.outcome_reason, ',') AS outcome_reason,
	   t.cancel_note,
	   t.created_at,
	   t.requested_at,
	   t.deadline,
	   t.decided_at,
	   CAST(pg_catalog.timezone('UTC', t.decided_at) AS pg_catalog.date) AS decided_day,
	   t.auth_code_expires_at,
	   t.failed_attempts,
	   t.documents_received_at,
	   t.answer_deadline,
	   t.requested_at OPERATOR(pg_catalog.-) t.created_at AS time_to_request,
	   domxfer._seconds_between(t.created_at, t.requested_at) AS time_to_request_seconds,
	   domxfer._seconds_between(t.created_at, t.requested_at) OPERATOR(pg_catalog./) 86400
		   AS time_to_request_days,
	   t.decided_at OPERATOR(pg_catalog.-) t.requested_at AS time_to_decision,
	   domxfer._seconds_between(t.requested_at, t.decided_at) AS time_to_decision_seconds,
	   domxfer._seconds_between(t.requested_at, t.decided_at) OPERATOR(pg_catalog./) 86400
		   AS time_to_decision_days,
	   t.decided_at OPERATOR(pg_catalog.-) t.created_at AS duration,
	   domxfer._seconds_between(t.created_at, t.decided_at) AS duration_seconds,
	   domxfer._seconds_between(t.created_at, t.decided_at) OPERATOR(pg_catalog./) 86400
		   AS duration_days
  FROM domxfer.transfers AS t;

COMMENT ON VIEW domxfer.transfer_report IS
	'One row per transfer-out attempt: its state and outcome, the gaining registrar, its timestamps and durations (as interval and as numeric seconds and days). Never shows an auth code or its hash';
COMMENT ON COLUMN domxfer.transfer_report.transfer_id IS 'Transfer identifier (domxfer.transfers.id)';
COMMENT ON COLUMN domxfer.transfer_report.domain_name IS 'The domain, canonical A-label form';
COMMENT ON COLUMN domxfer.transfer_report.unicode_name IS 'The domain for display, with U-labels';
COMMENT ON COLUMN domxfer.transfer_report.tld IS 'The top-level domain in A-label form';
COMMENT ON COLUMN domxfer.transfer_report.state IS 'awaiting_documents, auth_code_issued, pending (open); completed, cancelled, rejected, expired (final)';
COMMENT ON COLUMN domxfer.transfer_report.is_open IS 'True while the transfer is open (awaiting_documents, auth_code_issued or pending)';
COMMENT ON COLUMN domxfer.transfer_report.manual IS 'True for the document-based process of .hk and .香港';
COMMENT ON COLUMN domxfer.transfer_report.gaining_registrar IS 'The registrar the domain moves to, known once its request arrived; NULL before';
COMMENT ON COLUMN domxfer.transfer_report.outcome_reasons IS 'Why the transfer ended: {auto_approved}, {holder_approved}, {holder_cancelled}, {auth_code_expired}, or the failing reason codes of a rejection; NULL while open';
COMMENT ON COLUMN domxfer.transfer_report.outcome_reason IS 'outcome_reasons as one comma-separated text, for tools without array support; NULL while open';
COMMENT ON COLUMN domxfer.transfer_report.cancel_note IS 'Free text the holder gave with a cancellation';
COMMENT ON COLUMN domxfer.transfer_report.created_at IS 'When the holder asked to transfer out';
COMMENT ON COLUMN domxfer.transfer_report.requested_at IS 'When the gaining registrar''s request with the right auth code arrived; NULL before';
COMMENT ON COLUMN domxfer.transfer_report.deadline IS 'When a pending transfer is decided automatically (requested_at plus the policy''s auto_approve_days)';
COMMENT ON COLUMN domxfer.transfer_report.decided_at IS 'When the outcome took effect (the deadline for an automatic outcome); NULL while open';
COMMENT ON COLUMN domxfer.transfer_report.decided_day IS 'The calendar day of decided_at in UTC (not in the session''s time zone)';
COMMENT ON COLUMN domxfer.transfer_report.auth_code_expires_at IS 'When the last auth code issued for the transfer stops (or stopped) working';
COMMENT ON COLUMN domxfer.transfer_report.failed_attempts IS 'Wrong auth codes received for the current code';
COMMENT ON COLUMN domxfer.transfer_report.documents_received_at IS 'Manual process: when the holder''s documents arrived';
COMMENT ON COLUMN domxfer.transfer_report.answer_deadline IS 'Manual process: the end of the last working day the registrar has to answer';
COMMENT ON COLUMN domxfer.transfer_report.time_to_request IS 'From the holder''s request (created_at) to the gaining registrar''s request (requested_at), as interval (days of 24 hours)';
COMMENT ON COLUMN domxfer.transfer_report.time_to_request_seconds IS 'time_to_request in seconds (numeric)';
COMMENT ON COLUMN domxfer.transfer_report.time_to_request_days IS 'time_to_request in days of 86,400 s (numeric, with fraction)';
COMMENT ON COLUMN domxfer.transfer_report.time_to_decision IS 'From the gaining registrar''s request (requested_at) to the outcome (decided_at), as interval (days of 24 hours)';
COMMENT ON COLUMN domxfer.transfer_report.time_to_decision_seconds IS 'time_to_decision in seconds (numeric)';
COMMENT ON COLUMN domxfer.transfer_report.time_to_decision_days IS 'time_to_decision in days of 86,400 s (numeric, with fraction)';
COMMENT ON COLUMN domxfer.transfer_report.duration IS 'From the holder''s request (created_at) to the outcome (decided_at), as interval (days of 24 hours); NULL while open';
COMMENT ON COLUMN domxfer.transfer_report.duration_seconds IS 'duration in seconds (numeric)';
COMMENT ON COLUMN domxfer.transfer_report.duration_days IS 'duration in days of 86,400 s (numeric, with fraction)';

CREATE VIEW domxfer.daily_transfer_outcomes AS
SELECT CAST(pg_catalog.timezone('UTC', t.decided_at) AS pg_catalog.date) AS day,
	   domxfer.domain_tld(t.domain_name) AS tld,
	   CAST(t.state AS pg_catalog.text) AS state,
	   pg_catalog.count(*) AS transfers
  FROM domxfer.transfers AS t
 WHERE t.decided_at IS NOT NULL
 GROUP BY 1, 2, 3;

COMMENT ON VIEW domxfer.daily_transfer_outcomes IS
	'Transfers-out that ended, counted per UTC calendar day of their outcome (decided_at), TLD and final state; a filter on day uses an index';
COMMENT ON COLUMN domxfer.daily_transfer_outcomes.day IS 'The calendar day in UTC (not in the session''s time zone) on which the outcome took effect';
COMMENT ON COLUMN domxfer.daily_transfer_outcomes.tld IS 'The top-level domain in A-label form';
COMMENT ON COLUMN domxfer.daily_transfer_outcomes.state IS 'The final state: completed, cancelled, rejected or expired';
COMMENT ON COLUMN domxfer.daily_transfer_outcomes.transfers IS 'How many transfers ended that day for that TLD in that state';

-- overdue_manual_requests belongs to 60_lifecycle.sql; its comments are there.

-- RDAP (RFC 9083 §5.3): the domain object of one domain, in one call.

-- An instant in RFC 3339 form in UTC, with a fraction only when there is one.
CREATE FUNCTION domxfer._rfc3339(at timestamptz)
	RETURNS text
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	RETURN pg_catalog.to_char(pg_catalog.timezone('UTC', at), 'YYYY-MM-DD"T"HH24:MI:SS')
		OPERATOR(pg_catalog.||)
		CASE WHEN pg_catalog.date_trunc('second', at) OPERATOR(pg_catalog.=) at THEN ''
			 ELSE '.' OPERATOR(pg_catalog.||)
				  pg_catalog.rtrim(pg_catalog.to_char(pg_catalog.timezone('UTC', at), 'US'), '0') END
		OPERATOR(pg_catalog.||) 'Z';
COMMENT ON FUNCTION domxfer._rfc3339(timestamptz) IS
	'Internal: an instant as an RFC 3339 date-time in UTC (2025-01-31T12:00:00Z, with a fraction of a second only when it has one), whatever the session''s TimeZone';

CREATE FUNCTION domxfer.rdap_domain(name text)
	RETURNS jsonb
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	canonical text := domxfer.normalize_domain(rdap_domain.name);
	d domxfer.domains;
	display text;
	events jsonb;
BEGIN
	SELECT * INTO d FROM domxfer.domains AS dm WHERE dm.name OPERATOR(pg_catalog.=) canonical;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'domain "%" not found', rdap_domain.name
			USING ERRCODE = 'no_data_found',
				  DETAIL = pg_catalog.format('No row of domxfer.domains has the name %s.',
											 pg_catalog.quote_literal(canonical));
	END IF;

	events := pg_catalog.jsonb_build_array(
		pg_catalog.jsonb_build_object('eventAction', 'registration',
									  'eventDate', domxfer._rfc3339(d.registered_at)),
		pg_catalog.jsonb_build_object('eventAction', 'expiration',
									  'eventDate', domxfer._rfc3339(d.expires_at)));
	IF d.last_transferred_at IS NOT NULL THEN
		events := events OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(
			pg_catalog.jsonb_build_object('eventAction', 'transfer',
										  'eventDate', domxfer._rfc3339(d.last_transferred_at)));
	END IF;

	display := domxfer.domain_to_unicode(d.name);
	RETURN pg_catalog.jsonb_build_object(
		'rdapConformance', pg_catalog.jsonb_build_array('rdap_level_0'),
		'objectClassName', 'domain',
		'ldhName', d.name,
		'status', pg_catalog.to_jsonb(domxfer.rdap_status(d.status)),
		'events', events,
		'entities', pg_catalog.jsonb_build_array(
			pg_catalog.jsonb_build_object('objectClassName', 'entity',
										  'handle', d.sponsoring_registrar,
										  'roles', pg_catalog.jsonb_build_array('registrar'))))
		OPERATOR(pg_catalog.||)
		CASE WHEN display OPERATOR(pg_catalog.=) d.name THEN '{}'::pg_catalog.jsonb
			 ELSE pg_catalog.jsonb_build_object('unicodeName', display) END;
END
$$;
COMMENT ON FUNCTION domxfer.rdap_domain(text) IS
	'The RDAP domain object (RFC 9083 §5.3) of a domain given in any spelling: ldhName (A-label), unicodeName (only for an IDN), status (RFC 8056 spellings), events (registration, expiration, transfer), the sponsoring registrar as an entity with role registrar, rdapConformance; an unknown name raises SQLSTATE P0002';

-- Comments the other fragments left out: psql's \d+ and BI tools' metadata
-- show a comment for every object of the extension (sql/comments.sql checks).
COMMENT ON OPERATOR FAMILY domxfer.domain_status_ops USING btree IS
	'Operator family of the btree operator class of domxfer.domain_status (a total order of status sets)';
COMMENT ON OPERATOR FAMILY domxfer.domain_status_ops USING hash IS
	'Operator family of the hash operator class of domxfer.domain_status (equality of status sets)';
COMMENT ON SEQUENCE domxfer.transfers_id_seq IS 'Identity sequence of domxfer.transfers.id';
COMMENT ON SEQUENCE domxfer.transfer_events_id_seq IS 'Identity sequence of domxfer.transfer_events.id';

-- Reporting is for domxfer_reader (and so for domxfer_app and domxfer_admin,
-- its members). 70_roles.sql granted the views that existed before this file.
GRANT SELECT ON domxfer.eligibility, domxfer.transfer_report, domxfer.daily_transfer_outcomes
	TO domxfer_reader;
