-- One unit with its boundary's bbox, when a boundary is attached.
SELECT u.code::text AS code, u.parent_code::text AS parent_code, u.level, u.name_ru, u.name_kk, u.name_en,
       ST_XMin(b.geom) AS xmin, ST_YMin(b.geom) AS ymin, ST_XMax(b.geom) AS xmax, ST_YMax(b.geom) AS ymax,
       b.synthetic
FROM kato_units u LEFT JOIN kato_boundaries b ON b.code = u.code
WHERE u.code = $1
