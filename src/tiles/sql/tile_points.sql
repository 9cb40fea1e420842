-- One MVT layer of a point layer. $1 layer id, $2 z, $3 x, $4 y, $5 pixel size in metres, $6
-- attribute keys left out at this zoom. At most one point per pixel (the lowest id) is kept.
WITH env AS (
    SELECT ST_TileEnvelope($2, $3, $4) AS e, ST_TileEnvelope($2, $3, $4, margin => 0.015625) AS b
), rows AS (
    SELECT DISTINCT ON (ST_SnapToGrid(f.geom_web, $5)) f.id, f.attrs - $6::text[] AS attrs,
           ST_AsMVTGeom(f.geom_web, env.e, 4096, 64, true) AS geom
    FROM features f, env
    WHERE f.layer_id = $1 AND f.deleted_at IS NULL AND f.geom_web && env.b
    ORDER BY ST_SnapToGrid(f.geom_web, $5), f.id
)
SELECT ST_AsMVT(rows, $1, 4096, 'geom', 'id') FROM rows WHERE geom IS NOT NULL
