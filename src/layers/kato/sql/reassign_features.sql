-- After boundaries change: every live feature gets the code of the smallest unit containing it.
UPDATE features f SET kato = k.code
FROM (SELECT id, qala_kato_at(geom) AS code FROM features WHERE deleted_at IS NULL) k
WHERE f.id = k.id AND f.kato IS DISTINCT FROM k.code
