-- Trigram indexes for /api/search (layers/search.rs): on lower(attrs->>a) of every searchable
-- attribute a layer declares (name, name_ru, name_kk, name_en, street), so that a typo-tolerant
-- `<%` match is an index scan however large the layer. Named features_<layer>_t<md5 of the
-- attribute> (within PostgreSQL's 63 bytes). Bulk loads drop every index of the partition with
-- qala_drop_layer_indexes and rebuild them with qala_ensure_layer_index.
CREATE OR REPLACE FUNCTION qala_ensure_layer_index(layer text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE a text;
BEGIN
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom) WHERE deleted_at IS NULL',
                   'features_' || layer || '_geom', 'features_' || layer);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom_web, web_size) WHERE deleted_at IS NULL',
                   'features_' || layer || '_web', 'features_' || layer);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom_web) WHERE deleted_at IS NULL',
                   'features_' || layer || '_web1', 'features_' || layer);
    FOR a IN SELECT e->>'name' FROM layers l, jsonb_array_elements(l.definition->'attributes') e
             WHERE l.id = layer AND e->>'name' IN ('name', 'name_ru', 'name_kk', 'name_en', 'street') LOOP
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gin (lower(attrs->>%L) gin_trgm_ops) WHERE deleted_at IS NULL',
                       'features_' || layer || '_t' || substr(md5(a), 1, 8), 'features_' || layer, a);
    END LOOP;
END $$;

-- Drops the secondary indexes of a layer's partition (not its primary key) before a bulk load.
CREATE OR REPLACE FUNCTION qala_drop_layer_indexes(layer text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE i text;
BEGIN
    FOR i IN SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
             WHERE x.indrelid = ('features_' || layer)::regclass AND NOT x.indisprimary
               AND (c.relname LIKE 'features\_' || layer || '\_geom' OR c.relname LIKE 'features\_' || layer || '\_web%'
                    OR c.relname LIKE 'features\_' || layer || '\_t%') LOOP
        EXECUTE format('DROP INDEX IF EXISTS %I', i);
    END LOOP;
END $$;

DO $$
DECLARE l text;
BEGIN
    FOR l IN SELECT substr(inhrelid::regclass::text, 10) FROM pg_inherits WHERE inhparent = 'features'::regclass LOOP
        PERFORM qala_ensure_layer_index(l);
    END LOOP;
END $$;

-- KATO search (kato/sql/search.sql) ORs Russian, Kazakh and English names: all three need an index.
CREATE INDEX IF NOT EXISTS kato_units_name_en_trgm ON kato_units USING gin (lower(coalesce(name_en, '')) gin_trgm_ops);
