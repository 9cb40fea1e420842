-- One live feature for its passport: attributes, version, last change, KATO unit, geometry
-- extent (WGS84), area (m², polygons) and length (m, lines) on the ellipsoid. $1 layer, $2 id.
SELECT f.attrs, f.version, f.updated_at, f.updated_by, f.kato, k.name_kk, k.name_ru, k.name_en,
       ST_XMin(f.geom), ST_YMin(f.geom), ST_XMax(f.geom), ST_YMax(f.geom),
       CASE WHEN ST_Dimension(f.geom) = 2 THEN ST_Area(f.geom::geography) END,
       CASE WHEN ST_Dimension(f.geom) = 1 THEN ST_Length(f.geom::geography) END,
       ST_X(ST_PointOnSurface(f.geom)), ST_Y(ST_PointOnSurface(f.geom))
FROM features f
LEFT JOIN kato_units k ON k.code = f.kato
WHERE f.layer_id = $1 AND f.id = $2 AND f.deleted_at IS NULL
