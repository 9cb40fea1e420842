-- Registered DEMs for terrain tiles (tiles/terrain.rs). `file` is Qala's own EPSG:4326 GeoTIFF
-- copy in its data directory; `source` is where it was registered from.
CREATE TABLE dems (
    id            text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,39}$'),
    title         jsonb NOT NULL DEFAULT '{}',
    attribution   text NOT NULL DEFAULT '',
    file          text NOT NULL,
    source        text NOT NULL,
    bounds        float8[] NOT NULL CHECK (cardinality(bounds) = 4),
    cell_deg      float8 NOT NULL CHECK (cell_deg > 0),
    min_m         float8 NOT NULL,
    max_m         float8 NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);
