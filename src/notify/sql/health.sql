-- Each channel's health, with its notifications waiting and given up.
SELECT c.channel, c.consecutive_failures, c.failing, c.failing_since, c.last_error, c.last_success_at,
       (SELECT count(*) FROM notification_outbox o WHERE o.channel = c.channel AND o.status IN ('pending', 'sending')) AS waiting,
       (SELECT count(*) FROM notification_outbox o WHERE o.channel = c.channel AND o.status = 'failed') AS failed
FROM notification_channels c
ORDER BY c.channel
