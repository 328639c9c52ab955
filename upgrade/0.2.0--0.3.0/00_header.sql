-- domxfer upgrade 0.2.0 -> 0.3.0, assembled from upgrade/0.2.0--0.3.0/*.sql
-- in name order (one fragment per concern, numbered like install/*.sql).
-- Every name is schema-qualified, as in the install script. A fragment that
-- only creates new objects is a link to its install fragment; a fragment
-- that changes 0.2.0 objects holds exactly those changes.

\echo Use "ALTER EXTENSION domxfer UPDATE TO '0.3.0'" to load this file. \quit
