-- The live features of one layer's partition `{table}` near a point, nearest first: $1 SRID of
-- the map, $2 x, $3 y of the point in it, $4 the distance in its units (a few pixels), $5 the
-- caller's feature scope (policy::FeatureScope, `{scope}`), $6 at most this many. The index is
-- used through the point's square in Web Mercator. Geometry as GeoJSON in WGS84.
WITH p AS (
    SELECT ST_SetSRID(ST_MakePoint($2, $3), $1) AS pt
), w AS (
    SELECT pt, ST_Transform(ST_Segmentize(ST_Expand(pt, $4), $4 / 4), 3857) AS web FROM p
)
SELECT f.id, f.attrs, ST_AsGeoJSON(f.geom, 7)::text AS geometry
FROM {table} f, w
WHERE f.deleted_at IS NULL AND {scope} AND f.geom_web && w.web
  AND ST_DWithin(ST_Transform(f.geom, $1), w.pt, $4)
ORDER BY ST_Distance(ST_Transform(f.geom, $1), w.pt), f.id
LIMIT $6
