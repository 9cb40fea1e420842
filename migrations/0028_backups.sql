-- Base backups of Qala's own cluster (src/backup/): one row per backup, also written as
-- `<data-dir>/backups/base/<id>/manifest.json` (this table is lost with the cluster; a restore
-- reads the manifests on disk).
CREATE TABLE backups (
    id            text PRIMARY KEY CHECK (id ~ '^[0-9]{8}T[0-9]{6}Z$'),
    -- running, done, failed
    state         text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    requested_by  text,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    wal_start_lsn text,
    wal_end_lsn   text,
    size_bytes    bigint,
    error         text,
    verified_at   timestamptz,
    -- ok or failed; what was compared in verification
    verify_result text CHECK (verify_result IN ('ok', 'failed')),
    verification  jsonb
);
CREATE INDEX backups_verified ON backups (verified_at DESC) WHERE verify_result = 'ok';
