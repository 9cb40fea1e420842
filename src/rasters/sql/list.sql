-- Every registered raster (rasters/store.rs), by id.
SELECT id, title_kk, title_ru, title_en, kind, public, roles, orgs, file, source_name, source_sha256,
       source_crs, bounds_4326, bounds_3857, resolution_m, bands, min_zoom, max_zoom, nodata,
       created_by, created_at
FROM rasters ORDER BY id
