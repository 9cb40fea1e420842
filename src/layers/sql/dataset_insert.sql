-- Records an import and the source's metadata.
INSERT INTO datasets (layer_id, source_path, source_sha256, driver, source_srs, options, metadata, imported_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id
