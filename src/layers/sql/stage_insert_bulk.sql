-- Inserts the staged rows as new features with the partition's row triggers switched off
-- (qala_layer_row_triggers): the columns they set are written here, set-based, the same way
-- (qala_features_before: version 1, author and time, KATO by qala_kato_at when not precomputed;
-- qala_features_owner_dept: the session's department). $1 = layer, $2 = dataset, $3 = whether
-- `ingest_kato` holds precomputed KATO codes. History and notifications come from the statement
-- triggers, as for stage_insert.sql.
INSERT INTO features (layer_id, geom, attrs, source_key, dataset_id, kato, version,
                      created_by, created_at, updated_by, updated_at, owner_dept)
SELECT $1, s.geom, s.attrs, s.source_key, $2, coalesce(k.code, qala_kato_at(s.geom)), 1,
       a.actor, now(), a.actor, now(), nullif(current_setting('qala.dept', true), '')
FROM ingest_stage s
    LEFT JOIN ingest_kato k ON $3 AND k.row_no = s.row_no
    CROSS JOIN (SELECT qala_actor() AS actor) a
ORDER BY s.row_no
