-- Keyed load, step 2: staged rows whose key is stored (updated or unchanged) leave the stage; what
-- remains is new. $1 = layer. Returns the number removed.
WITH known AS (
    DELETE FROM ingest_stage s USING features f
    WHERE f.layer_id = $1 AND f.source_key = s.source_key
    RETURNING 1
)
SELECT count(*) FROM known
