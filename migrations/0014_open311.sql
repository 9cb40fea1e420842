-- Open311 GeoReport v2 (`/open311/v2`): API keys of the clients that post requests. A key acts as
-- its user, the applicant of record of what it posts. Only the key's SHA-256 is stored.
CREATE TABLE open311_keys (
    key_sha256  text PRIMARY KEY CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
    login       text NOT NULL REFERENCES users (login) ON UPDATE CASCADE ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX open311_keys_login ON open311_keys (login);
