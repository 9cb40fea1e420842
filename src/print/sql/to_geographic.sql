-- Points of a CRS in the geographic CRS of its own datum. $1 srid, $2 geographic srid, $3 x[],
-- $4 y[]; returns longitude, latitude in the order given.
SELECT ST_X(p), ST_Y(p)
FROM unnest($3::float8[], $4::float8[]) WITH ORDINALITY AS u(x, y, i),
     LATERAL ST_Transform(ST_SetSRID(ST_MakePoint(u.x, u.y), $1), $2) AS p
ORDER BY u.i
