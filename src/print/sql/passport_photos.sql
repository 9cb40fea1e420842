-- The image attachments of a feature, oldest first. $1 layer, $2 feature id.
SELECT sha256, file_name, media_type FROM attachments
WHERE layer_id = $1 AND feature_id = $2 AND deleted_at IS NULL AND media_type LIKE 'image/%'
ORDER BY id
LIMIT 6
