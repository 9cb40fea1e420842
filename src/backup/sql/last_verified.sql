SELECT max(verified_at) FROM backups WHERE verify_result = 'ok'
