-- Staging table of one load; dropped at commit.
CREATE TEMP TABLE ingest_stage (
    row_no     bigint NOT NULL,
    source_key text,
    geom       geometry(Geometry, 4326),
    attrs      jsonb NOT NULL,
    repaired   boolean NOT NULL DEFAULT false,
    -- The row that first held this key, when the load knows it from rows kept outside the stage
    -- (fresh loads, fresh_load.rs); NULL otherwise, and the stage's own rows decide.
    first_row  bigint
) ON COMMIT DROP;
-- Filled by stage_kato.sql for large loads; empty otherwise.
CREATE TEMP TABLE ingest_kato (row_no bigint, code char(9)) ON COMMIT DROP
