-- Attaches a boundary (any polygonal WKB, WGS84) to a KATO unit.
INSERT INTO kato_boundaries (code, geom, area_m2, source, synthetic)
SELECT $1, g, ST_Area(g::geography), $3, $4
FROM (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromWKB($2), 4326)), 3)) AS g) s
ON CONFLICT (code) DO UPDATE SET geom = EXCLUDED.geom, area_m2 = EXCLUDED.area_m2,
    source = EXCLUDED.source, synthetic = EXCLUDED.synthetic
