-- One MVT layer of a point layer, read from the layer's partition `{table}`. $1 layer id, $2 z, $3 x, $4 y, $5 pixel size in metres, $6
-- attribute keys left out at this zoom. Below zoom 14 only the points of rank under
-- tiles::point_rank_below (the condition comes from tiles::point_rank_filter; none from z14) are read, through the (geom_web, rank) index of migration
-- 0018; of those at most one point per pixel (the lowest id) is kept.
WITH env AS (
    SELECT ST_TileEnvelope($2, $3, $4) AS e, ST_TileEnvelope($2, $3, $4, margin => 0.015625) AS b
), rows AS (
    SELECT DISTINCT ON (ST_SnapToGrid(f.geom_web, $5)) f.id,
           (CASE WHEN cardinality($6::text[]) = 0 THEN f.attrs ELSE f.attrs - $6::text[] END){latin_names} AS attrs,
           ST_AsMVTGeom(f.geom_web, env.e, 4096, 64, true) AS geom
    FROM {table} f, env
    WHERE f.deleted_at IS NULL AND {scope} AND f.geom_web && env.b AND {point_rank}
    ORDER BY ST_SnapToGrid(f.geom_web, $5), f.id
)
SELECT ST_AsMVT(rows, $1, 4096, 'geom', 'id') FROM rows
