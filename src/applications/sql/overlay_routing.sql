-- Routing polygons within $3 metres of the site of application $1: attribute $2, whether the
-- polygon holds the whole site, and the distance (0 when they touch).
WITH site AS (SELECT geom FROM applications WHERE id = $1)
SELECT f.id, f.attrs ->> $2, ST_Covers(f.geom, s.geom), ST_Distance(f.geom::geography, s.geom::geography) AS d
FROM site s
JOIN {table} f ON f.deleted_at IS NULL AND ST_DWithin(f.geom, s.geom, $3 / 80000.0)
WHERE ST_DWithin(f.geom::geography, s.geom::geography, $3)
ORDER BY d, f.id
LIMIT $4
