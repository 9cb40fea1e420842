-- Moves staged rows into `features`. With a key, an existing feature of the same key is updated
-- (and undeleted) when something changed, and left alone otherwise. $1 = layer, $2 = dataset.
WITH written AS (
    INSERT INTO features (layer_id, geom, attrs, source_key, dataset_id)
    SELECT $1, ST_SetSRID(geom, 4326), attrs, source_key, $2 FROM ingest_stage
    ON CONFLICT (layer_id, source_key) WHERE source_key IS NOT NULL
    DO UPDATE SET geom = EXCLUDED.geom, attrs = EXCLUDED.attrs, dataset_id = EXCLUDED.dataset_id, deleted_at = NULL
    WHERE features.geom IS DISTINCT FROM EXCLUDED.geom
       OR features.attrs IS DISTINCT FROM EXCLUDED.attrs
       OR features.deleted_at IS NOT NULL
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
