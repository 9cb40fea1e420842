-- Fresh load: the history rows of every feature of the load table ({table}), as
-- qala_features_history_insert writes them for an INSERT.
INSERT INTO feature_history (feature_id, layer_id, version, op, changed_by, changed_at,
                             attrs_after, geom_after, kato_after)
SELECT id, layer_id, version, 'insert', created_by, created_at, attrs, geom, kato
FROM {table}
