-- The parent chain of a unit, nearest first.
WITH RECURSIVE chain AS (
    SELECT p.*, 1 AS depth FROM kato_units c JOIN kato_units p ON p.code = c.parent_code WHERE c.code = $1
    UNION ALL
    SELECT p.*, chain.depth + 1 FROM chain JOIN kato_units p ON p.code = chain.parent_code
)
SELECT code::text AS code, parent_code::text AS parent_code, level, name_ru, name_kk, name_en FROM chain ORDER BY depth
