-- One document record by code.
SELECT code, kind, sha256, size_bytes, title, subject, issuer, issued_at, revoked_at, revoked_by, revoke_reason,
       issuer_org, issuer_unit
FROM documents WHERE code = $1
