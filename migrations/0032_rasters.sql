-- Registered rasters (issue 17: orthophotos, scanned topographic surveys) shown under the vector
-- layers (rasters/). `file` is Qala's own EPSG:3857 Cloud-Optimised GeoTIFF, relative to the data
-- directory; `source_*` say what it was made from. Access follows the layers' rules: public, or
-- readable by the listed roles and organisations (administrators read every raster).
CREATE TABLE rasters (
    id            text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,39}$' AND id <> 'hillshade'),
    title_kk      text NOT NULL CHECK (length(title_kk) BETWEEN 1 AND 200),
    title_ru      text NOT NULL CHECK (length(title_ru) BETWEEN 1 AND 200),
    title_en      text NOT NULL CHECK (length(title_en) BETWEEN 1 AND 200),
    kind          text NOT NULL CHECK (kind IN ('orthophoto', 'survey', 'other')),
    public        boolean NOT NULL DEFAULT false,
    roles         text[] NOT NULL DEFAULT '{}',
    orgs          text[] NOT NULL DEFAULT '{}',
    file          text NOT NULL,
    source_name   text NOT NULL,
    source_sha256 text NOT NULL CHECK (source_sha256 ~ '^[0-9a-f]{64}$'),
    source_crs    text NOT NULL,
    bounds_4326   float8[] NOT NULL CHECK (cardinality(bounds_4326) = 4),
    bounds_3857   float8[] NOT NULL CHECK (cardinality(bounds_3857) = 4),
    resolution_m  float8 NOT NULL CHECK (resolution_m > 0),
    bands         integer NOT NULL CHECK (bands BETWEEN 1 AND 4),
    min_zoom      smallint NOT NULL CHECK (min_zoom BETWEEN 0 AND 24),
    max_zoom      smallint NOT NULL CHECK (max_zoom BETWEEN min_zoom AND 24),
    nodata        float8,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
