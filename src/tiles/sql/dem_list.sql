-- Every registered DEM (tiles/terrain.rs), by id.
SELECT id, title, attribution, file, source, bounds, cell_deg, min_m, max_m, registered_at FROM dems ORDER BY id
