-- Revokes a document. $1 code, $2 who, $3 reason. Returns the record after the change, nothing
-- when no document has the code; a second revocation keeps the first's time, author and reason.
UPDATE documents SET revoked_at = COALESCE(revoked_at, now()), revoked_by = COALESCE(revoked_by, $2),
       revoke_reason = COALESCE(revoke_reason, $3)
WHERE code = $1
RETURNING code, kind, sha256, size_bytes, title, subject, issuer, issued_at, revoked_at, revoked_by, revoke_reason,
          issuer_org, issuer_unit
