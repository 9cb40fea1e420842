-- A new draft application; the site ($7, GeoJSON) is optional until submission.
INSERT INTO applications (service_id, service_version, applicant, lang, org, status, form, geom, state)
VALUES ($1, $2, $3, $4, $5, 'draft', $6, ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON($7)), 4326), $8)
RETURNING id
