-- The applications a caller lists: its own ($1), its organisation's ($2, staff) or all ($3,
-- admins); optional status ($4) and service ($5); keyset paging below id $6, $7 rows.
SELECT id, number, service_id, status, org, submitted_at, due_at, stages
FROM applications
WHERE (applicant = $1 OR ($2::text IS NOT NULL AND org = $2 AND status <> 'draft') OR $3)
  AND ($4::text IS NULL OR status = $4)
  AND ($5::text IS NULL OR service_id = $5)
  AND ($6::bigint IS NULL OR id < $6)
ORDER BY id DESC
LIMIT $7
