-- The live features of one layer's partition `{table}` (a validated layer id, see catalog.rs) as
-- the in-memory tiles hold them: Web Mercator geometry (WKB), size, point rank (migration 0018),
-- attributes, `name_kk_latn` when $1 (as tile_areas.sql adds it) and the fields the scopes test.
-- `{region}` limits the rows to a box (`true` for the whole layer; else `f.geom_web && box`
-- with the box from $2-$5, EPSG:3857 metres).
SELECT f.id,
       ST_AsBinary(f.geom_web) AS geom,
       coalesce(f.web_size, 0) AS web_size,
       qala_point_rank(f.id) AS rank,
       f.attrs::text AS attrs,
       CASE WHEN $1 THEN qala_kk_latin(f.attrs->>'name_kk') END AS latin,
       f.owner_dept,
       f.created_by
FROM {table} f
WHERE f.deleted_at IS NULL AND {region}
