-- One MVT layer of a line or polygon layer, read from the layer's partition `{table}` (a validated
-- layer id, see catalog.rs). $1 layer id, $2 z, $3 x, $4 y, $5 pixel size in metres, $6 attribute
-- keys left out at this zoom (none: the attributes are passed as stored). Features smaller than a
-- pixel are skipped: at low zooms `{size_filter}` is `f.web_size >= $5`, which the (geom_web,
-- web_size) index prunes by; at high zooms it is `f.web_size + 0 >= $5`, a plain filter, so the
-- smaller plain geom_web index is searched (see tiles/mod.rs); features wider than 16 pixels are
-- simplified to a quarter pixel (smaller ones gain nothing from it); a 64/4096 buffer lets lines
-- and fills join across tiles. ST_AsMVTGeom snaps to the grid and keeps polygons valid.
-- `{scope}` limits the rows to the caller's features ($7, see policy::FeatureScope).
-- `{latin_names}` adds `name_kk_latn` (transliterated `name_kk`) for layers that have Kazakh names.
WITH env AS (
    SELECT ST_TileEnvelope($2, $3, $4) AS e, ST_TileEnvelope($2, $3, $4, margin => 0.015625) AS b
), rows AS (
    SELECT f.id, (CASE WHEN cardinality($6::text[]) = 0 THEN f.attrs ELSE f.attrs - $6::text[] END){latin_names} AS attrs,
           ST_AsMVTGeom(CASE WHEN f.web_size > 16 * $5 THEN ST_Simplify(f.geom_web, $5 / 4, true) ELSE f.geom_web END,
                        env.e, 4096, 64, true) AS geom
    FROM {table} f, env
    WHERE f.deleted_at IS NULL AND {scope} AND f.geom_web && env.b AND {size_filter}
)
SELECT ST_AsMVT(rows, $1, 4096, 'geom', 'id') FROM rows
