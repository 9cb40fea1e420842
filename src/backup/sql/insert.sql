INSERT INTO backups (id, state, requested_by, started_at) VALUES ($1, 'running', $2, $3)
