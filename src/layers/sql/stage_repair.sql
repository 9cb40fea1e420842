-- Repairs invalid geometries in place (keeping only parts of the layer's dimension, $1 = 0, 1, 2).
UPDATE ingest_stage
SET geom = ST_CollectionExtract(ST_MakeValid(geom), $1 + 1), repaired = true
WHERE NOT (ST_IsValidDetail(geom)).valid
RETURNING row_no
