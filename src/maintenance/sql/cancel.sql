UPDATE maintenance_windows SET cancelled_at = $2, cancelled_by = $3
WHERE id = $1 AND cancelled_at IS NULL AND ends_at > $2
RETURNING id
