-- The login of an Open311 API key (by its SHA-256): live, of an active user.
SELECT k.login
FROM open311_keys k JOIN users u ON u.login = k.login
WHERE k.key_sha256 = $1 AND k.revoked_at IS NULL AND u.status = 'active'
