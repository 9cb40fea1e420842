-- The direct children of a unit, by code.
SELECT code::text AS code, parent_code::text AS parent_code, level, name_ru, name_kk, name_en
FROM kato_units WHERE parent_code = $1 ORDER BY code
