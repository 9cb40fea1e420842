DELETE FROM eds_challenges WHERE expires_at < $1 - interval '1 day'
