-- A citizen's account made at their first sign-in by EDS or SMS: the login is the IIN, no
-- password ('!' never verifies), role applicant, linked to the organisation of the BIN if any.
INSERT INTO users (login, password_hash, full_name, iin, org_id, lang, roles)
VALUES ($1, '!', $2, $1, (SELECT id FROM organisations WHERE bin = $3), $4, '{applicant}')
ON CONFLICT (login) DO NOTHING
