-- Size of a feature on a Web Mercator map (the larger side of its box, metres), so that tiles can
-- skip features below a pixel through the index instead of reading them: each layer's spatial
-- index is on (geom_web, web_size), and GiST prunes whole branches of small features.
CREATE FUNCTION qala_web_size(g geometry) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT greatest(ST_XMax(b) - ST_XMin(b), ST_YMax(b) - ST_YMin(b))
    FROM (SELECT ST_Transform(ST_Envelope(g), 3857) AS b) s
$$;

ALTER TABLE features ADD COLUMN web_size double precision GENERATED ALWAYS AS (qala_web_size(geom)) STORED;

CREATE OR REPLACE FUNCTION qala_ensure_layer_index(layer text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom) WHERE deleted_at IS NULL',
                   'features_' || layer || '_geom', 'features_' || layer);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom_web, web_size) WHERE deleted_at IS NULL',
                   'features_' || layer || '_web', 'features_' || layer);
END $$;

DO $$
DECLARE l text;
BEGIN
    FOR l IN SELECT substr(inhrelid::regclass::text, 10) FROM pg_inherits WHERE inhparent = 'features'::regclass LOOP
        PERFORM qala_ensure_layer_index(l);
    END LOOP;
END $$;
