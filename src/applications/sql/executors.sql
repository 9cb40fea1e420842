-- Users who may work a stage of organisation $1 (department $2, if the stage names one) with role
-- $3, and how many open applications each holds a stage of.
SELECT u.login, u.full_name, u.dept_id AS dept,
       (SELECT count(*) FROM applications a
        WHERE u.login = ANY (a.executors) AND a.status IN ('in_progress', 'returned')) AS load
FROM users u
WHERE u.status = 'active' AND u.org_id = $1 AND ($2::text IS NULL OR u.dept_id = $2)
  AND $3 = ANY (u.roles)
ORDER BY load, u.login
LIMIT 200
