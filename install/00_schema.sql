-- domxfer install script, assembled from install/*.sql in name order.
-- Every name is schema-qualified (pg_catalog., domxfer.) and operators are
-- written OPERATOR(pg_catalog.=), so objects planted in public change nothing.

\echo Use "CREATE EXTENSION domxfer" to load this file. \quit

COMMENT ON SCHEMA domxfer IS 'domxfer: domain transfer-out rules, auth codes and transfer lifecycle';
