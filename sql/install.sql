-- The extension installs into its own schema and its settings exist.
SELECT extname, extversion, extrelocatable, n.nspname
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'domxfer';
SHOW domxfer.registrar_id;
SHOW domxfer.naptime;
-- a misspelt setting in the reserved prefix is refused
SET domxfer.registar_id = 'x';
