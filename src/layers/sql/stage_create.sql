-- Staging table of one load; dropped at commit.
CREATE TEMP TABLE ingest_stage (
    row_no     bigint PRIMARY KEY,
    source_key text,
    geom       geometry,
    attrs      jsonb NOT NULL,
    repaired   boolean NOT NULL DEFAULT false
) ON COMMIT DROP
