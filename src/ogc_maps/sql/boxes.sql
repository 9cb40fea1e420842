-- WGS84 boxes ($1 west, $2 south, $3 east, $4 north: arrays of the same length) in each CRS of
-- $5 (SRIDs): the box of the box's outline (segmentised, so curved edges are covered), as
-- (ordinal of the box from 1, SRID, xmin, ymin, xmax, ymax). Latitudes are kept within 85
-- degrees (Web Mercator's limit).
SELECT b.i::int4, s.srid,
       ST_XMin(t.bx)::float8, ST_YMin(t.bx)::float8, ST_XMax(t.bx)::float8, ST_YMax(t.bx)::float8
FROM unnest($1::float8[], $2::float8[], $3::float8[], $4::float8[]) WITH ORDINALITY AS b(west, south, east, north, i)
CROSS JOIN unnest($5::int4[]) AS s(srid)
CROSS JOIN LATERAL (
    SELECT ST_Transform(
        ST_Segmentize(ST_MakeEnvelope(b.west, GREATEST(b.south, -85.0), b.east, LEAST(b.north, 85.0), 4326), 0.05),
        s.srid)::box2d AS bx
) t
ORDER BY b.i, s.srid
