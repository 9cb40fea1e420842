-- Spatial core: layer catalog, KATO classifier and boundaries, feature storage with history.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- The layer catalog, synced from layers/*.toml at start. `definition` is the whole validated file.
CREATE TABLE layers (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,39}$'),
    title_kk    text NOT NULL,
    title_ru    text NOT NULL,
    title_en    text NOT NULL,
    theme       text NOT NULL,
    geometry_type text NOT NULL,
    definition  jsonb NOT NULL,
    file_sha256 text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    synced_at   timestamptz NOT NULL DEFAULT now()
);

-- KATO: administrative-territorial units. Level and parent follow the code's shape (see kato.rs).
CREATE TABLE kato_units (
    code        char(9) PRIMARY KEY CHECK (code ~ '^[0-9]{9}$'),
    parent_code char(9) REFERENCES kato_units (code) DEFERRABLE INITIALLY DEFERRED,
    level       smallint NOT NULL CHECK (level BETWEEN 1 AND 4),
    name_ru     text NOT NULL,
    name_kk     text,
    name_en     text,
    source      text NOT NULL
);
CREATE INDEX kato_units_parent ON kato_units (parent_code);
CREATE INDEX kato_units_name_ru_trgm ON kato_units USING gin (lower(name_ru) gin_trgm_ops);
CREATE INDEX kato_units_name_kk_trgm ON kato_units USING gin (lower(name_kk) gin_trgm_ops);

CREATE TABLE kato_boundaries (
    code        char(9) PRIMARY KEY REFERENCES kato_units (code) ON DELETE CASCADE,
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    area_m2     double precision NOT NULL,
    source      text NOT NULL,
    synthetic   boolean NOT NULL DEFAULT false
);
CREATE INDEX kato_boundaries_geom ON kato_boundaries USING gist (geom);

-- Boundaries cut into small pieces (at most 128 vertices each), kept in step by a trigger: point
-- lookups then test a few small polygons instead of detoasting country-sized ones.
CREATE TABLE kato_boundary_parts (
    code        char(9) NOT NULL REFERENCES kato_boundaries (code) ON DELETE CASCADE,
    area_m2     double precision NOT NULL,
    geom        geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX kato_boundary_parts_geom ON kato_boundary_parts USING gist (geom);
CREATE INDEX kato_boundary_parts_code ON kato_boundary_parts (code);

CREATE FUNCTION qala_kato_boundary_parts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kato_boundary_parts WHERE code = NEW.code;
    INSERT INTO kato_boundary_parts (code, area_m2, geom)
    SELECT NEW.code, NEW.area_m2, (ST_Dump(ST_Subdivide(NEW.geom, 128))).geom;
    RETURN NULL;
END $$;
CREATE TRIGGER kato_boundaries_parts AFTER INSERT OR UPDATE ON kato_boundaries
    FOR EACH ROW EXECUTE FUNCTION qala_kato_boundary_parts();

-- The point a feature is placed by: the middle of the (first) line for lines, a point on the
-- surface otherwise (never on the boundary, unlike a line's end or vertex).
CREATE FUNCTION qala_point_of(g geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN ST_Dimension(g) = 1 THEN ST_LineInterpolatePoint(ST_GeometryN(g, 1), 0.5)
                ELSE ST_PointOnSurface(g) END
$$;

-- The smallest KATO unit whose boundary contains the point of `g` (qala_point_of).
CREATE FUNCTION qala_kato_at(g geometry) RETURNS char(9)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.code FROM kato_boundary_parts p
    WHERE g IS NOT NULL AND NOT ST_IsEmpty(g) AND ST_Intersects(p.geom, qala_point_of(g))
    ORDER BY p.area_m2 ASC
    LIMIT 1
$$;

-- Datasets: one row per import, with the source's metadata and the import's outcome.
CREATE TABLE datasets (
    id          bigserial PRIMARY KEY,
    layer_id    text NOT NULL REFERENCES layers (id),
    source_path text NOT NULL,
    source_sha256 text,
    driver      text NOT NULL,
    source_srs  text,
    options     jsonb NOT NULL DEFAULT '{}',
    metadata    jsonb NOT NULL DEFAULT '{}',
    summary     jsonb NOT NULL DEFAULT '{}',
    imported_by text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);

-- Features of every layer, one partition per layer (`features_<layer id>`, created by
-- qala_ensure_layer_partition when the catalog syncs: a new layer needs no migration). Geometry in
-- WGS84; attributes as JSON validated against the layer schema. Ids are unique across layers.
-- No foreign keys on the hot path: a row can only land in the partition of a catalogued layer, and
-- `dataset_id` is written by the loader from the `datasets` row of the same transaction.
CREATE SEQUENCE features_id_seq;
CREATE TABLE features (
    layer_id    text NOT NULL,
    id          bigint NOT NULL DEFAULT nextval('features_id_seq'),
    geom        geometry(Geometry, 4326) NOT NULL,
    attrs       jsonb NOT NULL DEFAULT '{}',
    kato        char(9),
    source_key  text,
    dataset_id  bigint,
    version     integer NOT NULL DEFAULT 1,
    created_by  text NOT NULL DEFAULT session_user,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text NOT NULL DEFAULT session_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_by  text,
    deleted_at  timestamptz,
    PRIMARY KEY (layer_id, id)
) PARTITION BY LIST (layer_id);
ALTER SEQUENCE features_id_seq OWNED BY features.id;
CREATE INDEX features_id ON features (id);
CREATE INDEX features_kato ON features (kato) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX features_layer_key ON features (layer_id, source_key) WHERE source_key IS NOT NULL;

-- Every change to a feature, written by triggers in the same transaction as the change itself,
-- whether it comes through Qala or straight through SQL (QGIS, psql).
CREATE TABLE feature_history (
    id          bigserial PRIMARY KEY,
    feature_id  bigint NOT NULL,
    layer_id    text NOT NULL,
    version     integer NOT NULL,
    op          text NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'restore')),
    changed_by  text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    attrs_before jsonb,
    attrs_after  jsonb,
    geom_before geometry(Geometry, 4326),
    geom_after  geometry(Geometry, 4326),
    kato_before char(9),
    kato_after  char(9)
);
CREATE INDEX feature_history_feature ON feature_history (feature_id, version);
CREATE INDEX feature_history_layer_time ON feature_history (layer_id, changed_at);

CREATE FUNCTION qala_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('qala.actor', true), ''), session_user::text)
$$;

-- Row trigger: version, audit columns and KATO on insert and on a change of geometry.
CREATE FUNCTION qala_features_before() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.version := 1;
        NEW.created_by := qala_actor();
        NEW.updated_by := NEW.created_by;
        NEW.created_at := now();
        NEW.updated_at := NEW.created_at;
        IF NEW.kato IS NULL THEN
            NEW.kato := qala_kato_at(NEW.geom);
        END IF;
        RETURN NEW;
    END IF;
    -- UPDATE: a row whose content did not change keeps its version.
    IF NEW.geom IS NOT DISTINCT FROM OLD.geom AND NEW.attrs IS NOT DISTINCT FROM OLD.attrs
       AND NEW.deleted_at IS NOT DISTINCT FROM OLD.deleted_at
       AND NEW.kato IS NOT DISTINCT FROM OLD.kato THEN
        RETURN NEW;
    END IF;
    IF NEW.geom IS DISTINCT FROM OLD.geom AND NEW.kato IS NOT DISTINCT FROM OLD.kato THEN
        NEW.kato := qala_kato_at(NEW.geom);
    END IF;
    NEW.version := OLD.version + 1;
    NEW.updated_by := qala_actor();
    NEW.updated_at := now();
    IF NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL THEN
        NEW.deleted_by := NEW.updated_by;
    ELSIF NEW.deleted_at IS NULL THEN
        NEW.deleted_by := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER features_before BEFORE INSERT OR UPDATE ON features
    FOR EACH ROW EXECUTE FUNCTION qala_features_before();

-- Statement triggers with transition tables: history for bulk writes costs one INSERT ... SELECT.
CREATE FUNCTION qala_features_history_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feature_history (feature_id, layer_id, version, op, changed_by, changed_at,
                                 attrs_after, geom_after, kato_after)
    SELECT n.id, n.layer_id, n.version, 'insert', n.created_by, n.created_at, n.attrs, n.geom, n.kato
    FROM new_rows n;
    RETURN NULL;
END $$;

CREATE FUNCTION qala_features_history_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feature_history (feature_id, layer_id, version, op, changed_by, changed_at,
                                 attrs_before, attrs_after, geom_before, geom_after, kato_before, kato_after)
    SELECT n.id, n.layer_id, n.version,
           CASE WHEN n.deleted_at IS NOT NULL AND o.deleted_at IS NULL THEN 'delete'
                WHEN n.deleted_at IS NULL AND o.deleted_at IS NOT NULL THEN 'restore'
                ELSE 'update' END,
           n.updated_by, n.updated_at, o.attrs, n.attrs, o.geom, n.geom, o.kato, n.kato
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.version <> o.version;
    RETURN NULL;
END $$;

-- A hard DELETE (e.g. from QGIS) is recorded too; Qala itself only soft-deletes.
CREATE FUNCTION qala_features_history_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feature_history (feature_id, layer_id, version, op, changed_by,
                                 attrs_before, geom_before, kato_before)
    SELECT o.id, o.layer_id, o.version + 1, 'delete', qala_actor(), o.attrs, o.geom, o.kato
    FROM old_rows o WHERE o.deleted_at IS NULL;
    RETURN NULL;
END $$;

-- History triggers on a table of features. Statement triggers fire only for the table a statement
-- names, so the parent and every partition (QGIS may edit `features_<layer>` directly) get them.
CREATE FUNCTION qala_attach_history_triggers(t regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE OR REPLACE TRIGGER history_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION qala_features_history_insert()', t);
    EXECUTE format('CREATE OR REPLACE TRIGGER history_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows
                    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION qala_features_history_update()', t);
    EXECUTE format('CREATE OR REPLACE TRIGGER history_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION qala_features_history_delete()', t);
END $$;
SELECT qala_attach_history_triggers('features');

-- The partition of a layer, its spatial index and its history triggers; idempotent.
CREATE FUNCTION qala_ensure_layer_partition(layer text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    part text := 'features_' || layer;
BEGIN
    IF layer !~ '^[a-z][a-z0-9_]{0,39}$' THEN
        RAISE EXCEPTION 'invalid layer id %', layer;
    END IF;
    IF to_regclass(part) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF features FOR VALUES IN (%L)', part, layer);
        PERFORM qala_attach_history_triggers(part::regclass);
    END IF;
    PERFORM qala_ensure_layer_index(layer);
END $$;

-- The spatial index of a layer's partition (live features only). Bulk loads drop it and call this
-- again afterwards, which builds it sorted in one pass.
CREATE FUNCTION qala_ensure_layer_index(layer text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING gist (geom) WHERE deleted_at IS NULL',
                   'features_' || layer || '_geom', 'features_' || layer);
END $$;
