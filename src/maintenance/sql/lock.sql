SELECT pg_advisory_xact_lock(hashtext('qala_maintenance_windows'))
