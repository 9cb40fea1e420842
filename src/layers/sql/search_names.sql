-- Typo-tolerant search of named features in one layer's partition `{table}` (a validated layer id):
-- pg_trgm word similarity of the lower-cased query $1 against each name attribute in $2; the
-- title is the first present attribute of $3 (the caller's language first). Features with the same
-- title (a street cut into segments) are one hit: its extent, and the point of it nearest its centre.
-- $4 minimum score, $5 limit.
WITH hits AS (
    SELECT f.id, f.geom, f.kato,
           (SELECT max(word_similarity($1, lower(f.attrs->>k))) FROM unnest($2::text[]) AS k) AS score,
           (SELECT f.attrs->>k FROM unnest($3::text[]) WITH ORDINALITY AS u(k, i)
             WHERE f.attrs->>k IS NOT NULL ORDER BY i LIMIT 1) AS title
    FROM {table} f
    WHERE f.deleted_at IS NULL
), best AS (
    SELECT title, max(score) AS score, min(id) AS id, ST_Collect(geom) AS g, min(kato) AS kato
    FROM hits
    WHERE score >= $4 AND title IS NOT NULL
    GROUP BY title
    ORDER BY max(score) DESC, title
    LIMIT $5
)
SELECT b.id::text AS id, b.title, b.score::real AS score, k.name_ru, k.name_kk, k.name_en,
       ST_X(p.c) AS lon, ST_Y(p.c) AS lat,
       ST_XMin(b.g) AS xmin, ST_YMin(b.g) AS ymin, ST_XMax(b.g) AS xmax, ST_YMax(b.g) AS ymax
FROM best b
CROSS JOIN LATERAL (SELECT ST_ClosestPoint(b.g, ST_Centroid(b.g)) AS c) p
LEFT JOIN kato_units k ON k.code = b.kato
ORDER BY b.score DESC, b.title
