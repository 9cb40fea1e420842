-- The KATO unit of the site of application $1, with its names.
SELECT u.code, u.name_ru, u.name_kk, u.name_en
FROM applications a
JOIN kato_units u ON u.code = qala_kato_at(a.geom)
WHERE a.id = $1
