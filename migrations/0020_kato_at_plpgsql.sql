-- qala_kato_at as PL/pgSQL: the same query, but PL/pgSQL keeps its plan for the session, where a
-- SQL function with ORDER BY ... LIMIT (not inlinable) is planned again at every call of the
-- statement that calls it. Measured on the benchmark database (1,654 boundary parts): one call
-- 1.3-1.8 ms before, 0.35-0.65 ms after; 200 rows in one statement 71 ms before, 22 ms after. Every
-- feature insert (its trigger), every ingest's KATO assignment and every overlay report call it.
CREATE OR REPLACE FUNCTION qala_kato_at(g geometry) RETURNS char(9)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    IF g IS NULL OR ST_IsEmpty(g) THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT p.code FROM kato_boundary_parts p
            WHERE ST_Intersects(p.geom, qala_point_of(g))
            ORDER BY p.area_m2 ASC
            LIMIT 1);
END $$;
