-- Typo-tolerant search of named features in one layer's partition `{table}` (a validated layer id):
-- `{matches}` is `$1 <% lower(f.attrs->>'<name attribute>')` OR-ed over the layer's name
-- attributes (each has a trigram index, migration 0007; the caller sets
-- pg_trgm.word_similarity_threshold), `{scores}` their word similarities, `{titles}` the name
-- attributes in the caller's language order. Features with the same title (a street cut into
-- segments) are one hit: its extent, and the point of it nearest its centre. $1 lower-cased query,
-- $2 limit.
WITH hits AS (
    SELECT f.id, f.geom, f.kato, greatest({scores}) AS score, coalesce({titles}) AS title
    FROM {table} f
    WHERE f.deleted_at IS NULL AND ({matches})
), best AS (
    SELECT title, max(score) AS score, min(id) AS id, ST_Collect(geom) AS g, min(kato) AS kato
    FROM hits
    WHERE title IS NOT NULL
    GROUP BY title
    ORDER BY max(score) DESC, title
    LIMIT $2
)
SELECT b.id::text AS id, b.title, b.score::real AS score, k.name_ru, k.name_kk, k.name_en,
       ST_X(p.c) AS lon, ST_Y(p.c) AS lat,
       ST_XMin(b.g) AS xmin, ST_YMin(b.g) AS ymin, ST_XMax(b.g) AS xmax, ST_YMax(b.g) AS ymax
FROM best b
CROSS JOIN LATERAL (SELECT ST_ClosestPoint(b.g, ST_Centroid(b.g)) AS c) p
LEFT JOIN kato_units k ON k.code = b.kato
ORDER BY b.score DESC, b.title
