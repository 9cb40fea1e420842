-- A new version of a service; it becomes the current one (the UPDATE after it retires the others).
INSERT INTO services (id, version, provider, category, definition, file_sha256, current)
VALUES ($1, $2, $3, $4, $5, $6, false)
