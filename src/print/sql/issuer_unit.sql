-- The organisation of a user and how the user's organisation and department are named on public
-- document records ("Organisation · Department"; NULL when the user belongs to none). $1 login.
SELECT u.org_id, NULLIF(concat_ws(' · ', o.name, d.name), '')
FROM users u
LEFT JOIN organisations o ON o.id = u.org_id
LEFT JOIN departments d ON d.id = u.dept_id
WHERE u.login = $1
