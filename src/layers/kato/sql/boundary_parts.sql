-- Every boundary part with its unit's code and area, for the in-memory index (locate.rs).
SELECT code::text, area_m2, ST_AsBinary(geom) FROM kato_boundary_parts
