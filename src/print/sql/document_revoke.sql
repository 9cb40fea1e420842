-- Revokes a document. $1 code, $2 who, $3 reason. Returns nothing when it does not exist.
UPDATE documents SET revoked_at = COALESCE(revoked_at, now()), revoked_by = COALESCE(revoked_by, $2),
       revoke_reason = COALESCE(revoke_reason, $3)
WHERE code = $1
RETURNING code
