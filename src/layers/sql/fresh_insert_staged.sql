-- Fresh load: the staged rows the database repaired and kept (stage_repair.sql, stage_reject.sql)
-- join the load table, with their KATO code by qala_kato_at. {table} = the load table; $1 = layer,
-- $2 = dataset, $3 = author, $4 = time of the load, $5 = owning department.
INSERT INTO {table} (layer_id, geom, attrs, source_key, dataset_id, kato, version,
                     created_by, created_at, updated_by, updated_at, owner_dept)
SELECT $1, s.geom, s.attrs, s.source_key, $2, qala_kato_at(s.geom), 1, $3, $4::timestamptz, $3, $4::timestamptz, $5
FROM ingest_stage s
ORDER BY s.row_no
