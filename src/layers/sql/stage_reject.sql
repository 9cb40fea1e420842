-- Removes rows that cannot be loaded and says why. $1 = layer dimension (0, 1, 2). A key repeats
-- the first row that held it (`first_row` when the load knows it, else the stage's lowest row).
-- Repeated keys are grouped byte-wise (COLLATE "C"): the same groups as the database collation
-- (deterministic: equal only when the bytes are), without its locale-aware sort of every key.
DELETE FROM ingest_stage s
USING (
    SELECT row_no,
        CASE
            WHEN geom IS NULL OR ST_IsEmpty(geom) THEN
                CASE WHEN repaired THEN 'geometry is empty after repair' ELSE 'geometry is empty' END
            WHEN ST_XMin(geom) < -180 OR ST_XMax(geom) > 180 OR ST_YMin(geom) < -90 OR ST_YMax(geom) > 90 THEN
                'coordinates outside longitude/latitude range after reprojection (wrong --srs?)'
            WHEN ST_Dimension(geom) <> $1 THEN
                'geometry is ' || GeometryType(geom) || ', the layer holds ' ||
                CASE $1 WHEN 0 THEN 'points' WHEN 1 THEN 'lines' ELSE 'polygons' END
            WHEN source_key IS NOT NULL
                 AND row_no <> coalesce(first_row, min(row_no) OVER (PARTITION BY source_key COLLATE "C")) THEN
                'key `' || source_key || '` repeats row '
                    || coalesce(first_row, min(row_no) OVER (PARTITION BY source_key COLLATE "C"))
        END AS reason
    FROM ingest_stage
) r
WHERE s.row_no = r.row_no AND r.reason IS NOT NULL
RETURNING s.row_no, r.reason
