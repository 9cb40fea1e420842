-- Addresses (street and house number) in one layer's partition `{table}`: the street attribute
-- $4 resembles the lower-cased street $1 (pg_trgm word similarity at least $5) and the house number
-- attribute $6 starts with the lower-cased $2 (LIKE-escaped); an exact house number ranks first.
-- $3 limit.
SELECT f.id::text AS id, f.attrs->>$4 AS street, f.attrs->>$6 AS house,
       (word_similarity($1, lower(f.attrs->>$4))
        + CASE WHEN lower(f.attrs->>$6) = $7 THEN 1 ELSE 0.5 END)::real AS score,
       k.name_ru, k.name_kk, k.name_en,
       ST_X(p.c) AS lon, ST_Y(p.c) AS lat,
       ST_XMin(f.geom) AS xmin, ST_YMin(f.geom) AS ymin, ST_XMax(f.geom) AS xmax, ST_YMax(f.geom) AS ymax
FROM {table} f
CROSS JOIN LATERAL (SELECT ST_PointOnSurface(f.geom) AS c) p
LEFT JOIN kato_units k ON k.code = f.kato
WHERE f.deleted_at IS NULL
  AND lower(f.attrs->>$6) LIKE $2 || '%'
  AND word_similarity($1, lower(f.attrs->>$4)) >= $5
ORDER BY score DESC, f.attrs->>$4, f.id
LIMIT $3
