-- One queue ($4) of a caller (login $1, access keys $2, all $3), newest first below id $5, $6 rows.
SELECT id, number, service_id, status, org, submitted_at, due_at, stages, executors, trim(district) AS district
FROM applications
WHERE status <> 'draft' AND ($3 OR access && $2 OR $1 = ANY (executors))
  AND CASE $4
        WHEN 'new' THEN status = 'in_progress' AND untouched AND (pool && $2 OR ($3 AND pool <> '{}'))
        WHEN 'pool' THEN status = 'in_progress' AND (pool && $2 OR ($3 AND pool <> '{}'))
        WHEN 'mine' THEN status = 'in_progress' AND $1 = ANY (executors)
        WHEN 'in_review' THEN status = 'in_progress' AND cardinality(executors) > 0
        WHEN 'returned' THEN status = 'returned'
        WHEN 'done' THEN status IN ('approved', 'refused')
        ELSE false END
  AND ($5::bigint IS NULL OR id < $5)
ORDER BY id DESC
LIMIT $6
