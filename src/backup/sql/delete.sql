DELETE FROM backups WHERE id = $1
