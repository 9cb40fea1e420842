-- Kazakh in the Latin alphabet of 2021, transliterated from Cyrillic where no Latin text is given
-- (labels of the `kk-Latn` map style, see tiles/styles.rs). One letter for one letter
-- (Ә Ä, Ғ Ğ, Қ Q, Ң Ñ, Ө Ö, Ұ Ū, Ү Ü, Ш Ş, Ч Ç, Ы Y, І I ı, И Й İ i, Х Һ H); the Russian-only
-- letters Щ Ц Ё Ю Я become two letters and Ъ Ь are dropped. The same table is in web/src/translit.ts.
CREATE OR REPLACE FUNCTION qala_kk_latin(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(t, 'Щ', 'Şş'), 'щ', 'şş'), 'Ц', 'Ts'), 'ц', 'ts'), 'Ё', 'Io'), 'ё', 'io'), 'Ю', 'Iu'), 'ю', 'iu'), 'Я', 'Ia'), 'я', 'ia'),
        'АаӘәБбВвГгҒғДдЕеЖжЗзИиЙйКкҚқЛлМмНнҢңОоӨөПпРрСсТтУуҰұҮүФфХхҺһЧчШшЫыІіЭэЬьЪъ',
        'AaÄäBbVvGgĞğDdEeJjZzİiİiKkQqLlMmNnÑñOoÖöPpRrSsTtUuŪūÜüFfHhHhÇçŞşYyIıEe')
$$;
