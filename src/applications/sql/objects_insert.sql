-- Objects of application $1 (kind $2, title $3, access $4, by $5) from GeoJSON geometries $6 with
-- their properties $7, in SRID $8, made valid, flattened to 2D and put into WGS84. Leaves out (no
-- row) a geometry outside longitude/latitude bounds after the transformation, or farther than $9
-- metres from the application's site (a drawing read in the wrong CRS lands far away).
WITH src AS (
    SELECT ord, ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(g), $8)) AS g, p
    FROM unnest($6::text[], $7::jsonb[]) WITH ORDINALITY AS x(g, p, ord)
), wgs AS (
    SELECT ord, ST_MakeValid(CASE WHEN $8 = 4326 THEN g ELSE ST_Transform(g, 4326) END) AS g, p FROM src
)
INSERT INTO application_objects (application_id, kind, title, access, props, geom, created_by)
SELECT $1, $2, $3, $4, coalesce(p, '{}'::jsonb), g, $5
FROM wgs
LEFT JOIN applications a ON a.id = $1
WHERE NOT ST_IsEmpty(g) AND ST_XMin(g) >= -180 AND ST_XMax(g) <= 180 AND ST_YMin(g) >= -90 AND ST_YMax(g) <= 90
  AND (a.geom IS NULL OR ST_DWithin(g::geography, a.geom::geography, $9))
ORDER BY ord
RETURNING id
