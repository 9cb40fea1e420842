-- Removes a raster's registration (rasters/store.rs), returning its file; caches hear of it.
WITH gone AS (DELETE FROM rasters WHERE id = $1 RETURNING id, file)
SELECT file, pg_notify('qala_rasters', id) FROM gone
