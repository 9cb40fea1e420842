SELECT max(started_at) FROM backups WHERE state = 'done'
