-- Writes back what an action changed; the version is the application's ETag.
UPDATE applications SET
    number = $2, org = $3, status = $4, stages = $5, executors = $6, form = $7, documents = $8,
    returned_form = $9, geom = ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON($10)), 4326), overlay = $11, state = $12,
    submitted_at = $13, due_at = $14, closed_at = $15, feature_id = $16, access = $17, district = $18,
    version = version + 1, updated_at = now()
WHERE id = $1
RETURNING version
