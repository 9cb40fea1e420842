-- KATO codes for a large stage in one spatial join: boundary parts drive, staged points are probed
-- through an index, so each small part is prepared once and tested against many points (much
-- faster than one lookup per row). Same rule as qala_kato_at: the smallest unit containing the
-- feature's point (qala_point_of). The result is `ingest_kato (row_no, code)`, joined by the insert.
CREATE TEMP TABLE ingest_points ON COMMIT DROP AS
    SELECT row_no, qala_point_of(geom) AS pt FROM ingest_stage;
CREATE INDEX ON ingest_points USING gist (pt);
ANALYZE ingest_points;
CREATE TEMP TABLE ingest_kato ON COMMIT DROP AS
    SELECT DISTINCT ON (i.row_no) i.row_no, p.code
    FROM kato_boundary_parts p JOIN ingest_points i ON ST_Intersects(p.geom, i.pt)
    ORDER BY i.row_no, p.area_m2;
