-- The ten most recent imports into a layer, as JSON.
SELECT jsonb_build_object(
    'id', id, 'source', source_path, 'driver', driver, 'source_srs', source_srs,
    'imported_by', imported_by, 'imported_at', imported_at, 'summary', summary, 'metadata', metadata)
FROM datasets WHERE layer_id = $1 ORDER BY imported_at DESC, id DESC LIMIT 10
