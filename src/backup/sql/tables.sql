-- The permanent tables of the Qala database outside the system schemas: `relkind` r (plain or a
-- partition) or p (partitioned), schema-qualified and quoted.
SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind = 'r' AS leaf
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
 ORDER BY 1
