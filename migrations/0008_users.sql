-- Users, organisations, departments, sessions, API tokens, layer grants, the event journal,
-- attachments, and the department that owns a feature (for layers restricted per feature).

CREATE TABLE organisations (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_-]{0,62}$'),
    name        text NOT NULL
);

CREATE TABLE departments (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_-]{0,62}$'),
    org_id      text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name        text NOT NULL
);

CREATE TABLE users (
    id          bigserial PRIMARY KEY,
    login       text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._@-]{1,63}$'),
    password_hash text NOT NULL,
    full_name   text NOT NULL DEFAULT '',
    iin         char(12) CHECK (iin ~ '^[0-9]{12}$'),
    org_id      text REFERENCES organisations (id) ON DELETE SET NULL,
    dept_id     text REFERENCES departments (id) ON DELETE SET NULL,
    lang        text NOT NULL DEFAULT 'ru' CHECK (lang IN ('kk', 'ru', 'en')),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
    roles       text[] NOT NULL DEFAULT '{viewer}',
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A session: the cookie holds a random token; only its SHA-256 is stored. Writes through a session
-- must carry its CSRF token.
CREATE TABLE sessions (
    token_sha256 text PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ip          text,
    user_agent  text
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen);

-- API tokens for QGIS, GDAL and scripts (`Authorization: Bearer qala_...`), stored hashed.
CREATE TABLE api_tokens (
    id          bigserial PRIMARY KEY,
    token_sha256 text NOT NULL UNIQUE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    last_used   timestamptz
);

-- Read or write on a layer for a role, an organisation, a department or one user, optionally until
-- a moment (the grant then stops by itself: the policy compares with the clock).
CREATE TABLE layer_grants (
    id          bigserial PRIMARY KEY,
    layer_id    text NOT NULL REFERENCES layers (id) ON DELETE CASCADE,
    grantee_kind text NOT NULL CHECK (grantee_kind IN ('role', 'org', 'dept', 'user')),
    grantee     text NOT NULL,
    access      text NOT NULL CHECK (access IN ('read', 'write')),
    valid_until timestamptz,
    granted_by  text NOT NULL,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (layer_id, grantee_kind, grantee)
);

-- The event journal (SEC-1): logins and failures, refusals, admin changes, edits.
CREATE TABLE events (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL,
    actor       text,
    ip          text,
    target      text,
    outcome     text NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX events_at ON events (at DESC);
CREATE INDEX events_kind_at ON events (kind, at DESC);
CREATE INDEX events_actor_at ON events (actor, at DESC);

-- Files attached to features, stored content-addressed under <data-dir>/attachments/.
CREATE TABLE attachments (
    id          bigserial PRIMARY KEY,
    layer_id    text NOT NULL,
    feature_id  bigint NOT NULL,
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    file_name   text NOT NULL,
    media_type  text NOT NULL,
    size_bytes  bigint NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_by  text,
    deleted_at  timestamptz
);
CREATE INDEX attachments_feature ON attachments (layer_id, feature_id) WHERE deleted_at IS NULL;
CREATE INDEX attachments_sha ON attachments (sha256);

-- The department a feature belongs to: its creator's (set from `qala.dept`), used by layers whose
-- features are visible per department.
ALTER TABLE features ADD COLUMN owner_dept text;

CREATE FUNCTION qala_features_owner_dept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.owner_dept IS NULL THEN
        NEW.owner_dept := nullif(current_setting('qala.dept', true), '');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER features_owner_dept BEFORE INSERT ON features
    FOR EACH ROW EXECUTE FUNCTION qala_features_owner_dept();

-- The history of a feature by time (`?at=`).
CREATE INDEX feature_history_feature_time ON feature_history (feature_id, changed_at);
