-- One live feature of a layer as a GeoJSON Feature, with its KATO unit's names. $1 layer, $2 id.
SELECT json_build_object(
    'type', 'Feature',
    'id', f.id,
    'geometry', ST_AsGeoJSON(f.geom, 7)::json,
    'properties', f.attrs,
    'kato', json_build_object('code', f.kato, 'name_ru', k.name_ru, 'name_kk', k.name_kk, 'name_en', k.name_en),
    'version', f.version,
    'updated_at', f.updated_at
)::jsonb
FROM features f
LEFT JOIN kato_units k ON k.code = f.kato
WHERE f.layer_id = $1 AND f.id = $2 AND f.deleted_at IS NULL
