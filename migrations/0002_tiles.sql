-- Vector tiles: features carry their Web Mercator geometry, and every change notifies the tile
-- cache of the extents it touched (old and new), whoever made it.
ALTER TABLE features
    ADD COLUMN geom_web geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED;

-- Sends `{"layer": id, "bbox": [xmin, ymin, xmax, ymax]}` (WGS84) on channel `qala_features` for
-- each changed row, or one union extent per layer when a statement changes more than 200 rows.
CREATE FUNCTION qala_notify_extents(layer_id text, extent box2d) RETURNS void LANGUAGE sql AS $$
    SELECT pg_notify('qala_features', json_build_object(
        'layer', layer_id,
        'bbox', json_build_array(ST_XMin(extent), ST_YMin(extent), ST_XMax(extent), ST_YMax(extent)))::text)
$$;

CREATE FUNCTION qala_features_notify_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qala_notify_extents(layer_id, ext) FROM (
        SELECT layer_id, ST_Extent(geom) AS ext FROM new_rows
        GROUP BY layer_id, CASE WHEN (SELECT count(*) FROM new_rows) > 200 THEN 0 ELSE id END) s;
    RETURN NULL;
END $$;

CREATE FUNCTION qala_features_notify_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qala_notify_extents(layer_id, ext) FROM (
        SELECT layer_id, ST_Extent(geom) AS ext
        FROM (SELECT id, layer_id, geom FROM old_rows UNION ALL SELECT id, layer_id, geom FROM new_rows) c
        GROUP BY layer_id, CASE WHEN (SELECT count(*) FROM new_rows) > 200 THEN 0 ELSE id END) s;
    RETURN NULL;
END $$;

CREATE FUNCTION qala_features_notify_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qala_notify_extents(layer_id, ext) FROM (
        SELECT layer_id, ST_Extent(geom) AS ext FROM old_rows
        GROUP BY layer_id, CASE WHEN (SELECT count(*) FROM old_rows) > 200 THEN 0 ELSE id END) s;
    RETURN NULL;
END $$;

-- History and notification triggers on a table of features (the parent and every partition).
CREATE OR REPLACE FUNCTION qala_attach_history_triggers(t regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE OR REPLACE TRIGGER history_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION qala_features_history_insert()', t);
    EXECUTE format('CREATE OR REPLACE TRIGGER history_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows
                    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION qala_features_history_update()', t);
    EXECUTE format('CREATE OR REPLACE TRIGGER history_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION qala_features_history_delete()', t);
    EXECUTE format('CREATE OR REPLACE TRIGGER notify_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION qala_features_notify_insert()', t);
    EXECUTE format('CREATE OR REPLACE TRIGGER notify_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows
                    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION qala_features_notify_update()', t);
    EXECUTE format('CREATE OR REPLACE TRIGGER notify_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION qala_features_notify_delete()', t);
END $$;

DO $$
DECLARE t regclass;
BEGIN
    PERFORM qala_attach_history_triggers('features');
    FOR t IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'features'::regclass LOOP
        PERFORM qala_attach_history_triggers(t);
    END LOOP;
END $$;
