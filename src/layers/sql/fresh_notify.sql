-- Fresh load, once the load table is the layer's partition ({table}): one change notification for
-- the extent of the whole layer, as qala_features_notify_insert sends for a large insert. $1 = layer.
SELECT qala_notify_extents($1, ext) FROM (SELECT ST_Extent(geom) AS ext FROM {table}) s
WHERE ext IS NOT NULL
