UPDATE backups SET state = 'failed', error = 'interrupted: the process taking it ended', finished_at = now()
 WHERE state = 'running' AND id <> ALL($1)
