-- One MVT layer of a line or polygon layer. $1 layer id, $2 z, $3 x, $4 y, $5 pixel size in
-- metres, $6 attribute keys left out at this zoom. Features smaller than a pixel are dropped, the
-- rest simplified to a quarter pixel; a 64/4096 buffer lets lines and fills join across tiles.
WITH env AS (
    SELECT ST_TileEnvelope($2, $3, $4) AS e,
           ST_Transform(ST_TileEnvelope($2, $3, $4, margin => 0.015625), 4326) AS q
), rows AS (
    SELECT f.id, f.attrs - $6::text[] AS attrs,
           ST_AsMVTGeom(ST_SimplifyPreserveTopology(f.geom_web, $5 / 4), env.e, 4096, 64, true) AS geom
    FROM features f, env
    WHERE f.layer_id = $1 AND f.deleted_at IS NULL AND f.geom && env.q
      AND greatest(ST_XMax(f.geom_web) - ST_XMin(f.geom_web), ST_YMax(f.geom_web) - ST_YMin(f.geom_web)) >= $5
)
SELECT ST_AsMVT(rows, $1, 4096, 'geom', 'id') FROM rows WHERE geom IS NOT NULL
