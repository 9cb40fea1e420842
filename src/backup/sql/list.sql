SELECT id, state, requested_by, started_at, finished_at, wal_start_lsn, wal_end_lsn, size_bytes, error,
       verified_at, verify_result, verification
  FROM backups
 ORDER BY id DESC
 LIMIT 200
