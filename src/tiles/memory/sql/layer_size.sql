-- A cheap estimate of what one layer's partition `{table}` takes in memory: live features,
-- coordinates and attribute text bytes.
SELECT count(*)::bigint, coalesce(sum(ST_NPoints(f.geom_web)), 0)::bigint,
       coalesce(sum(octet_length(f.attrs::text)), 0)::bigint
FROM {table} f
WHERE f.deleted_at IS NULL
