-- Records an issued document. $1 code, $2 kind, $3 sha256, $4 size, $5 title, $6 subject,
-- $7 issuer (login, NULL for anonymous), $8 issued at (the moment printed in the document),
-- $9 the issuer's organisation id, $10 its organisation and department as shown publicly,
-- $11 the content key (passports; NULL otherwise). Returns the code, nothing when a live record
-- of the same content exists already.
INSERT INTO documents (code, kind, sha256, size_bytes, title, subject, issuer, issued_at, issuer_org,
                       issuer_unit, content_key)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (content_key) WHERE content_key IS NOT NULL AND revoked_at IS NULL DO NOTHING
RETURNING code
