-- The centre of a print in its CRS, the CRS's scale factor there and the direction of true
-- north. $1 srid, $2 longitude, $3 latitude (WGS84). The scale factor is the projected length of
-- a 100 m east-west geodesic segment through the centre divided by 100 m; north is the grid
-- azimuth (degrees clockwise) of a point 0.001 degrees north.
WITH c AS (
    SELECT ST_SetSRID(ST_MakePoint($2, $3), 4326) AS g,
           ST_Project(ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography, 50, radians(90))::geometry AS e,
           ST_Project(ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography, 50, radians(270))::geometry AS w
)
SELECT ST_X(ST_Transform(g, $1)), ST_Y(ST_Transform(g, $1)),
       ST_Distance(ST_Transform(e, $1), ST_Transform(w, $1)) / ST_Distance(e::geography, w::geography, true),
       degrees(ST_Azimuth(ST_Transform(g, $1), ST_Transform(ST_Translate(g, 0, 0.001), $1))),
       (SELECT srtext FROM spatial_ref_sys WHERE srid = $1)
FROM c
