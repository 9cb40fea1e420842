-- Repairs invalid geometries in place (keeping only parts of the layer's dimension, $1 = 0, 1, 2).
-- The caller silences ST_IsValid's notices (client_min_messages).
UPDATE ingest_stage
SET geom = ST_CollectionExtract(ST_MakeValid(geom), $1 + 1), repaired = true
WHERE NOT ST_IsValid(geom)
RETURNING row_no
