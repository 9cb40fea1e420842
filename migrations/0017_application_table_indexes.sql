-- The monitoring table filtered by service or district and sorted by submission: an index per
-- filter that also gives the order, so a page reads its 50 rows and not thousands.
CREATE INDEX IF NOT EXISTS applications_service_submitted ON applications (service_id, submitted_at, id) WHERE status <> 'draft';
CREATE INDEX IF NOT EXISTS applications_district_submitted ON applications (district, submitted_at, id) WHERE status <> 'draft';
