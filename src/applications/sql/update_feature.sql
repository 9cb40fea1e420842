-- The feature of an application follows its site and state.
UPDATE features f SET attrs = $3, geom = a.geom
FROM applications a
WHERE f.layer_id = 'applications' AND f.id = $1 AND a.id = $2 AND a.geom IS NOT NULL
