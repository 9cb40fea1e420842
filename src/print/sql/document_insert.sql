-- Records an issued document. $1 code, $2 kind, $3 sha256, $4 size, $5 title, $6 subject,
-- $7 issuer (login, NULL for anonymous).
INSERT INTO documents (code, kind, sha256, size_bytes, title, subject, issuer)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING issued_at
