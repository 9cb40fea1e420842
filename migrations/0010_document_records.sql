-- Issue 12: public document records name the issuing organisation and department, never the
-- staff login (`issuer` stays for those the access policy lets see it); a passport is recorded
-- once per content (object version, language, what the caller sees, who issues it).

ALTER TABLE documents
    ADD COLUMN issuer_org  text,
    ADD COLUMN issuer_unit text,
    ADD COLUMN content_key text CHECK (content_key ~ '^[0-9a-f]{64}$');

-- One live record per content: a second request for the same content gets the same record; a
-- revoked record no longer stands in the way of a new one.
CREATE UNIQUE INDEX documents_content_key ON documents (content_key)
    WHERE content_key IS NOT NULL AND revoked_at IS NULL;
