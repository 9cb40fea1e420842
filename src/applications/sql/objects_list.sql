-- The objects of application $1 whose access is one of $2, as GeoJSON features.
SELECT id, kind, title, access, props, ST_AsGeoJSON(geom, 7)::jsonb AS geometry, created_by, created_at
FROM application_objects
WHERE application_id = $1 AND access = ANY ($2)
ORDER BY id
LIMIT 10000
