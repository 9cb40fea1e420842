-- Documents Qala issues (printed maps, object passports): a public record per file so that
-- anyone holding one can check it at /verify/{code} (the QR code on the document points there).

CREATE TABLE documents (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$'),
    kind        text NOT NULL CHECK (kind IN ('print', 'passport')),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes  bigint NOT NULL,
    title       text NOT NULL,
    -- What the document shows: paper, scale, CRS, layers; or the layer, feature and version.
    subject     jsonb NOT NULL,
    issuer      text,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    revoked_by  text,
    revoke_reason text
);
CREATE INDEX documents_sha256 ON documents (sha256);
CREATE INDEX documents_issued_at ON documents (issued_at);
