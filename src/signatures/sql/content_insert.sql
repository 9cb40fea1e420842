-- Keeps the bytes of a document its parties sign; the first bytes stored for a code or an
-- application stay (a signature made over them must keep checking).
INSERT INTO document_contents (code, content, parties, application_id)
VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
