-- Open applications of the same service within $2 metres of application $1: possible duplicates.
WITH site AS (SELECT id, service_id, geom FROM applications WHERE id = $1)
SELECT a.id, a.number, a.status, ST_Distance(a.geom::geography, s.geom::geography) AS d
FROM site s
JOIN applications a ON a.id <> s.id AND a.service_id = s.service_id
 AND a.status IN ('in_progress', 'returned') AND ST_DWithin(a.geom, s.geom, $2 / 80000.0)
WHERE ST_DWithin(a.geom::geography, s.geom::geography, $2)
ORDER BY d, a.id
LIMIT $3
