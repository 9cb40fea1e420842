-- Maintenance windows (ADM-2): announced at least three working days ahead, at most eight hours,
-- never overlapping (among those not cancelled). During one the server is read-only.
CREATE TABLE maintenance_windows (
    id           bigserial PRIMARY KEY,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    message_kk   text NOT NULL CHECK (length(message_kk) BETWEEN 1 AND 1000),
    message_ru   text NOT NULL CHECK (length(message_ru) BETWEEN 1 AND 1000),
    message_en   text NOT NULL CHECK (length(message_en) BETWEEN 1 AND 1000),
    announced_at timestamptz NOT NULL,
    announced_by text NOT NULL,
    cancelled_at timestamptz,
    cancelled_by text,
    CONSTRAINT maintenance_windows_length CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '8 hours'),
    CONSTRAINT maintenance_windows_no_overlap
        EXCLUDE USING gist (tstzrange(starts_at, ends_at) WITH &&) WHERE (cancelled_at IS NULL)
);

CREATE INDEX maintenance_windows_open ON maintenance_windows (ends_at) WHERE cancelled_at IS NULL;
