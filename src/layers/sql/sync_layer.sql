-- Upserts one layer of the catalog. Returns whether the row was inserted and whether it changed.
INSERT INTO layers (id, title_kk, title_ru, title_en, theme, geometry_type, definition, file_sha256, active, synced_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, now())
ON CONFLICT (id) DO UPDATE SET
    title_kk = EXCLUDED.title_kk, title_ru = EXCLUDED.title_ru, title_en = EXCLUDED.title_en,
    theme = EXCLUDED.theme, geometry_type = EXCLUDED.geometry_type, definition = EXCLUDED.definition,
    file_sha256 = EXCLUDED.file_sha256, active = true, synced_at = now()
WHERE layers.file_sha256 IS DISTINCT FROM EXCLUDED.file_sha256 OR NOT layers.active
RETURNING (xmax = 0) AS inserted
