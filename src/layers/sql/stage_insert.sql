-- Inserts the staged rows as new features. $1 = layer, $2 = dataset, $3 = whether `ingest_kato`
-- holds precomputed KATO codes. Versions, history and the KATO codes not precomputed come from the
-- triggers on `features`.
INSERT INTO features (layer_id, geom, attrs, source_key, dataset_id, kato)
SELECT $1, s.geom, s.attrs, s.source_key, $2, k.code
FROM ingest_stage s LEFT JOIN ingest_kato k ON $3 AND k.row_no = s.row_no
ORDER BY s.row_no
