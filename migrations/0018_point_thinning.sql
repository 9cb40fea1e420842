-- Thinning of point layers at low zooms, as tippecanoe's drop rate does: every point has a fixed
-- pseudo-random rank 0-255 (a hash of its id, so the same point stays on the map from one zoom to
-- the next and after a restart), and a tile below zoom 14 keeps the ranks under 256 / 2^(14 - z):
-- half the points at z13, a sixteenth at z10 (tiles/mod.rs, `point_rank_below`). A composite
-- index (geom_web, rank) of each point layer lets the tile read only those rows: a z10 tile of
-- 100,000 applications read 75,000 rows before (benches/RESULTS.md). The one-point-per-pixel rule
-- still applies to what is left.
CREATE FUNCTION qala_point_rank(id bigint) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT hashint8(id) & 255 $$;

CREATE OR REPLACE FUNCTION qala_ensure_layer_index(layer text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE a text;
BEGIN
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom) WHERE deleted_at IS NULL',
                   'features_' || layer || '_geom', 'features_' || layer);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom_web, web_size) WHERE deleted_at IS NULL',
                   'features_' || layer || '_web', 'features_' || layer);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom_web) WHERE deleted_at IS NULL',
                   'features_' || layer || '_web1', 'features_' || layer);
    IF EXISTS (SELECT 1 FROM layers WHERE id = layer AND geometry_type = 'point') THEN
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom_web, qala_point_rank(id)) WHERE deleted_at IS NULL',
                       'features_' || layer || '_webrank', 'features_' || layer);
    END IF;
    FOR a IN SELECT e->>'name' FROM layers l, jsonb_array_elements(l.definition->'attributes') e
             WHERE l.id = layer AND e->>'name' IN ('name', 'name_ru', 'name_kk', 'name_en', 'street') LOOP
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gin (lower(attrs->>%L) gin_trgm_ops) WHERE deleted_at IS NULL',
                       'features_' || layer || '_t' || substr(md5(a), 1, 8), 'features_' || layer, a);
    END LOOP;
END $$;

DO $$
DECLARE l text;
BEGIN
    FOR l IN SELECT id FROM layers WHERE geometry_type = 'point' AND to_regclass('features_' || id) IS NOT NULL LOOP
        PERFORM qala_ensure_layer_index(l);
    END LOOP;
END $$;
