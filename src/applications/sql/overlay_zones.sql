-- Zone polygons of one layer that the site of application $1 overlaps, with attribute $2 and the
-- share of the site's area inside each (1 for a point or a line that touches it).
WITH site AS (SELECT geom, ST_Area(geom::geography) AS area FROM applications WHERE id = $1)
SELECT f.id,
       f.attrs ->> $2,
       CASE WHEN s.area > 0
            THEN least(1.0, ST_Area(ST_Intersection(ST_MakeValid(f.geom), s.geom)::geography) / s.area)
            ELSE 1.0 END AS share
FROM site s
JOIN {table} f ON f.deleted_at IS NULL AND ST_Intersects(f.geom, s.geom)
ORDER BY share DESC, f.id
LIMIT $3
