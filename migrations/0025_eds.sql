-- Issue 15: sign-in with NCA EDS and documents signed by their parties.

-- An organisation's BIN (business identification number): a user whose EDS certificate carries
-- this BIN (`OU=BIN…`) is linked to the organisation.
ALTER TABLE organisations ADD COLUMN bin char(12) UNIQUE CHECK (bin ~ '^[0-9]{12}$');

-- One-time challenges of the EDS sign-in: only their SHA-256 is kept; each is used once.
CREATE TABLE eds_challenges (
    sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX eds_challenges_expires ON eds_challenges (expires_at);

-- The bytes of a document that its parties sign (a detached CMS is over exactly these bytes).
CREATE TABLE document_contents (
    code        text PRIMARY KEY REFERENCES documents (code) ON DELETE CASCADE,
    content     bytea NOT NULL CHECK (octet_length(content) <= 52428800),
    -- Who must sign: [{"party": "applicant"|"provider", "iin"?: "...", "bin"?: "...", "org"?: "..."}].
    parties     jsonb NOT NULL DEFAULT '[]'::jsonb,
    -- The application the document belongs to (who may read and sign it follows from it).
    application_id bigint,
    stored_at   timestamptz NOT NULL DEFAULT now()
);

-- A signature of a document by one of its parties: the CMS as received and what was found in it.
CREATE TABLE document_signatures (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL REFERENCES documents (code) ON DELETE CASCADE,
    party       text NOT NULL CHECK (party IN ('applicant', 'provider')),
    signer_login text NOT NULL,
    signer_iin  char(12),
    signer_bin  char(12),
    signer_name text NOT NULL DEFAULT '',
    organisation text,
    certificate_serial text NOT NULL,
    certificate_issuer text NOT NULL,
    algorithm   text NOT NULL,
    cms         bytea NOT NULL CHECK (octet_length(cms) <= 1048576),
    signing_time timestamptz,
    received_at timestamptz NOT NULL,
    verdict     jsonb NOT NULL,
    UNIQUE (code, party)
);
CREATE INDEX document_signatures_code ON document_signatures (code);

