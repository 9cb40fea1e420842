-- 100,000 applications spread over Almaty for `make bench-apps`, by SQL (deterministic: setseed):
-- every current service, points in the city's bbox, statuses in realistic shares, executors,
-- submission dates over 2026, terms of 14 days, their features on the applications layer. The
-- ready drafts of the submission run are made by benches/apps.sh before each run.
SELECT setseed(0.42);
CREATE TEMP TABLE svc AS SELECT id, version, provider, row_number() OVER (ORDER BY id) AS n FROM services WHERE current;
INSERT INTO applications (number, service_id, service_version, applicant, org, status, stages, executors, access,
                          geom, district, state, submitted_at, due_at, closed_at)
SELECT format('B-2026-%s', lpad(g::text, 6, '0')), s.id, s.version, 'applicant' || (g % 5000), s.provider,
       st.status,
       CASE WHEN st.status IN ('in_progress', 'returned') THEN ARRAY['intake'] ELSE '{}' END,
       CASE WHEN st.status = 'in_progress' AND g % 3 > 0 THEN ARRAY['reviewer' || (g % 20)] ELSE '{}' END,
       ARRAY[s.provider, s.provider || '/*'],
       ST_SetSRID(ST_MakePoint(76.85 + random() * 0.2, 43.18 + random() * 0.14), 4326),
       (ARRAY['751110000', '751210000', '751310000', '751410000', '751510000', '751610000', '751710000', '751810000'])[1 + g % 8],
       jsonb_build_object('applicant', 'applicant' || (g % 5000), 'org', s.provider, 'status', st.status, 'tokens', '[]'::jsonb,
                          'done_branches', '{}'::jsonb, 'returned', NULL, 'pauses', '[]'::jsonb, 'submitted_at', t.at,
                          'closed_at', NULL, 'refusal', NULL, 'history', '[]'::jsonb),
       t.at, t.at + interval '14 days',
       CASE WHEN st.status IN ('approved', 'refused', 'withdrawn') THEN t.at + interval '9 days' END
FROM generate_series(1, 100000) g
JOIN svc s ON s.n = 1 + g % (SELECT count(*) FROM svc)
CROSS JOIN LATERAL (SELECT (ARRAY['in_progress', 'in_progress', 'in_progress', 'returned', 'approved', 'approved', 'refused', 'withdrawn'])[1 + (g * 7) % 8] AS status) st
CROSS JOIN LATERAL (SELECT timestamptz '2026-01-05 04:00Z' + (g % 330) * interval '1 day' + (g % 600) * interval '1 minute' AS at) t;
-- Their features on the map.
SELECT set_config('qala.actor', 'bench', false);
WITH f AS (
  INSERT INTO features (layer_id, geom, attrs)
  SELECT 'applications', a.geom, jsonb_build_object('number', a.number, 'service', a.service_id, 'status', a.status,
         'org', a.org, 'public', true, 'access', to_jsonb(a.access), 'app', a.id)
  FROM applications a WHERE a.number LIKE 'B-%'
  RETURNING id, (attrs ->> 'app')::bigint AS app)
UPDATE applications a SET feature_id = f.id FROM f WHERE a.id = f.app;
ANALYZE applications;
ANALYZE features;
