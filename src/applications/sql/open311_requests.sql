-- Open311 `GET requests`: submitted applications (never drafts) of the public services ($1),
-- by id ($2), submitted in [$3, $4], in statuses $5; newest first, $6 rows. Only what the public
-- may see is selected: no applicant, no overlay, no history.
SELECT id, number, service_id, service_version, org, status, stages, form,
       ST_AsGeoJSON(geom, 7)::jsonb AS geometry,
       ST_Y(ST_PointOnSurface(geom)) AS lat, ST_X(ST_PointOnSurface(geom)) AS long,
       submitted_at, updated_at, due_at
FROM applications
WHERE status <> 'draft' AND submitted_at IS NOT NULL
  AND service_id = ANY($1)
  AND ($2::bigint[] IS NULL OR id = ANY($2))
  AND ($3::timestamptz IS NULL OR submitted_at >= $3)
  AND ($4::timestamptz IS NULL OR submitted_at <= $4)
  AND ($5::text[] IS NULL OR status = ANY($5))
ORDER BY submitted_at DESC, id DESC
LIMIT $6
