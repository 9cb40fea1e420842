-- Channel $1 failed with $2 at $4: one more consecutive failure; at $3 of them it is flagged as
-- failing. Returns whether this failure raised the flag, and the count.
WITH old AS (SELECT channel, failing FROM notification_channels WHERE channel = $1 FOR UPDATE)
UPDATE notification_channels c
SET consecutive_failures = c.consecutive_failures + 1,
    last_error = $2,
    failing = c.failing OR c.consecutive_failures + 1 >= $3,
    failing_since = CASE WHEN NOT c.failing AND c.consecutive_failures + 1 >= $3 THEN $4 ELSE c.failing_since END
FROM old
WHERE c.channel = old.channel
RETURNING (NOT old.failing AND c.failing) AS raised, c.consecutive_failures
