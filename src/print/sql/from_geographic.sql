-- Geographic points (of the CRS's datum, srid $2) in the CRS $1. $3 longitude[], $4 latitude[];
-- returns x, y in the order given.
SELECT ST_X(p), ST_Y(p)
FROM unnest($3::float8[], $4::float8[]) WITH ORDINALITY AS u(lon, lat, i),
     LATERAL ST_Transform(ST_SetSRID(ST_MakePoint(u.lon, u.lat), $2), $1) AS p
ORDER BY u.i
