UPDATE backups SET verified_at = $2, verify_result = $3, verification = $4 WHERE id = $1
