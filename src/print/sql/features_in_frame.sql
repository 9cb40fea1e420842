-- The live features of one layer's partition `{table}` inside a print frame, in the print's CRS:
-- clipped a little outside the frame and simplified to the print's resolution.
-- $1 srid, $2..$5 the frame (xmin, ymin, xmax, ymax) in that CRS, $6 tolerance in CRS units (a
-- twentieth of a millimetre on paper), $7 the caller's feature scope (policy::FeatureScope),
-- $8 the smallest feature printed (web_size, metres). `{geom}` is `f.geom_web` for EPSG:3857
-- (stored), `ST_Transform(f.geom, $1)` otherwise. `{size_filter}` is `f.web_size >= $8` for
-- lines and polygons, `TRUE` for points.
WITH frame AS (
    SELECT ST_MakeEnvelope($2, $3, $4, $5, $1) AS e
), web AS (
    SELECT ST_Transform(ST_Segmentize(ST_Expand(e, ($4 - $2) / 50), ($4 - $2) / 16), 3857) AS w,
           ST_Expand(e, ($4 - $2) / 50) AS clip
    FROM frame
)
SELECT f.id, f.attrs,
       ST_AsBinary(ST_Simplify(ST_ClipByBox2D({geom}, web.clip), $6, true)) AS geom
FROM {table} f, web
WHERE f.deleted_at IS NULL AND {scope} AND f.geom_web && web.w AND {size_filter} AND $8::float8 IS NOT NULL
ORDER BY f.id
