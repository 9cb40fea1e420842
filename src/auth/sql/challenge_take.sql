-- Uses a challenge once: only an unused one that has not expired at $2.
UPDATE eds_challenges SET used_at = $2
WHERE sha256 = $1 AND used_at IS NULL AND expires_at > $2
RETURNING sha256
