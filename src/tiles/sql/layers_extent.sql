-- The WGS84 extent of the live features of some layers ($1, ids).
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(geom) AS e FROM features WHERE layer_id = ANY($1) AND deleted_at IS NULL) s
