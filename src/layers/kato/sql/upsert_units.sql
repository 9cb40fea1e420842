-- Upserts KATO units from parallel arrays. A name absent from the file keeps its stored value.
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::int2[], $4::text[], $5::text[], $6::text[])
        AS u(code, parent, level, name_ru, name_kk, name_en)
), updated AS (
    UPDATE kato_units k SET
        parent_code = i.parent, level = i.level,
        name_ru = coalesce(i.name_ru, k.name_ru),
        name_kk = coalesce(i.name_kk, k.name_kk),
        name_en = coalesce(i.name_en, k.name_en),
        source = $7
    FROM input i WHERE k.code = i.code
    RETURNING k.code
)
INSERT INTO kato_units (code, parent_code, level, name_ru, name_kk, name_en, source)
SELECT i.code, i.parent, i.level, coalesce(i.name_ru, i.name_kk, i.name_en), i.name_kk, i.name_en, $7
FROM input i WHERE i.code NOT IN (SELECT code FROM updated)
