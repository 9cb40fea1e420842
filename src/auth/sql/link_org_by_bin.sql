-- Links an account without an organisation to the organisation of a BIN (an EDS certificate of
-- that organisation); an account already in an organisation keeps it.
UPDATE users SET org_id = (SELECT id FROM organisations WHERE bin = $2), updated_at = now()
WHERE login = $1 AND org_id IS NULL AND EXISTS (SELECT 1 FROM organisations WHERE bin = $2)
