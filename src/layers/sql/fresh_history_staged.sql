-- Fresh load: the history rows of the features the database repaired ({table} = the load table,
-- $1 = their ids), as qala_features_history_insert writes them.
INSERT INTO feature_history (feature_id, layer_id, version, op, changed_by, changed_at,
                             attrs_after, geom_after, kato_after)
SELECT id, layer_id, version, 'insert', created_by, created_at, attrs, geom, kato
FROM {table} WHERE id = ANY($1)
ORDER BY id
