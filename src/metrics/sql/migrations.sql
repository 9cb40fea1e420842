-- The migrations applied successfully: version and checksum.
SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version
