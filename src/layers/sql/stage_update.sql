-- Keyed load, step 1: features whose key is staged and whose content differs are updated (and
-- undeleted). $1 = layer, $2 = dataset. Returns the number updated.
WITH updated AS (
    UPDATE features f
    SET geom = s.geom, attrs = s.attrs, dataset_id = $2, deleted_at = NULL
    FROM ingest_stage s
    WHERE f.layer_id = $1 AND f.source_key = s.source_key
      AND (f.geom IS DISTINCT FROM s.geom OR f.attrs IS DISTINCT FROM s.attrs OR f.deleted_at IS NOT NULL)
    RETURNING 1
)
SELECT count(*) FROM updated
