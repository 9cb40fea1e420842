-- Records a raster (rasters/store.rs); `$20` says whether an existing id is replaced. Returns the
-- id, or no row when it exists and may not be replaced. Caches hear of it on `qala_rasters`.
WITH saved AS (
    INSERT INTO rasters (id, title_kk, title_ru, title_en, kind, public, roles, orgs, file, source_name,
                         source_sha256, source_crs, bounds_4326, bounds_3857, resolution_m, bands,
                         min_zoom, max_zoom, nodata, created_by)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $21)
    ON CONFLICT (id) DO UPDATE SET
        title_kk = EXCLUDED.title_kk, title_ru = EXCLUDED.title_ru, title_en = EXCLUDED.title_en,
        kind = EXCLUDED.kind, public = EXCLUDED.public, roles = EXCLUDED.roles, orgs = EXCLUDED.orgs,
        file = EXCLUDED.file, source_name = EXCLUDED.source_name, source_sha256 = EXCLUDED.source_sha256,
        source_crs = EXCLUDED.source_crs, bounds_4326 = EXCLUDED.bounds_4326,
        bounds_3857 = EXCLUDED.bounds_3857, resolution_m = EXCLUDED.resolution_m, bands = EXCLUDED.bands,
        min_zoom = EXCLUDED.min_zoom, max_zoom = EXCLUDED.max_zoom, nodata = EXCLUDED.nodata,
        created_by = EXCLUDED.created_by, created_at = now()
    WHERE $20
    RETURNING id
)
SELECT id, pg_notify('qala_rasters', id) FROM saved
