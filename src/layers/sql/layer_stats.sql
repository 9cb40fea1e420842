-- Count, extent and last change of a layer's live features.
WITH e AS (
    SELECT count(*) AS n, ST_Extent(geom) AS box, max(updated_at) AS last
    FROM features WHERE layer_id = $1 AND deleted_at IS NULL
)
SELECT n, ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box), last FROM e
