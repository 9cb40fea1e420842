-- Bulk ingest (make bench-ingest, issue 18).
--
-- 1. qala_web_size as PL/pgSQL: the same computation (the larger side, in metres, of the feature's
-- box in Web Mercator), but a SQL function with a FROM clause cannot be inlined, and the generated
-- column `web_size` then ran it through the SQL-function executor for every inserted row. Measured
-- on 300,000 benchmark polygons (make bench-ingest): 4.0 s before, 1.0 s after, identical values.
-- Stored values do not change: the result is the same for every geometry.
CREATE OR REPLACE FUNCTION qala_web_size(g geometry) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    b geometry := ST_Transform(ST_Envelope(g), 3857);
BEGIN
    RETURN greatest(ST_XMax(b) - ST_XMin(b), ST_YMax(b) - ST_YMin(b));
END $$;

-- 2. Switches the row triggers of a layer's partition (features_before: version, audit columns,
-- KATO; features_owner_dept) off or on. A bulk load into a small layer (layers/store.rs), which
-- already holds the partition exclusively while its indexes are rebuilt, writes those columns
-- itself in one set-based INSERT (layers/sql/stage_insert_bulk.sql) and switches them back on in
-- the same transaction: 300,000 trigger calls cost 2.8 s of the benchmark's load. History and
-- notification (statement triggers) stay on.
CREATE FUNCTION qala_layer_row_triggers(layer text, enabled boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %I %s TRIGGER features_before, %s TRIGGER features_owner_dept',
                   'features_' || layer,
                   CASE WHEN enabled THEN 'ENABLE' ELSE 'DISABLE' END,
                   CASE WHEN enabled THEN 'ENABLE' ELSE 'DISABLE' END);
END $$;
