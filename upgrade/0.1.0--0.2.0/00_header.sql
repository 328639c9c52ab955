-- domxfer upgrade 0.1.0 -> 0.2.0, assembled from upgrade/0.1.0--0.2.0/*.sql
-- in name order (one fragment per concern, numbered like install/*.sql).
-- Every name is schema-qualified, as in the install script.

\echo Use "ALTER EXTENSION domxfer UPDATE TO '0.2.0'" to load this file. \quit
