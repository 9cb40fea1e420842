-- Typo-tolerant search over Russian, Kazakh and English names (pg_trgm word similarity).
-- $1 is the lower-cased query; $3 a code prefix (descendants of a unit) or ''; the caller sets
-- pg_trgm.word_similarity_threshold.
SELECT code::text AS code, parent_code::text AS parent_code, level, name_ru, name_kk, name_en,
       greatest(word_similarity($1, lower(name_ru)),
                word_similarity($1, lower(coalesce(name_kk, ''))),
                word_similarity($1, lower(coalesce(name_en, '')))) AS score
FROM kato_units
WHERE ($1 <% lower(name_ru) OR $1 <% lower(name_kk) OR $1 <% lower(coalesce(name_en, '')))
  AND code LIKE $3 || '%'
ORDER BY score DESC, similarity($1, lower(name_ru)) DESC, level, code
LIMIT $2
