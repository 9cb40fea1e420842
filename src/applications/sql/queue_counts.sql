-- The reviewer's queues for a caller: its login ($1), its access keys ($2) or all ($3, admins).
SELECT
    count(*) FILTER (WHERE status = 'in_progress' AND untouched AND (pool && $2 OR ($3 AND pool <> '{}'))) AS new,
    count(*) FILTER (WHERE status = 'in_progress' AND (pool && $2 OR ($3 AND pool <> '{}'))) AS pool,
    count(*) FILTER (WHERE status = 'in_progress' AND $1 = ANY (executors)) AS mine,
    count(*) FILTER (WHERE status = 'in_progress' AND cardinality(executors) > 0) AS in_review,
    count(*) FILTER (WHERE status = 'returned') AS returned,
    count(*) FILTER (WHERE status IN ('approved', 'refused')) AS done
FROM applications
WHERE status <> 'draft' AND ($3 OR access && $2 OR $1 = ANY (executors))
