-- Takes up to $2 due notifications of the channels $4 and leases them for $3 seconds from $1 (the
-- worker's clock): pending ones whose time has come, and those whose lease ran out because their
-- worker stopped. A leased row is due again when its lease ends (next_attempt_at = locked_until).
-- Rows another worker is taking are skipped, not waited for.
WITH due AS (
    SELECT id, status AS was
    FROM notification_outbox
    WHERE status IN ('pending', 'sending') AND next_attempt_at <= $1 AND channel = ANY($4)
    ORDER BY next_attempt_at, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE notification_outbox o
SET status = 'sending',
    attempts = o.attempts + 1,
    locked_until = $1 + make_interval(secs => $3),
    next_attempt_at = $1 + make_interval(secs => $3)
FROM due
WHERE o.id = due.id
RETURNING o.id, o.event, o.channel, o.recipient, o.lang, o.data, o.attempts, due.was
