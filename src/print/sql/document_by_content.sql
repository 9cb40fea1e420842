-- The live (not revoked) record of a document of the same content. $1 content key.
SELECT code, kind, sha256, size_bytes, title, subject, issuer, issued_at, revoked_at, revoked_by, revoke_reason,
       issuer_org, issuer_unit
FROM documents WHERE content_key = $1 AND revoked_at IS NULL
