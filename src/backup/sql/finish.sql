UPDATE backups
   SET state = $2, finished_at = $3, wal_start_lsn = $4, wal_end_lsn = $5, size_bytes = $6, error = $7
 WHERE id = $1
