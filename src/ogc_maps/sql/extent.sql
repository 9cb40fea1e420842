-- The planner's estimate of a layer's extent (cheap; NULL before the table is analysed): $1 the
-- partition's name. WGS84 (min lon, min lat, max lon, max lat).
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_EstimatedExtent('public', $1, 'geom') AS e) s
