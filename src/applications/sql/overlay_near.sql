-- Features of one layer within $3 metres of the site of application $1, nearest first. The bounding
-- box test in degrees ($3 / 80000: a degree of longitude is about 81 km at Almaty's latitude, one
-- of latitude 111 km) lets the spatial index answer before the exact geodesic distance.
WITH site AS (SELECT geom FROM applications WHERE id = $1)
SELECT f.id, f.attrs ->> $2, ST_Distance(f.geom::geography, s.geom::geography) AS d
FROM site s
JOIN {table} f ON f.deleted_at IS NULL AND ST_DWithin(f.geom, s.geom, $3 / 80000.0)
WHERE ST_DWithin(f.geom::geography, s.geom::geography, $3)
ORDER BY d, f.id
LIMIT $4
