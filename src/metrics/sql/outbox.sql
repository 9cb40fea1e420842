-- The notification outbox at a glance: waiting (pending or being sent), given up, and the age in
-- seconds of the oldest waiting one (0 when none waits). Sent rows are not read.
SELECT count(*) FILTER (WHERE status IN ('pending', 'sending')) AS pending,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       COALESCE(extract(epoch FROM now() - min(created_at) FILTER (WHERE status IN ('pending', 'sending'))), 0)::float8 AS oldest
FROM notification_outbox
WHERE status <> 'sent'
