-- Per-TLD policy numbers (SPEC §1) and the domains table (SPEC §2).

CREATE TABLE domxfer.tld_policy (
	tld text PRIMARY KEY
		CONSTRAINT tld_policy_tld_canonical
		CHECK (tld OPERATOR(pg_catalog.=) '*'
			   OR tld OPERATOR(pg_catalog.=) domxfer.domain_tld('x.' OPERATOR(pg_catalog.||) tld)),
	min_days_after_registration integer NOT NULL DEFAULT 60
		CHECK (min_days_after_registration BETWEEN 0 AND 3650),
	min_days_before_expiry integer NOT NULL DEFAULT 15
		CHECK (min_days_before_expiry BETWEEN 0 AND 3650),
	min_days_after_transfer integer NOT NULL DEFAULT 60
		CHECK (min_days_after_transfer BETWEEN 0 AND 3650),
	min_days_after_late_renewal integer NOT NULL DEFAULT 45
		CHECK (min_days_after_late_renewal BETWEEN 0 AND 3650),
	expiry_warning_days integer NOT NULL DEFAULT 30
		CHECK (expiry_warning_days BETWEEN 0 AND 3650),
	auto_approve_days integer NOT NULL DEFAULT 5
		CHECK (auto_approve_days BETWEEN 5 AND 7),
	auth_code_lifetime_days integer NOT NULL DEFAULT 14
		CHECK (auth_code_lifetime_days BETWEEN 1 AND 365),
	manual_answer_working_days integer NOT NULL DEFAULT 3
		CHECK (manual_answer_working_days BETWEEN 1 AND 60),
	business_time_zone text NOT NULL DEFAULT 'UTC',
	manual_process boolean NOT NULL DEFAULT false,
	early_approval boolean NOT NULL DEFAULT true,
	shipped boolean NOT NULL DEFAULT false
);

COMMENT ON TABLE domxfer.tld_policy IS 'Transfer-out policy numbers per TLD (A-label); the row ''*'' applies to TLDs without their own row';

INSERT INTO domxfer.tld_policy (tld, shipped) VALUES ('*', true);
INSERT INTO domxfer.tld_policy (tld, manual_process, shipped) VALUES
	('hk', true, true),
	('xn--j6w193g', true, true);
UPDATE domxfer.tld_policy SET business_time_zone = 'Asia/Hong_Kong'
 WHERE tld OPERATOR(pg_catalog.=) ANY (ARRAY['hk', 'xn--j6w193g']);

CREATE TABLE domxfer.domains (
	name text PRIMARY KEY
		CONSTRAINT domains_name_canonical
		CHECK (name OPERATOR(pg_catalog.=) domxfer.normalize_domain(name)),
	sponsoring_registrar text NOT NULL
		CHECK (sponsoring_registrar OPERATOR(pg_catalog.<>) ''),
	registered_at timestamptz NOT NULL
		CHECK (pg_catalog.isfinite(registered_at)),
	expires_at timestamptz NOT NULL
		CHECK (pg_catalog.isfinite(expires_at)),
	last_transferred_at timestamptz
		CHECK (pg_catalog.isfinite(last_transferred_at)),
	late_renewed_at timestamptz
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

SELECT pg_catalog.pg_extension_config_dump('domxfer.domains', '');
