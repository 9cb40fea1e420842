-- The feature of a submitted application on the applications layer (when the catalog has it):
-- its site and the attributes the map shows. `created_by` is the applicant (qala.actor).
INSERT INTO features (layer_id, geom, attrs)
SELECT $3, a.geom, $2
FROM applications a
WHERE a.id = $1 AND a.geom IS NOT NULL
  AND EXISTS (SELECT 1 FROM layers l WHERE l.id = $3 AND l.active)
RETURNING id
