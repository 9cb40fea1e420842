-- Channel $1 delivered at $2: its failure count and flag are cleared; returns whether it was flagged.
WITH old AS (SELECT channel, failing FROM notification_channels WHERE channel = $1 FOR UPDATE)
UPDATE notification_channels c
SET consecutive_failures = 0, failing = false, failing_since = NULL, last_success_at = $2
FROM old
WHERE c.channel = old.channel
RETURNING old.failing
