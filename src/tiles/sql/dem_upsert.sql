-- Registers (or registers again) a DEM. $1 id, $2 title, $3 attribution, $4 file, $5 source,
-- $6 bounds, $7 cell size in degrees, $8 lowest and $9 highest height in metres.
INSERT INTO dems (id, title, attribution, file, source, bounds, cell_deg, min_m, max_m)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, attribution = EXCLUDED.attribution,
    file = EXCLUDED.file, source = EXCLUDED.source, bounds = EXCLUDED.bounds,
    cell_deg = EXCLUDED.cell_deg, min_m = EXCLUDED.min_m, max_m = EXCLUDED.max_m, registered_at = now()
RETURNING id, title, attribution, file, source, bounds, cell_deg, min_m, max_m, registered_at
