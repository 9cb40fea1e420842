-- Loads into an empty layer (issue 18, make bench-ingest): a large import into a layer that holds
-- nothing yet is written into a table beside the layer's partition (`qala_load_<layer>`, plain
-- COPY, no index to maintain row by row), its indexes are built afterwards on two connections at
-- once, and the table then replaces the empty partition (layers/fresh_load.rs). The partition is
-- locked against writes for the whole load, so it is still empty when it is replaced.

-- The statements that build the spatial and search indexes of `layer` on table `tbl`, named
-- `<tbl>_geom`, `<tbl>_web`, ... (the partition's own indexes, not the parent's).
CREATE FUNCTION qala_layer_index_ddl(layer text, tbl text) RETURNS SETOF text
LANGUAGE plpgsql STABLE AS $$
DECLARE a text;
BEGIN
    RETURN NEXT format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom) WHERE deleted_at IS NULL',
                       tbl || '_geom', tbl);
    RETURN NEXT format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom_web, web_size) WHERE deleted_at IS NULL',
                       tbl || '_web', tbl);
    RETURN NEXT format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom_web) WHERE deleted_at IS NULL',
                       tbl || '_web1', tbl);
    IF EXISTS (SELECT 1 FROM layers WHERE id = layer AND geometry_type = 'point') THEN
        RETURN NEXT format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom_web, qala_point_rank(id)) WHERE deleted_at IS NULL',
                           tbl || '_webrank', tbl);
    END IF;
    FOR a IN SELECT e->>'name' FROM layers l, jsonb_array_elements(l.definition->'attributes') e
             WHERE l.id = layer AND e->>'name' IN ('name', 'name_ru', 'name_kk', 'name_en', 'street') LOOP
        RETURN NEXT format('CREATE INDEX IF NOT EXISTS %I ON %I USING gin (lower(attrs->>%L) gin_trgm_ops) WHERE deleted_at IS NULL',
                           tbl || '_t' || substr(md5(a), 1, 8), tbl, a);
    END LOOP;
END $$;

-- The same indexes as before, now from the one list above.
CREATE OR REPLACE FUNCTION qala_ensure_layer_index(layer text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
    FOR s IN SELECT qala_layer_index_ddl(layer, 'features_' || layer) LOOP
        EXECUTE s;
    END LOOP;
END $$;

-- The statements that give table `tbl` the indexes of the parent `features` (primary key, id,
-- KATO, source key), so that ATTACH PARTITION adopts them instead of building them again. The
-- primary key is built as a unique index (a SHARE lock, so it builds beside the others) and becomes
-- the constraint in qala_swap_in_load_table.
CREATE FUNCTION qala_parent_index_ddl(tbl text) RETURNS SETOF text LANGUAGE sql STABLE AS $$
    SELECT regexp_replace(pg_get_indexdef(x.indexrelid), '^CREATE (UNIQUE )?INDEX \S+ ON ONLY \S+ ',
                          format('CREATE \1INDEX %I ON %I ', tbl || substr(i.relname, 9), tbl))
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    WHERE x.indrelid = 'features'::regclass
$$;

-- A fresh, empty load table for `layer`, shaped like `features` (defaults and generated columns
-- included) and already holding the partition's constraint, so that attaching it scans nothing.
-- A table left by a load that crashed is dropped first. Returns the table's name.
CREATE FUNCTION qala_create_load_table(layer text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE tbl text := 'qala_load_' || layer;
BEGIN
    IF layer !~ '^[a-z][a-z0-9_]{0,39}$' THEN
        RAISE EXCEPTION 'invalid layer id %', layer;
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS %I', tbl);
    EXECUTE format('CREATE TABLE %I (LIKE features INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING STORAGE
                    INCLUDING COMPRESSION, CONSTRAINT %I CHECK (layer_id = %L))', tbl, tbl || '_layer', layer);
    RETURN tbl;
END $$;

-- Replaces the (empty) partition of `layer` by its load table: detach and drop the old one, rename
-- the load table and its indexes to the partition's names, attach it (the parent's row triggers
-- are cloned onto it), and give it the statement triggers of history and notification. Needs a
-- moment's ACCESS EXCLUSIVE lock on `features`; the caller bounds the wait with lock_timeout.
CREATE FUNCTION qala_swap_in_load_table(layer text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    part text := 'features_' || layer;
    tbl text := 'qala_load_' || layer;
    i text;
    kind text;
    held boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', part) INTO held;
    IF held THEN
        RAISE EXCEPTION 'layer % is no longer empty: its load cannot replace it', layer;
    END IF;
    EXECUTE format('ALTER TABLE features DETACH PARTITION %I', part);
    EXECUTE format('DROP TABLE %I', part);
    EXECUTE format('ALTER TABLE %I RENAME TO %I', tbl, part);
    FOR i IN SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
             WHERE x.indrelid = part::regclass AND starts_with(c.relname, tbl) LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', i, part || substr(i, length(tbl) + 1));
    END LOOP;
    -- The parent's primary key (and any unique constraint) from the unique index built for it.
    FOR i, kind IN SELECT part || substr(x.relname, 9), CASE c.contype WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END
                   FROM pg_constraint c JOIN pg_class x ON x.oid = c.conindid
                   WHERE c.conrelid = 'features'::regclass AND c.contype IN ('p', 'u') LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s USING INDEX %I', part, i, kind, i);
    END LOOP;
    EXECUTE format('ALTER TABLE features ATTACH PARTITION %I FOR VALUES IN (%L)', part, layer);
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, tbl || '_layer');
    PERFORM qala_attach_history_triggers(part::regclass);
END $$;
