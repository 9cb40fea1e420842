-- Security incidents (SEC-1) raised from the event journal, the cursors of the detection pass and
-- of each forwarding sink, and the addresses each session or API token has been used from.

-- One incident per (rule, subject, window): a later event of the same burst adds evidence to it.
CREATE TABLE incidents (
    id          bigserial PRIMARY KEY,
    rule        text NOT NULL,
    subject     text NOT NULL,
    window_start timestamptz NOT NULL,
    severity    text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'closed')),
    -- The journal events behind it (ids of `events`), at most 50.
    evidence    bigint[] NOT NULL DEFAULT '{}',
    detail      jsonb NOT NULL DEFAULT '{}',
    raised_at   timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    -- The last state change: who, when, with what comment; `history` keeps every one.
    acted_by    text,
    acted_at    timestamptz,
    comment     text,
    history     jsonb NOT NULL DEFAULT '[]',
    UNIQUE (rule, subject, window_start)
);
CREATE INDEX incidents_state_raised ON incidents (state, raised_at DESC);
CREATE INDEX incidents_raised ON incidents (raised_at DESC);

-- `scan`: the last journal event examined; `forward:<sink>`: the last incident sent to a sink.
-- The row is locked (FOR UPDATE SKIP LOCKED) by the one server running that pass.
CREATE TABLE security_cursors (
    name        text PRIMARY KEY,
    last_id     bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Addresses a credential (the SHA-256 of a session or API token) was used from: at most a few per
-- credential (the least recently used is dropped), forgotten when unused for 90 days.
CREATE TABLE credential_addresses (
    credential  text NOT NULL,
    ip          text NOT NULL,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (credential, ip)
);
CREATE INDEX credential_addresses_last_seen ON credential_addresses (last_seen);

-- The pass starts after the journal as it is now: history before monitoring raises nothing.
INSERT INTO security_cursors (name, last_id) SELECT 'scan', coalesce(max(id), 0) FROM events;
