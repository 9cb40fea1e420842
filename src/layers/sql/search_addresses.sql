-- Addresses in one layer's partition `{table}`: the `street` attribute resembles the lower-cased
-- street $1 (`<%`, through the trigram index of migration 0007; the caller sets
-- pg_trgm.word_similarity_threshold) and `house_number` starts with $2 (lower-cased, LIKE-escaped);
-- an exact house number ($4) ranks first. $3 limit.
SELECT f.id::text AS id, f.attrs->>'street' AS street, f.attrs->>'house_number' AS house,
       (word_similarity($1, lower(f.attrs->>'street'))
        + CASE WHEN lower(f.attrs->>'house_number') = $4 THEN 1 ELSE 0.5 END)::real AS score,
       k.name_ru, k.name_kk, k.name_en,
       ST_X(p.c) AS lon, ST_Y(p.c) AS lat,
       ST_XMin(f.geom) AS xmin, ST_YMin(f.geom) AS ymin, ST_XMax(f.geom) AS xmax, ST_YMax(f.geom) AS ymax
FROM {table} f
CROSS JOIN LATERAL (SELECT ST_PointOnSurface(f.geom) AS c) p
LEFT JOIN kato_units k ON k.code = f.kato
WHERE f.deleted_at IS NULL
  AND $1 <% lower(f.attrs->>'street')
  AND lower(f.attrs->>'house_number') LIKE $2 || '%'
ORDER BY score DESC, f.attrs->>'street', f.id
LIMIT $3
