INSERT INTO eds_challenges (sha256, created_at, expires_at) VALUES ($1, $2, $3)
